//! Secrets never leak, even from a server that echoes them: every operation
//! of the three clients runs against servers that answer with the whole
//! request they received (method, URL, every header, the body), as errors
//! (400 and 500) and as successes, with `tracing` captured at TRACE level;
//! the builders, clients, results and errors are `Debug`- and
//! `Display`-printed. No API key, hash, SMTP password, OAuth client secret,
//! token, nor their Basic-auth encoding, may appear anywhere.

mod support;

use base64::Engine as _;
use pasarela::{acreditaciones, paypertic, tigo_billing};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const HASH: &str = "hash-1111-2222-4333-8444-5555";
const CARRIER_HASH: &str = "carrier-9999-8888-4777-8666";
const SMTP_PASS: &str = "smtp-pass-Zq8rT2";
const CLIENT_SECRET: &str = "client-secret-Xy7Wk3";
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

/// Answers with `status` and the whole request as the body.
struct Echo(u16);

impl Respond for Echo {
    fn respond(&self, r: &Request) -> ResponseTemplate {
        let mut text = format!("{} {}\n", r.method, r.url);
        for (name, value) in &r.headers {
            text.push_str(&format!("{name}: {}\n", value.to_str().unwrap_or("?")));
        }
        text.push_str(&String::from_utf8_lossy(&r.body));
        ResponseTemplate::new(self.0)
            .insert_header("content-type", "application/json")
            .set_body_string(text)
    }
}

/// An echo server: the token endpoint grants `TOKEN` (or echoes, when
/// `token_echo` is set), everything else echoes with `status`.
async fn echo_server(status: u16, token_echo: Option<u16>) -> MockServer {
    let server = MockServer::start().await;
    match token_echo {
        Some(s) => {
            Mock::given(method("POST"))
                .and(path("/oauth/client_credential/accesstoken"))
                .respond_with(Echo(s))
                .mount(&server)
                .await
        }
        None => {
            Mock::given(method("POST"))
                .and(path("/oauth/client_credential/accesstoken"))
                .respond_with(
                    ResponseTemplate::new(200).set_body_json(gateway_token(TOKEN, "3599")),
                )
                .mount(&server)
                .await
        }
    }
    Mock::given(wiremock::matchers::any())
        .respond_with(Echo(status))
        .mount(&server)
        .await;
    server
}

