//! Request overhead: Tigo calls through the generated client (token cached,
//! JSON decoded into typed models) against the same requests written by hand
//! with bare reqwest + serde_json (bearer header, status check, decode into
//! the same types), both to the same in-process server: `get_contract` (one
//! contract) and `list_bills` answering 1,000 bills. The ratio of each pair
//! is what the runtime and the generated code cost per call.
//!
//! After the timings it prints the CPU time of the whole process per call
//! (client, server and runtime threads) for each pair, measured over the
//! same calls side by side: the server's share is the same on both sides,
//! so the difference is the CPU the generated client spends beyond bare
//! reqwest.
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

    // CPU per call, process-wide, alternating the two ways in rounds.
    let rounds = if cfg!(debug_assertions) { 2 } else { 20 };
    let calls = 25;
    for (name, path) in [
        ("get_contract", "/contracts/1"),
        ("list_bills x1000", "/customers/contracts/1/bills"),
    ] {
        let (mut generated, mut hand) = (0.0, 0.0);
        for _ in 0..rounds {
            let start = process_cpu_seconds();
            for _ in 0..calls {
                rt.block_on(async {
                    if path.ends_with("bills") {
                        black_box(client.list_bills("1").await.ok());
                    } else {
                        black_box(client.get_contract("1").await.ok());
                    }
                });
            }
            generated += process_cpu_seconds() - start;
            let start = process_cpu_seconds();
            for _ in 0..calls {
                rt.block_on(async {
                    let bytes = by_hand(path).await;
                    if path.ends_with("bills") {
                        black_box(bytes.and_then(|b| {
                            serde_json::from_slice::<types::BillsCollection>(&b).ok()
                        }));
                    } else {
                        black_box(bytes.and_then(|b| {
                            serde_json::from_slice::<types::ContractsDetails>(&b).ok()
                        }));
                    }
                });
            }
            hand += process_cpu_seconds() - start;
        }
        let per_call = |total: f64| total / f64::from(rounds * calls) * 1e6;
        println!(
            "cpu per call, {name}: generated {:.1} µs, by hand {:.1} µs, ratio {:.2}, client's own extra {:.1} µs",
            per_call(generated),
            per_call(hand),
            generated / hand,
            per_call(generated - hand)
        );
    }
}

/// CPU time used by the whole process so far (all threads), in seconds.
fn process_cpu_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to write into.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    if rc != 0 {
        return 0.0;
    }
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

criterion_group!(benches, bench);
criterion_main!(benches);
