//! Optional stage after lowering ([`crate::Config::examples`]): every
//! `example` / `examples` value in the document is checked against its
//! schema with the [`jsonschema`] crate, the way Spectral's
//! `oas3-valid-*-example` rules do. A mismatch is reported at the position
//! of the offending value (inside the example), with the JSON path to it.
//!
//! Checked: a schema's `example` (and 3.1 `examples` list); the `example`
//! and each `examples` entry's `value` (`$ref`s to `components/examples`
//! followed) of media types, parameters and headers — in the spec and in
//! the files its `$ref`s name.
//!
//! How schemas are read: OpenAPI 3.1 schemas are JSON Schema 2020-12 and
//! go to the validator as they are. OpenAPI 3.0 (and upgraded Swagger 2.0)
//! schemas are read as JSON Schema draft 4 with `nullable: true` (or
//! `x-nullable`) admitting `null`. `$ref`s become references into one
//! shared set of definitions, so cycles and other files work. Formats the
//! validator knows (`date-time`, `email`, ...) are checked; OpenAPI's own
//! (`int32`, `decimal`, ...) are annotations.
//!
//! Not checked: `readOnly`/`writeOnly` (a request example that omits a
//! required read-only property is reported), `externalValue` examples, and
//! examples in included files made only of named pieces (their kind is not
//! known where they are written).

use std::collections::{HashMap, HashSet};

use jsonschema::{Draft, Registry, Validator};
use serde_json::{Map, Number, Value as Json};

use crate::diagnostics::{Pos, Reporter, Severity};
use crate::load::{Node, Value};
use crate::resolve::Doc;
use crate::structure::{self, Holder};

/// Where the shared definitions live for the validator (never fetched).
const DEFS_URI: &str = "https://pasarela.invalid/definitions";
/// Mismatches listed per example; the rest are counted.
const MAX_LISTED: usize = 3;
/// Longest mismatch text shown with the offending value in it.
const MAX_MESSAGE: usize = 160;
/// Deepest inline schema nesting converted (the loader refuses deeper files).
const MAX_DEPTH: usize = 1_000;

/// One example and the schema it must satisfy.
struct Pair<'n> {
    schema: &'n Node,
    value: &'n Node,
    /// How the example is called in messages (`example`, `example \`ok\``).
    label: String,
}

