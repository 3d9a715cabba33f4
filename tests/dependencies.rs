//! No unused dependencies, in the spirit of `cargo machete` (which CI would
//! otherwise have to install): every dependency a workspace manifest names
//! must be mentioned by the sources that can use it — `[dependencies]` by
//! the package's `src/` (and `build.rs` for generated code), `[dev-dependencies]`
//! by `tests/`, `benches/`, `examples/` or `src/`, `[build-dependencies]` by
//! `build.rs` — as `name::`, `use name` or `name!`. A dependency used only
//! through generated code or a macro is named in the sources like any other.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `(section, crate name)` for each dependency line of a manifest.
fn dependencies(manifest: &str) -> Vec<(String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.trim_matches(['[', ']']).to_owned();
            continue;
        }
        if !section.ends_with("dependencies") || line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(key) = line.split(['=', '.']).next() {
            out.push((section.clone(), key.trim().to_owned()));
        }
    }
    out
}

fn mentioned(name: &str, files: &[PathBuf]) -> bool {
    let ident = name.replace('-', "_");
    let needles = [
        format!("{ident}::"),
        format!("use {ident}"),
        format!("{ident}!"),
        format!("extern crate {ident}"),
    ];
    files.iter().any(|f| {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        needles.iter().any(|n| text.contains(n.as_str()))
    })
}

#[test]
fn every_dependency_is_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut unused = Vec::new();
    for package in [".", "generator", "runtime", "fixture-check"] {
        let dir = root.join(package);
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("manifest");
        let files_in = |subdirs: &[&str]| {
            let mut files = Vec::new();
            for sub in subdirs {
                let path = dir.join(sub);
                if path.is_file() {
                    files.push(path);
                } else {
                    rust_files(&path, &mut files);
                }
            }
            files
        };
        let lib = files_in(&["src", "build.rs"]);
        let dev = files_in(&["src", "tests", "benches", "examples", "build.rs"]);
        let build = files_in(&["build.rs", "random_specs.rs"]);
        for (section, name) in dependencies(&manifest) {
            let files = match section.as_str() {
                "dependencies" => &lib,
                "dev-dependencies" => &dev,
                "build-dependencies" => &build,
                // `[workspace.dependencies]` only declares versions.
                _ => continue,
            };
            if !mentioned(&name, files) {
                unused.push(format!("{package}/Cargo.toml [{section}] {name}"));
            }
        }
    }
    assert!(
        unused.is_empty(),
        "unused dependencies (remove them):\n{}",
        unused.join("\n")
    );
}
