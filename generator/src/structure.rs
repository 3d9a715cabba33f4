//! Part of stage 2: the document's structure. Walks the tree knowing which
//! OpenAPI object each mapping is (document, path item, operation,
//! parameter, schema, ...), and reports
//!
//! - a section of the wrong shape (`parameters:` given as a string, a
//!   `properties:` that is a list, ...) at its line, instead of letting
//!   later stages read it as absent;
//! - every `x-pasarela-*` key (or near-miss of one), checked by
//!   [`crate::extensions::check`] against the place it stands in.
//!
//! Values that are data (`example`, `examples`, `default`, `enum`,
//! `const`) and other tools' extensions are not entered.

use crate::diagnostics::Reporter;
use crate::extensions::{self, Place};
use crate::load::{Key, Node, Value};

/// Which OpenAPI object a mapping is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Document,
    Components,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    MediaType,
    Responses,
    Response,
    Header,
    SecurityScheme,
    Schema {
        property: bool,
    },
    /// An object we only scan for misplaced extensions.
    Other,
    /// Part of an included file whose kind is not known here.
    Unknown,
}

/// The shape a section must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Map,
    List,
    /// A schema position: a mapping, or (3.1) `true`/`false`.
    SchemaLike,
    /// `type:` a string, or (3.1) a list of strings.
    ScalarOrList,
}

/// What a key holds, in a given object: its expected shape and what the
/// value (or each entry/item of it) is.
enum Child {
    /// The value is one object of this kind.
    One(Want, Ctx),
    /// The value is a mapping of name → object of this kind.
    MapOf(Ctx),
    /// The value is a list of objects of this kind.
    ListOf(Ctx),
    /// Only its shape is checked.
    Shape(Want),
    /// Not entered (data, or another tool's extension).
    Skip,
    /// Scanned as [`Ctx::Other`].
    Scan,
    /// Walked as this kind of object, without a shape check.
    Within(Ctx),
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const DATA_KEYS: &[&str] = &[
    "example",
    "examples",
    "default",
    "enum",
    "const",
    "x-example",
];

fn child(ctx: Ctx, key: &str) -> Child {
    use Child::*;
    if DATA_KEYS.contains(&key) {
        return match key {
            "enum" if matches!(ctx, Ctx::Schema { .. }) => Shape(Want::List),
            _ => Skip,
        };
    }
    match ctx {
        Ctx::Document => match key {
            "paths" => MapOf(Ctx::PathItem),
            "webhooks" => MapOf(Ctx::PathItem),
            "components" => One(Want::Map, Ctx::Components),
            "info" => One(Want::Map, Ctx::Other),
            "servers" | "security" | "tags" => Shape(Want::List),
            _ => Scan,
        },
        Ctx::Components => match key {
            "schemas" => MapOf(Ctx::Schema { property: false }),
            "responses" => MapOf(Ctx::Response),
            "parameters" => MapOf(Ctx::Parameter),
            "requestBodies" => MapOf(Ctx::RequestBody),
            "headers" => MapOf(Ctx::Header),
            "securitySchemes" => MapOf(Ctx::SecurityScheme),
            "pathItems" => MapOf(Ctx::PathItem),
            "links" | "callbacks" => Shape(Want::Map),
            _ => Scan,
        },
        Ctx::PathItem => match key {
            m if METHODS.contains(&m) => One(Want::Map, Ctx::Operation),
            "parameters" => ListOf(Ctx::Parameter),
            "servers" => Shape(Want::List),
            _ => Scan,
        },
        Ctx::Operation => match key {
            "parameters" => ListOf(Ctx::Parameter),
            "requestBody" => One(Want::Map, Ctx::RequestBody),
            "responses" => One(Want::Map, Ctx::Responses),
            "security" | "servers" | "tags" => Shape(Want::List),
            "callbacks" => Shape(Want::Map),
            _ => Scan,
        },
        Ctx::Parameter | Ctx::Header => match key {
            "schema" => One(Want::SchemaLike, Ctx::Schema { property: false }),
            "content" => MapOf(Ctx::MediaType),
            _ => Scan,
        },
        Ctx::RequestBody => match key {
            "content" => MapOf(Ctx::MediaType),
            _ => Scan,
        },
        Ctx::MediaType => match key {
            "schema" => One(Want::SchemaLike, Ctx::Schema { property: false }),
            "encoding" => Shape(Want::Map),
            _ => Scan,
        },
        Ctx::Responses => match key {
            k if k.starts_with("x-") => Scan,
            _ => One(Want::Map, Ctx::Response),
        },
        Ctx::Response => match key {
            "content" => MapOf(Ctx::MediaType),
            "headers" => MapOf(Ctx::Header),
            "links" => Shape(Want::Map),
            _ => Scan,
        },
        Ctx::SecurityScheme => Scan,
        Ctx::Schema { .. } => match key {
            "properties" => MapOf(Ctx::Schema { property: true }),
            "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                MapOf(Ctx::Schema { property: false })
            }
            "items"
            | "additionalProperties"
            | "not"
            | "contains"
            | "if"
            | "then"
            | "else"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "additionalItems" => One(Want::SchemaLike, Ctx::Schema { property: false }),
            "allOf" | "oneOf" | "anyOf" | "prefixItems" => ListOf(Ctx::Schema { property: false }),
            "required" => Shape(Want::List),
            "type" => Shape(Want::ScalarOrList),
            _ => Scan,
        },
        Ctx::Other => Scan,
        Ctx::Unknown => Within(Ctx::Unknown),
    }
}

