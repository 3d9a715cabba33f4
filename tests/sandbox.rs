//! The generated clients against the sandbox serving their own spec
//! (`pasarela_gen::sandbox`): every operation answered with the spec's
//! examples and decoded; strict validation, `Prefer`, scripted faults and
//! the request log seen from a client.

use std::time::Duration;

use pasarela::{acreditaciones, tigo_billing};
use pasarela_gen::sandbox::{Sandbox, Validation};
use serde_json::Value;

const TIGO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/tigo-billing-v2.yaml");
const ACREDITACIONES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/acreditaciones.yaml");

fn example(spec: &str, schema: &str) -> Value {
    let text = std::fs::read_to_string(spec).expect("spec");
    let doc: Value = serde_yaml::from_str(&text).expect("yaml");
    doc["components"]["schemas"][schema]["example"].clone()
}

async fn tigo(sandbox: &Sandbox) -> tigo_billing::Client {
    tigo_billing::Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_http(true)
        .oauth2_client_credentials("sandbox-id", "sandbox-secret")
        .oauth2_token_url(
            sandbox
                .token_url("application")
                .expect("the spec's token URL"),
        )
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .expect("client builds")
}

/// Calls every Tigo operation once; the contract `get_contract` answered.
async fn every_tigo_operation(
    client: &tigo_billing::Client,
) -> tigo_billing::types::ContractsDetails {
    let checkout: tigo_billing::types::CheckoutPaymentRequest =
        serde_json::from_value(example(TIGO, "CheckoutPaymentRequest")).expect("example fits");

    let contract = client
        .get_contract("0012345678")
        .await
        .expect("get_contract");
    client
        .list_customer_contracts("CC", "0044")
        .await
        .expect("list_customer_contracts");
    let bills = client
        .list_bills("0012345678")
        .quantity(3)
        .await
        .expect("list_bills");
    assert!(!bills.is_empty());
    client
        .list_bill_payments("0012345678", "909501941-90")
        .await
        .expect("list_bill_payments");
    client
        .get_party_characteristics("CC", "0044", "0012345678", "plusCustomer")
        .await
        .expect("get_party_characteristics");
    client
        .checkout_payment("CC", "0044", checkout.clone())
        .await
        .expect("checkout_payment");
    client
        .register_payments("CC", "0044", checkout)
        .await
        .expect("register_payments");
    client
        .validate_payment("P-1")
        .await
        .expect("validate_payment");
    client
        .validate_coupon_payment("C-1", "7")
        .await
        .expect("validate_coupon_payment");

    contract
}

#[tokio::test]
async fn every_tigo_operation_is_answered_with_its_example_and_decoded() {
    let sandbox = Sandbox::start(TIGO, Validation::Strict)
        .await
        .expect("starts");
    let client = tigo(&sandbox).await;
    let contract = every_tigo_operation(&client).await;
    assert_eq!(
        serde_json::to_value(&contract).expect("encodes"),
        example(TIGO, "ContractsDetails"),
        "the spec's example, decoded"
    );

    let log = sandbox.requests();
    let answered: Vec<&str> = log.iter().filter_map(|r| r.operation.as_deref()).collect();
    assert_eq!(
        answered.len(),
        9,
        "one request per operation (the token request is not one): {answered:?}"
    );
    assert!(
        log.iter().all(|r| r.status == 200 && r.problems.is_empty()),
        "{log:#?}"
    );
    // The bearer token never reaches the log.
    let shown = format!("{log:?}");
    assert!(!shown.contains("sandbox-token"), "{shown}");
    assert!(!shown.contains("sandbox-secret"), "{shown}");
}

/// Calls both Acreditaciones operations once, with the spec's requests.
/// The sandbox pages `list_customer_contracts` as the spec declares it,
/// and the client's `.items()` streams across its pages to the end.
#[tokio::test]
async fn tigo_contracts_stream_across_the_sandboxs_pages() {
    let sandbox = Sandbox::start(TIGO, Validation::Strict)
        .await
        .expect("starts");
    let client = tigo(&sandbox).await;
    let mut contracts = client
        .list_customer_contracts("CC", "900123456")
        .num_reg(2)
        .with_options(pasarela::CallOptions::new().header("Prefer", "pages=4"))
        .items();
    let mut count = 0;
    while let Some(contract) = contracts.next().await {
        contract.expect("a contract");
        count += 1;
    }
    assert_eq!(count, 8, "4 pages of 2");
    let pages: Vec<String> = sandbox
        .requests()
        .iter()
        .filter(|r| r.operation.as_deref() == Some("listCustomerContracts"))
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(
        pages,
        [
            "num_reg=2&reg_ini=1",
            "num_reg=2&reg_ini=2",
            "num_reg=2&reg_ini=3",
            "num_reg=2&reg_ini=4",
            "num_reg=2&reg_ini=5",
        ],
        "the fifth page is empty and ends the list"
    );
}

