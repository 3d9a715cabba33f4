//! The HTTP client generated code calls: configuration ([`ClientBuilder`])
//! and the request pipeline ([`Client::send`]).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use tokio::time::Instant;
use tracing::Instrument as _;
use url::{Host, Url};

use crate::api::{ApiInfo, ApiKeyLocation, HttpMethod, Operation, SecuritySchemeKind};
use crate::auth::{
    basic_header, bearer_header, elapsed_ms, sensitive_header, Credential, TokenCache,
};
use crate::error::{describe_reqwest, AuthError, BuildError, Error, TimeoutKind};
use crate::request::{Body, Part, Request};
use crate::response::Response;
use crate::retry::{is_retryable_status, retry_after, Backoff, RetryPolicy};
use crate::secret::Secret;
use crate::streaming::StreamingResponse;

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default per-attempt timeout.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("pasarela/", env!("CARGO_PKG_VERSION"));

/// Characters escaped in a path parameter: everything but ASCII letters,
/// digits and `-._~` (so `/`, `?`, `#`, `%`, spaces, … never change the
/// URL's structure).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A credential as given to the builder.
#[derive(Debug)]
enum CredentialInput {
    ApiKey(Secret),
    Basic {
        user: String,
        password: Secret,
    },
    Bearer(Secret),
    OAuth2 {
        client_id: String,
        client_secret: Secret,
    },
}

impl CredentialInput {
    fn method(&self) -> &'static str {
        match self {
            CredentialInput::ApiKey(_) => "api_key",
            CredentialInput::Basic { .. } => "basic_auth",
            CredentialInput::Bearer(_) => "bearer_token",
            CredentialInput::OAuth2 { .. } => "oauth2_client_credentials",
        }
    }

    fn fits(&self, kind: &SecuritySchemeKind) -> bool {
        matches!(
            (self, kind),
            (
                CredentialInput::ApiKey(_),
                SecuritySchemeKind::ApiKey { .. }
            ) | (CredentialInput::Basic { .. }, SecuritySchemeKind::HttpBasic)
                | (CredentialInput::Bearer(_), SecuritySchemeKind::HttpBearer)
                | (
                    CredentialInput::OAuth2 { .. },
                    SecuritySchemeKind::OAuth2ClientCredentials { .. }
                )
        )
    }
}

/// Configures and builds a [`Client`].
///
/// Credentials are keyed by the security scheme's name in the spec; every
/// mistake (unknown scheme, wrong kind, bad URL, credentials over plain
/// HTTP) is reported by [`build`](ClientBuilder::build). `Debug` never
/// shows a secret.
pub struct ClientBuilder {
    api: &'static ApiInfo,
    base_url: Option<String>,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    total_timeout: Option<Duration>,
    retry: RetryPolicy,
    user_agent: Option<String>,
    http: Option<reqwest::Client>,
    allow_insecure_http: bool,
    credentials: BTreeMap<String, CredentialInput>,
    token_urls: BTreeMap<String, String>,
    scopes: BTreeMap<String, Vec<String>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api", &self.api.title)
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("custom_http_client", &self.http.is_some())
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("credentials", &self.credentials)
            .field("oauth2_token_urls", &self.token_urls)
            .field("oauth2_scopes", &self.scopes)
            .finish()
    }
}

impl ClientBuilder {
    /// A builder for the API described by `api`.
    pub fn new(api: &'static ApiInfo) -> Self {
        ClientBuilder {
            api,
            base_url: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            total_timeout: None,
            retry: RetryPolicy::default(),
            user_agent: None,
            http: None,
            allow_insecure_http: false,
            credentials: BTreeMap::new(),
            token_urls: BTreeMap::new(),
            scopes: BTreeMap::new(),
        }
    }

    /// Sets the base URL that operation paths are appended to (a trailing
    /// `/` is ignored). Defaults to the API's declared server.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the connect timeout (default 10 s). Ignored with a custom
    /// [`http_client`](ClientBuilder::http_client).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets the timeout of one HTTP attempt, from sending the request to
    /// reading the whole response (default 30 s). It also bounds each token
    /// request. For [`Client::send_streaming`] it bounds getting the
    /// response headers, and then the wait for each chunk of the body, never
    /// the whole download.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }

    /// Bounds a whole call: token fetch, every attempt and the waits between
    /// them (default: no bound).
    pub fn total_timeout(mut self, d: Duration) -> Self {
        self.total_timeout = Some(d);
        self
    }

    /// Sets the retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }

    /// Sets the `User-Agent` (default `pasarela/<version>`). Ignored with a
    /// custom [`http_client`](ClientBuilder::http_client).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Uses a caller-made [`reqwest::Client`]; its connect timeout, user
    /// agent, proxy, TLS and redirect settings are then the caller's
    /// business. (The default client follows no redirects.)
    pub fn http_client(mut self, c: reqwest::Client) -> Self {
        self.http = Some(c);
        self
    }

