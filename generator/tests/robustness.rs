//! The generator never panics: malformed input becomes diagnostics with a
//! position and a hint, and real-world documents from the shared corpus
//! are checked without a panic.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pasarela_gen::{Config, Diagnostics, Source};

/// What a malformed input must produce.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Diagnostics, at least one with a hint.
    Error,
    /// Generates.
    Ok,
    /// Either outcome is acceptable (diagnostics must still be actionable).
    Either,
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\n";

fn cases() -> Vec<(&'static str, String, Expect)> {
    vec![
        ("empty string", String::new(), Expect::Error),
        ("only a comment", "# nothing here\n".into(), Expect::Error),
        ("top-level sequence", "[]".into(), Expect::Error),
        ("top-level scalar", "hello".into(), Expect::Error),
        ("only the version", "openapi: 3.0.0\n".into(), Expect::Error),
        (
            "invalid YAML",
            "openapi: 3.0.0\ninfo: {title: x\npaths: [\n".into(),
            Expect::Error,
        ),
        (
            "invalid JSON",
            "{\"openapi\": \"3.0.0\", \"info\": }".into(),
            Expect::Error,
        ),
        (
            "duplicate key",
            format!("{HEAD}paths: {{}}\npaths: {{}}\n"),
            Expect::Error,
        ),
        ("paths is a number", format!("{HEAD}paths: 5\n"), Expect::Error),
        (
            "a schema that is only itself through allOf",
            format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      allOf:\n        - $ref: '#/components/schemas/A'\n"),
            Expect::Error,
        ),
        (
            "a schema that is a list",
            format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: [1, 2]\n"),
            Expect::Either,
        ),
        (
            "a $ref cycle A -> B -> A",
            format!(
                "{HEAD}paths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/A'}}\ncomponents:\n  schemas:\n    A: {{$ref: '#/components/schemas/B'}}\n    B: {{$ref: '#/components/schemas/A'}}\n"
            ),
            Expect::Error,
        ),
        (
            "a $ref that is not a string",
            format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: [1]}}\n"),
            Expect::Error,
        ),
        (
            "an external $ref",
            format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{$ref: 'other.yaml#/A'}}\n"),
            Expect::Error,
        ),
        (
            "huge integers as example and enum values",
            format!(
                "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Big:\n      type: integer\n      example: 123456789012345678901234567890\n      enum: [123456789012345678901234567890]\n    BigText:\n      type: string\n      enum: [123456789012345678901234567890, -1e999]\n"
            ),
            Expect::Ok,
        ),
        (
            "swagger 2.0 (upgraded to the 3.0 shape)",
            "swagger: \"2.0\"\ninfo: {title: T, version: '1'}\npaths: {}\n".into(),
            Expect::Ok,
        ),
        (
            "unsupported swagger version",
            "swagger: \"1.2\"\ninfo: {title: T, version: '1'}\npaths: {}\n".into(),
            Expect::Error,
        ),
        (
            "unsupported openapi version",
            "openapi: 4.0.0\ninfo: {title: T, version: '1'}\npaths: {}\n".into(),
            Expect::Error,
        ),
        (
            "operation without responses",
            format!("{HEAD}paths:\n  /a:\n    get: {{operationId: a}}\n"),
            Expect::Error,
        ),
        (
            "operation is a list",
            format!("{HEAD}paths:\n  /a:\n    get: [1, 2]\n"),
            Expect::Either,
        ),
        (
            "unterminated path template",
            format!("{HEAD}paths:\n  /a/{{id:\n    get:\n      responses: {{'200': {{description: ok}}}}\n"),
            Expect::Either,
        ),
        (
            "bad status code and bad parameter",
            format!("{HEAD}paths:\n  /a:\n    get:\n      parameters: [{{name: q}}, 7]\n      responses: {{'2000': {{description: ok}}, 'abc': {{}}}}\n"),
            Expect::Error,
        ),
        ("deeply nested objects", deep_objects(64), Expect::Ok),
        ("deeply nested flow sequences", deep_flow(5_000), Expect::Error),
    ]
}