/// Checks every example of the document against its schema and reports
/// each mismatch with `severity`.
pub fn check(doc: &Doc<'_>, severity: Severity, reporter: &mut Reporter<'_>) {
    let mut pairs = Vec::new();
    let mut seen = HashSet::new();
    structure::visit_holders(doc.root, false, &mut |holder, node| {
        collect(doc, holder, node, &mut pairs, &mut seen)
    });
    for root in doc.files.values() {
        structure::visit_holders(root, true, &mut |holder, node| {
            collect(doc, holder, node, &mut pairs, &mut seen)
        });
    }
    if pairs.is_empty() {
        return;
    }
    let draft = if is_openapi_31(doc.root) {
        Draft::Draft202012
    } else {
        Draft::Draft4
    };
    let mut convert = Converter {
        doc,
        reporter,
        openapi_30: draft == Draft::Draft4,
        defs_key: if draft == Draft::Draft4 {
            "definitions"
        } else {
            "$defs"
        },
        ids: HashMap::new(),
        defs: Vec::new(),
        pending: Vec::new(),
        elsewhere: Vec::new(),
    };
    // Each distinct schema is converted (and later compiled) once. Schemas
    // reached through `$ref`s into other files may carry examples of their
    // own: those are collected as they are reached, until none are new.
    let mut roots: Vec<(&Node, Json)> = Vec::new();
    let mut root_of: HashMap<*const Node, usize> = HashMap::new();
    let mut which = Vec::with_capacity(pairs.len());
    loop {
        while which.len() < pairs.len() {
            let schema = pairs[which.len()].schema;
            let key: *const Node = schema;
            let index = *root_of.entry(key).or_insert_with(|| {
                roots.push((schema, convert.schema(schema, 0)));
                roots.len() - 1
            });
            which.push(index);
        }
        convert.finish_definitions();
        let reached = std::mem::take(&mut convert.elsewhere);
        if reached.is_empty() {
            break;
        }
        for target in reached {
            structure::visit_schema(target, &mut |holder, node| {
                collect(doc, holder, node, &mut pairs, &mut seen)
            });
        }
    }
    let instances: Vec<Json> = pairs.iter().map(|p| convert.data(p.value)).collect();
    let definitions = {
        let mut defs = Map::new();
        for (i, def) in std::mem::take(&mut convert.defs).into_iter().enumerate() {
            defs.insert(i.to_string(), def);
        }
        let mut holder = Map::new();
        holder.insert(convert.defs_key.to_string(), Json::Object(defs));
        Json::Object(holder)
    };
    let registry = match Registry::new()
        .draft(draft)
        .add(DEFS_URI, definitions)
        .and_then(|builder| builder.prepare())
    {
        Ok(registry) => registry,
        Err(e) => {
            reporter.warning(
                doc.root.pos,
                format!("examples not checked: the schemas could not be prepared ({e})"),
                None,
            );
            return;
        }
    };
    let options = jsonschema::options()
        .with_draft(draft)
        .with_registry(&registry)
        .should_validate_formats(true);
    let validators: Vec<Option<Validator>> = roots
        .iter()
        .map(|(node, schema)| match options.build(schema) {
            Ok(v) => Some(v),
            Err(e) => {
                reporter.warning(
                    node.pos,
                    format!("examples of this schema not checked: the validator refused it ({e})"),
                    Some("check the schema's keywords against the JSON Schema dialect of this OpenAPI version".into()),
                );
                None
            }
        })
        .collect();
    for ((pair, instance), index) in pairs.iter().zip(&instances).zip(which) {
        let Some(validator) = &validators[index] else {
            continue;
        };
        let found: Vec<_> = validator.iter_errors(instance).collect();
        if found.is_empty() {
            continue;
        }
        let listed: Vec<String> = found
            .iter()
            .take(MAX_LISTED)
            .map(|e| {
                let at = e.instance_path().as_str();
                let at = if at.is_empty() { "/" } else { at };
                // The offending value is shown unless it is long (it is
                // at the position reported anyway).
                let text = e.to_string();
                let text = if text.len() > MAX_MESSAGE {
                    e.masked().to_string()
                } else {
                    text
                };
                format!("at `{at}`: {text}")
            })
            .collect();
        let more = match found.len().saturating_sub(MAX_LISTED) {
            0 => String::new(),
            n => format!(" (and {n} more)"),
        };
        let first = found[0].instance_path().as_str().to_string();
        let pos = position_in(pair.value, &first);
        let message = format!(
            "{} does not match its schema: {}{more}",
            pair.label,
            listed.join("; ")
        );
        let hint = Some(format!(
            "the standard part of a spec describes the wire: fix the example, or the schema at line {} if the server really sends this",
            pair.schema.pos.line
        ));
        match severity {
            Severity::Error => reporter.error(pos, message, hint),
            Severity::Warning | Severity::Info => reporter.warning(pos, message, hint),
        }
    }
}

fn is_openapi_31(root: &Node) -> bool {
    root.str_at("openapi")
        .is_some_and(|v| v.starts_with("3.1") || v.starts_with("3.2"))
}

/// Adds the examples `node` (a `holder`) carries.
fn collect<'n>(
    doc: &Doc<'n>,
    holder: Holder,
    node: &'n Node,
    out: &mut Vec<Pair<'n>>,
    seen: &mut HashSet<(*const Node, *const Node)>,
) {
    let mut push = |schema: &'n Node, value: &'n Node, label: String| {
        if seen.insert((schema as *const Node, value as *const Node)) {
            out.push(Pair {
                schema,
                value,
                label,
            });
        }
    };
    let (schema, named) = match holder {
        Holder::Schema => (node, false),
        Holder::MediaType | Holder::TextMediaType | Holder::Parameter | Holder::Header => {
            match node.get("schema") {
                Some(schema) => (schema, true),
                None => return,
            }
        }
    };
    // A text body's example is its text; unless the schema is a string, it
    // describes the body decoded (CSV rows, captures), which is not checked.
    if holder == Holder::TextMediaType {
        let target = doc.deref(schema).unwrap_or(schema);
        if target.str_at("type") != Some("string") {
            return;
        }
    }
    if let Some(value) = node.get("example") {
        push(schema, value, "example".into());
    }
    match node.get("examples") {
        // Media types, parameters, headers: name → Example Object.
        Some(examples) if named => {
            for (name, example) in examples.entries().unwrap_or(&[]) {
                let Ok(example) = doc.deref(example) else {
                    continue;
                };
                if let Some(value) = example.get("value") {
                    push(schema, value, format!("example `{}`", name.name));
                }
            }
        }
        // A 3.1 schema: a list of instances.
        Some(examples) => {
            for (i, value) in examples.items().unwrap_or(&[]).iter().enumerate() {
                push(schema, value, format!("examples[{i}]"));
            }
        }
        None => {}
    }
}

