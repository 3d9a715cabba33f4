//! The `pasarela-gen` command line: a thin wrapper around the library.
//!
//! ```text
//! pasarela-gen generate <SPEC> --out <FILE.rs> [--lenient] [--strict]   write one file (only if changed)
//! pasarela-gen check <SPEC> [--lenient] [--strict]                       validate only
//! pasarela-gen codegen <SPEC_DIR> --out <DIR> [--lenient] [--strict]     every *.yaml/*.yml/*.json in SPEC_DIR → DIR/<module>.rs
//! ```
//! `--lenient` turns repairable spec violations into warnings and generates
//! anyway. Every example is checked against its schema: a mismatch is a
//! warning, or an error with `--strict`. Warnings are printed to stderr.
//! Exit status: 0 success, 1 invalid spec (all problems printed), 2 usage or I/O error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use pasarela_gen::{generate, Config, ExampleCheck, Source};

const USAGE: &str = "usage:
  pasarela-gen generate <SPEC> --out <FILE.rs> [--lenient] [--strict]
  pasarela-gen check <SPEC> [--lenient] [--strict]
  pasarela-gen codegen <SPEC_DIR> --out <DIR> [--lenient] [--strict]

--lenient: read repairable spec violations (e.g. an undeclared path template
parameter) as warnings and generate; without it they are errors.
--strict: an example that does not match its schema is an error (without
it, a warning).";

enum Failure {
    Invalid(String),
    Usage(String),
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
        [cmd, dir, flag, out] if cmd == "codegen" && flag == "--out" => {
            let mut lines = Vec::new();
            let mut failures = Vec::new();
            for spec in spec_files(Path::new(dir))? {
                let source = read_source(&spec)?;
                match generate(&source, config) {
                    Ok(output) => {
                        show_warnings(&output.warnings);
                        let target = Path::new(out).join(format!("{}.rs", output.module_name));
                        let changed = write_if_changed(&target, &output.code)?;
                        lines.push(report(&target.display().to_string(), changed));
                    }
                    Err(d) => failures.push(d.to_string()),
                }
            }
            if failures.is_empty() {
                Ok(lines.join("\n"))
            } else {
                Err(Failure::Invalid(failures.join("\n\n")))
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

fn report(path: &str, changed: bool) -> String {
    if changed {
        format!("wrote {path}")
    } else {
        format!("{path} is up to date")
    }
}

/// Spec files in `dir`, sorted by name.
fn spec_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    files.sort();
    Ok(files)
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
    write_if_changed(out, &output.code)
}

/// Writes `content` to `path` unless it already holds exactly that.
fn write_if_changed(path: &Path, content: &str) -> Result<bool, Failure> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(false);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::Usage(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(path, content)
        .map_err(|e| Failure::Usage(format!("cannot write {}: {e}", path.display())))?;
    Ok(true)
}