    /// Allows credentials to be sent over plain `http` to hosts other than
    /// this machine (default: refused by [`build`](ClientBuilder::build)).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Configures OAuth2 client credentials for the security scheme named
    /// `scheme`.
    pub fn oauth2_client_credentials(
        mut self,
        scheme: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        self.credentials.insert(
            scheme.to_owned(),
            CredentialInput::OAuth2 {
                client_id: client_id.into(),
                client_secret: client_secret.into(),
            },
        );
        self
    }

    /// Overrides the token URL the spec declares for the OAuth2 scheme
    /// `scheme`.
    pub fn oauth2_token_url(mut self, scheme: &str, url: impl Into<String>) -> Self {
        self.token_urls.insert(scheme.to_owned(), url.into());
        self
    }

    /// Sets the scopes requested for the OAuth2 scheme `scheme` (default:
    /// no `scope` parameter is sent).
    pub fn oauth2_scopes(mut self, scheme: &str, scopes: Vec<String>) -> Self {
        self.scopes.insert(scheme.to_owned(), scopes);
        self
    }

    /// Configures the API key of the security scheme `scheme`; it is sent
    /// where the scheme says (header, query parameter or form field).
    pub fn api_key(mut self, scheme: &str, key: impl Into<Secret>) -> Self {
        self.credentials
            .insert(scheme.to_owned(), CredentialInput::ApiKey(key.into()));
        self
    }

    /// Configures HTTP basic credentials for the security scheme `scheme`.
    pub fn basic_auth(
        mut self,
        scheme: &str,
        user: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        self.credentials.insert(
            scheme.to_owned(),
            CredentialInput::Basic {
                user: user.into(),
                password: password.into(),
            },
        );
        self
    }

    /// Configures a static bearer token for the security scheme `scheme`.
    pub fn bearer_token(mut self, scheme: &str, token: impl Into<Secret>) -> Self {
        self.credentials
            .insert(scheme.to_owned(), CredentialInput::Bearer(token.into()));
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let api = self.api;
        let raw_base = match (&self.base_url, api.default_base_url) {
            (Some(u), _) => u.clone(),
            (None, Some(u)) => u.to_owned(),
            (None, None) => return Err(BuildError::NoBaseUrl { api: api.title }),
        };
        let base = parse_base_url(&raw_base)?;
        let base_url = base.as_str().trim_end_matches('/').to_owned();

        let known = || {
            let names: Vec<&str> = api.security_schemes.iter().map(|s| s.name).collect();
            if names.is_empty() {
                "no security schemes".to_owned()
            } else {
                names.join(", ")
            }
        };
        let lookup = |scheme: &str, method: &'static str| {
            api.scheme(scheme).ok_or_else(|| BuildError::UnknownScheme {
                scheme: scheme.to_owned(),
                method,
                api: api.title,
                known: known(),
            })
        };

        // OAuth2-only settings must name OAuth2 schemes.
        for (name, method) in self
            .token_urls
            .keys()
            .map(|n| (n, "oauth2_token_url"))
            .chain(self.scopes.keys().map(|n| (n, "oauth2_scopes")))
        {
            let scheme = lookup(name, method)?;
            if !matches!(
                scheme.kind,
                SecuritySchemeKind::OAuth2ClientCredentials { .. }
            ) {
                return Err(BuildError::SchemeKindMismatch {
                    scheme: name.clone(),
                    method,
                    actual: scheme.kind.describe(),
                    hint: scheme.builder_call(),
                });
            }
        }

        let insecure_ok =
            |url: &Url| self.allow_insecure_http || url.scheme() == "https" || is_loopback(url);
        if !self.credentials.is_empty() && !insecure_ok(&base) {
            return Err(BuildError::InsecureHttp {
                what: "base URL".to_owned(),
                host: host_of(&base),
            });
        }