async fn every_acreditaciones_operation(client: &acreditaciones::Client) {
    let crear: acreditaciones::types::CrearAcreditacionRequest =
        serde_json::from_value(example(ACREDITACIONES, "CrearAcreditacionRequest"))
            .expect("example fits");
    let ejecutar: acreditaciones::types::EjecutarAcreditacionRequest =
        serde_json::from_value(example(ACREDITACIONES, "EjecutarAcreditacionRequest"))
            .expect("example fits");
    client
        .crear_acreditacion(crear)
        .await
        .expect("crear_acreditacion");
    client
        .ejecutar_acreditacion(ejecutar)
        .await
        .expect("ejecutar_acreditacion");
}

#[tokio::test]
async fn both_acreditaciones_operations_are_answered_with_their_envelopes() {
    let sandbox = Sandbox::start(ACREDITACIONES, Validation::Strict)
        .await
        .expect("starts");
    let client = acreditaciones::Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_http(true)
        .api_key("sandbox-api-key")
        .build()
        .expect("client builds");
    every_acreditaciones_operation(&client).await;
    let log = sandbox.requests();
    assert_eq!(log.len(), 2);
    // The spec's example is served as written: a partial approval (code 1,
    // WARNING, one collaborator not credited), not steered to success.
    let crear: acreditaciones::types::CrearAcreditacionRequest =
        serde_json::from_value(example(ACREDITACIONES, "CrearAcreditacionRequest"))
            .expect("example fits");
    let answered = client.crear_acreditacion(crear).await.expect("partial");
    assert!(!answered.is_success(), "{answered:?}");
    assert_eq!(answered.data().id_acreditacion, Some(274));
    assert!(log.iter().all(|r| r.problems.is_empty()), "{log:#?}");
    let key = log[0]
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("api-key"))
        .map(|(_, v)| v.as_str());
    assert_eq!(key, Some("***"), "the API key is masked in the log");
}

