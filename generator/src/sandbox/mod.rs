//! A sandbox server made from a spec (feature `sandbox`): every operation
//! answered at its path with the spec's own examples (or a value made from
//! the schema), requests checked against the spec, and a control API for
//! tests — `pasarela-gen serve` and [`Sandbox::start`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use pasarela_gen::sandbox::{Sandbox, Validation};
//!
//! let sandbox = Sandbox::start("specs/my-api.yaml", Validation::Strict).await?;
//! println!("point the client at {}", sandbox.base_url());
//! // A test can script faults and read what was sent:
//! sandbox.fail_next(503, 1);
//! let seen = sandbox.requests();
//! # let _ = seen;
//! # Ok(()) }
//! ```
//!
//! What it does, per request:
//! 1. `/__sandbox/…` is the control API (see [`control`]).
//! 2. A `POST` to an OAuth2 token URL the spec declares answers a token.
//! 3. The request is matched to an operation (method and path template,
//!    under the base path of the spec's first server); none: 404 problem.
//! 4. It is checked ([`validate`]): required parameters, the body, and the
//!    security the operation requires. In [`Validation::Strict`] a failure
//!    answers 400 (or 401 for missing credentials) with an RFC 9457 problem
//!    document naming every problem; in `Warn` it is logged and answered.
//! 5. A scripted fault, if any, is applied (status, delay, reset).
//! 6. The answer ([`answers`]): the response a `Prefer: code=N` header
//!    names, else the first 2xx; its example (`Prefer: example=name`
//!    picks one of `examples`), else one made from its schema — whichever
//!    the generated client reads as the response's type ([`conform`]),
//!    else a value made from that type ([`sample`]); a `Sandbox-Note`
//!    header says why an example was not served. Extension shapes
//!    ([`shape`]): result envelopes answer the outcome `Prefer:
//!    outcome=success|partial|error` asks for (success by default), text
//!    results their `OK:` pattern or error prefix, CSV bodies rows of
//!    their row type.
//! 7. A paginated operation answers pages ([`paging`]): `Prefer: pages=N`
//!    (3 by default) pages of the made-up items, following the declared
//!    scheme, then an empty one.
//! 8. For an operation that declares idempotency keys ([`idempotency`]),
//!    the first answer per key is stored (also when a scripted reset or
//!    delay then loses it: the sandbox acted) and replayed for a repeat with
//!    the same body (logged with `replayed: true`, header
//!    `Idempotent-Replayed: true`); the same key with another body is
//!    answered with the operation's conflict status.

pub mod answers;
pub mod conform;
pub mod control;
pub mod idempotency;
pub mod paging;
pub mod sample;
pub mod shape;
pub mod validate;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value as Json};

use crate::ir::{Api, Operation, SchemeKind};
use crate::{Diagnostics, Source};

/// How requests are checked against the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Validation {
    /// A request that breaks the spec is answered 400/401 with a problem
    /// document.
    #[default]
    Strict,
    /// Problems are recorded in the request log; the request is answered.
    Warn,
    /// Requests are not checked.
    Off,
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The spec file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The spec is not valid (every problem listed).
    #[error("{0}")]
    Spec(Diagnostics),
    /// The spec parsed for the generator but not as plain YAML/JSON.
    #[error("cannot read {path} as YAML or JSON: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
}

/// How many requests the log keeps (the oldest go first): a long-running
/// `serve` under load stays bounded.
pub const LOG_LIMIT: usize = 10_000;
/// How much of a body the log keeps.
pub const LOGGED_BODY_LIMIT: usize = 1 << 20;

/// One request the sandbox received, as the request log keeps it:
/// credentials (the `Authorization` and `Cookie` headers, API keys in
/// headers, query or form fields) are replaced by `***`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoggedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path as received.
    pub path: String,
    /// The query string as received (credentials masked).
    pub query: String,
    /// The operation it matched (`operationId`), if any.
    pub operation: Option<String>,
    /// Header names and values (credentials masked).
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8; credentials in form fields masked;
    /// the first [`LOGGED_BODY_LIMIT`] bytes, `… (N bytes)` after a cut).
    pub body: String,
    /// The status answered.
    pub status: u16,
    /// What validation found wrong (empty when nothing, or when off).
    pub problems: Vec<String>,
    /// The answer was replayed from the first request with the same
    /// idempotency key: the sandbox did not act again.
    pub replayed: bool,
}