        let http = match self.http {
            Some(c) => c,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .user_agent(
                    self.user_agent
                        .unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned()),
                )
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| BuildError::HttpClient {
                    message: describe_reqwest(&e),
                    source: e,
                })?,
        };

        let mut credentials = BTreeMap::new();
        for (name, input) in self.credentials {
            let scheme = lookup(&name, input.method())?;
            if !input.fits(&scheme.kind) {
                return Err(BuildError::SchemeKindMismatch {
                    scheme: name,
                    method: input.method(),
                    actual: scheme.kind.describe(),
                    hint: scheme.builder_call(),
                });
            }
            let invalid = |reason: String| BuildError::InvalidCredential {
                scheme: scheme.name.to_owned(),
                reason,
            };
            let credential = match (input, scheme.kind) {
                (CredentialInput::ApiKey(key), SecuritySchemeKind::ApiKey { location, param }) => {
                    let header = match location {
                        ApiKeyLocation::Header => {
                            HeaderName::from_bytes(param.as_bytes()).map_err(|_| {
                                invalid(format!("`{param}` is not a valid header name"))
                            })?;
                            Some(sensitive_header(key.expose()).map_err(invalid)?)
                        }
                        ApiKeyLocation::Query | ApiKeyLocation::Form => None,
                    };
                    Credential::ApiKey {
                        location,
                        param,
                        key,
                        header,
                    }
                }
                (CredentialInput::Basic { user, password }, _) => {
                    Credential::Authorization(basic_header(&user, &password).map_err(invalid)?)
                }
                (CredentialInput::Bearer(token), _) => {
                    Credential::Authorization(bearer_header(&token).map_err(invalid)?)
                }
                (
                    CredentialInput::OAuth2 {
                        client_id,
                        client_secret,
                    },
                    SecuritySchemeKind::OAuth2ClientCredentials { token_url, .. },
                ) => {
                    let raw = self
                        .token_urls
                        .get(scheme.name)
                        .cloned()
                        .unwrap_or_else(|| token_url.to_owned());
                    let url = parse_token_url(scheme.name, &raw, &base)?;
                    if !insecure_ok(&url) {
                        return Err(BuildError::InsecureHttp {
                            what: format!("OAuth2 token URL of security scheme `{}`", scheme.name),
                            host: host_of(&url),
                        });
                    }
                    Credential::OAuth2(Box::new(
                        TokenCache::new(
                            scheme.name,
                            url,
                            client_id,
                            &client_secret,
                            self.scopes.get(scheme.name).cloned(),
                            http.clone(),
                            self.attempt_timeout,
                            self.retry.clone(),
                        )
                        .map_err(invalid)?,
                    ))
                }
                // `fits` has already matched input and kind.
                (input, _) => {
                    return Err(BuildError::SchemeKindMismatch {
                        scheme: scheme.name.to_owned(),
                        method: input.method(),
                        actual: scheme.kind.describe(),
                        hint: scheme.builder_call(),
                    })
                }
            };
            credentials.insert(scheme.name, credential);
        }

        Ok(Client {
            inner: Arc::new(Inner {
                api,
                base_url,
                http,
                attempt_timeout: self.attempt_timeout,
                total_timeout: self.total_timeout,
                retry: self.retry,
                credentials,
            }),
        })
    }
}

fn parse_base_url(raw: &str) -> Result<Url, BuildError> {
    let bad = |reason: &str| BuildError::InvalidBaseUrl {
        url: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    check_http_url(&url).map_err(|r| bad(&r))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL cannot have a query or a fragment"));
    }
    Ok(url)
}

fn parse_token_url(scheme: &str, raw: &str, base: &Url) -> Result<Url, BuildError> {
    let bad = |reason: String| BuildError::InvalidTokenUrl {
        scheme: scheme.to_owned(),
        url: raw.to_owned(),
        reason,
    };
    let url = match Url::parse(raw.trim()) {
        Ok(u) => u,
        // A relative token URL is resolved against the base URL taken as a
        // directory (RFC 3986): `token` → `<base>/token`, `/token` → `<host>/token`.
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let mut dir = base.clone();
            if !dir.path().ends_with('/') {
                let path = format!("{}/", dir.path());
                dir.set_path(&path);
            }
            dir.join(raw.trim()).map_err(|e| bad(e.to_string()))?
        }
        Err(e) => return Err(bad(e.to_string())),
    };
    check_http_url(&url).map_err(bad)?;
    Ok(url)
}

fn check_http_url(url: &Url) -> Result<(), String> {
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "the scheme must be http or https, not `{}`",
            url.scheme()
        ));
    }
    if url.host().is_none() {
        return Err("the URL has no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "the URL must not carry user credentials; configure them with the builder's auth methods"
                .to_owned(),
        );
    }
    Ok(())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn host_of(url: &Url) -> String {
    url.host_str().unwrap_or_default().to_owned()
}

/// A configured client for one API. Cheap to clone (the state is shared),
/// `Send + Sync`. `Debug` never shows a secret.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    api: &'static ApiInfo,
    base_url: String,
    http: reqwest::Client,
    attempt_timeout: Duration,
    total_timeout: Option<Duration>,
    retry: RetryPolicy,
    credentials: BTreeMap<&'static str, Credential>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("api", &i.api.title)
            .field("base_url", &i.base_url)
            .field("attempt_timeout", &i.attempt_timeout)
            .field("total_timeout", &i.total_timeout)
            .field("retry", &i.retry)
            .field("credentials", &i.credentials)
            .finish()
    }
}

/// The parts of a request that do not change between attempts.
struct Prepared {
    url: Url,
    method: reqwest::Method,
    headers: HeaderMap,
    body: PreparedBody,
    oauth: Option<&'static str>,
}

