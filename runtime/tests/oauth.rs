//! OAuth2 client-credentials behaviour against a local server.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use common::*;
use pasarela_runtime::{AuthError, Client, ClientBuilder, Error, Request};
use wiremock::matchers::{
    basic_auth, bearer_token, body_string, header, method, path, query_param,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    ClientBuilder::new(&API)
        .base_url(format!("{}/api/", server.uri()))
        .oauth2_client_credentials("oauth", CLIENT_ID, CLIENT_SECRET)
        .retry_policy(fast_retry(3))
        .build()
        .unwrap()
}

fn get_item(id: &str) -> Request {
    let mut req = Request::new(&GET_ITEM);
    req.path_param("itemId", id);
    req
}

fn count(reqs: &[wiremock::Request], p: &str) -> usize {
    reqs.iter().filter(|r| r.url.path() == p).count()
}

#[tokio::test]
async fn token_request_shape_and_lenient_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(query_param("grant_type", "client_credentials"))
        .and(basic_auth(CLIENT_ID, CLIENT_SECRET))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("grant_type=client_credentials"))
        .respond_with(token_response("tok-1", "3599"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/items/42"))
        .and(bearer_token("tok-1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .expect(2)
        .mount(&server)
        .await;

    let c = client(&server);
    for _ in 0..2 {
        let resp = c.send::<Infallible>(get_item("42")).await.unwrap();
        assert_eq!(resp.status(), 200);
    }
}

#[tokio::test]
async fn scopes_are_sent_when_configured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string(
            "grant_type=client_credentials&scope=read+write",
        ))
        .respond_with(token_response("tok", "3599"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/items/1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = ClientBuilder::new(&API)
        .base_url(format!("{}/api", server.uri()))
        .oauth2_client_credentials("oauth", CLIENT_ID, CLIENT_SECRET)
        .oauth2_scopes("oauth", vec!["read".into(), "write".into()])
        .build()
        .unwrap();
    assert_eq!(
        c.send::<Infallible>(get_item("1")).await.unwrap().status(),
        204
    );
}

#[tokio::test]
async fn token_url_override() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/elsewhere/token"))
        .respond_with(token_response("tok", "3599"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/items/1"))
        .and(bearer_token("tok"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = ClientBuilder::new(&API)
        .base_url(format!("{}/api", server.uri()))
        .oauth2_client_credentials("oauth", CLIENT_ID, CLIENT_SECRET)
        .oauth2_token_url("oauth", format!("{}/elsewhere/token", server.uri()))
        .build()
        .unwrap();
    assert_eq!(
        c.send::<Infallible>(get_item("1")).await.unwrap().status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_calls_share_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("shared", "3599").set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(bearer_token("shared"))
        .respond_with(ResponseTemplate::new(200))
        .expect(50)
        .mount(&server)
        .await;

    let c = client(&server);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50 {
        let c = c.clone();
        set.spawn(async move { c.send::<Infallible>(get_item(&i.to_string())).await });
    }
    while let Some(res) = set.join_next().await {
        assert_eq!(res.unwrap().unwrap().status(), 200);
    }
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(count(&reqs, "/oauth/token"), 1);
}

#[tokio::test]
async fn short_lived_token_is_refreshed() {
    let server = MockServer::start().await;
    // expires_in 1 s → due for refresh after 0.5 s, but used at least
    // MIN_TOKEN_REUSE (1 s) so that `expires_in: 0` cannot make every call
    // fetch a token.
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("token-one", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("token-two", "1"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(bearer_token("token-one"))
        .respond_with(ResponseTemplate::new(200).set_body_string("first"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(bearer_token("token-two"))
        .respond_with(ResponseTemplate::new(200).set_body_string("second"))
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server);
    let r = c.send::<Infallible>(get_item("1")).await.unwrap();
    assert_eq!(r.text_lossy(), "first");
    let r = c.send::<Infallible>(get_item("1")).await.unwrap();
    assert_eq!(r.text_lossy(), "first", "still fresh: cached");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = c.send::<Infallible>(get_item("1")).await.unwrap();
    assert_eq!(r.text_lossy(), "second");
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(count(&reqs, "/oauth/token"), 2);
}

#[tokio::test]
async fn numeric_expires_in_and_missing_token_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "n", "expires_in": 3599})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(bearer_token("n"))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    c.send::<Infallible>(get_item("1")).await.unwrap();
    c.send::<Infallible>(get_item("2")).await.unwrap();
}

#[tokio::test]
async fn unauthorized_refreshes_once_then_returns_second_401() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok", "3599"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/payments"))
        .respond_with(ResponseTemplate::new(401).set_body_string("{\"fault\":\"invalid token\"}"))
        .expect(2)
        .mount(&server)
        .await;

    let c = client(&server);
    let mut req = Request::new(&PAY);
    req.json_body(&serde_json::json!({"amount": "10.00"}))
        .unwrap();
    let resp = c.send::<Infallible>(req).await.unwrap();
    assert_eq!(resp.status(), 401);
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(count(&reqs, "/api/payments"), 2);
    assert_eq!(count(&reqs, "/oauth/token"), 2);
}

#[tokio::test]
async fn unauthorized_then_success_with_new_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("old", "3599"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("new", "3599"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/payments"))
        .and(bearer_token("old"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/payments"))
        .and(bearer_token("new"))
        .and(body_string("{\"amount\":\"10.00\"}"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server);
    let mut req = Request::new(&PAY);
    req.json_body(&serde_json::json!({"amount": "10.00"}))
        .unwrap();
    assert_eq!(c.send::<Infallible>(req).await.unwrap().status(), 201);
}

#[tokio::test]
async fn token_endpoint_error_keeps_body_but_not_secret() {
    let server = MockServer::start().await;
    let body = r#"{"ErrorCode":"invalid_client","Error":"Client credentials are invalid"}"#;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_string(body))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let c = client(&server);
    let err = c.send::<Infallible>(get_item("1")).await.unwrap_err();
    match &err {
        Error::Auth(AuthError::TokenRejected {
            status, body: got, ..
        }) => {
            assert_eq!(*status, 401);
            assert_eq!(got, body);
        }
        other => panic!("unexpected {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("invalid_client"), "{text}");
    assert!(text.contains("401"), "{text}");
    assert!(!text.contains(CLIENT_SECRET));
    assert!(!format!("{err:?}").contains(CLIENT_SECRET));
}

#[tokio::test]
async fn successful_token_body_is_never_quoted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"accessToken": "LEAKY-TOKEN-VALUE", "expires_in": 10}),
        ))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.send::<Infallible>(get_item("1")).await.unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::InvalidTokenResponse { .. })),
        "{err:?}"
    );
    assert!(!err.to_string().contains("LEAKY"), "{err}");
    assert!(!format!("{err:?}").contains("LEAKY"));
}

#[tokio::test]
async fn token_endpoint_503_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("tok", "3599"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(bearer_token("tok"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(
        c.send::<Infallible>(get_item("1")).await.unwrap().status(),
        200
    );
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(count(&reqs, "/oauth/token"), 2);
}
