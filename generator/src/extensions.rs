//! The one reader of `x-pasarela-*` extensions: every name, where each one
//! has an effect, and the shape of its value (sub-keys included).
//!
//! [`check`] is run for every extension-like key the structure walk
//! ([`crate::structure`]) meets, with the kind of object it stands in. An
//! unknown name, a sub-key that is not read, a value of the wrong type or
//! an extension where it has no effect is an error with a "did you mean"
//! hint: a misspelt `x-pasarela-moves_money` must never quietly turn off
//! the outcome-unknown protection. The lowering stage reads values only
//! through [`Ext`], so a name the generator reads is always in this table.

use crate::diagnostics::Reporter;
use crate::load::{Node, Value};
use crate::resolve::closest;

/// The kinds of OpenAPI object an extension can stand in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The document's root.
    Document,
    /// An operation (`get:`, `post:`, ...).
    Operation,
    /// A response (`'200':`).
    Response,
    /// A schema (named, inline, items, ...).
    Schema,
    /// A schema that is an object's property (also a [`Place::Schema`]).
    Property,
    /// A security scheme.
    SecurityScheme,
    /// Anything else (parameters, media types, `info`, ...): no extension
    /// has an effect there.
    Elsewhere,
    /// A place this check cannot tell (inside a file of named pieces that
    /// a `$ref` names): names and values are checked, the place is not.
    Anywhere,
}

impl Place {
    fn describe(self) -> &'static str {
        match self {
            Place::Document => "the document root",
            Place::Operation => "an operation",
            Place::Response => "a response",
            Place::Schema => "a schema",
            Place::Property => "an object property",
            Place::SecurityScheme => "a security scheme",
            Place::Elsewhere => "this object",
            Place::Anywhere => "any object",
        }
    }
}

