//! Money-moving calls whose outcome is unknown: reported as the flat
//! `Error::OutcomeUnknown`, never retried, quoting the outcome reference.

mod common;

use std::convert::Infallible;
use std::io::Read;
use std::time::Duration;

use common::*;
use pasarela_runtime::{Client, ClientBuilder, Error, Operation, Request, Response};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(base: &str) -> ClientBuilder {
    ClientBuilder::new(&API)
        .base_url(base)
        .retry_policy(fast_retry(5))
}

fn batch(id: serde_json::Value) -> serde_json::Value {
    json!({"batch": {"batchId": id, "items": [{"amount": 100}]}})
}

/// What generated code does: send, decode 200, hand anything else to
/// `unexpected()`.
async fn call(
    c: &Client,
    op: &'static Operation,
    body: &serde_json::Value,
) -> Result<serde_json::Value, Error<Infallible>> {
    let mut req = Request::new(op);
    req.json_body(body).map_err(Error::from_encode)?;
    let resp = c.send(req).await?;
    match resp.status() {
        200 => resp.json(),
        _ => Err(resp.unexpected()),
    }
}

async fn hits(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn money_post_503_is_outcome_unknown_with_reference() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/batches"))
        .respond_with(
            ResponseTemplate::new(503).set_body_string("<html>\n  upstream  down\n</html>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server.uri()).build().unwrap();
    let err = call(&c, &PAY_WITH_REFERENCE, &batch(json!(274)))
        .await
        .unwrap_err();
    assert_eq!(
        hits(&server).await,
        1,
        "a money-moving call is never retried"
    );
    match &err {
        Error::OutcomeUnknown {
            reason,
            status,
            reference,
            envelope,
            ..
        } => {
            // A 5xx with a body is not an envelope the spec declares.
            assert!(envelope.is_none());
            assert_eq!(*status, Some(503));
            assert_eq!(reference.as_deref(), Some("batchId=274"));
            assert_eq!(
                reason,
                "the server answered HTTP 503: <html> upstream down </html>"
            );
        }
        other => panic!("expected OutcomeUnknown, got {other:?}"),
    }
    assert!(err.outcome_unknown());
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        err.to_string(),
        "outcome unknown: the server answered HTTP 503: <html> upstream down </html>. \
         The server may have processed this request; check batchId=274 before retrying \
         — do not resend blindly."
    );
}

#[tokio::test]
async fn money_post_attempt_timeout_is_outcome_unknown_with_string_reference() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/batches"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let c = client(&server.uri())
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = call(&c, &PAY_WITH_REFERENCE, &batch(json!("A-17/x")))
        .await
        .unwrap_err();
    assert_eq!(hits(&server).await, 1);
    assert!(
        matches!(
            &err,
            Error::OutcomeUnknown { status: None, reference: Some(r), .. } if r == "batchId=A-17/x"
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("outcome unknown: the HTTP attempt exceeded the per-attempt timeout. "),
        "{text}"
    );
    assert!(
        text.contains("check batchId=A-17/x before retrying"),
        "{text}"
    );
    assert!(err.outcome_unknown());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn money_post_total_timeout_is_outcome_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(1500)))
        .mount(&server)
        .await;
    let c = client(&server.uri())
        .attempt_timeout(Duration::from_secs(10))
        .total_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = call(&c, &PAY_WITH_REFERENCE, &batch(json!(9)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::OutcomeUnknown { reason, reference: Some(r), .. }
            if reason == "the call exceeded the total timeout" && r == "batchId=9"),
        "{err:?}"
    );
    assert_eq!(hits(&server).await, 1);
}

