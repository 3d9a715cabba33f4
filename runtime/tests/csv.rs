//! CSV writing and reading: the omittable-column rule, refusal of values the
//! format cannot carry, encodings, field counts, and incremental reading.

mod common;

use std::convert::Infallible;
use std::time::Duration;

use common::rows::*;
use pasarela_runtime::bytes::Bytes;
use pasarela_runtime::csv::{
    decode_rows, encode_rows, field_parse, field_text, CsvError, CsvInput, CsvStream,
};
use pasarela_runtime::{Decimal, Error};

fn charge_with_tail() -> Charge {
    Charge {
        due: Some("2018-05-31".into()),
        reference: Some("REF-9".into()),
        ..example_charge()
    }
}

// ---------------------------------------------------------------------------
// Writing

#[test]
fn trailing_empty_omittable_columns_are_left_out() {
    let bytes = encode_rows(&[example_charge(), charge_with_tail()], &SEMICOLON).unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert_eq!(
        text,
        format!("{EXAMPLE_LINE}\n{EXAMPLE_LINE};2018-05-31;REF-9\n")
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0].split(';').count(), 8);
    assert_eq!(lines[1].split(';').count(), 10);
}

#[test]
fn omittable_columns_go_as_a_group() {
    // Only one of the two omittable columns is empty: both are written, so
    // the record still has a field count the reader accepts.
    let row = Charge {
        reference: Some("REF-9".into()),
        ..example_charge()
    };
    let bytes = encode_rows(std::slice::from_ref(&row), &SEMICOLON).unwrap();
    assert_eq!(&bytes[..], format!("{EXAMPLE_LINE};;REF-9\n").as_bytes());
    assert_eq!(
        decode_rows::<Charge>(&bytes, &SEMICOLON).unwrap(),
        vec![row]
    );
}

#[test]
fn empty_non_omittable_columns_stay() {
    let row = Charge {
        phone: None,
        email: None,
        quantity: None,
        ..example_charge()
    };
    let bytes = encode_rows(&[row], &SEMICOLON).unwrap();
    assert_eq!(
        &bytes[..],
        b"176;Fabian Barros;1137465298;;;;Colonia de Vacaciones;1322.10\n"
    );
}

#[test]
fn header_line_names_every_column() {
    let bytes = encode_rows(&[example_charge()], &WITH_HEADER).unwrap();
    assert_eq!(
        std::str::from_utf8(&bytes).unwrap(),
        format!(
            "Id;NombreCliente;Documento;Telefono;Email;Cantidad;Concepto;Importe;Vencimiento;Referencia\n{EXAMPLE_LINE}\n"
        )
    );
    assert_eq!(
        decode_rows::<Charge>(&bytes, &WITH_HEADER).unwrap(),
        vec![example_charge()]
    );
}

#[test]
fn no_rows_no_bytes() {
    assert!(encode_rows::<Charge>(&[], &SEMICOLON).unwrap().is_empty());
}

#[test]
fn values_the_format_cannot_carry_are_refused() {
    for (value, shown) in [
        ("Barros; Fabian", "';'"),
        ("Fabian \"Fabi\" Barros", "'\"'"),
        ("Fabian\nBarros", "'\\n'"),
        ("Fabian\rBarros", "'\\r'"),
    ] {
        let bad = Charge {
            name: value.into(),
            ..example_charge()
        };
        let err = encode_rows(&[example_charge(), bad], &SEMICOLON).unwrap_err();
        assert_eq!(
            err,
            CsvError::Field {
                row: Some(1),
                column: "NombreCliente".into(),
                reason: format!("contains {shown}, which this CSV format cannot carry"),
            }
        );
        if value.contains(';') {
            assert_eq!(
                err.to_string(),
                "rows[1].NombreCliente: contains ';', which this CSV format cannot carry"
            );
        }
    }
}

#[tokio::test]
async fn refused_rows_produce_no_upload() {
    let bad = Charge {
        concept: "a;b".into(),
        ..example_charge()
    };
    let input: CsvInput<Charge> = vec![example_charge(), bad].into();
    let err = input.into_bytes(&SEMICOLON).await.unwrap_err();
    assert!(
        matches!(err, CsvError::Field { row: Some(1), ref column, .. } if column == "Concepto")
    );
    // Generated code turns it into `Error::Csv` before anything is sent.
    let e: Error<Infallible> = Error::Csv(err);
    assert!(!e.outcome_unknown());
    assert_eq!(
        e.to_string(),
        "rows[1].Concepto: contains ';', which this CSV format cannot carry"
    );
}

