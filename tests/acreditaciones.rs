//! The Acreditaciones client against a local HTTP server: the seed's own
//! examples verbatim, every documented result code, partial success, money
//! that must not move twice (no retries, outcome unknown), validation before
//! sending, and the API key kept secret.

mod support;

use pasarela::acreditaciones::{errors, types, Client};
use pasarela::runtime::{BuildError, Outcome};
use pasarela::Error;
use serde_json::{json, Value};
use std::time::Duration;
use support::{api_requests, describe_request};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A made-up key: the example key printed in the seed is never used.
const API_KEY: &str = "test-key-0123456789-not-a-real-key";

/// The seed's crear request, verbatim.
const SEED_CREAR_REQUEST: &str = r#"{ "acreditacion": { "usuario": "test1", "descripcion":"prueba 1", "lista": [ { "nroDocumento": 4040440, "monto": 1500000 }, { "nroDocumento": 4040440, "monto": 1200000 }, { "nroDocumento": 404011111, "monto": 1600000 } ] } }"#;
/// The seed's crear response, verbatim.
const SEED_CREAR_RESPONSE: &str = r#"{ "header": { "codReturn": 1, "txtReturn": "WARNING" }, "data": { "estadoAcreditacion": "APROBADO", "idAcreditacion": "274", "acreditacionesValidas": [ { "estado": "Usuario registrado", "monto": "1500000", "nroDocumento": "4040440" }, { "estado": "Usuario registrado", "monto": "1200000", "nroDocumento": "4040440" } ], "acreditacionesNoValidas": [ { "estado": "No esta registrado como colaborador", "monto": "1600000", "nroDocumento": "404011111" } ] } }"#;
/// The seed's ejecutar request and response, verbatim.
const SEED_EJECUTAR_REQUEST: &str =
    r#"{ "acreditacion": { "usuario": "test1", "idAcreditacion":274 } }"#;
const SEED_EJECUTAR_RESPONSE: &str = r#"{ "header": { "codReturn": 0, "txtReturn": "SUCCESS" }, "data": { "descripcion": "Se proceso correctamente" } }"#;

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .api_key(API_KEY)
        .attempt_timeout(Duration::from_millis(500))
        .build()
        .expect("client builds")
}

fn crear_request() -> types::CrearAcreditacionRequest {
    serde_json::from_str(SEED_CREAR_REQUEST).expect("the seed's request fits the model")
}

fn ejecutar_request() -> types::EjecutarAcreditacionRequest {
    serde_json::from_str(SEED_EJECUTAR_REQUEST).expect("the seed's request fits the model")
}

async fn answer(server: &MockServer, at: &str, status: u16, body: &str) {
    Mock::given(method("POST"))
        .and(path(at))
        .and(header("API-KEY", API_KEY))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_raw(body.as_bytes().to_vec(), "application/json"),
        )
        .mount(server)
        .await;
}

async fn crear_with(
    body: &str,
) -> Result<Outcome<types::CrearAcreditacionData>, Error<errors::CrearAcreditacionError>> {
    let server = MockServer::start().await;
    answer(&server, "/acreditaciones/crear", 200, body).await;
    client(&server).crear_acreditacion(crear_request()).await
}

async fn ejecutar_with(
    body: &str,
) -> Result<Outcome<types::EjecutarAcreditacionData>, Error<errors::EjecutarAcreditacionError>> {
    let server = MockServer::start().await;
    answer(&server, "/acreditaciones/ejecutar", 200, body).await;
    client(&server)
        .ejecutar_acreditacion(ejecutar_request())
        .await
}

fn rejected<E: std::fmt::Debug>(result: Result<impl std::fmt::Debug, Error<E>>) -> E {
    match result {
        Err(Error::Api {
            status: 200, error, ..
        }) => error,
        other => panic!("expected an API error from the envelope, got {other:?}"),
    }
}

#[tokio::test]
async fn crear_sends_the_seed_request_and_reads_the_seed_answer_as_a_partial_success() {
    let server = MockServer::start().await;
    answer(&server, "/acreditaciones/crear", 200, SEED_CREAR_RESPONSE).await;
    let outcome = client(&server)
        .crear_acreditacion(crear_request())
        .await
        .expect("partial success");
    let requests = api_requests(&server).await;
    assert_eq!(requests.len(), 1);
    // The body sent equals the seed's request (numbers as numbers, the repeated document twice).
    let sent: Value = serde_json::from_slice(&requests[0].body).expect("JSON body");
    assert_eq!(
        sent,
        serde_json::from_str::<Value>(SEED_CREAR_REQUEST).expect("seed JSON")
    );
    insta::assert_snapshot!(describe_request(&requests[0]));

    let Outcome::Partial(data) = &outcome else {
        panic!("expected a partial success, got {outcome:?}")
    };
    assert_eq!(data.id_acreditacion, Some(274));
    assert_eq!(data.acreditaciones_validas.as_ref().map(Vec::len), Some(2));
    let invalid = data
        .acreditaciones_no_validas
        .as_deref()
        .unwrap_or_default();
    assert_eq!(invalid.len(), 1);
    assert_eq!(invalid[0].nro_documento.as_deref(), Some("404011111"));
    assert_eq!(invalid[0].monto, Some(1_600_000));
    insta::assert_debug_snapshot!(outcome);
}