/// The shape an extension's value (or one of its sub-keys) must have.
#[derive(Debug)]
pub enum Shape {
    /// `true` or `false`.
    Bool,
    /// Any scalar (a string or a number).
    Scalar,
    /// A string; when the list is not empty, one of these values.
    OneOf(&'static [&'static str]),
    /// A JSON pointer (RFC 6901): a string starting with `/`.
    Pointer,
    /// A list of values of one shape.
    List(&'static Shape),
    /// A mapping with these keys (no others).
    Map(&'static [SubKey]),
    /// `false` (turning off what an enclosing object declares), or a
    /// mapping with these keys.
    MapOrFalse(&'static [SubKey]),
}

/// One key of a [`Shape::Map`].
#[derive(Debug)]
pub struct SubKey {
    /// The key.
    pub name: &'static str,
    /// Its value's shape.
    pub shape: Shape,
    /// Whether it must be present.
    pub required: bool,
}

const fn key(name: &'static str, shape: Shape, required: bool) -> SubKey {
    SubKey {
        name,
        shape,
        required,
    }
}

const OUTCOMES: &[&str] = &["success", "partial", "error"];

/// Every extension the generator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ext {
    /// `x-pasarela-module`
    Module,
    /// `x-pasarela-moves-money`
    MovesMoney,
    /// `x-pasarela-send-once`
    SendOnce,
    /// `x-pasarela-idempotent`
    Idempotent,
    /// `x-pasarela-outcome-reference`
    OutcomeReference,
    /// `x-pasarela-envelope`
    Envelope,
    /// `x-pasarela-text-result`
    TextResult,
    /// `x-pasarela-read-as`
    ReadAs,
    /// `x-pasarela-csv`
    Csv,
    /// `x-pasarela-csv-omittable`
    CsvOmittable,
    /// `x-pasarela-as-text`
    AsText,
    /// `x-pasarela-lenient`
    Lenient,
    /// `x-pasarela-error-code`
    ErrorCode,
    /// `x-pasarela-secret`
    Secret,
    /// `x-pasarela-closed-enum`
    ClosedEnum,
    /// `x-pasarela-in`
    In,
    /// `x-pasarela-idempotency`
    Idempotency,
    /// `x-pasarela-pagination`
    Pagination,
}

/// What the table says about one extension.
#[derive(Debug)]
pub struct ExtSpec {
    /// Which extension.
    pub ext: Ext,
    /// Its key in the spec.
    pub name: &'static str,
    /// Where it has an effect.
    pub places: &'static [Place],
    /// Its value's shape.
    pub shape: Shape,
}

/// The table: the reference for docs/spec-extensions.md.
pub const EXTENSIONS: &[ExtSpec] = &[
    ExtSpec {
        ext: Ext::Module,
        name: "x-pasarela-module",
        places: &[Place::Document],
        shape: Shape::OneOf(&[]),
    },
    ExtSpec {
        ext: Ext::MovesMoney,
        name: "x-pasarela-moves-money",
        places: &[Place::Operation],
        shape: Shape::Bool,
    },
    ExtSpec {
        ext: Ext::SendOnce,
        name: "x-pasarela-send-once",
        places: &[Place::Operation],
        shape: Shape::Bool,
    },
    ExtSpec {
        ext: Ext::Idempotent,
        name: "x-pasarela-idempotent",
        places: &[Place::Operation],
        shape: Shape::Bool,
    },
    ExtSpec {
        ext: Ext::OutcomeReference,
        name: "x-pasarela-outcome-reference",
        places: &[Place::Operation],
        shape: Shape::Pointer,
    },
    ExtSpec {
        ext: Ext::Envelope,
        name: "x-pasarela-envelope",
        places: &[Place::Response],
        shape: Shape::Map(&[
            key("code", Shape::Pointer, true),
            key("text", Shape::Pointer, false),
            key("data", Shape::Pointer, true),
            key(
                "codes",
                Shape::List(&Shape::Map(&[
                    key("code", Shape::Scalar, true),
                    key("outcome", Shape::OneOf(OUTCOMES), true),
                    key("meaning", Shape::Scalar, false),
                ])),
                false,
            ),
            key(
                "rules",
                Shape::List(&Shape::Map(&[
                    key(
                        "when",
                        Shape::List(&Shape::Map(&[
                            key("path", Shape::Pointer, true),
                            key("equals", Shape::Scalar, false),
                            key("non-empty", Shape::Bool, false),
                        ])),
                        true,
                    ),
                    key("outcome", Shape::OneOf(OUTCOMES), true),
                ])),
                false,
            ),
        ]),
    },
    ExtSpec {
        ext: Ext::TextResult,
        name: "x-pasarela-text-result",
        places: &[Place::Response],
        shape: Shape::Map(&[
            key("error-prefix", Shape::OneOf(&[]), false),
            key("ok-prefix", Shape::OneOf(&[]), false),
            key("ok-pattern", Shape::OneOf(&[]), false),
        ]),
    },
    ExtSpec {
        ext: Ext::ReadAs,
        name: "x-pasarela-read-as",
        places: &[Place::Schema, Place::Property],
        shape: Shape::Map(&[key("$ref", Shape::OneOf(&[]), true)]),
    },
    ExtSpec {
        ext: Ext::Csv,
        name: "x-pasarela-csv",
        places: &[Place::Schema, Place::Property],
        shape: Shape::Map(&[
            key("separator", Shape::OneOf(&[]), false),
            key("header", Shape::Bool, false),
            key(
                "encodings",
                Shape::List(&Shape::OneOf(&[
                    "utf-8",
                    "utf8",
                    "windows-1252",
                    "cp1252",
                    "latin1",
                    "iso-8859-1",
                ])),
                false,
            ),
            key("file-name", Shape::OneOf(&[]), false),
        ]),
    },
    ExtSpec {
        ext: Ext::CsvOmittable,
        name: "x-pasarela-csv-omittable",
        places: &[Place::Property],
        shape: Shape::Bool,
    },
    ExtSpec {
        ext: Ext::AsText,
        name: "x-pasarela-as-text",
        places: &[Place::Schema, Place::Property],
        shape: Shape::Bool,
    },
    ExtSpec {
        ext: Ext::Lenient,
        name: "x-pasarela-lenient",
        places: &[Place::Schema, Place::Property],
        shape: Shape::Bool,
    },
    ExtSpec {
        ext: Ext::ErrorCode,
        name: "x-pasarela-error-code",
        places: &[Place::Property],
        shape: Shape::Bool,
    },
    ExtSpec {
        ext: Ext::Secret,
        name: "x-pasarela-secret",
        places: &[Place::Schema, Place::Property],
        shape: Shape::Bool,
    },
    ExtSpec {
        ext: Ext::ClosedEnum,
        name: "x-pasarela-closed-enum",
        places: &[Place::Schema, Place::Property],
        shape: Shape::Bool,
    },
    ExtSpec {
        ext: Ext::Idempotency,
        name: "x-pasarela-idempotency",
        places: &[Place::Document, Place::Operation],
        shape: Shape::MapOrFalse(&[
            key("header", Shape::OneOf(&[]), true),
            key("prefix", Shape::OneOf(&[]), false),
            key("conflict-statuses", Shape::List(&Shape::Scalar), false),
        ]),
    },
    ExtSpec {
        ext: Ext::Pagination,
        name: "x-pasarela-pagination",
        places: &[Place::Operation],
        shape: Shape::Map(&[
            key(
                "scheme",
                Shape::OneOf(&["page-number", "offset", "cursor", "next-link"]),
                true,
            ),
            key("items", Shape::Pointer, false),
            key("page-param", Shape::OneOf(&[]), false),
            key("size-param", Shape::OneOf(&[]), false),
            key("first-page", Shape::Scalar, false),
            key("offset-param", Shape::OneOf(&[]), false),
            key("limit-param", Shape::OneOf(&[]), false),
            key("cursor-param", Shape::OneOf(&[]), false),
            key("cursor-field", Shape::Pointer, false),
            key("cursor-header", Shape::OneOf(&[]), false),
            key("cursor-item-field", Shape::Pointer, false),
            key("cursor-alone", Shape::Bool, false),
            key("next-field", Shape::Pointer, false),
            key("next-link-header", Shape::Bool, false),
            key("has-more", Shape::Pointer, false),
            key("total", Shape::Pointer, false),
            key("stop-on-short-page", Shape::Bool, false),
        ]),
    },
    ExtSpec {
        ext: Ext::In,
        name: "x-pasarela-in",
        places: &[Place::SecurityScheme],
        shape: Shape::OneOf(&["form"]),
    },
];

/// Extensions that are no longer read, with what to write instead.
pub const RETIRED: &[(&str, &str)] = &[(
    "x-pasarela-wire-type",
    "it contradicted the standard `type`, which must say what the wire carries: declare `type: integer` and add `x-pasarela-as-text: true` to keep the digits as text in Rust",
)];

/// The prefix every extension of ours starts with.
pub const PREFIX: &str = "x-pasarela-";

impl Ext {
    /// The extension's key in a spec.
    pub fn name(self) -> &'static str {
        EXTENSIONS
            .iter()
            .find(|e| e.ext == self)
            .map_or(PREFIX, |e| e.name)
    }

    /// The extension's value on `node`, if present.
    pub fn on(self, node: &Node) -> Option<&Node> {
        node.get(self.name())
    }

    /// True when `node` sets this (boolean) extension to `true`.
    pub fn is_set(self, node: &Node) -> bool {
        node.bool_at(self.name()).unwrap_or(false)
    }

    /// The boolean value of this extension on `node`, if present.
    pub fn flag(self, node: &Node) -> Option<bool> {
        node.bool_at(self.name())
    }

    /// The text value of this extension on `node`, if present.
    pub fn text(self, node: &Node) -> Option<&str> {
        node.str_at(self.name())
    }
}