#[test]
fn windows_1252_writing() {
    let bytes = encode_rows(&[names("Peña", "Müller €")], &CP1252).unwrap();
    assert_eq!(&bytes[..], b"Pe\xF1a;M\xFCller \x80\n");
    assert_eq!(
        decode_rows::<Names>(&bytes, &CP1252).unwrap(),
        vec![names("Peña", "Müller €")]
    );

    for (value, c) in [("Łukasz", 'Ł'), ("ok 😀", '😀')] {
        let err = encode_rows(&[names("Ana", value)], &CP1252).unwrap_err();
        match err {
            CsvError::Field {
                row: Some(0),
                column,
                reason,
            } => {
                assert_eq!(column, "Apellido");
                assert!(reason.contains(&format!("{c:?}")), "{reason}");
                assert!(reason.contains("Windows-1252"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // UTF-8 writes anything.
    let bytes = encode_rows(&[names("Łukasz", "😀")], &SEMICOLON).unwrap();
    assert_eq!(&bytes[..], "Łukasz;😀\n".as_bytes());
}

// ---------------------------------------------------------------------------
// Reading

#[test]
fn utf8_and_windows_1252_are_both_read() {
    let utf8 = "Peña;Núñez\n".as_bytes();
    let cp1252 = b"Pe\xF1a;N\xFA\xF1ez\n";
    let expected = vec![names("Peña", "Núñez")];
    assert_eq!(decode_rows::<Names>(utf8, &SEMICOLON).unwrap(), expected);
    assert_eq!(decode_rows::<Names>(cp1252, &SEMICOLON).unwrap(), expected);

    // The encoding is decided per record: one file may mix both.
    let mut mixed = utf8.to_vec();
    mixed.extend_from_slice(cp1252);
    assert_eq!(
        decode_rows::<Names>(&mixed, &SEMICOLON).unwrap(),
        vec![names("Peña", "Núñez"), names("Peña", "Núñez")]
    );

    // Never a silent U+FFFD: a format that only allows UTF-8 refuses it.
    let err = decode_rows::<Names>(cp1252, &UTF8_ONLY).unwrap_err();
    assert_eq!(
        err,
        CsvError::Record {
            row: 0,
            message: "the record cannot be decoded as UTF-8".into()
        }
    );
}

#[test]
fn rows_with_and_without_omittable_columns() {
    let body =
        format!("{EXAMPLE_LINE}\r\n{EXAMPLE_LINE};2018-05-31;REF-9\r\n\r\n\n{EXAMPLE_LINE};;\r\n");
    let rows = decode_rows::<Charge>(body.as_bytes(), &SEMICOLON).unwrap();
    assert_eq!(
        rows,
        vec![example_charge(), charge_with_tail(), example_charge()]
    );
}

#[test]
fn bom_header_crlf_and_no_final_newline() {
    let body = format!(
        "\u{FEFF}Id;NombreCliente;Documento;Telefono;Email;Cantidad;Concepto;Importe\r\n{EXAMPLE_LINE}"
    );
    let rows = decode_rows::<Charge>(body.as_bytes(), &WITH_HEADER).unwrap();
    assert_eq!(rows, vec![example_charge()]);
    assert!(decode_rows::<Charge>(b"", &WITH_HEADER).unwrap().is_empty());
    assert!(decode_rows::<Charge>(b"\r\n\n", &SEMICOLON)
        .unwrap()
        .is_empty());
}

#[test]
fn quoted_fields_are_read() {
    let body = b"\"Barros; Fabian\";\"dice \"\"hola\"\"\"\n";
    assert_eq!(
        decode_rows::<Names>(body, &SEMICOLON).unwrap(),
        vec![names("Barros; Fabian", "dice \"hola\"")]
    );
}

#[test]
fn wrong_field_count_names_the_row() {
    let body = format!("{EXAMPLE_LINE}\n176;Fabian Barros;1137465298;45674567;x;5;Colonia\n");
    let err = decode_rows::<Charge>(body.as_bytes(), &SEMICOLON).unwrap_err();
    assert_eq!(
        err,
        CsvError::Record {
            row: 1,
            message: "expected 10 or 8 fields, found 7".into()
        }
    );
    assert_eq!(err.to_string(), "rows[1]: expected 10 or 8 fields, found 7");

    let err = decode_rows::<Names>(b"a;b;c\n", &SEMICOLON).unwrap_err();
    assert_eq!(err.to_string(), "rows[0]: expected 2 fields, found 3");
}

#[test]
fn a_bad_decimal_names_the_column() {
    let body = EXAMPLE_LINE.replace("1322.10", "1.322,10");
    let err = decode_rows::<Charge>(body.as_bytes(), &SEMICOLON).unwrap_err();
    match &err {
        CsvError::Record { row: 0, message } => {
            assert!(
                message.starts_with("column Importe: `1.322,10` is not a valid value"),
                "{message}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    let body = EXAMPLE_LINE.replace("Fabian Barros", "");
    let err = decode_rows::<Charge>(body.as_bytes(), &SEMICOLON).unwrap_err();
    assert_eq!(
        err.to_string(),
        "rows[0]: column NombreCliente: is required"
    );
}

#[test]
fn field_helpers() {
    let fields: Vec<std::borrow::Cow<str>> =
        vec!["a\r".into(), "".into(), " 12 ".into(), "x y ".into()];
    assert_eq!(field_text(&fields, 0).as_deref(), Some("a"));
    assert_eq!(field_text(&fields, 1), None);
    assert_eq!(field_text(&fields, 3).as_deref(), Some("x y "));
    assert_eq!(field_text(&fields, 9), None);
    assert_eq!(field_parse::<i64>(&fields, 2, "n").unwrap(), Some(12));
    assert_eq!(field_parse::<Decimal>(&fields, 1, "n").unwrap(), None);
    assert_eq!(field_parse::<i64>(&fields, 9, "n").unwrap(), None);
    let err = field_parse::<i64>(&fields, 3, "Cantidad").unwrap_err();
    assert_eq!(err.column, "Cantidad");
    assert!(err.message.contains("`x y`"), "{}", err.message);
}

// ---------------------------------------------------------------------------
// Input

#[tokio::test]
async fn inputs_give_bytes() {
    let rows: CsvInput<Charge> = vec![example_charge()].into();
    assert_eq!(format!("{rows:?}"), "Rows(1 rows)");
    assert_eq!(
        &rows.clone().into_bytes(&SEMICOLON).await.unwrap()[..],
        format!("{EXAMPLE_LINE}\n").as_bytes()
    );

    // The caller's own bytes are sent unchanged, even with CRLF or quotes.
    let own = Bytes::from_static(b"x;\"y\"\r\n");
    let input: CsvInput<Charge> = own.clone().into();
    assert_eq!(format!("{input:?}"), "Bytes(7 bytes)");
    assert_eq!(input.into_bytes(&SEMICOLON).await.unwrap(), own);

    let dir = std::env::temp_dir().join(format!("pasarela-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cobros.csv");
    std::fs::write(&path, b"Pe\xF1a;1\n").unwrap();
    let input: CsvInput<Charge> = path.as_path().into();
    assert_eq!(
        &input.into_bytes(&SEMICOLON).await.unwrap()[..],
        b"Pe\xF1a;1\n"
    );
    let missing = dir.join("missing.csv");
    let err = CsvInput::<Charge>::from(missing.clone())
        .into_bytes(&SEMICOLON)
        .await
        .unwrap_err();
    match err {
        CsvError::Io(message) => assert!(message.contains("missing.csv"), "{message}"),
        other => panic!("unexpected {other:?}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------
// Streaming from any source

/// A byte stream fed through a channel, so a test controls when each chunk
/// arrives and when the source ends.
fn channel_stream() -> (
    tokio::sync::mpsc::UnboundedSender<Result<Bytes, String>>,
    impl futures_util::Stream<Item = Result<Bytes, String>> + Send + 'static,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (tx, stream)
}

#[tokio::test]
async fn rows_arrive_before_the_source_ends() {
    let (tx, source) = channel_stream();
    let mut stream = CsvStream::<Names>::from_stream(source, &SEMICOLON);

    // A BOM and a multi-byte character split over tiny chunks.
    let first = "\u{FEFF}Peña;Núñez\n".as_bytes();
    for chunk in first.chunks(1) {
        tx.send(Ok(Bytes::copy_from_slice(chunk))).unwrap();
    }
    tx.send(Ok(Bytes::from_static(b"Ana;G"))).unwrap();
    let row = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("the first row is yielded while the source is still open");
    assert_eq!(row.unwrap().unwrap(), names("Peña", "Núñez"));
    assert_eq!(stream.rows_read(), 1);

    // The second record is incomplete: nothing yet.
    assert!(
        tokio::time::timeout(Duration::from_millis(50), stream.next())
            .await
            .is_err()
    );
    tx.send(Ok(Bytes::from_static(
        b"il\r\nonly-one-field-with;too;many\n",
    )))
    .unwrap();
    tx.send(Ok(Bytes::from_static(b"Luis;P\xE9rez"))).unwrap();
    drop(tx);

    let mut rest = Vec::new();
    while let Some(item) = stream.next().await {
        rest.push(item);
    }
    assert_eq!(rest.len(), 3);
    assert_eq!(rest[0].as_ref().unwrap(), &names("Ana", "Gil"));
    assert_eq!(
        rest[1].as_ref().unwrap_err().to_string(),
        "rows[2]: expected 2 fields, found 3"
    );
    assert_eq!(rest[2].as_ref().unwrap(), &names("Luis", "Pérez"));
    assert_eq!(stream.rows_read(), 4);
    assert!(stream.next().await.is_none());
    assert_eq!(stream.file_name(), None);
}

#[tokio::test]
async fn a_failing_source_ends_the_stream() {
    let (tx, source) = channel_stream();
    let mut stream = CsvStream::<Names>::from_stream(source, &SEMICOLON);
    tx.send(Ok(Bytes::from_static(b"Ana;Gil\nLu"))).unwrap();
    tx.send(Err("connection reset".to_owned())).unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), names("Ana", "Gil"));
    match stream.next().await {
        Some(Err(CsvError::Io(message))) => assert!(message.contains("connection reset")),
        other => panic!("unexpected {other:?}"),
    }
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn large_input_in_small_chunks() {
    let mut body = String::from("Nombre;Apellido\n");
    for i in 0..5_000 {
        body.push_str(&format!("n{i};a{i}\r\n"));
    }
    let chunks: Vec<Result<Bytes, Infallible>> = body
        .as_bytes()
        .chunks(7)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let mut stream =
        CsvStream::<Names>::from_stream(futures_util::stream::iter(chunks), &WITH_HEADER);
    let mut n = 0;
    while let Some(row) = stream.next().await {
        let row = row.unwrap();
        assert_eq!(row.first, format!("n{n}"));
        n += 1;
    }
    assert_eq!(n, 5_000);
    assert!(format!("{stream:?}").contains("rows_read: 5000"));
}

#[tokio::test]
async fn a_streamed_record_that_never_ends_stops_at_the_record_limit() {
    use pasarela_runtime::csv::{CsvStream, MAX_RECORD_BYTES};
    // An endless body of one record: 64 KiB chunks without a line break.
    let chunk = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
    let endless = futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
    let mut rows: CsvStream<Names> = CsvStream::from_stream(endless, &SEMICOLON);
    match rows.next().await {
        Some(Err(e)) => assert!(e.to_string().contains(&MAX_RECORD_BYTES.to_string()), "{e}"),
        other => panic!("expected the record limit, got {other:?}"),
    }
    assert!(rows.next().await.is_none(), "the stream is finished");
}

#[test]
fn formula_guard_is_opt_in_and_marks_only_formula_starts() {
    use pasarela_runtime::csv::guard_formula;
    assert_eq!(guard_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(guard_formula("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(guard_formula("+5491137465298"), "'+5491137465298");
    assert_eq!(guard_formula("-2"), "'-2");
    assert_eq!(guard_formula("\tx"), "'\tx");
    assert_eq!(guard_formula("Fabian Barros"), "Fabian Barros");
    assert_eq!(guard_formula(""), "");
}
