//! What a spec update does to the wire and to the generated Rust API.
//!
//! Both documents go through the same load → resolve → lower as
//! `generate`, so what is compared is the two clients, not two texts: a
//! change that moves nothing (key order, a `$ref` that inlines the same
//! schema) is no change, and every Rust item named here is one the emitter
//! writes.
//!
//! Each [`Change`] gets two verdicts:
//! - **wire** ([`Wire`]): does a client generated from OLD still work
//!   against a server that follows NEW? Judged by direction: a type sent in
//!   requests and one read from responses break in opposite cases (a new
//!   required field breaks a request, not a response).
//! - **Rust** ([`Rust`]): does code written against OLD's generated crate
//!   still compile against NEW's? Judged from what the emitter writes:
//!   required parameters are positional arguments, optional ones setters;
//!   structs have public fields and no `#[non_exhaustive]`, so a new field
//!   breaks a struct literal; enums are matched exhaustively.
//!
//! [`Report::semver`] is the advice for the generated crate's version:
//! major when anything breaks, minor when something is added, patch for
//! the rest (documentation, servers, behaviour that stays compatible).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::diagnostics::Pos;
use crate::ir::*;

mod operations;
mod security;
mod types;

/// Whether a client generated from OLD still works against a NEW server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wire {
    /// No effect on the wire.
    None,
    /// The wire changed, and an OLD client still works.
    Compatible,
    /// An OLD client fails, or does the wrong thing, against a NEW server.
    Breaking,
}

/// Whether code written against OLD's generated crate compiles against NEW's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rust {
    /// No public Rust item changed.
    None,
    /// Something was added; existing code still compiles.
    Additive,
    /// Existing code may no longer compile.
    Breaking,
}

/// Semantic-versioning advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Semver {
    /// Nothing changed.
    None,
    /// Fixes and documentation.
    Patch,
    /// Additions, compatible behaviour changes.
    Minor,
    /// Breaking changes.
    Major,
}

impl Wire {
    /// Lower-case name (`breaking`, `compatible`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Compatible => "compatible",
            Self::Breaking => "breaking",
        }
    }
}

impl Rust {
    /// Lower-case name (`breaking`, `additive`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Additive => "additive",
            Self::Breaking => "breaking",
        }
    }
}

impl Semver {
    /// Lower-case name (`major`, `minor`, `patch`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Patch => "patch",
            Self::Minor => "minor",
            Self::Major => "major",
        }
    }
}

/// One difference between the two clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What kind of change (`parameter-added`, `field-removed`, ...).
    pub kind: &'static str,
    /// The Rust item affected (`Client::create_charge`, `Charge::amount`).
    pub item: String,
    /// What changed, in a sentence.
    pub message: String,
    /// The wire verdict.
    pub wire: Wire,
    /// The Rust verdict.
    pub rust: Rust,
    /// The version advice for this change alone.
    pub semver: Semver,
    /// Where it is in OLD (`file:line`), when it is there.
    pub old: Option<String>,
    /// Where it is in NEW (`file:line`), when it is there.
    pub new: Option<String>,
}

/// Every change and the version advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Changes in document order (operations, then types, then the rest).
    pub changes: Vec<Change>,
    /// The highest advice of any change ([`Semver::None`] when there are none).
    pub semver: Semver,
}

/// One side of the comparison: the lowered API and the files its
/// positions index (the spec first, then the files its `$ref`s name).
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The lowered API.
    pub api: &'a Api,
    /// File names by [`Pos::file`].
    pub files: &'a [String],
}

impl Side<'_> {
    fn at(&self, pos: Pos) -> String {
        let file = usize::try_from(pos.file)
            .ok()
            .and_then(|i| self.files.get(i))
            .or(self.files.first())
            .map_or("", String::as_str);
        format!("{file}:{}", pos.line)
    }
}

/// Compares two lowered APIs.
pub fn diff(old: Side<'_>, new: Side<'_>) -> Report {
    let mut d = Differ {
        old,
        new,
        changes: Vec::new(),
        old_types: old.api.types.iter().map(|t| (t.name.as_str(), t)).collect(),
        new_types: new.api.types.iter().map(|t| (t.name.as_str(), t)).collect(),
        usage: BTreeMap::new(),
    };
    d.usage = usage(old.api, &d.old_types);
    for (name, dir) in usage(new.api, &d.new_types) {
        let entry = d.usage.entry(name).or_default();
        entry.input |= dir.input;
        entry.output |= dir.output;
    }
    d.operations();
    d.types();
    d.security_schemes();
    d.servers();
    let semver = d
        .changes
        .iter()
        .map(|c| c.semver)
        .max()
        .unwrap_or(Semver::None);
    Report {
        changes: d.changes,
        semver,
    }
}

