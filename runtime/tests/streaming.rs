//! Streaming responses: `send_streaming` + `into_csv_stream` against a real
//! local server.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use common::rows::*;
use common::*;
use pasarela_runtime::csv::CsvError;
use pasarela_runtime::{ClientBuilder, Error, Request, TextError, TextResultSpec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

static CSV_RESULT: TextResultSpec = TextResultSpec {
    error_prefix: Some("ERROR:"),
    ok_prefix: Some("OK:"),
    ok_pattern: None,
};

fn rows_body(n: usize) -> String {
    let mut body = String::with_capacity(n * 100);
    for i in 0..n {
        if i % 2 == 0 {
            body.push_str(&format!(
                "{i};Fabian Barros;1137465298;45674567;fabianbarros@x.com.ar;5;Colonia de Vacaciones;1322.10\r\n"
            ));
        } else {
            body.push_str(&format!(
                "{i};Peña Núñez;1137465298;;;;Cuota;{i}.50;2018-05-31;REF-{i}\r\n"
            ));
        }
    }
    body
}

#[tokio::test]
async fn a_hundred_thousand_rows_streamed() {
    let server = MockServer::start().await;
    let body = format!("OK: CSV plano\r\n{}", rows_body(100_000));
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/csv")
                .insert_header(
                    "content-disposition",
                    "attachment; filename=\"cobros_201805.csv\"",
                )
                .set_body_bytes(body.into_bytes()),
        )
        .mount(&server)
        .await;
    let client = ClientBuilder::new(&API)
        .base_url(server.uri())
        .build()
        .unwrap();
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "201805");
    let resp = client.send_streaming::<Infallible>(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.file_name().as_deref(), Some("cobros_201805.csv"));
    assert!(format!("{resp:?}").contains("StreamingResponse"));

    let mut stream = resp
        .into_csv_stream::<Charge, TextError>(&SEMICOLON, &CSV_RESULT, |e| e)
        .await
        .unwrap();
    assert_eq!(stream.file_name(), Some("cobros_201805.csv"));
    let mut count = 0usize;
    let mut total = pasarela_runtime::Decimal::ZERO;
    while let Some(row) = stream.next().await {
        let row = row.unwrap();
        assert_eq!(row.id, count.to_string());
        if count == 1 {
            assert_eq!(row.name, "Peña Núñez");
            assert_eq!(row.reference.as_deref(), Some("REF-1"));
        }
        total += row.amount;
        count += 1;
    }
    assert_eq!(count, 100_000);
    assert_eq!(stream.rows_read(), 100_000);
    assert!(total > pasarela_runtime::Decimal::ZERO);
}