enum PreparedBody {
    None,
    Bytes {
        content_type: String,
        data: Bytes,
    },
    Multipart {
        parts: Vec<Part>,
        extra: Vec<(&'static str, String)>,
    },
}

/// How one attempt ended when it produced no response.
struct AttemptFailure {
    error: Error<Infallible>,
    retryable: bool,
}

impl Client {
    /// Shorthand for [`ClientBuilder::new`].
    pub fn builder(api: &'static ApiInfo) -> ClientBuilder {
        ClientBuilder::new(api)
    }

    /// The API this client talks to.
    pub fn api(&self) -> &'static ApiInfo {
        self.inner.api
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sends a request: builds the URL, applies auth, retries where safe,
    /// and reads the whole response.
    ///
    /// Every status is returned as `Ok(Response)`; retryable statuses are
    /// retried first (for retry-safe operations) and the last response is
    /// returned when attempts run out. `Err` means no usable response:
    /// transport failure, timeout, missing credentials or a request that
    /// cannot be built.
    ///
    /// For an operation that [moves money](Operation::moves_money), a
    /// timeout or transport failure after which the request may have been
    /// processed is [`Error::OutcomeUnknown`], quoting the request's
    /// [outcome reference](Operation::outcome_reference). The returned
    /// [`Response`] remembers the operation and that reference, so that
    /// [`Response::unexpected`] can do the same for a 5xx answer.
    pub async fn send<E>(&self, req: Request) -> Result<Response, Error<E>> {
        let op = req.op;
        let reference = req.outcome_reference();
        let resp = self.run(req, reference.clone(), read_whole).await?;
        Ok(resp.with_operation(op, reference))
    }

    /// Sends a request like [`send`](Client::send) (same auth, retries of
    /// retryable statuses, timeouts, tracing and outcome-unknown rules) but
    /// does not read the body: the [`StreamingResponse`] hands it out as it
    /// arrives.
    ///
    /// The per-attempt and total timeouts bound getting the response
    /// *headers* only, so a long download is not cut short. Reading the body
    /// is bounded differently: [`StreamingResponse::buffer`] must finish
    /// within the per-attempt timeout, and a
    /// [`CsvStream`](crate::csv::CsvStream) fails when no data arrives for
    /// that long.
    pub async fn send_streaming<E>(&self, req: Request) -> Result<StreamingResponse, Error<E>> {
        let op = req.op;
        let reference = req.outcome_reference();
        let timeout = self.inner.attempt_timeout;
        let resp = self
            .run(req, reference.clone(), move |r| {
                std::future::ready(Ok::<_, reqwest::Error>(StreamingResponse::new(r, timeout)))
            })
            .await?;
        Ok(resp.with_operation(op, reference))
    }