#[tokio::test]
async fn strict_validation_answers_a_problem_document_naming_what_is_wrong() {
    let sandbox = Sandbox::start(ACREDITACIONES, Validation::Strict)
        .await
        .expect("starts");
    let http = reqwest::Client::new();
    let url = format!("{}/acreditaciones/crear", sandbox.base_url());

    // No API key: 401.
    let answer = http
        .post(&url)
        .header("content-type", "application/json")
        .body(example(ACREDITACIONES, "CrearAcreditacionRequest").to_string())
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 401);
    assert_eq!(
        answer.headers()["content-type"].to_str().ok(),
        Some("application/problem+json")
    );
    let problem: Value = answer.json().await.expect("a problem document");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("credentials missing")),
        "{problem}"
    );

    // A key but a body that misses required fields: 400 naming them.
    let answer = http
        .post(&url)
        .header("content-type", "application/json")
        .header("API-KEY", "k")
        .body(r#"{"acreditacion": {}}"#)
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 400);
    let problem: Value = answer.json().await.expect("a problem document");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("body.acreditacion."), "{problem}");

    // Not JSON at all.
    let answer = http
        .post(&url)
        .header("content-type", "application/json")
        .header("API-KEY", "k")
        .body("{not json")
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 400);
    let problem: Value = answer.json().await.expect("a problem document");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not JSON")),
        "{problem}"
    );

    // Values are read as their types and checked against the constraints:
    // a query parameter that is not an integer, or below its minimum.
    let tigo = Sandbox::start(TIGO, Validation::Strict)
        .await
        .expect("starts");
    let bills = format!("{}/customers/contracts/1/bills", tigo.base_url());
    for (quantity, says) in [
        // `minimum: 0` makes it unsigned.
        (
            "abc",
            "`query.quantity` must be a whole number, not \"abc\"",
        ),
        ("-1", "`query.quantity` must be a whole number, not -1"),
    ] {
        let answer = http
            .get(&bills)
            .query(&[("quantity", quantity)])
            .bearer_auth("t")
            .send()
            .await
            .expect("answered");
        assert_eq!(answer.status().as_u16(), 400, "{quantity}");
        let problem: Value = answer.json().await.expect("a problem document");
        assert!(
            problem["detail"].as_str().is_some_and(|d| d.contains(says)),
            "{quantity}: {problem}"
        );
    }
    // A pattern, in a query parameter and in a form field.
    let paypertic = Sandbox::start(PAYPERTIC, Validation::Strict)
        .await
        .expect("starts");
    let ver_hash = format!("{}/carrier/institucion/ver_hash", paypertic.base_url());
    let answer = http
        .get(&ver_hash)
        .query(&[("cuit", "30-12345678-9"), ("hash", "h")])
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 400);
    let problem: Value = answer.json().await.expect("a problem document");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("`query.cuit` does not match the pattern `^[0-9]{11}$`")),
        "{problem}"
    );
    let answer = http
        .post(&ver_hash)
        .form(&[("cuit", "123"), ("hash", "h")])
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 400);
    let problem: Value = answer.json().await.expect("a problem document");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("`form.cuit` does not match")),
        "{problem}"
    );
    // CSV rows in a multipart part: a short row and an amount that is not one.
    let csv = "176;Ana;;;ana@example.com;1;Cuota;99.00;;\n177;José;x\n178;Juan;;;j@example.com;1;Cuota;mucho;;\n";
    let form = reqwest::multipart::Form::new().text("hash", "h").part(
        "file",
        reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("cobranzas.csv"),
    );
    let answer = http
        .post(format!("{}/cobranzas/importar/csv", paypertic.base_url()))
        .multipart(form)
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 400);
    let problem: Value = answer.json().await.expect("a problem document");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("row 2: expected 10 or 8 fields, found 3"),
        "{problem}"
    );
    assert!(
        detail.contains("row 3: `Monto` must be a decimal number"),
        "{problem}"
    );
    assert!(!detail.contains("row 1"), "{problem}");

    // Off: the same request is answered.
    let lenient = Sandbox::start(ACREDITACIONES, Validation::Off)
        .await
        .expect("starts");
    let answer = http
        .post(format!("{}/acreditaciones/crear", lenient.base_url()))
        .body("{not json")
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 200);
}

#[tokio::test]
async fn prefer_code_picks_a_declared_error_which_the_client_types() {
    let sandbox = Sandbox::start(TIGO, Validation::Strict)
        .await
        .expect("starts");
    let client = tigo(&sandbox).await;
    let err = client
        .get_contract("0012345678")
        .with_options(pasarela::CallOptions::new().header("Prefer", "code=404"))
        .await
        .expect_err("the declared 404");
    assert_eq!(err.status(), Some(404));
    assert!(
        matches!(
            err.api_error(),
            Some(tigo_billing::errors::GetContractError::NotFound(_))
        ),
        "{err:?}"
    );
    // A status without its own response takes the spec's `default` one.
    let err = client
        .get_contract("0012345678")
        .with_options(pasarela::CallOptions::new().header("Prefer", "code=418"))
        .await
        .expect_err("the default response");
    assert!(
        matches!(
            err.api_error(),
            Some(tigo_billing::errors::GetContractError::Other { status: 418, .. })
        ),
        "{err:?}"
    );
    // `Prefer: outcome=error` sets the field that reports an error inside
    // a 200 (`x-pasarela-error-code`), which the client surfaces.
    let checkout: tigo_billing::types::CheckoutPaymentRequest =
        serde_json::from_value(example(TIGO, "CheckoutPaymentRequest")).expect("example fits");
    let err = client
        .checkout_payment("CC", "0044", checkout)
        .with_options(pasarela::CallOptions::new().header("Prefer", "outcome=error"))
        .await
        .expect_err("an error in the body");
    assert!(
        matches!(
            err.api_error(),
            Some(tigo_billing::errors::CheckoutPaymentError::ErrorInBody(_))
        ),
        "{err:?}"
    );
    // An outcome that is not one is a problem too.
    let err = client
        .get_contract("0012345678")
        .with_options(pasarela::CallOptions::new().header("Prefer", "outcome=maybe"))
        .await
        .expect_err("not an outcome");
    assert_eq!(err.status(), Some(400), "{err:?}");
    // An example name the response does not have is a problem, not a guess.
    let err = client
        .get_contract("0012345678")
        .with_options(pasarela::CallOptions::new().header("Prefer", "example=nope"))
        .await
        .expect_err("no such example");
    assert_eq!(err.status(), Some(400), "{err:?}");
}

