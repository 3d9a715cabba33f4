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
    /// How the generator read something the spec says in a common but not
    /// pasarela-specific way (e.g. a header parameter it recognised as an
    /// idempotency key); nothing to fix.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The kinds of deviation from the OpenAPI/Swagger specifications that real
/// documents have and a lenient reading repairs (`--lenient`,
/// [`crate::Config::lenient`]). Each is named in diagnostics, counted in
/// `check --lenient`'s summary and carried as `class` in
/// `--message-format json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Repair {
    /// A `$ref` where the specification does not allow one (on an operation,
    /// a media type, a whole `properties` map, …): the target is read in
    /// its place.
    MisplacedRef,
    /// A `$ref` whose target does not exist: read as any JSON value (or
    /// left out, for a parameter or response).
    MissingRef,
    /// `items` given as a list of schemas.
    ItemsList,
    /// A `style`/`explode` combination the specification leaves undefined
    /// (`deepObject` on an array or a scalar).
    UndefinedStyle,
    /// An `operationId` that is missing or used twice.
    OperationId,
    /// An operation without `responses`.
    NoResponses,
    /// An `enum` value that is not of the schema's `type`.
    EnumType,
    /// `required` naming a property the schema does not define.
    RequiredUnknown,
    /// A `format` that contradicts the `type`.
    FormatType,
    /// A path template naming a parameter the operation does not declare,
    /// or a path parameter the template has no place for.
    PathTemplate,
    /// An integer `format` wider than the client has a type for.
    IntegerWidth,
}

impl Repair {
    /// Every class, in the order summaries list them.
    pub const ALL: &'static [Repair] = &[
        Repair::MisplacedRef,
        Repair::MissingRef,
        Repair::ItemsList,
        Repair::UndefinedStyle,
        Repair::OperationId,
        Repair::NoResponses,
        Repair::EnumType,
        Repair::RequiredUnknown,
        Repair::FormatType,
        Repair::PathTemplate,
        Repair::IntegerWidth,
    ];

    /// The class's name, as printed and in JSON (`misplaced-ref`).
    pub fn as_str(self) -> &'static str {
        match self {
            Repair::MisplacedRef => "misplaced-ref",
            Repair::MissingRef => "missing-ref",
            Repair::ItemsList => "items-list",
            Repair::UndefinedStyle => "undefined-style",
            Repair::OperationId => "operation-id",
            Repair::NoResponses => "no-responses",
            Repair::EnumType => "enum-type",
            Repair::RequiredUnknown => "required-unknown",
            Repair::FormatType => "format-type",
            Repair::PathTemplate => "path-template",
            Repair::IntegerWidth => "integer-width",
        }
    }

    /// What the class is, in words (for the summary table).
    pub fn describe(self) -> &'static str {
        match self {
            Repair::MisplacedRef => "`$ref` where the specification allows none",
            Repair::MissingRef => "`$ref` to nothing",
            Repair::ItemsList => "`items` given as a list",
            Repair::UndefinedStyle => "`style`/`explode` the specification leaves undefined",
            Repair::OperationId => "missing or duplicate `operationId`",
            Repair::NoResponses => "operation without `responses`",
            Repair::EnumType => "`enum` value not of the declared type",
            Repair::RequiredUnknown => "`required` names an undefined property",
            Repair::FormatType => "`format` contradicting the `type`",
            Repair::PathTemplate => "path template and path parameters disagree",
            Repair::IntegerWidth => "integer `format` wider than 64 bits",
        }
    }
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    /// The deviation class, for a repairable diagnostic.
    pub class: Option<Repair>,
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
    /// (`pasarela-gen --message-format json`): `severity`, `class` (the
    /// [`Repair`] class of a repairable one, else `null`), `message`,
    /// `file`, `line`, `column` (1-based), `source_line`, `hint`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "reason": "diagnostic",
            "severity": self.severity.as_str(),
            "class": self.class.map(Repair::as_str),
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

    /// How many diagnostics of each repair class there are, in
    /// [`Repair::ALL`] order, leaving out classes with none.
    pub fn repairs(&self) -> Vec<(Repair, usize)> {
        Repair::ALL
            .iter()
            .map(|&class| {
                let n = self.0.iter().filter(|d| d.class == Some(class)).count();
                (class, n)
            })
            .filter(|&(_, n)| n > 0)
            .collect()
    }

    /// The [`repairs`](Self::repairs) as a table a team can take to the
    /// spec's authors (`None` when there are none): one row per class with
    /// its count and what it is.
    pub fn repair_table(&self) -> Option<String> {
        let rows = self.repairs();
        if rows.is_empty() {
            return None;
        }
        let total: usize = rows.iter().map(|(_, n)| n).sum();
        let mut out = format!("{:<18} {:>6}  what\n", "repair class", "count");
        for (class, n) in rows {
            out.push_str(&format!(
                "{:<18} {n:>6}  {}\n",
                class.as_str(),
                class.describe()
            ));
        }
        out.push_str(&format!("{:<18} {total:>6}", "total"));
        Some(out)
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
            (0, 0) => write!(f, "no problems; the spec was generated"),
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
            self.push(d.severity, d.class, pos, d.message, d.hint);
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
        class: Option<Repair>,
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
            repairable: class.is_some(),
            class,
            message,
            file: file.to_string(),
            pos,
            source_line,
            hint,
        });
    }

    /// Records a problem at `pos` with an optional hint.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Error, None, pos, message.into(), hint);
    }

    /// Records something the reader should know that does not stop generation.
    pub fn warning(&mut self, pos: Pos, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Warning, None, pos, message.into(), hint);
    }

    /// Records how something was read that the reader may want to know
    /// (not a problem).
    pub fn info(&mut self, pos: Pos, message: impl Into<String>, hint: Option<String>) {
        self.push(Severity::Info, None, pos, message.into(), hint);
    }

    /// Records a spec violation that a lenient reader can still turn into a
    /// correct client by doing `repair` (e.g. "treat `{id}` as a required
    /// string argument"). Strict (the default): an error whose hint says
    /// what `--lenient` would do. Lenient: a warning saying what was done.
    /// Returns true when the caller should apply the repair.
    pub fn repairable(
        &mut self,
        class: Repair,
        pos: Pos,
        message: impl Into<String>,
        hint: &str,
        repair: &str,
    ) -> bool {
        let message = message.into();
        if self.lenient {
            let hint = format!("repaired ({class}): {repair}; to fix the spec, {hint}");
            self.push(Severity::Warning, Some(class), pos, message, Some(hint));
        } else {
            let hint = format!("{hint}; repairable with `--lenient` ({class}): it would {repair}");
            self.push(Severity::Error, Some(class), pos, message, Some(hint));
        }
        self.lenient
    }

    /// Whether repairable problems are read as warnings.
    pub fn is_lenient(&self) -> bool {
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