fn place(ctx: Ctx) -> Place {
    match ctx {
        Ctx::Document => Place::Document,
        Ctx::Operation => Place::Operation,
        Ctx::Response => Place::Response,
        Ctx::SecurityScheme => Place::SecurityScheme,
        Ctx::Schema { property: true } => Place::Property,
        Ctx::Schema { property: false } => Place::Schema,
        Ctx::Unknown => Place::Anywhere,
        _ => Place::Elsewhere,
    }
}

/// Checks the structure of the document rooted at `root`.
pub fn check(root: &Node, reporter: &mut Reporter<'_>) {
    walk(root, Ctx::Document, reporter, 0);
}

/// Checks a file named by a `$ref`: a whole OpenAPI document, or (the
/// usual case) a bare schema.
pub fn check_included(root: &Node, reporter: &mut Reporter<'_>) {
    walk(root, included_ctx(root), reporter, 0);
}

/// What kind of object the root of a file named by a `$ref` is.
fn included_ctx(root: &Node) -> Ctx {
    let has = |keys: &[&str]| keys.iter().any(|k| root.get(k).is_some());
    // A file of named pieces may name one `type` (a query parameter called
    // `type`): a schema's `type` is a name or a list, never a mapping.
    let named_type = root.get("type").is_some_and(Node::is_map);
    if has(&["openapi", "swagger", "paths", "components"]) {
        Ctx::Document
    } else if !named_type
        && has(&[
            "type",
            "properties",
            "allOf",
            "oneOf",
            "anyOf",
            "items",
            "enum",
            "$ref",
        ])
    {
        Ctx::Schema { property: false }
    } else {
        // A file of named pieces (`Tag: {...}`, `NotFound: {...}`): what
        // each piece is depends on where it is used, so extensions in it
        // are checked for their name and value, not their place.
        Ctx::Unknown
    }
}

/// The objects that can carry `example`/`examples`, as [`visit_holders`]
/// finds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// A schema (its `example`, and 3.1 `examples`, are instances of it).
    Schema,
    /// A JSON media type object (examples of its `schema`).
    MediaType,
    /// A media type that is not JSON (`text/plain`, `text/csv`, …): a string
    /// example is the body's text, which the schema may describe decoded
    /// (CSV rows, a text result's captures).
    TextMediaType,
    /// A parameter (examples of its `schema`).
    Parameter,
    /// A header (examples of its `schema`).
    Header,
}

/// Calls `found` for every schema, media type, parameter and header object
/// of a document (`included`: of a file named by a `$ref`), walking the
/// same table of what each key holds as the structure check. Reference
/// objects (but for schemas) are not entered: what they name is visited
/// where it is defined.
pub fn visit_holders<'n>(root: &'n Node, included: bool, found: &mut dyn FnMut(Holder, &'n Node)) {
    let ctx = if included {
        included_ctx(root)
    } else {
        Ctx::Document
    };
    visit(root, ctx, found, 0);
}

/// Like [`visit_holders`] for one schema (and the schemas inside it), e.g.
/// the target of a `$ref` into a file of named pieces.
pub fn visit_schema<'n>(schema: &'n Node, found: &mut dyn FnMut(Holder, &'n Node)) {
    visit(schema, Ctx::Schema { property: false }, found, 0);
}

fn visit<'n>(node: &'n Node, ctx: Ctx, found: &mut dyn FnMut(Holder, &'n Node), depth: usize) {
    let Some(entries) = node.entries() else {
        return;
    };
    // A reference object is visited where its target is defined; a schema
    // beside a `$ref` (3.1) is a schema of its own.
    let schema = matches!(ctx, Ctx::Schema { .. });
    if depth > MAX_WALK_DEPTH || (node.get("$ref").is_some() && !schema) {
        return;
    }
    let holder = match ctx {
        Ctx::Schema { .. } => Some(Holder::Schema),
        // Emitted by the parent, which knows the media type's name (a file
        // that is one media type object has none: read as JSON).
        Ctx::MediaType if depth == 0 => Some(Holder::MediaType),
        Ctx::MediaType => None,
        Ctx::Parameter => Some(Holder::Parameter),
        Ctx::Header => Some(Holder::Header),
        _ => None,
    };
    if let Some(holder) = holder {
        found(holder, node);
    }
    for (key, value) in entries {
        if key.name.starts_with("x-") {
            continue;
        }
        match child(ctx, &key.name) {
            Child::One(_, inner) | Child::Within(inner) => visit(value, inner, found, depth + 1),
            Child::MapOf(inner) => {
                for (name, item) in value.entries().unwrap_or(&[]) {
                    if inner == Ctx::MediaType && item.get("$ref").is_none() {
                        let json = name.name.contains("json");
                        found(
                            if json {
                                Holder::MediaType
                            } else {
                                Holder::TextMediaType
                            },
                            item,
                        );
                    }
                    visit(item, inner, found, depth + 1);
                }
            }
            Child::ListOf(inner) => {
                for item in value.items().unwrap_or(&[]) {
                    visit(item, inner, found, depth + 1);
                }
            }
            Child::Shape(_) | Child::Skip | Child::Scan => {}
        }
    }
}

