//! Errors about a spec, shown against its source with a hint.

use std::fmt;

/// A position in a source file (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// Which file: 0 is the spec itself, 1.. the files its `$ref`s name
    /// (see [`crate::Source::include`]), in the order they were added.
    pub file: u32,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Pos {
    /// A position in the spec itself (file 0).
    pub const fn new(line: usize, column: usize) -> Self {
        Self {
            file: 0,
            line,
            column,
        }
    }
}

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The spec is not generated.
    Error,
    /// Generation goes on; the output is correct but the reader should know.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Whether it stops generation.
    pub severity: Severity,
    /// True when a lenient reader (`--lenient`, [`crate::Config::lenient`])
    /// can still turn the construct into a correct client; under lenient
    /// reading such a diagnostic is a warning.
    pub repairable: bool,
    /// What is wrong, in one line.
    pub message: String,
    /// The file, as given to the generator.
    pub file: String,
    /// Where in the file.
    pub pos: Pos,
    /// The source line at `pos`, when known.
    pub source_line: Option<String>,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// The diagnostic as one JSON object, for editors and CI
    /// (`pasarela-gen --message-format json`): `severity`, `message`,
    /// `file`, `line`, `column` (1-based), `source_line`, `hint`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "reason": "diagnostic",
            "severity": self.severity.as_str(),
            "message": self.message,
            "file": self.file,
            "line": self.pos.line,
            "column": self.pos.column,
            "source_line": self.source_line,
            "hint": self.hint,
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}", self.severity.as_str(), self.message)?;
        writeln!(
            f,
            "  --> {}:{}:{}",
            self.file, self.pos.line, self.pos.column
        )?;
        if let Some(line) = &self.source_line {
            let num = self.pos.line.to_string();
            let pad = " ".repeat(num.len());
            writeln!(f, "{pad} |")?;
            writeln!(f, "{num} | {line}")?;
            let caret_pad = " ".repeat(self.pos.column.saturating_sub(1));
            writeln!(f, "{pad} | {caret_pad}^")?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "  = hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found in a spec, in source order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// True when nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every diagnostic, in the order reported.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// The diagnostics that stop generation.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Error)
    }

    /// The diagnostics that do not stop generation.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Warning)
    }

    /// True when at least one diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// How many problems were reported.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let errors = self.errors().count();
        let warnings = self.warnings().count();
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match (errors, warnings) {
            (0, w) => write!(f, "{w} warning{}; the spec was generated", plural(w)),
            (e, 0) => write!(
                f,
                "{e} error{} found; the spec was not generated",
                plural(e)
            ),
            (e, w) => write!(
                f,
                "{e} error{} and {w} warning{} found; the spec was not generated",
                plural(e),
                plural(w)
            ),
        }
    }
}

impl std::error::Error for Diagnostics {}

/// Collects diagnostics for a spec (and the files its `$ref`s name) and
/// renders source lines.
#[derive(Debug)]
pub struct Reporter<'a> {
    /// (name, lines) per file; index = [`Pos::file`].
    files: Vec<(&'a str, Vec<&'a str>)>,
    found: Vec<Diagnostic>,
    lenient: bool,
}

impl<'a> Reporter<'a> {
    /// A reporter for `text`, shown as `file`.
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            files: vec![(file, text.lines().collect())],
            found: Vec::new(),
            lenient: false,
        }
    }

    /// Registers another file (named by a `$ref`) and returns its index for
    /// [`Pos::file`]; a file already registered keeps its index.
    pub fn add_file(&mut self, file: &'a str, text: &'a str) -> u32 {
        if let Some(i) = self.files.iter().position(|(name, _)| *name == file) {
            return u32::try_from(i).unwrap_or(0);
        }
        self.files.push((file, text.lines().collect()));
        u32::try_from(self.files.len() - 1).unwrap_or(0)
    }

    /// Line `line` (1-based) of file `file` as written, when there is one.
    pub fn source_line(&self, file: u32, line: usize) -> Option<&'a str> {
        let (_, lines) = self.files.get(usize::try_from(file).ok()?)?;
        lines.get(line.checked_sub(1)?).copied()
    }

    /// Takes the diagnostics another reporter found in file `file` (one
    /// registered with [`Reporter::add_file`]).
    pub fn absorb(&mut self, file: u32, found: Diagnostics) {
        for d in found.0 {
            let pos = Pos { file, ..d.pos };
            self.push(d.severity, d.repairable, pos, d.message, d.hint);
        }
    }

    /// Reads repairable problems as warnings (see [`Reporter::repairable`]).
    pub fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    fn push(
        &mut self,
        severity: Severity,
        repairable: bool,
        pos: Pos,
        message: String,
        hint: Option<String>,
    ) {
        let (file, lines) = usize::try_from(pos.file)
            .ok()
            .and_then(|i| self.files.get(i))
            .or(self.files.first())
            .map_or(("", &[][..]), |(name, lines)| (*name, lines.as_slice()));
        let source_line = lines
            .get(pos.line.saturating_sub(1))
            .map(|l| l.trim_end().to_string());
        self.found.push(Diagnostic {
            severity,
            repairable,
            message,
            file: file.to_string(),
            pos,
            source_line,
            hint,
        });
    }

    /// Records a problem at `pos` with an optional hint.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Error, false, pos, message.into(), hint);
    }

    /// Records something the reader should know that does not stop generation.
    pub fn warning(&mut self, pos: Pos, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Warning, false, pos, message.into(), hint);
    }

    /// Records a spec violation that a lenient reader can still turn into a
    /// correct client by doing `repair` (e.g. "treat `{id}` as a required
    /// string argument"). Strict (the default): an error whose hint says
    /// what `--lenient` would do. Lenient: a warning saying what was done.
    /// Returns true when the caller should apply the repair.
    pub fn repairable(
        &mut self,
        pos: Pos,
        message: impl Into<String>,
        hint: &str,
        repair: &str,
    ) -> bool {
        let message = message.into();
        if self.lenient {
            let hint = format!("read leniently: {repair}; to fix the spec, {hint}");
            self.push(Severity::Warning, true, pos, message, Some(hint));
        } else {
            let hint =
                format!("{hint} (or pass `--lenient` / `Config::lenient(true)` to {repair})");
            self.push(Severity::Error, true, pos, message, Some(hint));
        }
        self.lenient
    }

    /// True when at least one error (not a warning) was recorded.
    pub fn has_errors(&self) -> bool {
        self.found.iter().any(|d| d.severity == Severity::Error)
    }

    /// All problems, sorted by position (stable for equal positions).
    pub fn finish(mut self) -> Diagnostics {
        self.found.sort_by_key(|d| d.pos);
        self.found.dedup();
        Diagnostics(self.found)
    }
}
