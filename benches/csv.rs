//! CSV speed and memory: writing import rows, reading an export buffered
//! and streamed. Run with `cargo bench --bench csv`.
//!
//! Before the timings it prints the peak heap in use (a counting allocator)
//! while streaming a synthetic export of 1 GiB (16 MiB when run as a test),
//! which must stay flat — bounded by a chunk and a row — and while reading
//! 100,000 rows buffered, which grows with the file. Timings are reported
//! as throughput (bytes of CSV per second).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pasarela::paypertic::types::{Cobranza, CobranzaEstado};
use pasarela::runtime::bytes::Bytes;
use pasarela::runtime::csv::{decode_rows, encode_rows, CsvFormat, CsvStream, TextEncoding};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates every call to `System` unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

static EXPORT: CsvFormat = CsvFormat {
    separator: b';',
    header: false,
    encodings: &[TextEncoding::Utf8, TextEncoding::Windows1252],
    file_name: "export.csv",
};
static IMPORT: CsvFormat = CsvFormat {
    separator: b';',
    header: false,
    encodings: &[TextEncoding::Utf8],
    file_name: "import.csv",
};

fn export_chunks(rows: usize) -> Vec<Bytes> {
    let mut chunks = Vec::new();
    let mut chunk = String::new();
    for i in 0..rows {
        chunk.push_str(&format!(
            "{i};Cliente Peña {i};1137465298;;c{i}@example.com.ar;{};Cuota social;{}.50;PAGADO;\n",
            i % 7,
            i % 1000
        ));
        if chunk.len() > 16 * 1024 {
            chunks.push(Bytes::from(std::mem::take(&mut chunk)));
        }
    }
    chunks.push(Bytes::from(chunk));
    chunks
}

fn import_rows(n: usize) -> Vec<Cobranza> {
    (0..n)
        .map(|i| Cobranza {
            id_cliente: i.to_string(),
            nombre_cliente: format!("Cliente Núñez {i}"),
            celular_cliente: Some("1137465298".into()),
            telefono_cliente: None,
            mail_cliente: format!("c{i}@example.com.ar"),
            id_concepto: "1".into(),
            descripcion_concepto: Some("Cuota social".into()),
            monto: pasarela::Decimal::new(132_210 + i as i64, 2),
            opcional1: None,
            opcional2: None,
        })
        .collect()
}

fn stream_count(rt: &tokio::runtime::Runtime, chunks: Vec<Bytes>) -> usize {
    rt.block_on(async move {
        let source =
            futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::convert::Infallible>));
        let mut stream: CsvStream<CobranzaEstado> = CsvStream::from_stream(source, &EXPORT);
        let mut n = 0;
        while let Some(row) = stream.next().await {
            black_box(row.ok());
            n += 1;
        }
        n
    })
}

/// Peak heap above the baseline while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// How much synthetic export `report_memory` streams: 1 GiB under
/// `cargo bench` (criterion passes `--bench`), 16 MiB when the bench runs as
/// a test (`cargo test --benches`, what CI does), or `PASARELA_BENCH_STREAM_MB`.
fn stream_mib() -> usize {
    if let Some(mb) = std::env::var("PASARELA_BENCH_STREAM_MB")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return mb;
    }
    if std::env::args().any(|a| a == "--bench") {
        1024
    } else {
        16
    }
}

fn report_memory(rt: &tokio::runtime::Runtime) {
    const ROWS: usize = 100_000;
    let target = stream_mib() * 1024 * 1024;
    // The streamed source is produced lazily, one ~16 KiB chunk of 200 rows
    // at a time, so only the reader's own memory is counted.
    let started = std::time::Instant::now();
    let ((n, bytes), streamed) = peak_during(|| {
        rt.block_on(async {
            let produced = std::sync::Arc::new(AtomicUsize::new(0));
            let counter = produced.clone();
            let source = futures_util::stream::iter((0..).map_while(move |block: usize| {
                if counter.load(Ordering::Relaxed) >= target {
                    return None;
                }
                let mut chunk = String::new();
                for i in block * 200..block * 200 + 200 {
                    chunk.push_str(&format!(
                        "{i};Cliente {i};;;c{i}@example.com.ar;1;Cuota;{}.50;PAGADO;\n",
                        i % 1000
                    ));
                }
                counter.fetch_add(chunk.len(), Ordering::Relaxed);
                Some(Ok::<_, std::convert::Infallible>(Bytes::from(chunk)))
            }));
            let mut stream: CsvStream<CobranzaEstado> = CsvStream::from_stream(source, &EXPORT);
            let mut n = 0;
            while let Some(row) = stream.next().await {
                black_box(row.ok());
                n += 1;
            }
            (n, produced.load(Ordering::Relaxed))
        })
    });
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "streamed a {} MiB export ({n} rows) with a peak heap of {} KiB, at {:.0} MB/s (rows produced on the fly)",
        bytes / (1024 * 1024),
        streamed / 1024,
        bytes as f64 / 1e6 / seconds.max(f64::EPSILON),
    );
    let whole: Vec<u8> = export_chunks(ROWS).concat();
    let (rows, buffered) =
        peak_during(|| decode_rows::<CobranzaEstado>(&whole, &EXPORT).map(|r| r.len()));
    println!(
        "peak heap reading {ROWS} rows buffered: {} rows with {} KiB (plus the {} KiB body)",
        rows.unwrap_or(0),
        buffered / 1024,
        whole.len() / 1024
    );
}

fn bench(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return;
        }
    };
    report_memory(&rt);

    let rows = import_rows(10_000);
    let encoded_len = encode_rows(&rows, &IMPORT).map(|b| b.len()).unwrap_or(0);
    let chunks = export_chunks(10_000);
    let whole: Vec<u8> = chunks.concat();
    let mut g = c.benchmark_group("csv");
    g.throughput(Throughput::Bytes(encoded_len as u64));
    g.bench_function("encode 10k import rows", |b| {
        b.iter(|| encode_rows(black_box(&rows), &IMPORT))
    });
    g.throughput(Throughput::Bytes(whole.len() as u64));
    g.bench_function("decode 10k export rows (buffered)", |b| {
        b.iter(|| decode_rows::<CobranzaEstado>(black_box(&whole), &EXPORT))
    });
    g.bench_function("decode 10k export rows (streamed)", |b| {
        b.iter(|| stream_count(&rt, chunks.clone()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
