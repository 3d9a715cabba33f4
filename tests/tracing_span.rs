//! Every call emits a `pasarela.request` span with the operation id, method,
//! path template, attempt and status, and no secret. Alone in its test
//! binary: tracing caches per call site whether anyone listens, and other
//! tests running without a subscriber on other threads would race with it.

mod support;

use std::time::Duration;

use pasarela::tigo_billing::Client;
use pasarela::RetryPolicy;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SPEC: &str = "tigo-billing-v2.yaml";
const CONTRACT: &str = "/contracts/0012345678";

#[tokio::test]
async fn every_call_has_a_span_with_operation_method_path_attempt_and_status() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    mount_token(&server, "test-access-token", "3599").await;
    Mock::given(method("GET"))
        .and(path(CONTRACT))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(spec_example(SPEC, "ContractsDetails")),
        )
        .mount(&server)
        .await;
    Client::builder()
        .base_url(server.uri())
        .oauth2_client_credentials("client-id", "client-secret")
        .oauth2_token_url(token_url(&server))
        .retry_policy(RetryPolicy::new(3).initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap()
        .get_contract("0012345678")
        .await
        .expect("success");
    let text = logs.text();
    let line = text
        .lines()
        .find(|l| l.contains("pasarela.request") && l.contains("close"))
        .unwrap_or_else(|| panic!("no closed pasarela.request span in:\n{text}"));
    for field in [
        "operation=\"getContract\"",
        "method=\"GET\"",
        "path=\"/contracts/{contractId}\"",
        "attempt=1",
        "status=200",
    ] {
        assert!(line.contains(field), "{field} missing in: {line}");
    }
    assert!(!text.contains("test-access-token"), "{text}");
    assert!(
        !text.contains("0012345678"),
        "the path template, not the id: {text}"
    );
}