#[tokio::test]
async fn scripted_faults_are_retried_or_reported_and_everything_is_logged() {
    let sandbox = Sandbox::start(TIGO, Validation::Strict)
        .await
        .expect("starts");
    let client = tigo(&sandbox).await;
    // One 503 then the example: an idempotent GET is retried and succeeds.
    client
        .get_contract("0012345678")
        .await
        .expect("token fetched, first call");
    sandbox.fail_next(503, 1);
    client
        .get_contract("0012345678")
        .await
        .expect("retried after the 503");
    let statuses: Vec<u16> = sandbox
        .requests()
        .iter()
        .filter(|r| r.operation.is_some())
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [200, 503, 200], "the token request aside");

    // A delay longer than the attempt timeout is a timeout.
    let impatient = tigo_billing::Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_http(true)
        .oauth2_client_credentials("sandbox-id", "sandbox-secret")
        .oauth2_token_url(sandbox.token_url("application").expect("token URL"))
        .attempt_timeout(Duration::from_millis(200))
        .max_attempts(1)
        .build()
        .expect("client builds");
    impatient
        .get_contract("1")
        .await
        .expect("token and first call");
    sandbox.delay_next(Duration::from_millis(800), 1);
    let err = impatient.get_contract("1").await.expect_err("too slow");
    assert!(err.to_string().to_lowercase().contains("time"), "{err}");

    // The control API over HTTP gives the same log.
    let log: Value = reqwest::get(format!("http://{}/__sandbox/requests", sandbox.addr()))
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert_eq!(log.as_array().map(Vec::len), Some(sandbox.requests().len()));
}

const PAYPERTIC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/paypertic.yaml");

/// Calls every PayPerTIC operation once: what the import and the first
/// export answered.
async fn every_paypertic_operation(
    client: &pasarela::paypertic::Client,
) -> (
    pasarela::paypertic::types::ResultadoImportacion,
    Vec<pasarela::paypertic::types::CobranzaEstado>,
) {
    use pasarela::paypertic::types;
    let row = types::Cobranza {
        id_cliente: "176".into(),
        nombre_cliente: "Ana Peña".into(),
        celular_cliente: None,
        telefono_cliente: None,
        mail_cliente: "ana@example.com.ar".into(),
        id_concepto: "1".into(),
        descripcion_concepto: Some("Cuota social".into()),
        monto: "99.00".parse().expect("decimal"),
        opcional1: None,
        opcional2: None,
    };
    let imported = client
        .importar_cobranzas(vec![row])
        .await
        .expect("importar_cobranzas");

    let exported = client
        .exportar_cobranzas()
        .periodo("*")
        .await
        .expect("exportar_cobranzas");
    let rows = client
        .exportar_cobranzas_post()
        .periodo("*")
        .await
        .expect("exportar_cobranzas_post");
    assert_eq!(rows.len(), exported.len());
    let file = client
        .descargar_cobranzas()
        .await
        .expect("descargar_cobranzas");
    assert!(!file.content.is_empty());
    client
        .descargar_cobranzas_post()
        .await
        .expect("descargar_cobranzas_post");

    let institution = types::NuevaInstitucion {
        cuit: "30123456789".into(),
        nombre: "Sandbox SRL".into(),
        mail: "admin@example.com".into(),
        domicilio: "Calle 1".into(),
        telefono: "011".into(),
        smtpuser: "cobranzas".into(),
        smtppass: "smtp-password-value".into(),
        smtphost: "smtp.example.com".into(),
        smtpport: None,
        resp_nombre: None,
        resp_cargo: None,
        resp_mail: None,
        resp_telefono: None,
        ante_iva: None,
    };
    client
        .crear_institucion(institution)
        .await
        .expect("crear_institucion");
    client.ver_hash("30123456789").await.expect("ver_hash");
    client
        .ver_hash_post("30123456789")
        .await
        .expect("ver_hash_post");

    (imported, exported)
}

