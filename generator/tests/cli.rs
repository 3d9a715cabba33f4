//! Tests of the `pasarela-gen` command line as a user runs it: exit codes,
//! where diagnostics point, and "write only when changed".

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const GOOD: &str = "tests/fixtures/objects.yaml";
const BROKEN: &str = "tests/broken/three_errors.yaml";

/// Runs the binary from the package directory, so the relative spec paths
/// above are what the user typed and what diagnostics show.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pasarela-gen"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the pasarela-gen binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("pasarela-gen-cli-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn check_on_a_valid_spec_exits_0_and_summarises() {
    let out = run(&["check", GOOD]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        format!("{GOOD}: ok (1 operations, 2 types)")
    );
    assert!(stderr(&out).is_empty());
}

#[test]
fn check_on_an_invalid_spec_exits_1_and_points_at_every_error() {
    let out = run(&["check", BROKEN]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for location in ["10:3", "18:30", "25:17"] {
        let arrow = format!("--> {BROKEN}:{location}");
        assert!(err.contains(&arrow), "missing `{arrow}` in:\n{err}");
    }
    assert_eq!(err.matches("= hint: ").count(), 3, "{err}");
    assert!(err.contains("3 errors found"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn bad_usage_exits_2_with_usage() {
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["check"][..],
        &["generate", GOOD][..],
        &["generate", GOOD, "--output", "x.rs"][..],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "args {args:?}");
        assert!(
            stderr(&out).contains("Usage:"),
            "args {args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn unreadable_spec_exits_2() {
    let out = run(&["check", "tests/fixtures/does-not-exist.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

#[test]
fn generate_writes_once_then_reports_up_to_date_without_rewriting() {
    let tmp = TempDir::new("generate");
    let target = tmp.path().join("nested/objects.rs");
    let target_arg = target.to_string_lossy().into_owned();

    let first = run(&["generate", GOOD, "--out", &target_arg]);
    assert_eq!(first.status.code(), Some(0), "stderr: {}", stderr(&first));
    assert_eq!(stdout(&first).trim(), format!("wrote {target_arg}"));

    let written = std::fs::read_to_string(&target).expect("output file exists");
    let spec =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(GOOD)).expect("fixture");
    let expected = pasarela_gen::generate(
        &pasarela_gen::Source::new(GOOD, spec),
        &pasarela_gen::Config::default(),
    )
    .expect("fixture generates");
    assert_eq!(
        written, expected.code,
        "the CLI writes what the library emits"
    );
    let mtime = std::fs::metadata(&target)
        .and_then(|m| m.modified())
        .expect("mtime");

    let second = run(&["generate", GOOD, "--out", &target_arg]);
    assert_eq!(second.status.code(), Some(0), "stderr: {}", stderr(&second));
    assert_eq!(
        stdout(&second).trim(),
        format!("{target_arg} is up to date")
    );
    let mtime_after = std::fs::metadata(&target)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(
        mtime, mtime_after,
        "an unchanged file must not be rewritten"
    );

    std::fs::write(&target, "stale").expect("overwrite");
    let third = run(&["generate", GOOD, "--out", &target_arg]);
    assert_eq!(third.status.code(), Some(0));
    assert_eq!(stdout(&third).trim(), format!("wrote {target_arg}"));
    assert_eq!(
        std::fs::read_to_string(&target).expect("output file"),
        expected.code
    );
}

#[test]
fn generate_on_an_invalid_spec_exits_1_and_writes_nothing() {
    let tmp = TempDir::new("generate-broken");
    let target = tmp.path().join("broken.rs");
    let out = run(&["generate", BROKEN, "--out", &target.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("3 errors found"), "{}", stderr(&out));
    assert!(
        !target.exists(),
        "no file for a spec that does not generate"
    );
}

#[test]
fn a_repairable_spec_is_refused_strictly_and_generated_with_lenient() {
    const REPAIRABLE: &str = "tests/broken/repairable.yaml";
    let strict = run(&["check", REPAIRABLE]);
    assert_eq!(strict.status.code(), Some(1));
    let err = stderr(&strict);
    assert!(err.contains("error: path template"), "{err}");
    assert!(
        err.contains("--lenient"),
        "the hint names the way out: {err}"
    );

    let tmp = TempDir::new("lenient");
    let out_file = tmp.path().join("repairable.rs");
    let out_arg = out_file.to_string_lossy().into_owned();
    let lenient = run(&["generate", REPAIRABLE, "--out", &out_arg, "--lenient"]);
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
    let warnings = stderr(&lenient);
    assert!(warnings.contains("warning: path template"), "{warnings}");
    assert!(warnings.contains("repaired (path-template)"), "{warnings}");
    let code = std::fs::read_to_string(&out_file).expect("written");
    assert!(code.contains("project_id: impl Into<String>"), "{code}");
}

#[test]
fn a_spec_split_over_files_is_read_with_the_files_it_names() {
    let out = run(&["check", "tests/external/api.yaml"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(
        stdout(&out).contains("ok (1 operations, 3 types)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_json_spec_with_a_trailing_comma_is_refused_with_its_position() {
    let out = run(&["check", "tests/broken/trailing_comma.json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("invalid JSON"), "{err}");
    assert!(
        err.contains("tests/broken/trailing_comma.json:5:1"),
        "{err}"
    );
}

#[test]
fn check_warns_about_example_mismatches_and_strict_makes_them_errors() {
    const PLANTED: &str = "tests/examples/planted.yaml";
    let out = run(&["check", PLANTED]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "warning: example does not match its schema: at `/amount`: 12.5 is not of type \"integer\"\n  --> {PLANTED}:27:23"
        )),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("warnings)"), "{}", stdout(&out));

    let strict = run(&["check", PLANTED, "--strict"]);
    assert_eq!(strict.status.code(), Some(1), "stdout: {}", stdout(&strict));
    assert!(
        stderr(&strict).contains("error: example does not match its schema"),
        "{}",
        stderr(&strict)
    );
}

#[test]
fn diff_prints_changes_and_semver_and_exits_by_its_contract() {
    const OLD: &str = "tests/diff/optional-parameter-added/old.yaml";
    const ADDED: &str = "tests/diff/optional-parameter-added/new.yaml";
    const BROKE: &str = "tests/diff/required-parameter-added/new.yaml";

    let minor = run(&["diff", OLD, ADDED]);
    assert_eq!(minor.status.code(), Some(0), "{}", stderr(&minor));
    assert!(
        stdout(&minor).starts_with("minor    parameter-added"),
        "{}",
        stdout(&minor)
    );
    assert_eq!(stdout(&minor).lines().last(), Some("semver: minor"));

    // Not breaking: --deny breaking still exits 0.
    let allowed = run(&["diff", OLD, ADDED, "--deny", "breaking"]);
    assert_eq!(allowed.status.code(), Some(0));

    let denied = run(&["diff", OLD, BROKE, "--deny", "breaking", "--format", "json"]);
    assert_eq!(denied.status.code(), Some(3), "{}", stderr(&denied));
    let json: serde_json::Value = serde_json::from_str(&stdout(&denied)).expect("json report");
    assert_eq!(json["semver"], "major");
    assert!(stderr(&denied).contains("breaking changes found"));

    let markdown = run(&["diff", OLD, BROKE, "--format", "markdown"]);
    assert_eq!(markdown.status.code(), Some(0));
    assert!(stdout(&markdown).contains("### Breaking changes"));

    let invalid = run(&["diff", OLD, BROKEN]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(
        stderr(&invalid).contains("the new document is invalid"),
        "{}",
        stderr(&invalid)
    );

    let usage = run(&["diff", OLD, ADDED, "--format", "yaml"]);
    assert_eq!(usage.status.code(), Some(2));
    let missing = run(&["diff", OLD, "tests/diff/no-such.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn codegen_summarises_what_changed_since_the_spec_in_git_head() {
    let tmp = TempDir::new("codegen-diff");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(tmp.path())
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let specs = tmp.path().join("specs");
    std::fs::create_dir_all(&specs).expect("specs dir");
    let pairs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff/optional-parameter-added");
    std::fs::copy(pairs.join("old.yaml"), specs.join("charges.yaml")).expect("copy old");
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.test",
        "commit",
        "-qm",
        "old",
    ]);
    std::fs::copy(pairs.join("new.yaml"), specs.join("charges.yaml")).expect("copy new");
    let out = Command::new(env!("CARGO_BIN_EXE_pasarela-gen"))
        .args(["codegen", "specs", "--out", "generated"])
        .current_dir(tmp.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("charges: 1 change, semver minor (since git HEAD)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    let help = run(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(
        stdout(&help).contains("Usage: pasarela-gen"),
        "{}",
        stdout(&help)
    );
    for command in ["check", "generate", "codegen", "diff"] {
        assert!(stdout(&help).contains(command), "{}", stdout(&help));
        let per_command = run(&[command, "--help"]);
        assert_eq!(per_command.status.code(), Some(0));
        assert!(
            stdout(&per_command).contains(&format!("Usage: pasarela-gen {command}")),
            "{}",
            stdout(&per_command)
        );
    }
    let version = run(&["--version"]);
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        stdout(&version).trim(),
        format!("pasarela-gen {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn message_format_json_prints_one_diagnostic_object_per_line() {
    let out = run(&["check", BROKEN, "--message-format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let mut lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    // The last line counts the repairable ones by class.
    let summary = lines.pop().expect("a summary line");
    assert_eq!(summary["reason"], "repair-summary", "{summary}");
    assert_eq!(
        summary["classes"],
        serde_json::json!({"missing-ref": 1, "path-template": 1})
    );
    assert_eq!(lines.len(), 3, "{}", stdout(&out));
    let classes: Vec<&serde_json::Value> = lines.iter().map(|d| &d["class"]).collect();
    assert_eq!(
        classes,
        [
            &serde_json::json!("path-template"),
            &serde_json::json!("missing-ref"),
            &serde_json::Value::Null
        ]
    );
    let first = &lines[0];
    assert_eq!(first["reason"], "diagnostic");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], BROKEN);
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(10), Some(3))
    );
    assert!(first["hint"].as_str().is_some_and(|h| !h.is_empty()));
    let positions: Vec<(u64, u64)> = lines
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    assert_eq!(positions, [(10, 3), (18, 30), (25, 17)]);

    // A valid spec: no JSON on stdout, the summary on stderr.
    let ok = run(&["--message-format", "json", "check", GOOD]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(stdout(&ok).is_empty(), "{}", stdout(&ok));
    assert!(stderr(&ok).contains(": ok ("), "{}", stderr(&ok));
}
