//! Specs split over several files: `$ref`s into other local files are
//! resolved relative to the file that holds them, cycles across files
//! work, and diagnostics point into the file that holds the problem.

use std::path::PathBuf;

use pasarela_gen::ir::{TypeKind, TypeRef};
use pasarela_gen::{Config, Source};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/external")
}

#[test]
fn a_spec_split_over_files_generates_one_type_per_target() {
    let source = Source::from_path(dir().join("api.yaml")).expect("readable");
    let mut included: Vec<String> = source
        .includes
        .iter()
        .map(|s| {
            s.path
                .rsplit("external/")
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    included.sort();
    assert_eq!(
        included,
        ["common/params.yaml", "schemas/pet.yaml", "schemas/tag.yaml"]
    );
    let output =
        pasarela_gen::generate(&source, &Config::default()).unwrap_or_else(|d| panic!("{d}"));
    let ty = |name: &str| {
        output
            .api
            .types
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| {
                panic!(
                    "no type {name}: {:?}",
                    output.api.types.iter().map(|t| &t.name).collect::<Vec<_>>()
                )
            })
    };
    // The whole-file schema is named after its file; the cycle Pet -> Owner
    // -> Pet closes on the same two types.
    let TypeKind::Struct(pet) = &ty("Pet").kind else {
        panic!("Pet is a struct")
    };
    let owner = pet.iter().find(|f| f.wire_name == "owner").expect("owner");
    assert_eq!(owner.ty, TypeRef::Named("Owner".into()));
    let tag = pet.iter().find(|f| f.wire_name == "tag").expect("tag");
    assert_eq!(tag.ty, TypeRef::Named("Tag".into()));
    let TypeKind::Struct(owner) = &ty("Owner").kind else {
        panic!("Owner is a struct")
    };
    assert_eq!(
        owner[0].ty,
        TypeRef::Vec(Box::new(TypeRef::Named("Pet".into())))
    );
    assert!(matches!(ty("Tag").kind, TypeKind::Enum { open: false, .. }));
    assert_eq!(
        output
            .api
            .types
            .iter()
            .filter(|t| t.name.starts_with("Pet"))
            .count(),
        1
    );
    // The shared parameter and the shared 404 response came from another file.
    let op = &output.api.operations[0];
    assert_eq!(op.params[0].wire_name, "id");
    assert_eq!(op.errors[0].ty, Some(TypeRef::Named("Tag".into())));
    // The header names the spec by the path it was given; make it stable.
    let code = output.code.replace(
        &dir().to_string_lossy().replace('\\', "/"),
        "tests/external",
    );
    insta::assert_snapshot!("external", code);
}

#[test]
fn a_problem_in_another_file_is_shown_in_that_file() {
    let text = |p: &str| std::fs::read_to_string(dir().join(p)).expect("fixture");
    let source = Source::new("api.yaml", text("api.yaml"))
        .include("schemas/pet.yaml", text("schemas/pet.yaml"))
        .include(
            "schemas/tag.yaml",
            text("schemas/tag.yaml").replace("x-pasarela-closed-enum", "x-pasarela-closed_enum"),
        )
        .include(
            "common/params.yaml",
            text("common/params.yaml").replace("tag.yaml#/Tag", "tags.yaml#/Tag"),
        );
    let d = pasarela_gen::check(&source).expect_err("two problems");
    let shown: Vec<(String, usize, String)> =
        d.0.iter()
            .map(|d| (d.file.clone(), d.pos.line, d.message.clone()))
            .collect();
    assert!(
        shown.contains(&(
            "common/params.yaml".into(),
            9,
            "`$ref` names file `schemas/tags.yaml`, which was not found".into()
        )),
        "{d}"
    );
    let ext =
        d.0.iter()
            .find(|d| d.file == "schemas/tag.yaml")
            .unwrap_or_else(|| panic!("{d}"));
    assert_eq!(ext.pos.line, 4);
    assert_eq!(
        ext.source_line.as_deref(),
        Some("  x-pasarela-closed_enum: true")
    );
    assert!(ext
        .hint
        .as_deref()
        .unwrap_or_default()
        .contains("x-pasarela-closed-enum"));
}

#[test]
fn a_file_that_was_not_given_is_reported_where_it_is_named() {
    let text = std::fs::read_to_string(dir().join("api.yaml")).expect("fixture");
    let d = pasarela_gen::check(&Source::new("api.yaml", text)).expect_err("files missing");
    assert!(
        d.0.iter().all(|d| d.file == "api.yaml" && d.pos.line > 1),
        "{d}"
    );
    assert!(
        d.0.iter().any(|d| d.message.contains("`schemas/pet.yaml`")),
        "{d}"
    );
}

#[test]
fn paths_are_joined_and_normalised() {
    use pasarela_gen::resolve::join_path;
    assert_eq!(
        join_path("specs/api.yaml", "./schemas/pet.yaml"),
        "specs/schemas/pet.yaml"
    );
    assert_eq!(
        join_path("specs/schemas/pet.yaml", "../api.yaml"),
        "specs/api.yaml"
    );
    assert_eq!(
        join_path("api.yaml", "../common/x.yaml"),
        "../common/x.yaml"
    );
    assert_eq!(join_path("/abs/api.yaml", "b.yaml"), "/abs/b.yaml");
}