    /// The pipeline shared by [`send`](Client::send) and
    /// [`send_streaming`](Client::send_streaming): span, attempts, and the
    /// outcome-unknown rule. `read` turns the response of an attempt (headers
    /// received) into `T`, within the attempt's timeout.
    async fn run<T, E, F, Fut>(
        &self,
        req: Request,
        reference: Option<String>,
        read: F,
    ) -> Result<T, Error<E>>
    where
        T: Answer,
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, reqwest::Error>>,
    {
        let op = req.op;
        let span = tracing::info_span!(
            "pasarela.request",
            operation = op.id,
            method = op.method.as_str(),
            path = op.path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let result = self.inner.execute(req, read).instrument(span.clone()).await;
        result.map_err(|e| {
            let e = e.into_outcome_unknown(op, reference);
            if matches!(e, Error::OutcomeUnknown { .. }) {
                span.in_scope(|| {
                    tracing::warn!(error = %e, "outcome of a money-moving call is unknown");
                });
            }
            e.widen()
        })
    }
}

/// What an attempt produced, as far as the retry loop cares.
trait Answer {
    fn status(&self) -> u16;
    fn headers(&self) -> &HeaderMap;
}

impl Answer for Response {
    fn status(&self) -> u16 {
        Response::status(self)
    }
    fn headers(&self) -> &HeaderMap {
        Response::headers(self)
    }
}

impl Answer for StreamingResponse {
    fn status(&self) -> u16 {
        StreamingResponse::status(self)
    }
    fn headers(&self) -> &HeaderMap {
        StreamingResponse::headers(self)
    }
}

/// Reads a whole response.
async fn read_whole(mut resp: reqwest::Response) -> Result<Response, reqwest::Error> {
    let status = resp.status().as_u16();
    let headers = std::mem::take(resp.headers_mut());
    let body = resp.bytes().await?;
    Ok(Response::from_parts(status, headers, body))
}

impl Inner {
    async fn execute<T, F, Fut>(&self, req: Request, read: F) -> Result<T, Error<Infallible>>
    where
        T: Answer,
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, reqwest::Error>>,
    {
        let op = req.op;
        let started = Instant::now();
        let deadline = self.total_timeout.and_then(|t| started.checked_add(t));
        let prepared = self.prepare(req)?;
        let retry_safe = op.retry_safe();
        let mut backoff = self.retry.backoff();
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        let span = tracing::Span::current();

        let result = loop {
            attempt += 1;
            span.record("attempt", attempt);

            let token = match prepared.oauth {
                Some(scheme) => Some((scheme, self.oauth_token(scheme, deadline).await?)),
                None => None,
            };
            let request = self.build_attempt(&prepared, token.as_ref().map(|t| &t.1))?;

            let attempt_started = Instant::now();
            let attempt_deadline = attempt_started.checked_add(self.attempt_timeout);
            let (limit, kind) = match (attempt_deadline, deadline) {
                (Some(a), Some(t)) if t <= a => (Some(t), TimeoutKind::Total),
                (None, Some(t)) => (Some(t), TimeoutKind::Total),
                (a, _) => (a, TimeoutKind::Attempt),
            };
            let outcome = match limit {
                Some(limit) => tokio::time::timeout_at(limit, self.attempt(request, &read))
                    .await
                    .unwrap_or_else(|_| {
                        Err(AttemptFailure {
                            error: Error::Timeout {
                                kind,
                                outcome_unknown: !retry_safe,
                            },
                            retryable: kind == TimeoutKind::Attempt,
                        })
                    }),
                None => self.attempt(request, &read).await,
            };
            let outcome = outcome.map_err(|f| self.classify(f, retry_safe));
            let latency_ms = elapsed_ms(attempt_started);

            match outcome {
                Ok(resp) => {
                    let status = resp.status();
                    tracing::debug!(attempt, status, latency_ms, "attempt finished");
                    if status == 401 && !refreshed {
                        if let Some((scheme, used)) = &token {
                            refreshed = true;
                            tracing::warn!(
                                attempt,
                                status,
                                "OAuth2 token rejected; fetching a new token and repeating the request once"
                            );
                            self.invalidate(scheme, used, deadline).await?;
                            continue;
                        }
                    }
                    if retry_safe && is_retryable_status(status) {
                        if let Some(delay) =
                            self.next_delay(&mut backoff, Some(resp.headers()), deadline)
                        {
                            tracing::warn!(
                                attempt,
                                status,
                                delay_ms = delay.as_millis() as u64,
                                "retryable status; retrying"
                            );
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    break Ok(resp);
                }
                Err(failure) => {
                    tracing::debug!(attempt, latency_ms, error = %failure.error, "attempt failed");
                    if retry_safe && failure.retryable {
                        if let Some(delay) = self.next_delay(&mut backoff, None, deadline) {
                            tracing::warn!(
                                attempt,
                                delay_ms = delay.as_millis() as u64,
                                error = %failure.error,
                                "attempt failed; retrying"
                            );
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    break Err(failure.error);
                }
            }
        };

        if let Ok(resp) = &result {
            span.record("status", resp.status());
        }
        span.record("latency_ms", elapsed_ms(started));
        result
    }

    /// The delay before the next attempt, or `None` when no retry should be
    /// made (attempts exhausted, `Retry-After` too long, deadline too near).
    fn next_delay(
        &self,
        backoff: &mut Backoff,
        headers: Option<&HeaderMap>,
        deadline: Option<Instant>,
    ) -> Option<Duration> {
        let computed = backoff.next()?;
        let delay = match headers.and_then(retry_after) {
            Some(ra) if ra > self.retry.get_max_retry_after() => {
                tracing::debug!(
                    retry_after_ms = ra.as_millis() as u64,
                    "Retry-After is longer than the policy allows; not retrying"
                );
                return None;
            }
            Some(ra) => ra,
            None => computed,
        };
        if let Some(deadline) = deadline {
            match Instant::now().checked_add(delay) {
                Some(at) if at < deadline => {}
                _ => return None,
            }
        }
        Some(delay)
    }

    async fn oauth_token(
        &self,
        scheme: &'static str,
        deadline: Option<Instant>,
    ) -> Result<Secret, Error<Infallible>> {
        let Some(Credential::OAuth2(cache)) = self.credentials.get(scheme) else {
            return Err(Error::InvalidRequest(format!(
                "security scheme `{scheme}` has no OAuth2 credentials"
            )));
        };
        with_deadline(deadline, cache.token()).await?
    }

    async fn invalidate(
        &self,
        scheme: &'static str,
        used: &Secret,
        deadline: Option<Instant>,
    ) -> Result<(), Error<Infallible>> {
        if let Some(Credential::OAuth2(cache)) = self.credentials.get(scheme) {
            with_deadline(deadline, cache.invalidate(used)).await?;
        }
        Ok(())
    }

    /// Sends one attempt and hands the response to `read`.
    async fn attempt<T, F, Fut>(
        &self,
        request: reqwest::Request,
        read: &F,
    ) -> Result<T, AttemptFailure>
    where
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, reqwest::Error>>,
    {
        let failure = |e: reqwest::Error| AttemptFailure {
            error: Error::Transport {
                message: String::new(),
                outcome_unknown: false,
                source: Some(e),
            },
            retryable: false,
        };
        let resp = self.http.execute(request).await.map_err(failure)?;
        read(resp).await.map_err(failure)
    }

    /// Turns a raw attempt failure into the error the caller sees and
    /// decides whether it may be retried.
    fn classify(&self, failure: AttemptFailure, retry_safe: bool) -> AttemptFailure {
        let Error::Transport {
            source: Some(e), ..
        } = failure.error
        else {
            return failure;
        };
        let e = e.without_url();
        if e.is_builder() {
            return AttemptFailure {
                error: Error::InvalidRequest(describe_reqwest(&e)),
                retryable: false,
            };
        }
        if e.is_connect() {
            // The request never reached the server.
            let error = if e.is_timeout() {
                Error::Timeout {
                    kind: TimeoutKind::Connect,
                    outcome_unknown: false,
                }
            } else {
                Error::Transport {
                    message: describe_reqwest(&e),
                    outcome_unknown: false,
                    source: Some(e),
                }
            };
            return AttemptFailure {
                error,
                retryable: true,
            };
        }
        if e.is_timeout() {
            // A timeout of a caller-made client.
            return AttemptFailure {
                error: Error::Timeout {
                    kind: TimeoutKind::Attempt,
                    outcome_unknown: !retry_safe,
                },
                retryable: true,
            };
        }
        AttemptFailure {
            error: Error::Transport {
                message: describe_reqwest(&e),
                outcome_unknown: !retry_safe,
                source: Some(e),
            },
            retryable: false,
        }
    }

    /// Builds what stays the same across attempts: URL, headers, static
    /// auth, body.
    fn prepare(&self, req: Request) -> Result<Prepared, Error<Infallible>> {
        let op = req.op;
        let mut url = self.build_url(op, &req.path_params)?;
        let mut query: Vec<(&str, &str)> =
            req.query.iter().map(|(n, v)| (*n, v.as_str())).collect();

        let mut headers = HeaderMap::new();
        for (name, value) in &req.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::InvalidRequest(format!("`{name}` is not a valid header name"))
            })?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::InvalidRequest(format!(
                    "the value of header `{name}` contains characters not allowed in a header"
                ))
            })?;
            headers.append(name, value);
        }

