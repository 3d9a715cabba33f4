//! How long the generator takes, and how that compares with the least any
//! tool must do: parse the document (the "parse floor", an untyped
//! `serde_json`/`serde_yaml` parse of the same file).
//!
//! Before the criterion timings (check and generate of each shipped spec)
//! it prints, for the three specs and every document of the corpus (when
//! `pasarela_corpus` finds it),
//! the median of 5 alternating runs of the parse floor and of `generate`
//! (library, default `Config`) and their ratio. As a test (`cargo test
//! --benches`) the table covers the three specs and the petstore only.
//! Run with `cargo bench --bench generate`.

use criterion::{criterion_group, criterion_main, Criterion};
use pasarela_gen::{check, generate, Config, Source};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn sources(dir: &Path, prefix: &str) -> Vec<Source> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let name = p.file_name()?.to_str()?.to_string();
            Some(Source::new(format!("{prefix}{name}"), text))
        })
        .collect()
}

fn specs() -> Vec<Source> {
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("specs"),
        "specs/",
    )
}

/// The least any generator must do with a document: parse it, untyped.
fn parse_floor(source: &Source) -> bool {
    if source.path.ends_with(".json") {
        serde_json::from_str::<serde_json::Value>(&source.text).is_ok()
    } else {
        serde_yaml::from_str::<serde_yaml::Value>(&source.text).is_ok()
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ratio_table() {
    let full = std::env::args().any(|a| a == "--bench");
    let mut docs = specs();
    if let Some(corpus) = pasarela_corpus::dir_quiet() {
        docs.extend(
            sources(&corpus, "corpus/")
                .into_iter()
                .filter(|s| full || s.path.ends_with("petstore.yaml")),
        );
    }
    println!(
        "{:<28} {:>10} {:>10} {:>8} {:>8} {:>8} {:>8}",
        "document (ms)", "parse", "generate", "ratio", "check", "emit", "format"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for doc in &docs {
        let mut runs: [Vec<Duration>; 5] = Default::default();
        for _ in 0..5 {
            let start = Instant::now();
            black_box(parse_floor(doc));
            runs[0].push(start.elapsed());
            let start = Instant::now();
            black_box(generate(doc, &Config::default()).map(|o| o.code.len()).ok());
            runs[1].push(start.elapsed());
            // The same work stage by stage: check (load, resolve, lower),
            // emit (IR to tokens), format (tokens to text).
            let start = Instant::now();
            let Ok(api) = check(doc) else { continue };
            runs[2].push(start.elapsed());
            let start = Instant::now();
            let tokens = pasarela_gen::emit::emit(&api);
            runs[3].push(start.elapsed());
            let start = Instant::now();
            black_box(
                pasarela_gen::format::format(tokens, &doc.path)
                    .map(|c| c.len())
                    .ok(),
            );
            runs[4].push(start.elapsed());
        }
        let [floor, gen, chk, emit, fmt] = runs.map(|r| {
            if r.is_empty() {
                Duration::ZERO
            } else {
                median(r)
            }
        });
        println!(
            "{:<28} {:>10.1} {:>10.1} {:>7.1}x {:>8.1} {:>8.1} {:>8.1}",
            doc.path,
            ms(floor),
            ms(gen),
            gen.as_secs_f64() / floor.as_secs_f64().max(1e-9),
            ms(chk),
            ms(emit),
            ms(fmt)
        );
    }
}

fn bench(c: &mut Criterion) {
    ratio_table();
    for source in specs() {
        c.bench_function(&format!("check {}", source.path), |b| {
            b.iter(|| check(black_box(&source)))
        });
        c.bench_function(&format!("generate {}", source.path), |b| {
            b.iter(|| generate(black_box(&source), &Config::default()))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
