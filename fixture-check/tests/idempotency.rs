//! Idempotency keys end to end: the client generated from
//! `generator/tests/fixtures/idempotency.yaml` against a server on
//! 127.0.0.1 that does what a payment API with keys does — it acts once per
//! key, stores the answer, replays it for a repeat with the same body and
//! refuses the same key with another body (409). Each test scripts one
//! fault and counts *effects* on the server, not requests.
//! docs/reliability.md has the table of these cases.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pasarela_fixture_check::idempotency::types::PaymentRequest;
use pasarela_fixture_check::idempotency::Client;
use pasarela_fixture_check::pasarela_runtime::{Error, RetryPolicy, Sleeper};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with request `n` (0-based).
#[derive(Clone, Copy, Debug)]
enum Plan {
    /// Acts (or replays) and answers.
    Answer,
    /// Answers 503 before acting.
    FailFirst,
    /// Answers 429 with `Retry-After: 1` before acting.
    Busy,
    /// Answers 429 without `Retry-After` before acting.
    BusyNoHint,
    /// Acts, then resets the connection: the answer is lost.
    ActThenReset,
    /// Acts, then never answers.
    ActThenHang,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    /// Header names (lower case) and values.
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Ledger {
    /// (path, key) → (request body, stored answer).
    stored: HashMap<(String, String), (Vec<u8>, Vec<u8>)>,
    /// Effects per path: every time the server acted.
    effects: HashMap<String, usize>,
    seen: Vec<Seen>,
}

struct KeyServer {
    url: String,
    requests: Arc<AtomicUsize>,
    ledger: Arc<Mutex<Ledger>>,
}

impl KeyServer {
    async fn start(plan: impl Fn(usize) -> Plan + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(AtomicUsize::new(0));
        let ledger = Arc::new(Mutex::new(Ledger::default()));
        let (count, book) = (Arc::clone(&requests), Arc::clone(&ledger));
        let plan = Arc::new(plan);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (count, book, plan) =
                    (Arc::clone(&count), Arc::clone(&book), Arc::clone(&plan));
                tokio::spawn(async move {
                    let mut socket = socket;
                    let Some((seen, body)) = read_request(&mut socket).await else {
                        return;
                    };
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    let step = plan(n);
                    let reply = handle(&book, seen, body, step);
                    match (step, reply) {
                        (Plan::ActThenReset, _) => reset(socket),
                        (Plan::ActThenHang, _) => {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                        }
                        (_, bytes) => {
                            let _ = socket.write_all(&bytes).await;
                            let _ = socket.shutdown().await;
                        }
                    }
                });
            }
        });
        KeyServer {
            url,
            requests,
            ledger,
        }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn effects(&self, path: &str) -> usize {
        let ledger = self.ledger.lock().expect("lock");
        ledger.effects.get(path).copied().unwrap_or(0)
    }

    fn seen(&self) -> Vec<Seen> {
        self.ledger.lock().expect("lock").seen.clone()
    }
}

