//! Mutation fuzzing: thousands of broken variants of real documents (our
//! three specs, the generator's fixtures and the corpus's Petstore), each
//! generated strictly or leniently. Every run must end in diagnostics (none
//! of them an internal error) or in Rust that parses; nothing may panic.
//!
//! Mutations work on the parsed document (a key dropped, renamed or
//! duplicated elsewhere; a value replaced by one of another type; two
//! values swapped; a `$ref` broken or pointed at another file; awkward
//! names and status codes planted) and on the text (truncated, a line
//! dropped). The generator is deterministic and so is the PRNG, so a
//! failure names the seed and the case number that reproduces it.
//!
//! `PASARELA_FUZZ_CASES` sets the number of documents (default 10,000).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use pasarela_gen::{Config, Source};
use serde_yaml::Value;

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

fn seeds() -> Vec<(String, Value)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [root.join("../specs"), root.join("tests/fixtures")] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        found.sort();
        files.extend(found);
    }
    if let Some(petstore) =
        pasarela_corpus::document("petstore.yaml", "petstore.yaml as a fuzz seed")
    {
        files.push(petstore);
    }
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("seed");
            let value: Value = serde_yaml::from_str(&text).expect("seed parses");
            (file_name(p), value)
        })
        .collect()
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The addresses of every node, as paths of map keys / list indices.
#[derive(Clone, Debug)]
enum Step {
    Key(Value),
    Index(usize),
}