impl LoggedRequest {
    /// The value of a form field or a `multipart/form-data` part of the
    /// body (as logged: credentials masked), e.g. the CSV file a client
    /// uploaded.
    pub fn form_field(&self, name: &str) -> Option<String> {
        let mut headers = hyper::HeaderMap::new();
        let content_type = self
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .and_then(|(_, v)| hyper::header::HeaderValue::from_str(v).ok())?;
        headers.insert(hyper::header::CONTENT_TYPE, content_type);
        validate::form_fields(&headers, self.body.as_bytes())
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// The spec, read once, shared by every connection.
struct Spec {
    api: Api,
    raw: Json,
    base_path: String,
    validation: Validation,
}

/// A fault scripted for the next requests (see [`control`]).
#[derive(Debug, Clone, Default)]
struct Faults {
    /// Answer this status (with a problem document) …
    status: Option<(u16, usize)>,
    /// … or wait this long first …
    delay: Option<(Duration, usize)>,
    /// … or close the connection without answering.
    reset: usize,
}

#[derive(Default)]
struct State {
    /// The newest [`LOG_LIMIT`] requests.
    log: std::collections::VecDeque<LoggedRequest>,
    faults: Faults,
    tokens: u64,
    keys: idempotency::Keys,
}

/// A running sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    /// What reading the spec leniently repaired, and other warnings.
    warnings: Diagnostics,
    base_path: String,
    token_paths: Vec<(String, String)>,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "State({} requests)", self.log.len())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sandbox {
    /// Starts a sandbox for the spec at `path` on `127.0.0.1`, on a free port.
    pub async fn start(
        path: impl AsRef<Path>,
        validation: Validation,
    ) -> Result<Sandbox, SandboxError> {
        Self::start_on(path, validation, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a sandbox for the spec at `path` on `addr` (port 0: a free one).
    pub async fn start_on(
        path: impl AsRef<Path>,
        validation: Validation,
        addr: SocketAddr,
    ) -> Result<Sandbox, SandboxError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        // Read as `generate --lenient` reads it (the files its `$ref`s name
        // included): a mock server serves every document a client can be
        // generated from, and says what it repaired (`warnings`).
        let source = Source::from_path(path).map_err(|source| SandboxError::Read {
            path: shown.clone(),
            source,
        })?;
        let checked = crate::check_with(&source, &crate::Config::default().lenient(true))
            .map_err(SandboxError::Spec)?;
        let (api, warnings) = (checked.api, checked.warnings);
        let raw = parse_raw(&source.text).map_err(|message| SandboxError::Parse {
            path: shown.clone(),
            message,
        })?;
        let base_path = base_path(&api, &raw);
        let token_paths = api
            .security_schemes
            .iter()
            .filter_map(|s| match &s.kind {
                SchemeKind::OAuth2ClientCredentials { token_url, .. } => {
                    Some((s.name.clone(), url_path(token_url)))
                }
                _ => None,
            })
            .collect();
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: addr.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        let spec = Arc::new(Spec {
            api,
            raw,
            base_path: base_path.clone(),
            validation,
        });
        let state = Arc::new(Mutex::new(State::default()));
        let task = tokio::spawn(serve(listener, spec, state.clone()));
        Ok(Sandbox {
            addr,
            warnings,
            base_path,
            token_paths,
            state,
            task,
        })
    }

    /// What reading the spec found without refusing it: the deviations a
    /// lenient reading repaired (each with its class), and other warnings.
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the API is served: `http://127.0.0.1:PORT` plus the base path
    /// of the spec's first server (`/v2/billing`), for a client's `base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.base_path)
    }

    /// The token URL of the OAuth2 scheme named `scheme`, served here.
    pub fn token_url(&self, scheme: &str) -> Option<String> {
        self.token_paths
            .iter()
            .find(|(name, _)| name == scheme)
            .map(|(_, path)| format!("http://{}{path}", self.addr))
    }

    /// The requests received so far, oldest first (the newest
    /// [`LOG_LIMIT`]).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.state).log.iter().cloned().collect()
    }