/// The position of the value at JSON pointer `pointer` inside `node`
/// (as far as it can be followed).
fn position_in(mut node: &Node, pointer: &str) -> Pos {
    for raw in pointer.split('/').skip(1) {
        match crate::resolve::step(node, raw) {
            Some(next) => node = next,
            None => break,
        }
    }
    node.pos
}

/// Turns document nodes into JSON: schemas (OpenAPI → JSON Schema) and
/// data (YAML scalars typed as YAML 1.2 reads them).
struct Converter<'d, 'n, 'r> {
    doc: &'d Doc<'n>,
    reporter: &'d Reporter<'r>,
    openapi_30: bool,
    defs_key: &'static str,
    /// Definition index by canonical `$ref`.
    ids: HashMap<String, usize>,
    defs: Vec<Json>,
    /// Definitions allocated but not converted yet.
    pending: Vec<(usize, &'n Node)>,
    /// Targets of `$ref`s into other files, reached since last taken.
    elsewhere: Vec<&'n Node>,
}

impl<'n> Converter<'_, 'n, '_> {
    /// Converts every definition that a converted schema refers to.
    fn finish_definitions(&mut self) {
        while let Some((index, node)) = self.pending.pop() {
            let converted = self.schema(node, 0);
            self.defs[index] = converted;
        }
    }

    /// The JSON Schema for the schema `node`.
    fn schema(&mut self, node: &'n Node, depth: usize) -> Json {
        let Value::Map(entries) = &node.value else {
            // 3.1 boolean schemas; anything else was reported by the structure check.
            return Json::Bool(node.as_str() != Some("false"));
        };
        if depth > MAX_DEPTH {
            return Json::Bool(true);
        }
        let mut out = Map::new();
        let mut nullable = false;
        for (key, value) in entries {
            let name = key.name.as_str();
            let converted = match name {
                "$ref" => match value.as_str().and_then(|r| self.definition(r)) {
                    Some(index) => Json::String(format!("{DEFS_URI}#/{}/{index}", self.defs_key)),
                    None => continue,
                },
                "properties" | "patternProperties" | "$defs" | "definitions"
                | "dependentSchemas" => {
                    let mut map = Map::new();
                    for (k, v) in value.entries().unwrap_or(&[]) {
                        map.insert(k.name.clone(), self.schema(v, depth + 1));
                    }
                    Json::Object(map)
                }
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => self.schema_list(value, depth),
                "items" if value.items().is_some() => self.schema_list(value, depth),
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
                | "additionalItems"
                | "contentSchema" => self.schema(value, depth + 1),
                "nullable" | "x-nullable" if self.openapi_30 => {
                    nullable = self.data(value) == Json::Bool(true);
                    continue;
                }
                // Annotations, data the validator does not need, and
                // identifiers that would move the base of the references.
                "example" | "examples" | "default" | "discriminator" | "xml" | "externalDocs"
                | "description" | "title" | "$id" | "id" | "$schema" | "$anchor"
                | "$dynamicAnchor" | "$comment" => continue,
                _ if name.starts_with("x-") => continue,
                _ => self.data(value),
            };
            out.insert(name.to_string(), converted);
        }
        if nullable {
            return admit_null(out);
        }
        Json::Object(out)
    }

    fn schema_list(&mut self, node: &'n Node, depth: usize) -> Json {
        Json::Array(
            node.items()
                .unwrap_or(&[])
                .iter()
                .map(|item| self.schema(item, depth + 1))
                .collect(),
        )
    }

    /// The definition index for a canonical `$ref` (allocated on first use).
    fn definition(&mut self, reference: &str) -> Option<usize> {
        if let Some(&index) = self.ids.get(reference) {
            return Some(index);
        }
        let target = self.doc.pointer(reference).ok()?;
        let index = self.defs.len();
        self.defs.push(Json::Bool(true));
        self.ids.insert(reference.to_string(), index);
        self.pending.push((index, target));
        if !reference.starts_with('#') {
            self.elsewhere.push(target);
        }
        Some(index)
    }

