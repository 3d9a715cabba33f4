//! Stage 2, resolve and validate: follow `$ref`s, detect reference cycles,
//! and check the document's overall shape before lowering relies on it.
//! Every problem is collected; nothing stops at the first error.

use std::collections::BTreeSet;

use crate::diagnostics::{Pos, Reporter};
use crate::load::{Node, Value};

/// A loaded document with `$ref` lookup.
#[derive(Debug)]
pub struct Doc<'a> {
    /// The root node.
    pub root: &'a Node,
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
        Self { root }
    }

    /// Looks up a local JSON pointer such as `#/components/schemas/Pet`.
    pub fn pointer(&self, reference: &str) -> Result<&'a Node, RefError> {
        let Some(path) = reference.strip_prefix('#') else {
            return Err(RefError::External(reference.to_string()));
        };
        let mut node = self.root;
        for raw in path.split('/').skip(1) {
            let segment = percent_decode(raw).replace("~1", "/").replace("~0", "~");
            node = match &node.value {
                Value::Map(_) => node.get(&segment),
                Value::Seq(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            }
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
    let start = Pos { line: 1, column: 1 };
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
    match root.get("paths") {
        None => reporter.error(
            start,
            "missing `paths` section",
            Some("add `paths:` with at least one operation".into()),
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

fn check_refs(doc: &Doc<'_>, node: &Node, reporter: &mut Reporter<'_>) {
    match &node.value {
        Value::Map(entries) => {
            for (key, value) in entries {
                if NAME_MAPS.contains(&key.name.as_str()) && value.is_map() {
                    // Keys of these maps are names (of properties, schemas,
                    // media types, ...), not keywords: any of them may be
                    // called `$ref`.
                    for (_, schema) in value.entries().unwrap_or(&[]) {
                        check_refs(doc, schema, reporter);
                    }
                } else if key.name == "$ref" {
                    if let Some(target) = value.as_str() {
                        check_one_ref(doc, target, value.pos, reporter);
                    } else {
                        reporter.error(
                            value.pos,
                            "`$ref` must be a string",
                            Some("e.g. `$ref: '#/components/schemas/Name'`".into()),
                        );
                    }
                } else if key.name != "example" && key.name != "examples" {
                    check_refs(doc, value, reporter);
                }
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| check_refs(doc, i, reporter)),
        _ => {}
    }
}

fn check_one_ref(doc: &Doc<'_>, target: &str, pos: Pos, reporter: &mut Reporter<'_>) {
    let result = doc.pointer(target).and_then(|n| doc.deref(n));
    match result {
        Ok(_) => {}
        Err(RefError::External(r)) => reporter.error(
            pos,
            format!("external reference `{r}` is not supported"),
            Some("inline the referenced document into this spec's `components`".into()),
        ),
        Err(RefError::Missing(r)) => {
            let hint = missing_ref_hint(doc, &r);
            reporter.error(
                pos,
                format!("`$ref` target `{r}` does not exist"),
                Some(hint),
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
