//! The `pasarela-gen` command line: a thin wrapper around the library.
//!
//! ```text
//! pasarela-gen generate <SPEC> --out <FILE.rs> [--lenient] [--strict]   write one file (only if changed)
//! pasarela-gen check <SPEC> [--lenient] [--strict]                       validate only
//! pasarela-gen codegen <SPEC_DIR> --out <DIR> [--lenient] [--strict]     every *.yaml/*.yml/*.json in SPEC_DIR → DIR/<module>.rs
//! pasarela-gen diff <OLD> <NEW> [--format text|json|markdown] [--deny breaking]
//! ```
//! `--lenient` turns repairable spec violations into warnings and generates
//! anyway. Every example is checked against its schema: a mismatch is a
//! warning, or an error with `--strict`. Warnings are printed to stderr.
//! Exit status: 0 success, 1 invalid spec (all problems printed), 2 usage or
//! I/O error, 3 breaking changes found by `diff --deny breaking`.

use std::path::Path;
use std::process::ExitCode;

use pasarela_gen::{generate, CompileError, Config, ExampleCheck, Source};

const USAGE: &str = "usage:
  pasarela-gen generate <SPEC> --out <FILE.rs> [--lenient] [--strict]
  pasarela-gen check <SPEC> [--lenient] [--strict]
  pasarela-gen codegen <SPEC_DIR> --out <DIR> [--lenient] [--strict]
  pasarela-gen diff <OLD_SPEC> <NEW_SPEC> [--format text|json|markdown] [--deny breaking]

--lenient: read repairable spec violations (e.g. an undeclared path template
parameter) as warnings and generate; without it they are errors.
--strict: an example that does not match its schema is an error (without
it, a warning).
diff: what NEW changes on the wire and in the generated Rust API, with a
semver verdict; --deny breaking exits 3 when anything breaks.";

enum Failure {
    Invalid(String),
    Usage(String),
    /// `diff --deny breaking` found breaking changes (the report is printed).
    Breaking(String),
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let lenient = take_flag(&mut args, "--lenient");
    let strict = take_flag(&mut args, "--strict");
    let examples = if strict {
        ExampleCheck::Error
    } else {
        ExampleCheck::Warn
    };
    let config = Config::default().lenient(lenient).examples(examples);
    match args.as_slice() {
        [flag] if matches!(flag.as_str(), "--help" | "-h" | "help") => {
            say(&mut std::io::stdout(), USAGE);
            return ExitCode::SUCCESS;
        }
        [flag] if matches!(flag.as_str(), "--version" | "-V") => {
            say(
                &mut std::io::stdout(),
                concat!("pasarela-gen ", env!("CARGO_PKG_VERSION")),
            );
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    match run(&args, &config) {
        Ok(message) => {
            if !message.is_empty() {
                say(&mut std::io::stdout(), &message);
            }
            ExitCode::SUCCESS
        }
        Err(Failure::Invalid(report)) => {
            say(&mut std::io::stderr(), &report);
            ExitCode::from(1)
        }
        Err(Failure::Breaking(report)) => {
            say(&mut std::io::stdout(), &report);
            say(
                &mut std::io::stderr(),
                "error: breaking changes found (--deny breaking)",
            );
            ExitCode::from(3)
        }
        Err(Failure::Usage(message)) => {
            say(
                &mut std::io::stderr(),
                &format!("error: {message}\n\n{USAGE}"),
            );
            ExitCode::from(2)
        }
    }
}

/// Removes every `flag` from `args`; true when there was one.
fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != flag);
    args.len() != before
}

/// Prints a line, ignoring a closed pipe (`pasarela-gen check x | head -1`).
fn say(out: &mut impl std::io::Write, text: &str) {
    let _ = writeln!(out, "{text}");
}

/// Prints warnings (to stderr) so that both modes show them.
fn show_warnings(warnings: &pasarela_gen::Diagnostics) {
    if !warnings.is_empty() {
        say(&mut std::io::stderr(), &warnings.to_string());
    }
}