    /// Answers the next `times` requests with `status` (and a problem
    /// document) instead of the spec's answer.
    pub fn fail_next(&self, status: u16, times: usize) {
        lock(&self.state).faults.status = Some((status, times));
    }

    /// Waits `delay` before answering each of the next `times` requests.
    pub fn delay_next(&self, delay: Duration, times: usize) {
        lock(&self.state).faults.delay = Some((delay, times));
    }

    /// Closes the connection of the next `times` requests without answering.
    pub fn reset_next(&self, times: usize) {
        lock(&self.state).faults.reset = times;
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding the lock cannot leave the log inconsistent.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The document as JSON: JSON read as JSON; YAML read with the same YAML
/// library as the generator (numbers JSON cannot hold as integers are kept
/// as floating point; aliases resolved).
pub fn parse_raw(text: &str) -> Result<Json, String> {
    if let Ok(json) = serde_json::from_str::<Json>(text) {
        return Ok(json);
    }
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    Ok(docs.into_iter().next().map_or(Json::Null, yaml_to_json))
}

fn yaml_to_json(value: yaml_rust2::Yaml) -> Json {
    use yaml_rust2::Yaml as Y;
    let number = |text: &str| {
        text.parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Json::String(text.to_string()), Json::Number)
    };
    match value {
        Y::Null | Y::BadValue => Json::Null,
        Y::Boolean(b) => Json::Bool(b),
        Y::Integer(i) => Json::from(i),
        Y::Real(text) => number(&text),
        Y::String(s) => Json::String(s),
        Y::Array(items) => Json::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Hash(map) => Json::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) | Y::Real(s) => s,
                        Y::Integer(i) => i.to_string(),
                        Y::Boolean(b) => b.to_string(),
                        _ => String::new(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Alias(_) => Json::Null,
    }
}

/// The path of a URL (`https://h/v2/x?q` → `/v2/x`); a relative URL as is.
fn url_path(url: &str) -> String {
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url,
    };
    let path = rest.split(['?', '#']).next().unwrap_or("");
    path.trim_end_matches('/').to_string()
}

/// The base path operations are served under: the path of the first
/// server URL (OpenAPI 3), or `basePath` (Swagger 2.0).
fn base_path(api: &Api, raw: &Json) -> String {
    if let Some(base) = raw.get("basePath").and_then(Json::as_str) {
        return base.trim_end_matches('/').to_string();
    }
    api.servers.first().map(|s| url_path(s)).unwrap_or_default()
}

