//! Errors about a spec, shown against its source with a hint.

use std::fmt;

/// A position in a source file (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
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

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
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
        let n = self.0.len();
        write!(
            f,
            "{n} error{} found; the spec was not generated",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// Collects diagnostics for one source file and renders source lines.
#[derive(Debug)]
pub struct Reporter<'a> {
    file: &'a str,
    lines: Vec<&'a str>,
    found: Vec<Diagnostic>,
}

impl<'a> Reporter<'a> {
    /// A reporter for `text`, shown as `file`.
    pub fn new(file: &'a str, text: &'a str) -> Self {
        Self {
            file,
            lines: text.lines().collect(),
            found: Vec::new(),
        }
    }

    /// Records a problem at `pos` with an optional hint.
    pub fn error(&mut self, pos: Pos, message: impl Into<String>, hint: Option<String>) {
        let source_line = self
            .lines
            .get(pos.line.saturating_sub(1))
            .map(|l| l.trim_end().to_string());
        self.found.push(Diagnostic {
            message: message.into(),
            file: self.file.to_string(),
            pos,
            source_line,
            hint,
        });
    }

    /// True when at least one problem was recorded.
    pub fn has_errors(&self) -> bool {
        !self.found.is_empty()
    }

    /// All problems, sorted by position (stable for equal positions).
    pub fn finish(mut self) -> Diagnostics {
        self.found.sort_by_key(|d| d.pos);
        self.found.dedup();
        Diagnostics(self.found)
    }
}
