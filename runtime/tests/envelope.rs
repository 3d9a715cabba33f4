//! Result envelopes decided against a local server: documented codes,
//! rules on the payload, undocumented codes, bodies that are not JSON.

mod common;

use std::convert::Infallible;

use common::*;
use pasarela_runtime::{
    ClientBuilder, CodeMeaning, Condition, EnvelopeError, EnvelopeSpec, Error, Outcome,
    OutcomeKind, Request, Response, Rule,
};
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An envelope `{header: {codReturn, txtReturn}, data}` with a batch payload.
static SPEC: EnvelopeSpec = EnvelopeSpec {
    code: "/header/codReturn",
    text: Some("/header/txtReturn"),
    data: "/data",
    codes: &[
        CodeMeaning {
            code: "0",
            outcome: OutcomeKind::Success,
            meaning: "OK",
        },
        CodeMeaning {
            code: "1",
            outcome: OutcomeKind::Error,
            meaning: "ERROR",
        },
        CodeMeaning {
            code: "3",
            outcome: OutcomeKind::Error,
            meaning: "ERROR",
        },
    ],
    rules: &[Rule {
        when: &[
            Condition {
                path: "/data/estado",
                equals: Some("APROBADO"),
                non_empty: false,
            },
            Condition {
                path: "/data/invalidos",
                equals: None,
                non_empty: true,
            },
        ],
        outcome: OutcomeKind::Partial,
    }],
};

/// No codes table: only rules decide.
static RULES_ONLY: EnvelopeSpec = EnvelopeSpec {
    code: "/status",
    text: None,
    data: "/result",
    codes: &[],
    rules: &[
        Rule {
            when: &[Condition {
                path: "/status",
                equals: Some("ok"),
                non_empty: false,
            }],
            outcome: OutcomeKind::Success,
        },
        Rule {
            when: &[Condition {
                path: "/status",
                equals: Some("failed"),
                non_empty: false,
            }],
            outcome: OutcomeKind::Error,
        },
    ],
};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Batch {
    #[serde(with = "pasarela_runtime::serde_util::lenient_string")]
    id_acreditacion: String,
    estado: String,
    #[serde(default)]
    invalidos: Vec<Value>,
}

/// The operation's declared error type.
#[derive(Debug, PartialEq)]
struct Declared(EnvelopeError);

impl std::fmt::Display for Declared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Serves `template` once on 127.0.0.1 and returns the response.
async fn respond(template: ResponseTemplate) -> Response {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    let c = ClientBuilder::new(&API)
        .base_url(server.uri())
        .build()
        .unwrap();
    let mut req = Request::new(&GET_OPEN);
    req.path_param("id", "1");
    c.send::<Infallible>(req).await.unwrap()
}

async fn json_response(body: Value) -> Response {
    respond(ResponseTemplate::new(200).set_body_json(body)).await
}

// The declared error holds the whole envelope, as generated errors do.
#[allow(clippy::result_large_err)]
fn decide<T: serde::de::DeserializeOwned>(
    resp: &Response,
    spec: &EnvelopeSpec,
) -> Result<Outcome<T>, Error<Declared>> {
    resp.envelope(spec, Declared)
}

#[tokio::test]
async fn documented_success_code_decodes_data() {
    let resp = json_response(json!({
        "header": {"codReturn": 0, "txtReturn": "OK"},
        "data": {"idAcreditacion": 274, "estado": "APROBADO", "invalidos": []}
    }))
    .await;
    let out = decide::<Batch>(&resp, &SPEC).unwrap();
    assert!(out.is_success());
    assert!(!out.is_partial());
    assert_eq!(out.data().id_acreditacion, "274");
    assert_eq!(out.into_data().estado, "APROBADO");
}

#[tokio::test]
async fn code_as_string_is_the_same_code() {
    let resp = json_response(json!({
        "header": {"codReturn": "0", "txtReturn": "OK"},
        "data": {"idAcreditacion": "0044", "estado": "PENDIENTE"}
    }))
    .await;
    let out = decide::<Batch>(&resp, &SPEC).unwrap();
    assert_eq!(
        out,
        Outcome::Success(Batch {
            id_acreditacion: "0044".into(),
            estado: "PENDIENTE".into(),
            invalidos: vec![],
        })
    );
}

