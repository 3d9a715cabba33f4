//! The sandbox on every real-world document of the corpus (when present) and on
//! our three specs: each operation gets an answer (JSON bodies parse), and
//! a running sandbox answers requests to every operation without dying.
#![cfg(feature = "sandbox")]

use std::path::{Path, PathBuf};

use pasarela_gen::ir::{Method, Operation, ResponseDecoding, StatusMatch, TypeRef};
use pasarela_gen::sandbox::{answers, conform, Sandbox, Validation};
use pasarela_gen::{Config, Source};
use serde_json::Value as Json;

fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut docs = Vec::new();
    let corpus = pasarela_corpus::dir("the sandbox on the corpus documents");
    for dir in [root.join("specs"), root.join("generator/tests/fixtures")]
        .into_iter()
        .chain(corpus)
    {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
            })
            .collect();
        found.sort();
        docs.extend(found);
    }
    docs
}

/// The IR as `--lenient` reads the document (real documents have real
/// mistakes; every one of them is repairable).
fn lenient_check(source: &Source) -> Result<pasarela_gen::ir::Api, pasarela_gen::Diagnostics> {
    pasarela_gen::check_with(source, &Config::default().lenient(true)).map(|c| c.api)
}

/// A concrete path for a template: every `{param}` becomes `x1`.
fn concrete(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                out.push_str("x1");
                rest = &rest[open + close + 1..];
            }
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// What the client decodes from a JSON answer of `status` to `op`: the
/// success type (an envelope's data at its pointer), or the declared error
/// type; `None` when the answer is not typed JSON.
fn typed(op: &Operation, status: u16) -> Option<(&TypeRef, Option<&str>)> {
    if (200..300).contains(&status) {
        let s = &op.success;
        if s.decoding != ResponseDecoding::Json || !s.by_status.is_empty() {
            return None;
        }
        return s
            .ty
            .as_ref()
            .map(|t| (t, s.envelope.as_ref().map(|e| e.data.as_str())));
    }
    op.errors
        .iter()
        .find(|e| e.matcher == StatusMatch::Exact(status))
        .and_then(|e| e.ty.as_ref())
        .map(|t| (t, None))
}

