//! Stage 1 for `.json` files: strict JSON text → a [`Node`] tree with
//! line:column positions, read by a JSON parser (`jsonc-parser` with every
//! extension to JSON turned off), so that everything RFC 8259 allows loads:
//! any string escape (`"\ud83d\udc4d"`, a surrogate pair, is one emoji),
//! numbers of any size (kept as their source text, as YAML scalars are),
//! deep nesting within [`crate::load::MAX_DEPTH`].
//!
//! Strictness is `serde_json`'s, checked first (it names the line and column
//! of a syntax error); duplicate keys are reported as the YAML reader does.

use std::collections::BTreeMap;

use jsonc_parser::ast::{ObjectPropName, Value as Json};
use jsonc_parser::{CollectOptions, ParseOptions};

use crate::diagnostics::{Pos, Reporter};
use crate::load::{Key, Node, Value};

/// Parses `text`, already checked to be strict JSON. Problems (duplicate
/// keys, a top level that is not an object) are reported, with `None`.
pub(crate) fn load(text: &str, reporter: &mut Reporter<'_>) -> Option<Node> {
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let lines = LineIndex::new(text);
    let parsed = match jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &strict) {
        Ok(parsed) => parsed,
        Err(e) => {
            reporter.error(
                lines.pos(e.range().start),
                format!("invalid JSON: {}", e.kind()),
                Some("a `.json` spec must be strict JSON (RFC 8259)".into()),
            );
            return None;
        }
    };
    let Some(value) = parsed.value else {
        // An empty file: an empty mapping, as for YAML; later stages say
        // what it lacks.
        return Some(Node {
            pos: Pos::new(1, 1),
            value: Value::Map(Vec::new()),
        });
    };
    let mut builder = Build {
        lines: &lines,
        duplicates: Vec::new(),
    };
    let node = builder.node(value);
    for (key, first) in &builder.duplicates {
        reporter.error(
            key.pos,
            format!("duplicate key `{}`", key.name),
            Some(format!(
                "the first `{}` is at line {first}; keep one of them",
                key.name
            )),
        );
    }
    builder.duplicates.is_empty().then_some(node)
}

struct Build<'l> {
    lines: &'l LineIndex<'l>,
    /// Repeated keys, with the line of the first.
    duplicates: Vec<(Key, usize)>,
}

impl Build<'_> {
    fn node(&mut self, value: Json<'_>) -> Node {
        let at = |range: jsonc_parser::common::Range| self.lines.pos(range.start);
        match value {
            Json::StringLit(s) => Node {
                pos: at(s.range),
                value: Value::Scalar(s.value.into_owned()),
            },
            Json::NumberLit(n) => Node {
                pos: at(n.range),
                value: Value::Scalar(n.value.to_string()),
            },
            Json::BooleanLit(b) => Node {
                pos: at(b.range),
                value: Value::Scalar(b.value.to_string()),
            },
            Json::NullKeyword(n) => Node {
                pos: at(n.range),
                value: Value::Null,
            },
            Json::Array(a) => {
                let pos = at(a.range);
                let items = a.elements.into_iter().map(|v| self.node(v)).collect();
                Node {
                    pos,
                    value: Value::Seq(items),
                }
            }
            Json::Object(o) => {
                let pos = at(o.range);
                let mut entries = Vec::with_capacity(o.properties.len());
                let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
                for prop in o.properties {
                    let (name, range) = match prop.name {
                        ObjectPropName::String(s) => (s.value.into_owned(), s.range),
                        ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                    };
                    let key = Key {
                        name,
                        pos: at(range),
                    };
                    match first_line.get(&key.name) {
                        Some(line) => self.duplicates.push((key.clone(), *line)),
                        None => {
                            first_line.insert(key.name.clone(), key.pos.line);
                        }
                    }
                    let value = self.node(prop.value);
                    entries.push((key, value));
                }
                Node {
                    pos,
                    value: Value::Map(entries),
                }
            }
        }
    }
}

/// Byte offsets → 1-based line and column (in characters).
struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    fn pos(&self, offset: usize) -> Pos {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset.min(self.text.len()))
            .map_or(1, |s| s.chars().count() + 1);
        Pos::new(line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_ok(text: &str) -> Node {
        let mut reporter = Reporter::new("t.json", text);
        let node = load(text, &mut reporter);
        assert!(reporter.finish().is_empty());
        node.expect("loads")
    }

    #[test]
    fn every_json_escape_loads_as_its_character() {
        let node =
            load_ok(r#"{"a": "\ud83d\udc4d \u00e9\n\"\\\/", "b": 123456789012345678901234567890}"#);
        assert_eq!(node.str_at("a"), Some("👍 é\n\"\\/"));
        assert_eq!(node.str_at("b"), Some("123456789012345678901234567890"));
    }

    #[test]
    fn positions_are_lines_and_character_columns() {
        let node = load_ok("{\n  \"é\": {\"x\": [1, null]},\n  \"y\": true\n}");
        let (key, value) = &node.entries().expect("map")[0];
        assert_eq!((key.pos.line, key.pos.column), (2, 3));
        assert_eq!((value.pos.line, value.pos.column), (2, 8));
        let x = &value.get("x").expect("x").items().expect("seq")[1];
        assert_eq!(x.value, Value::Null);
        assert_eq!((x.pos.line, x.pos.column), (2, 18));
        assert_eq!(node.bool_at("y"), Some(true));
    }

    #[test]
    fn duplicate_keys_are_reported_at_the_second() {
        let text = "{\"a\": 1,\n \"a\": 2}";
        let mut reporter = Reporter::new("t.json", text);
        assert!(load(text, &mut reporter).is_none());
        let d = reporter.finish();
        assert_eq!(d.0[0].pos.line, 2);
        assert!(d.0[0].message.contains("duplicate key `a`"), "{d}");
    }
}