async fn serve(listener: tokio::net::TcpListener, spec: Arc<Spec>, state: Arc<Mutex<State>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (spec, state) = (spec.clone(), state.clone());
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let service = hyper::service::service_fn(move |req| {
                let (spec, state) = (spec.clone(), state.clone());
                async move { handle(req, &spec, &state).await }
            });
            // A reset fault drops the connection: the error is the point.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

/// What [`handle`] answers: a response, or a dropped connection.
type Answer = Result<Response<Full<Bytes>>, std::io::Error>;

async fn handle(req: Request<Incoming>, spec: &Spec, state: &Mutex<State>) -> Answer {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return Err(std::io::Error::other(e)),
    };
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    if let Some(rest) = path.strip_prefix("/__sandbox/") {
        return Ok(control::handle(&parts.method, rest, &body, state));
    }
    let incoming = validate::Incoming {
        method: parts.method.as_str(),
        path: &path,
        query: &query,
        headers: &parts.headers,
        body: &body,
    };
    let (status, answer, operation, problems) = answer_for(&incoming, spec, state);
    let key = operation.and_then(|op| idempotency_key(op, &parts.headers));
    let (status, answer, keyed) = match (&key, operation) {
        (Some(key), Some(op)) if problems.is_empty() || spec.validation != Validation::Strict => {
            let found = lock(state).keys.lookup(&op.id, key, &body);
            match found {
                idempotency::Lookup::Fresh => (status, answer, Keyed::Fresh),
                idempotency::Lookup::Replay(stored) => {
                    let mut r =
                        raw_response(stored.status, &stored.content_type, stored.body.to_vec());
                    r.headers_mut().insert(
                        "idempotent-replayed",
                        hyper::header::HeaderValue::from_static("true"),
                    );
                    (stored.status, r, Keyed::Replayed)
                }
                idempotency::Lookup::Conflict => {
                    let status = op
                        .idempotency
                        .as_ref()
                        .and_then(|i| i.conflict_statuses.first().copied())
                        .unwrap_or(idempotency::DEFAULT_CONFLICT_STATUS);
                    let r = problem(
                        status,
                        "idempotency key reused",
                        &["this idempotency key was used before with a different request body"],
                    );
                    (status, r, Keyed::Refused)
                }
            }
        }
        _ => (status, answer, Keyed::No),
    };
    let mut entry = LoggedRequest {
        method: parts.method.to_string(),
        path: path.clone(),
        query: validate::mask_query(&query, &spec.api),
        operation: operation.map(|op| op.id.clone()),
        headers: validate::mask_headers(&parts.headers, &spec.api),
        body: logged_body(validate::mask_body(&body, &parts.headers, &spec.api)),
        status,
        problems,
        replayed: keyed == Keyed::Replayed,
    };
    // Scripted faults come last: the request is logged either way.
    let (reset, delay, fault) = {
        let mut st = lock(state);
        let faults = &mut st.faults;
        let reset = take(&mut faults.reset);
        let delay = match &mut faults.delay {
            Some((d, n)) if *n > 0 => {
                *n -= 1;
                Some(*d)
            }
            _ => None,
        };
        let fault = match &mut faults.status {
            Some((s, n)) if *n > 0 => {
                *n -= 1;
                Some(*s)
            }
            _ => None,
        };
        if let Some(s) = fault {
            entry.status = s;
        }
        if st.log.len() >= LOG_LIMIT {
            st.log.pop_front();
        }
        st.log.push_back(entry);
        (reset, delay, fault)
    };
    // A fresh key's answer is stored unless a scripted status says the
    // server failed before acting; a reset or a delay loses an answer the
    // sandbox did act on.
    let answer = match (&key, operation, keyed, fault) {
        (Some(key), Some(op), Keyed::Fresh, None) if status < 500 => {
            let (head, full) = answer.into_parts();
            let bytes = match full.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(never) => match never {},
            };
            let content_type = head
                .headers
                .get(hyper::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            lock(state).keys.store(
                &op.id,
                key,
                body.clone(),
                status,
                content_type,
                bytes.clone(),
            );
            Response::from_parts(head, Full::new(bytes))
        }
        _ => answer,
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if reset {
        return Err(std::io::Error::other("sandbox: scripted connection reset"));
    }
    if let Some(status) = fault {
        return Ok(problem(
            status,
            "scripted fault",
            &["the sandbox was told to fail this request"],
        ));
    }
    Ok(answer)
}

/// How a request met the idempotency-key store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyed {
    /// No key (or the operation declares none).
    No,
    /// A new key: the answer is stored.
    Fresh,
    /// A repeat: the stored answer was sent again.
    Replayed,
    /// A reuse with another body: refused.
    Refused,
}

/// The idempotency key a request to `op` carries, when `op` declares keys.
fn idempotency_key(op: &Operation, headers: &hyper::HeaderMap) -> Option<String> {
    let declared = op.idempotency.as_ref()?;
    headers
        .get(declared.header.as_str())
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .map(str::to_string)
}

/// A body as the log keeps it: cut after [`LOGGED_BODY_LIMIT`] bytes.
fn logged_body(mut text: String) -> String {
    if text.len() > LOGGED_BODY_LIMIT {
        let total = text.len();
        let mut cut = LOGGED_BODY_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str(&format!("… ({total} bytes)"));
    }
    text
}

/// Takes one from a countdown; `true` when there was one.
fn take(count: &mut usize) -> bool {
    if *count > 0 {
        *count -= 1;
        true
    } else {
        false
    }
}

