//! The sandbox (`pasarela_gen::sandbox`, what `pasarela-gen serve` runs)
//! against a hand-mounted mock server answering the same example bytes
//! (wiremock), side by side: start-up (read and check the spec, bind)
//! versus starting a mock server and mounting one answer, one request,
//! and 64 concurrent requests. The ratios are what matching the request
//! to the spec, validating it and making the answer cost over replaying
//! fixed bytes; requests per second are 64 / the batch time.
//! Run with `cargo bench --bench sandbox`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use pasarela_gen::sandbox::{Sandbox, Validation};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/tigo-billing-v2.yaml");
const CONTRACT: &str = "/contracts/0012345678";

/// A fresh mock server (not one of wiremock's pooled ones, which start
/// once and are reused) answering `body`.
async fn mock_server(body: Vec<u8>) -> MockServer {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .and(path(CONTRACT))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    server
}

async fn get(http: &reqwest::Client, url: &str) -> Option<usize> {
    let resp = http.get(url).bearer_auth("t").send().await.ok()?;
    resp.status()
        .is_success()
        .then_some(())
        .and(resp.bytes().await.ok().map(|b| b.len()))
}

async fn batch(http: &reqwest::Client, url: &str, n: usize) -> usize {
    let calls = (0..n).map(|_| get(http, url));
    futures_util::future::join_all(calls)
        .await
        .into_iter()
        .flatten()
        .count()
}

fn bench(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return;
        }
    };
    let Ok(sandbox) = rt.block_on(Sandbox::start(SPEC, Validation::Strict)) else {
        eprintln!("the sandbox did not start");
        return;
    };
    let http = reqwest::Client::new();
    let sandbox_url = format!("{}{CONTRACT}", sandbox.base_url());
    // The mock answers exactly the bytes the sandbox answers.
    let body = rt.block_on(async {
        let resp = http.get(&sandbox_url).bearer_auth("t").send().await.ok()?;
        resp.bytes().await.ok().map(|b| b.to_vec())
    });
    let Some(body) = body else {
        eprintln!("the sandbox did not answer");
        return;
    };
    let mock = rt.block_on(mock_server(body.clone()));
    let mock_url = format!("{}{CONTRACT}", mock.uri());

    let mut g = c.benchmark_group("sandbox");
    g.bench_function("start: sandbox from the spec", |b| {
        b.iter(|| {
            rt.block_on(async { black_box(Sandbox::start(SPEC, Validation::Strict).await.ok()) })
        })
    });
    g.bench_function("start: mock server + one answer", |b| {
        b.iter(|| rt.block_on(async { black_box(mock_server(body.clone()).await) }))
    });
    g.bench_function("get_contract: sandbox", |b| {
        b.iter(|| rt.block_on(async { black_box(get(&http, &sandbox_url).await) }))
    });
    g.bench_function("get_contract: mock", |b| {
        b.iter(|| rt.block_on(async { black_box(get(&http, &mock_url).await) }))
    });
    g.bench_function("64 concurrent get_contract: sandbox", |b| {
        b.iter(|| rt.block_on(async { black_box(batch(&http, &sandbox_url, 64).await) }))
    });
    g.bench_function("64 concurrent get_contract: mock", |b| {
        b.iter(|| rt.block_on(async { black_box(batch(&http, &mock_url, 64).await) }))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
