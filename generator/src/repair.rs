//! Stage between load and resolve: deviations from the specification that
//! real documents have and that can be repaired in the tree itself, before
//! anything else reads it. Each is reported through
//! [`Reporter::repairable`] with its [`Repair`] class: an error by default
//! (whose hint says what `--lenient` would do), a warning when reading
//! leniently.
//!
//! The tree is repaired in both modes, so that a strict reading reports
//! each deviation once instead of the noise that would follow from it (a
//! `$ref` on an operation would otherwise read as an operation without
//! `responses`); a strict reading still does not generate.
//!
//! What is repaired here:
//! - a `$ref` where the specification allows none (an operation, a whole
//!   `content`/`responses`/`properties` map, a media type): the target is
//!   copied in its place;
//! - `items` given as a list of schemas: one schema is that schema, several
//!   are `anyOf` them;
//! - `enum` values that are not of the schema's `type`: left out (all of
//!   them: the `enum` is dropped);
//! - `required` naming a property the schema does not define (a closed
//!   object without composition): the name is dropped.

use crate::diagnostics::{Pos, Repair, Reporter};
use crate::load::{Key, Node, Value};
use crate::resolve::Doc;

/// At most this many rounds of copying: a copied operation may itself hold
/// misplaced `$ref`s, which the next round copies.
const MAX_ROUNDS: usize = 8;

/// Repairs `root` and the files its `$ref`s name (`included`, already
/// canonicalised) in place; see the module docs.
pub fn repair(root: &mut Node, included: &mut [(&str, Node)], reporter: &mut Reporter<'_>) {
    for _ in 0..MAX_ROUNDS {
        // (tree: None for the spec, Some(i) for included[i], found there)
        let found: Vec<(Option<usize>, Found)> = {
            let doc = Doc::with_files(root, included.iter().map(|(p, n)| (*p, n)));
            let mut found = Vec::new();
            misplaced_refs(&doc, root, &mut Vec::new(), Context::Document, &mut found);
            let mut all: Vec<(Option<usize>, Found)> =
                found.into_iter().map(|f| (None, f)).collect();
            for (i, (_, node)) in included.iter().enumerate() {
                let mut found = Vec::new();
                // What a file of named pieces holds depends on where it is
                // used: only the context-free cases are judged there.
                misplaced_refs(&doc, node, &mut Vec::new(), Context::Other, &mut found);
                all.extend(found.into_iter().map(|f| (Some(i), f)));
            }
            all
        };
        if found.is_empty() {
            break;
        }
        for (tree, (path, what, pos, target)) in found {
            // Copied in both modes (see the module docs).
            reporter.repairable(
                Repair::MisplacedRef,
                pos,
                format!("`$ref` on {what}, where the specification allows none"),
                &format!(
                    "write the {what} in place (or move the `$ref` to a place that allows one)"
                ),
                "read the target in its place",
            );
            let node = match tree {
                None => &mut *root,
                Some(i) => &mut included[i].1,
            };
            if let Some(slot) = node_at_mut(node, &path) {
                *slot = target;
            }
        }
    }
    schema_keywords(root, reporter);
    for (_, node) in included.iter_mut() {
        schema_keywords(node, reporter);
    }
}

/// Where a node stands, for deciding whether a `$ref` is allowed there.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    Document,
    Paths,
    PathItem,
    Operation,
    /// A request body or response: its `content` map.
    Body,
    /// A `content` map: media types.
    Content,
    /// A `responses` map.
    Responses,
    /// A components section holding bodies (`responses`, `requestBodies`).
    BodyComponents,
    /// The map under a `properties` keyword: its keys are property names.
    PropertyNames,
    Other,
}