#[tokio::test]
async fn documented_error_code_is_a_declared_error() {
    let body = json!({
        "header": {"codReturn": 3, "txtReturn": "No existe ningun colaborador valido"},
        "data": null
    });
    let resp = json_response(body.clone()).await;
    let err = decide::<Batch>(&resp, &SPEC).unwrap_err();
    assert_eq!(
        err.to_string(),
        "HTTP 200 result code 3 (ERROR): No existe ningun colaborador valido"
    );
    match err {
        Error::Api {
            status: 200,
            error: Declared(e),
            ..
        } => {
            assert_eq!(
                e,
                EnvelopeError {
                    code: Some("3".into()),
                    text: Some("No existe ningun colaborador valido".into()),
                    meaning: Some("ERROR".into()),
                    documented: true,
                    envelope: body,
                }
            );
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn rule_on_data_overrides_the_code() {
    // Code 1 is listed as an error, but the payload says the batch was
    // approved with some invalid items: a partial success.
    let resp = json_response(json!({
        "header": {"codReturn": 1, "txtReturn": "Procesado con errores"},
        "data": {
            "idAcreditacion": 275,
            "estado": "APROBADO",
            "invalidos": [{"documento": "0044", "motivo": "cuenta inexistente"}]
        }
    }))
    .await;
    let out = decide::<Batch>(&resp, &SPEC).unwrap();
    assert!(out.is_partial());
    assert_eq!(out.data().invalidos.len(), 1);

    // Without invalid items the rule does not match: code 1 decides.
    let resp = json_response(json!({
        "header": {"codReturn": 1, "txtReturn": "Rechazado"},
        "data": {"idAcreditacion": 276, "estado": "APROBADO", "invalidos": []}
    }))
    .await;
    let err = decide::<Batch>(&resp, &SPEC).unwrap_err();
    match err {
        Error::Api {
            error: Declared(e), ..
        } => {
            assert!(e.documented);
            assert_eq!(e.code.as_deref(), Some("1"));
            assert_eq!(e.to_string(), "result code 1 (ERROR): Rechazado");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn unknown_code_is_undocumented_and_keeps_the_envelope() {
    let body = json!({
        "header": {"codReturn": 7, "txtReturn": "Mantenimiento"},
        "data": {"idAcreditacion": 1, "estado": "APROBADO", "invalidos": [1]},
        "extra": {"kept": true}
    });
    let resp = json_response(body.clone()).await;
    // Even a matching rule does not decide for an unlisted code.
    let err = decide::<Batch>(&resp, &SPEC).unwrap_err();
    match err {
        Error::Api {
            status,
            error: Declared(e),
            ..
        } => {
            assert_eq!(status, 200);
            assert!(!e.documented);
            assert_eq!(e.meaning, None);
            assert_eq!(e.code.as_deref(), Some("7"));
            assert_eq!(e.envelope, body);
            assert_eq!(e.to_string(), "undocumented result code 7: Mantenimiento");
        }
        other => panic!("unexpected {other:?}"),
    }

    // A missing code is undocumented too.
    let resp = json_response(json!({"header": {}, "data": {}})).await;
    match decide::<Batch>(&resp, &SPEC).unwrap_err() {
        Error::Api {
            error: Declared(e), ..
        } => {
            assert!(!e.documented);
            assert_eq!(e.code, None);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn missing_data_is_a_decode_error_unless_optional() {
    let resp = json_response(json!({"header": {"codReturn": 0, "txtReturn": "OK"}})).await;
    match decide::<Batch>(&resp, &SPEC).unwrap_err() {
        Error::Decode {
            status,
            path,
            message,
            excerpt,
            ..
        } => {
            assert_eq!(status, 200);
            assert_eq!(path, "data");
            assert_eq!(message, "the envelope has no data");
            assert!(excerpt.contains("codReturn"), "{excerpt}");
        }
        other => panic!("unexpected {other:?}"),
    }
    // `Option<_>` and `()` decode from a missing or null payload.
    assert_eq!(
        decide::<Option<Batch>>(&resp, &SPEC).unwrap(),
        Outcome::Success(None)
    );
    let resp = json_response(json!({"header": {"codReturn": 0}, "data": null})).await;
    assert_eq!(decide::<()>(&resp, &SPEC).unwrap(), Outcome::Success(()));
}

#[tokio::test]
async fn bad_field_in_data_has_a_prefixed_path() {
    let resp = json_response(json!({
        "header": {"codReturn": 0},
        "data": {"idAcreditacion": 274, "estado": 5}
    }))
    .await;
    match decide::<Batch>(&resp, &SPEC).unwrap_err() {
        Error::Decode { path, .. } => assert_eq!(path, "data.estado"),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn html_body_is_a_decode_error() {
    let resp = respond(
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/html")
            .set_body_string("<html><body>Gateway maintenance</body></html>"),
    )
    .await;
    match decide::<Batch>(&resp, &SPEC).unwrap_err() {
        Error::Decode {
            status,
            path,
            message,
            excerpt,
            ..
        } => {
            assert_eq!(status, 200);
            assert_eq!(path, ".");
            assert!(message.contains("not a JSON result envelope"), "{message}");
            assert!(excerpt.starts_with("<html>"), "{excerpt}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let resp = respond(ResponseTemplate::new(200)).await;
    assert!(matches!(
        decide::<Batch>(&resp, &SPEC),
        Err(Error::Decode { .. })
    ));
}

#[tokio::test]
async fn without_a_codes_table_rules_decide() {
    let resp = json_response(json!({"status": "ok", "result": [1, 2]})).await;
    assert_eq!(
        decide::<Vec<u8>>(&resp, &RULES_ONLY).unwrap(),
        Outcome::Success(vec![1, 2])
    );

    let resp = json_response(json!({"status": "failed"})).await;
    match decide::<Vec<u8>>(&resp, &RULES_ONLY).unwrap_err() {
        Error::Api {
            error: Declared(e), ..
        } => {
            assert!(e.documented);
            assert_eq!(e.code.as_deref(), Some("failed"));
            assert_eq!(e.meaning, None);
        }
        other => panic!("unexpected {other:?}"),
    }

    // Nothing decides: an undocumented result.
    let resp = json_response(json!({"status": "weird"})).await;
    match decide::<Vec<u8>>(&resp, &RULES_ONLY).unwrap_err() {
        Error::Api {
            error: Declared(e), ..
        } => assert!(!e.documented),
        other => panic!("unexpected {other:?}"),
    }
}

/// Serves `body` (HTTP 200) once to the money-moving `PAY_OPEN` and returns
/// the response.
async fn money_response(body: Value) -> Response {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let c = ClientBuilder::new(&API)
        .base_url(server.uri())
        .build()
        .unwrap();
    c.send::<Infallible>(Request::new(&PAY_OPEN)).await.unwrap()
}

#[tokio::test]
async fn on_a_money_moving_call_an_undocumented_or_missing_code_is_an_unknown_outcome() {
    for (body, code) in [
        (
            json!({"header": {"codReturn": 7, "txtReturn": "Mantenimiento"}, "data": {}}),
            "7",
        ),
        (
            json!({"header": {"txtReturn": "sin codigo"}, "data": {}}),
            "txtReturn",
        ),
    ] {
        let resp = money_response(body).await;
        let err = decide::<Batch>(&resp, &SPEC).unwrap_err();
        assert!(err.outcome_unknown(), "{err:?}");
        match &err {
            Error::OutcomeUnknown { reason, status, .. } => {
                assert_eq!(*status, Some(200));
                // The envelope is quoted, so the caller can see what came back.
                assert!(reason.contains(code), "{reason}");
                assert!(reason.contains("envelope"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // A documented error code is an ordinary declared error: the server
    // said the money did not move.
    let resp = money_response(json!({"header": {"codReturn": 1, "txtReturn": "ERROR"}})).await;
    let err = decide::<Batch>(&resp, &SPEC).unwrap_err();
    assert!(!err.outcome_unknown());
    assert!(
        matches!(err, Error::Api { error: Declared(ref e), .. } if e.documented),
        "{err:?}"
    );
}
