//! Secrets stay out of everything a user can see, on every path a body takes
//! from the network to an error: every operation of the three clients, sent
//! every way the generated code offers (`.await`, `send`, `send_with_meta`,
//! `send_bytes`, `send_stream`), against servers that echo the whole request
//! (method, URL with query, every header, the body) in 400, 401 and 500
//! answers and in 200 answers that carry an error. The OAuth2 access token
//! is obtained at run time and echoed back too (it travels in the
//! `Authorization` header).
//!
//! What is checked: `Display` and `Debug` of every result, error, row and
//! stream item, and the `tracing` output at TRACE level. The last test
//! reads the generated clients and fails when a sending method exists that
//! the echo test did not exercise.

mod support;

use std::collections::BTreeSet;
use std::fmt::{Debug, Display};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use pasarela::{acreditaciones, paypertic, tigo_billing};
use support::*;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const HASH: &str = "hash-1111-2222-4333-8444-5555";
const CARRIER_HASH: &str = "carrier-9999-8888-4777-8666";
const SMTP_PASS: &str = "smtp-pass-Zq8rT2";
const CLIENT_SECRET: &str = "client-secret-Xy7Wk3";
/// Obtained from the token endpoint at run time, never configured.
const TOKEN: &str = "access-token-Pm4Ns9";
const API_KEY: &str = "api-key-Lb2Vc6";

fn every_secret() -> Vec<String> {
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("client-id:{CLIENT_SECRET}"));
    [HASH, CARRIER_HASH, SMTP_PASS, CLIENT_SECRET, TOKEN, API_KEY]
        .iter()
        .map(|s| s.to_string())
        .chain([basic])
        .collect()
}

/// How an echo server wraps the request it quotes.
#[derive(Clone, Copy, Debug)]
enum Shape {
    /// The request as plain text.
    Text,
    /// The request inside the fields an error decoder reads as the
    /// server's message (`message`, `txtReturn`, …).
    Json,
    /// `ERROR: ` and the request: a text API's error grammar.
    ErrorText,
}

/// Answers with `status` and the whole request, shaped as `shape`.
struct Echo(u16, Shape);

impl Respond for Echo {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let mut text = format!("{} {}\n", r.method, r.url);
        for (name, value) in &r.headers {
            text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
        }
        text.push_str(&String::from_utf8_lossy(&r.body));
        let (content_type, body) = match self.1 {
            Shape::Text => ("text/plain; charset=utf-8", text),
            Shape::ErrorText => ("text/plain; charset=utf-8", format!("ERROR: {text}")),
            Shape::Json => (
                "application/json",
                serde_json::json!({
                    "message": text, "code": "9", "error": text, "description": text,
                    "header": {"codReturn": "9", "txtReturn": text},
                    "data": {"detail": text},
                })
                .to_string(),
            ),
        };
        ResponseTemplate::new(self.0)
            .insert_header("content-type", content_type)
            .set_body_string(body)
    }
}

/// A server whose token endpoint grants `TOKEN` and whose every other
/// path echoes with `status` and `shape`.
async fn echo_server(status: u16, shape: Shape) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/client_credential/accesstoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(gateway_token(TOKEN, "3599")))
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(Echo(status, shape))
        .mount(&server)
        .await;
    server
}

/// What the run printed, and which (request builder, sending method) pairs
/// it exercised.
#[derive(Default)]
struct Seen {
    shown: String,
    exercised: BTreeSet<(String, &'static str)>,
}

impl Seen {
    fn result<T: Debug, E: Display + Debug>(&mut self, r: Result<T, E>) {
        match r {
            Ok(v) => self.shown.push_str(&format!("{v:?}\n")),
            Err(e) => self.shown.push_str(&format!("{e}\n{e:?}\n")),
        }
    }