#[tokio::test]
async fn ejecutar_sends_the_seed_request_and_reads_the_seed_answer() {
    let server = MockServer::start().await;
    answer(
        &server,
        "/acreditaciones/ejecutar",
        200,
        SEED_EJECUTAR_RESPONSE,
    )
    .await;
    let outcome = client(&server)
        .ejecutar_acreditacion(ejecutar_request())
        .await
        .expect("success");
    let requests = api_requests(&server).await;
    let sent: Value = serde_json::from_slice(&requests[0].body).expect("JSON body");
    assert_eq!(
        sent,
        serde_json::from_str::<Value>(SEED_EJECUTAR_REQUEST).expect("seed JSON")
    );
    insta::assert_snapshot!(describe_request(&requests[0]));
    assert_eq!(
        outcome,
        Outcome::Success(types::EjecutarAcreditacionData {
            descripcion: Some("Se proceso correctamente".into())
        })
    );
}

fn crear_answer(code: Value, text: &str, estado: &str, valid: usize, invalid: usize) -> String {
    let credit =
        |estado: &str| json!({"estado": estado, "monto": "1500000", "nroDocumento": "4040440"});
    json!({
        "header": {"codReturn": code, "txtReturn": text},
        "data": {
            "estadoAcreditacion": estado,
            "idAcreditacion": "275",
            "acreditacionesValidas": (0..valid).map(|_| credit("Usuario registrado")).collect::<Vec<_>>(),
            "acreditacionesNoValidas": (0..invalid).map(|_| credit("No esta registrado como colaborador")).collect::<Vec<_>>(),
        }
    })
    .to_string()
}

#[tokio::test]
async fn crear_code_0_is_a_success() {
    let outcome = crear_with(&crear_answer(json!(0), "SUCCESS", "APROBADO", 3, 0))
        .await
        .expect("success");
    assert!(outcome.is_success());
    assert_eq!(outcome.data().id_acreditacion, Some(275));
}

#[tokio::test]
async fn crear_code_1_is_a_processing_error() {
    let err = rejected(
        crear_with(&crear_answer(
            json!(1),
            "ERROR",
            "Hubo un problema al procesar la peticion",
            0,
            0,
        ))
        .await,
    );
    let errors::CrearAcreditacionError::Rejected(e) = &err else {
        panic!("expected the rejected envelope, got {err:?}");
    };
    assert_eq!(e.code.as_deref(), Some("1"));
    assert_eq!(e.text.as_deref(), Some("ERROR"));
    assert!(e.documented);
    assert!(e
        .meaning
        .as_deref()
        .unwrap_or("")
        .contains("problema al procesar"));
    assert_eq!(
        e.envelope["data"]["estadoAcreditacion"],
        "Hubo un problema al procesar la peticion"
    );
}

