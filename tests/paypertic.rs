//! The PayPerTIC client against a local HTTP server: the CSV import written
//! from typed rows (byte for byte the example file in tests/fixtures), the text
//! results, exports in UTF-8 and Windows-1252, streaming, the carrier
//! operations, and the secret `hash` kept out of everything shown.

mod support;

use pasarela::paypertic::{errors, types, Client};
use pasarela::runtime::csv::{self, CsvFormat, TextEncoding};
use pasarela::{Decimal, Error};
use std::path::PathBuf;
use support::{api_requests, describe_request, multipart_part, redact};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Made-up credentials, UUID-shaped like the real ones.
const HASH: &str = "11111111-2222-4333-8444-555555555555";
const CARRIER_HASH: &str = "99999999-8888-4777-8666-555555555555";

/// The example import file in `tests/fixtures`: made-up rows in the documented
/// format (accents, empty optional columns, decimals, the two trailing
/// optional columns on some rows).
fn fixture(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file)
}

/// The example import file, read as import rows.
fn example_rows() -> (Vec<u8>, Vec<types::Cobranza>) {
    static FORMAT: CsvFormat = CsvFormat {
        separator: b';',
        header: false,
        encodings: &[TextEncoding::Utf8],
        file_name: "x.csv",
    };
    let bytes = std::fs::read(fixture("cobranzas.csv")).expect("tests/fixtures/cobranzas.csv");
    let rows = csv::decode_rows(&bytes, &FORMAT).expect("the example file reads as typed rows");
    (bytes, rows)
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .hash_api_key(HASH)
        .carrier_hash_api_key(CARRIER_HASH)
        .build()
        .expect("client builds")
}

async fn answer(server: &MockServer, verb: &str, at: &str, body: impl Into<Vec<u8>>) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(body.into(), "text/plain; charset=utf-8"),
        )
        .mount(server)
        .await;
}

fn shown(request: &wiremock::Request) -> String {
    redact(&redact(&describe_request(request), HASH), CARRIER_HASH)
}

#[tokio::test]
async fn import_writes_the_example_rows_as_the_example_file() {
    let (file, rows) = example_rows();
    assert_eq!(rows.len(), 22);
    assert_eq!(
        rows[1].monto,
        "1322.10".parse::<Decimal>().expect("decimal")
    );
    assert_eq!(rows[21].monto, "0.01".parse::<Decimal>().expect("decimal"));
    // Accents, empty optional columns and the trailing optional pair.
    assert_eq!(rows[5].nombre_cliente, "Tomás González");
    assert_eq!(rows[6].celular_cliente, None);
    assert_eq!(rows[7].descripcion_concepto, None);
    assert_eq!(rows[16].opcional1.as_deref(), Some("socia-32"));
    assert_eq!(
        (rows[18].opcional1.as_deref(), rows[18].opcional2.as_deref()),
        (None, Some("grupo A"))
    );
    assert_eq!(
        (rows[0].opcional1.as_deref(), rows[0].opcional2.as_deref()),
        (None, None)
    );
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/cobranzas/importar/csv",
        "OK: 201805 - 22 registros importados",
    )
    .await;
    let result = client(&server)
        .importar_cobranzas(rows)
        .await
        .expect("imported");
    assert_eq!(result.periodo, "201805");
    assert_eq!(result.importados, 22);
    assert_eq!(result.fallidos, None);

    let requests = api_requests(&server).await;
    assert_eq!(requests.len(), 1);
    // The CSV the server received is the example file, byte for byte.
    assert_eq!(
        multipart_part(&requests[0], "file").expect("file part"),
        file
    );
    // The hash went as a form field, and is redacted in what we show.
    assert_eq!(
        multipart_part(&requests[0], "hash").expect("hash part"),
        HASH.as_bytes()
    );
    let description = shown(&requests[0]);
    assert!(!description.contains(HASH));
    insta::assert_snapshot!(description);
}