    fn exercised<B>(&mut self, _builder: &B, way: &'static str) {
        let name = std::any::type_name::<B>()
            .rsplit("::")
            .next()
            .unwrap_or_default()
            .to_string();
        self.exercised.insert((name, way));
    }
}

/// Sends the request `$make` builds (a fresh one each time) in every way
/// its builder offers; `streams` adds the CSV methods.
macro_rules! every_way {
    ($seen:expr, $make:expr) => {{
        let b = $make;
        $seen.exercised(&b, "into_future");
        $seen.result(b.await);
        let b = $make;
        $seen.exercised(&b, "send");
        $seen.result(b.send().await);
        let b = $make;
        $seen.exercised(&b, "send_with_meta");
        $seen.result(
            b.send_with_meta()
                .await
                .map(|v| format!("{v:?} {:?}", v.headers())),
        );
    }};
    ($seen:expr, $make:expr, streams) => {{
        every_way!($seen, $make);
        let b = $make;
        $seen.exercised(&b, "send_bytes");
        $seen.result(b.send_bytes().await);
        let b = $make;
        $seen.exercised(&b, "send_stream");
        match b.send_stream().await {
            Ok(mut rows) => {
                $seen.shown.push_str(&format!("{rows:?}\n"));
                while let Some(row) = rows.next().await {
                    $seen.result(row);
                }
            }
            Err(e) => $seen.result(Err::<(), _>(e)),
        }
    }};
}

async fn run_everything(server: &MockServer, seen: &mut Seen) {
    // PayPerTIC: form-field hash, CSV up and down, text results.
    let client = paypertic::Client::builder()
        .base_url(server.uri())
        .hash_api_key(HASH)
        .carrier_hash_api_key(CARRIER_HASH)
        .max_attempts(1)
        .build()
        .expect("paypertic client");
    let row = || paypertic::types::Cobranza {
        id_cliente: "176".into(),
        nombre_cliente: "Ana Peña".into(),
        celular_cliente: None,
        telefono_cliente: None,
        mail_cliente: "ana@example.com.ar".into(),
        id_concepto: "1".into(),
        descripcion_concepto: None,
        monto: "99.10".parse().expect("decimal"),
        opcional1: None,
        opcional2: None,
    };
    every_way!(seen, client.importar_cobranzas(vec![row()]));
    every_way!(seen, client.exportar_cobranzas().periodo("*"), streams);
    every_way!(seen, client.exportar_cobranzas_post().periodo("*"), streams);
    every_way!(seen, client.descargar_cobranzas(), streams);
    every_way!(seen, client.descargar_cobranzas_post(), streams);
    let institution = || -> paypertic::types::NuevaInstitucion {
        serde_json::from_value(serde_json::json!({
            "cuit": "20123456789", "nombre": "Escuela", "mail": "a@example.com",
            "domicilio": "Calle 1", "telefono": "123", "smtpuser": "u",
            "smtppass": SMTP_PASS, "smtphost": "smtp.example.com"
        }))
        .expect("institution")
    };
    every_way!(seen, client.crear_institucion(institution()));
    every_way!(seen, client.ver_hash("20123456789"));
    every_way!(seen, client.ver_hash_post("20123456789"));

    // Tigo Billing: OAuth2 client credentials, the token obtained at run time.
    let client = tigo_billing::Client::builder()
        .base_url(server.uri())
        .oauth2_client_credentials("client-id", CLIENT_SECRET)
        .oauth2_token_url(token_url(server))
        .max_attempts(1)
        .build()
        .expect("tigo client");
    let checkout = || -> tigo_billing::types::CheckoutPaymentRequest {
        serde_json::from_value(serde_json::json!({})).expect("checkout")
    };
    every_way!(seen, client.get_contract("1"));
    every_way!(seen, client.list_customer_contracts("CC", "1"));
    every_way!(seen, client.list_bills("1"));
    every_way!(seen, client.list_bill_payments("1", "2"));
    every_way!(seen, client.get_party_characteristics("CC", "1", "2", "3"));
    every_way!(seen, client.checkout_payment("CC", "1", checkout()));
    every_way!(seen, client.register_payments("CC", "1", checkout()));
    every_way!(seen, client.validate_payment("1"));
    every_way!(seen, client.validate_coupon_payment("1", "2"));

    // Acreditaciones: API-KEY header, envelopes, money moves.
    let client = acreditaciones::Client::builder()
        .base_url(server.uri())
        .api_key(API_KEY)
        .max_attempts(1)
        .build()
        .expect("acreditaciones client");
    let crear = || -> acreditaciones::types::CrearAcreditacionRequest {
        serde_json::from_value(spec_example(
            "acreditaciones.yaml",
            "CrearAcreditacionRequest",
        ))
        .expect("the spec's example")
    };
    let ejecutar = || -> acreditaciones::types::EjecutarAcreditacionRequest {
        serde_json::from_value(spec_example(
            "acreditaciones.yaml",
            "EjecutarAcreditacionRequest",
        ))
        .expect("the spec's example")
    };
    every_way!(seen, client.crear_acreditacion(crear()));
    every_way!(seen, client.ejecutar_acreditacion(ejecutar()));
}

fn assert_no_secret(where_: &str, text: &str) {
    for secret in every_secret() {
        assert!(
            !text.contains(&secret),
            "{where_} shows a secret ({}…): {}",
            &secret[..4],
            redact(text, &secret)
        );
    }
}

/// The (request builder, sending method) pairs of the checked-in
/// generated clients: every `pub fn send…` of a builder's `impl`, and
/// `send`, `send_with_meta` and `into_future` for each builder given the
/// runtime's `request_methods!`.
fn generated_sending_methods() -> BTreeSet<(String, &'static str)> {
    const WAYS: &[&str] = &["send", "send_with_meta", "send_bytes", "send_stream"];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("generated");
    let mut found = BTreeSet::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("generated/")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("generated file");
        let mut current: Option<String> = None;
        let mut in_request_methods = false;
        for line in text.lines() {
            let trimmed = line.trim_start();
            let invocation = trimmed
                .split_once("request_methods!(")
                .map(|(_, rest)| rest);
            if invocation == Some("") {
                in_request_methods = true;
                continue;
            }
            if let Some(rest) = invocation.or(in_request_methods.then_some(trimmed)) {
                in_request_methods = false;
                let name = rest
                    .split(" =>")
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                for way in ["send", "send_with_meta", "into_future"] {
                    found.insert((name.clone(), way));
                }
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix("impl ::std::future::IntoFuture for ") {
                let name = rest.trim_end_matches(" {").to_string();
                found.insert((name, "into_future"));
            } else if let Some(rest) = trimmed.strip_prefix("impl ") {
                current = Some(rest.trim_end_matches(" {").to_string());
            }
            let method = trimmed
                .strip_prefix("pub async fn ")
                .or_else(|| trimmed.strip_prefix("pub fn "));
            if let (Some(method), Some(builder)) = (method, &current) {
                let name = method.split(['(', '<']).next().unwrap_or_default();
                if name.starts_with("send") {
                    let way = WAYS
                        .iter()
                        .copied()
                        .find(|w| *w == name)
                        .unwrap_or_else(|| {
                            panic!(
                            "{}: `{builder}::{name}` is a sending method this test does not know: \
                             add it to WAYS and to the every_way! macro",
                            file.display()
                        )
                        });
                    found.insert((builder.clone(), way));
                }
            }
        }
    }
    found
}

#[tokio::test]
async fn no_secret_reaches_display_debug_or_logs_on_any_sending_path() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let exercised = Arc::new(Mutex::new(BTreeSet::new()));
    for status in [400, 401, 500, 200] {
        for shape in [Shape::Text, Shape::Json, Shape::ErrorText] {
            let server = echo_server(status, shape).await;
            let mut seen = Seen::default();
            run_everything(&server, &mut seen).await;
            assert_no_secret(&format!("output (echo {status} {shape:?})"), &seen.shown);
            // The secrets were really sent, so the echoes carried them.
            let sent: String = server
                .received_requests()
                .await
                .unwrap_or_default()
                .iter()
                .map(|r| format!("{:?} {}", r.headers, String::from_utf8_lossy(&r.body)))
                .collect();
            for secret in [HASH, CARRIER_HASH, SMTP_PASS, API_KEY, TOKEN] {
                assert!(sent.contains(secret), "{secret} was not sent at all");
            }
            exercised.lock().expect("set").extend(seen.exercised);
        }
    }
    let log_text = logs.text();
    assert!(log_text.contains("pasarela.request"), "calls are traced");
    assert_no_secret("the TRACE log", &log_text);

    // Every sending method of every generated builder was exercised above.
    let exercised = exercised.lock().expect("set").clone();
    let generated = generated_sending_methods();
    let missing: Vec<_> = generated.difference(&exercised).collect();
    assert!(
        missing.is_empty(),
        "sending methods the echo test does not exercise: {missing:?}"
    );
    assert!(generated.len() >= 19 * 3, "{generated:?}");
}