    /// The JSON value a YAML/JSON node means.
    fn data(&self, node: &Node) -> Json {
        match &node.value {
            Value::Null => Json::Null,
            Value::Seq(items) => Json::Array(items.iter().map(|i| self.data(i)).collect()),
            Value::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.name.clone(), self.data(v)))
                    .collect(),
            ),
            Value::Scalar(text) if self.is_quoted(node.pos) => Json::String(text.clone()),
            Value::Scalar(text) => plain_scalar(text),
        }
    }

    /// True when the scalar at `pos` is written quoted, as a block scalar
    /// or with the `!!str` tag (the tree keeps only its text).
    fn is_quoted(&self, pos: Pos) -> bool {
        let Some(line) = self.reporter.source_line(pos.file, pos.line) else {
            return false;
        };
        let before: String = line.chars().take(pos.column.saturating_sub(1)).collect();
        if before.trim_end().ends_with("!!str") {
            return true;
        }
        let mut rest: String = line.chars().skip(pos.column.saturating_sub(1)).collect();
        // Anchors and tags before the scalar: `&name`, `!!str`, `!tag`.
        loop {
            let trimmed = rest.trim_start();
            if trimmed.starts_with("!!str") {
                return true;
            }
            if trimmed.starts_with('&') || trimmed.starts_with('!') {
                rest = trimmed
                    .find(char::is_whitespace)
                    .map_or(String::new(), |i| trimmed[i..].to_string());
                continue;
            }
            return matches!(trimmed.chars().next(), Some('"' | '\'' | '|' | '>'));
        }
    }
}

/// `schema` that also admits `null` (OpenAPI 3.0 `nullable: true`).
fn admit_null(mut schema: Map<String, Json>) -> Json {
    if let Some(Json::Array(values)) = schema.get_mut("enum") {
        if !values.contains(&Json::Null) {
            values.push(Json::Null);
        }
    }
    match schema.get("type").cloned() {
        Some(Json::String(t)) => {
            schema.insert(
                "type".into(),
                Json::Array(vec![Json::String(t), "null".into()]),
            );
            Json::Object(schema)
        }
        Some(Json::Array(mut types)) => {
            if !types.contains(&Json::String("null".into())) {
                types.push("null".into());
            }
            schema.insert("type".into(), Json::Array(types));
            Json::Object(schema)
        }
        _ => {
            let null = Json::Object(Map::from_iter([("type".to_string(), "null".into())]));
            Json::Object(Map::from_iter([(
                "anyOf".to_string(),
                Json::Array(vec![null, Json::Object(schema)]),
            )]))
        }
    }
}

/// A plain (unquoted) YAML scalar as YAML 1.2's core schema reads it:
/// booleans, integers (decimal, `0x`, `0o`), floats; else a string.
fn plain_scalar(text: &str) -> Json {
    match text {
        "true" | "True" | "TRUE" => return Json::Bool(true),
        "false" | "False" | "FALSE" => return Json::Bool(false),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let negative = text.starts_with('-');
    let radix = |digits: &str, radix: u32| {
        i64::from_str_radix(digits, radix)
            .ok()
            .map(|v| Json::Number(Number::from(if negative { -v } else { v })))
    };
    if let Some(hex) = text.strip_prefix("0x") {
        if let Some(v) = radix(hex, 16) {
            return v;
        }
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if let Some(v) = radix(oct, 8) {
            return v;
        }
    }
    let numeric = !unsigned.is_empty()
        && unsigned
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && unsigned
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.');
    if numeric {
        let json_text = text.strip_prefix('+').unwrap_or(text);
        if let Ok(n) = json_text.parse::<i64>() {
            return Json::Number(n.into());
        }
        if let Ok(n) = json_text.parse::<u64>() {
            return Json::Number(n.into());
        }
        if let Some(n) = json_text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Json::Number(n);
        }
    }
    Json::String(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::plain_scalar;
    use serde_json::json;

    #[test]
    fn plain_scalars_are_typed_as_yaml_reads_them() {
        assert_eq!(plain_scalar("274"), json!(274));
        assert_eq!(plain_scalar("-3"), json!(-3));
        assert_eq!(plain_scalar("+3"), json!(3));
        assert_eq!(plain_scalar("1.50"), json!(1.5));
        assert_eq!(plain_scalar("1e3"), json!(1000.0));
        assert_eq!(plain_scalar("0x1F"), json!(31));
        assert_eq!(plain_scalar("true"), json!(true));
        assert_eq!(
            plain_scalar("18446744073709551615"),
            json!(18446744073709551615u64)
        );
        // Digit-like but not numbers, and YAML 1.1 words: kept as text.
        for text in ["1.2.3", "12-05-2024", "abc", "1e", ".", "-", "0x", "yes"] {
            assert_eq!(plain_scalar(text), json!(text), "{text}");
        }
    }
}