/// Which way a type travels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Direction {
    /// Sent in requests.
    input: bool,
    /// Read from responses.
    output: bool,
}

/// The direction of every named type reachable from the operations.
fn usage(api: &Api, types: &BTreeMap<&str, &TypeDef>) -> BTreeMap<String, Direction> {
    let mut out: BTreeMap<String, Direction> = BTreeMap::new();
    let mut mark = |roots: Vec<&TypeRef>, input: bool| {
        let mut stack: Vec<&TypeRef> = roots;
        let mut seen = BTreeSet::new();
        while let Some(ty) = stack.pop() {
            match ty {
                TypeRef::Named(name) | TypeRef::Csv(CsvFormat { row: name, .. }) => {
                    if !seen.insert(name.clone()) {
                        continue;
                    }
                    let dir = out.entry(name.clone()).or_default();
                    if input {
                        dir.input = true;
                    } else {
                        dir.output = true;
                    }
                    if let Some(def) = types.get(name.as_str()) {
                        stack.extend(inner_types(&def.kind));
                    }
                }
                TypeRef::Vec(inner) | TypeRef::Map(inner) => stack.push(inner),
                _ => {}
            }
        }
    };
    for op in &api.operations {
        let inputs: Vec<&TypeRef> = op
            .params
            .iter()
            .map(|p| &p.ty)
            .chain(op.body.as_ref().map(|b| &b.ty))
            .collect();
        mark(inputs, true);
        let outputs: Vec<&TypeRef> = op
            .success
            .ty
            .iter()
            .chain(op.errors.iter().filter_map(|e| e.ty.as_ref()))
            .collect();
        mark(outputs, false);
    }
    out
}

fn inner_types(kind: &TypeKind) -> Vec<&TypeRef> {
    match kind {
        TypeKind::Struct(fields) => fields.iter().map(|f| &f.ty).collect(),
        TypeKind::Alias(t) => vec![t],
        TypeKind::Enum { .. } | TypeKind::IntegerEnum { .. } => Vec::new(),
        TypeKind::Union(variants) => variants.iter().map(|(_, t)| t).collect(),
        TypeKind::Tagged(t) => t.variants.iter().map(|(_, _, t)| t).collect(),
        TypeKind::Responses(variants) => variants.iter().filter_map(|(_, t)| t.as_ref()).collect(),
    }
}

/// Builds the change list.
struct Differ<'a> {
    old: Side<'a>,
    new: Side<'a>,
    changes: Vec<Change>,
    old_types: BTreeMap<&'a str, &'a TypeDef>,
    new_types: BTreeMap<&'a str, &'a TypeDef>,
    usage: BTreeMap<String, Direction>,
}

/// Positions of a change on each side.
type Places = (Option<Pos>, Option<Pos>);

impl<'a> Differ<'a> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: &'static str,
        item: String,
        message: String,
        wire: Wire,
        rust: Rust,
        floor: Semver,
        (old, new): Places,
    ) {
        let semver = if wire == Wire::Breaking || rust == Rust::Breaking {
            Semver::Major
        } else if rust == Rust::Additive {
            Semver::Minor.max(floor)
        } else {
            Semver::Patch.max(floor)
        };
        self.changes.push(Change {
            kind,
            item,
            message,
            wire,
            rust,
            semver,
            old: old.map(|p| self.old.at(p)),
            new: new.map(|p| self.new.at(p)),
        });
    }
}

fn tighter(old: Option<u64>, new: Option<u64>, minimum: bool) -> bool {
    match (old, new) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(o), Some(n)) => {
            if minimum {
                n > o
            } else {
                n < o
            }
        }
    }
}

fn upper(m: Method) -> String {
    m.as_str().to_ascii_uppercase()
}

fn location(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
        ParamLocation::Part => "multipart",
        ParamLocation::FormField => "form field",
    }
}

fn status(m: StatusMatch) -> String {
    match m {
        StatusMatch::Exact(s) => format!("HTTP {s}"),
        StatusMatch::Range(a, _) => format!("HTTP {}XX", a / 100),
        StatusMatch::Default => "`default`".into(),
    }
}

fn join<'s>(items: impl Iterator<Item = &'s str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