fn paypertic(sandbox: &Sandbox) -> pasarela::paypertic::Client {
    pasarela::paypertic::Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_http(true)
        .hash_api_key("11111111-2222-4333-8444-555555555555")
        .carrier_hash_api_key("99999999-8888-4777-8666-555555555555")
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn every_paypertic_operation_is_answered_csv_and_text_results_included() {
    let sandbox = Sandbox::start(PAYPERTIC, Validation::Strict)
        .await
        .expect("starts");
    let client = paypertic(&sandbox);
    let (imported, exported) = every_paypertic_operation(&client).await;
    assert_eq!(imported.periodo, "2026-12", "the example's period");
    assert_eq!(exported.len(), 2, "the example's two rows");
    assert_eq!(
        exported[1].motivo_rechazo.as_deref(),
        Some("Tarjeta vencida")
    );
    let log = sandbox.requests();
    assert_eq!(log.len(), 8, "one request per operation");
    assert!(
        log.iter().all(|r| r.status == 200 && r.problems.is_empty()),
        "{log:#?}"
    );
    // Neither hash, nor the SMTP password, reaches the log.
    let shown = format!("{log:?}");
    for secret in ["11111111-2222", "99999999-8888", "smtp-password-value"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

/// The spec at `path` with every `example` and `examples` removed (not
/// properties of those names), written to the tests' scratch directory.
fn without_examples(path: &str, name: &str) -> std::path::PathBuf {
    fn strip(value: &mut serde_yaml::Value, parent: Option<&str>) {
        match value {
            serde_yaml::Value::Mapping(map) => {
                if parent != Some("properties") {
                    map.remove("example");
                    map.remove("examples");
                }
                for (key, child) in map.iter_mut() {
                    strip(child, key.as_str());
                }
            }
            serde_yaml::Value::Sequence(items) => items.iter_mut().for_each(|i| strip(i, None)),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(path).expect("spec");
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&text).expect("yaml");
    strip(&mut doc, None);
    let stripped = serde_yaml::to_string(&doc).expect("yaml");
    assert!(!stripped.contains("example:"), "{name}: an example left");
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-without-examples.yaml"));
    std::fs::write(&out, stripped).expect("written");
    out
}

fn all_answered_200(sandbox: &Sandbox) {
    let log = sandbox.requests();
    assert!(
        log.iter().all(|r| r.status == 200 && r.problems.is_empty()),
        "{log:#?}"
    );
}

#[tokio::test]
async fn without_examples_the_sandbox_makes_answers_every_client_decodes() {
    // JSON bodies made from the schemas.
    let sandbox = Sandbox::start(without_examples(TIGO, "tigo"), Validation::Strict)
        .await
        .expect("starts");
    every_tigo_operation(&tigo(&sandbox).await).await;
    all_answered_200(&sandbox);

    // Result envelopes: the code and rules give the outcome asked for.
    let sandbox = Sandbox::start(
        without_examples(ACREDITACIONES, "acreditaciones"),
        Validation::Strict,
    )
    .await
    .expect("starts");
    let client = acreditaciones::Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_http(true)
        .api_key("sandbox-api-key")
        .build()
        .expect("client builds");
    every_acreditaciones_operation(&client).await;
    all_answered_200(&sandbox);
    let crear = || -> acreditaciones::types::CrearAcreditacionRequest {
        serde_json::from_value(example(ACREDITACIONES, "CrearAcreditacionRequest"))
            .expect("example fits")
    };
    let prefer =
        |outcome: &str| pasarela::CallOptions::new().header("Prefer", format!("outcome={outcome}"));
    let made = client.crear_acreditacion(crear()).await.expect("success");
    assert!(made.is_success(), "{made:?}");
    let partial = client
        .crear_acreditacion(crear())
        .with_options(prefer("partial"))
        .await
        .expect("partial");
    assert!(!partial.is_success(), "{partial:?}");
    let err = client
        .crear_acreditacion(crear())
        .with_options(prefer("error"))
        .await
        .expect_err("the envelope says error");
    assert!(
        matches!(
            err.api_error(),
            Some(acreditaciones::errors::CrearAcreditacionError::Rejected(e)) if e.documented
        ),
        "{err:?}"
    );

    // Text results from the ok-pattern; CSV bodies one row of the row type.
    let sandbox = Sandbox::start(without_examples(PAYPERTIC, "paypertic"), Validation::Strict)
        .await
        .expect("starts");
    let client = paypertic(&sandbox);
    let (_, exported) = every_paypertic_operation(&client).await;
    assert_eq!(exported.len(), 1, "one made row");
    all_answered_200(&sandbox);
    let err = client
        .exportar_cobranzas()
        .with_options(prefer("error"))
        .await
        .expect_err("ERROR: text");
    assert!(err.api_error().is_some(), "{err:?}");
}
