//! Idempotency keys at the runtime's level: the key is in the
//! `pasarela.request` span, a key set for an operation without a key
//! mechanism is refused before anything is sent, and a caller-set key is
//! sent as given. (Retries under a key, against a server that counts
//! effects: `fixture-check/tests/idempotency.rs`.)

use std::io;
use std::sync::{Arc, Mutex};

use pasarela_runtime::{
    ApiInfo, CallOptions, ClientBuilder, Error, HttpMethod, Idempotency, Operation, Request,
};
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

static API: ApiInfo = ApiInfo {
    title: "Keys",
    default_base_url: None,
    security_schemes: &[],
};
static PAY: Operation = Operation::new("pay", HttpMethod::Post, "/pay")
    .moves_money()
    .idempotency(Idempotency::header("Idempotency-Key").prefix("pay_"));
static PAY_WITHOUT_KEYS: Operation =
    Operation::new("payWithoutKeys", HttpMethod::Post, "/plain").moves_money();

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test]
async fn the_key_is_sent_as_given_and_shows_in_the_span_and_the_response() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/pay"))
        .and(header("idempotency-key", "pay_given-1"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let client = ClientBuilder::new(&API)
        .base_url(server.uri())
        .build()
        .expect("client");
    let mut req = Request::new(&PAY);
    req.set_options(CallOptions::new().idempotency_key("pay_given-1"));
    let resp = client.send::<()>(req).await.expect("sent");
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.idempotency_key(), Some("pay_given-1"));
    let value = resp.into_value(());
    assert_eq!(value.idempotency_key(), Some("pay_given-1"));
    let logged = String::from_utf8(capture.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(
        logged.contains("pasarela.request") && logged.contains("idempotency_key=\"pay_given-1\""),
        "{logged}"
    );
}

#[tokio::test]
async fn a_new_key_per_call_has_the_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    let client = ClientBuilder::new(&API)
        .base_url(server.uri())
        .build()
        .expect("client");
    let first = client.send::<()>(Request::new(&PAY)).await.expect("sent");
    let second = client.send::<()>(Request::new(&PAY)).await.expect("sent");
    let (a, b) = (
        first.idempotency_key().expect("a key"),
        second.idempotency_key().expect("a key"),
    );
    assert!(a.starts_with("pay_") && a.len() == 4 + 36, "{a}");
    assert_ne!(a, b, "one key per call");
    let received = server.received_requests().await.expect("recorded");
    let sent: Vec<_> = received
        .iter()
        .map(|r| {
            r.headers
                .get("idempotency-key")
                .map(|v| v.to_str().unwrap_or("").to_owned())
        })
        .collect();
    assert_eq!(sent, vec![Some(a.to_owned()), Some(b.to_owned())]);
}

#[tokio::test]
async fn a_key_for_an_operation_without_keys_is_refused_before_sending() {
    let server = MockServer::start().await;
    let client = ClientBuilder::new(&API)
        .base_url(server.uri())
        .build()
        .expect("client");
    let mut req = Request::new(&PAY_WITHOUT_KEYS);
    req.set_options(CallOptions::new().idempotency_key("k"));
    let e = client.send::<()>(req).await.expect_err("refused");
    assert!(
        matches!(&e, Error::InvalidRequest(m) if m.contains("declares no idempotency key")),
        "{e:?}"
    );
    assert!(server
        .received_requests()
        .await
        .expect("recorded")
        .is_empty());
}
