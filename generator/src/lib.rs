//! `pasarela-gen` turns an OpenAPI 3.0/3.1 (or Swagger 2.0) document into a
//! typed, async Rust client that depends only on `pasarela-runtime`.
//!
//! [`generate`] is pure — text in, text out, no file system, environment or
//! clock — and runs named stages, each a module with one job:
//!
//! 1. [`load`]: YAML/JSON → a tree with line:column on every node; a
//!    Swagger 2.0 tree is then upgraded to the OpenAPI 3.0 shape by
//!    [`swagger2`], keeping the 2.0 file's positions;
//! 2. [`resolve`]: `$ref`s, cycles and the document's shape ([`structure`]:
//!    every section's kind, every `x-pasarela-*` key through [`extensions`]),
//!    all errors collected;
//! 3. [`lower`]: tree → [`ir::Api`], all naming through [`ident`]; then
//!    [`ir_check`]: what the emitter cannot express is a diagnostic;
//! 4. [`emit`]: IR → tokens with `quote!`;
//! 5. [`format`](mod@format): tokens → `prettyplease` source with a fixed header line.
//!
//! Two more consumers of the IR: `examples` (with the `examples` feature,
//! when [`Config::examples`] asks) validates every example against its
//! schema after lowering, and [`diff`] compares the IR of two versions of
//! a spec ([`diff_sources`]).
//!
//! ```
//! let spec = "openapi: 3.0.3\ninfo: {title: Pets, version: '1'}\npaths:\n  /pets:\n    get:\n      operationId: listPets\n      responses:\n        '200': {description: ok}\n";
//! let source = pasarela_gen::Source::new("specs/pets.yaml", spec);
//! let out = pasarela_gen::generate(&source, &pasarela_gen::Config::default()).unwrap();
//! assert!(out.code.contains("pub fn list_pets"));
//! ```

pub mod builder;
pub mod diagnostics;
pub mod diff;
pub mod emit;
#[cfg(feature = "examples")]
pub mod examples;
pub mod extensions;
pub mod format;
pub mod ident;
pub mod ir;
pub mod ir_check;
pub mod load;
mod load_json;
pub mod lower;
pub mod members;
mod repair;
pub mod resolve;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod structure;
pub mod swagger2;

pub use builder::{Builder, CompileError, Generated};
pub use diagnostics::{Diagnostic, Diagnostics, Pos, Repair, Severity};

/// A spec to generate from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// How the file is named in diagnostics and in the generated header
    /// (e.g. `specs/my-api.yaml`). Use a relative path so output is
    /// the same on every machine.
    pub path: String,
    /// The document's text.
    pub text: String,
    /// Other files the document's `$ref`s name (`schemas/pet.yaml#/Pet`),
    /// each named by its path joined to the spec's directory
    /// (`specs/schemas/pet.yaml`). [`Source::from_path`] fills this in.
    pub includes: Vec<Source>,
}

/// Most files one spec may pull in through `$ref`s.
pub const MAX_INCLUDES: usize = 20_000;

impl Source {
    /// A source named `path` with content `text`.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
            includes: Vec::new(),
        }
    }

    /// Adds a file that a `$ref` names, by its path joined to the spec's
    /// directory (for a spec `specs/api.yaml` with `$ref: common.yaml#/X`,
    /// the path is `specs/common.yaml`).
    pub fn include(mut self, path: impl Into<String>, text: impl Into<String>) -> Self {
        self.includes.push(Source::new(path, text));
        self
    }

    /// Reads the spec at `path` and, transitively, every local file its
    /// `$ref`s name (relative to the file that holds the `$ref`). A file
    /// that cannot be read is left out; the reference to it is then
    /// reported with its position. Only the spec itself failing to read is
    /// an error.
    pub fn from_path(path: impl AsRef<std::path::Path>) -> std::io::Result<Source> {
        let shown = path
            .as_ref()
            .to_string_lossy()
            .replace('\\', "/")
            .trim_start_matches("./")
            .to_string();
        let text = std::fs::read_to_string(path.as_ref())?;
        Ok(Self::with_includes(shown, text, |file| {
            std::fs::read_to_string(file).ok()
        }))
    }

    /// The spec `path` with content `text` and, transitively, every local
    /// file its `$ref`s name, read by `read` (given the path joined to the
    /// spec's directory; `None` leaves the file out, and the reference to
    /// it is reported). [`Source::from_path`] reads from the file system;
    /// `diff` reads an earlier version from git this way.
    pub fn with_includes(
        path: impl Into<String>,
        text: impl Into<String>,
        mut read: impl FnMut(&str) -> Option<String>,
    ) -> Source {
        let mut source = Source::new(path, text);
        let mut queue = vec![(source.path.clone(), source.text.clone())];
        let mut seen = std::collections::BTreeSet::from([source.path.clone()]);
        while let Some((file, text)) = queue.pop() {
            let mut quiet = diagnostics::Reporter::new(&file, &text);
            let Some(mut root) = load::load(&file, &text, &mut quiet) else {
                continue;
            };
            resolve::canonicalize(&mut root, &file, &source.path);
            let mut named = std::collections::BTreeSet::new();
            resolve::referenced_files(&root, &mut named);
            for next in named {
                if seen.len() > MAX_INCLUDES || !seen.insert(next.clone()) {
                    continue;
                }
                if let Some(text) = read(&next) {
                    source
                        .includes
                        .push(Source::new(next.clone(), text.clone()));
                    queue.push((next, text));
                }
            }
        }
        source.includes.sort_by(|a, b| a.path.cmp(&b.path));
        source
    }

    /// The files positions of this source index ([`Pos::file`]): the spec,
    /// then the files its `$ref`s name.
    pub fn files(&self) -> Vec<String> {
        std::iter::once(&self.path)
            .chain(self.includes.iter().map(|s| &s.path))
            .cloned()
            .collect()
    }
}