#[test]
fn every_operation_of_every_document_has_an_answer_the_client_decodes() {
    let mut answered = 0;
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for path in documents() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let shown = path.display().to_string();
        // Documents the generator refuses are conformance's business.
        let Ok(api) = lenient_check(&Source::new(shown.clone(), text.clone())) else {
            continue;
        };
        let raw = pasarela_gen::sandbox::parse_raw(&text).expect("YAML or JSON");
        for op in &api.operations {
            // The default answer, and each declared error status asked for.
            let asked =
                std::iter::once(None).chain(op.errors.iter().filter_map(|e| match e.matcher {
                    StatusMatch::Exact(code) => Some(Some(code)),
                    _ => None,
                }));
            for code in asked {
                let prefer = code.map(|c| format!("code={c}")).unwrap_or_default();
                let answer = answers::answer(&raw, &api, op, &prefer).unwrap_or_else(|e| {
                    panic!("{shown}: {} {} {prefer}: {e}", op.method.as_str(), op.path)
                });
                if code.is_none() {
                    assert!((100..400).contains(&answer.status), "{shown} {}", op.path);
                    answered += 1;
                }
                if !answer.content_type.contains("json") {
                    continue;
                }
                let parsed: Result<Json, _> = serde_json::from_slice(&answer.body);
                let Ok(value) = parsed else {
                    panic!("{shown} {} {prefer}: not JSON", op.path);
                };
                let Some((ty, data)) = typed(op, answer.status) else {
                    continue;
                };
                let value = match data {
                    Some(pointer) => value.pointer(pointer).cloned().unwrap_or(Json::Null),
                    None => value,
                };
                checked += 1;
                if let Err(e) = conform::decodes(&api, ty, &value) {
                    mismatches.push(format!(
                        "{shown} {} {} {prefer}: {e}",
                        op.method.as_str(),
                        op.path
                    ));
                }
            }
        }
    }
    let floor = if pasarela_corpus::dir_quiet().is_some() {
        1000
    } else {
        40
    };
    assert!(answered > floor, "only {answered} operations answered");
    assert!(checked > floor, "only {checked} typed answers checked");
    assert!(
        mismatches.is_empty(),
        "{} answers the clients would not decode:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[tokio::test]
async fn a_running_sandbox_answers_every_operation_of_every_document() {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut started = 0;
    for path in documents() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let Ok(api) = lenient_check(&Source::new(path.display().to_string(), text.clone())) else {
            continue;
        };
        let sandbox = Sandbox::start(&path, Validation::Warn)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{}: the generator accepts it, so must the sandbox: {e}",
                    path.display()
                )
            });
        started += 1;
        let raw = pasarela_gen::sandbox::parse_raw(&text).expect("YAML or JSON");
        for op in &api.operations {
            let url = format!("{}{}", sandbox.base_url(), concrete(&op.path));
            let method = match op.method {
                Method::Get => reqwest::Method::GET,
                Method::Post => reqwest::Method::POST,
                Method::Put => reqwest::Method::PUT,
                Method::Delete => reqwest::Method::DELETE,
                Method::Patch => reqwest::Method::PATCH,
                Method::Head => reqwest::Method::HEAD,
                Method::Options => reqwest::Method::OPTIONS,
            };
            let answer = http
                .request(method, &url)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{}: {url}: {e}", path.display()));
            // `Warn`: problems are logged, the declared answer still comes.
            let expected = answers::answer(&raw, &api, op, "")
                .expect("an answer")
                .status;
            let status = answer.status().as_u16();
            let body = answer.text().await.unwrap_or_default();
            assert_eq!(
                status,
                expected,
                "{}: {} {url}: {body}",
                path.display(),
                op.method.as_str(),
            );
        }
        let log = sandbox.requests();
        assert_eq!(log.len(), api.operations.len(), "{}", path.display());
        assert!(
            log.iter().all(|r| r.operation.is_some()),
            "{}: unmatched",
            path.display()
        );
    }
    assert!(started >= 10, "only {started} documents served");
}

/// `pasarela-gen serve`: the first line names the address (a free port
/// with `--port 0`), and the API answers there until the process stops.
#[test]
fn serve_prints_its_address_first_and_answers_there() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};

    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/acreditaciones.yaml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pasarela-gen"))
        .args(["serve", "--port", "0", "--validate", "strict"])
        .arg(&spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("runs");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let addr = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_string();
    // A request without the API key: strict validation answers 401.
    let mut stream = std::net::TcpStream::connect(&addr).expect("connects");
    stream
        .write_all(
            b"POST /acreditaciones/crear HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
        )
        .expect("sends");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("reads");
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("credentials missing"), "{answer}");
}

