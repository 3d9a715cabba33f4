//! The `pasarela.request` span and its events never carry secrets.

mod common;

use std::convert::Infallible;
use std::io;
use std::sync::{Arc, Mutex};

use common::*;
use pasarela_runtime::{ClientBuilder, Request};
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
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
async fn spans_and_events_carry_no_secrets() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token_response("TOKEN-VALUE-xyz", "3599"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/q"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;

    let key = "QUERY-KEY-abc";
    let c = ClientBuilder::new(&API)
        .base_url(server.uri())
        .retry_policy(fast_retry(3))
        .api_key("queryKey", key)
        .oauth2_client_credentials("oauth", CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap();
    let mut req = Request::new(&WITH_QUERY_KEY);
    req.query("secretish", "query-value");
    assert_eq!(c.send::<Infallible>(req).await.unwrap().status(), 200);
    let mut req = Request::new(&GET_ITEM);
    req.path_param("itemId", "item-77");
    assert_eq!(c.send::<Infallible>(req).await.unwrap().status(), 200);

    let out = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(out.contains("pasarela.request"), "{out}");
    assert!(out.contains("operation=\"withQueryKey\""), "{out}");
    assert!(out.contains("path=\"/items/{itemId}\""), "{out}");
    assert!(out.contains("retrying"), "{out}");
    assert!(out.contains("status=200"), "{out}");
    assert!(out.contains("latency_ms"), "{out}");
    for leak in [
        key,
        "TOKEN-VALUE-xyz",
        CLIENT_SECRET,
        "query-value",
        "item-77",
        "Authorization",
        "authorization",
    ] {
        assert!(!out.contains(leak), "log leaks {leak}: {out}");
    }
}