/// Generation options.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Overrides the module name (otherwise `x-pasarela-module`, else the
    /// file stem in snake case).
    pub module_name: Option<String>,
    /// Reads spec violations that can still become a correct client as
    /// warnings instead of errors (an undeclared path template parameter
    /// becomes a required `String` argument, ...). Off by default: a
    /// payments generator does not guess silently.
    pub lenient: bool,
    /// Whether every `example`/`examples` value is checked against its
    /// schema, and how a mismatch is reported. Off by default (a build
    /// script that only generates does not pay for it); the CLI's `check`
    /// turns it on. Needs the `examples` cargo feature (on by default).
    pub examples: ExampleCheck,
}

/// How [`Config::examples`] reports an example that its schema rejects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExampleCheck {
    /// Examples are not checked.
    #[default]
    Off,
    /// A mismatch is a warning.
    Warn,
    /// A mismatch is an error (`pasarela-gen check --strict`).
    Error,
}

impl Config {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the module name.
    pub fn module_name(mut self, name: impl Into<String>) -> Self {
        self.module_name = Some(name.into());
        self
    }

    /// Checks examples against their schemas (see [`Config::examples`]).
    pub fn examples(mut self, examples: ExampleCheck) -> Self {
        self.examples = examples;
        self
    }

    /// Turns repairable spec violations into warnings (see [`Config::lenient`]).
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }
}

/// What [`check_with`] produces: the IR and the warnings found on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The lowered API.
    pub api: ir::Api,
    /// Diagnostics that did not stop generation (empty when there were none).
    pub warnings: Diagnostics,
}

/// What [`generate`] produces.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    /// The Rust module name the code is meant for (also the file stem).
    pub module_name: String,
    /// The formatted Rust source: a file of items, no inner attributes.
    pub code: String,
    /// The lowered API, for tools and tests.
    pub api: ir::Api,
    /// Diagnostics that did not stop generation; print them.
    pub warnings: Diagnostics,
}

/// How big a generated client is, against what its document declares
/// (`pasarela-gen generate --stats` prints it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Operations (one request builder each).
    pub operations: usize,
    /// Types for schemas the document names.
    pub named_types: usize,
    /// Types for schemas written in place, after merging equal shapes.
    pub inline_types: usize,
    /// Inline types merged into an equal one (each left as a `pub type`
    /// alias of it).
    pub merged_types: usize,
    /// `pub struct` and `pub enum` items in the code: types, error enums
    /// and request builders.
    pub items: usize,
    /// Lines of code.
    pub lines: usize,
}

impl Output {
    /// Sizes of this output, for reports and benchmarks.
    pub fn stats(&self) -> Stats {
        let merged = |t: &&ir::TypeDef| t.inline && matches!(t.kind, ir::TypeKind::Alias(_));
        Stats {
            operations: self.api.operations.len(),
            named_types: self.api.types.iter().filter(|t| !t.inline).count(),
            inline_types: self
                .api
                .types
                .iter()
                .filter(|t| t.inline && !merged(t))
                .count(),
            merged_types: self.api.types.iter().filter(merged).count(),
            items: self
                .code
                .lines()
                .map(str::trim_start)
                .filter(|l| l.starts_with("pub struct ") || l.starts_with("pub enum "))
                .count(),
            lines: self.code.lines().count(),
        }
    }
}

/// Runs load → resolve → lower with default (strict) options and returns
/// the IR, or every problem found. See [`check_with`] for warnings and options.
pub fn check(source: &Source) -> Result<ir::Api, Diagnostics> {
    check_with(source, &Config::default()).map(|c| c.api)
}

/// Runs load → resolve → lower → IR validation and returns the IR with its
/// warnings, or every problem found (errors and warnings).
///
/// The stages recurse over the document; they run on a thread with a large
/// stack (and `load` refuses absurdly deep nesting) so that no input can
/// overflow the caller's stack.
pub fn check_with(source: &Source, config: &Config) -> Result<Checked, Diagnostics> {
    const STACK: usize = 256 * 1024 * 1024;
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("pasarela-gen".into())
            .stack_size(STACK)
            .spawn_scoped(scope, || check_on_this_thread(source, config));
        match worker.map(|handle| handle.join()) {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(internal_error(source, "a stage panicked")),
            // No thread available: run here, with the depth limit as the guard.
            Err(_) => check_on_this_thread(source, config),
        }
    })
}

