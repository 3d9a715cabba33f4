//! Stage 2, resolve and validate: follow `$ref`s, detect reference cycles,
//! and check the document's overall shape before lowering relies on it.
//! Every problem is collected; nothing stops at the first error.

use std::collections::BTreeSet;

use crate::diagnostics::{Pos, Repair, Reporter};

/// What a lenient reading does with a `$ref` to nothing.
const MISSING_REF_REPAIR: &str =
    "read a schema it names as any JSON value, and leave out a parameter, body or response it names";
use crate::load::{Node, Value};

/// A loaded document with `$ref` lookup, and the other files its `$ref`s
/// name (by path, as [`canonicalize`] writes them).
#[derive(Debug)]
pub struct Doc<'a> {
    /// The root node.
    pub root: &'a Node,
    /// Included files' roots, by path.
    pub files: std::collections::BTreeMap<&'a str, &'a Node>,
}

/// What went wrong following a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// `$ref` points into another file.
    External(String),
    /// The target does not exist.
    Missing(String),
    /// A chain of `$ref`s loops back on itself.
    Cycle(String),
}

impl<'a> Doc<'a> {
    /// Wraps a loaded root.
    pub fn new(root: &'a Node) -> Self {
        Self {
            root,
            files: Default::default(),
        }
    }

    /// Wraps a loaded root and the files its `$ref`s name.
    pub fn with_files(
        root: &'a Node,
        files: impl IntoIterator<Item = (&'a str, &'a Node)>,
    ) -> Self {
        Self {
            root,
            files: files.into_iter().collect(),
        }
    }

    /// Looks up a reference in canonical form: `#/pointer` in the spec,
    /// `path#/pointer` (or `path#`, the whole file) in an included file.
    pub fn pointer(&self, reference: &str) -> Result<&'a Node, RefError> {
        let (mut node, path) = match reference.split_once('#') {
            Some(("", path)) => (self.root, path),
            Some((file, path)) => match self.files.get(file) {
                Some(root) => (*root, path),
                None => return Err(RefError::External(reference.to_string())),
            },
            None => return Err(RefError::External(reference.to_string())),
        };
        for raw in path.split('/').skip(1) {
            node = step(node, &percent_decode(raw))
                .ok_or_else(|| RefError::Missing(reference.to_string()))?;
        }
        Ok(node)
    }

    /// Follows `$ref`s from `node` until a node without one.
    pub fn deref(&self, mut node: &'a Node) -> Result<&'a Node, RefError> {
        let mut seen = BTreeSet::new();
        while let Some(reference) = node.str_at("$ref") {
            if !seen.insert(reference.to_string()) {
                return Err(RefError::Cycle(reference.to_string()));
            }
            node = self.pointer(reference)?;
        }
        Ok(node)
    }
}

