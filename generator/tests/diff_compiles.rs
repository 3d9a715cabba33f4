//! The Rust verdict of `diff` checked by the compiler: code written against
//! the client generated from OLD (`tests/diff_user/user.rs`, which uses
//! every item OLD offers) is compiled against the client generated from
//! each pair's NEW, and must fail exactly when `diff` says a change is
//! `rust: breaking`.
//!
//! It runs `cargo check` on a small crate under `target/diff-compat` (the
//! runtime's dependencies are checked once there, then each pair takes a
//! second or two), offline, with the workspace's lock file.

use std::path::{Path, PathBuf};
use std::process::Command;

use pasarela_gen::diff::Rust;
use pasarela_gen::{diff_sources, generate, Config, Source};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Two crates, as users have them: `diff-api` holds a generated client
/// (`api/src/api.rs`), and `diff-user` the user code, depending on it (so
/// `#[non_exhaustive]` and visibility act as they do for users).
struct Scratch {
    dir: PathBuf,
    api_dir: PathBuf,
    target: PathBuf,
}

impl Scratch {
    fn new() -> Self {
        let target = root().join("target/diff-compat");
        let dir = target.join("crate");
        let api_dir = target.join("api");
        std::fs::create_dir_all(dir.join("src")).expect("scratch dir");
        std::fs::create_dir_all(api_dir.join("src")).expect("scratch dir");
        let runtime = root().join("runtime");
        std::fs::write(
            api_dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"diff-api\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\nworkspace = \"../crate\"\n\n\
                 [dependencies]\npasarela-runtime = {{ path = {:?} }}\n",
                runtime.display().to_string()
            ),
        )
        .expect("api manifest");
        std::fs::write(
            api_dir.join("src/lib.rs"),
            "#![allow(dead_code, clippy::all)]\ninclude!(\"api.rs\");\n",
        )
        .expect("api lib.rs");
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"diff-user\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [dependencies]\npasarela-runtime = {{ path = {:?} }}\ndiff-api = {{ path = \"../api\" }}\n\n\
                 [workspace]\nmembers = [\".\", \"../api\"]\n",
                runtime.display().to_string()
            ),
        )
        .expect("manifest");
        std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock file");
        let user = std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/diff_user/user.rs"),
        )
        .expect("user code");
        std::fs::write(dir.join("src/user.rs"), user).expect("user.rs");
        std::fs::write(
            dir.join("src/lib.rs"),
            "#![allow(dead_code, clippy::all)]\npub mod api {\n    pub use diff_api::*;\n}\npub mod user;\n",
        )
        .expect("lib.rs");
        Self {
            dir,
            api_dir,
            target,
        }
    }

    /// Puts the client generated from `spec` in place and checks the crate;
    /// the compiler's errors when it does not compile.
    fn compiles_with(&self, spec: &Path) -> Result<(), String> {
        let source = Source::from_path(spec).expect("spec readable");
        let code = generate(&source, &Config::default())
            .unwrap_or_else(|d| panic!("{}: {d}", spec.display()))
            .code;
        std::fs::write(self.api_dir.join("src/api.rs"), code).expect("api.rs");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args(["check", "--offline", "--quiet", "--message-format", "short"])
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("RUSTFLAGS")
            .output()
            .expect("cargo runs");
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

#[test]
fn user_code_breaks_exactly_when_the_rust_verdict_says_breaking() {
    let pairs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/diff");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&pairs)
        .expect("pairs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("new.yaml").exists())
        .collect();
    cases.sort();
    let scratch = Scratch::new();
    // The user code compiles against OLD (else the test proves nothing).
    let old = cases[0].join("old.yaml");
    if let Err(errors) = scratch.compiles_with(&old) {
        panic!("the user code does not compile against OLD:\n{errors}");
    }
    let mut wrong = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap_or_default().to_string_lossy();
        let old = Source::from_path(case.join("old.yaml")).expect("old");
        let new = Source::from_path(case.join("new.yaml")).expect("new");
        let report = diff_sources(&old, &new, &Config::default()).expect("both valid");
        let breaking = report.changes.iter().any(|c| c.rust == Rust::Breaking);
        let compiled = scratch.compiles_with(&case.join("new.yaml"));
        println!(
            "{name}: diff says rust {}, the compiler {}",
            if breaking { "breaking" } else { "compatible" },
            if compiled.is_ok() {
                "agrees it compiles"
            } else {
                "rejects it"
            }
        );
        if breaking == compiled.is_ok() {
            wrong.push(format!(
                "{name}: diff says breaking = {breaking}, but the user code {}\n{}",
                if compiled.is_ok() {
                    "compiles"
                } else {
                    "does not compile"
                },
                compiled.err().unwrap_or_default()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