/// Runs every operation of the three clients against `server`, printing
/// everything a user could print.
async fn run_everything(server: &MockServer, shown: &mut String) {
    // PayPerTIC.
    let builder = paypertic::Client::builder()
        .base_url(server.uri())
        .hash_api_key(HASH)
        .carrier_hash_api_key(CARRIER_HASH);
    shown.push_str(&format!("{builder:?}"));
    let client = builder.build().expect("paypertic client");
    shown.push_str(&format!("{client:?}"));
    static FORMAT: pasarela::runtime::csv::CsvFormat = pasarela::runtime::csv::CsvFormat {
        separator: b';',
        header: false,
        encodings: &[pasarela::runtime::csv::TextEncoding::Utf8],
        file_name: "x.csv",
    };
    let example = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cobranzas.csv"),
    )
    .expect("tests/fixtures/cobranzas.csv");
    let mut rows: Vec<paypertic::types::Cobranza> =
        pasarela::runtime::csv::decode_rows(&example, &FORMAT).expect("rows");
    rows.truncate(1);
    let row = rows.pop().expect("a row");
    shown.push_str(&format!("{:?}", client.importar_cobranzas(vec![row]).await));
    shown.push_str(&format!(
        "{:?}",
        client.exportar_cobranzas().await.map(|_| ())
    ));
    shown.push_str(&format!(
        "{:?}",
        client.exportar_cobranzas_post().await.map(|_| ())
    ));
    shown.push_str(&format!(
        "{:?}",
        client.descargar_cobranzas().await.map(|_| ())
    ));
    shown.push_str(&format!(
        "{:?}",
        client.descargar_cobranzas_post().await.map(|_| ())
    ));
    let institution: paypertic::types::NuevaInstitucion =
        serde_json::from_value(serde_json::json!({
            "cuit": "20123456789", "nombre": "Escuela", "mail": "a@example.com",
            "domicilio": "Calle 1", "telefono": "123", "smtpuser": "u",
            "smtppass": SMTP_PASS, "smtphost": "smtp.example.com"
        }))
        .expect("institution");
    shown.push_str(&format!("{institution:?}"));
    let created = client.crear_institucion(institution).await;
    shown.push_str(&format!("{created:?}"));
    if let Err(e) = &created {
        shown.push_str(&e.to_string());
    }
    shown.push_str(&format!("{:?}", client.ver_hash("20123456789").await));
    let seen = client.ver_hash_post("20123456789").await;
    shown.push_str(&format!("{seen:?}"));
    if let Err(e) = &seen {
        shown.push_str(&e.to_string());
    }

    // Tigo Billing (OAuth2 client credentials).
    let builder = tigo_billing::Client::builder()
        .base_url(server.uri())
        .oauth2_client_credentials("client-id", CLIENT_SECRET)
        .oauth2_token_url(token_url(server));
    shown.push_str(&format!("{builder:?}"));
    let client = builder.build().expect("tigo client");
    shown.push_str(&format!("{client:?}"));
    let checkout = || -> tigo_billing::types::CheckoutPaymentRequest {
        serde_json::from_value(serde_json::json!({})).expect("checkout")
    };
    let results = [
        format!("{:?}", client.get_contract("1").await),
        format!("{:?}", client.list_customer_contracts("CC", "1").await),
        format!("{:?}", client.list_bills("1").await),
        format!("{:?}", client.list_bill_payments("1", "2").await),
        format!(
            "{:?}",
            client.get_party_characteristics("CC", "1", "2", "3").await
        ),
        format!("{:?}", client.checkout_payment("CC", "1", checkout()).await),
        format!(
            "{:?}",
            client.register_payments("CC", "1", checkout()).await
        ),
        format!("{:?}", client.validate_payment("1").await),
        format!("{:?}", client.validate_coupon_payment("1", "2").await),
    ];
    for r in results {
        shown.push_str(&r);
    }
    match client.get_contract("1").await {
        Ok(v) => shown.push_str(&format!("{v:?}")),
        Err(e) => shown.push_str(&format!("{e} {e:?}")),
    }

    // Acreditaciones (API-KEY header).
    let builder = acreditaciones::Client::builder()
        .base_url(server.uri())
        .api_key(API_KEY);
    shown.push_str(&format!("{builder:?}"));
    let client = builder.build().expect("acreditaciones client");
    shown.push_str(&format!("{client:?}"));
    let crear: acreditaciones::types::CrearAcreditacionRequest = serde_json::from_value(
        spec_example("acreditaciones.yaml", "CrearAcreditacionRequest"),
    )
    .expect("the spec's example");
    match client.crear_acreditacion(crear).await {
        Ok(v) => shown.push_str(&format!("{v:?}")),
        Err(e) => shown.push_str(&format!("{e} {e:?}")),
    }
    let ejecutar: acreditaciones::types::EjecutarAcreditacionRequest = serde_json::from_value(
        spec_example("acreditaciones.yaml", "EjecutarAcreditacionRequest"),
    )
    .expect("the spec's example");
    match client.ejecutar_acreditacion(ejecutar).await {
        Ok(v) => shown.push_str(&format!("{v:?}")),
        Err(e) => shown.push_str(&format!("{e} {e:?}")),
    }
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

#[tokio::test]
async fn no_secret_appears_even_when_every_server_echoes_the_request() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    for (status, token_echo) in [
        (400, None),
        (500, None),
        (200, None),
        (400, Some(401)),
        (400, Some(200)),
    ] {
        let server = echo_server(status, token_echo).await;
        let mut shown = String::new();
        run_everything(&server, &mut shown).await;
        assert_no_secret(
            &format!("output (echo {status}, token {token_echo:?})"),
            &shown,
        );
        // The secrets were really sent: the server saw them.
        let sent: String = server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| format!("{:?} {}", r.headers, String::from_utf8_lossy(&r.body)))
            .collect();
        for secret in [HASH, SMTP_PASS, API_KEY] {
            assert!(sent.contains(secret), "{secret} was not sent at all");
        }
    }
    let log_text = String::from_utf8(logs.0.lock().expect("logs").clone()).expect("utf8");
    assert!(log_text.contains("pasarela.request"), "calls are traced");
    assert_no_secret("the TRACE log", &log_text);
}
