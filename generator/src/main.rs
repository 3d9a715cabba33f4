//! The `pasarela-gen` command line: a thin wrapper around the library.
//!
//! ```text
//! pasarela-gen check <SPEC> [--lenient] [--strict]                       validate only
//! pasarela-gen generate <SPEC> --out <FILE.rs> [--lenient] [--strict]   write one file (only if changed)
//! pasarela-gen codegen <SPEC_DIR> --out <DIR> [--lenient] [--strict]     every *.yaml/*.yml/*.json in SPEC_DIR → DIR/<module>.rs
//! pasarela-gen diff <OLD> <NEW> [--format text|json|markdown] [--deny breaking]
//! pasarela-gen serve <SPEC> [--port N] [--host 127.0.0.1] [--validate strict|warn|off]
//! ```
//! `--message-format json` prints each diagnostic as one JSON object per
//! line on stdout (human output then goes to stderr), for editors and CI.
//! Exit status: 0 success, 1 invalid spec (all problems printed), 2 usage or
//! I/O error, 3 breaking changes found by `diff --deny breaking`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pasarela_gen::{generate, CompileError, Config, Diagnostics, ExampleCheck, Source};

/// Generates typed async Rust clients from OpenAPI 3.x and Swagger 2.0
/// documents, checks them, and compares two versions.
#[derive(Parser)]
#[command(name = "pasarela-gen", version, about, long_about = None)]
struct Cli {
    /// How diagnostics are printed: `human` (with the source line and a
    /// hint) or `json` (one object per line on stdout).
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, global = true)]
    message_format: MessageFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Validates a spec (and every example in it) without writing anything.
    Check {
        /// The OpenAPI/Swagger document (YAML or JSON).
        spec: PathBuf,
        #[command(flatten)]
        reading: Reading,
    },
    /// Generates one Rust module from a spec; writes only when it changed.
    Generate {
        /// The OpenAPI/Swagger document (YAML or JSON).
        spec: PathBuf,
        /// The Rust file to write.
        #[arg(long)]
        out: PathBuf,
        /// Also print one JSON line of sizes: operations, named and inline
        /// types, merged types, struct/enum items, lines.
        #[arg(long)]
        stats: bool,
        #[command(flatten)]
        reading: Reading,
    },
    /// Generates every *.yaml/*.yml/*.json in a directory into DIR/<module>.rs,
    /// and says what changed since the spec at git HEAD.
    Codegen {
        /// The directory of specs.
        spec_dir: PathBuf,
        /// The directory to write into.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        reading: Reading,
    },
    /// What NEW changes on the wire and in the generated Rust API, with a
    /// semver verdict.
    Diff {
        /// The earlier document.
        old: PathBuf,
        /// The later document.
        new: PathBuf,
        /// The report's format.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Exit 3 when anything breaks (`--deny breaking`).
        #[arg(long, value_enum)]
        deny: Option<Deny>,
        #[command(flatten)]
        reading: Reading,
    },
    /// Serves a sandbox of the spec: every operation answered with its
    /// examples, requests checked against the spec. Prints
    /// `listening on http://HOST:PORT` first.
    #[cfg(feature = "sandbox")]
    Serve {
        /// The OpenAPI/Swagger document (YAML or JSON).
        spec: PathBuf,
        /// The port (0: a free one, shown in the first line).
        #[arg(long, default_value_t = 4010)]
        port: u16,
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// What to do with a request that breaks the spec.
        #[arg(long, value_enum, default_value_t = ValidateMode::Strict)]
        validate: ValidateMode,
    },
}

/// `serve --validate`.
#[cfg(feature = "sandbox")]
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ValidateMode {
    /// Answer 400/401 with a problem document.
    Strict,
    /// Log the problems and answer anyway.
    Warn,
    /// Do not check requests.
    Off,
}

