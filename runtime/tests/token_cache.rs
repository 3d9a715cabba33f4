//! The OAuth2 token cache under load and failure: one fetch in flight whose
//! result (an error included) every waiting caller shares, a short failure
//! cache, a fetch that survives a caller that gives up, and a lifetime
//! floor. Every test counts the token requests the server saw.

mod common;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use pasarela_runtime::auth::TOKEN_FAILURE_CACHE;
use pasarela_runtime::{AuthError, Client, ClientBuilder, Error, Request, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer, retry: RetryPolicy) -> Client {
    ClientBuilder::new(&API)
        .base_url(format!("{}/api/", server.uri()))
        .oauth2_client_credentials("oauth", CLIENT_ID, CLIENT_SECRET)
        .retry_policy(retry)
        .build()
        .expect("client")
}

fn get_item() -> Request {
    let mut req = Request::new(&GET_ITEM);
    req.path_param("itemId", "1");
    req
}

async fn token_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .count()
}

async fn api_answers_ok(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/items/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(server)
        .await;
}

/// Runs `n` calls at once and returns their results.
async fn concurrently(client: &Client, n: usize) -> Vec<Result<u16, Error<Infallible>>> {
    let calls = (0..n).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.send::<Infallible>(get_item()).await.map(|r| r.status()) })
    });
    let mut out = Vec::with_capacity(n);
    for call in calls {
        out.push(call.await.expect("task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_calls_on_a_cold_client_make_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok", "3599").set_delay(Duration::from_millis(100)))
        .mount(&server)
        .await;
    api_answers_ok(&server).await;
    let c = client(&server, fast_retry(3));
    let results = concurrently(&c, 1000).await;
    assert!(results.iter().all(|r| matches!(r, Ok(200))));
    assert_eq!(token_requests(&server).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_token_reaches_every_waiting_caller_from_one_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(r#"{"error":"invalid_client"}"#)
                .set_delay(Duration::from_millis(100)),
        )
        .mount(&server)
        .await;
    api_answers_ok(&server).await;
    let c = client(&server, fast_retry(3));
    let results = concurrently(&c, 1000).await;
    for r in &results {
        match r {
            Err(Error::Auth(AuthError::TokenRejected {
                status: 401, body, ..
            })) => {
                assert!(body.contains("invalid_client"))
            }
            other => panic!("expected the shared refusal, got {other:?}"),
        }
    }
    // 401 is not retryable: one request for all 1,000 callers.
    assert_eq!(token_requests(&server).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_endpoint_is_retried_once_for_all_callers_then_remembered_briefly() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    api_answers_ok(&server).await;
    let c = client(&server, fast_retry(3));
    let results = concurrently(&c, 50).await;
    assert!(results.iter().all(|r| matches!(
        r,
        Err(Error::Auth(AuthError::TokenRejected { status: 503, .. }))
    )));
    // One fetch with its three attempts, shared by the 50 callers.
    assert_eq!(token_requests(&server).await, 3);
    // Within the failure cache: the same error, no new request.
    let again = c.send::<Infallible>(get_item()).await;
    assert!(matches!(
        again,
        Err(Error::Auth(AuthError::TokenRejected { .. }))
    ));
    assert_eq!(token_requests(&server).await, 3);
    // After it: a new fetch.
    tokio::time::sleep(TOKEN_FAILURE_CACHE + Duration::from_millis(50)).await;
    let _ = c.send::<Infallible>(get_item()).await;
    assert_eq!(token_requests(&server).await, 6);
}

#[tokio::test]
async fn a_caller_that_gives_up_does_not_abort_the_fetch() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("slow", "3599").set_delay(Duration::from_millis(300)))
        .mount(&server)
        .await;
    api_answers_ok(&server).await;
    let impatient = ClientBuilder::new(&API)
        .base_url(format!("{}/api/", server.uri()))
        .oauth2_client_credentials("oauth", CLIENT_ID, CLIENT_SECRET)
        .total_timeout(Duration::from_millis(100))
        .build()
        .expect("client");
    let first = impatient.send::<Infallible>(get_item()).await;
    assert!(matches!(first, Err(Error::Timeout { .. })), "{first:?}");
    // The fetch went on without the caller; once it lands, calls succeed.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let second = impatient.send::<Infallible>(get_item()).await;
    assert!(
        matches!(second, Ok(ref r) if r.status() == 200),
        "{second:?}"
    );
    assert_eq!(token_requests(&server).await, 1);
}

#[tokio::test]
async fn a_token_announced_as_already_expired_is_still_reused_briefly() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok", "0"))
        .mount(&server)
        .await;
    api_answers_ok(&server).await;
    let c = client(&server, fast_retry(3));
    for _ in 0..20 {
        let r = c.send::<Infallible>(get_item()).await.expect("call");
        assert_eq!(r.status(), 200);
    }
    assert_eq!(token_requests(&server).await, 1);
}

#[tokio::test]
async fn token_retries_wait_through_the_policy_sleeper() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "7"))
        .mount(&server)
        .await;
    let waits = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&waits);
    let sleeper = pasarela_runtime::Sleeper::new(move |d| {
        seen.lock().expect("lock").push(d);
        Box::pin(async {})
    });
    let retry = RetryPolicy::new(3).sleeper(sleeper);
    let c = client(&server, retry);
    let started = std::time::Instant::now();
    let r = c.send::<Infallible>(get_item()).await;
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::TokenRejected { status: 503, .. }))
    ));
    // Retry-After honoured exactly, without waiting 14 s of real time.
    assert_eq!(*waits.lock().expect("lock"), [Duration::from_secs(7); 2]);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(token_requests(&server).await, 3);
}