        // Auth: every scheme of the operation that has a credential. The
        // first one that sets `Authorization` wins.
        let mut any = false;
        let mut authorization = false;
        let mut oauth = None;
        let mut form_keys: Vec<(&'static str, &str, &'static str)> = Vec::new();
        for scheme in op.security {
            let Some((&name, credential)) = self.credentials.get_key_value(scheme) else {
                continue;
            };
            any = true;
            match credential {
                Credential::ApiKey {
                    location: ApiKeyLocation::Header,
                    param,
                    header: Some(value),
                    ..
                } => {
                    if let Ok(hn) = HeaderName::from_bytes(param.as_bytes()) {
                        headers.insert(hn, value.clone());
                    }
                }
                Credential::ApiKey {
                    location: ApiKeyLocation::Query,
                    param,
                    key,
                    ..
                } => query.push((param, key.expose())),
                Credential::ApiKey {
                    location: ApiKeyLocation::Form,
                    param,
                    key,
                    ..
                } => form_keys.push((param, key.expose(), name)),
                Credential::ApiKey { .. } => {}
                Credential::Authorization(value) => {
                    if !authorization {
                        authorization = true;
                        headers.insert(AUTHORIZATION, value.clone());
                    }
                }
                Credential::OAuth2(cache) => {
                    if !authorization {
                        authorization = true;
                        oauth = Some(cache.scheme());
                    }
                }
            }
        }
        if !op.security.is_empty() && !any {
            return Err(Error::Auth(self.missing_credentials(op)));
        }

        // A form-field key of a request that has no body and whose method
        // does not usually carry one goes in the query string instead.
        if matches!(req.body, Body::None)
            && matches!(
                op.method,
                HttpMethod::Get | HttpMethod::Head | HttpMethod::Delete | HttpMethod::Options
            )
        {
            query.extend(form_keys.drain(..).map(|(k, v, _)| (k, v)));
        }

        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }

