//! Request overhead: one Tigo call through the generated client (token
//! cached, JSON decoded into typed models) against the same request made with
//! bare reqwest + serde_json, both to a local server. The difference is what
//! the runtime and the generated code cost per call.
//! Run with `cargo bench --bench request`.

use criterion::{criterion_group, criterion_main, Criterion};
use pasarela::tigo_billing::{types, Client};
use std::hint::black_box;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn contract() -> serde_json::Value {
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/tigo-billing-v2.yaml"
    ))
    .unwrap_or_default();
    let doc: serde_json::Value = serde_yaml::from_str(&spec).unwrap_or_default();
    doc["components"]["schemas"]["ContractsDetails"]["example"].clone()
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
            .respond_with(ResponseTemplate::new(200).set_body_json(contract()))
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
    let url = format!("{}/contracts/1", server.uri());

    let mut g = c.benchmark_group("request");
    g.bench_function("generated client get_contract", |b| {
        b.iter(|| rt.block_on(async { black_box(client.get_contract("1").await.ok()) }))
    });
    g.bench_function("bare reqwest + serde_json", |b| {
        b.iter(|| {
            rt.block_on(async {
                let resp = raw.get(&url).bearer_auth("t").send().await.ok()?;
                let bytes = resp.bytes().await.ok()?;
                black_box(serde_json::from_slice::<types::ContractsDetails>(&bytes).ok())
            })
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