/// A parameter value as text: a string as is, a list comma-joined.
fn text_of(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// Strict validation accepts what a correct client sends: for every
/// operation of every document, a request made from the IR (required
/// parameters and a JSON body of the body's type) draws no problem but
/// missing credentials.
#[test]
fn strict_validation_accepts_a_request_made_from_the_spec() {
    use pasarela_gen::ir::{BodyEncoding, ParamLocation, ParamStyle};
    use pasarela_gen::sandbox::{sample, validate};

    let mut checked = 0;
    let mut rejected = Vec::new();
    for path in documents() {
        let text = std::fs::read_to_string(&path).expect("readable");
        let shown = path.display().to_string();
        let Ok(api) = lenient_check(&Source::new(shown.clone(), text)) else {
            continue;
        };
        for op in &api.operations {
            if op
                .body
                .as_ref()
                .is_some_and(|b| b.encoding != BodyEncoding::Json)
            {
                continue;
            }
            let mut path_params = std::collections::BTreeMap::new();
            let mut query = form_urlencoded::Serializer::new(String::new());
            let mut headers = hyper::HeaderMap::new();
            let mut objects = false;
            for p in op.params.iter().filter(|p| p.required) {
                let value = sample::value(&api, &p.ty, &p.constraints);
                if value.is_object() {
                    objects = true;
                }
                match (p.location, &value) {
                    (ParamLocation::Path, v) => {
                        path_params.insert(p.wire_name.clone(), text_of(v));
                    }
                    (ParamLocation::Query, Json::Array(items))
                        if p.style == (ParamStyle::Form { explode: true }) =>
                    {
                        for item in items {
                            query.append_pair(&p.wire_name, &text_of(item));
                        }
                    }
                    (ParamLocation::Query, v) => {
                        query.append_pair(&p.wire_name, &text_of(v));
                    }
                    (ParamLocation::Header, v) => {
                        if let (Ok(name), Ok(value)) = (
                            hyper::header::HeaderName::from_bytes(p.wire_name.as_bytes()),
                            hyper::header::HeaderValue::from_str(&text_of(v)),
                        ) {
                            headers.append(name, value);
                        }
                    }
                    _ => objects = true,
                }
            }
            if objects {
                // Object-valued parameters (deepObject, …) are not written here.
                continue;
            }
            let body = op
                .body
                .as_ref()
                .map(|b| {
                    headers.insert(
                        "content-type",
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    sample::value(&api, &b.ty, &Default::default()).to_string()
                })
                .unwrap_or_default();
            let query = query.finish();
            let incoming = validate::Incoming {
                method: op.method.as_str(),
                path: &op.path,
                query: &query,
                headers: &headers,
                body: body.as_bytes(),
            };
            let problems: Vec<String> = validate::check(&api, op, &path_params, &incoming)
                .into_iter()
                .filter(|p| !p.starts_with("credentials"))
                .collect();
            checked += 1;
            if !problems.is_empty() {
                rejected.push(format!(
                    "{shown} {} {}: {problems:?}",
                    op.method.as_str(),
                    op.path
                ));
            }
        }
    }
    let floor = if pasarela_corpus::dir_quiet().is_some() {
        900
    } else {
        40
    };
    assert!(checked > floor, "only {checked} operations checked");
    assert!(
        rejected.is_empty(),
        "{} correct requests rejected:\n{}",
        rejected.len(),
        rejected.join("\n")
    );
}

/// A spec split over files is served from its path, as `generate` reads it:
/// the parameter and the schema in other files are honoured, and the answer
/// decodes as the type from the other file.
#[tokio::test]
async fn a_spec_split_over_files_is_served_from_its_path() {
    let entry = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/external/api.yaml");
    let sandbox = Sandbox::start(&entry, Validation::Strict)
        .await
        .unwrap_or_else(|e| panic!("served: {e}"));
    assert!(sandbox.warnings().is_empty(), "{}", sandbox.warnings());
    let api = lenient_check(&Source::from_path(&entry).expect("readable")).expect("checks");
    let op = api
        .operations
        .iter()
        .find(|o| o.id == "getPet")
        .expect("getPet");
    let answer = reqwest::get(format!("{}/pets/7", sandbox.base_url()))
        .await
        .expect("answered");
    assert_eq!(answer.status(), 200);
    let body: Json = serde_json::from_slice(&answer.bytes().await.expect("body")).expect("JSON");
    let ty = op.success.ty.as_ref().expect("a body");
    let problems = conform::decodes(&api, ty, &body);
    assert!(problems.is_ok(), "{body}: {problems:?}");
}

/// A document only a lenient reading accepts is served, and what was
/// repaired is reported. (The sandbox's answers still come from its own
/// reading of the document's text: an operation that a misplaced `$ref`
/// brings from another file is not answered yet.)
#[tokio::test]
async fn a_document_with_repairable_mistakes_is_served_and_says_what_was_repaired() {
    let entry = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lenient/deviations.yaml");
    let sandbox = Sandbox::start(&entry, Validation::Warn)
        .await
        .unwrap_or_else(|e| panic!("served: {e}"));
    let repairs = sandbox.warnings().repairs();
    assert!(
        repairs
            .iter()
            .any(|(c, _)| *c == pasarela_gen::Repair::MisplacedRef),
        "{repairs:?}"
    );
    let answer = reqwest::get(format!("{}/charges", sandbox.base_url()))
        .await
        .expect("answered");
    let status = answer.status();
    let text = answer.text().await.unwrap_or_default();
    assert_eq!(status, 200, "{text}");
    let body: Json = serde_json::from_str(&text).expect("JSON");
    assert!(
        body["data"].is_array(),
        "items given as a list, read as one schema: {body}"
    );
}

/// Sends a JSON POST with an optional idempotency key; (status, replayed
/// header, body).
async fn post_keyed(
    url: &str,
    header: &str,
    key: Option<&str>,
    body: &str,
) -> Result<(u16, bool, String), reqwest::Error> {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(key) = key {
        request = request.header(header, key);
    }
    let answer = request.send().await?;
    let status = answer.status().as_u16();
    let replayed = answer.headers().contains_key("idempotent-replayed");
    Ok((status, replayed, answer.text().await?))
}

/// The sandbox honours idempotency keys as an API that documents them
/// does: a repeat is replayed (one effect in the log), another body with
/// the same key is refused with the declared conflict status, an answer
/// lost to a reset was still acted on, and a scripted 503 was not.
#[tokio::test]
async fn the_sandbox_replays_a_repeated_idempotency_key_and_refuses_a_reuse() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/idempotency.yaml");
    let sandbox = Sandbox::start(&spec, Validation::Strict)
        .await
        .unwrap_or_else(|e| panic!("served: {e}"));
    let payments = format!("{}/payments", sandbox.base_url());
    let a = r#"{"order_id": "o-1", "amount": "12.50"}"#;
    let b = r#"{"order_id": "o-2", "amount": "99.00"}"#;
    let key = "Idempotency-Key";

    let first = post_keyed(&payments, key, Some("k1"), a)
        .await
        .expect("answered");
    assert_eq!((first.0, first.1), (201, false), "{}", first.2);
    let again = post_keyed(&payments, key, Some("k1"), a)
        .await
        .expect("answered");
    assert_eq!(
        again,
        (201, true, first.2.clone()),
        "the first answer, replayed"
    );
    let reused = post_keyed(&payments, key, Some("k1"), b)
        .await
        .expect("answered");
    assert_eq!(
        reused.0, 409,
        "the first declared conflict status: {}",
        reused.2
    );

    // The declared-header form, as the spec spells the header.
    let refunds = format!("{}/refunds", sandbox.base_url());
    let refund = |k| {
        let url = refunds.clone();
        async move {
            reqwest::Client::new()
                .post(url)
                .header("content-type", "application/json")
                .header("idempotency-key", k)
                .header("x-merchant", "m-1")
                .body(a.to_string())
                .send()
                .await
                .expect("answered")
        }
    };
    assert_eq!(refund("r1").await.status(), 201);
    assert!(refund("r1")
        .await
        .headers()
        .contains_key("idempotent-replayed"));

    // A reset loses an answer the sandbox acted on; a scripted 503 is a
    // failure before acting.
    sandbox.reset_next(1);
    assert!(post_keyed(&payments, key, Some("k2"), a).await.is_err());
    let after_reset = post_keyed(&payments, key, Some("k2"), a)
        .await
        .expect("answered");
    assert_eq!((after_reset.0, after_reset.1), (201, true));
    sandbox.fail_next(503, 1);
    let failed = post_keyed(&payments, key, Some("k3"), a)
        .await
        .expect("answered");
    assert_eq!(failed.0, 503);
    let after_failure = post_keyed(&payments, key, Some("k3"), a)
        .await
        .expect("answered");
    assert_eq!((after_failure.0, after_failure.1), (201, false));

    // No key mechanism: every request acts.
    let payouts = format!("{}/payouts", sandbox.base_url());
    for _ in 0..2 {
        let payout = post_keyed(&payouts, key, Some("p1"), a)
            .await
            .expect("answered");
        assert_eq!((payout.0, payout.1), (201, false), "{}", payout.2);
    }

    let log = sandbox.requests();
    let effects = |path: &str| {
        log.iter()
            .filter(|r| r.path == path && r.status == 201 && !r.replayed)
            .count()
    };
    // k1 once, k2 once (its answer lost), k3 once after the 503.
    assert_eq!(effects("/payments"), 3, "{log:#?}");
    assert_eq!(log.iter().filter(|r| r.replayed).count(), 3);
    assert_eq!(effects("/refunds"), 1);
    assert_eq!(effects("/payouts"), 2);
}