/// The child of `node` named by one JSON pointer segment (still escaped:
/// `~1` for `/`, `~0` for `~`): a mapping's value or a sequence's item.
pub fn step<'n>(node: &'n Node, escaped: &str) -> Option<&'n Node> {
    let segment = escaped.replace("~1", "/").replace("~0", "~");
    match &node.value {
        Value::Map(_) => node.get(&segment),
        Value::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = [bytes[i + 1], bytes[i + 2]];
            let value = std::str::from_utf8(&hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = value {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Closest name by edit distance, for "did you mean" hints.
pub fn closest<'n>(wanted: &str, names: impl Iterator<Item = &'n str>) -> Option<&'n str> {
    names
        .map(|n| (edit_distance(&wanted.to_lowercase(), &n.to_lowercase()), n))
        .filter(|(d, n)| *d <= (n.len().max(wanted.len()) / 3).max(2))
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Validates the document: version, top-level shape, and every `$ref`.
/// Returns false when the document is not one the later stages can read
/// (not a mapping, or not OpenAPI 3), so that no follow-on errors are shown.
pub fn validate(doc: &Doc<'_>, reporter: &mut Reporter<'_>) -> bool {
    let start = Pos::new(1, 1);
    let root = doc.root;
    if !root.is_map() {
        reporter.error(
            root.pos,
            "the document is not a mapping",
            Some(
                "an OpenAPI document starts with keys such as `openapi:`, `info:` and `paths:`"
                    .into(),
            ),
        );
        return false;
    }
    match (root.get("openapi"), root.get("swagger")) {
        (Some(v), _) => match v.as_str() {
            Some(s) if s.starts_with("3.0") || s.starts_with("3.1") => {}
            _ => {
                reporter.error(
                    v.pos,
                    format!(
                        "unsupported OpenAPI version `{}`",
                        v.as_str().unwrap_or("?")
                    ),
                    Some("pasarela-gen reads OpenAPI 3.0.x and 3.1.x".into()),
                );
                return false;
            }
        },
        // Swagger 2.0 is upgraded to the 3.0 shape before validation
        // (`crate::swagger2`); only other versions get here.
        (None, Some(v)) => {
            let (message, hint) = match v.as_str() {
                Some("2.0") => (
                    "this Swagger 2.0 document was not upgraded before validation".to_string(),
                    "run `swagger2::upgrade` on the loaded tree first, as `pasarela_gen::check` does",
                ),
                other => (
                    format!("unsupported Swagger version `{}`", other.unwrap_or("?")),
                    "pasarela-gen reads Swagger 2.0 (`swagger: \"2.0\"`) and OpenAPI 3.0.x/3.1.x",
                ),
            };
            reporter.error(v.pos, message, Some(hint.into()));
            return false;
        }
        (None, None) => {
            reporter.error(
                start,
                "missing `openapi` version field",
                Some("add `openapi: 3.0.3` at the top of the document".into()),
            );
            return false;
        }
    }
    if root.get("info").is_none() {
        reporter.error(
            start,
            "missing `info` section",
            Some("add `info:` with `title:` and `version:`".into()),
        );
    }
    // 3.0: `paths` is REQUIRED. 3.1: "at least one of the `components`,
    // `paths`, or `webhooks` fields MUST be present" (a document of webhooks
    // or of shared components alone is valid).
    let v31 = root.str_at("openapi").is_some_and(|v| v.starts_with("3.1"));
    let has_other = ["components", "webhooks"]
        .iter()
        .any(|k| root.get(k).is_some());
    match root.get("paths") {
        None if v31 && has_other => {}
        None if v31 => reporter.error(
            start,
            "an OpenAPI 3.1 document needs `paths`, `webhooks` or `components`",
            Some("add `paths:` with the operations, or `webhooks:` for the notifications the API sends".into()),
        ),
        None => reporter.error(
            start,
            "missing `paths` section",
            Some("add `paths:` with at least one operation (OpenAPI 3.0 requires it; 3.1 also accepts a document of `webhooks` or `components` alone)".into()),
        ),
        Some(p) if !p.is_map() => reporter.error(
            p.pos,
            format!("`paths` must be a mapping, found {}", p.kind()),
            Some("map each path to its operations: `paths: {/pets: {get: ...}}`".into()),
        ),
        Some(_) => {}
    }
    check_refs(doc, root, reporter);
    check_schema_shapes(root, reporter);
    crate::structure::check(root, reporter);
    for included in doc.files.values() {
        check_refs(doc, included, reporter);
        crate::structure::check_included(included, reporter);
    }
    true
}

/// Every entry of `components.schemas` must be a mapping (a schema).
fn check_schema_shapes(root: &Node, reporter: &mut Reporter<'_>) {
    let schemas = root
        .get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Node::entries)
        .unwrap_or(&[]);
    for (key, schema) in schemas {
        if !schema.is_map() {
            reporter.error(
                schema.pos,
                format!(
                    "schema `{}` must be a mapping, found {}",
                    key.name,
                    schema.kind()
                ),
                Some("a schema is a mapping such as `{type: object, properties: {...}}`".into()),
            );
        }
    }
}

/// Mappings whose keys are names chosen by the spec's author.
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "schemas",
    "responses",
    "parameters",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
    "paths",
    "webhooks",
    "content",
    "encoding",
    "mapping",
    "variables",
    "scopes",
];

