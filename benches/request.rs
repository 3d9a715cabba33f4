//! Request overhead: Tigo calls through the generated client (token cached,
//! JSON decoded into typed models) against the same requests written by hand
//! with bare reqwest + serde_json (bearer header, status check, decode into
//! the same types), both to the same in-process server: `get_contract` (one
//! contract) and `list_bills` answering 1,000 bills. The ratio of each pair
//! is what the runtime and the generated code cost per call.
//! Run with `cargo bench --bench request`.

use criterion::{criterion_group, criterion_main, Criterion};
use pasarela::tigo_billing::{types, Client};
use std::hint::black_box;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn example(schema: &str) -> serde_json::Value {
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/tigo-billing-v2.yaml"
    ))
    .unwrap_or_default();
    let doc: serde_json::Value = serde_yaml::from_str(&spec).unwrap_or_default();
    doc["components"]["schemas"][schema]["example"].clone()
}

/// 1,000 bills: the spec's example bills repeated.
fn bills() -> serde_json::Value {
    let examples = example("BillsCollection");
    let items = examples.as_array().cloned().unwrap_or_default();
    let many: Vec<serde_json::Value> = items.iter().cycle().take(1000).cloned().collect();
    serde_json::Value::Array(many)
}

fn bench(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return;
        }
    };
    let server = rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"access_token": "t", "expires_in": "3599", "token_type": "BearerToken"})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/contracts/1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(example("ContractsDetails")))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/customers/contracts/1/bills"))
            .respond_with(ResponseTemplate::new(200).set_body_json(bills()))
            .mount(&server)
            .await;
        server
    });
    let client = match Client::builder()
        .base_url(server.uri())
        .oauth2_client_credentials("id", "secret")
        .oauth2_token_url(format!("{}/token", server.uri()))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("client: {e}");
            return;
        }
    };
    let raw = reqwest::Client::new();
    let base = server.uri();
    let by_hand = |path: &'static str| {
        let raw = raw.clone();
        let url = format!("{base}{path}");
        async move {
            let resp = raw.get(&url).bearer_auth("t").send().await.ok()?;
            if !resp.status().is_success() {
                return None;
            }
            resp.bytes().await.ok()
        }
    };

    let mut g = c.benchmark_group("request");
    g.bench_function("get_contract: generated client", |b| {
        b.iter(|| rt.block_on(async { black_box(client.get_contract("1").await.ok()) }))
    });
    g.bench_function("get_contract: reqwest by hand", |b| {
        b.iter(|| {
            rt.block_on(async {
                let bytes = by_hand("/contracts/1").await?;
                black_box(serde_json::from_slice::<types::ContractsDetails>(&bytes).ok())
            })
        })
    });
    g.bench_function("list_bills x1000: generated client", |b| {
        b.iter(|| rt.block_on(async { black_box(client.list_bills("1").await.ok()) }))
    });
    g.bench_function("list_bills x1000: reqwest by hand", |b| {
        b.iter(|| {
            rt.block_on(async {
                let bytes = by_hand("/customers/contracts/1/bills").await?;
                black_box(serde_json::from_slice::<types::BillsCollection>(&bytes).ok())
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