#[tokio::test]
async fn import_reports_failed_rows_liberally_worded() {
    for body in [
        "OK: 201805 - 20 registros importados - 2 registros fallidos",
        "OK:201805 -  20 registros importados -  2 registros fallidos/por errores de formato\r\n",
        "  ok: 201805 - 20 importados - 2 fallidos \n",
    ] {
        let server = MockServer::start().await;
        answer(&server, "POST", "/cobranzas/importar/csv", body).await;
        let (_, rows) = example_rows();
        let result = client(&server).importar_cobranzas(rows).await.expect(body);
        assert_eq!(
            (result.periodo.as_str(), result.importados, result.fallidos),
            ("201805", 20, Some(2)),
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn import_error_is_a_typed_api_error_and_garbage_an_unknown_outcome() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/cobranzas/importar/csv",
        "ERROR: Formato de archivo invalido",
    )
    .await;
    let (_, rows) = example_rows();
    let err = client(&server)
        .importar_cobranzas(rows.clone())
        .await
        .expect_err("error");
    match &err {
        Error::Api {
            status: 200,
            error: errors::ImportarCobranzasError::Rejected(e),
            ..
        } => {
            assert_eq!(e.text, "Formato de archivo invalido");
        }
        other => panic!("expected the API's ERROR text, got {other:?}"),
    }

    let server = MockServer::start().await;
    answer(&server, "POST", "/cobranzas/importar/csv", "OKAY maybe").await;
    let err = client(&server)
        .importar_cobranzas(rows)
        .await
        .expect_err("not OK");
    // Importing is send-once (`x-pasarela-send-once`: each row creates a
    // charge), so a 2xx answer that cannot be read leaves the import's
    // outcome unknown; the reason keeps what the server said.
    assert!(
        matches!(&err, Error::OutcomeUnknown { status: Some(200), reason, .. } if reason.contains("OKAY maybe")),
        "{err:?}"
    );
}

#[tokio::test]
async fn import_accepts_the_callers_own_bytes_and_file() {
    let (file, _) = example_rows();
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/cobranzas/importar/csv",
        "OK: 201805 - 22 registros importados",
    )
    .await;
    let client = client(&server);
    client
        .importar_cobranzas(pasarela::runtime::bytes::Bytes::from(file.clone()))
        .await
        .expect("bytes");
    client
        .importar_cobranzas(fixture("cobranzas.csv"))
        .await
        .expect("path");
    for request in api_requests(&server).await {
        assert_eq!(multipart_part(&request, "file").expect("file part"), file);
    }
}

#[tokio::test]
async fn a_field_that_cannot_be_written_is_rejected_before_sending() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/cobranzas/importar/csv",
        "OK: 1 - 1 registros importados",
    )
    .await;
    let (_, mut rows) = example_rows();
    rows[2].descripcion_concepto = Some("Cuota; futbol".into());
    let err = client(&server)
        .importar_cobranzas(rows.clone())
        .await
        .expect_err("rejected");
    let text = err.to_string();
    assert!(
        text.contains("rows[2]") && text.contains("DescripcionConcepto"),
        "{text}"
    );
    rows[2].descripcion_concepto = None;
    rows[4].nombre_cliente = "Fabian\nBarros".into();
    let text = client(&server)
        .importar_cobranzas(rows)
        .await
        .expect_err("rejected")
        .to_string();
    assert!(
        text.contains("rows[4]") && text.contains("NombreCliente"),
        "{text}"
    );
    assert!(api_requests(&server).await.is_empty(), "nothing was sent");
}

/// An export body: the import's columns plus state and rejection reason.
const EXPORT_UTF8: &str = "OK: CSV plano\n176;Ana Peña;1137465298;45674567;ana@x.com.ar;1;Cuota social;99;socio-12;grupo A;PAGADO;\n177;José Núñez;;;jose@x.com.ar;5;Colonia;1322.10;RECHAZADO;Tarjeta vencida\n";

#[tokio::test]
async fn export_by_get_sends_every_filter_as_query_and_reads_rows_with_and_without_optionals() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cobranzas/exportar/csv"))
        .and(query_param("periodo", "*"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(EXPORT_UTF8.as_bytes().to_vec(), "text/csv"),
        )
        .mount(&server)
        .await;
    let rows = client(&server)
        .exportar_cobranzas()
        .periodo("*")
        .id_cliente("176")
        .id_concepto("1")
        .opcional1("socio-12")
        .opcional2("grupo A")
        .await
        .expect("rows");
    insta::assert_snapshot!(shown(&api_requests(&server).await[0]));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].nombre_cliente, "Ana Peña");
    assert_eq!(rows[0].opcional2.as_deref(), Some("grupo A"));
    assert_eq!(rows[0].estado.as_deref(), Some("PAGADO"));
    assert_eq!(rows[1].nombre_cliente, "José Núñez");
    assert_eq!(rows[1].opcional1, None);
    assert_eq!(rows[1].estado.as_deref(), Some("RECHAZADO"));
    assert_eq!(rows[1].motivo_rechazo.as_deref(), Some("Tarjeta vencida"));
    assert_eq!(
        rows[1].monto,
        "1322.10".parse::<Decimal>().expect("decimal")
    );
}

