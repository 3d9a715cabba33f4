//! Generates one client module per spec in `specs/` into `OUT_DIR`.
//! Thin by design: all logic lives in `pasarela_gen::generate`.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=specs");
    let out_dir = match std::env::var_os("OUT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => fail("OUT_DIR is not set (build.rs must run under cargo)"),
    };
    let mut specs: Vec<PathBuf> = match std::fs::read_dir("specs") {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("yaml" | "yml" | "json")
                )
            })
            .collect(),
        Err(e) => fail(&format!("cannot read specs/: {e}")),
    };
    specs.sort();
    for spec in specs {
        println!("cargo:rerun-if-changed={}", spec.display());
        generate(&spec, &out_dir);
    }
}

fn generate(spec: &Path, out_dir: &Path) {
    let source = match pasarela_gen::Source::from_path(spec) {
        Ok(source) => source,
        Err(e) => fail(&format!("cannot read {}: {e}", spec.display())),
    };
    for included in &source.includes {
        println!("cargo:rerun-if-changed={}", included.path);
    }
    match pasarela_gen::generate(&source, &pasarela_gen::Config::default()) {
        Ok(output) => {
            let target = out_dir.join(format!("{}.rs", output.module_name));
            if std::fs::read_to_string(&target).ok().as_deref() != Some(output.code.as_str()) {
                if let Err(e) = std::fs::write(&target, &output.code) {
                    fail(&format!("cannot write {}: {e}", target.display()));
                }
            }
        }
        Err(diagnostics) => fail(&diagnostics.to_string()),
    }
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(1);
}
