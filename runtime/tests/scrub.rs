//! Servers that echo the request must not carry a configured secret into a
//! decoded value, an error's `Display`/`Debug`, or a log: every buffered
//! response body is scrubbed when it arrives.

mod common;

use std::convert::Infallible;

use base64::Engine as _;
use common::*;
use pasarela_runtime::{ClientBuilder, Request};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "live-key-0123456789";
const PASSWORD: &str = "hunter2-password";

#[tokio::test]
async fn an_echoed_api_key_never_reaches_the_caller() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(400).set_body_string(format!(
            "bad request; you sent X-Api-Key: {KEY} (again: {KEY})"
        )))
        .expect(1)
        .mount(&server)
        .await;
    let c = ClientBuilder::new(&API)
        .base_url(server.uri())
        .api_key("headerKey", KEY)
        .build()
        .expect("client");
    let resp = c
        .send::<Infallible>(Request::new(&WITH_HEADER_KEY))
        .await
        .expect("answered");
    let text = resp.text_lossy();
    assert_eq!(text, "bad request; you sent X-Api-Key: *** (again: ***)");
    let err = resp.unexpected::<Infallible>();
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(KEY), "{shown}");
    }
}

#[tokio::test]
async fn echoed_basic_credentials_are_masked_in_both_spellings() {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("ana:{PASSWORD}").as_bytes());
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "echo": {"authorization": format!("Basic {encoded}"), "password": PASSWORD},
            "ok": true
        })))
        .mount(&server)
        .await;
    let c = ClientBuilder::new(&API)
        .base_url(server.uri())
        .basic_auth("basic", "ana", PASSWORD)
        .build()
        .expect("client");
    let resp = c
        .send::<Infallible>(Request::new(&WITH_BASIC))
        .await
        .expect("answered");
    let value: serde_json::Value = resp.json::<_, Infallible>().expect("still JSON");
    assert_eq!(value["echo"]["authorization"], "Basic ***");
    assert_eq!(value["echo"]["password"], "***");
    assert_eq!(value["ok"], true);
}
