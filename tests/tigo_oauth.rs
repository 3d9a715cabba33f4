//! OAuth2 client credentials as the Tigo client uses them, against a local
//! gateway that answers tokens in its own style (`expires_in` as a string,
//! `token_type: BearerToken`).

mod support;

use pasarela::tigo_billing::Client;
use pasarela::Error;
use std::time::Duration;
use support::*;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .oauth2_client_credentials("client-id", "client-secret")
        .oauth2_token_url(token_url(server))
        .build()
        .expect("client builds")
}

async fn mount_payment(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/customers/contracts/1/bills/2/payments"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(spec_example("tigo-billing-v2.yaml", "Payment")),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn fifty_concurrent_calls_on_a_cold_client_fetch_one_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/client_credential/accesstoken"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(gateway_token("shared-token", "3599"))
                .set_delay(Duration::from_millis(100)),
        )
        .mount(&server)
        .await;
    mount_payment(&server).await;
    let client = client(&server);
    let calls = (0..50).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.list_bill_payments("1", "2").await })
    });
    for call in futures_join(calls).await {
        call.expect("task").expect("call succeeds");
    }
    assert_eq!(token_requests(&server).await.len(), 1);
    assert_eq!(api_requests(&server).await.len(), 50);
}

async fn futures_join<T>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await);
    }
    out
}

#[tokio::test]
async fn the_token_request_uses_basic_auth_and_keeps_the_urls_query() {
    let server = MockServer::start().await;
    mount_token(&server, "t1", "3599").await;
    mount_payment(&server).await;
    client(&server)
        .list_bill_payments("1", "2")
        .await
        .expect("ok");
    let tokens = token_requests(&server).await;
    assert_eq!(tokens.len(), 1);
    let t = &tokens[0];
    assert_eq!(t.url.query(), Some("grant_type=client_credentials"));
    let auth = t
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // base64("client-id:client-secret")
    assert_eq!(auth, "Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ=");
    let body = String::from_utf8_lossy(&t.body);
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    let api = &api_requests(&server).await[0];
    assert_eq!(
        api.headers
            .get("authorization")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer t1")
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed() {
    let server = MockServer::start().await;
    // A token that is already expired when it arrives (lifetime 0 s). It is
    // still used for `MIN_TOKEN_REUSE` (1 s), so that a server announcing
    // no lifetime cannot make every call fetch a token; an API
    // that rejects it answers 401, which fetches a new one anyway.
    mount_token(&server, "short-lived", "0").await;
    mount_payment(&server).await;
    let client = client(&server);
    client
        .list_bill_payments("1", "2")
        .await
        .expect("first call");
    client
        .list_bill_payments("1", "2")
        .await
        .expect("second call");
    assert_eq!(token_requests(&server).await.len(), 1, "reused briefly");
    tokio::time::sleep(
        pasarela::runtime::auth::MIN_TOKEN_REUSE + std::time::Duration::from_millis(100),
    )
    .await;
    client
        .list_bill_payments("1", "2")
        .await
        .expect("third call");
    assert_eq!(
        token_requests(&server).await.len(),
        2,
        "past the floor, the expired token is replaced"
    );
}

#[tokio::test]
async fn a_401_causes_one_refresh_and_one_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/client_credential/accesstoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(gateway_token("revoked", "3599")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_token(&server, "fresh", "3599").await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer revoked"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(spec_example("tigo-billing-v2.yaml", "GatewayFault")),
        )
        .mount(&server)
        .await;
    mount_payment(&server).await;
    client(&server)
        .list_bill_payments("1", "2")
        .await
        .expect("retried with a fresh token");
    assert_eq!(token_requests(&server).await.len(), 2);
    assert_eq!(api_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_second_401_is_returned_as_an_error() {
    let server = MockServer::start().await;
    mount_token(&server, "always-rejected", "3599").await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(spec_example("tigo-billing-v2.yaml", "ApiError")),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .list_bill_payments("1", "2")
        .await
        .expect_err("401 twice");
    assert_eq!(err.status(), Some(401));
    assert!(matches!(err, Error::Api { status: 401, .. }), "{err:?}");
    assert_eq!(
        token_requests(&server).await.len(),
        2,
        "one refresh, no loop"
    );
    assert_eq!(api_requests(&server).await.len(), 2, "one retry, no loop");
}

#[tokio::test]
async fn invalid_client_credentials_are_an_auth_error_without_secrets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/client_credential/accesstoken"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "ErrorCode": "invalid_client", "Error": "Client credentials are invalid"
        })))
        .mount(&server)
        .await;
    let err = client(&server)
        .list_bill_payments("1", "2")
        .await
        .expect_err("auth fails");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("invalid_client"), "{shown}");
    assert!(!shown.contains("client-secret"), "{shown}");
    assert!(api_requests(&server).await.is_empty());
}

#[test]
fn debug_output_never_shows_the_client_secret() {
    let builder = Client::builder()
        .base_url("https://example.com")
        .oauth2_client_credentials("client-id", "very-secret-value");
    assert!(!format!("{builder:?}").contains("very-secret-value"));
    let client = builder.build().expect("builds");
    assert!(!format!("{client:?}").contains("very-secret-value"));
}

#[tokio::test]
async fn one_cloned_configuration_builds_clients_and_errors_are_reexported() {
    let server = MockServer::start().await;
    mount_token(&server, "t1", "3599").await;
    mount_payment(&server).await;
    let builder = Client::builder()
        .base_url(server.uri())
        .oauth2_client_credentials("client-id", "client-secret")
        .oauth2_token_url(token_url(&server))
        .max_attempts(1);
    let a = builder.clone().build().expect("first");
    let b = builder.build().expect("second");
    a.list_bill_payments("1", "2").await.expect("a");
    b.list_bill_payments("1", "2").await.expect("b");
    // The crate root re-exports what callers name.
    let err: pasarela::BuildError = Client::builder()
        .base_url("not a url")
        .build()
        .expect_err("an invalid base URL");
    assert!(!err.to_string().is_empty());
}
