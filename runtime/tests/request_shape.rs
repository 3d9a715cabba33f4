//! What is actually sent: URL, query, headers, bodies and static credentials.

mod common;

use std::convert::Infallible;

use common::*;
use pasarela_runtime::bytes::Bytes;
use pasarela_runtime::{AuthError, Client, ClientBuilder, Error, Part, Request};
use wiremock::matchers::{
    basic_auth, bearer_token, body_string, body_string_contains, header, method, path, query_param,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "api-key-SECRET-123";

fn builder(server: &MockServer) -> ClientBuilder {
    ClientBuilder::new(&API)
        .base_url(server.uri())
        .retry_policy(fast_retry(1))
}

async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    reqs.remove(0)
}

#[tokio::test]
async fn path_query_headers_and_json_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let c = builder(&server).build().unwrap();
    let mut req = Request::new(&POST_OPEN);
    req.query("q", "a b&c")
        .query("tag", "x")
        .query("tag", "y")
        .header("X-Trace", "t-1");
    req.json_body(&serde_json::json!({"amount": "1322.10"}))
        .unwrap();
    c.send::<Infallible>(req).await.unwrap();

    let r = only_request(&server).await;
    assert_eq!(r.url.path(), "/open");
    assert_eq!(r.url.query(), Some("q=a+b%26c&tag=x&tag=y"));
    assert_eq!(r.headers["x-trace"], "t-1");
    assert_eq!(r.headers["content-type"], "application/json");
    assert!(r.headers["user-agent"]
        .to_str()
        .unwrap()
        .starts_with("pasarela/"));
    assert_eq!(r.body, br#"{"amount":"1322.10"}"#);
}

#[tokio::test]
async fn path_params_are_percent_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let c = builder(&server).build().unwrap();
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "0044/../x?y#z %");
    c.send::<Infallible>(req).await.unwrap();
    let r = only_request(&server).await;
    assert_eq!(r.url.path(), "/open/0044%2F..%2Fx%3Fy%23z%20%25");
    assert_eq!(r.url.query(), None);
}

#[tokio::test]
async fn missing_path_param_is_invalid_request() {
    let server = MockServer::start().await;
    let c = builder(&server).build().unwrap();
    let err = c
        .send::<Infallible>(Request::new(&GET_OPEN))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(err.to_string().contains("`id`"), "{err}");
}

#[tokio::test]
async fn non_2xx_is_returned_as_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(409).set_body_string("{\"code\":\"DUP\"}"))
        .mount(&server)
        .await;
    let c = builder(&server).build().unwrap();
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "1");
    let resp = c.send::<Infallible>(req).await.unwrap();
    assert_eq!(resp.status(), 409);
    #[derive(Debug, serde::Deserialize)]
    struct Dup {
        code: String,
    }
    match resp.api_error::<Dup, String>(|d| d.code) {
        Error::Api { status, error, .. } => {
            assert_eq!(status, 409);
            assert_eq!(error, "DUP");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn header_api_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/h"))
        .and(header("X-Api-Key", KEY))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).api_key("headerKey", KEY).build().unwrap();
    c.send::<Infallible>(Request::new(&WITH_HEADER_KEY))
        .await
        .unwrap();
}

#[tokio::test]
async fn query_api_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/q"))
        .and(query_param("hash", KEY))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).api_key("queryKey", KEY).build().unwrap();
    let mut req = Request::new(&WITH_QUERY_KEY);
    req.query("page", "2");
    c.send::<Infallible>(req).await.unwrap();
}

#[tokio::test]
async fn query_api_key_never_in_transport_errors() {
    // Nothing listens there: the error must not echo the URL (with the key).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let c = ClientBuilder::new(&API)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_retry(1))
        .api_key("queryKey", KEY)
        .build()
        .unwrap();
    let err = c
        .send::<Infallible>(Request::new(&WITH_QUERY_KEY))
        .await
        .unwrap_err();
    assert!(!err.to_string().contains(KEY), "{err}");
    assert!(!format!("{err:?}").contains(KEY), "{err:?}");
}

#[tokio::test]
async fn form_api_key_added_to_form_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/f"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(format!("amount=10.50&ref=a+b&hash={KEY}")))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).api_key("formKey", KEY).build().unwrap();
    let mut req = Request::new(&WITH_FORM_KEY);
    req.form_body(vec![
        ("amount".into(), "10.50".into()),
        ("ref".into(), "a b".into()),
    ]);
    c.send::<Infallible>(req).await.unwrap();
}

