//! Retries, Retry-After and timeouts against a local server.

mod common;

use std::convert::Infallible;
use std::time::{Duration, Instant};

use common::*;
use pasarela_runtime::{Client, ClientBuilder, Error, Request, RetryPolicy, TimeoutKind};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client_with(base: &str, policy: RetryPolicy) -> ClientBuilder {
    ClientBuilder::new(&API).base_url(base).retry_policy(policy)
}

fn client(server: &MockServer, policy: RetryPolicy) -> Client {
    client_with(&server.uri(), policy).build().unwrap()
}

fn get_open() -> Request {
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "1");
    req
}

async fn hits(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn get_503_then_200_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let c = client(&server, fast_retry(3));
    let resp = c.send::<Infallible>(get_open()).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.body(), b"ok");
    assert_eq!(hits(&server).await, 2);
}

#[tokio::test]
async fn exhausted_retries_return_last_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&server)
        .await;
    let c = client(&server, fast_retry(3));
    let resp = c.send::<Infallible>(get_open()).await.unwrap();
    assert_eq!(resp.status(), 502);
    assert_eq!(resp.text_lossy(), "bad gateway");
    assert_eq!(hits(&server).await, 3);
}

#[tokio::test]
async fn non_retryable_status_is_returned_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("nope"))
        .mount(&server)
        .await;
    let c = client(&server, fast_retry(3));
    let resp = c.send::<Infallible>(get_open()).await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn post_503_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/open"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, fast_retry(5));
    let resp = c
        .send::<Infallible>(Request::new(&POST_OPEN))
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn money_moving_op_is_never_retried_even_if_idempotent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/pay"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, fast_retry(5));
    let resp = c.send::<Infallible>(Request::new(&PAY_OPEN)).await.unwrap();
    assert_eq!(resp.status(), 500);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let c = client(&server, fast_retry(3));
    let started = Instant::now();
    let resp = c.send::<Infallible>(get_open()).await.unwrap();
    assert_eq!(resp.status(), 200);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    assert_eq!(hits(&server).await, 2);
}

#[tokio::test]
async fn retry_after_beyond_cap_is_returned() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "120"))
        .mount(&server)
        .await;
    let c = client(&server, fast_retry(3));
    let started = Instant::now();
    let resp = c.send::<Infallible>(get_open()).await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "120");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn retry_after_beyond_total_timeout_is_returned() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "5"))
        .mount(&server)
        .await;
    let c = client_with(&server.uri(), fast_retry(3))
        .total_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let started = Instant::now();
    let resp = c.send::<Infallible>(get_open()).await.unwrap();
    assert_eq!(resp.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn post_attempt_timeout_is_outcome_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/pay"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let c = client_with(&server.uri(), fast_retry(3))
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let mut req = Request::new(&PAY_OPEN);
    req.json_body(&serde_json::json!({"amount": 1})).unwrap();
    let err = c.send::<Infallible>(req).await.unwrap_err();
    // A money-moving operation: the flat outcome-unknown error.
    assert!(
        matches!(
            &err,
            Error::OutcomeUnknown {
                status: None,
                reference: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    assert!(
        err.to_string()
            .contains("check its status before retrying — do not resend blindly"),
        "{err}"
    );
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn non_money_post_attempt_timeout_is_an_unknown_outcome() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/open"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let c = client_with(&server.uri(), fast_retry(3))
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = c
        .send::<Infallible>(Request::new(&POST_OPEN))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::OutcomeUnknown {
                timeout: Some(TimeoutKind::Attempt),
                status: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.outcome_unknown());
    assert!(
        err.to_string()
            .contains("The server may have processed this request"),
        "{err}"
    );
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn get_attempt_timeout_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("fast"))
        .mount(&server)
        .await;
    let c = client_with(&server.uri(), fast_retry(3))
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let resp = c.send::<Infallible>(get_open()).await.unwrap();
    assert_eq!(resp.text_lossy(), "fast");
    assert_eq!(hits(&server).await, 2);
}

#[tokio::test]
async fn get_attempt_timeouts_exhausted_are_not_outcome_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let c = client_with(&server.uri(), fast_retry(2))
        .attempt_timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let err = c.send::<Infallible>(get_open()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: TimeoutKind::Attempt
            }
        ),
        "{err:?}"
    );
    assert_eq!(hits(&server).await, 2);
}

#[tokio::test]
async fn total_timeout_bounds_the_call() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let c = client_with(&server.uri(), fast_retry(5))
        .attempt_timeout(Duration::from_secs(10))
        .total_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.send::<Infallible>(get_open()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                kind: TimeoutKind::Total,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

/// A port on 127.0.0.1 where nothing listens.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn connect_error_is_not_outcome_unknown_even_for_money() {
    let c = client_with(&closed_port_url(), fast_retry(3))
        .build()
        .unwrap();
    let err = c
        .send::<Infallible>(Request::new(&PAY_OPEN))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!err.outcome_unknown());
    let text = err.to_string();
    assert!(!text.contains("127.0.0.1"), "URL must be stripped: {text}");
}

#[tokio::test]
async fn connect_errors_are_retried_for_get() {
    // Three attempts with ~10/20 ms backoff: just check it ends with a
    // connect error and took at least the first backoff.
    let c = client_with(
        &closed_port_url(),
        fast_retry(3)
            .jitter(false)
            .initial_backoff(Duration::from_millis(50)),
    )
    .build()
    .unwrap();
    let started = Instant::now();
    let err = c.send::<Infallible>(get_open()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(50 + 40));
}

#[tokio::test]
async fn max_attempts_changes_the_count_and_keeps_the_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let builder = ClientBuilder::new(&API)
        .base_url(server.uri())
        .retry_policy(fast_retry(3))
        .max_attempts(5);
    // One configuration builds several clients.
    let first = builder.clone().build().expect("client");
    let second = builder.build().expect("client");
    for c in [first, second] {
        let mut req = Request::new(&GET_OPEN);
        req.path_param("id", "1");
        let resp = c.send::<Infallible>(req).await.expect("an answer");
        assert_eq!(resp.status(), 503);
    }
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        10
    );
}