type Found = (Vec<Step>, &'static str, Pos, Node);

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// The `$ref` target of a node that is only `{$ref: "..."}` (siblings such
/// as `description` are allowed), when it resolves.
fn ref_target(doc: &Doc<'_>, node: &Node) -> Option<(Pos, Node)> {
    let reference = node.get("$ref")?;
    let target = doc.pointer(reference.as_str()?).ok()?;
    let target = doc.deref(target).ok()?;
    Some((reference.pos, target.clone()))
}

fn misplaced_refs(
    doc: &Doc<'_>,
    node: &Node,
    path: &mut Vec<Step>,
    cx: Context,
    found: &mut Vec<Found>,
) {
    let Value::Map(entries) = &node.value else {
        if let Value::Seq(items) = &node.value {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                misplaced_refs(doc, item, path, Context::Other, found);
                path.pop();
            }
        }
        return;
    };
    for (key, value) in entries {
        let name = key.name.as_str();
        if name == "example" || name == "examples" || name.starts_with("x-") {
            continue;
        }
        let child = match (cx, name) {
            (Context::Document, "paths") => Context::Paths,
            (Context::Document, "webhooks") => Context::Paths,
            (Context::Document, "components") => Context::Other,
            (Context::Paths, _) => Context::PathItem,
            (Context::PathItem, m) if is_method(m) => Context::Operation,
            (Context::Operation, "requestBody") => Context::Body,
            (Context::Operation, "responses") => Context::Responses,
            (Context::Responses, _) => Context::Body,
            (Context::Body, "content") => Context::Content,
            (Context::Other, "responses" | "requestBodies") if path.len() == 1 => {
                Context::BodyComponents
            }
            (Context::BodyComponents, _) => Context::Body,
            (Context::PropertyNames, _) => Context::Other,
            (_, "properties") if value.is_map() => Context::PropertyNames,
            _ => Context::Other,
        };
        let what = match (child, cx, name) {
            (Context::Operation, _, _) => Some("an operation"),
            (Context::Content, _, _) => Some("a whole `content` map"),
            (Context::Responses, _, _) => Some("a whole `responses` map"),
            (_, Context::Content, _) => Some("a media type"),
            (Context::PropertyNames, _, _) => Some("a whole `properties` map"),
            _ => None,
        };
        path.push(Step::Key(key.name.clone()));
        match what.and_then(|what| Some((what, ref_target(doc, value)?))) {
            Some((what, (pos, target))) => found.push((path.clone(), what, pos, target)),
            None => misplaced_refs(doc, value, path, child, found),
        }
        path.pop();
    }
}