/// Folds case, `-` and `_` so that `moves_money`, `movesMoney` and
/// `moves-money` compare equal for "did you mean".
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The known name `wanted` was probably meant to be.
fn suggest<'n>(wanted: &str, names: impl Iterator<Item = &'n str> + Clone) -> Option<&'n str> {
    let folded = fold(wanted);
    names
        .clone()
        .find(|n| fold(n) == folded)
        .or_else(|| closest(wanted, names))
}

/// True when `key` is, or looks like a misspelling of, one of our extensions.
pub fn looks_like_ours(key: &str) -> bool {
    if key.starts_with(PREFIX) {
        return true;
    }
    let lower = key.to_ascii_lowercase();
    if lower.starts_with(PREFIX) || fold(key).starts_with("xpasarela") {
        return true;
    }
    key.starts_with("x-") && suggest(key, EXTENSIONS.iter().map(|e| e.name)).is_some()
}

/// Checks one extension-like `key` with `value`, standing in an object of
/// kind `place`.
pub fn check(key: &crate::load::Key, value: &Node, place: Place, reporter: &mut Reporter<'_>) {
    if let Some((name, instead)) = RETIRED.iter().find(|(n, _)| *n == key.name) {
        reporter.error(
            key.pos,
            format!("`{name}` is no longer read"),
            Some((*instead).to_string()),
        );
        return;
    }
    let Some(spec) = EXTENSIONS.iter().find(|e| e.name == key.name) else {
        let hint = match suggest(&key.name, EXTENSIONS.iter().map(|e| e.name)) {
            Some(name) => format!("did you mean `{name}`?"),
            None => format!(
                "the extensions are: {}",
                EXTENSIONS
                    .iter()
                    .map(|e| e.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        reporter.error(
            key.pos,
            format!("unknown extension `{}`", key.name),
            Some(format!("{hint} (see docs/spec-extensions.md)")),
        );
        return;
    };
    let effective = place == Place::Anywhere
        || spec.places.contains(&place)
        || (place == Place::Property && spec.places.contains(&Place::Schema));
    if !effective {
        let wanted = spec
            .places
            .iter()
            .map(|p| p.describe())
            .collect::<Vec<_>>()
            .join(" or ");
        reporter.error(
            key.pos,
            format!("`{}` has no effect on {}", spec.name, place.describe()),
            Some(format!("move it to {wanted}")),
        );
        return;
    }
    check_shape(spec.name, value, &spec.shape, reporter);
}

/// How a value is named in "found ..." messages: a scalar by its text.
fn found(value: &Node) -> String {
    match value.as_str() {
        Some(text) => format!("`{text}`"),
        None => value.kind().to_string(),
    }
}

fn check_shape(path: &str, value: &Node, shape: &Shape, reporter: &mut Reporter<'_>) {
    let wrong = |reporter: &mut Reporter<'_>, wanted: &str, example: &str| {
        reporter.error(
            value.pos,
            format!("`{path}` must be {wanted}, found {}", found(value)),
            Some(format!("e.g. `{example}`")),
        );
    };
    match shape {
        Shape::Bool => {
            if !matches!(value.as_str(), Some("true" | "false")) {
                wrong(reporter, "`true` or `false`", "true");
            }
        }
        Shape::Scalar => {
            if value.as_str().is_none() {
                wrong(reporter, "a string or a number", "\"0\"");
            }
        }
        Shape::OneOf(allowed) => match value.as_str() {
            None => wrong(reporter, "a string", "text"),
            Some(text) if !allowed.is_empty() && !allowed.contains(&text) => {
                let hint = match suggest(text, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!("use one of: {}", allowed.join(", ")),
                };
                reporter.error(
                    value.pos,
                    format!("`{path}` cannot be `{text}`"),
                    Some(hint),
                );
            }
            Some(_) => {}
        },
        Shape::Pointer => match value.as_str() {
            Some(p) if p.starts_with('/') => {}
            _ => reporter.error(
                value.pos,
                format!("`{path}` must be a JSON pointer"),
                Some("e.g. `/header/code` (RFC 6901, starting with `/`)".into()),
            ),
        },
        Shape::List(item) => match &value.value {
            Value::Seq(items) => {
                for (i, node) in items.iter().enumerate() {
                    check_shape(&format!("{path}[{i}]"), node, item, reporter);
                }
            }
            _ => wrong(reporter, "a list", "[...]"),
        },
        Shape::MapOrFalse(keys) => {
            if value.as_str() == Some("false") {
                return;
            }
            if value.entries().is_none() {
                wrong(
                    reporter,
                    "`false` or a mapping",
                    "{header: Idempotency-Key}",
                );
                return;
            }
            check_shape(path, value, &Shape::Map(keys), reporter);
        }
        Shape::Map(keys) => {
            let Some(entries) = value.entries() else {
                wrong(reporter, "a mapping", "{...}");
                return;
            };
            for (k, v) in entries {
                match keys.iter().find(|s| s.name == k.name) {
                    Some(sub) => {
                        check_shape(&format!("{path}.{}", k.name), v, &sub.shape, reporter)
                    }
                    None => {
                        let hint = match suggest(&k.name, keys.iter().map(|s| s.name)) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!(
                                "`{path}` reads: {}",
                                keys.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
                            ),
                        };
                        reporter.error(
                            k.pos,
                            format!("`{path}` has no key `{}`", k.name),
                            Some(hint),
                        );
                    }
                }
            }
            for sub in keys.iter().filter(|s| s.required) {
                if value.get(sub.name).is_none() {
                    reporter.error(
                        value.pos,
                        format!("`{path}` needs `{}`", sub.name),
                        Some(format!("add `{}:`", sub.name)),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_extension_has_one_entry_and_the_prefix() {
        for (i, e) in EXTENSIONS.iter().enumerate() {
            assert!(e.name.starts_with(PREFIX));
            assert_eq!(e.ext.name(), e.name);
            assert!(EXTENSIONS[..i]
                .iter()
                .all(|o| o.name != e.name && o.ext != e.ext));
        }
    }

    #[test]
    fn misspellings_are_recognised() {
        assert!(looks_like_ours("x-pasarela-moves_money"));
        assert!(looks_like_ours("x-Pasarela-secret"));
        assert!(looks_like_ours("x-pasarla-secret"));
        assert!(!looks_like_ours("x-amazon-apigateway"));
        assert_eq!(
            suggest("x-pasarela-moves_money", EXTENSIONS.iter().map(|e| e.name)),
            Some("x-pasarela-moves-money")
        );
        assert_eq!(
            suggest("nonEmpty", ["path", "equals", "non-empty"].into_iter()),
            Some("non-empty")
        );
    }
}