/// Runs the sandbox until the process is stopped.
#[cfg(feature = "sandbox")]
fn serve(
    spec: &Path,
    addr: std::net::SocketAddr,
    validate: ValidateMode,
    printer: &Printer,
) -> Result<String, Failure> {
    use pasarela_gen::sandbox::{Sandbox, SandboxError, Validation};
    let validation = match validate {
        ValidateMode::Strict => Validation::Strict,
        ValidateMode::Warn => Validation::Warn,
        ValidateMode::Off => Validation::Off,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start the server: {e}")))?;
    runtime.block_on(async {
        let sandbox = match Sandbox::start_on(spec, validation, addr).await {
            Ok(s) => s,
            Err(SandboxError::Spec(d)) => return Err(Failure::Invalid(vec![d])),
            Err(e) => return Err(Failure::Usage(e.to_string())),
        };
        printer.result(&format!("listening on http://{}", sandbox.addr()));
        printer.result(&format!("API base URL: {}", sandbox.base_url()));
        printer.diagnostics(sandbox.warnings());
        let _ = tokio::signal::ctrl_c().await;
        Ok(String::new())
    })
}

/// How a spec is read.
#[derive(Args, Clone, Copy)]
struct Reading {
    /// Read repairable spec violations (e.g. an undeclared path template
    /// parameter) as warnings and generate anyway.
    #[arg(long)]
    lenient: bool,
    /// An example that does not match its schema is an error (else a warning).
    #[arg(long)]
    strict: bool,
}

impl Reading {
    fn config(self) -> Config {
        let examples = if self.strict {
            ExampleCheck::Error
        } else {
            ExampleCheck::Warn
        };
        Config::default().lenient(self.lenient).examples(examples)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Deny {
    Breaking,
}

enum Failure {
    /// Invalid specs: every problem of each.
    Invalid(Vec<Diagnostics>),
    Usage(String),
    /// `diff --deny breaking` found breaking changes (the report is printed).
    Breaking(String),
}

/// Where human output and diagnostics go.
struct Printer {
    format: MessageFormat,
}

impl Printer {
    /// A result line: stdout, or stderr when stdout carries JSON.
    fn result(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.format {
            MessageFormat::Human => say(&mut std::io::stdout(), text),
            MessageFormat::Json => say(&mut std::io::stderr(), text),
        }
    }

    /// Diagnostics: stderr as text, or stdout as JSON lines; then the
    /// repairs by class, when any diagnostic is repairable (a table, or one
    /// `repair-summary` JSON line).
    fn diagnostics(&self, diagnostics: &Diagnostics) {
        if diagnostics.is_empty() {
            return;
        }
        match self.format {
            MessageFormat::Human => {
                say(&mut std::io::stderr(), &diagnostics.to_string());
                if let Some(table) = diagnostics.repair_table() {
                    say(&mut std::io::stderr(), &format!("\n{table}"));
                }
            }
            MessageFormat::Json => {
                for d in diagnostics.iter() {
                    say(&mut std::io::stdout(), &d.to_json().to_string());
                }
                let repairs = diagnostics.repairs();
                if !repairs.is_empty() {
                    let classes: serde_json::Map<String, serde_json::Value> = repairs
                        .into_iter()
                        .map(|(class, n)| (class.as_str().to_string(), n.into()))
                        .collect();
                    let summary =
                        serde_json::json!({"reason": "repair-summary", "classes": classes});
                    say(&mut std::io::stdout(), &summary.to_string());
                }
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer {
        format: cli.message_format,
    };
    match run(cli.command, &printer) {
        Ok(message) => {
            printer.result(&message);
            ExitCode::SUCCESS
        }
        Err(Failure::Invalid(all)) => {
            for diagnostics in &all {
                printer.diagnostics(diagnostics);
            }
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
            say(&mut std::io::stderr(), &format!("error: {message}"));
            ExitCode::from(2)
        }
    }
}

/// Prints a line, ignoring a closed pipe (`pasarela-gen check x | head -1`).
fn say(out: &mut impl std::io::Write, text: &str) {
    let _ = writeln!(out, "{text}");
}

fn run(command: Command, printer: &Printer) -> Result<String, Failure> {
    match command {
        #[cfg(feature = "sandbox")]
        Command::Serve {
            spec,
            port,
            host,
            validate,
        } => serve(
            &spec,
            std::net::SocketAddr::new(host, port),
            validate,
            printer,
        ),
        Command::Check { spec, reading } => {
            let source = read_source(&spec)?;
            let checked = pasarela_gen::check_with(&source, &reading.config())
                .map_err(|d| Failure::Invalid(vec![d]))?;
            printer.diagnostics(&checked.warnings);
            let warnings = checked.warnings.warnings().count();
            Ok(format!(
                "{}: ok ({} operations, {} types{})",
                spec.display(),
                checked.api.operations.len(),
                checked.api.types.len(),
                match warnings {
                    0 => String::new(),
                    1 => ", 1 warning".to_string(),
                    n => format!(", {n} warnings"),
                }
            ))
        }
        Command::Generate {
            spec,
            out,
            stats,
            reading,
        } => {
            let (changed, sizes) = generate_one(&spec, &out, &reading.config(), printer)?;
            let mut text = report(&out.display().to_string(), changed);
            if stats {
                text.push_str(&format!(
                    "\n{{\"stats\":{{\"operations\":{},\"named_types\":{},\"inline_types\":{},\"merged_types\":{},\"items\":{},\"lines\":{}}}}}",
                    sizes.operations,
                    sizes.named_types,
                    sizes.inline_types,
                    sizes.merged_types,
                    sizes.items,
                    sizes.lines
                ));
            }
            Ok(text)
        }
        Command::Diff {
            old,
            new,
            format,
            deny,
            reading,
        } => diff(&old, &new, format, deny.is_some(), &reading.config()),
        Command::Codegen {
            spec_dir,
            out,
            reading,
        } => {
            let config = reading.config();
            let result = pasarela_gen::Builder::new()
                .spec_dir(&spec_dir)
                .out_dir(&out)
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
                printer.diagnostics(&g.warnings);
                let target = g.path.as_deref().unwrap_or(&out);
                lines.push(report(&target.display().to_string(), g.changed));
                if let Some(summary) = change_summary(&g.source, &config) {
                    lines.push(format!("{}: {summary}", g.module_name));
                }
            }
            match failures {
                None => Ok(lines.join("\n")),
                Some(d) => Err(Failure::Invalid(d)),
            }
        }
    }
}

/// `pasarela-gen diff OLD NEW [--format text|json|markdown] [--deny breaking]`.
fn diff(
    old: &Path,
    new: &Path,
    format: DiffFormat,
    deny: bool,
    config: &Config,
) -> Result<String, Failure> {
    let (old_source, new_source) = (read_source(old)?, read_source(new)?);
    let config = config.clone().examples(ExampleCheck::Off);
    let report = pasarela_gen::diff_sources(&old_source, &new_source, &config).map_err(|e| {
        let (which, d) = match e {
            pasarela_gen::DiffError::Old(d) => ("old", d),
            pasarela_gen::DiffError::New(d) => ("new", d),
        };
        say(
            &mut std::io::stderr(),
            &format!("error: the {which} document is invalid:"),
        );
        Failure::Invalid(vec![d])
    })?;
    let text = match format {
        DiffFormat::Json => serde_json::to_string_pretty(&report.to_json()).unwrap_or_default(),
        DiffFormat::Markdown => {
            report.to_markdown(&format!("{} → {}", old.display(), new.display()))
        }
        DiffFormat::Text => report.to_text().trim_end().to_string(),
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

fn generate_one(
    spec: &Path,
    out: &Path,
    config: &Config,
    printer: &Printer,
) -> Result<(bool, pasarela_gen::Stats), Failure> {
    let source = read_source(spec)?;
    let output = generate(&source, config).map_err(|d| Failure::Invalid(vec![d]))?;
    printer.diagnostics(&output.warnings);
    let changed = pasarela_gen::builder::write_if_changed(out, &output.code)
        .map_err(|e| Failure::Usage(e.to_string()))?;
    Ok((changed, output.stats()))
}
