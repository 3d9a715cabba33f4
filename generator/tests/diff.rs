//! `pasarela-gen diff`: each pair in `tests/diff/<case>/` (OLD `old.yaml`,
//! NEW `new.yaml`) must produce exactly the changes, verdicts, positions
//! and semver advice in its `expected.txt`:
//!
//! ```text
//! semver: major
//! field-added wire=compatible rust=breaking old=- new=new.yaml:98
//! ```
//!
//! (`tests/diff_compiles.rs` checks the Rust verdicts with the compiler.)

use std::path::{Path, PathBuf};

use pasarela_gen::diff::{Report, Semver};
use pasarela_gen::{diff_sources, Config, DiffError, Source};

fn dir(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn load(path: &Path) -> Source {
    Source::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn compare(old: &Path, new: &Path) -> Report {
    diff_sources(&load(old), &load(new), &Config::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn base_name(place: &Option<String>) -> String {
    place.as_deref().map_or("-".into(), |p| {
        p.rsplit('/').next().unwrap_or(p).to_string()
    })
}

/// The report in `expected.txt`'s form.
fn render(report: &Report) -> String {
    let mut lines = vec![format!("semver: {}", report.semver.as_str())];
    for c in &report.changes {
        lines.push(format!(
            "{} wire={} rust={} old={} new={}",
            c.kind,
            c.wire.as_str(),
            c.rust.as_str(),
            base_name(&c.old),
            base_name(&c.new)
        ));
    }
    lines.join("\n") + "\n"
}

#[test]
fn every_pair_gives_its_expected_changes_and_verdicts() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir("tests/diff"))
        .expect("pairs")
        .map(|e| e.expect("entry").path())
        .collect();
    cases.sort();
    let mut wrong = Vec::new();
    for case in &cases {
        let expected = std::fs::read_to_string(case.join("expected.txt")).expect("expected.txt");
        let got = render(&compare(&case.join("old.yaml"), &case.join("new.yaml")));
        if got != expected {
            wrong.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{got}",
                case.display()
            ));
        }
    }
    assert!(cases.len() >= 30, "pairs missing: {}", cases.len());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The issue's list of what the fixtures must cover.
#[test]
fn the_fixtures_cover_every_kind_of_change_the_issue_lists() {
    for case in [
        "operation-added",
        "operation-removed",
        "operation-renamed",
        "path-changed",
        "method-changed",
        "required-parameter-added",
        "optional-parameter-added",
        "parameter-removed",
        "parameter-made-required",
        "parameter-type-integer-to-string",
        "field-type-integer-to-string",
        "field-type-number-to-integer",
        "field-format-changed",
        "request-field-added-optional",
        "request-field-added-required",
        "response-field-added",
        "response-field-removed",
        "response-field-made-nullable",
        "enum-value-added-open",
        "enum-value-added-closed",
        "enum-value-removed",
        "response-status-added",
        "response-status-removed",
        "security-scheme-added",
        "security-scheme-changed",
        "servers-changed",
        "documentation-only",
        "moves-money-added",
        "moves-money-removed",
        "idempotency-key-added",
        "pagination-added",
    ] {
        assert!(
            dir("tests/diff").join(case).join("expected.txt").exists(),
            "no pair for {case}"
        );
    }
}

#[test]
fn the_same_api_written_as_swagger_2_and_openapi_3_has_no_changes() {
    let report = compare(
        &dir("tests/diff_versions/charges-2.0.yaml"),
        &dir("tests/diff_versions/charges-3.0.yaml"),
    );
    assert_eq!(report.semver, Semver::None, "{}", report.to_text());
    assert!(report.changes.is_empty());
}

#[test]
fn our_specs_compared_with_themselves_have_no_changes() {
    for spec in ["paypertic", "tigo-billing-v2", "acreditaciones"] {
        let path = dir(&format!("../specs/{spec}.yaml"));
        let report = compare(&path, &path);
        assert!(report.changes.is_empty(), "{spec}: {}", report.to_text());
    }
}

#[test]
fn an_invalid_document_is_named_with_its_diagnostics() {
    let good = load(&dir("tests/diff/operation-added/old.yaml"));
    let broken = Source::new(
        "broken.yaml",
        "openapi: 3.0.3\ninfo: {title: T}\npaths: []\n",
    );
    match diff_sources(&good, &broken, &Config::default()) {
        Err(DiffError::New(d)) => assert!(d.has_errors()),
        other => panic!("expected the new document to be refused: {other:?}"),
    }
    match diff_sources(&broken, &good, &Config::default()) {
        Err(DiffError::Old(d)) => assert!(d.has_errors()),
        other => panic!("expected the old document to be refused: {other:?}"),
    }
}

#[test]
fn json_and_markdown_carry_the_same_changes() {
    let case = dir("tests/diff/required-parameter-added");
    let report = compare(&case.join("old.yaml"), &case.join("new.yaml"));
    let json = report.to_json();
    assert_eq!(json["semver"], "major");
    let change = &json["changes"][0];
    for key in ["kind", "wire", "rust", "old", "new", "item", "message"] {
        assert!(change.get(key).is_some(), "no `{key}` in {change}");
    }
    assert_eq!(change["kind"], "parameter-added");
    assert_eq!(change["item"], "Client::list_charges");
    assert!(change["old"].is_null());
    assert!(change["new"]
        .as_str()
        .is_some_and(|p| p.ends_with("new.yaml:19")));
    let markdown = report.to_markdown("1.0 → 1.1");
    assert!(
        markdown.starts_with("## 1.0 → 1.1\n\nSemver: **major**."),
        "{markdown}"
    );
    assert!(
        markdown.contains("### Breaking changes\n\n- required query parameter `currency`"),
        "{markdown}"
    );
    let text = report.to_text();
    assert_eq!(text.lines().last(), Some("semver: major"), "{text}");
}

/// Named integers (`type: integer` over titled `const`s) are open: a new
/// value is a new constant (additive, minor), a removed one takes its
/// constant away (breaking).
#[test]
fn named_integers_gain_values_additively_and_lose_them_breakingly() {
    let spec = |values: &str| {
        Source::new(
            "levels.yaml",
            format!(
                r##"openapi: 3.0.3
info: {{title: Levels, version: "1"}}
paths:
  /level:
    get:
      operationId: getLevel
      responses:
        "200":
          description: The level.
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/Level"}}
components:
  schemas:
    Level:
      type: integer
      format: int32
      oneOf: [{values}]
"##
            ),
        )
    };
    let two = spec("{const: 1, title: LOW}, {const: 2, title: HIGH}");
    let three = spec("{const: 1, title: LOW}, {const: 2, title: HIGH}, {const: 3, title: TOP}");
    let added = diff_sources(&two, &three, &Config::default()).expect("both valid");
    assert_eq!(render(&added), "semver: minor\nenum-value-added wire=compatible rust=additive old=levels.yaml:15 new=levels.yaml:15\n");
    let removed = diff_sources(&three, &two, &Config::default()).expect("both valid");
    assert_eq!(removed.semver, Semver::Major);
    assert!(
        removed.changes.iter().any(|c| c.kind == "enum-value-removed" && c.rust == pasarela_gen::diff::Rust::Breaking),
        "{}",
        render(&removed)
    );
}

/// Removing or changing pagination and idempotency keys, from a NEW that
/// gained them (the pairs under tests/diff share one OLD, which has
/// neither): each direction is judged on its own.
#[test]
fn removing_or_changing_pagination_and_idempotency_keys_is_breaking() {
    let judge = |old: &Path, new: &Path, kind: &str| {
        let report = compare(old, new);
        let change = report
            .changes
            .iter()
            .find(|c| c.kind == kind)
            .unwrap_or_else(|| panic!("no `{kind}`:\n{}", report.to_text()));
        (change.wire, change.rust, report.semver)
    };
    use pasarela_gen::diff::{Rust, Wire};
    let paged = dir("tests/diff/pagination-added/new.yaml");
    let plain = dir("tests/diff/pagination-added/old.yaml");
    assert_eq!(
        judge(&paged, &plain, "pagination-removed"),
        (Wire::Breaking, Rust::Breaking, Semver::Major)
    );
    let changed = Source::new(
        "changed.yaml",
        load(&paged).text.replace(
            "{scheme: next-link, next-link-header: true}",
            "{scheme: offset, offset-param: limit}",
        ),
    );
    let report = diff_sources(&load(&paged), &changed, &Config::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let change = report
        .changes
        .iter()
        .find(|c| c.kind == "pagination-changed")
        .unwrap_or_else(|| panic!("{}", report.to_text()));
    assert_eq!((change.wire, change.rust), (Wire::Breaking, Rust::None));

    let keyed = dir("tests/diff/idempotency-key-added/new.yaml");
    let unkeyed = dir("tests/diff/idempotency-key-added/old.yaml");
    assert_eq!(
        judge(&keyed, &unkeyed, "idempotency-key-removed"),
        (Wire::Breaking, Rust::Breaking, Semver::Major)
    );
    let renamed = Source::new(
        "renamed.yaml",
        load(&keyed)
            .text
            .replace("{header: Idempotency-Key}", "{header: X-Request-Key}"),
    );
    let report = diff_sources(&load(&keyed), &renamed, &Config::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        report
            .changes
            .iter()
            .any(|c| c.kind == "idempotency-key-header-changed" && c.wire == Wire::Breaking),
        "{}",
        report.to_text()
    );
}
