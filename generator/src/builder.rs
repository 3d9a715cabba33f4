//! The build-script API, in the spirit of `prost-build`: name specs (or
//! directories of specs), and [`Builder::compile`] generates one module per
//! spec into `OUT_DIR`, writes only files whose content changed, prints the
//! `cargo:rerun-if-changed` lines, and can write an include file that
//! declares every module.
//!
//! In `build.rs` (and `include!(concat!(env!("OUT_DIR"), "/clients.rs"));`
//! in `src/lib.rs`):
//!
//! ```no_run
//! if let Err(e) = pasarela_gen::Builder::new()
//!     .spec_dir("specs")
//!     .include_file("clients.rs")
//!     .compile()
//! {
//!     eprintln!("{e}");
//!     std::process::exit(1);
//! }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use crate::{generate, Config, Diagnostics, Source};

/// File extensions read as specs when a directory is given.
const SPEC_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Chooses the [`Config`] of one spec from its path and the builder's
/// configuration.
type ConfigFor = dyn Fn(&Path, Config) -> Config;

/// Decides from its name whether a module is generated.
type ModuleFilter = dyn Fn(&str) -> bool;

/// Compiles OpenAPI/Swagger specs into Rust client modules.
pub struct Builder {
    specs: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
    out_dir: Option<PathBuf>,
    config: Config,
    config_for: Option<Box<ConfigFor>>,
    include_file: Option<PathBuf>,
    cargo_directives: Option<bool>,
    module_filter: Option<Box<ModuleFilter>>,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("specs", &self.specs)
            .field("dirs", &self.dirs)
            .field("out_dir", &self.out_dir)
            .field("config", &self.config)
            .field("include_file", &self.include_file)
            .finish_non_exhaustive()
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

/// One generated module.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The spec it was generated from, with the files its `$ref`s name.
    pub source: Source,
    /// The module name (also the file stem).
    pub module_name: String,
    /// The API's title, for documentation.
    pub title: String,
    /// The generated Rust source.
    pub code: String,
    /// Where it was written ([`Builder::compile`]); `None` from
    /// [`Builder::generate`].
    pub path: Option<PathBuf>,
    /// Whether the file on disk changed ([`Builder::compile`]).
    pub changed: bool,
    /// Diagnostics that did not stop generation.
    pub warnings: Diagnostics,
}

/// Why [`Builder::compile`] or [`Builder::generate`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// A spec or directory could not be read, or a file not written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// No output directory: not running in a build script (no `OUT_DIR`)
    /// and none given with [`Builder::out_dir`].
    #[error("no output directory: call .out_dir(..) or run from a build script (OUT_DIR)")]
    NoOutDir,
    /// Two specs give the same module name.
    #[error("specs {first} and {second} both generate module `{module}`; set x-pasarela-module in one of them")]
    DuplicateModule {
        /// The module name.
        module: String,
        /// The first spec.
        first: String,
        /// The second spec.
        second: String,
    },
    /// Some specs are invalid (every problem of every spec is listed).
    /// The specs that are valid were still generated.
    #[error("{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n\n"))]
    Invalid(Vec<Diagnostics>),
}

impl Builder {
    /// A builder with no specs, the default [`Config`], writing to `OUT_DIR`.
    pub fn new() -> Self {
        Builder {
            specs: Vec::new(),
            dirs: Vec::new(),
            out_dir: None,
            config: Config::default(),
            config_for: None,
            include_file: None,
            cargo_directives: None,
            module_filter: None,
        }
    }

    /// Adds one spec file.
    pub fn spec(mut self, path: impl Into<PathBuf>) -> Self {
        self.specs.push(path.into());
        self
    }