/// The answer to an API request: (status, response, matched operation,
/// problems found).
fn answer_for<'s>(
    req: &validate::Incoming<'_>,
    spec: &'s Spec,
    state: &Mutex<State>,
) -> (
    u16,
    Response<Full<Bytes>>,
    Option<&'s Operation>,
    Vec<String>,
) {
    if req.method == "POST" && spec.api.security_schemes.iter().any(|s| {
        matches!(&s.kind, SchemeKind::OAuth2ClientCredentials { token_url, .. } if url_path(token_url) == req.path.trim_end_matches('/'))
    }) {
        let n = {
            let mut st = lock(state);
            st.tokens += 1;
            st.tokens
        };
        let token = json!({
            "access_token": format!("sandbox-token-{n}"),
            "token_type": "Bearer",
            "expires_in": 3600,
        });
        return (200, json_response(200, "application/json", &token), None, Vec::new());
    }
    let Some(rest) = req.path.strip_prefix(spec.base_path.as_str()) else {
        let r = problem(
            404,
            "not found",
            &[&format!(
                "`{}` is not under the API's base path `{}`",
                req.path, spec.base_path
            )],
        );
        return (404, r, None, Vec::new());
    };
    let rest = if rest.is_empty() { "/" } else { rest };
    let Some((op, path_params)) = validate::find_operation(&spec.api, req.method, rest) else {
        let r = problem(
            404,
            "not found",
            &[&format!(
                "no operation of the spec answers {} {rest}",
                req.method
            )],
        );
        return (404, r, None, Vec::new());
    };
    let problems = match spec.validation {
        Validation::Off => Vec::new(),
        _ => validate::check(&spec.api, op, &path_params, req),
    };
    if spec.validation == Validation::Strict && !problems.is_empty() {
        // Missing credentials come first, as a gateway would check them.
        let unauthorized = problems.iter().any(|p| p.starts_with("credentials"));
        let status = if unauthorized { 401 } else { 400 };
        let texts: Vec<&str> = problems.iter().map(String::as_str).collect();
        let title = if unauthorized {
            "missing credentials"
        } else {
            "the request does not match the spec"
        };
        return (status, problem(status, title, &texts), Some(op), problems);
    }
    let prefer = req
        .headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match answers::answer(&spec.raw, &spec.api, op, prefer) {
        Ok(mut a) => {
            let mut extra = Vec::new();
            if let Some(pagination) = &op.pagination {
                if let Some(paged) = (200..300)
                    .contains(&a.status)
                    .then(|| paging::page(pagination, &a.body, req.query, prefer, req.path))
                    .flatten()
                {
                    a.body = paged.body;
                    extra = paged.headers;
                }
            }
            let mut r = raw_response(a.status, &a.content_type, a.body);
            for (name, value) in extra {
                if let (Ok(name), Ok(value)) = (
                    hyper::header::HeaderName::from_bytes(name.as_bytes()),
                    hyper::header::HeaderValue::from_str(&value),
                ) {
                    r.headers_mut().insert(name, value);
                }
            }
            if let Some(v) = a
                .note
                .map(|n| {
                    // A header holds visible ASCII only.
                    n.chars()
                        .map(|c| if c.is_ascii_graphic() { c } else { ' ' })
                        .collect::<String>()
                })
                .and_then(|n| hyper::header::HeaderValue::from_str(&n).ok())
            {
                r.headers_mut().insert("sandbox-note", v);
            }
            (a.status, r, Some(op), problems)
        }
        Err(why) => (
            400,
            problem(400, "cannot answer as asked", &[&why]),
            Some(op),
            problems,
        ),
    }
}

fn raw_response(status: u16, content_type: &str, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if !content_type.is_empty() {
        if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
            response
                .headers_mut()
                .insert(hyper::header::CONTENT_TYPE, v);
        }
    }
    response
}

fn json_response(status: u16, content_type: &str, value: &Json) -> Response<Full<Bytes>> {
    raw_response(status, content_type, value.to_string().into_bytes())
}

/// An RFC 9457 problem document.
fn problem(status: u16, title: &str, problems: &[&str]) -> Response<Full<Bytes>> {
    let doc = json!({
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": problems.join("; "),
        "problems": problems,
    });
    json_response(status, "application/problem+json", &doc)
}
