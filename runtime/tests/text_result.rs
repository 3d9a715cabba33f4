//! Plain-text results (`OK: …` / `ERROR: …`), CSV bodies behind them, and
//! download file names.

mod common;

use common::rows::*;
use pasarela_runtime::reqwest::header::{HeaderMap, HeaderValue, CONTENT_DISPOSITION};
use pasarela_runtime::{Error, Response, Secret, TextError, TextResultSpec};
use serde::Deserialize;

/// What a declared error enum looks like in generated code.
#[derive(Debug, Clone, PartialEq)]
enum ImportError {
    Rejected(TextError),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Rejected(e) => std::fmt::Display::fmt(e, f),
        }
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Imported {
    lote: String,
    #[serde(with = "pasarela_runtime::serde_util::lenient_i64")]
    importados: i64,
    #[serde(default, with = "pasarela_runtime::serde_util::lenient_i64_opt")]
    fallidos: Option<i64>,
}

static IMPORT_RESULT: TextResultSpec = TextResultSpec {
    error_prefix: Some("ERROR:"),
    ok_prefix: Some("OK:"),
    ok_pattern: Some(
        r"^OK:\s*(?P<lote>\d+)\s*-\s*(?P<importados>\d+) registros importados(?:\s*-\s*(?P<fallidos>\d+) registros fallidos)?\s*$",
    ),
};

static TOKEN_RESULT: TextResultSpec = TextResultSpec {
    error_prefix: Some("ERROR:"),
    ok_prefix: None,
    ok_pattern: None,
};

static CSV_RESULT: TextResultSpec = TextResultSpec {
    error_prefix: Some("ERROR:"),
    ok_prefix: Some("OK:"),
    ok_pattern: None,
};

fn resp(status: u16, body: impl Into<pasarela_runtime::bytes::Bytes>) -> Response {
    #[allow(clippy::disallowed_methods)] // a hand-built response
    Response::from_parts(status, HeaderMap::new(), body)
}

fn import(r: &Response) -> Result<Imported, Error<ImportError>> {
    r.text_result(&IMPORT_RESULT, ImportError::Rejected)
}

#[test]
fn ok_line_into_a_struct() {
    let v = import(&resp(200, "OK: 201805 - 12 registros importados")).unwrap();
    assert_eq!(
        v,
        Imported {
            lote: "201805".into(),
            importados: 12,
            fallidos: None
        }
    );
    let v = import(&resp(
        200,
        "OK: 201805 - 12 registros importados - 3 registros fallidos",
    ))
    .unwrap();
    assert_eq!(v.fallidos, Some(3));
}

#[test]
fn crlf_and_extra_spaces() {
    let v = import(&resp(
        200,
        "\u{FEFF}  OK:   201805  -  12 registros importados   \r\n\r\n",
    ))
    .unwrap();
    assert_eq!(v.importados, 12);
    // The first non-empty line is tried first, then the whole text.
    let v = import(&resp(
        200,
        "\r\nOK: 201805 - 12 registros importados\r\ndetalle: nada\r\n",
    ))
    .unwrap();
    assert_eq!(v.lote, "201805");
}

