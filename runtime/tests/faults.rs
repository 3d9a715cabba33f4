//! Fault injection: a raw TCP server on 127.0.0.1 misbehaves in one way per
//! test, for a retry-safe GET and for a money-moving POST. Each test checks
//! the typed error, whether the outcome is reported unknown, and how many
//! requests the server saw (GETs retried within bounds, money-moving POSTs
//! sent exactly once). Waits between retries go through a recording
//! `Sleeper`, so `Retry-After` is checked exactly and nothing sleeps long.
//! docs/reliability.md has the table of these cases.

mod common;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use pasarela_runtime::{Client, ClientBuilder, Error, Operation, Request, RetryPolicy, Sleeper};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with each request it reads.
#[derive(Clone)]
enum Fault {
    /// Writes these bytes and closes.
    Raw(Vec<u8>),
    /// Resets the connection (RST) without answering.
    Reset,
    /// Sends the headers of a 200 with a 1,000-byte body, 10 bytes of it,
    /// then resets.
    ResetMidBody,
    /// Reads the request and never answers.
    Silent,
    /// Sends the headers of a 200 and then one byte every 100 ms.
    Trickle,
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Fault {
    let mut out = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Fault::Raw(bytes)
}

/// A server that answers request `n` (0-based) with `script(n)`.
struct FaultServer {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl FaultServer {
    async fn start(script: impl Fn(usize) -> Fault + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&requests);
        let script = Arc::new(script);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let seen = Arc::clone(&seen);
                let script = Arc::clone(&script);
                tokio::spawn(async move {
                    let mut socket = socket;
                    if !read_request(&mut socket).await {
                        return;
                    }
                    let n = seen.fetch_add(1, Ordering::SeqCst);
                    serve(socket, script(n)).await;
                });
            }
        });
        FaultServer { url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Reads one request (headers and a `Content-Length` body).
async fn read_request(socket: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    true
}

async fn serve(mut socket: TcpStream, fault: Fault) {
    match fault {
        Fault::Raw(bytes) => {
            let _ = socket.write_all(&bytes).await;
            let _ = socket.shutdown().await;
        }
        Fault::Reset => reset(socket),
        Fault::ResetMidBody => {
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n0123456789")
                .await;
            let _ = socket.flush().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            reset(socket);
        }
        Fault::Silent => {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        Fault::Trickle => {
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")
                .await;
            for _ in 0..1000 {
                if socket.write_all(b"x").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Closes with RST instead of FIN.
fn reset(socket: TcpStream) {
    let _ = socket2::SockRef::from(&socket).set_linger(Some(Duration::ZERO));
    drop(socket);
}

/// The delays the client asked to wait, in order.
type Waits = Arc<Mutex<Vec<Duration>>>;

fn recording_retry(attempts: u32) -> (RetryPolicy, Waits) {
    let waits: Waits = Arc::default();
    let seen = Arc::clone(&waits);
    let sleeper = Sleeper::new(move |d| {
        seen.lock().expect("lock").push(d);
        Box::pin(async {})
    });
    let policy = RetryPolicy::new(attempts)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
        .jitter(false)
        .sleeper(sleeper);
    (policy, waits)
}

fn client(server: &FaultServer, retry: RetryPolicy) -> Client {
    ClientBuilder::new(&API)
        .base_url(&server.url)
        .retry_policy(retry)
        .attempt_timeout(Duration::from_millis(400))
        .max_body_bytes(64 * 1024)
        .build()
        .expect("client")
}

fn get() -> Request {
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "7");
    req
}

fn pay() -> Request {
    let mut req = Request::new(&PAY_OPEN);
    req.json_body(&serde_json::json!({"amount": "10.00"}))
        .expect("body");
    req
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Payment {
    id: u64,
}

/// Sends `req` and decodes a 2xx as `Payment`.
async fn call(client: &Client, req: Request) -> Result<Payment, Error<Infallible>> {
    let resp = client.send::<Infallible>(req).await?;
    if resp.is_success() {
        resp.json::<Payment, Infallible>()
    } else {
        Err(resp.unexpected())
    }
}

fn is_unknown(e: &Error<Infallible>) -> bool {
    matches!(e, Error::OutcomeUnknown { .. })
}

/// Runs the GET and the money-moving POST against a server that always
/// answers with `fault`; returns both errors and the request counts.
async fn both(fault: Fault) -> [(Error<Infallible>, usize); 2] {
    let mut out = Vec::new();
    for op in [&GET_OPEN, &PAY_OPEN] {
        let f = fault.clone();
        let server = FaultServer::start(move |_| f.clone()).await;
        let (retry, _) = recording_retry(3);
        let c = client(&server, retry);
        let req = if std::ptr::eq(op, &GET_OPEN as &Operation) {
            get()
        } else {
            pay()
        };
        let err = call(&c, req).await.expect_err("the fault is an error");
        out.push((err, server.requests()));
    }
    let pay = out.pop().expect("pay");
    let get = out.pop().expect("get");
    [get, pay]
}

#[tokio::test]
async fn connection_refused_is_retried_for_both_and_never_unknown() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    for (req, money) in [(get(), false), (pay(), true)] {
        let (retry, waits) = recording_retry(3);
        let c = ClientBuilder::new(&API)
            .base_url(&url)
            .retry_policy(retry)
            .build()
            .expect("client");
        let err = call(&c, req).await.expect_err("refused");
        assert!(matches!(err, Error::Transport { .. }), "{err:?}");
        // Nothing was sent; still, money-moving calls are never retried
        // automatically (the caller decides).
        let retries = waits.lock().expect("lock").len();
        assert_eq!(retries, if money { 0 } else { 2 }, "money: {money}");
    }
}

#[tokio::test]
async fn reset_before_the_response() {
    let [(get, get_n), (pay, pay_n)] = both(Fault::Reset).await;
    assert!(matches!(get, Error::Transport { .. }), "{get:?}");
    assert_eq!(get_n, 3, "retried up to the policy");
    assert!(is_unknown(&pay), "{pay:?}");
    assert_eq!(pay_n, 1, "sent once");
}

#[tokio::test]
async fn reset_in_the_middle_of_the_body() {
    let [(get, get_n), (pay, pay_n)] = both(Fault::ResetMidBody).await;
    assert!(matches!(get, Error::Transport { .. }), "{get:?}");
    assert_eq!(get_n, 3);
    assert!(is_unknown(&pay), "{pay:?}");
    assert_eq!(pay_n, 1);
}

#[tokio::test]
async fn headers_that_never_come_hit_the_attempt_timeout() {
    let [(get, get_n), (pay, pay_n)] = both(Fault::Silent).await;
    assert!(
        matches!(
            get,
            Error::Timeout {
                kind: pasarela_runtime::TimeoutKind::Attempt,
                ..
            }
        ),
        "{get:?}"
    );
    assert_eq!(get_n, 3);
    assert!(is_unknown(&pay), "{pay:?}");
    assert_eq!(pay_n, 1);
}

#[tokio::test]
async fn a_trickling_body_hits_the_total_timeout() {
    let server = FaultServer::start(|_| Fault::Trickle).await;
    let c = ClientBuilder::new(&API)
        .base_url(&server.url)
        .retry_policy(RetryPolicy::none())
        .attempt_timeout(Duration::from_secs(10))
        .total_timeout(Duration::from_millis(500))
        .build()
        .expect("client");
    let get = call(&c, get()).await.expect_err("too slow");
    assert!(
        matches!(
            get,
            Error::Timeout {
                kind: pasarela_runtime::TimeoutKind::Total,
                ..
            }
        ),
        "{get:?}"
    );
    let pay = call(&c, pay()).await.expect_err("too slow");
    assert!(is_unknown(&pay), "{pay:?}");
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn retryable_statuses_are_retried_for_the_get_only_honouring_retry_after() {
    let cases: [(&str, Option<&str>, Option<Duration>); 6] = [
        ("500 Internal Server Error", None, None),
        ("502 Bad Gateway", None, None),
        ("503 Service Unavailable", None, None),
        (
            "503 Service Unavailable",
            Some("2"),
            Some(Duration::from_secs(2)),
        ),
        (
            "429 Too Many Requests",
            Some("3"),
            Some(Duration::from_secs(3)),
        ),
        (
            "503 Service Unavailable",
            Some("HTTP_DATE"),
            Some(Duration::from_secs(5)),
        ),
    ];
    for (status, retry_after, expected_wait) in cases {
        let date = httpdate_in(Duration::from_secs(6));
        let header = retry_after.map(|v| {
            if v == "HTTP_DATE" {
                date.clone()
            } else {
                v.to_string()
            }
        });
        let code: u16 = status[..3].parse().expect("code");
        let fault = match &header {
            Some(v) => response(status, &[("retry-after", v)], b"busy"),
            None => response(status, &[], b"busy"),
        };
        // GET: three attempts, each wait as Retry-After says (or the backoff).
        let f = fault.clone();
        let server = FaultServer::start(move |_| f.clone()).await;
        let (retry, waits) = recording_retry(3);
        let err = call(&client(&server, retry), get())
            .await
            .expect_err("still failing");
        assert!(
            matches!(&err, Error::UnexpectedStatus { status: s, body, .. } if *s == code && body == "busy"),
            "{status}: {err:?}"
        );
        assert_eq!(server.requests(), 3, "{status}");
        let waits = waits.lock().expect("lock").clone();
        assert_eq!(waits.len(), 2, "{status}");
        if let Some(expected) = expected_wait {
            for w in &waits {
                // An HTTP-date is read to the second.
                assert!(
                    w.as_secs() >= expected.as_secs() && w.as_secs() <= expected.as_secs() + 1,
                    "{status}: waited {w:?}, expected about {expected:?}"
                );
            }
        }
        // Money-moving POST: one request; a 5xx is an unknown outcome, a
        // 429 (the server refused before doing anything) is not.
        let server = FaultServer::start(move |_| fault.clone()).await;
        let (retry, waits) = recording_retry(3);
        let err = call(&client(&server, retry), pay())
            .await
            .expect_err("fails");
        assert_eq!(server.requests(), 1, "{status}");
        assert!(waits.lock().expect("lock").is_empty());
        assert_eq!(is_unknown(&err), code >= 500, "{status}: {err:?}");
    }
}

/// An HTTP-date `after` from now.
fn httpdate_in(after: Duration) -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now() + after)
}

#[tokio::test]
async fn bodies_that_cannot_be_read_are_decode_errors_or_unknown_outcomes() {
    let html = b"<html><body>Bad gateway</body></html>";
    let cases: Vec<(&str, Fault)> = vec![
        (
            "truncated JSON",
            response(
                "200 OK",
                &[("content-type", "application/json")],
                b"{\"id\": 12",
            ),
        ),
        (
            "wrong shape",
            response(
                "200 OK",
                &[("content-type", "application/json")],
                b"{\"id\": \"twelve\"}",
            ),
        ),
        (
            "HTML with 200",
            response("200 OK", &[("content-type", "text/html")], html),
        ),
        (
            "invalid UTF-8",
            response(
                "200 OK",
                &[("content-type", "application/json")],
                b"{\"id\": \"\xff\xfe\"}",
            ),
        ),
        (
            "empty body",
            response("200 OK", &[("content-type", "application/json")], b""),
        ),
        (
            "lying content type",
            response("200 OK", &[("content-type", "application/json")], b"id=12"),
        ),
    ];
    for (name, fault) in cases {
        let f = fault.clone();
        let server = FaultServer::start(move |_| f.clone()).await;
        let (retry, _) = recording_retry(3);
        let c = client(&server, retry);
        let get = call(&c, get()).await.expect_err(name);
        assert!(
            matches!(get, Error::Decode { status: 200, .. }),
            "{name}: {get:?}"
        );
        let pay = call(&c, pay()).await.expect_err(name);
        assert!(
            matches!(
                &pay,
                Error::OutcomeUnknown {
                    status: Some(200),
                    ..
                }
            ),
            "{name}: {pay:?}"
        );
        // A 2xx is not retried, whatever its body.
        assert_eq!(server.requests(), 2, "{name}");
    }
    // An HTML error page with 502: an unexpected status keeping the page
    // for the GET (after its retries), an unknown outcome for the POST.
    let page = response("502 Bad Gateway", &[("content-type", "text/html")], html);
    let [(get, get_n), (pay, pay_n)] = both(page).await;
    assert!(
        matches!(&get, Error::UnexpectedStatus { status: 502, body, .. } if body.contains("Bad gateway")),
        "{get:?}"
    );
    assert_eq!(get_n, 3);
    assert!(
        is_unknown(&pay) && pay.to_string().contains("Bad gateway"),
        "{pay}"
    );
    assert_eq!(pay_n, 1);
}

#[tokio::test]
async fn a_body_larger_than_the_limit_is_refused_and_not_kept() {
    let big = vec![b'x'; 200 * 1024];
    // Announced by Content-Length, and (chunked) not announced at all.
    let mut chunked =
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n".to_vec();
    for _ in 0..200 {
        chunked.extend_from_slice(b"400\r\n");
        chunked.extend_from_slice(&[b'y'; 1024]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    for fault in [response("200 OK", &[], &big), Fault::Raw(chunked)] {
        let [(get, get_n), (pay, pay_n)] = both(fault).await;
        for e in [&get, &pay] {
            assert!(
                matches!(
                    e,
                    Error::BodyTooLarge {
                        status: 200,
                        limit: 65536,
                        ..
                    }
                ),
                "{e:?}"
            );
            assert!(format!("{e:?}").len() < 200, "nothing of the body is kept");
        }
        assert_eq!((get_n, pay_n), (1, 1), "a too-large 2xx is not retried");
    }
}

#[tokio::test]
async fn an_error_page_is_kept_only_in_part() {
    let page = vec![b'e'; 60 * 1024];
    let mut doubled = page.clone();
    doubled.extend_from_slice(&page);
    // 120 KiB error body under a 1 MiB limit: kept to 64 KiB with a marker.
    let fault = response("404 Not Found", &[], &doubled);
    let server = FaultServer::start(move |_| fault.clone()).await;
    let c = ClientBuilder::new(&API)
        .base_url(&server.url)
        .max_body_bytes(1024 * 1024)
        .build()
        .expect("client");
    let err = call(&c, get()).await.expect_err("404");
    match err {
        Error::UnexpectedStatus {
            status: 404, body, ..
        } => {
            assert!(body.len() < 70 * 1024, "{}", body.len());
            assert!(body.ends_with("more bytes not kept]"), "marker");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_kept_alive_connection_that_dies_after_sending_is_retried_for_the_get() {
    // First request: a reset after it was read (as a stale kept-alive
    // connection would); the second succeeds.
    let server = FaultServer::start(|n| {
        if n == 0 {
            Fault::Reset
        } else {
            response(
                "200 OK",
                &[("content-type", "application/json")],
                b"{\"id\": 1}",
            )
        }
    })
    .await;
    let (retry, _) = recording_retry(3);
    let c = client(&server, retry);
    let got = call(&c, get()).await.expect("retried after the reset");
    assert_eq!(got.id, 1);
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_failing_token_endpoint_stops_the_call_before_anything_is_sent() {
    let get_item = || {
        let mut req = Request::new(&GET_ITEM);
        req.path_param("itemId", "1");
        req
    };
    let oauth_client = |url: &str| {
        let (retry, _) = recording_retry(3);
        ClientBuilder::new(&API)
            .base_url(url)
            .oauth2_client_credentials("oauth", CLIENT_ID, CLIENT_SECRET)
            .retry_policy(retry)
            .attempt_timeout(Duration::from_millis(300))
            .build()
            .expect("client")
    };
    // Answering garbage: not a token; not retried (the answer will not change).
    let garbage = response(
        "200 OK",
        &[("content-type", "text/html")],
        b"<html>login</html>",
    );
    let server = FaultServer::start(move |_| garbage.clone()).await;
    let err = call(&oauth_client(&server.url), get_item())
        .await
        .expect_err("garbage");
    assert!(
        matches!(
            err,
            Error::Auth(pasarela_runtime::AuthError::InvalidTokenResponse { status: 200, .. })
        ),
        "{err:?}"
    );
    assert!(
        !err.to_string().contains("login"),
        "a 2xx token body is never quoted"
    );
    assert_eq!(server.requests(), 1, "the API call was never sent");
    // Slow: each attempt times out, retried within the policy.
    let server = FaultServer::start(|_| Fault::Silent).await;
    let mut pay_req = Request::new(&PAY);
    pay_req
        .json_body(&serde_json::json!({"amount": "1.00"}))
        .expect("body");
    let err = call(&oauth_client(&server.url), pay_req)
        .await
        .expect_err("slow");
    assert!(
        matches!(
            err,
            Error::Auth(pasarela_runtime::AuthError::TokenTimeout { .. })
        ),
        "{err:?}"
    );
    assert_eq!(
        server.requests(),
        3,
        "three token attempts, no payment sent"
    );
    // Down: connection refused, retried, then a transport error of the token request.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let err = call(&oauth_client(&url), get_item())
        .await
        .expect_err("down");
    assert!(
        matches!(
            err,
            Error::Auth(pasarela_runtime::AuthError::TokenTransport { .. })
        ),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn under_rate_limiting_every_call_completes_within_its_budget() {
    // Every other request is refused with 429 (Retry-After: 1).
    let server = FaultServer::start(|n| {
        if n % 2 == 0 {
            response(
                "429 Too Many Requests",
                &[("retry-after", "1")],
                b"slow down",
            )
        } else {
            response(
                "200 OK",
                &[("content-type", "application/json")],
                b"{\"id\": 1}",
            )
        }
    })
    .await;
    let (retry, waits) = recording_retry(3);
    let c = client(&server, retry);
    let calls: Vec<_> = (0..200)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { call(&c, get()).await })
        })
        .collect();
    let mut ok = 0;
    for call in calls {
        match call.await.expect("task") {
            Ok(_) => ok += 1,
            Err(Error::UnexpectedStatus { status: 429, .. }) => {}
            Err(other) => panic!("not a clear outcome: {other:?}"),
        }
    }
    // Three attempts each at most; with half refused, nearly all succeed.
    assert!(server.requests() <= 200 * 3);
    assert!(ok >= 150, "only {ok} of 200 succeeded");
    // Each 429 was waited out as its Retry-After said. (Other waits are
    // backoffs after connection failures: 200 connections at once can overflow
    // this small server's accept queue, which a retry-safe GET survives.)
    let waits = waits.lock().expect("lock").clone();
    let honoured = waits
        .iter()
        .filter(|w| **w == Duration::from_secs(1))
        .count();
    assert!(
        honoured >= 100,
        "{honoured} Retry-After waits of {}",
        waits.len()
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_so_credentials_never_reach_another_host() {
    // The host a redirect names: it must see nothing.
    let elsewhere = FaultServer::start(|_| response("200 OK", &[], b"{\"id\": 1}")).await;
    let location = format!("{}/collect", elsewhere.url);
    let server =
        FaultServer::start(move |_| response("302 Found", &[("location", location.as_str())], b""))
            .await;
    let c = ClientBuilder::new(&API)
        .base_url(&server.url)
        .api_key("headerKey", "k3y-secret-value")
        .build()
        .expect("client");
    let req = Request::new(&WITH_HEADER_KEY);
    let resp = c.send::<Infallible>(req).await.expect("an answer");
    assert_eq!(resp.status(), 302, "the redirect is returned, not followed");
    assert_eq!(server.requests(), 1);
    assert_eq!(
        elsewhere.requests(),
        0,
        "nothing was sent to the other host"
    );
}