fn run(args: &[String], config: &Config) -> Result<String, Failure> {
    match args {
        [cmd, spec] if cmd == "check" => {
            let source = read_source(Path::new(spec))?;
            let checked = pasarela_gen::check_with(&source, config)
                .map_err(|d| Failure::Invalid(d.to_string()))?;
            show_warnings(&checked.warnings);
            let warnings = checked.warnings.len();
            Ok(format!(
                "{spec}: ok ({} operations, {} types{})",
                checked.api.operations.len(),
                checked.api.types.len(),
                match warnings {
                    0 => String::new(),
                    1 => ", 1 warning".to_string(),
                    n => format!(", {n} warnings"),
                }
            ))
        }
        [cmd, spec, flag, out] if cmd == "generate" && flag == "--out" => {
            let changed = generate_one(Path::new(spec), Path::new(out), config)?;
            Ok(report(out, changed))
        }
        [cmd, old, new, flags @ ..] if cmd == "diff" => diff(old, new, flags, config),
        [cmd, dir, flag, out] if cmd == "codegen" && flag == "--out" => {
            let result = pasarela_gen::Builder::new()
                .spec_dir(dir)
                .out_dir(out)
                .config(config.clone())
                .cargo_directives(false)
                .compile();
            let (generated, failures) = match result {
                Ok(generated) => (generated, None),
                Err(CompileError::Invalid(d)) => (Vec::new(), Some(d)),
                Err(e) => return Err(Failure::Usage(e.to_string())),
            };
            let mut lines = Vec::new();
            for g in &generated {
                show_warnings(&g.warnings);
                let target = g.path.as_deref().unwrap_or(Path::new(out));
                lines.push(report(&target.display().to_string(), g.changed));
                if let Some(summary) = change_summary(&g.source, config) {
                    lines.push(format!("{}: {summary}", g.module_name));
                }
            }
            match failures {
                None => Ok(lines.join("\n")),
                Some(d) => Err(Failure::Invalid(
                    d.iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join("\n\n"),
                )),
            }
        }
        _ => Err(Failure::Usage(format!(
            "unrecognised arguments: {}",
            if args.is_empty() {
                "(none)".to_string()
            } else {
                args.join(" ")
            }
        ))),
    }
}

/// `pasarela-gen diff OLD NEW [--format text|json|markdown] [--deny breaking]`.
fn diff(old: &str, new: &str, flags: &[String], config: &Config) -> Result<String, Failure> {
    let mut format = "text";
    let mut deny = false;
    let mut rest = flags.iter();
    while let Some(flag) = rest.next() {
        match (flag.as_str(), rest.next().map(String::as_str)) {
            ("--format", Some(f @ ("text" | "json" | "markdown"))) => format = f,
            ("--deny", Some("breaking")) => deny = true,
            (flag, value) => {
                return Err(Failure::Usage(format!(
                "unknown diff option `{flag}{}` (use --format text|json|markdown, --deny breaking)",
                value.map(|v| format!(" {v}")).unwrap_or_default()
            )))
            }
        }
    }
    let (old_source, new_source) = (read_source(Path::new(old))?, read_source(Path::new(new))?);
    let config = config.clone().examples(ExampleCheck::Off);
    let report = pasarela_gen::diff_sources(&old_source, &new_source, &config)
        .map_err(|e| Failure::Invalid(e.to_string()))?;
    let text = match format {
        "json" => serde_json::to_string_pretty(&report.to_json()).unwrap_or_default(),
        "markdown" => report.to_markdown(&format!("{old} → {new}")),
        _ => report.to_text().trim_end().to_string(),
    };
    if deny && report.semver == pasarela_gen::diff::Semver::Major {
        return Err(Failure::Breaking(text));
    }
    Ok(text)
}

/// What changed since the spec checked in at git's `HEAD`, when it is
/// tracked there and differs (`2 changes, semver minor`).
fn change_summary(source: &Source, config: &Config) -> Option<String> {
    let from_git = |path: &str| -> Option<String> {
        let out = std::process::Command::new("git")
            .args(["show", &format!("HEAD:./{path}")])
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8(out.stdout).ok())
            .flatten()
    };
    let old_text = from_git(&source.path)?;
    let old = Source::with_includes(source.path.clone(), old_text, from_git);
    if old.text == source.text && old.includes == source.includes {
        return None;
    }
    let config = config.clone().examples(ExampleCheck::Off);
    match pasarela_gen::diff_sources(&old, source, &config) {
        Ok(report) => Some(format!("{} (since git HEAD)", report.summary())),
        Err(pasarela_gen::DiffError::Old(_)) => {
            Some("the version at git HEAD is invalid; not compared".into())
        }
        Err(pasarela_gen::DiffError::New(_)) => None,
    }
}

fn report(path: &str, changed: bool) -> String {
    if changed {
        format!("wrote {path}")
    } else {
        format!("{path} is up to date")
    }
}

/// The spec and every local file its `$ref`s name.
fn read_source(path: &Path) -> Result<Source, Failure> {
    Source::from_path(path)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
}

fn generate_one(spec: &Path, out: &Path, config: &Config) -> Result<bool, Failure> {
    let source = read_source(spec)?;
    let output = generate(&source, config).map_err(|d| Failure::Invalid(d.to_string()))?;
    show_warnings(&output.warnings);
    pasarela_gen::builder::write_if_changed(out, &output.code)
        .map_err(|e| Failure::Usage(e.to_string()))
}
