//! How long the generator takes on each shipped spec, stage by stage.
//! Run with `cargo bench --bench generate`.

use criterion::{criterion_group, criterion_main, Criterion};
use pasarela_gen::{check, generate, Config, Source};
use std::hint::black_box;

fn specs() -> Vec<Source> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            let name = p.file_name()?.to_str()?.to_string();
            Some(Source::new(format!("specs/{name}"), text))
        })
        .collect()
}

fn bench(c: &mut Criterion) {
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