fn is_method(key: &str) -> bool {
    matches!(
        key,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
}

fn node_at_mut<'n>(mut node: &'n mut Node, path: &[Step]) -> Option<&'n mut Node> {
    for step in path {
        node = match (step, &mut node.value) {
            (Step::Key(k), Value::Map(entries)) => entries
                .iter_mut()
                .find(|(key, _)| &key.name == k)
                .map(|(_, v)| v)?,
            (Step::Index(i), Value::Seq(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// `items` lists, `enum` values of another type and `required` names with
/// no property, everywhere outside examples and extensions.
/// `member`: the node is a member of an `allOf`/`anyOf`/`oneOf`, whose
/// `required` may name properties the other members define.
fn schema_keywords(node: &mut Node, reporter: &mut Reporter<'_>) {
    walk_schema_keywords(node, false, reporter);
}

fn walk_schema_keywords(node: &mut Node, member: bool, reporter: &mut Reporter<'_>) {
    let Value::Map(entries) = &mut node.value else {
        if let Value::Seq(items) = &mut node.value {
            items
                .iter_mut()
                .for_each(|i| walk_schema_keywords(i, member, reporter));
        }
        return;
    };
    items_list(entries, reporter);
    enum_type(entries, reporter);
    if !member {
        required_unknown(entries, reporter);
    }
    for (key, value) in entries.iter_mut() {
        let name = key.name.as_str();
        if name == "example" || name == "examples" || name == "enum" || name == "default" {
            continue;
        }
        if name.starts_with("x-") || name == "const" {
            continue;
        }
        let members = matches!(name, "allOf" | "anyOf" | "oneOf");
        walk_schema_keywords(value, members, reporter);
    }
}

fn items_list(entries: &mut [(Key, Node)], reporter: &mut Reporter<'_>) {
    let Some((key, items)) = entries.iter_mut().find(|(k, _)| k.name == "items") else {
        return;
    };
    let Value::Seq(list) = &items.value else {
        return;
    };
    let all_schemas = list.iter().all(Node::is_map);
    if !all_schemas {
        return;
    }
    let repair = if list.len() == 1 {
        "read the one schema as `items`"
    } else {
        "read `items` as `anyOf` the listed schemas"
    };
    reporter.repairable(
        Repair::ItemsList,
        key.pos,
        format!(
            "`items` is a list of {} schema(s), not a schema",
            list.len()
        ),
        "give `items` one schema (`items: {$ref: ...}`, or `anyOf` for several kinds of item)",
        repair,
    );
    let pos = items.pos;
    items.value = match list.as_slice() {
        [one] => one.value.clone(),
        _ => Value::Map(vec![(
            Key {
                name: "anyOf".into(),
                pos,
            },
            Node {
                pos,
                value: Value::Seq(list.clone()),
            },
        )]),
    };
}

/// Whether the scalar `value` fits JSON Schema `type` (quoting is not
/// kept by the loader, so `"1"` and `1` both fit `integer`).
fn fits(ty: &str, value: &Node) -> bool {
    let Value::Scalar(text) = &value.value else {
        return matches!(value.value, Value::Null) || ty == "object" || ty == "array";
    };
    match ty {
        "integer" => text.parse::<i128>().is_ok(),
        "number" => text.parse::<f64>().is_ok_and(f64::is_finite),
        "boolean" => matches!(text.as_str(), "true" | "false"),
        _ => true,
    }
}

fn enum_type(entries: &mut Vec<(Key, Node)>, reporter: &mut Reporter<'_>) {
    let Some(ty) = entries
        .iter()
        .find(|(k, _)| k.name == "type")
        .and_then(|(_, t)| t.as_str())
        .map(str::to_string)
    else {
        return;
    };
    let Some(index) = entries.iter().position(|(k, _)| k.name == "enum") else {
        return;
    };
    let Value::Seq(values) = &entries[index].1.value else {
        return;
    };
    let wrong: Vec<&Node> = values.iter().filter(|v| !fits(&ty, v)).collect();
    let Some(first) = wrong.first() else {
        return;
    };
    let shown: Vec<String> = wrong
        .iter()
        .map(|v| format!("`{}`", v.as_str().unwrap_or("?")))
        .collect();
    let all = wrong.len() == values.len();
    reporter.repairable(
        Repair::EnumType,
        first.pos,
        format!(
            "`enum` value(s) {} are not of `type: {ty}`",
            shown.join(", ")
        ),
        "make the values match the type, or the type match the values",
        if all {
            "drop the `enum` (any value of the type is accepted)"
        } else {
            "leave those values out of the enum"
        },
    );
    if all {
        entries.remove(index);
    } else if let Value::Seq(values) = &mut entries[index].1.value {
        values.retain(|v| fits(&ty, v));
    }
}

fn required_unknown(entries: &mut [(Key, Node)], reporter: &mut Reporter<'_>) {
    // With composition or extra properties, `required` may name properties
    // defined elsewhere: only a plain object is judged.
    let open = entries.iter().any(|(k, v)| {
        matches!(
            k.name.as_str(),
            "allOf" | "anyOf" | "oneOf" | "$ref" | "patternProperties"
        ) || (k.name == "additionalProperties" && v.as_str() != Some("false"))
    });
    if open {
        return;
    }
    let Some(properties) = entries
        .iter()
        .find(|(k, _)| k.name == "properties")
        .and_then(|(_, p)| p.entries())
    else {
        return;
    };
    let defined: Vec<String> = properties.iter().map(|(k, _)| k.name.clone()).collect();
    let Some((_, required)) = entries.iter_mut().find(|(k, _)| k.name == "required") else {
        return;
    };
    let Value::Seq(names) = &mut required.value else {
        return;
    };
    let unknown: Vec<(Pos, String)> = names
        .iter()
        .filter_map(|n| Some((n.pos, n.as_str()?.to_string())))
        .filter(|(_, n)| !defined.contains(n))
        .collect();
    for (pos, name) in &unknown {
        reporter.repairable(
            Repair::RequiredUnknown,
            *pos,
            format!("`required` names `{name}`, which `properties` does not define"),
            &format!("define `{name}` under `properties`, or remove it from `required`"),
            "ignore the name",
        );
    }
    names.retain(|n| n.as_str().is_none_or(|s| defined.iter().any(|d| d == s)));
}
