//! `generated/` must equal what the generator produces from `specs/` now.
//! This test never rewrites files: it names the command that does.

use std::path::Path;

#[test]
fn generated_clients_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut specs: Vec<_> = std::fs::read_dir(root.join("specs"))
        .expect("specs/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    specs.sort();
    assert!(!specs.is_empty(), "no specs found");
    let mut stale = Vec::new();
    for spec in specs {
        let name = format!(
            "specs/{}",
            spec.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
        );
        let text = std::fs::read_to_string(&spec).expect("spec readable");
        let source = pasarela_gen::Source::new(name.clone(), text);
        let output = match pasarela_gen::generate(&source, &pasarela_gen::Config::default()) {
            Ok(output) => output,
            Err(d) => panic!("{name} does not generate:\n{d}"),
        };
        let target = root
            .join("generated")
            .join(format!("{}.rs", output.module_name));
        let current = std::fs::read_to_string(&target).unwrap_or_default();
        if current != output.code {
            stale.push(format!("generated/{}.rs", output.module_name));
        }
    }
    assert!(
        stale.is_empty(),
        "stale: {}. Run `cargo codegen` and commit the result.",
        stale.join(", ")
    );
}
