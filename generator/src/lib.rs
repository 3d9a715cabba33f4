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
//! ```
//! let spec = "openapi: 3.0.3\ninfo: {title: Pets, version: '1'}\npaths:\n  /pets:\n    get:\n      operationId: listPets\n      responses:\n        '200': {description: ok}\n";
//! let source = pasarela_gen::Source::new("specs/pets.yaml", spec);
//! let out = pasarela_gen::generate(&source, &pasarela_gen::Config::default()).unwrap();
//! assert!(out.code.contains("pub fn list_pets"));
//! ```

pub mod diagnostics;
pub mod emit;
pub mod extensions;
pub mod format;
pub mod ident;
pub mod ir;
pub mod ir_check;
pub mod load;
pub mod lower;
pub mod resolve;
pub mod structure;
pub mod swagger2;

pub use diagnostics::{Diagnostic, Diagnostics, Pos, Severity};

/// A spec to generate from.
#[derive(Debug, Clone)]
pub struct Source {
    /// How the file is named in diagnostics and in the generated header
    /// (e.g. `specs/my-api.yaml`). Use a relative path so output is
    /// the same on every machine.
    pub path: String,
    /// The document's text.
    pub text: String,
}

impl Source {
    /// A source named `path` with content `text`.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
        }
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
        message: format!("internal error: {what}"),
        file: source.path.clone(),
        pos: Pos { line: 1, column: 1 },
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
    let doc = resolve::Doc::new(&root);
    if !resolve::validate(&doc, &mut reporter) {
        return Err(reporter.finish());
    }
    let api = lower::lower(&doc, &mut reporter);
    if let Some(api) = &api {
        ir_check::check(api, &mut reporter);
    }
    match api {
        Some(api) if !reporter.has_errors() => Ok(Checked {
            api,
            warnings: reporter.finish(),
        }),
        _ => Err(reporter.finish()),
    }
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
