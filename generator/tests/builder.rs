//! The build-script API: `pasarela_gen::Builder` compiles a directory of
//! specs into an output directory, writes only what changed, writes an
//! include file, keeps going past an invalid spec, and filters modules.

use std::path::{Path, PathBuf};

use pasarela_gen::{Builder, CompileError};

/// A fresh directory under the target directory (removed first).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(path).expect("fixture")
}

#[test]
fn compiles_a_directory_writes_only_changes_and_an_include_file() {
    let specs = scratch("builder-specs");
    let out = scratch("builder-out");
    std::fs::write(specs.join("money.yaml"), fixture("money.yaml")).unwrap();
    std::fs::write(specs.join("enums.yaml"), fixture("enums.yaml")).unwrap();
    std::fs::write(specs.join("notes.txt"), "not a spec").unwrap();
    let builder = || {
        Builder::new()
            .spec_dir(&specs)
            .out_dir(&out)
            .include_file("clients.rs")
            .cargo_directives(false)
    };

    let first = builder().compile().expect("compiles");
    let modules: Vec<&str> = first.iter().map(|g| g.module_name.as_str()).collect();
    assert_eq!(modules, ["enums", "money"], "sorted, the .txt ignored");
    assert!(first.iter().all(|g| g.changed));
    for g in &first {
        let written = std::fs::read_to_string(out.join(format!("{}.rs", g.module_name))).unwrap();
        assert_eq!(written, g.code);
    }
    let include = std::fs::read_to_string(out.join("clients.rs")).unwrap();
    assert!(
        include.contains("pub mod enums {\n    include!(\"enums.rs\");\n}"),
        "{include}"
    );
    assert!(include.contains("pub mod money {"), "{include}");

    // Nothing changed: nothing is rewritten (mtimes stay, cargo does not rebuild).
    let stamp = std::fs::metadata(out.join("money.rs"))
        .unwrap()
        .modified()
        .unwrap();
    let second = builder().compile().expect("compiles again");
    assert!(second.iter().all(|g| !g.changed));
    assert_eq!(
        std::fs::metadata(out.join("money.rs"))
            .unwrap()
            .modified()
            .unwrap(),
        stamp
    );

    // Only the modules asked for.
    let only = builder().modules(|m| m == "money").generate().unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].module_name, "money");
}

#[test]
fn an_invalid_spec_is_reported_and_the_valid_ones_still_written() {
    let specs = scratch("builder-broken-specs");
    let out = scratch("builder-broken-out");
    std::fs::write(specs.join("enums.yaml"), fixture("enums.yaml")).unwrap();
    std::fs::write(
        specs.join("broken.yaml"),
        "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {$ref: '#/nope'}}\n",
    )
    .unwrap();
    let err = Builder::new()
        .spec_dir(&specs)
        .out_dir(&out)
        .cargo_directives(false)
        .compile()
        .expect_err("broken.yaml is invalid");
    let CompileError::Invalid(diagnostics) = &err else {
        panic!("expected diagnostics, got {err:?}");
    };
    assert_eq!(diagnostics.len(), 1);
    assert!(err.to_string().contains("broken.yaml:6"), "{err}");
    assert!(out.join("enums.rs").exists(), "the valid spec was written");
}

#[test]
fn two_specs_with_one_module_name_are_refused() {
    let specs = scratch("builder-dup");
    std::fs::write(specs.join("enums.yaml"), fixture("enums.yaml")).unwrap();
    let err = Builder::new()
        .spec(specs.join("enums.yaml"))
        .spec(specs.join("enums.yaml"))
        .generate()
        .expect_err("duplicate");
    assert!(
        matches!(err, CompileError::DuplicateModule { ref module, .. } if module == "enums"),
        "{err:?}"
    );
}

#[test]
fn without_out_dir_outside_a_build_script_it_says_so() {
    if std::env::var_os("OUT_DIR").is_some() {
        return;
    }
    let err = Builder::new().compile().expect_err("no OUT_DIR");
    assert!(matches!(err, CompileError::NoOutDir), "{err:?}");
}