#[tokio::test]
async fn export_by_post_sends_every_filter_as_a_form() {
    let server = MockServer::start().await;
    answer(&server, "POST", "/cobranzas/exportar/csv", EXPORT_UTF8).await;
    answer(&server, "GET", "/cobranzas/exportar/csv", EXPORT_UTF8).await;
    // The GET and POST forms take the same filter calls.
    let rows = client(&server)
        .exportar_cobranzas_post()
        .periodo("201805")
        .id_cliente("176")
        .id_concepto("1")
        .opcional1("socio-12")
        .opcional2("grupo A")
        .await
        .expect("rows");
    assert_eq!(rows.len(), 2);
    client(&server)
        .exportar_cobranzas()
        .periodo("201805")
        .id_cliente("176")
        .id_concepto("1")
        .opcional1("socio-12")
        .opcional2("grupo A")
        .await
        .expect("rows");
    let requests = api_requests(&server).await;
    let request = &requests[0];
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect();
    assert!(
        form.contains(&("hash".into(), HASH.into())),
        "the hash is a form field"
    );
    let query: Vec<(String, String)> = requests[1]
        .url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "hash")
        .collect();
    let form_filters: Vec<(String, String)> =
        form.iter().filter(|(k, _)| k != "hash").cloned().collect();
    assert_eq!(
        form_filters, query,
        "the same filters, by form and by query"
    );
    insta::assert_snapshot!(shown(request));
}

#[tokio::test]
async fn a_windows_1252_export_decodes_accented_names() {
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode("176;Ana Peña;;;ana@x.com.ar;1;Cuota;99;PAGADO;\r\n177;José Núñez;;;jose@x.com.ar;1;Cuota;99;PENDIENTE;\r\n");
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/cobranzas/exportar/csv",
        bytes.into_owned(),
    )
    .await;
    let rows = client(&server).exportar_cobranzas().await.expect("rows");
    assert_eq!(rows[0].nombre_cliente, "Ana Peña");
    assert_eq!(rows[1].nombre_cliente, "José Núñez");
}

#[tokio::test]
async fn an_export_error_is_a_typed_api_error() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/cobranzas/exportar/csv",
        "ERROR: Hash invalido",
    )
    .await;
    let err = client(&server)
        .exportar_cobranzas()
        .await
        .expect_err("error");
    assert!(
        matches!(&err, Error::Api { error: errors::ExportarCobranzasError::Rejected(e), .. } if e.text == "Hash invalido"),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains(HASH));
}

#[tokio::test]
async fn an_export_of_100000_rows_is_streamed() {
    let mut body = String::with_capacity(100_000 * 64);
    for i in 0..100_000 {
        body.push_str(&format!(
            "{i};Cliente {i};;;c{i}@x.com.ar;1;Cuota;{}.50;PAGADO;\n",
            i % 1000
        ));
    }
    let server = MockServer::start().await;
    answer(&server, "GET", "/cobranzas/exportar/csv", body).await;
    let mut stream = client(&server)
        .exportar_cobranzas()
        .periodo("*")
        .send_stream()
        .await
        .expect("stream");
    let mut count = 0usize;
    let mut total = Decimal::ZERO;
    while let Some(row) = stream.next().await {
        let row = row.expect("row");
        total += row.monto;
        count += 1;
    }
    assert_eq!(count, 100_000);
    assert_eq!(total, "50000000".parse::<Decimal>().expect("decimal"));
}