#[tokio::test]
async fn form_api_key_alone_makes_a_form_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/f"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(format!("hash={KEY}")))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).api_key("formKey", KEY).build().unwrap();
    c.send::<Infallible>(Request::new(&WITH_FORM_KEY))
        .await
        .unwrap();
}

#[tokio::test]
async fn form_api_key_added_to_multipart_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/f"))
        .and(body_string_contains("name=\"hash\""))
        .and(body_string_contains(KEY))
        .and(body_string_contains("filename=\"lote.csv\""))
        .and(body_string_contains("1;0044;89500.00"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).api_key("formKey", KEY).build().unwrap();
    let mut req = Request::new(&WITH_FORM_KEY);
    req.multipart_body(vec![
        Part::text("batch", "7"),
        Part::file(
            "file",
            "lote.csv",
            "text/csv",
            Bytes::from_static(b"1;0044;89500.00\n"),
        ),
    ]);
    c.send::<Infallible>(req).await.unwrap();
    let r = only_request(&server).await;
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("multipart/form-data; boundary="));
}

#[tokio::test]
async fn form_api_key_with_json_body_is_rejected() {
    let server = MockServer::start().await;
    let c = builder(&server).api_key("formKey", KEY).build().unwrap();
    let mut req = Request::new(&WITH_FORM_KEY);
    req.json_body(&1).unwrap();
    let err = c.send::<Infallible>(req).await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(!err.to_string().contains(KEY));
}

#[tokio::test]
async fn text_and_bytes_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("content-type", "text/csv; charset=utf-8"))
        .and(body_string("a;b\n1;2\n"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("content-type", "application/octet-stream"))
        .and(wiremock::matchers::body_bytes(vec![0u8, 159, 255]))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).build().unwrap();
    let mut req = Request::new(&POST_OPEN);
    req.text_body("text/csv; charset=utf-8", "a;b\n1;2\n".to_owned());
    c.send::<Infallible>(req).await.unwrap();
    let mut req = Request::new(&POST_OPEN);
    req.bytes_body(
        "application/octet-stream",
        Bytes::from_static(&[0, 159, 255]),
    );
    c.send::<Infallible>(req).await.unwrap();
}

#[tokio::test]
async fn basic_and_bearer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/b"))
        .and(basic_auth("user", "pa:ss"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/t"))
        .and(bearer_token("static-token"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server)
        .basic_auth("basic", "user", "pa:ss")
        .bearer_token("bearer", "static-token")
        .build()
        .unwrap();
    c.send::<Infallible>(Request::new(&WITH_BASIC))
        .await
        .unwrap();
    c.send::<Infallible>(Request::new(&WITH_BEARER))
        .await
        .unwrap();
}

#[tokio::test]
async fn first_configured_scheme_sets_authorization() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/e"))
        .and(basic_auth("u", "p"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    // Only basic is configured: it is used even though bearer comes first.
    let c = builder(&server)
        .basic_auth("basic", "u", "p")
        .build()
        .unwrap();
    c.send::<Infallible>(Request::new(&WITH_EITHER))
        .await
        .unwrap();
}

#[tokio::test]
async fn credentials_only_for_operations_that_use_them() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let c = builder(&server)
        .bearer_token("bearer", "static-token")
        .api_key("queryKey", KEY)
        .build()
        .unwrap();
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "1");
    c.send::<Infallible>(req).await.unwrap();
    let r = only_request(&server).await;
    assert!(r.headers.get("authorization").is_none());
    assert_eq!(r.url.query(), None);
}

#[tokio::test]
async fn missing_credentials_name_the_builder_method() {
    let server = MockServer::start().await;
    let c = builder(&server).build().unwrap();
    let err = c
        .send::<Infallible>(Request::new(&WITH_EITHER))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Auth(AuthError::MissingCredentials { .. })),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains(".bearer_token(\"bearer\", token)"), "{text}");
    assert!(
        text.contains(".basic_auth(\"basic\", user, password)"),
        "{text}"
    );
    let mut req = Request::new(&GET_ITEM);
    req.path_param("itemId", "1");
    let err = c.send::<Infallible>(req).await.unwrap_err();
    assert!(
        err.to_string()
            .contains(".oauth2_client_credentials(\"oauth\", client_id, client_secret)"),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn client_is_cheap_to_clone_and_send_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let server = MockServer::start().await;
    let c: Client = builder(&server).build().unwrap();
    let c2 = c.clone();
    assert_eq!(c.base_url(), c2.base_url());
    assert_eq!(c.api().title, "Test API");
    let fut = c2.send::<Infallible>(Request::new(&POST_OPEN));
    assert_send(&fut);
    drop(fut);
}