        let body = match req.body {
            Body::None if form_keys.is_empty() => PreparedBody::None,
            Body::None => PreparedBody::Bytes {
                content_type: "application/x-www-form-urlencoded".to_owned(),
                data: encode_form(
                    &form_keys
                        .into_iter()
                        .map(|(k, v, _)| (k.to_owned(), v.to_owned()))
                        .collect::<Vec<_>>(),
                )?,
            },
            Body::Form(mut fields) => {
                fields.extend(
                    form_keys
                        .into_iter()
                        .map(|(k, v, _)| (k.to_owned(), v.to_owned())),
                );
                PreparedBody::Bytes {
                    content_type: "application/x-www-form-urlencoded".to_owned(),
                    data: encode_form(&fields)?,
                }
            }
            Body::Multipart(parts) => PreparedBody::Multipart {
                parts,
                extra: form_keys
                    .into_iter()
                    .map(|(k, v, _)| (k, v.to_owned()))
                    .collect(),
            },
            Body::Json(_) | Body::Raw { .. } if !form_keys.is_empty() => {
                let scheme = form_keys.first().map(|k| k.2).unwrap_or_default();
                return Err(Error::InvalidRequest(format!(
                    "security scheme `{scheme}` sends its key as a form field, but operation `{}` does not have a form body",
                    op.id
                )));
            }
            Body::Json(data) => PreparedBody::Bytes {
                content_type: "application/json".to_owned(),
                data,
            },
            Body::Raw { content_type, data } => PreparedBody::Bytes { content_type, data },
        };
        if let PreparedBody::Bytes { content_type, .. } = &body {
            let value = HeaderValue::from_str(content_type).map_err(|_| {
                Error::InvalidRequest(format!("invalid content type `{content_type}`"))
            })?;
            headers.insert(CONTENT_TYPE, value);
        }

        Ok(Prepared {
            url,
            method: op.method.to_reqwest(),
            headers,
            body,
            oauth,
        })
    }

    fn missing_credentials(&self, op: &Operation) -> AuthError {
        let mut described = Vec::new();
        let mut hints = Vec::new();
        for name in op.security {
            match self.api.scheme(name) {
                Some(s) => {
                    described.push(format!("`{}` ({})", s.name, s.kind.describe()));
                    hints.push(s.builder_call());
                }
                None => described.push(format!("`{name}`")),
            }
        }
        AuthError::MissingCredentials {
            operation: op.id,
            schemes: if described.len() == 1 {
                format!("security scheme {}", described.join(""))
            } else {
                format!("one of the security schemes {}", described.join(", "))
            },
            hint: if hints.is_empty() {
                "the matching credential method".to_owned()
            } else {
                hints.join(" or ")
            },
        }
    }

    /// Base URL + path template with encoded path parameters.
    fn build_url(
        &self,
        op: &Operation,
        params: &[(&'static str, String)],
    ) -> Result<Url, Error<Infallible>> {
        let template = op.path;
        let mut path = String::with_capacity(template.len() + 16);
        if !template.starts_with('/') {
            path.push('/');
        }
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            path.push_str(&rest[..open]);
            let name = &rest[open + 1..close];
            let value = params
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
                .ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "missing path parameter `{name}` for operation `{}`",
                        op.id
                    ))
                })?;
            if value.is_empty() || value == "." || value == ".." {
                return Err(Error::InvalidRequest(format!(
                    "path parameter `{name}` of operation `{}` cannot be empty, `.` or `..`",
                    op.id
                )));
            }
            path.extend(utf8_percent_encode(value, PATH_SEGMENT));
            rest = &rest[close + 1..];
        }
        path.push_str(rest);
        let full = format!("{}{}", self.base_url, path);
        Url::parse(&full).map_err(|e| {
            Error::InvalidRequest(format!(
                "could not build the URL of operation `{}`: {e}",
                op.id
            ))
        })
    }

    /// Builds one attempt's request.
    fn build_attempt(
        &self,
        prepared: &Prepared,
        token: Option<&Secret>,
    ) -> Result<reqwest::Request, Error<Infallible>> {
        let mut headers = prepared.headers.clone();
        if let Some(token) = token {
            let value = bearer_header(token).map_err(|reason| {
                Error::Auth(AuthError::InvalidCredential {
                    scheme: prepared.oauth.unwrap_or_default().to_owned(),
                    reason: format!("the OAuth2 token cannot be sent: {reason}"),
                })
            })?;
            headers.insert(AUTHORIZATION, value);
        }
        let mut builder = self
            .http
            .request(prepared.method.clone(), prepared.url.clone())
            .headers(headers);
        builder = match &prepared.body {
            PreparedBody::None => builder,
            PreparedBody::Bytes { data, .. } => builder.body(data.clone()),
            PreparedBody::Multipart { parts, extra } => {
                builder.multipart(build_multipart(parts, extra)?)
            }
        };
        builder.build().map_err(|e| {
            Error::InvalidRequest(format!(
                "could not build the request: {}",
                describe_reqwest(&e.without_url())
            ))
        })
    }
}