    /// Adds every `*.yaml`, `*.yml` and `*.json` file in `dir` (not its
    /// subdirectories, which usually hold files that specs `$ref`).
    pub fn spec_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dirs.push(dir.into());
        self
    }

    /// Where [`compile`](Self::compile) writes (default: `OUT_DIR`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The generation options for every spec.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Chooses the options of each spec from its path and the builder's
    /// [`config`](Self::config) (e.g. a module name or `lenient` for one
    /// document).
    pub fn config_for(mut self, f: impl Fn(&Path, Config) -> Config + 'static) -> Self {
        self.config_for = Some(Box::new(f));
        self
    }

    /// Also writes `name` in the output directory: one
    /// `pub mod <module> { include!("<module>.rs"); }` per spec, with the
    /// API's title as its doc comment. `include!` it from your crate.
    pub fn include_file(mut self, name: impl Into<PathBuf>) -> Self {
        self.include_file = Some(name.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` for every spec, every
    /// file it `$ref`s and every spec directory (default: when `OUT_DIR`
    /// is set, i.e. in a build script).
    pub fn cargo_directives(mut self, on: bool) -> Self {
        self.cargo_directives = Some(on);
        self
    }

    /// Generates only the modules `keep` accepts (e.g. those whose cargo
    /// feature is on: `CARGO_FEATURE_<MODULE>`).
    pub fn modules(mut self, keep: impl Fn(&str) -> bool + 'static) -> Self {
        self.module_filter = Some(Box::new(keep));
        self
    }

    /// The spec files, in order: single specs as added, then each
    /// directory's specs sorted by name.
    pub fn spec_files(&self) -> Result<Vec<PathBuf>, CompileError> {
        let mut files = self.specs.clone();
        for dir in &self.dirs {
            let entries = std::fs::read_dir(dir).map_err(|source| CompileError::Io {
                path: dir.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && p.extension()
                            .and_then(|e| e.to_str())
                            .is_some_and(|e| SPEC_EXTENSIONS.contains(&e))
                })
                .collect();
            found.sort();
            files.extend(found);
        }
        Ok(files)
    }

    /// Generates every spec in memory; writes nothing, prints nothing.
    /// Every invalid spec is reported ([`CompileError::Invalid`]).
    pub fn generate(&self) -> Result<Vec<Generated>, CompileError> {
        let (generated, invalid) = self.generate_valid(self.spec_files()?)?;
        if invalid.is_empty() {
            Ok(generated)
        } else {
            Err(CompileError::Invalid(invalid))
        }
    }

    /// The valid specs among `files` generated, and the diagnostics of the
    /// invalid ones.
    fn generate_valid(
        &self,
        files: Vec<PathBuf>,
    ) -> Result<(Vec<Generated>, Vec<Diagnostics>), CompileError> {
        let mut out: Vec<Generated> = Vec::new();
        let mut invalid = Vec::new();
        for path in files {
            let source = Source::from_path(&path).map_err(|source| CompileError::Io {
                path: path.clone(),
                source,
            })?;
            let config = match &self.config_for {
                Some(f) => f(&path, self.config.clone()),
                None => self.config.clone(),
            };
            match generate(&source, &config) {
                Ok(output) => {
                    if self
                        .module_filter
                        .as_ref()
                        .is_some_and(|keep| !keep(&output.module_name))
                    {
                        continue;
                    }
                    if let Some(first) = out.iter().find(|g| g.module_name == output.module_name) {
                        return Err(CompileError::DuplicateModule {
                            module: output.module_name,
                            first: first.source.path.clone(),
                            second: source.path,
                        });
                    }
                    out.push(Generated {
                        title: output.api.title.clone(),
                        module_name: output.module_name,
                        code: output.code,
                        path: None,
                        changed: false,
                        warnings: output.warnings,
                        source,
                    });
                }
                Err(diagnostics) => invalid.push(diagnostics),
            }
        }
        Ok((out, invalid))
    }

    /// Generates every spec and writes `<out_dir>/<module>.rs` for each
    /// (only when its content changed), the include file if asked, and the
    /// cargo directives. When some specs are invalid, the valid ones are
    /// still written and [`CompileError::Invalid`] lists every problem.
    pub fn compile(&self) -> Result<Vec<Generated>, CompileError> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(CompileError::NoOutDir)?,
        };
        let directives = self
            .cargo_directives
            .unwrap_or_else(|| std::env::var_os("OUT_DIR").is_some());
        if directives {
            for dir in &self.dirs {
                println!("cargo:rerun-if-changed={}", dir.display());
            }
        }
        let files = self.spec_files()?;
        if directives {
            for spec in &files {
                println!("cargo:rerun-if-changed={}", spec.display());
            }
        }
        let (mut generated, invalid) = self.generate_valid(files)?;
        if directives {
            for g in &generated {
                for included in &g.source.includes {
                    println!("cargo:rerun-if-changed={}", included.path);
                }
            }
        }
        for g in &mut generated {
            let path = out_dir.join(format!("{}.rs", g.module_name));
            g.changed = write_if_changed(&path, &g.code)?;
            g.path = Some(path);
        }
        if let Some(name) = &self.include_file {
            let mut text = String::from("// @generated by pasarela-gen: one module per spec.\n");
            for g in &generated {
                let title = g.title.replace(['\n', '\r'], " ");
                text.push_str(&format!(
                    "/// {title} (generated from `{}`).\npub mod {m} {{\n    include!(\"{m}.rs\");\n}}\n",
                    g.source.path,
                    m = g.module_name
                ));
            }
            write_if_changed(&out_dir.join(name), &text)?;
        }
        if invalid.is_empty() {
            Ok(generated)
        } else {
            Err(CompileError::Invalid(invalid))
        }
    }
}

/// Writes `content` to `path` unless it already holds exactly that;
/// `true` when it wrote.
pub fn write_if_changed(path: &Path, content: &str) -> Result<bool, CompileError> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(content) {
        return Ok(false);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| CompileError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, content).map_err(|source| CompileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(true)
}