fn addresses(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(here.clone());
    if out.len() > 20_000 {
        return;
    }
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                here.push(Step::Key(k.clone()));
                addresses(child, here, out);
                here.pop();
            }
        }
        Value::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                here.push(Step::Index(i));
                addresses(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at<'v>(v: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    let mut cur = v;
    for step in path {
        cur = match (step, cur) {
            (Step::Key(k), Value::Mapping(m)) => m.get_mut(k)?,
            (Step::Index(i), Value::Sequence(s)) => s.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

const NAMES: &[&str] = &[
    "Self",
    "self",
    "type",
    "Result",
    "Option",
    "Client",
    "send",
    "a\tb",
    "$ref",
    "x-pasarela-moves_money",
    "x-pasarela-envelope",
    "4XX",
    "2XX",
    "default",
    "{id}",
    "",
    "ñandú",
    "200",
    "204",
    "cookie",
    "deepObject",
];

fn planted(rng: &mut Rng) -> Value {
    match rng.below(9) {
        0 => Value::Null,
        1 => Value::Bool(true),
        2 => Value::Number(7.into()),
        3 => Value::Sequence(vec![Value::String("x".into())]),
        4 => Value::Mapping(Default::default()),
        5 => Value::String("#/components/schemas/Missing".into()),
        6 => Value::String("other.yaml#/components/schemas/A".into()),
        _ => Value::String(NAMES[rng.below(NAMES.len())].into()),
    }
}

fn mutate(doc: &mut Value, rng: &mut Rng) {
    let mut all = Vec::new();
    addresses(doc, &mut Vec::new(), &mut all);
    let target = all[rng.below(all.len())].clone();
    let donor = all[rng.below(all.len())].clone();
    let donor_value = at(doc, &donor).cloned();
    let Some(node) = at(doc, &target) else { return };
    match rng.below(8) {
        // Drop a key or an item.
        0 => match node {
            Value::Mapping(m) if !m.is_empty() => {
                let k = m.keys().nth(rng.below(m.len())).cloned();
                if let Some(k) = k {
                    m.remove(&k);
                }
            }
            Value::Sequence(s) if !s.is_empty() => {
                let i = rng.below(s.len());
                s.remove(i);
            }
            _ => *node = Value::Null,
        },
        // A value of another type.
        1 | 2 => *node = planted(rng),
        // Rename a key (misspell, or an awkward name).
        3 => {
            if let Value::Mapping(m) = node {
                if let Some(k) = m.keys().nth(rng.below(m.len().max(1))).cloned() {
                    if let Some(v) = m.remove(&k) {
                        let name = match (&k, rng.chance(2)) {
                            (Value::String(s), true) => format!("{s}_"),
                            _ => NAMES[rng.below(NAMES.len())].to_string(),
                        };
                        m.insert(Value::String(name), v);
                    }
                }
            }
        }
        // Copy another subtree here (types and shapes out of place).
        4 | 5 => {
            if let Some(v) = donor_value {
                if let Value::Mapping(m) = node {
                    m.insert(Value::String(NAMES[rng.below(NAMES.len())].into()), v);
                } else {
                    *node = v;
                }
            }
        }
        // Break or redirect a reference.
        6 => {
            if let Value::String(s) = node {
                if s.starts_with("#/") {
                    s.push_str(if rng.chance(2) { "Zz" } else { "/../x" });
                } else {
                    *node = planted(rng);
                }
            }
        }
        // Swap the values of two keys of one mapping.
        _ => {
            if let Value::Mapping(m) = node {
                if m.len() >= 2 {
                    let keys: Vec<Value> = m.keys().cloned().collect();
                    let (a, b) = (&keys[rng.below(keys.len())], &keys[rng.below(keys.len())]);
                    let va = m.get(a).cloned();
                    let vb = m.get(b).cloned();
                    if let (Some(va), Some(vb)) = (va, vb) {
                        m.insert(a.clone(), vb);
                        m.insert(b.clone(), va);
                    }
                }
            }
        }
    }
}

/// One mutated document: its file name and text.
fn case(seeds: &[(String, Value)], rng: &mut Rng) -> Option<(String, String)> {
    let (name, seed) = &seeds[rng.below(seeds.len())];
    let mut doc = seed.clone();
    for _ in 0..1 + rng.below(3) {
        mutate(&mut doc, rng);
    }
    let as_json = rng.chance(4);
    let (name, mut text) = if as_json {
        (
            name.replace(".yaml", ".json"),
            serde_json::to_string_pretty(&doc).ok()?,
        )
    } else {
        (name.clone(), serde_yaml::to_string(&doc).ok()?)
    };
    if rng.chance(10) {
        let mut cut = rng.below(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    } else if rng.chance(10) {
        let lines: Vec<&str> = text.lines().collect();
        let drop = rng.below(lines.len());
        text = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join("\n");
    }
    Some((name, text))
}

#[test]
fn ten_thousand_mutated_documents_never_panic_and_end_in_diagnostics_or_rust() {
    let total: usize = std::env::var("PASARELA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seeds = seeds();
    let workers = 2;
    let results: Vec<(usize, usize, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let seeds = &seeds;
                scope.spawn(move || {
                    let seed = 0x9e37_79b9_7f4a_7c15 ^ (w as u64 + 1);
                    let mut rng = Rng(seed);
                    let (mut generated, mut refused, mut failures) = (0, 0, Vec::new());
                    for n in 0..total / workers {
                        let Some((name, text)) = case(seeds, &mut rng) else {
                            continue;
                        };
                        let lenient = rng.chance(2);
                        let source = Source::new(name.clone(), text);
                        let config = Config::default().lenient(lenient);
                        let outcome = catch_unwind(AssertUnwindSafe(|| {
                            pasarela_gen::generate(&source, &config)
                        }));
                        let label = format!(
                            "worker {w} (seed {seed:#x}) case {n} ({name}, lenient {lenient})"
                        );
                        match outcome {
                            Err(_) => failures.push(format!("{label}: panicked")),
                            Ok(Ok(output)) => {
                                generated += 1;
                                if let Err(e) = syn::parse_file(&output.code) {
                                    failures.push(format!("{label}: output does not parse: {e}"));
                                }
                            }
                            Ok(Err(d)) => {
                                refused += 1;
                                if d.is_empty() || !d.has_errors() {
                                    failures.push(format!("{label}: refused without an error"));
                                }
                                if let Some(bug) =
                                    d.0.iter().find(|d| d.message.contains("internal error"))
                                {
                                    failures.push(format!("{label}: {bug}\n{}", source.text));
                                }
                            }
                        }
                        if failures.len() > 5 {
                            break;
                        }
                    }
                    (generated, refused, failures)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let generated: usize = results.iter().map(|r| r.0).sum();
    let refused: usize = results.iter().map(|r| r.1).sum();
    let failures: Vec<&String> = results.iter().flat_map(|r| &r.2).collect();
    println!("{generated} generated, {refused} refused");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    assert!(generated + refused >= total * 9 / 10, "too few cases ran");
    // Both outcomes must be well represented, or the mutations are too
    // weak (all generate) or too strong (all refused).
    assert!(
        generated > total / 20 && refused > total / 20,
        "{generated} generated, {refused} refused"
    );
}
