//! A guided tour: starts, for each API, the sandbox made from its spec
//! (`pasarela_gen::sandbox`, the server `pasarela-gen serve` runs), then
//! walks through the client calls and prints what happens. Run with `cargo run --example tour`.
//!
//! Everything talks to 127.0.0.1; no network is needed.

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pasarela::runtime::reqwest::header::{HeaderMap, HeaderValue};
use pasarela::runtime::AttemptInfo;
use pasarela::{tigo_billing, CallOptions, Hook};
use pasarela_gen::sandbox::{Sandbox, Validation};
use support::spec_example;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Counts attempts and tags each request with the operation's id.
struct CountAttempts(Arc<AtomicU32>);

impl Hook for CountAttempts {
    fn before_attempt(&self, info: &AttemptInfo, headers: &mut HeaderMap) {
        self.0.fetch_add(1, Ordering::Relaxed);
        headers.insert(
            "x-client-operation",
            HeaderValue::from_static(info.operation.id),
        );
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    tigo_tour().await?;
    acreditaciones_tour().await?;
    paypertic_tour().await?;
    Ok(())
}

async fn tigo_tour() -> Result<()> {
    println!("== Tigo Billing v2 (OAuth2 client credentials, JSON)");
    // The sandbox made from the spec answers every operation with its
    // examples, and the spec's token URL with tokens (`pasarela-gen serve`
    // is the same server as a command).
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/tigo-billing-v2.yaml");
    let sandbox = Sandbox::start(spec, Validation::Strict).await?;
    println!("sandbox at {}", sandbox.base_url());

    let attempts = Arc::new(AtomicU32::new(0));
    let client = tigo_billing::Client::builder()
        .base_url(sandbox.base_url())
        .oauth2_client_credentials("tour-client", "tour-secret")
        .oauth2_token_url(sandbox.token_url("application").unwrap_or_default())
        // A hook runs around every HTTP attempt: here it counts them and
        // tags each request (tracing propagation or metrics go here).
        .hook(CountAttempts(attempts.clone()))
        .build()?;

    // `send_with_meta()` keeps the status and headers beside the value;
    // `with_options` sets a timeout, retries or headers for this call only.
    let contract = client
        .get_contract("0012345678")
        .with_options(
            CallOptions::new()
                .timeout(Duration::from_secs(5))
                .header("x-correlation-id", "tour-1"),
        )
        .send_with_meta()
        .await?;
    println!(
        "get_contract(\"0012345678\") → HTTP {}, {} contract(s) for {} ({}), content-type {:?}",
        contract.status(),
        contract.contracts_collection.len(),
        contract.identification,
        contract.organization.name.as_deref().unwrap_or("?"),
        contract.headers().get("content-type"),
    );

    let contracts = client
        .list_customer_contracts("CC", "0044")
        .num_reg(10)
        .send()
        .await?;
    println!(
        "list_customer_contracts(\"CC\", \"0044\").num_reg(10) → {} contract(s)",
        contracts.contracts_collection.len()
    );

    let bills = client.list_bills("0012345678").quantity(3).await?;
    for bill in &bills {
        println!(
            "list_bills → bill {} for {} due {}",
            bill.bill_no.as_deref().unwrap_or("?"),
            bill.bill_amount.map(|a| a.to_string()).unwrap_or_default(),
            bill.payment_due_date.as_deref().unwrap_or("?")
        );
    }

    let payment = client
        .list_bill_payments("0012345678", "909501941-90")
        .await?;
    println!(
        "list_bill_payments → paid {:?} via {:?}",
        payment.payment_day, payment.payment_method
    );

    let party = client
        .get_party_characteristics("NIT", "900123456", "0012345678", "role,plus")
        .await?;
    println!(
        "get_party_characteristics → plus customer: {}",
        party.plus_customer
    );

    let request: tigo_billing::types::CheckoutPaymentRequest = serde_json::from_value(
        spec_example("tigo-billing-v2.yaml", "CheckoutPaymentRequest"),
    )?;
    let checkout = client
        .checkout_payment("CC", "0044", request.clone())
        .await?;
    println!(
        "checkout_payment → pay at {}",
        checkout.url.as_deref().unwrap_or("?")
    );

    let registered = client.register_payments("CC", "0044", request).await?;
    println!("register_payments → {registered:?}");

    let validated = client
        .validate_payment(checkout.signature.clone().unwrap_or_default())
        .await?;
    println!(
        "validate_payment → state {:?}, amount {:?}, document {:?}",
        validated.state, validated.amount, validated.document
    );
    let coupon = client.validate_coupon_payment("coupon", "0099").await?;
    println!("validate_coupon_payment → state {:?}", coupon.state);

    // `Prefer: code=404` asks the sandbox for the declared 404 and its example.
    let not_found = client
        .get_contract("does-not-exist")
        .with_options(CallOptions::new().header("Prefer", "code=404"));
    match not_found.await {
        Err(e) => println!(
            "get_contract(\"does-not-exist\") → {e}\n  (status {:?}, API code {:?}, request id {:?}, retryable: {})",
            e.status(),
            e.code(),
            e.request_id(),
            e.is_retryable()
        ),
        Ok(contract) => println!("get_contract(\"does-not-exist\") → unexpected {contract:?}"),
    }

    println!(
        "the hook saw {} attempt(s)",
        attempts.load(Ordering::Relaxed)
    );
    let log = sandbox.requests();
    let calls = log.iter().filter(|r| r.operation.is_some()).count();
    println!(
        "the sandbox saw {calls} API request(s) and {} token request(s); the last one was:\n{} {} (operation {}, status {}, headers {:?})",
        log.len() - calls,
        log.last().map(|r| r.method.as_str()).unwrap_or_default(),
        log.last().map(|r| r.path.as_str()).unwrap_or_default(),
        log.last().and_then(|r| r.operation.as_deref()).unwrap_or("?"),
        log.last().map(|r| r.status).unwrap_or_default(),
        log.last().map(|r| r.headers.clone()).unwrap_or_default(),
    );
    Ok(())
}

async fn acreditaciones_tour() -> Result<()> {
    use pasarela::acreditaciones::{types, Client};
    use pasarela::runtime::Outcome;

    println!("\n== Acreditaciones (API-KEY header, {{header, data}} envelopes, money moves)");
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/acreditaciones.yaml");
    let sandbox = Sandbox::start(spec, Validation::Strict).await?;
    println!("sandbox at {}", sandbox.base_url());
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .allow_insecure_http(true)
        .api_key("tour-api-key")
        .build()?;

    let credit = |documento: &str, monto| types::Credito {
        nro_documento: documento.into(),
        monto,
    };
    let order = types::CrearAcreditacionRequest {
        acreditacion: types::NuevaAcreditacion {
            usuario: Some("test1".into()),
            descripcion: Some("Salario de junio".into()),
            lista: vec![
                credit("4040440", 1_500_000),
                credit("4040440", 1_200_000),
                credit("404011111", 1_600_000),
            ],
        },
    };
    // The sandbox answers the outcome a test asks for: here a partial
    // approval (`Prefer: outcome=success|partial|error`).
    let created = client
        .crear_acreditacion(order)
        .with_options(CallOptions::new().header("Prefer", "outcome=partial"))
        .await?;
    let id = match &created {
        Outcome::Success(data) => {
            println!(
                "crear_acreditacion → order {:?} approved for everyone",
                data.id_acreditacion
            );
            data.id_acreditacion
        }
        Outcome::Partial(data) => {
            println!(
                "crear_acreditacion → order {:?} created for some collaborators only:",
                data.id_acreditacion
            );
            for c in data
                .acreditaciones_no_validas
                .as_deref()
                .unwrap_or_default()
            {
                println!(
                    "  not credited: document {:?}, {:?} Gs.: {:?}",
                    c.nro_documento, c.monto, c.estado
                );
            }
            data.id_acreditacion
        }
    };
    let Some(id) = id else {
        println!("no order id in the answer; stopping");
        return Ok(());
    };
    let executed = client
        .ejecutar_acreditacion(types::EjecutarAcreditacionRequest {
            acreditacion: types::AcreditacionAEjecutar {
                usuario: Some("test1".into()),
                id_acreditacion: id,
            },
        })
        .await?;
    println!(
        "ejecutar_acreditacion({id}) → {:?}",
        executed.data().descripcion
    );

    let invalid = types::CrearAcreditacionRequest {
        acreditacion: types::NuevaAcreditacion {
            usuario: None,
            descripcion: None,
            lista: vec![credit("40-40", 0)],
        },
    };
    match client.crear_acreditacion(invalid).await {
        Err(e) => println!("an invalid order is refused before sending: {e}"),
        Ok(o) => println!("unexpected: {o:?}"),
    }
    Ok(())
}

async fn paypertic_tour() -> Result<()> {
    use pasarela::paypertic::{types, Client};
    use pasarela::Decimal;

    println!("\n== PayPerTIC (CSV collections, OK:/ERROR: text results, a secret hash form field)");
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/paypertic.yaml");
    let sandbox = Sandbox::start(spec, Validation::Strict).await?;
    println!("sandbox at {}", sandbox.base_url());
    let client = Client::builder()
        .base_url(sandbox.base_url()) // the documented default is http://pagos.paypertic.com/api2
        .allow_insecure_http(true)
        .hash_api_key("tour-institution-hash")
        .carrier_hash_api_key("tour-carrier-hash")
        .build()?;

    let row = |id: &str, nombre: &str, concepto: &str, monto: &str| -> Result<types::Cobranza> {
        Ok(types::Cobranza {
            id_cliente: id.into(),
            nombre_cliente: nombre.into(),
            celular_cliente: None,
            telefono_cliente: None,
            mail_cliente: format!("{id}@example.com.ar"),
            id_concepto: concepto.into(),
            descripcion_concepto: Some("Cuota social".into()),
            monto: monto.parse::<Decimal>()?,
            opcional1: None,
            opcional2: None,
        })
    };
    let rows = vec![
        row("176", "Ana Peña", "1", "99")?,
        row("177", "José Núñez", "1", "1322.10")?,
    ];
    let imported = client.importar_cobranzas(rows).await?;
    println!(
        "importar_cobranzas(2 rows) → period {}, {} imported, {:?} failed",
        imported.periodo, imported.importados, imported.fallidos
    );
    // The sandbox's request log: what was sent (the hash masked).
    if let Some(file) = sandbox.requests().last().and_then(|r| r.form_field("file")) {
        print!("  the CSV sent:\n{file}");
    }

    let exported = client.exportar_cobranzas().periodo("*").await?;
    for c in &exported {
        println!(
            "exportar_cobranzas → {} {} ${} {:?} {:?}",
            c.id_cliente, c.nombre_cliente, c.monto, c.estado, c.motivo_rechazo
        );
    }

    let bad = vec![row("178", "Pérez; Juan", "1", "10")?];
    match client.importar_cobranzas(bad).await {
        Err(e) => println!("a row that CSV cannot carry is refused before sending: {e}"),
        Ok(r) => println!("unexpected: {r:?}"),
    }
    // An `ERROR: …` text result, as the sandbox answers when asked.
    let asked = CallOptions::new().header("Prefer", "outcome=error");
    match client.ver_hash("20111111112").with_options(asked).await {
        Err(e) => println!("ver_hash(\"20111111112\") → {e}"),
        Ok(_) => println!("ver_hash → a hash (not shown: it is a secret)"),
    }
    Ok(())
}
