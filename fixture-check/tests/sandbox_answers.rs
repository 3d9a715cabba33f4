//! The sandbox's answers decoded with the generated types themselves (not
//! an IR-level stand-in): for every operation of every fixture spec (and,
//! with `--features corpus`, every corpus document), the default answer
//! and each declared error the sandbox serves for `Prefer: code=N` decode
//! as the type the generated client reads.

use std::collections::BTreeMap;

use pasarela_gen::sandbox::{answers, parse_raw};
use pasarela_gen::{check, Source};

include!(concat!(env!("OUT_DIR"), "/decoders.rs"));

#[test]
fn every_answer_decodes_with_the_generated_types() {
    let mut by_spec: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for entry in DECODERS {
        by_spec.entry(entry.0).or_default().push(entry);
    }
    assert!(by_spec.len() >= 10, "only {} specs", by_spec.len());
    let mut decoded = 0;
    let mut failures = Vec::new();
    for (spec, entries) in by_spec {
        let text = std::fs::read_to_string(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        let api = check(&Source::new(spec, text.clone())).expect("generated, so it checks");
        let raw = parse_raw(&text).expect("YAML or JSON");
        for (_, id, code, pointer, decode) in entries {
            let op = api
                .operations
                .iter()
                .find(|o| o.id == *id)
                .unwrap_or_else(|| panic!("{spec}: no operation {id}"));
            let prefer = code.map(|c| format!("code={c}")).unwrap_or_default();
            let answer = answers::answer(&raw, &api, op, &prefer)
                .unwrap_or_else(|e| panic!("{spec} {id} {prefer}: {e}"));
            if !answer.content_type.contains("json") {
                continue;
            }
            let body = match pointer {
                Some(p) => {
                    let value: serde_json::Value =
                        serde_json::from_slice(&answer.body).expect("JSON");
                    let p = if p.starts_with('/') {
                        p.to_string()
                    } else {
                        format!("/{p}")
                    };
                    serde_json::to_vec(value.pointer(&p).unwrap_or(&serde_json::Value::Null))
                        .expect("encodes")
                }
                None => answer.body.clone(),
            };
            decoded += 1;
            if let Err(e) = decode(&body) {
                failures.push(format!(
                    "{spec} {id} {prefer}: {e}\n  {}",
                    String::from_utf8_lossy(&body)
                        .chars()
                        .take(300)
                        .collect::<String>()
                ));
            }
        }
    }
    println!("{decoded} answers decoded with the generated types");
    assert!(decoded > 0);
    assert!(
        failures.is_empty(),
        "{} of {decoded} answers do not decode:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