#[tokio::test]
async fn a_download_keeps_its_file_name_as_rows_or_bytes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/cobranzas/descargar/csv"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(EXPORT_UTF8.as_bytes().to_vec(), "text/csv")
                .insert_header(
                    "Content-Disposition",
                    "attachment; filename=\"cobranzas-201805.csv\"",
                ),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let download = client
        .descargar_cobranzas()
        .periodo("201805")
        .await
        .expect("download");
    assert_eq!(download.file_name.as_deref(), Some("cobranzas-201805.csv"));
    assert_eq!(download.content.len(), 2);
    let raw = client
        .descargar_cobranzas()
        .send_bytes()
        .await
        .expect("bytes");
    assert_eq!(raw.file_name.as_deref(), Some("cobranzas-201805.csv"));
    assert!(
        raw.content.starts_with(b"176;Ana Pe"),
        "the OK line is dropped, the rest kept as sent"
    );
}

fn institution() -> types::NuevaInstitucion {
    types::NuevaInstitucion {
        cuit: "30123456789".into(),
        nombre: "Super Producciones SRL".into(),
        mail: "admin@superprod.example".into(),
        domicilio: "Cucha Cucha 1234 - C.A.B.A.".into(),
        telefono: "(011)47860098".into(),
        smtpuser: "cobranzas".into(),
        smtppass: "smtp-password-value".into(),
        smtphost: "smtp.superprod.example".into(),
        smtpport: None,
        resp_nombre: Some("Juan González".into()),
        resp_cargo: None,
        resp_mail: None,
        resp_telefono: None,
        ante_iva: Some("0".into()),
    }
}

#[tokio::test]
async fn crear_institucion_answers_a_secret_hash() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/carrier/institucion/crear",
        "abcdef01-2345-4678-9abc-def012345678\n",
    )
    .await;
    let body = institution();
    assert!(
        !format!("{body:?}").contains("smtp-password-value"),
        "smtppass is a secret"
    );
    let hash = client(&server)
        .crear_institucion(body)
        .await
        .expect("created");
    assert_eq!(hash.expose(), "abcdef01-2345-4678-9abc-def012345678");
    assert!(!format!("{hash:?} {hash}").contains("abcdef01"));
    let request = &api_requests(&server).await[0];
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect();
    assert!(
        form.contains(&("hash".into(), CARRIER_HASH.into())),
        "the carrier's hash is used"
    );
    assert!(form.contains(&("smtppass".into(), "smtp-password-value".into())));
    insta::assert_snapshot!(redact(&shown(request), "smtp-password-value"));
}