#[tokio::test]
async fn an_error_body_is_the_api_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ERROR: x\r\n"))
        .mount(&server)
        .await;
    let client = ClientBuilder::new(&API)
        .base_url(server.uri())
        .build()
        .unwrap();
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "1");
    let resp = client.send_streaming::<TextError>(req).await.unwrap();
    let err = resp
        .into_csv_stream::<Charge, TextError>(&SEMICOLON, &CSV_RESULT, |e| e)
        .await
        .unwrap_err();
    match err {
        Error::Api { status, error, .. } => {
            assert_eq!(status, 200);
            assert_eq!(error, TextError { text: "x".into() });
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn retryable_status_is_retried_and_error_status_buffered() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("{\"error\":\"no such file\"}"))
        .mount(&server)
        .await;
    let client = ClientBuilder::new(&API)
        .base_url(server.uri())
        .retry_policy(fast_retry(3))
        .build()
        .unwrap();
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "1");
    let resp = client.send_streaming::<Infallible>(req).await.unwrap();
    assert_eq!(resp.status(), 404);
    let resp = resp.buffer::<Infallible>().await.unwrap();
    assert_eq!(resp.body(), b"{\"error\":\"no such file\"}");
    assert_eq!(resp.operation().map(|op| op.id), Some("getOpen"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// A one-shot HTTP server that sends the headers at once and then the body
/// in pieces, sleeping between them.
async fn trickle_server(pieces: Vec<(Duration, &'static str)>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let mut seen = Vec::new();
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf).await.unwrap();
            if n == 0 {
                return;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        let len: usize = pieces.iter().map(|(_, p)| p.len()).sum();
        let head =
            format!("HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: {len}\r\n\r\n");
        sock.write_all(head.as_bytes()).await.unwrap();
        for (pause, piece) in pieces {
            tokio::time::sleep(pause).await;
            if sock.write_all(piece.as_bytes()).await.is_err() {
                return;
            }
        }
        let _ = sock.shutdown().await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn the_attempt_timeout_does_not_cut_a_long_download() {
    let step = Duration::from_millis(150);
    let base = trickle_server(vec![
        (step, "Ana;Gil\n"),
        (step, "Luis;Pé"),
        (step, "rez\n"),
        (step, "Eva;Sol\n"),
        (step, "Juan;Paz\n"),
    ])
    .await;
    // Each piece arrives within the attempt timeout; the whole body takes
    // about twice as long.
    let client = ClientBuilder::new(&API)
        .base_url(base)
        .attempt_timeout(Duration::from_millis(600))
        .build()
        .unwrap();
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "1");
    let resp = client.send_streaming::<Infallible>(req).await.unwrap();
    let mut stream = resp
        .into_csv_stream::<Names, TextError>(&SEMICOLON, &CSV_RESULT, |e| e)
        .await
        .unwrap();
    let mut rows = Vec::new();
    while let Some(row) = stream.next().await {
        rows.push(row.unwrap());
    }
    assert_eq!(
        rows,
        vec![
            names("Ana", "Gil"),
            names("Luis", "Pérez"),
            names("Eva", "Sol"),
            names("Juan", "Paz")
        ]
    );
}

#[tokio::test]
async fn a_stalled_download_fails() {
    let base = trickle_server(vec![
        (Duration::ZERO, "Ana;Gil\n"),
        (Duration::from_secs(3), "Luis;Paz\n"),
    ])
    .await;
    let client = ClientBuilder::new(&API)
        .base_url(base)
        .attempt_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "1");
    let resp = client.send_streaming::<Infallible>(req).await.unwrap();
    let mut stream = resp
        .into_csv_stream::<Names, TextError>(&SEMICOLON, &CSV_RESULT, |e| e)
        .await
        .unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), names("Ana", "Gil"));
    match stream.next().await {
        Some(Err(CsvError::Io(message))) => {
            assert!(message.contains("no data arrived"), "{message}")
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(stream.next().await.is_none());
}

async fn stream_from(
    pieces: Vec<(Duration, &'static str)>,
) -> Result<pasarela_runtime::csv::CsvStream<Names>, Error<TextError>> {
    let base = trickle_server(pieces).await;
    let client = ClientBuilder::new(&API).base_url(base).build().unwrap();
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "1");
    let resp = client.send_streaming::<TextError>(req).await.unwrap();
    resp.into_csv_stream::<Names, TextError>(&SEMICOLON, &CSV_RESULT, |e| e)
        .await
}

#[tokio::test]
async fn grammar_lines_split_over_chunks() {
    let pause = Duration::from_millis(15);
    let err = stream_from(vec![
        (pause, "\r\n"),
        (pause, "ERR"),
        (pause, "OR: No hay"),
        (pause, " cobros\r\n"),
    ])
    .await
    .unwrap_err();
    assert_eq!(
        err.api_error(),
        Some(&TextError {
            text: "No hay cobros".into()
        })
    );

    let mut stream = stream_from(vec![
        (pause, "\u{FEFF}OK: CSV"),
        (pause, " plano\r"),
        (pause, "\nAna;Gil\n"),
        (pause, "Luis;Paz"),
    ])
    .await
    .unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), names("Ana", "Gil"));
    assert_eq!(stream.next().await.unwrap().unwrap(), names("Luis", "Paz"));
    assert!(stream.next().await.is_none());

    // No OK line at all, and an empty body.
    let mut stream = stream_from(vec![(pause, "Ana;Gil\n")]).await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), names("Ana", "Gil"));
    assert!(stream.next().await.is_none());
    let mut stream = stream_from(vec![]).await.unwrap();
    assert!(stream.next().await.is_none());
    assert_eq!(stream.rows_read(), 0);
}

#[test]
fn streaming_types_and_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    fn send_type<T: Send>() {}
    send_type::<pasarela_runtime::StreamingResponse>();
    send_type::<pasarela_runtime::csv::CsvStream<Names>>();
    let client = ClientBuilder::new(&API)
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let fut = client.send_streaming::<TextError>(Request::new(&GET_OPEN));
    send(&fut);
    let mut stream = pasarela_runtime::csv::CsvStream::<Names>::from_stream(
        futures_util::stream::empty::<Result<pasarela_runtime::bytes::Bytes, Infallible>>(),
        &SEMICOLON,
    );
    let next = stream.next();
    send(&next);
}