fn encode_form(fields: &[(String, String)]) -> Result<Bytes, Error<Infallible>> {
    serde_urlencoded::to_string(fields)
        .map(Bytes::from)
        .map_err(|e| Error::InvalidRequest(format!("could not encode the form body: {e}")))
}

fn build_multipart(
    parts: &[Part],
    extra: &[(&'static str, String)],
) -> Result<reqwest::multipart::Form, Error<Infallible>> {
    let mut form = reqwest::multipart::Form::new();
    for part in parts {
        let len = part.data.len() as u64;
        let mut p = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::from(part.data.clone()),
            len,
        );
        if let Some(file_name) = &part.file_name {
            p = p.file_name(file_name.clone());
        }
        if let Some(ct) = &part.content_type {
            p = p.mime_str(ct).map_err(|_| {
                Error::InvalidRequest(format!(
                    "invalid content type `{ct}` for multipart part `{}`",
                    part.name
                ))
            })?;
        }
        form = form.part(part.name.clone(), p);
    }
    for (name, value) in extra {
        form = form.text(*name, value.clone());
    }
    Ok(form)
}

/// Runs `fut` before `deadline` (if any); past it, a total timeout.
async fn with_deadline<T>(
    deadline: Option<Instant>,
    fut: impl std::future::Future<Output = T>,
) -> Result<T, Error<Infallible>> {
    match deadline {
        Some(d) => tokio::time::timeout_at(d, fut)
            .await
            .map_err(|_| Error::Timeout {
                kind: TimeoutKind::Total,
                outcome_unknown: false,
            }),
        None => Ok(fut.await),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{HttpMethod, SecurityScheme};

    static SCHEMES: &[SecurityScheme] = &[
        SecurityScheme {
            name: "key",
            kind: SecuritySchemeKind::ApiKey {
                location: ApiKeyLocation::Query,
                param: "hash",
            },
        },
        SecurityScheme {
            name: "oauth",
            kind: SecuritySchemeKind::OAuth2ClientCredentials {
                token_url: "/oauth/token",
                scopes: &[],
            },
        },
    ];
    static API: ApiInfo = ApiInfo {
        title: "Test API",
        default_base_url: None,
        security_schemes: SCHEMES,
    };
    static OP: Operation = Operation {
        id: "getThing",
        method: HttpMethod::Get,
        path: "/things/{id}/parts/{part}",
        security: &[],
        idempotent: true,
        moves_money: false,
        outcome_reference: None,
    };

    fn client() -> Client {
        ClientBuilder::new(&API)
            .base_url("https://example.invalid/v2/")
            .build()
            .unwrap()
    }

    #[test]
    fn path_params_are_encoded_as_segments() {
        let c = client();
        let url = c
            .inner
            .build_url(
                &OP,
                &[("id", "a/b?c#d%e f".to_owned()), ("part", "ñ".to_owned())],
            )
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://example.invalid/v2/things/a%2Fb%3Fc%23d%25e%20f/parts/%C3%B1"
        );
        assert_eq!(c.base_url(), "https://example.invalid/v2");
    }

    #[test]
    fn bad_path_params_are_rejected() {
        let c = client();
        assert!(c.inner.build_url(&OP, &[("id", "1".to_owned())]).is_err());
        assert!(c
            .inner
            .build_url(&OP, &[("id", "..".to_owned()), ("part", "x".to_owned())])
            .is_err());
        assert!(c
            .inner
            .build_url(&OP, &[("id", String::new()), ("part", "x".to_owned())])
            .is_err());
    }

    #[test]
    fn relative_token_url_joins_base() {
        let base = Url::parse("https://example.invalid/v2").unwrap();
        let u =
            parse_token_url("oauth", "/oauth/token?grant_type=client_credentials", &base).unwrap();
        assert_eq!(
            u.as_str(),
            "https://example.invalid/oauth/token?grant_type=client_credentials"
        );
        let u = parse_token_url("oauth", "oauth/token", &base).unwrap();
        assert_eq!(u.as_str(), "https://example.invalid/v2/oauth/token");
    }

    #[test]
    fn no_base_url() {
        let e = ClientBuilder::new(&API).build().unwrap_err();
        assert!(e.to_string().contains("call .base_url(...)"), "{e}");
    }

    #[test]
    fn loopback_detection() {
        for (u, expect) in [
            ("http://127.0.0.1:8080", true),
            ("http://127.1.2.3", true),
            ("http://[::1]:80", true),
            ("http://LOCALHOST", true),
            ("http://10.0.0.1", false),
            ("http://example.com", false),
        ] {
            assert_eq!(is_loopback(&Url::parse(u).unwrap()), expect, "{u}");
        }
    }

    #[test]
    fn client_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Client>();
        check::<Error<String>>();
    }
}
