//! The client API a Rust user relies on beyond decoding: response metadata
//! on success and on errors, per-call options, hooks, the `pasarela.request`
//! span, and errors that read well with accessors for what callers branch on.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use pasarela::runtime::reqwest::header::{HeaderMap, HeaderValue};
use pasarela::runtime::{AttemptInfo, AttemptResult, Hook, TimeoutKind};
use pasarela::tigo_billing::Client;
use pasarela::{acreditaciones, CallOptions, Error, RetryPolicy};
use serde_json::json;
use support::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SPEC: &str = "tigo-billing-v2.yaml";
const CONTRACT: &str = "/contracts/0012345678";

async fn server() -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server, "test-access-token", "3599").await;
    server
}

fn builder(server: &MockServer) -> pasarela::tigo_billing::ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .oauth2_client_credentials("client-id", "client-secret")
        .oauth2_token_url(token_url(server))
        .retry_policy(RetryPolicy::new(3).initial_backoff(Duration::from_millis(5)))
}

fn contract_ok() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(spec_example(SPEC, "ContractsDetails"))
        .insert_header("x-request-id", "req-7f3a")
}

#[tokio::test]
async fn send_with_meta_keeps_status_headers_and_request_id() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(CONTRACT))
        .respond_with(contract_ok().insert_header("x-ratelimit-remaining", "41"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let answer = client
        .get_contract("0012345678")
        .send_with_meta()
        .await
        .expect("success");
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.request_id(), Some("req-7f3a"));
    assert_eq!(answer.headers()["x-ratelimit-remaining"], "41");
    // Dereferences to the decoded value, and gives it up.
    let plain = client.get_contract("0012345678").await.expect("success");
    assert_eq!(*answer, plain);
    assert_eq!(answer.into_inner(), plain);
}

#[tokio::test]
async fn errors_keep_the_headers_and_request_id() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/contracts/nope"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": {"statusCode": "404", "code": "E-404",
                    "message": "Not Found", "developerMessage": "no contract 'nope'"}}))
                .insert_header("x-request-id", "req-404"),
        )
        .mount(&server)
        .await;
    let err = builder(&server)
        .build()
        .unwrap()
        .get_contract("nope")
        .await
        .expect_err("404");
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.request_id(), Some("req-404"));
    assert!(err
        .headers()
        .is_some_and(|h| h.contains_key("content-type")));
    assert_eq!(err.code().as_deref(), Some("E-404"));
    assert!(!err.is_retryable());
    assert!(!err.outcome_unknown());
    // The spec's summary once, the server's own words, the code.
    assert_eq!(
        err.to_string(),
        "HTTP 404 Not Found: no contract 'nope' (code E-404)"
    );
}

#[tokio::test]
async fn per_call_headers_reach_the_server_and_credentials_win() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(CONTRACT))
        .and(header("x-correlation-id", "order-274"))
        .and(header("authorization", "Bearer test-access-token"))
        .respond_with(contract_ok())
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    client
        .get_contract("0012345678")
        .with_options(
            CallOptions::new()
                .header("x-correlation-id", "order-274")
                .header("authorization", "Bearer not-the-token"),
        )
        .await
        .expect("the header was sent and the client's credential replaced the extra one");
}

#[tokio::test]
async fn an_invalid_per_call_header_fails_before_sending() {
    let server = server().await;
    let client = builder(&server).build().unwrap();
    let err = client
        .get_contract("0012345678")
        .with_options(CallOptions::new().header("x-bad", "line\nbreak"))
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(api_requests(&server).await.is_empty());
}

#[tokio::test]
async fn a_per_call_timeout_overrides_the_client() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(CONTRACT))
        .respond_with(contract_ok().set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client
        .get_contract("0012345678")
        .with_options(CallOptions::new().timeout(Duration::from_millis(300)))
        .await
        .expect_err("times out");
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: TimeoutKind::Total
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn per_call_max_attempts_and_retry_policy_override_the_client() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(CONTRACT))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = client
        .get_contract("0012345678")
        .with_options(CallOptions::new().max_attempts(1))
        .await
        .expect_err("503");
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    assert_eq!(api_requests(&server).await.len(), 1, "one attempt only");

    client
        .get_contract("0012345678")
        .with_options(
            CallOptions::new()
                .retry_policy(RetryPolicy::new(2).initial_backoff(Duration::from_millis(1))),
        )
        .await
        .expect_err("503");
    assert_eq!(api_requests(&server).await.len(), 3, "then two attempts");

    client.get_contract("0012345678").await.expect_err("503");
    assert_eq!(
        api_requests(&server).await.len(),
        6,
        "and the client's three"
    );
}

/// A hook that tags requests and records what each attempt ended in.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Hook for Recorder {
    fn before_attempt(&self, info: &AttemptInfo, headers: &mut HeaderMap) {
        headers.insert("x-hooked", HeaderValue::from_static("yes"));
        self.0
            .lock()
            .unwrap()
            .push(format!("{} #{} sending", info.operation.id, info.attempt));
    }

    fn after_attempt(&self, info: &AttemptInfo, result: &AttemptResult) {
        let what = match result {
            AttemptResult::Response { status, .. } => status.to_string(),
            AttemptResult::Failed { error, .. } => format!("failed: {error}"),
            _ => "other".to_owned(),
        };
        self.0
            .lock()
            .unwrap()
            .push(format!("{} #{} {what}", info.operation.id, info.attempt));
    }
}

#[tokio::test]
async fn hooks_see_every_attempt_and_may_add_headers() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(CONTRACT))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(CONTRACT))
        .and(header("x-hooked", "yes"))
        .respond_with(contract_ok())
        .mount(&server)
        .await;
    let recorder = Recorder::default();
    let client = builder(&server).hook(recorder.clone()).build().unwrap();
    client
        .get_contract("0012345678")
        .await
        .expect("second attempt");
    assert_eq!(
        *recorder.0.lock().unwrap(),
        [
            "getContract #1 sending",
            "getContract #1 503",
            "getContract #2 sending",
            "getContract #2 200",
        ]
    );
}

#[tokio::test]
async fn an_envelope_error_exposes_its_code_and_envelope() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "header": {"codReturn": 3, "txtReturn": "ERROR"},
            "data": {"acreditacionesNoValidas": []}
        })))
        .mount(&server)
        .await;
    let client = acreditaciones::Client::builder()
        .base_url(server.uri())
        .api_key("k-123")
        .build()
        .unwrap();
    let order: acreditaciones::types::CrearAcreditacionRequest = serde_json::from_value(
        spec_example("acreditaciones.yaml", "CrearAcreditacionRequest"),
    )
    .unwrap();
    let err = client.crear_acreditacion(order).await.expect_err("code 3");
    assert_eq!(err.code().as_deref(), Some("3"));
    assert_eq!(err.message().as_deref(), Some("ERROR"));
    assert_eq!(
        err.envelope().map(|e| e["header"]["codReturn"].clone()),
        Some(json!(3))
    );
    assert!(
        err.to_string().starts_with("HTTP 200 result code 3"),
        "{err}"
    );
}