/// What the server answers (and records) for one request.
fn handle(ledger: &Mutex<Ledger>, seen: Seen, body: Vec<u8>, step: Plan) -> Vec<u8> {
    let mut ledger = ledger.lock().expect("lock");
    ledger.seen.push(seen.clone());
    match step {
        Plan::FailFirst => return response("503 Service Unavailable", &[], b"{}"),
        Plan::Busy => return response("429 Too Many Requests", &[("retry-after", "1")], b"{}"),
        Plan::BusyNoHint => return response("429 Too Many Requests", &[], b"{}"),
        _ => {}
    }
    let key = seen
        .header("idempotency-key")
        .map(str::to_owned)
        .unwrap_or_default();
    let slot = (seen.path.clone(), key.clone());
    if !key.is_empty() {
        if let Some((first_body, answer)) = ledger.stored.get(&slot) {
            if *first_body == body {
                return response("201 Created", &[("idempotent-replayed", "true")], answer);
            }
            return response(
                "409 Conflict",
                &[],
                br#"{"title":"key reused with another request"}"#,
            );
        }
    }
    let effects = ledger.effects.entry(seen.path.clone()).or_default();
    *effects += 1;
    let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let answer = serde_json::json!({
        "id": format!("pay-{}", ledger.seen.len()),
        "order_id": request["order_id"],
        "amount": request["amount"],
    })
    .to_string()
    .into_bytes();
    if !key.is_empty() {
        ledger.stored.insert(slot, (body, answer.clone()));
    }
    response("201 Created", &[], &answer)
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Reads one request: its path, headers and `Content-Length` body.
async fn read_request(socket: &mut TcpStream) -> Option<(Seen, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.lines();
    let path = lines
        .next()?
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buf[head_end..head_end + length].to_vec();
    Some((Seen { path, headers }, body))
}

/// Closes with RST (linger 0): the client sees a reset, not an answer.
fn reset(socket: TcpStream) {
    let Ok(std) = socket.into_std() else { return };
    let _ = socket2::SockRef::from(&std).set_linger(Some(Duration::ZERO));
    drop(std);
}

/// The delays the client asked to wait, in order.
type Waits = Arc<Mutex<Vec<Duration>>>;

fn connect(server: &KeyServer) -> (Client, Waits) {
    let waits: Waits = Arc::default();
    let recorded = Arc::clone(&waits);
    let sleeper = Sleeper::new(move |d| {
        recorded.lock().expect("lock").push(d);
        Box::pin(async {})
    });
    let policy = RetryPolicy::new(3)
        .initial_backoff(Duration::from_millis(10))
        .jitter(false)
        .sleeper(sleeper);
    let client = Client::builder()
        .base_url(&server.url)
        .retry_policy(policy)
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    (client, waits)
}

fn payment(order: &str) -> PaymentRequest {
    PaymentRequest {
        order_id: order.into(),
        amount: "12.50".parse().expect("decimal"),
    }
}

/// The idempotency keys the server saw, in order.
fn keys(server: &KeyServer, header: &str) -> Vec<Option<String>> {
    server
        .seen()
        .iter()
        .map(|s| s.header(header).map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn an_answer_lost_to_a_reset_after_the_server_acted_is_retried_and_acts_once() {
    let server = KeyServer::start(|n| {
        if n == 0 {
            Plan::ActThenReset
        } else {
            Plan::Answer
        }
    })
    .await;
    let (client, _) = connect(&server);
    let paid = client
        .create_payment(payment("o-1"))
        .send_with_meta()
        .await
        .expect("paid on the retry");
    assert_eq!(server.requests(), 2);
    assert_eq!(server.effects("/payments"), 1, "one payment, not two");
    let sent = keys(&server, "idempotency-key");
    let key = paid.idempotency_key().expect("the key is in the metadata");
    assert!(key.starts_with("pay_"), "{key}");
    assert_eq!(sent, vec![Some(key.to_owned()), Some(key.to_owned())]);
    assert_eq!(paid.id, "pay-1", "the first (and only) payment's answer");
}

#[tokio::test]
async fn a_timeout_after_the_server_acted_is_retried_and_acts_once() {
    let server = KeyServer::start(|n| {
        if n == 0 {
            Plan::ActThenHang
        } else {
            Plan::Answer
        }
    })
    .await;
    let (client, _) = connect(&server);
    let paid = client
        .create_payment(payment("o-2"))
        .await
        .expect("paid on the retry");
    assert_eq!(server.requests(), 2);
    assert_eq!(server.effects("/payments"), 1);
    assert_eq!(paid.id, "pay-1");
}

#[tokio::test]
async fn a_503_is_retried_under_the_same_key() {
    let server = KeyServer::start(|n| {
        if n == 0 {
            Plan::FailFirst
        } else {
            Plan::Answer
        }
    })
    .await;
    let (client, waits) = connect(&server);
    client
        .create_payment(payment("o-3"))
        .await
        .expect("paid on the retry");
    assert_eq!(server.requests(), 2);
    assert_eq!(server.effects("/payments"), 1);
    assert_eq!(waits.lock().expect("lock").len(), 1);
    let sent = keys(&server, "idempotency-key");
    assert_eq!(sent[0], sent[1]);
}

#[tokio::test]
async fn a_429_is_retried_only_when_the_server_says_when() {
    let server = KeyServer::start(|n| if n == 0 { Plan::Busy } else { Plan::Answer }).await;
    let (client, waits) = connect(&server);
    client.create_payment(payment("o-4")).await.expect("paid");
    assert_eq!(server.requests(), 2);
    assert_eq!(*waits.lock().expect("lock"), vec![Duration::from_secs(1)]);

    let server = KeyServer::start(|_| Plan::BusyNoHint).await;
    let (client, _) = connect(&server);
    let e = client
        .create_payment(payment("o-5"))
        .await
        .expect_err("busy");
    assert_eq!(server.requests(), 1, "no Retry-After: not retried");
    assert_eq!(e.status(), Some(429));
    assert!(!e.outcome_unknown(), "{e}");
}

#[tokio::test]
async fn when_every_answer_is_lost_the_error_carries_the_key_and_resending_with_it_is_safe() {
    // Three attempts, each acted on and reset; the fourth request (the
    // user's resend) is answered.
    let server = KeyServer::start(|n| {
        if n < 3 {
            Plan::ActThenReset
        } else {
            Plan::Answer
        }
    })
    .await;
    let (client, _) = connect(&server);
    let e = client
        .create_payment(payment("o-6"))
        .await
        .expect_err("every answer lost");
    assert!(e.outcome_unknown(), "{e}");
    let key = e.idempotency_key().expect("the key").to_owned();
    assert!(matches!(&e, Error::OutcomeUnknown { reference: Some(r), .. } if r == "order_id=o-6"));
    let shown = e.to_string();
    assert!(shown.contains(&key), "{shown}");
    assert!(shown.contains("is safe"), "{shown}");
    assert_eq!(server.requests(), 3);
    assert_eq!(
        server.effects("/payments"),
        1,
        "acted once for three attempts"
    );

    let paid = client
        .create_payment(payment("o-6"))
        .idempotency_key(&key)
        .send_with_meta()
        .await
        .expect("the resend is answered");
    assert_eq!(paid.idempotency_key(), Some(key.as_str()));
    assert_eq!(paid.id, "pay-1", "the first attempt's payment");
    assert_eq!(
        server.effects("/payments"),
        1,
        "the resend did not pay again"
    );
}

#[tokio::test]
async fn a_server_that_keeps_failing_leaves_the_outcome_unknown_with_the_key() {
    let server = KeyServer::start(|_| Plan::FailFirst).await;
    let (client, _) = connect(&server);
    let e = client
        .create_payment(payment("o-7"))
        .await
        .expect_err("503 every time");
    assert_eq!(server.requests(), 3, "retried under the key");
    assert!(e.outcome_unknown(), "{e}");
    assert_eq!(e.status(), Some(503));
    assert!(e.idempotency_key().is_some_and(|k| k.starts_with("pay_")));
    assert_eq!(server.effects("/payments"), 0);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_a_conflict_not_a_retry() {
    let server = KeyServer::start(|_| Plan::Answer).await;
    let (client, _) = connect(&server);
    client
        .create_payment(payment("o-8"))
        .idempotency_key("pay_fixed")
        .await
        .expect("first use");
    let e = client
        .create_payment(payment("o-9"))
        .idempotency_key("pay_fixed")
        .await
        .expect_err("reused with another body");
    assert!(
        matches!(&e, Error::IdempotencyConflict { status: 409, key, .. } if key == "pay_fixed"),
        "{e:?}"
    );
    assert_eq!(e.idempotency_key(), Some("pay_fixed"));
    assert!(!e.outcome_unknown());
    assert_eq!(server.requests(), 2, "a conflict is not retried");
    assert_eq!(server.effects("/payments"), 1);
}

#[tokio::test]
async fn a_declared_idempotency_key_header_works_the_same_way() {
    let server = KeyServer::start(|n| {
        if n == 0 {
            Plan::ActThenReset
        } else {
            Plan::Answer
        }
    })
    .await;
    let (client, _) = connect(&server);
    let refunded = client
        .create_refund("m-1", payment("o-10"))
        .send_with_meta()
        .await
        .expect("refunded on the retry");
    assert_eq!(server.effects("/refunds"), 1);
    let sent = keys(&server, "idempotency-key");
    let key = refunded.idempotency_key().expect("a key");
    assert_eq!(key.len(), 36, "a UUID without a prefix: {key}");
    assert_eq!(sent, vec![Some(key.to_owned()), Some(key.to_owned())]);
    assert_eq!(server.seen()[0].header("x-merchant"), Some("m-1"));
}

#[tokio::test]
async fn without_a_key_a_money_moving_call_is_still_sent_once() {
    let server = KeyServer::start(|_| Plan::ActThenReset).await;
    let (client, _) = connect(&server);
    let e = client
        .create_payout(payment("o-11"))
        .await
        .expect_err("answer lost");
    assert!(e.outcome_unknown(), "{e}");
    assert_eq!(e.idempotency_key(), None);
    assert!(e.to_string().contains("do not resend blindly"), "{e}");
    assert_eq!(server.requests(), 1, "sent once");
    assert_eq!(keys(&server, "idempotency-key"), vec![None]);
}

#[tokio::test]
async fn a_retry_safe_call_sends_no_key() {
    let server = KeyServer::start(|_| Plan::Answer).await;
    let (client, _) = connect(&server);
    let _ = client.get_payment("p-1").await;
    assert_eq!(keys(&server, "idempotency-key"), vec![None]);
}