/// True when `key` holds a mapping whose keys are author-chosen names.
fn is_name_map(key: &str, value: &Node) -> bool {
    // `properties: {$ref: file.yml#/x}` is a (misplaced) reference to a
    // whole map, not a property named `$ref` (whose value would be a schema).
    let whole_map_ref = value.get("$ref").is_some_and(|r| r.as_str().is_some());
    NAME_MAPS.contains(&key) && value.is_map() && !whole_map_ref
}

/// Rewrites every `$ref` of a tree loaded from `this_file` into canonical
/// form, so that a reference means the same wherever it is written: into
/// the spec (`main`) as `#/pointer`, into another file as
/// `path#/pointer`, with `path` joined to `this_file`'s directory and
/// normalised (`./`, `..`). Remote references (`https://...`) are left as
/// they are (and reported as unsupported).
pub fn canonicalize(node: &mut Node, this_file: &str, main: &str) {
    let Value::Map(entries) = &mut node.value else {
        if let Value::Seq(items) = &mut node.value {
            items
                .iter_mut()
                .for_each(|i| canonicalize(i, this_file, main));
        }
        return;
    };
    for (key, value) in entries.iter_mut() {
        if is_name_map(&key.name, value) {
            if let Value::Map(named) = &mut value.value {
                for (_, v) in named.iter_mut() {
                    canonicalize(v, this_file, main);
                }
            }
        } else if key.name == "$ref" {
            if let Value::Scalar(r) = &mut value.value {
                *r = canonical_ref(r, this_file, main);
            }
        } else if key.name == "discriminator" {
            // `mapping` values are schema names or references; references
            // are relative to this file like any `$ref`.
            let mapping = match &mut value.value {
                Value::Map(d) => d.iter_mut().find(|(k, _)| k.name == "mapping"),
                _ => None,
            };
            if let Some((
                _,
                Node {
                    value: Value::Map(pairs),
                    ..
                },
            )) = mapping
            {
                for (_, target) in pairs.iter_mut() {
                    if let Value::Scalar(r) = &mut target.value {
                        let is_ref = r.contains('#')
                            || r.contains('/')
                            || [".yaml", ".yml", ".json"].iter().any(|e| r.ends_with(e));
                        if is_ref {
                            *r = canonical_ref(r, this_file, main);
                        }
                    }
                }
            }
        } else if key.name != "example" && key.name != "examples" {
            canonicalize(value, this_file, main);
        }
    }
}

fn canonical_ref(reference: &str, this_file: &str, main: &str) -> String {
    if reference.contains("://") {
        return reference.to_string();
    }
    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let target = if file.is_empty() {
        this_file.to_string()
    } else {
        join_path(this_file, file)
    };
    if target == main {
        format!("#{fragment}")
    } else {
        format!("{target}#{fragment}")
    }
}

/// `relative` read from the directory of `base` (a file path with `/`
/// separators), with `.` and `..` segments resolved where possible.
pub fn join_path(base: &str, relative: &str) -> String {
    let relative = relative.replace('\\', "/");
    let joined = if relative.starts_with('/') {
        relative
    } else {
        match base.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{relative}"),
            None => relative,
        }
    };
    let absolute = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let path = parts.join("/");
    if absolute {
        format!("/{path}")
    } else {
        path
    }
}