#[tokio::test]
async fn crear_code_2_is_a_partial_success() {
    let outcome = crear_with(&crear_answer(json!(2), "WARNING", "APROBADO", 2, 1))
        .await
        .expect("partial");
    assert!(outcome.is_partial());
    assert_eq!(
        outcome
            .data()
            .acreditaciones_no_validas
            .as_ref()
            .map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn crear_code_3_is_no_valid_collaborator() {
    let err = rejected(
        crear_with(&crear_answer(
            json!(3),
            "ERROR",
            "No existe ningun colaborador valido",
            0,
            3,
        ))
        .await,
    );
    let errors::CrearAcreditacionError::Rejected(e) = &err else {
        panic!("expected the rejected envelope, got {err:?}");
    };
    assert_eq!(e.code.as_deref(), Some("3"));
    assert!(e
        .meaning
        .as_deref()
        .unwrap_or("")
        .contains("ningún colaborador válido"));
    insta::assert_snapshot!(err.to_string());
}

/// `crear` moves money: a code the spec does not document says nothing
/// about whether the order exists, so the outcome is unknown
/// (this test used to expect an ordinary error). The envelope is kept whole.
#[tokio::test]
async fn an_unknown_crear_code_is_an_unknown_outcome_keeping_the_whole_envelope() {
    let body = crear_answer(json!(9), "SUCCESS", "APROBADO", 1, 0);
    let err = crear_with(&body).await.expect_err("undocumented code");
    assert!(err.outcome_unknown(), "{err:?}");
    match &err {
        Error::OutcomeUnknown {
            status: Some(200),
            reason,
            envelope: Some(envelope),
            ..
        } => {
            assert!(reason.contains("undocumented result code 9"), "{reason}");
            assert_eq!(
                envelope,
                &serde_json::from_str::<Value>(&body).expect("json")
            );
        }
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
}

#[tokio::test]
async fn a_code_sent_as_a_string_is_read_like_a_number() {
    let outcome = crear_with(&crear_answer(json!("0"), "SUCCESS", "APROBADO", 1, 0))
        .await
        .expect("success");
    assert!(outcome.is_success());
}

/// `ejecutar` moves money and the document lists only code 0: any other
/// code (even with `txtReturn: ERROR`) is undocumented, so the outcome is
/// unknown and the envelope is kept (this test used to expect an
/// ordinary error).
#[tokio::test]
async fn ejecutar_code_0_is_a_success_and_any_other_code_an_unknown_outcome_with_the_envelope() {
    ejecutar_with(SEED_EJECUTAR_RESPONSE).await.expect("code 0");
    let body = r#"{"header":{"codReturn":5,"txtReturn":"ERROR"},"data":{"descripcion":"La acreditacion ya fue ejecutada"}}"#;
    let err = ejecutar_with(body).await.expect_err("code 5");
    assert!(err.outcome_unknown(), "{err:?}");
    match &err {
        Error::OutcomeUnknown {
            reason,
            envelope: Some(envelope),
            ..
        } => {
            assert!(
                reason.contains("undocumented result code 5: ERROR"),
                "{reason}"
            );
            assert_eq!(
                envelope["data"]["descripcion"],
                "La acreditacion ya fue ejecutada"
            );
        }
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
}

/// A 200 that cannot be read on a money-moving call: the order may exist, so
/// the error says the outcome is unknown (and keeps what was wrong).
#[tokio::test]
async fn an_envelope_without_data_is_an_unknown_outcome() {
    let err = crear_with(r#"{"header":{"codReturn":0,"txtReturn":"SUCCESS"}}"#)
        .await
        .expect_err("no data");
    assert!(err.outcome_unknown(), "{err:?}");
    assert!(
        matches!(&err, Error::OutcomeUnknown { status: Some(200), reason, .. } if reason.contains("data")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_html_page_from_a_proxy_is_a_typed_unknown_outcome() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("<html><body>Proxy error</body></html>", "text/html"),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .crear_acreditacion(crear_request())
        .await
        .expect_err("not JSON");
    assert!(err.outcome_unknown(), "{err:?}");
    assert!(
        matches!(&err, Error::OutcomeUnknown { reason, .. } if reason.contains("Proxy error")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_same_document_twice_is_sent_twice() {
    let server = MockServer::start().await;
    answer(&server, "/acreditaciones/crear", 200, SEED_CREAR_RESPONSE).await;
    let credit = |monto| types::Credito {
        nro_documento: "4040440".into(),
        monto,
    };
    let body = types::CrearAcreditacionRequest {
        acreditacion: types::NuevaAcreditacion {
            usuario: Some("test1".into()),
            descripcion: Some("Salario junio".into()),
            lista: vec![credit(1_500_000), credit(1_200_000)],
        },
    };
    client(&server)
        .crear_acreditacion(body)
        .await
        .expect("sent");
    let sent: Value = serde_json::from_slice(&api_requests(&server).await[0].body).expect("json");
    assert_eq!(
        sent["acreditacion"]["lista"],
        json!([
            {"nroDocumento": 4040440, "monto": 1500000},
            {"nroDocumento": 4040440, "monto": 1200000}
        ])
    );
}

async fn money_call_meeting(status: u16, delay: Duration, ejecutar: bool) -> (String, bool, usize) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(status)
                .set_body_string("unavailable")
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    let client = client(&server).clone();
    let (message, unknown) = if ejecutar {
        let err = client
            .ejecutar_acreditacion(ejecutar_request())
            .await
            .expect_err("fails");
        (err.to_string(), err.outcome_unknown())
    } else {
        let err = client
            .crear_acreditacion(crear_request())
            .await
            .expect_err("fails");
        (err.to_string(), err.outcome_unknown())
    };
    (message, unknown, api_requests(&server).await.len())
}

#[tokio::test]
async fn a_503_on_crear_or_ejecutar_is_not_retried_and_the_outcome_is_unknown() {
    for ejecutar in [false, true] {
        let (message, unknown, seen) = money_call_meeting(503, Duration::ZERO, ejecutar).await;
        assert_eq!(seen, 1, "the server saw exactly one request");
        assert!(unknown, "{message}");
        assert!(message.contains("outcome unknown"), "{message}");
        if ejecutar {
            assert!(
                message.contains("idAcreditacion=274"),
                "the order to check is named: {message}"
            );
        }
    }
}

#[tokio::test]
async fn a_timeout_on_crear_or_ejecutar_is_not_retried_and_the_outcome_is_unknown() {
    for ejecutar in [false, true] {
        let (message, unknown, seen) =
            money_call_meeting(200, Duration::from_secs(3), ejecutar).await;
        assert_eq!(seen, 1, "the server saw exactly one request");
        assert!(unknown, "{message}");
        assert!(message.contains("outcome unknown"), "{message}");
        if ejecutar {
            assert!(message.contains("idAcreditacion=274"), "{message}");
        }
    }
}

#[tokio::test]
async fn invalid_orders_are_rejected_before_anything_is_sent() {
    let server = MockServer::start().await;
    answer(&server, "/acreditaciones/crear", 200, SEED_CREAR_RESPONSE).await;
    let client = client(&server);
    let order = |lista: Vec<types::Credito>| types::CrearAcreditacionRequest {
        acreditacion: types::NuevaAcreditacion {
            usuario: None,
            descripcion: None,
            lista,
        },
    };
    let credit = |doc: &str, monto| types::Credito {
        nro_documento: doc.into(),
        monto,
    };

    let cases = [
        (order(vec![]), "acreditacion.lista"),
        (
            order(vec![credit("4040440", 100), credit("40-40", 100)]),
            "acreditacion.lista[1].nroDocumento",
        ),
        (
            order(vec![
                credit("4040440", 100),
                credit("4040441", 5),
                credit("4040442", 0),
            ]),
            "acreditacion.lista[2].monto",
        ),
        (
            order(vec![credit("4040440", -1)]),
            "acreditacion.lista[0].monto",
        ),
        // 16 digits: more than a server reading doubles keeps exactly.
        (
            order(vec![credit("1234567890123456", 100)]),
            "acreditacion.lista[0].nroDocumento",
        ),
    ];
    for (body, field) in cases {
        let err = client.crear_acreditacion(body).await.expect_err("invalid");
        let Error::Validation(v) = &err else {
            panic!("expected a validation error, got {err:?}")
        };
        assert!(
            v.problems.iter().any(|p| p.path == field),
            "{field} not named in {v:?}"
        );
        assert!(err.to_string().contains(field), "{err}");
    }
    assert!(api_requests(&server).await.is_empty(), "nothing was sent");
}

#[test]
fn a_client_without_a_base_url_is_a_clear_error() {
    let err = Client::builder()
        .api_key(API_KEY)
        .build()
        .expect_err("no default host");
    assert!(matches!(err, BuildError::NoBaseUrl { .. }), "{err:?}");
    assert!(err.to_string().contains("base_url"), "{err}");
}

#[tokio::test]
async fn the_api_key_never_appears_in_debug_errors_or_logs() {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let logs = Capture::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    answer(&server, "/acreditaciones/crear", 200, SEED_CREAR_RESPONSE).await;
    Mock::given(method("POST"))
        .and(path("/acreditaciones/ejecutar"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let builder = Client::builder().base_url(server.uri()).api_key(API_KEY);
    let mut shown = format!("{builder:?}");
    let client = builder.build().expect("builds");
    shown.push_str(&format!("{client:?}"));
    let ok = client.crear_acreditacion(crear_request()).await;
    shown.push_str(&format!("{ok:?}"));
    let err = client
        .ejecutar_acreditacion(ejecutar_request())
        .await
        .expect_err("503");
    shown.push_str(&format!("{err} {err:?}"));
    let log_text = String::from_utf8(logs.0.lock().expect("logs").clone()).expect("utf8");
    assert!(!log_text.is_empty(), "requests are logged");
    assert!(
        !shown.contains(API_KEY) && !log_text.contains(API_KEY),
        "the key leaked"
    );
    // The key was really sent, in the header.
    let requests = api_requests(&server).await;
    assert_eq!(
        requests[0]
            .headers
            .get("api-key")
            .and_then(|v| v.to_str().ok()),
        Some(API_KEY)
    );
}