/// Deep enough for any real document; the loader already refuses deeper ones.
const MAX_WALK_DEPTH: usize = 1_000;

fn walk(node: &Node, ctx: Ctx, reporter: &mut Reporter<'_>, depth: usize) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    match &node.value {
        Value::Map(entries) => {
            // OpenAPI 3.0 ignores a reference object's other keys, so their
            // shape is not checked (real specs carry `required: true` there);
            // our extensions beside a `$ref` are read, so they are.
            let reference = node.get("$ref").is_some();
            for (key, value) in entries {
                if extensions::looks_like_ours(&key.name) {
                    extensions::check(key, value, place(ctx), reporter);
                } else if !key.name.starts_with("x-") && !reference {
                    entry(ctx, key, value, reporter, depth);
                }
            }
        }
        Value::Seq(items) if matches!(ctx, Ctx::Other | Ctx::Unknown) => {
            for item in items {
                walk(item, ctx, reporter, depth + 1);
            }
        }
        _ => {}
    }
}

fn entry(ctx: Ctx, key: &Key, value: &Node, reporter: &mut Reporter<'_>, depth: usize) {
    match child(ctx, &key.name) {
        Child::Skip => {}
        Child::Scan => walk(value, Ctx::Other, reporter, depth + 1),
        Child::Within(inner) => walk(value, inner, reporter, depth + 1),
        Child::Shape(want) => {
            expect(key, value, want, reporter);
        }
        Child::One(want, inner) => {
            if expect(key, value, want, reporter) {
                walk(value, inner, reporter, depth + 1);
            }
        }
        Child::MapOf(inner) => {
            if expect(key, value, Want::Map, reporter) {
                for (name, item) in value.entries().unwrap_or(&[]) {
                    if name.name.starts_with("x-") && !matches!(inner, Ctx::Schema { .. }) {
                        if extensions::looks_like_ours(&name.name) {
                            extensions::check(name, item, Place::Elsewhere, reporter);
                        }
                        continue;
                    }
                    let want = match inner {
                        Ctx::Schema { .. } => Want::SchemaLike,
                        _ => Want::Map,
                    };
                    if expect(name, item, want, reporter) {
                        walk(item, inner, reporter, depth + 1);
                    }
                }
            }
        }
        Child::ListOf(inner) => {
            if expect(key, value, Want::List, reporter) {
                for item in value.items().unwrap_or(&[]) {
                    if item.is_map() {
                        walk(item, inner, reporter, depth + 1);
                    } else if !matches!(inner, Ctx::Schema { .. }) || item.as_str().is_none() {
                        reporter.error(
                            item.pos,
                            format!(
                                "each item of `{}` must be a mapping, found {}",
                                key.name,
                                item.kind()
                            ),
                            Some(format!(
                                "write the items of `{}` as `- name: value` mappings",
                                key.name
                            )),
                        );
                    }
                }
            }
        }
    }
}

/// Reports `value` when it does not have the shape `want`; true when it has.
fn expect(key: &Key, value: &Node, want: Want, reporter: &mut Reporter<'_>) -> bool {
    let ok = match (want, &value.value) {
        (Want::Map, Value::Map(_)) | (Want::List, Value::Seq(_)) => true,
        (Want::SchemaLike, Value::Map(_)) => true,
        (Want::SchemaLike, Value::Scalar(s)) => s == "true" || s == "false",
        (Want::ScalarOrList, Value::Scalar(_) | Value::Seq(_)) => true,
        _ => false,
    };
    if !ok {
        let (wanted, hint) = match want {
            Want::Map if key.name == "properties" => (
                "a mapping",
                "map each property name to its schema: `properties: {id: {type: string}}`"
                    .to_string(),
            ),
            Want::Map => (
                "a mapping",
                format!("write `{}:` as `name: value` entries", key.name),
            ),
            Want::List => (
                "a list",
                format!("write `{}:` as a list of `- ...` items", key.name),
            ),
            Want::SchemaLike => (
                "a schema (a mapping)",
                format!("e.g. `{}: {{type: string}}`", key.name),
            ),
            Want::ScalarOrList => ("a type name", "e.g. `type: string`".to_string()),
        };
        reporter.error(
            value.pos,
            format!("`{}` must be {wanted}, found {}", key.name, value.kind()),
            Some(hint),
        );
    }
    ok
}