#[test]
fn error_prefix_is_an_api_error_whatever_the_status() {
    for status in [200, 400, 500] {
        let r = resp(status, "ERROR: El CUIT no está registrado\r\n");
        match import(&r) {
            Err(Error::Api {
                status: s,
                error: ImportError::Rejected(e),
                ..
            }) => {
                assert_eq!(s, status);
                assert_eq!(e.text, "El CUIT no está registrado");
                assert_eq!(e.to_string(), "El CUIT no está registrado");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // Any case, leading whitespace, and a Windows-1252 body.
    let r = resp(200, &b"  error:El CUIT no est\xE1 registrado"[..]);
    match import(&r) {
        Err(Error::Api { error, .. }) => assert_eq!(
            error,
            ImportError::Rejected(TextError {
                text: "El CUIT no está registrado".into()
            })
        ),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn garbage_is_a_decode_error_keeping_the_body() {
    let r = resp(200, "<html>Service Unavailable</html>");
    match import(&r) {
        Err(Error::Decode {
            status,
            path,
            message,
            excerpt,
            ..
        }) => {
            assert_eq!(status, 200);
            assert_eq!(path, "");
            assert_eq!(
                message,
                "the response does not match the expected result grammar"
            );
            assert_eq!(excerpt, "<html>Service Unavailable</html>");
        }
        other => panic!("unexpected {other:?}"),
    }
    let e = import(&resp(200, "OK: lote - x registros importados")).unwrap_err();
    assert!(e.to_string().contains("does not match"), "{e}");
    assert!(!e.to_string().contains("at ``"), "{e}");
    // Never a panic, whatever the bytes.
    for body in [
        &b""[..],
        b"\xFF\xFE\x00",
        b"OK:",
        b"ERROR:",
        b"\xEF\xBB\xBF",
    ] {
        let _ = import(&resp(200, body));
        let _ = resp(200, body)
            .text_result::<String, ImportError>(&TOKEN_RESULT, ImportError::Rejected);
    }
}

#[test]
fn a_bare_token_is_a_string_or_a_secret() {
    let r = resp(200, "a8f5f167f44f4964e6c998dee827110c\r\n");
    let token: String = r.text_result(&TOKEN_RESULT, ImportError::Rejected).unwrap();
    assert_eq!(token, "a8f5f167f44f4964e6c998dee827110c");
    let secret: Secret = r.text_result(&TOKEN_RESULT, ImportError::Rejected).unwrap();
    assert_eq!(secret.expose(), "a8f5f167f44f4964e6c998dee827110c");

    // With an ok prefix, it is removed.
    let r = resp(200, "OK: a8f5f167");
    let token: String = r.text_result(&CSV_RESULT, ImportError::Rejected).unwrap();
    assert_eq!(token, "a8f5f167");

    let e = resp(200, " \r\n")
        .text_result::<String, ImportError>(&TOKEN_RESULT, ImportError::Rejected)
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    let e = resp(200, "ERROR: hash inválido")
        .text_result::<String, ImportError>(&TOKEN_RESULT, ImportError::Rejected)
        .unwrap_err();
    assert_eq!(
        e.api_error(),
        Some(&ImportError::Rejected(TextError {
            text: "hash inválido".into()
        }))
    );
}

#[test]
fn text_is_strict_utf8() {
    assert_eq!(resp(200, "Peña").text::<()>().unwrap(), "Peña");
    assert!(matches!(
        resp(200, &b"Pe\xF1a"[..]).text::<()>(),
        Err(Error::Decode { .. })
    ));
}

fn with_disposition(value: &'static str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_DISPOSITION, HeaderValue::from_static(value));
    #[allow(clippy::disallowed_methods)] // a hand-built response
    Response::from_parts(200, headers, "")
}

#[test]
fn file_names() {
    for (header, expected) in [
        ("attachment; filename=cobros.csv", Some("cobros.csv")),
        (
            "attachment; filename=\"cobros mayo.csv\"",
            Some("cobros mayo.csv"),
        ),
        (
            "attachment;filename=\"a \\\"b\\\".csv\"",
            Some("a \"b\".csv"),
        ),
        (
            "attachment; filename*=UTF-8''cobros%20a%C3%B1o.csv; filename=\"fallback.csv\"",
            Some("cobros año.csv"),
        ),
        (
            "attachment; filename=\"fallback.csv\"; FILENAME*=utf-8'es'x%20y.csv",
            Some("x y.csv"),
        ),
        (
            "attachment; filename*=iso-8859-1''a%F1o.csv",
            Some("año.csv"),
        ),
        ("attachment; filename=\"../../etc/passwd\"", Some("passwd")),
        ("attachment; filename=\"C:\\\\tmp\\\\x.csv\"", Some("x.csv")),
        ("attachment", None),
        ("inline; filename=\"\"", None),
        ("attachment; filename*=UTF-8''%FF.csv", None),
    ] {
        assert_eq!(
            with_disposition(header).file_name().as_deref(),
            expected,
            "{header}"
        );
    }
    assert_eq!(resp(200, "").file_name(), None);
}

#[test]
fn csv_rows_with_and_without_ok_line() {
    let bare = format!("{EXAMPLE_LINE}\n{EXAMPLE_LINE}\n");
    let with_ok = format!("OK: CSV plano con 2 registros\r\n{bare}");
    for body in [bare.clone(), with_ok.clone()] {
        let rows: Vec<Charge> = resp(200, body)
            .csv_rows(&SEMICOLON, &CSV_RESULT, ImportError::Rejected)
            .unwrap();
        assert_eq!(rows, vec![example_charge(), example_charge()]);
    }
    // csv_bytes returns the bytes after the OK line, unchanged.
    let bytes = resp(200, with_ok)
        .csv_bytes(&CSV_RESULT, ImportError::Rejected)
        .unwrap();
    assert_eq!(&bytes[..], bare.as_bytes());
    let cp1252 = &b"Pe\xF1a;1\r\n"[..];
    let bytes = resp(200, cp1252)
        .csv_bytes(&CSV_RESULT, ImportError::Rejected)
        .unwrap();
    assert_eq!(&bytes[..], cp1252);
    // Only an OK line: no rows.
    let rows: Vec<Charge> = resp(200, "OK: sin registros")
        .csv_rows(&SEMICOLON, &CSV_RESULT, ImportError::Rejected)
        .unwrap();
    assert!(rows.is_empty());
}

#[test]
fn csv_rows_error_body() {
    let e = resp(200, "ERROR: No hay cobros para el período\n")
        .csv_rows::<Charge, _>(&SEMICOLON, &CSV_RESULT, ImportError::Rejected)
        .unwrap_err();
    assert_eq!(
        e.api_error(),
        Some(&ImportError::Rejected(TextError {
            text: "No hay cobros para el período".into()
        }))
    );
    let e = resp(200, "ERROR: x")
        .csv_bytes(&CSV_RESULT, ImportError::Rejected)
        .unwrap_err();
    assert!(matches!(e, Error::Api { status: 200, .. }));
}

#[test]
fn csv_rows_bad_record_is_a_csv_error() {
    let e = resp(200, "OK: 1\n176;Fabian\n")
        .csv_rows::<Charge, _>(&SEMICOLON, &CSV_RESULT, ImportError::Rejected)
        .unwrap_err();
    match &e {
        Error::Csv(c) => assert_eq!(c.to_string(), "rows[0]: expected 10 or 8 fields, found 2"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(!e.outcome_unknown());
    assert_eq!(e.status(), None);
}
