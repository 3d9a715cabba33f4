//! `Config::examples` (the CLI's `check`): every `example`/`examples`
//! value is validated against its schema and a mismatch is reported at the
//! offending value, with the JSON path to it.
//!
//! The fixtures in `tests/examples/` mark each planted mismatch with a
//! `# BAD` comment on its line; the tests derive what must be reported from
//! those marks, so a fixture edit cannot leave the expectations behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pasarela_gen::{check_with, Config, Diagnostics, ExampleCheck, Severity, Source};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/examples")
        .join(name)
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every (file, line) marked `# BAD` in `source` and the files it includes.
fn marked(source: &Source) -> BTreeSet<(String, usize)> {
    std::iter::once(source)
        .chain(&source.includes)
        .flat_map(|s| {
            s.text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.contains("# BAD"))
                .map(|(i, _)| (file_name(&s.path), i + 1))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn mismatches(found: &Diagnostics) -> Vec<&pasarela_gen::Diagnostic> {
    found
        .0
        .iter()
        .filter(|d| d.message.contains("does not match its schema"))
        .collect()
}

/// Checks `name` with mismatches as warnings and returns the warnings.
fn warnings_of(name: &str) -> (Source, Diagnostics) {
    let source = Source::from_path(fixture(name)).expect("fixture readable");
    let checked = check_with(&source, &Config::new().examples(ExampleCheck::Warn))
        .unwrap_or_else(|d| panic!("{name} should pass with warnings:\n{d}"));
    (source, checked.warnings)
}

fn assert_reports_exactly_the_marked_lines(name: &str) {
    let (source, warnings) = warnings_of(name);
    let reported: BTreeSet<(String, usize)> = mismatches(&warnings)
        .iter()
        .map(|d| (file_name(&d.file), d.pos.line))
        .collect();
    assert_eq!(reported, marked(&source), "{name}:\n{warnings}");
}

#[test]
fn every_planted_mismatch_of_a_30_document_is_reported_and_nothing_else() {
    assert_reports_exactly_the_marked_lines("planted.yaml");
}

#[test]
fn swagger_2_examples_are_checked_at_their_2_0_positions() {
    assert_reports_exactly_the_marked_lines("swagger2.yaml");
}

#[test]
fn openapi_31_schema_examples_and_included_files_are_checked() {
    assert_reports_exactly_the_marked_lines("openapi31.yaml");
}

#[test]
fn a_mismatch_names_the_json_path_and_points_at_the_offending_value() {
    let (_, warnings) = warnings_of("planted.yaml");
    let deep = mismatches(&warnings)
        .into_iter()
        .find(|d| d.message.contains("/0/children/0/amount"))
        .unwrap_or_else(|| panic!("no report for the nested value:\n{warnings}"));
    assert_eq!(deep.severity, Severity::Warning);
    assert!(
        deep.message.contains(r#""x" is not of type "integer""#),
        "{}",
        deep.message
    );
    // Line 62 is `example: [{amount: 1, children: [{amount: x}]}]`: the
    // column is the `x`.
    let line = deep.source_line.as_deref().unwrap_or_default();
    assert_eq!(line.chars().nth(deep.pos.column - 1), Some('x'), "{line}");
    assert!(
        deep.hint
            .as_deref()
            .unwrap_or_default()
            .contains("describes the wire"),
        "{:?}",
        deep.hint
    );
}

#[test]
fn under_strict_a_mismatch_is_an_error_and_stops_generation() {
    let source = Source::from_path(fixture("planted.yaml")).expect("fixture readable");
    let found = check_with(&source, &Config::new().examples(ExampleCheck::Error))
        .expect_err("strict examples must fail the check");
    assert!(found.has_errors());
    assert_eq!(mismatches(&found).len(), marked(&source).len(), "{found}");
    assert!(mismatches(&found)
        .iter()
        .all(|d| d.severity == Severity::Error));
}

#[test]
fn examples_are_not_checked_unless_asked() {
    let source = Source::from_path(fixture("planted.yaml")).expect("fixture readable");
    let checked = check_with(&source, &Config::new()).unwrap_or_else(|d| panic!("{d}"));
    assert!(mismatches(&checked.warnings).is_empty());
}

/// The three specs' examples all match their schemas, checked as `check
/// --strict` does (issue: the specs tell every tool the wire truth).
#[test]
fn every_example_in_our_specs_matches_its_schema() {
    let specs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let mut checked_any = false;
    for entry in std::fs::read_dir(&specs).expect("specs/ readable") {
        let path = entry.expect("dir entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let source = Source::from_path(&path).expect("spec readable");
        assert!(
            source.text.contains("example"),
            "{} has no examples to check",
            path.display()
        );
        let checked = check_with(&source, &Config::new().examples(ExampleCheck::Error))
            .unwrap_or_else(|d| panic!("{}:\n{d}", path.display()));
        assert!(
            checked.warnings.is_empty(),
            "{}:\n{}",
            path.display(),
            checked.warnings
        );
        checked_any = true;
    }
    assert!(checked_any, "no specs found in {}", specs.display());
}

/// Real documents: the check runs on each without refusing any schema
/// (every one converts to JSON Schema the validator accepts), and finds
/// the mismatches the documents are known to have.
#[test]
fn corpus_examples_are_checked_without_refusals() {
    let Some(dir) = pasarela_corpus::dir("the example check on the corpus") else {
        return;
    };
    let mut total = 0;
    for path in corpus_documents(&dir) {
        let source = Source::from_path(&path).expect("readable");
        let found = match check_with(&source, &Config::new().examples(ExampleCheck::Warn)) {
            Ok(checked) => checked.warnings,
            Err(d) => d,
        };
        let refused: Vec<_> = found
            .0
            .iter()
            .filter(|d| d.message.contains("not checked") || d.message.contains("internal error"))
            .collect();
        assert!(refused.is_empty(), "{}: {refused:?}", path.display());
        let n = mismatches(&found).len();
        println!("{}: {n} example mismatches", path.display());
        total += n;
    }
    // influxdb.yml alone has dozens (relative links declared `format: uri`).
    assert!(total > 0, "the corpus has known example mismatches");
}

/// The single-file documents of the corpus, in manifest order.
fn corpus_documents(dir: &std::path::Path) -> Vec<PathBuf> {
    pasarela_corpus::present(dir)
        .into_iter()
        .filter(|(entry, _)| entry.kind == pasarela_corpus::Kind::File)
        .map(|(_, path)| path)
        .collect()
}