fn show_security(alternatives: &[Vec<String>]) -> String {
    if alternatives.is_empty() {
        return "none".into();
    }
    alternatives
        .iter()
        .map(|alt| {
            if alt.is_empty() {
                "none".to_string()
            } else {
                alt.join(" + ")
            }
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

fn scheme_word(kind: &SchemeKind) -> String {
    match kind {
        SchemeKind::ApiKey { location, param } => {
            format!(
                "API key `{param}` in the {}",
                format!("{location:?}").to_lowercase()
            )
        }
        SchemeKind::HttpBasic => "HTTP Basic".into(),
        SchemeKind::HttpBearer => "bearer token".into(),
        SchemeKind::OAuth2ClientCredentials { token_url, .. } => {
            format!("OAuth2 client credentials at {token_url}")
        }
    }
}

fn kind_word(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct(_) => "a struct",
        TypeKind::Alias(_) => "an alias",
        TypeKind::Enum { .. } => "an enum",
        TypeKind::IntegerEnum { .. } => "a set of named integers",
        TypeKind::Union(_) => "a union",
        TypeKind::Tagged(_) => "a tagged union",
        TypeKind::Responses(_) => "a by-status success",
    }
}

/// A Rust spelling of a type, for messages.
pub fn rust_type(t: &TypeRef) -> String {
    match t {
        TypeRef::String => "`String`".into(),
        TypeRef::Secret => "`Secret`".into(),
        TypeRef::Bool => "`bool`".into(),
        TypeRef::I32 => "`i32`".into(),
        TypeRef::U32 => "`u32`".into(),
        TypeRef::I64 => "`i64`".into(),
        TypeRef::U64 => "`u64`".into(),
        TypeRef::F64 => "`f64`".into(),
        TypeRef::Decimal { wire_number: true } => "`Decimal` (a JSON number)".into(),
        TypeRef::Decimal { wire_number: false } => "`Decimal` (a JSON string)".into(),
        TypeRef::Json => "`serde_json::Value`".into(),
        TypeRef::Bytes => "`Bytes`".into(),
        TypeRef::Csv(f) => format!("CSV rows of `{}`", f.row),
        TypeRef::Named(n) => format!("`{n}`"),
        TypeRef::Pinned { value, .. } => format!("the value `{value}` (`Pinned`)"),
        TypeRef::Vec(inner) => format!("a list of {}", rust_type(inner)),
        TypeRef::Map(inner) => format!("a map of {}", rust_type(inner)),
    }
}

/// Picks the changes of one changelog section.
type ChangeFilter = fn(&Change) -> bool;

impl Report {
    /// One line per change, then `semver: …`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for c in &self.changes {
            let _ = writeln!(
                out,
                "{:<8} {} — {}\n         wire: {}, rust: {} ({}){}{}",
                c.semver.as_str(),
                c.kind,
                c.message,
                c.wire.as_str(),
                c.rust.as_str(),
                c.item,
                c.old
                    .as_ref()
                    .map_or(String::new(), |p| format!("; old {p}")),
                c.new
                    .as_ref()
                    .map_or(String::new(), |p| format!("; new {p}")),
            );
        }
        let _ = writeln!(out, "semver: {}", self.semver.as_str());
        out
    }

    /// The same content as data.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "semver": self.semver.as_str(),
            "changes": self.changes.iter().map(|c| serde_json::json!({
                "kind": c.kind,
                "wire": c.wire.as_str(),
                "rust": c.rust.as_str(),
                "semver": c.semver.as_str(),
                "old": c.old,
                "new": c.new,
                "item": c.item,
                "message": c.message,
            })).collect::<Vec<_>>(),
        })
    }

    /// A changelog section a maintainer can paste.
    pub fn to_markdown(&self, title: &str) -> String {
        let mut out = format!("## {title}\n\nSemver: **{}**.\n", self.semver.as_str());
        let groups: [(&str, ChangeFilter); 3] = [
            ("Breaking changes", |c| c.semver == Semver::Major),
            ("Added", |c| c.semver == Semver::Minor),
            ("Other changes", |c| c.semver <= Semver::Patch),
        ];
        for (heading, wanted) in groups {
            let items: Vec<&Change> = self.changes.iter().filter(|c| wanted(c)).collect();
            if items.is_empty() {
                continue;
            }
            let _ = write!(out, "\n### {heading}\n\n");
            for c in items {
                let _ = writeln!(
                    out,
                    "- {} (`{}`; wire: {}, Rust: {})",
                    c.message,
                    c.item,
                    c.wire.as_str(),
                    c.rust.as_str()
                );
            }
        }
        if self.changes.is_empty() {
            out.push_str("\nNo changes.\n");
        }
        out
    }

    /// `N changes, semver X` (for `cargo codegen`).
    pub fn summary(&self) -> String {
        let n = self.changes.len();
        format!(
            "{n} change{}, semver {}",
            if n == 1 { "" } else { "s" },
            self.semver.as_str()
        )
    }
}