#[tokio::test]
async fn missing_reference_says_check_its_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let c = client(&server.uri()).build().unwrap();
    // The pointer finds nothing in this body.
    let err = call(&c, &PAY_WITH_REFERENCE, &json!({"other": 1}))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::OutcomeUnknown {
                status: Some(502),
                reference: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "outcome unknown: the server answered HTTP 502 with an empty body. The server may \
         have processed this request; check its status before retrying — do not resend blindly."
    );
    // A `null` value is no reference either.
    let err = call(&c, &PAY_WITH_REFERENCE, &batch(json!(null)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::OutcomeUnknown {
                reference: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn only_5xx_of_money_ops_are_outcome_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/batches"))
        .respond_with(ResponseTemplate::new(409).set_body_string("duplicate"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/open"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .mount(&server)
        .await;
    let c = client(&server.uri()).build().unwrap();

    // A 4xx answer is a definite answer.
    let err = call(&c, &PAY_WITH_REFERENCE, &batch(json!(1)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedStatus { status: 409, body, .. } if body == "duplicate"),
        "{err:?}"
    );
    assert!(!err.outcome_unknown());

    // A 5xx of an operation that moves no money stays unexpected.
    let err = call(&c, &POST_OPEN, &json!({})).await.unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedStatus { status: 503, .. }),
        "{err:?}"
    );

    // A response built by hand belongs to no operation.
    #[allow(clippy::disallowed_methods)] // a hand-built response
    let err: Error<Infallible> = Response::from_parts(503, Default::default(), "x").unexpected();
    assert!(matches!(err, Error::UnexpectedStatus { status: 503, .. }));
}

#[tokio::test]
async fn response_remembers_operation_and_reference() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let c = client(&server.uri()).build().unwrap();
    let mut req = Request::new(&PAY_WITH_REFERENCE);
    req.json_body(&batch(json!(274))).unwrap();
    let resp = c.send::<Infallible>(req).await.unwrap();
    assert_eq!(resp.operation().map(|op| op.id), Some("payWithReference"));
    assert_eq!(resp.outcome_reference(), Some("batchId=274"));
}

/// A server on 127.0.0.1 that reads the request and hangs up without
/// answering; returns its URL and a handle that yields how many connections
/// it accepted.
fn hang_up_server() -> (String, std::thread::JoinHandle<usize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut accepted = 0;
        // Accept for a short while: one connection is expected.
        listener.set_nonblocking(true).unwrap();
        let until = std::time::Instant::now() + Duration::from_millis(1500);
        while std::time::Instant::now() < until {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    accepted += 1;
                    stream.set_nonblocking(false).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_millis(300)))
                        .unwrap();
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf);
                    drop(stream);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        accepted
    });
    (url, handle)
}

#[tokio::test]
async fn money_post_dropped_connection_is_outcome_unknown() {
    let (url, server) = hang_up_server();
    let c = client(&url).build().unwrap();
    let err = call(&c, &PAY_WITH_REFERENCE, &batch(json!(5)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::OutcomeUnknown { reason, status: None, reference: Some(r), .. }
            if reason.starts_with("transport error") && r == "batchId=5"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("127.0.0.1"), "{err}");
    assert_eq!(server.join().unwrap(), 1, "never retried");
}

/// Every decoding method of `Response` goes through the one decision
/// (`Operation::outcome_may_be_unknown`): a 2xx answer of a money-moving
/// call that cannot be read is an unknown outcome whichever way it is read,
/// while the same answer to a retry-safe GET is an ordinary error.
#[tokio::test]
async fn every_decode_path_of_a_money_call_reports_an_unknown_outcome() {
    use pasarela_runtime::csv::{CsvFormat, TextEncoding};
    use pasarela_runtime::{EnvelopeSpec, TextResultSpec};
    static CSV: CsvFormat = CsvFormat {
        separator: b';',
        header: false,
        encodings: &[TextEncoding::Utf8],
        file_name: "x.csv",
    };
    static GRAMMAR: TextResultSpec = TextResultSpec {
        error_prefix: Some("ERROR:"),
        ok_prefix: None,
        ok_pattern: Some(r"^OK:\s*(?P<count>\d+)$"),
    };
    static ENVELOPE: EnvelopeSpec = EnvelopeSpec {
        code: "/code",
        text: None,
        data: "/data",
        codes: &[],
        rules: &[],
    };
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Count {
        count: u32,
    }

    let server = MockServer::start().await;
    // Unreadable whichever way it is read: not JSON, not `OK: n`, one CSV
    // column where the row declares more, no envelope.
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_string("garbled"))
        .mount(&server)
        .await;
    let client = ClientBuilder::new(&API)
        .base_url(server.uri())
        .build()
        .expect("client");
    let answer = |op: &'static Operation| {
        let client = client.clone();
        async move {
            let mut req = Request::new(op);
            if op.method.as_str() == "GET" {
                req.path_param("id", "1");
            }
            client.send::<Infallible>(req).await.expect("a 2xx answer")
        }
    };
    for (op, unknown) in [(&PAY_OPEN, true), (&GET_OPEN, false)] {
        let resp: Response = answer(op).await;
        let results: Vec<(&str, Error<Infallible>)> = vec![
            ("json", resp.json::<Count, Infallible>().expect_err("json")),
            (
                "text_result",
                resp.text_result::<Count, Infallible>(&GRAMMAR, |_| unreachable!())
                    .expect_err("grammar"),
            ),
            (
                "csv_rows",
                resp.csv_rows::<common::rows::Names, Infallible>(
                    &CSV,
                    &GRAMMAR,
                    |_| unreachable!(),
                )
                .expect_err("csv"),
            ),
            (
                "envelope",
                resp.envelope::<Count, Infallible>(&ENVELOPE, |_| unreachable!())
                    .expect_err("envelope"),
            ),
        ];
        for (how, err) in results {
            assert_eq!(
                matches!(err, Error::OutcomeUnknown { .. }),
                unknown,
                "{} read with {how}: {err:?}",
                op.id
            );
        }
    }
}