#[tokio::test]
async fn ver_hash_by_get_and_post_and_an_unknown_cuit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/carrier/institucion/ver_hash"))
        .and(query_param("cuit", "30123456789"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("abcdef01-2345-4678-9abc-def012345678"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/carrier/institucion/ver_hash"))
        .and(query_param("cuit", "20111111112"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("ERROR: El CUIT no está registrado"),
        )
        .mount(&server)
        .await;
    answer(
        &server,
        "POST",
        "/carrier/institucion/ver_hash",
        "abcdef01-2345-4678-9abc-def012345678",
    )
    .await;
    let client = client(&server);
    let hash = client.ver_hash("30123456789").await.expect("hash");
    assert_eq!(hash.expose(), "abcdef01-2345-4678-9abc-def012345678");
    let get = &api_requests(&server).await[0];
    assert_eq!(
        get.url
            .query_pairs()
            .find(|(k, _)| k == "hash")
            .map(|(_, v)| v.into_owned()),
        Some(CARRIER_HASH.to_string())
    );
    insta::assert_snapshot!(shown(get));

    let err = client
        .ver_hash("20111111112")
        .await
        .expect_err("not registered");
    match &err {
        Error::Api {
            error: errors::VerHashError::Rejected(e),
            ..
        } => assert_eq!(e.text, "El CUIT no está registrado"),
        other => panic!("expected the API's error, got {other:?}"),
    }
    let hash = client.ver_hash_post("30123456789").await.expect("post");
    assert_eq!(hash.expose().len(), 36);
}

#[tokio::test]
async fn a_cuit_that_is_not_11_digits_is_rejected_before_sending() {
    let server = MockServer::start().await;
    let client = client(&server);
    for cuit in ["30-12345678-9", "3012345678", "301234567890"] {
        let err = client.ver_hash(cuit).await.expect_err("invalid");
        assert!(
            matches!(&err, Error::Validation(v) if v.problems.iter().any(|p| p.path == "cuit")),
            "{err:?}"
        );
        let mut body = institution();
        body.cuit = cuit.into();
        assert!(matches!(
            client.crear_institucion(body).await,
            Err(Error::Validation(_))
        ));
    }
    assert!(api_requests(&server).await.is_empty(), "nothing was sent");
}

#[test]
fn plain_http_to_a_remote_host_needs_an_explicit_opt_in() {
    // The documented base URL is http://pagos.paypertic.com/api2.
    let err = Client::builder()
        .hash_api_key(HASH)
        .build()
        .expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("allow_insecure_http"),
        "the error says how to opt in: {text}"
    );
    assert!(!text.contains(HASH));
    Client::builder()
        .hash_api_key(HASH)
        .allow_insecure_http(true)
        .build()
        .expect("opted in");
    Client::builder()
        .base_url("https://pagos.example.com/api2")
        .hash_api_key(HASH)
        .build()
        .expect("https is fine");
}

#[test]
fn the_hash_never_appears_in_debug() {
    let builder = Client::builder()
        .base_url("https://pagos.example.com/api2")
        .hash_api_key(HASH);
    assert!(!format!("{builder:?}").contains(HASH));
    let client = builder.build().expect("builds");
    assert!(!format!("{client:?}").contains(HASH));
}

/// The export really is read as it arrives: the server sends the first rows,
/// then waits until the client has decoded one before sending the other
/// 99,000. A client that buffered the whole body would never see a row.
#[tokio::test]
async fn the_first_exported_row_arrives_before_the_body_ends() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (first_row_seen, wait_for_client) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.expect("read");
            if n == 0 {
                return false;
            }
            request.extend_from_slice(&buf[..n]);
        }
        let chunk = |from: usize, to: usize| {
            let rows: String = (from..to)
                .map(|i| format!("{i};Cliente {i};;;c{i}@x.com.ar;1;Cuota;1.00;PAGADO;\n"))
                .collect();
            format!("{:x}\r\n{rows}\r\n", rows.len())
        };
        let head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.expect("write");
        socket
            .write_all(chunk(0, 1_000).as_bytes())
            .await
            .expect("write");
        socket.flush().await.expect("flush");
        // Nothing more until the client has decoded a row.
        if tokio::time::timeout(std::time::Duration::from_secs(10), wait_for_client)
            .await
            .is_err()
        {
            return false;
        }
        for start in (1_000..100_000).step_by(5_000) {
            socket
                .write_all(chunk(start, (start + 5_000).min(100_000)).as_bytes())
                .await
                .expect("write");
        }
        socket.write_all(b"0\r\n\r\n").await.expect("write");
        true
    });
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .hash_api_key(HASH)
        .build()
        .expect("client");
    let mut stream = client
        .exportar_cobranzas()
        .send_stream()
        .await
        .expect("headers arrive first");
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next())
        .await
        .expect("a row before the body ends")
        .expect("a row")
        .expect("decodes");
    assert_eq!(first.id_cliente, "0");
    first_row_seen.send(()).expect("server waiting");
    let mut count = 1;
    while let Some(row) = stream.next().await {
        row.expect("row");
        count += 1;
    }
    assert_eq!(count, 100_000);
    assert!(
        server.await.expect("server task"),
        "the server saw the client read early"
    );
}

#[tokio::test]
async fn an_html_page_answered_with_200_is_not_taken_for_a_hash() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/carrier/institucion/ver_hash",
        "<html><body>Portal cautivo: inicie sesión</body></html>",
    )
    .await;
    let err = client(&server)
        .ver_hash("30123456789")
        .await
        .expect_err("an HTML page is not a hash");
    assert!(matches!(&err, Error::Decode { status: 200, .. }), "{err:?}");
}

#[tokio::test]
async fn a_missing_credential_names_the_generated_builder_method() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .base_url(server.uri())
        .build()
        .expect("builds without credentials");
    let err = client
        .ver_hash("30123456789")
        .await
        .expect_err("no carrier hash configured");
    let text = err.to_string();
    // The method that exists on this client's builder, not the runtime's.
    assert!(text.contains(".carrier_hash_api_key(key)"), "{text}");
    assert!(!text.contains(".api_key(\""), "{text}");
    assert!(api_requests(&server).await.is_empty(), "nothing was sent");
}