fn internal_error(source: &Source, what: &str) -> Diagnostics {
    Diagnostics(vec![Diagnostic {
        severity: Severity::Error,
        repairable: false,
        class: None,
        message: format!("internal error: {what}"),
        file: source.path.clone(),
        pos: Pos::new(1, 1),
        source_line: None,
        hint: Some("this is a bug in pasarela-gen; please report it with the spec".into()),
    }])
}

fn check_on_this_thread(source: &Source, config: &Config) -> Result<Checked, Diagnostics> {
    let mut reporter =
        diagnostics::Reporter::new(&source.path, &source.text).lenient(config.lenient);
    let Some(mut root) = load::load(&source.path, &source.text, &mut reporter) else {
        return Err(reporter.finish());
    };
    if swagger2::is_swagger2(&root) {
        root = swagger2::upgrade(&root, &mut reporter);
    }
    resolve::canonicalize(&mut root, &source.path, &source.path);
    let mut included = Vec::new();
    for file in &source.includes {
        match load::load(&file.path, &file.text, &mut reporter) {
            Some(mut node) => {
                resolve::canonicalize(&mut node, &file.path, &source.path);
                included.push((file.path.as_str(), node));
            }
            // Its problems are reported; references into it would only add noise.
            None => return Err(reporter.finish()),
        }
    }
    repair::repair(&mut root, &mut included, &mut reporter);
    let doc = resolve::Doc::with_files(&root, included.iter().map(|(p, n)| (*p, n)));
    if !resolve::validate(&doc, &mut reporter) {
        return Err(reporter.finish());
    }
    let api = lower::lower(&doc, &mut reporter);
    if let Some(api) = &api {
        ir_check::check(api, &mut reporter);
    }
    check_examples(&doc, config.examples, &mut reporter);
    match api {
        Some(api) if !reporter.has_errors() => Ok(Checked {
            api,
            warnings: reporter.finish(),
        }),
        _ => Err(reporter.finish()),
    }
}

/// Runs the [`examples`] stage when [`Config::examples`] asks for it.
fn check_examples(
    doc: &resolve::Doc<'_>,
    mode: ExampleCheck,
    reporter: &mut diagnostics::Reporter<'_>,
) {
    let severity = match mode {
        ExampleCheck::Off => return,
        ExampleCheck::Warn => Severity::Warning,
        ExampleCheck::Error => Severity::Error,
    };
    #[cfg(feature = "examples")]
    examples::check(doc, severity, reporter);
    #[cfg(not(feature = "examples"))]
    reporter.warning(
        doc.root.pos,
        format!("examples not checked ({severity:?} requested): pasarela-gen was built without its `examples` feature"),
        Some("depend on pasarela-gen with `features = [\"examples\"]`".into()),
    );
}

/// Which document of a [`diff_sources`] comparison is invalid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DiffError {
    /// The earlier document does not pass `check`.
    #[error("the old document is invalid:\n{0}")]
    Old(Diagnostics),
    /// The later document does not pass `check`.
    #[error("the new document is invalid:\n{0}")]
    New(Diagnostics),
}

/// Compares what the clients generated from `old` and `new` would be
/// (both run through load → resolve → lower with `config`); see [`diff`].
pub fn diff_sources(
    old: &Source,
    new: &Source,
    config: &Config,
) -> Result<diff::Report, DiffError> {
    let old_api = check_with(old, config).map_err(DiffError::Old)?.api;
    let new_api = check_with(new, config).map_err(DiffError::New)?.api;
    let (old_files, new_files) = (old.files(), new.files());
    Ok(diff::diff(
        diff::Side {
            api: &old_api,
            files: &old_files,
        },
        diff::Side {
            api: &new_api,
            files: &new_files,
        },
    ))
}

/// Generates a client from `source`. Same input, byte-identical output.
pub fn generate(source: &Source, config: &Config) -> Result<Output, Diagnostics> {
    let Checked { api, warnings } = check_with(source, config)?;
    let module_name = config
        .module_name
        .clone()
        .or_else(|| api.module.clone())
        .unwrap_or_else(|| module_from_path(&source.path));
    let tokens = emit::emit(&api);
    let code = format::format(tokens, &source.path)
        .map_err(|e| internal_error(source, &format!("the emitted code does not parse: {e}")))?;
    Ok(Output {
        module_name,
        code,
        api,
        warnings,
    })
}

/// The module name for a spec file: its stem in snake case.
pub fn module_from_path(path: &str) -> String {
    let stem = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .split('.')
        .next()
        .unwrap_or("api");
    ident::bare(&ident::snake(stem)).to_string()
}