/// Calls `visit` with the value of every `$ref` in `node`: the one walk
/// that knows which keys are keywords. Keys of name maps (properties,
/// schemas, media types, ...) are names, so any of them may be called
/// `$ref`; examples are data and are not entered. ([`canonicalize`] walks
/// the same way, mutably.)
fn visit_refs<'n>(node: &'n Node, visit: &mut impl FnMut(&'n Node)) {
    match &node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                if is_name_map(&key.name, value) {
                    for (_, named) in value.entries().unwrap_or(&[]) {
                        visit_refs(named, visit);
                    }
                } else if key.name == "$ref" {
                    visit(value);
                } else if key.name != "example" && key.name != "examples" {
                    visit_refs(value, visit);
                }
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| visit_refs(i, visit)),
        _ => {}
    }
}

/// The files named by the canonical `$ref`s of `node` (see [`canonicalize`]).
pub fn referenced_files(node: &Node, out: &mut BTreeSet<String>) {
    visit_refs(node, &mut |value| {
        if let Some((file, _)) = value.as_str().and_then(|r| r.split_once('#')) {
            if !file.is_empty() && !file.contains("://") {
                out.insert(file.to_string());
            }
        }
    });
}

fn check_refs(doc: &Doc<'_>, node: &Node, reporter: &mut Reporter<'_>) {
    visit_refs(node, &mut |value| match value.as_str() {
        Some(target) => check_one_ref(doc, target, value.pos, reporter),
        None => reporter.error(
            value.pos,
            "`$ref` must be a string",
            Some("e.g. `$ref: '#/components/schemas/Name'`".into()),
        ),
    });
}

fn check_one_ref(doc: &Doc<'_>, target: &str, pos: Pos, reporter: &mut Reporter<'_>) {
    let result = doc.pointer(target).and_then(|n| doc.deref(n));
    match result {
        Ok(_) => {}
        Err(RefError::External(r)) if r.contains("://") => reporter.error(
            pos,
            format!("remote reference `{r}` is not supported"),
            Some("download the document beside the spec and refer to it by a relative path".into()),
        ),
        Err(RefError::External(r)) => {
            reporter.repairable(
                Repair::MissingRef,
                pos,
                format!(
                    "`$ref` names file `{}`, which was not found",
                    r.split('#').next().unwrap_or(&r)
                ),
                "relative paths are read from the directory of the file that holds the `$ref` (library users: `Source::from_path` or `Source::include`)",
                MISSING_REF_REPAIR,
            );
        }
        Err(RefError::Missing(r)) => {
            let hint = missing_ref_hint(doc, &r);
            reporter.repairable(
                Repair::MissingRef,
                pos,
                format!("`$ref` target `{r}` does not exist"),
                &hint,
                MISSING_REF_REPAIR,
            );
        }
        Err(RefError::Cycle(r)) => reporter.error(
            pos,
            format!("`$ref` chain starting here loops back to `{r}`"),
            Some(
                "one of the schemas in the chain must define the type instead of referring onwards"
                    .into(),
            ),
        ),
    }
}

fn missing_ref_hint(doc: &Doc<'_>, reference: &str) -> String {
    let (parent, last) = match reference.rsplit_once('/') {
        Some(split) => split,
        None => return "a local reference looks like `#/components/schemas/Name`".into(),
    };
    let siblings = doc.pointer(parent).ok().and_then(Node::entries);
    match siblings.and_then(|e| closest(last, e.iter().map(|(k, _)| k.name.as_str()))) {
        Some(name) => format!("did you mean `{parent}/{name}`?"),
        None => match siblings {
            Some(e) if !e.is_empty() => format!(
                "`{parent}` has: {}",
                e.iter()
                    .map(|(k, _)| k.name.as_str())
                    .take(8)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => format!("define `{last}` under `{parent}`"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_suggests_near_names() {
        let names = ["Pet", "Order", "User"];
        assert_eq!(closest("Pett", names.iter().copied()), Some("Pet"));
        assert_eq!(closest("Zebra", names.iter().copied()), None);
    }

    #[test]
    fn percent_decoding_is_safe_on_short_input() {
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("a%7Bb"), "a{b");
        assert_eq!(percent_decode("%"), "%");
    }
}
