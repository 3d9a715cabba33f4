//! Stage 1, load: YAML or JSON text → a [`Node`] tree that keeps line:column
//! for every node.
//!
//! Parsing uses `marked-yaml` (over the maintained `yaml-rust2`), which gives a
//! span to every node and keeps every scalar as its source text, so integers
//! of any size load (they are only interpreted where the generator needs a
//! number). JSON is read by the same parser (JSON is YAML 1.2 flow syntax).

use crate::diagnostics::{Pos, Reporter};

/// A node of the loaded document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the node starts.
    pub pos: Pos,
    /// What it holds.
    pub value: Value,
}

/// The content of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar, as its source text (`null`, `~` and empty are [`Value::Null`]).
    Scalar(String),
    /// An explicit null.
    Null,
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Where the key starts.
    pub pos: Pos,
}

impl Node {
    /// The value under `key`, when this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entries, when this is a mapping.
    pub fn entries(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The items, when this is a sequence.
    pub fn items(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The text, when this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar text under `key`.
    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// A YAML/JSON boolean under `key`.
    pub fn bool_at(&self, key: &str) -> Option<bool> {
        match self.str_at(key)? {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// True when this is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A short word for the kind of node, for messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Scalar(_) => "a scalar",
            Value::Null => "null",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Deeper documents are refused before parsing: the parser recurses once per
/// level, and no real spec comes near this.
pub const MAX_DEPTH: usize = 500;

/// A cheap upper bound on a document's nesting: per line, indentation plus
/// sequence dashes, plus flow brackets open at that point.
fn nesting_estimate(text: &str) -> (usize, usize) {
    let mut worst = (0, 0);
    let mut brackets: usize = 0;
    for (i, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        for c in line.chars() {
            match c {
                '[' | '{' => brackets += 1,
                ']' | '}' => brackets = brackets.saturating_sub(1),
                _ => {}
            }
            if indent + brackets > worst.0 {
                worst = (indent + brackets, i + 1);
            }
        }
    }
    worst
}

/// Loads `text` into a tree. A syntax error is reported and `None` returned.
pub fn load(text: &str, reporter: &mut Reporter<'_>) -> Option<Node> {
    let (depth, line) = nesting_estimate(text);
    if depth > MAX_DEPTH {
        reporter.error(
            Pos { line, column: 1 },
            format!("the document nests deeper than {MAX_DEPTH} levels"),
            Some("flatten the structure with `$ref`s to named components".into()),
        );
        return None;
    }
    let options = marked_yaml::LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(false);
    // The parser is third-party; a panic inside it must still become a
    // diagnostic, never abort the caller (build.rs, the CLI).
    let parsed =
        std::panic::catch_unwind(|| marked_yaml::parse_yaml_with_options(0, text, options));
    match parsed {
        Ok(Ok(node)) => Some(convert(&node)),
        Ok(Err(err)) => {
            let (pos, message, hint) = describe_load_error(&err);
            reporter.error(pos, message, hint);
            None
        }
        Err(_) => {
            reporter.error(
                Pos { line: 1, column: 1 },
                "the YAML parser failed on this document",
                Some(
                    "check the file is valid YAML or JSON (a YAML linter will point at the spot)"
                        .into(),
                ),
            );
            None
        }
    }
}

fn marker_pos(m: Option<&marked_yaml::Marker>) -> Pos {
    m.map(|m| Pos {
        line: m.line().max(1),
        column: m.column().max(1),
    })
    .unwrap_or(Pos { line: 1, column: 1 })
}

fn describe_load_error(err: &marked_yaml::LoadError) -> (Pos, String, Option<String>) {
    use marked_yaml::LoadError as E;
    match err {
        E::TopLevelMustBeMapping(m) => (
            marker_pos(Some(m)),
            "the document must be a mapping at the top level".into(),
            Some(
                "an OpenAPI document starts with keys such as `openapi:`, `info:` and `paths:`"
                    .into(),
            ),
        ),
        E::TopLevelMustBeSequence(m) => (
            marker_pos(Some(m)),
            "unexpected top-level sequence".into(),
            Some(
                "an OpenAPI document is a mapping with keys such as `openapi:` and `paths:`".into(),
            ),
        ),
        E::UnexpectedAnchor(m) => (
            marker_pos(Some(m)),
            "YAML anchors and aliases are not supported".into(),
            Some("use a `$ref` to a component instead of `&anchor` / `*alias`".into()),
        ),
        E::MappingKeyMustBeScalar(m) => (
            marker_pos(Some(m)),
            "mapping keys must be plain scalars".into(),
            Some("use a plain or quoted string as the key".into()),
        ),
        E::UnexpectedTag(m) => (
            marker_pos(Some(m)),
            "YAML tags (`!tag`) are not supported".into(),
            Some("remove the tag; quote the value if it must be a string".into()),
        ),
        E::ScanError(m, e) => (
            marker_pos(Some(m)),
            format!("YAML syntax error: {e}"),
            Some("check indentation and quoting around this line".into()),
        ),
        E::DuplicateKey(inner) => (
            marker_pos(inner.key.span().start()),
            format!("duplicate key `{}`", inner.key.as_str()),
            Some(format!(
                "the first `{}` is at line {}; keep one of them",
                inner.prev_key.as_str(),
                marker_pos(inner.prev_key.span().start()).line
            )),
        ),
    }
}

fn convert(node: &marked_yaml::Node) -> Node {
    let pos = marker_pos(node.span().start());
    let value = match node {
        marked_yaml::Node::Scalar(s) => {
            let text = s.as_str();
            if s.may_coerce() && matches!(text, "null" | "~" | "Null" | "NULL") {
                Value::Null
            } else {
                Value::Scalar(text.to_string())
            }
        }
        marked_yaml::Node::Sequence(seq) => Value::Seq(seq.iter().map(convert).collect()),
        marked_yaml::Node::Mapping(map) => Value::Map(
            map.iter()
                .map(|(k, v)| {
                    (
                        Key {
                            name: k.as_str().to_string(),
                            pos: marker_pos(k.span().start()),
                        },
                        convert(v),
                    )
                })
                .collect(),
        ),
    };
    Node { pos, value }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_ok(text: &str) -> Node {
        let mut r = Reporter::new("t.yaml", text);
        let n = load(text, &mut r);
        assert!(!r.has_errors(), "{}", r.finish());
        n.expect("loaded")
    }

    #[test]
    fn keeps_positions_and_big_integers() {
        let n = load_ok("a: 1\nb:\n  c: 123456789012345678901234567890\n");
        let c = n.get("b").and_then(|b| b.get("c")).expect("c");
        assert_eq!(c.as_str(), Some("123456789012345678901234567890"));
        assert_eq!(c.pos, Pos { line: 3, column: 6 });
    }

    #[test]
    fn loads_json() {
        let n = load_ok("{\"openapi\": \"3.0.0\", \"x\": [1, 2]}");
        assert_eq!(n.str_at("openapi"), Some("3.0.0"));
        assert_eq!(n.get("x").and_then(Node::items).map(<[Node]>::len), Some(2));
    }

    #[test]
    fn reports_syntax_and_duplicate_errors() {
        for text in ["a: [1, 2\n", "a: 1\na: 2\n"] {
            let mut r = Reporter::new("t.yaml", text);
            assert!(load(text, &mut r).is_none());
            assert!(r.has_errors());
        }
    }
}