/// A component schema with `depth` levels of inline objects.
fn deep_objects(depth: usize) -> String {
    let mut s = format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    Deep:\n");
    let mut indent = "      ".to_string();
    for level in 0..depth {
        s.push_str(&format!(
            "{indent}type: object\n{indent}properties:\n{indent}  p{level}:\n"
        ));
        indent.push_str("    ");
    }
    s.push_str(&format!("{indent}type: string\n"));
    s
}

fn deep_flow(depth: usize) -> String {
    format!(
        "{HEAD}paths: {{}}\nx: {}{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

/// Diagnostics a user can act on: a position and, for at least one, a hint.
fn assert_actionable(case: &str, stage: &str, d: &Diagnostics) {
    assert!(!d.is_empty(), "{case}: {stage} failed without a diagnostic");
    for one in &d.0 {
        assert!(
            one.pos.line > 0 && one.pos.column > 0,
            "{case}: {stage}: no position in {one}"
        );
    }
    assert!(
        d.0.iter().any(|one| one.hint.is_some()),
        "{case}: {stage}: no diagnostic has a hint:\n{d}"
    );
}

#[test]
fn malformed_inputs_give_diagnostics_not_panics() {
    let mut failures = Vec::new();
    for (case, text, expect) in cases() {
        let source = Source::new("malformed.yaml", text);
        let checked = catch_unwind(AssertUnwindSafe(|| pasarela_gen::check(&source)));
        let generated = catch_unwind(AssertUnwindSafe(|| {
            pasarela_gen::generate(&source, &Config::default())
        }));
        let (Ok(checked), Ok(generated)) = (checked, generated) else {
            failures.push(format!("{case}: panicked"));
            continue;
        };
        if checked.is_ok() != generated.is_ok() {
            failures.push(format!("{case}: check and generate disagree"));
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| match (&generated, expect) {
            (Ok(_), Expect::Error) => panic!("{case}: expected diagnostics, generated code"),
            (Err(d), Expect::Ok) => panic!("{case}: expected code, got:\n{d}"),
            (Err(d), _) => {
                assert_actionable(case, "generate", d);
                if let Err(d) = &checked {
                    assert_actionable(case, "check", d);
                }
            }
            (Ok(_), _) => {}
        }));
        if let Err(e) = outcome {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(message);
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// Real-world documents of the corpus (outside the project, found through
/// `pasarela_corpus`; see corpus/manifest.tsv), `more/` and DigitalOcean's
/// document split over 2,907 files included. None makes `check` panic;
/// each generates strictly or, when it has real mistakes, leniently: every
/// strict error is repairable, so `--lenient` is always a way through. The
/// `fixture-check` crate's `corpus` feature compiles and lints what these
/// documents generate (see `.ci/run`).
#[test]
fn corpus_documents_never_panic() {
    let Some(dir) = pasarela_corpus::dir("the corpus robustness check") else {
        return;
    };
    let files = pasarela_corpus::document_files(&dir);
    assert!(!files.is_empty(), "no documents in {}", dir.display());

    let lenient = pasarela_gen::Config::default().lenient(true);
    let results: Vec<(String, Result<String, String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .iter()
            .map(|path| {
                let (lenient, dir) = (&lenient, &dir);
                scope.spawn(move || {
                    let name = path
                        .strip_prefix(dir)
                        .unwrap_or(path)
                        .to_string_lossy()
                        .into_owned();
                    let source = Source::from_path(path)
                        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        let strict = pasarela_gen::check(&source);
                        let loose = pasarela_gen::check_with(&source, lenient);
                        (strict, loose)
                    }))
                    .map(|(strict, loose)| match (strict, loose) {
                        (Ok(api), _) => format!("ok ({} operations)", api.operations.len()),
                        (Err(d), Ok(checked)) => {
                            let not_repairable: Vec<_> =
                                d.errors().filter(|e| !e.repairable).collect();
                            if not_repairable.is_empty() {
                                format!(
                                    "ok with --lenient ({} operations; repairs: {:?})",
                                    checked.api.operations.len(),
                                    d.repairs()
                                )
                            } else {
                                format!(
                                    "strict errors that --lenient does not repair: {}",
                                    not_repairable[0]
                                )
                            }
                        }
                        (Err(_), Err(d)) => format!(
                            "{} error(s) even with --lenient, first: {}",
                            d.errors().count(),
                            d.errors().next().map(|x| x.to_string()).unwrap_or_default()
                        ),
                    })
                    .map_err(|_| "PANICKED".to_string());
                    (name, outcome)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("corpus thread"))
            .collect()
    });

    let mut failed = Vec::new();
    for (name, outcome) in &results {
        let summary = outcome.as_deref().unwrap_or("PANICKED");
        println!("{name}: {summary}");
        if !summary.starts_with("ok") {
            failed.push(format!("{name}: {summary}"));
        }
    }
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn a_corpus_document_with_mistakes_gets_positioned_hinted_diagnostics() {
    let Some(path) = pasarela_corpus::document(
        "openai-3.0.yaml",
        "positioned diagnostics on openai-3.0.yaml",
    ) else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("corpus document");
    let source = Source::new("openai-3.0.yaml", text);
    let d = pasarela_gen::check(&source).expect_err("known mistakes");
    assert!(!d.is_empty());
    let classes: Vec<_> = d.repairs().into_iter().map(|(class, _)| class).collect();
    assert_eq!(
        classes,
        [
            pasarela_gen::Repair::RequiredUnknown,
            pasarela_gen::Repair::PathTemplate
        ]
    );
    // Infos (how something was read, e.g. an evidently paginated
    // operation) are not problems.
    for diagnostic in
        d.0.iter()
            .filter(|d| d.severity != pasarela_gen::Severity::Info)
    {
        assert!(
            diagnostic.message.contains("path") || diagnostic.message.contains("required"),
            "{diagnostic}"
        );
        assert_eq!(diagnostic.severity, pasarela_gen::Severity::Error);
        assert!(diagnostic.repairable, "{diagnostic}");
        let hint = diagnostic.hint.as_deref().unwrap_or_default();
        assert!(
            diagnostic.pos.line > 1 && hint.contains("repairable with `--lenient`"),
            "{diagnostic}"
        );
    }
    // Read leniently, the same problems are warnings and the client is made:
    // the undeclared template names become required `String` arguments.
    let lenient = pasarela_gen::Config::default().lenient(true);
    let output = pasarela_gen::generate(&source, &lenient).expect("lenient generates");
    assert_eq!(output.warnings.len(), d.len(), "{}", output.warnings);
    assert!(output.warnings.warnings().all(|w| w.repairable));
    let op = output
        .api
        .operations
        .iter()
        .find(|o| o.id == "listProjectCertificates")
        .expect("operation kept");
    let project = op
        .params
        .iter()
        .find(|p| p.wire_name == "project_id")
        .expect("template parameter becomes an argument");
    assert!(project.required);
    assert!(output.code.contains(
        "pub fn list_project_certificates(\n        &self,\n        project_id: impl Into<String>,\n    )"
    ));
}

/// The YAML parser recurses once per nesting level; deep block nesting
/// (`- - - … 1`, 10 kB) must become a diagnostic, not abort the process.
#[test]
fn deep_block_nesting_is_a_diagnostic_not_a_stack_overflow() {
    // `x: [[[...]]]` is refused by the parser's recursion limit, but the
    // block form `- - - ... 1` (10 kB here) is not limited.
    let text = format!("{HEAD}paths: {{}}\nx:\n{}1\n", "- ".repeat(5_000));
    let source = Source::new("deep.yaml", text);
    let result = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || pasarela_gen::check(&source).map(|_| ()))
        .expect("spawn")
        .join()
        .expect("no panic");
    if let Err(d) = result {
        assert_actionable("deep block nesting", "check", &d);
    }
}
