//! `generated/` must equal what the generator produces from `specs/` now.
//! This test never rewrites files: it names the command that does.

use std::path::Path;

#[test]
fn generated_clients_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = pasarela_gen::Builder::new()
        // Relative, as `cargo codegen` names them (tests run in the package root).
        .spec_dir("specs")
        .generate()
        .unwrap_or_else(|e| panic!("the specs do not generate:\n{e}"));
    assert!(!generated.is_empty(), "no specs found");
    let stale: Vec<String> = generated
        .iter()
        .filter(|g| {
            let target = root.join("generated").join(format!("{}.rs", g.module_name));
            std::fs::read_to_string(target).unwrap_or_default() != g.code
        })
        .map(|g| format!("generated/{}.rs", g.module_name))
        .collect();
    assert!(
        stale.is_empty(),
        "stale: {}. Run `cargo codegen` and commit the result.",
        stale.join(", ")
    );
}
