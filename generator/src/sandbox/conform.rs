//! Whether a JSON value fits an IR type: as the generated client decodes
//! it ([`decodes`]: numbers for integers, any string for an open enum, the
//! tag's member for a tagged union, required fields present, digits in a
//! string for lenient fields), and as a request the spec allows
//! ([`request_problems`]: the same, plus `pattern`, lengths, bounds, item
//! counts and e-mail addresses).

use std::borrow::Cow;

use serde_json::Value as Json;

use crate::ir::{Api, Bound, Constraints, CsvFormat, TextEncoding, TypeKind, TypeRef};

/// How closely a value is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// What serde in the generated client accepts; stops at the first problem.
    Decode,
    /// Also the schema's constraints; collects every problem.
    Request,
}

/// Deepest nesting looked into (recursive types).
const MAX_DEPTH: usize = 64;
/// Problems reported for one value at most.
const MAX_PROBLEMS: usize = 20;

/// `Ok` when the generated client decodes `value` as `ty`; else where and
/// why not.
pub fn decodes(api: &Api, ty: &TypeRef, value: &Json) -> Result<(), String> {
    let mut out = Vec::new();
    walk(
        api,
        Mode::Decode,
        ty,
        &Constraints::default(),
        value,
        "body",
        &mut out,
        0,
    );
    out.into_iter().next().map_or(Ok(()), Err)
}

/// Everything about `value` (at `at`, e.g. `body`) that breaks `ty` and
/// `constraints`.
pub fn request_problems(
    api: &Api,
    ty: &TypeRef,
    constraints: &Constraints,
    value: &Json,
    at: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    walk(api, Mode::Request, ty, constraints, value, at, &mut out, 0);
    out.truncate(MAX_PROBLEMS);
    out
}

#[allow(clippy::too_many_arguments)]
fn walk(
    api: &Api,
    mode: Mode,
    ty: &TypeRef,
    c: &Constraints,
    value: &Json,
    at: &str,
    out: &mut Vec<String>,
    depth: usize,
) {
    let done =
        |out: &Vec<String>| (mode == Mode::Decode && !out.is_empty()) || out.len() >= MAX_PROBLEMS;
    if depth > MAX_DEPTH || done(out) {
        return;
    }
    let fail = |out: &mut Vec<String>, what: &str| {
        out.push(format!("`{at}` must be {what}, not {}", shown(value)))
    };
    match ty {
        TypeRef::String | TypeRef::Secret => match value.as_str() {
            Some(s) if mode == Mode::Request => string_constraints(s, c, at, out),
            Some(_) => {}
            None => fail(out, "a string"),
        },
        TypeRef::Bool if !value.is_boolean() => fail(out, "a boolean"),
        TypeRef::I32 | TypeRef::I64 if !value.is_i64() => fail(out, "an integer"),
        TypeRef::U32 | TypeRef::U64 if !value.is_u64() => fail(out, "a whole number"),
        TypeRef::F64 if !value.is_number() => fail(out, "a number"),
        TypeRef::Decimal { .. } => {
            let number = match value {
                Json::Number(n) => n.as_f64(),
                Json::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            match number {
                Some(n) if mode == Mode::Request => number_constraints(n, c, at, out),
                Some(_) => {}
                None => fail(out, "a decimal number"),
            }
        }
        TypeRef::Vec(inner) => match value.as_array() {
            Some(items) => {
                if mode == Mode::Request {
                    count_constraints(items.len(), c, at, out);
                }
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{at}[{i}]");
                    walk(
                        api,
                        mode,
                        inner,
                        &Constraints::default(),
                        item,
                        &at,
                        out,
                        depth + 1,
                    );
                }
            }
            None => fail(out, "a list"),
        },
        TypeRef::Map(inner) => match value.as_object() {
            Some(map) => {
                for (k, v) in map {
                    let at = format!("{at}.{k}");
                    walk(
                        api,
                        mode,
                        inner,
                        &Constraints::default(),
                        v,
                        &at,
                        out,
                        depth + 1,
                    );
                }
            }
            None => fail(out, "an object"),
        },
        TypeRef::Named(name) => named(api, mode, name, value, at, out, depth),
        _ => {
            // A number of the right kind: its bounds.
            if let (Mode::Request, Some(n)) = (mode, value.as_f64()) {
                number_constraints(n, c, at, out);
            }
        }
    }
}

fn named(
    api: &Api,
    mode: Mode,
    name: &str,
    value: &Json,
    at: &str,
    out: &mut Vec<String>,
    depth: usize,
) {
    let Some(kind) = api.kind_of(name) else {
        return;
    };
    let none = Constraints::default();
    match kind {
        TypeKind::Alias(target) => walk(api, mode, target, &none, value, at, out, depth + 1),
        // Open: any integer of the representation.
        TypeKind::IntegerEnum { repr, .. } => {
            walk(api, mode, repr, &none, value, at, out, depth + 1)
        }
        TypeKind::Enum { values, open, .. } => match value.as_str() {
            Some(s) if *open || values.iter().any(|(_, w)| w == s) => {}
            _ => {
                let allowed: Vec<&str> = values.iter().map(|(_, w)| w.as_str()).collect();
                out.push(format!(
                    "`{at}` must be one of {}, not {}",
                    allowed.join(", "),
                    shown(value)
                ));
            }
        },
        TypeKind::Struct(fields) => {
            let Some(object) = value.as_object() else {
                out.push(format!("`{at}` must be an object, not {}", shown(value)));
                return;
            };
            for f in fields {
                match object.get(&f.wire_name) {
                    None | Some(Json::Null) if !f.required => {}
                    None | Some(Json::Null) => {
                        out.push(format!("`{at}.{}` is required", f.wire_name));
                    }
                    // Either spelling (digits in a string or a number) is
                    // read: the text is checked as the field's type.
                    Some(v @ (Json::String(_) | Json::Number(_)))
                        if f.lenient || f.string_as_number =>
                    {
                        let text = match v {
                            Json::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        let read = scalar(api, &f.ty, &text);
                        let at = format!("{at}.{}", f.wire_name);
                        walk(api, mode, &f.ty, &f.constraints, &read, &at, out, depth + 1);
                    }
                    Some(v) => {
                        let at = format!("{at}.{}", f.wire_name);
                        walk(api, mode, &f.ty, &f.constraints, v, &at, out, depth + 1);
                    }
                }
            }
        }
        TypeKind::Union(variants) => {
            let fits = variants.iter().any(|(_, t)| {
                let mut tried = Vec::new();
                walk(api, mode, t, &none, value, at, &mut tried, depth + 1);
                tried.is_empty()
            });
            if !fits {
                out.push(format!(
                    "`{at}` must be one of the union's members, not {}",
                    shown(value)
                ));
            }
        }
        TypeKind::Tagged(tagged) => {
            let tag = value.get(&tagged.property).and_then(Json::as_str);
            let member = tagged
                .variants
                .iter()
                .find(|(_, tags, _)| tag.is_some_and(|t| tags.iter().any(|x| x == t)));
            match (member, tag) {
                (Some((_, _, t)), _) => walk(api, mode, t, &none, value, at, out, depth + 1),
                // An unknown tag is kept whole by the client.
                (None, Some(_)) => {}
                (None, None) => out.push(format!(
                    "`{at}` must be an object with its `{}` tag",
                    tagged.property
                )),
            }
        }
        TypeKind::Responses(_) => {}
    }
}

/// A short rendering of a value for a message.
fn shown(value: &Json) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

fn string_constraints(s: &str, c: &Constraints, at: &str, out: &mut Vec<String>) {
    let chars = s.chars().count() as u64;
    if c.min_length.is_some_and(|m| chars < m) || c.max_length.is_some_and(|m| chars > m) {
        out.push(format!(
            "`{at}` has {chars} characters; the spec allows {}",
            range(c.min_length, c.max_length)
        ));
    }
    if let Some(pattern) = &c.pattern {
        // The generator accepted the pattern for the regex engine.
        if regex::Regex::new(pattern).is_ok_and(|r| !r.is_match(s)) {
            out.push(format!("`{at}` does not match the pattern `{pattern}`"));
        }
    }
    if c.email && !s.contains('@') {
        out.push(format!("`{at}` is not an e-mail address"));
    }
}

fn number_constraints(n: f64, c: &Constraints, at: &str, out: &mut Vec<String>) {
    let breaks = |b: &Option<Bound>, below: bool| {
        b.as_ref().is_some_and(|b| {
            b.value
                .parse::<f64>()
                .is_ok_and(|limit| match (below, b.exclusive) {
                    (true, true) => n <= limit,
                    (true, false) => n < limit,
                    (false, true) => n >= limit,
                    (false, false) => n > limit,
                })
        })
    };
    if breaks(&c.minimum, true) || breaks(&c.maximum, false) {
        let bound = |b: &Option<Bound>, word: &str| {
            b.as_ref().map(|b| {
                format!(
                    "{word} {}{}",
                    b.value,
                    if b.exclusive { " (exclusive)" } else { "" }
                )
            })
        };
        let limits: Vec<String> = [bound(&c.minimum, "minimum"), bound(&c.maximum, "maximum")]
            .into_iter()
            .flatten()
            .collect();
        out.push(format!("`{at}` is {n}; the spec's {}", limits.join(", ")));
    }
}

fn count_constraints(len: usize, c: &Constraints, at: &str, out: &mut Vec<String>) {
    let len = len as u64;
    if c.min_items.is_some_and(|m| len < m) || c.max_items.is_some_and(|m| len > m) {
        out.push(format!(
            "`{at}` has {len} items; the spec allows {}",
            range(c.min_items, c.max_items)
        ));
    }
}

fn range(min: Option<u64>, max: Option<u64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{a} to {b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "any number".to_string(),
    }
}

/// Everything wrong with `bytes` as a CSV file of `format` (rows and
/// cells: the field count, values that do not read as their column's type
/// and, in a request, break its constraints). A first line starting with
/// `skip_prefix` is skipped, as the client skips it.
pub fn csv_problems(
    api: &Api,
    format: &CsvFormat,
    bytes: &[u8],
    skip_prefix: Option<&str>,
    request: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    let Some(TypeKind::Struct(fields)) = api.kind_of(&format.row) else {
        return out;
    };
    let Some(text) = decode_text(bytes, &format.encodings) else {
        out.push(format!(
            "the CSV file is not in {}",
            format
                .encodings
                .iter()
                .map(|e| match e {
                    TextEncoding::Utf8 => "UTF-8",
                    TextEncoding::Windows1252 => "Windows-1252",
                })
                .collect::<Vec<_>>()
                .join(" or ")
        ));
        return out;
    };
    let text = match (skip_prefix, text.split_once('\n')) {
        (Some(prefix), Some((first, rest))) if first.trim_start().starts_with(prefix) => rest,
        (Some(prefix), None) if text.trim_start().starts_with(prefix) => "",
        _ => text.as_ref(),
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(format.separator)
        .has_headers(format.header)
        .flexible(true)
        .from_reader(text.as_bytes());
    let columns = fields.len();
    let omittable: Vec<usize> = (0..columns).filter(|&i| fields[i].csv_omittable).collect();
    let short = columns - omittable.len();
    let mode = if request { Mode::Request } else { Mode::Decode };
    for (row, record) in reader.records().enumerate() {
        if out.len() >= MAX_PROBLEMS {
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.push(format!("row {}: {e}", row + 1));
                continue;
            }
        };
        let cells: Vec<Option<&str>> = if record.len() == columns {
            record.iter().map(Some).collect()
        } else if !omittable.is_empty() && record.len() == short {
            let mut given = record.iter();
            (0..columns)
                .map(|c| {
                    if omittable.contains(&c) {
                        None
                    } else {
                        given.next()
                    }
                })
                .collect()
        } else {
            let expected = if omittable.is_empty() {
                columns.to_string()
            } else {
                format!("{columns} or {short}")
            };
            out.push(format!(
                "row {}: expected {expected} fields, found {}",
                row + 1,
                record.len()
            ));
            continue;
        };
        let mut found = Vec::new();
        for (f, cell) in fields.iter().zip(cells) {
            match cell.unwrap_or("") {
                "" if f.required && !is_text(api, &f.ty) => {
                    found.push(format!("`{}` is required", f.wire_name));
                }
                "" => {}
                cell => {
                    let value = scalar(api, &f.ty, cell);
                    let at = &f.wire_name;
                    walk(api, mode, &f.ty, &f.constraints, &value, at, &mut found, 0);
                }
            }
        }
        out.extend(found.into_iter().map(|p| format!("row {}: {p}", row + 1)));
    }
    out.truncate(MAX_PROBLEMS);
    out
}

/// `bytes` in the first of `encodings` that reads it without error.
fn decode_text<'a>(bytes: &'a [u8], encodings: &[TextEncoding]) -> Option<Cow<'a, str>> {
    let encodings = if encodings.is_empty() {
        &[TextEncoding::Utf8][..]
    } else {
        encodings
    };
    encodings.iter().find_map(|e| match e {
        TextEncoding::Utf8 => std::str::from_utf8(bytes).ok().map(Cow::Borrowed),
        TextEncoding::Windows1252 => {
            encoding_rs::WINDOWS_1252.decode_without_bom_handling_and_without_replacement(bytes)
        }
    })
}

/// Whether `ty` is text (an empty cell is an empty string).
fn is_text(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::String | TypeRef::Secret => true,
        TypeRef::Named(n) => match api.kind_of(n) {
            Some(TypeKind::Alias(t)) => is_text(api, t),
            _ => false,
        },
        _ => false,
    }
}

/// A text value (a CSV cell, a query parameter) as the JSON value of
/// `ty` it stands for: digits for numbers, `true`/`false` for booleans, a
/// string otherwise (and when it does not read as the type, so the check
/// says why).
pub fn scalar(api: &Api, ty: &TypeRef, text: &str) -> Json {
    let number = || {
        serde_json::from_str::<serde_json::Number>(text.trim())
            .map_or_else(|_| Json::String(text.to_string()), Json::Number)
    };
    match ty {
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 | TypeRef::F64 => number(),
        TypeRef::Bool => match text {
            "true" => Json::Bool(true),
            "false" => Json::Bool(false),
            _ => Json::String(text.to_string()),
        },
        TypeRef::Named(n) => match api.kind_of(n) {
            Some(TypeKind::Alias(t) | TypeKind::IntegerEnum { repr: t, .. }) => {
                scalar(api, t, text)
            }
            _ => Json::String(text.to_string()),
        },
        _ => Json::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{check, Source};

    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /orders:
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Order"}
      responses:
        "200": {description: ok}
components:
  schemas:
    Order:
      type: object
      required: [id, state, lines]
      properties:
        id: {type: string, pattern: "^[A-Z]{3}-[0-9]+$"}
        state: {type: string, enum: [open, closed], x-pasarela-closed-enum: true}
        note: {type: string, maxLength: 5}
        lines:
          type: array
          minItems: 1
          items:
            type: object
            required: [qty]
            properties:
              qty: {type: integer, minimum: 1, maximum: 10}
"##;

    fn api() -> (Api, TypeRef) {
        let api = check(&Source::new("t.yaml", SPEC)).expect("checks");
        let ty = api.operations[0].body.as_ref().expect("body").ty.clone();
        (api, ty)
    }

    #[test]
    fn a_good_request_has_no_problem_and_decodes() {
        let (api, ty) = api();
        let good = json!({"id": "ABC-1", "state": "open", "lines": [{"qty": 2}]});
        assert_eq!(
            request_problems(&api, &ty, &Constraints::default(), &good, "body"),
            Vec::<String>::new()
        );
        assert_eq!(decodes(&api, &ty, &good), Ok(()));
    }

    #[test]
    fn every_broken_constraint_is_named_with_its_place() {
        let (api, ty) = api();
        let bad = json!({"id": "abc", "note": "too long", "lines": [{"qty": 0}, {"qty": "x"}]});
        let problems = request_problems(&api, &ty, &Constraints::default(), &bad, "body");
        let all = problems.join("\n");
        for expected in [
            "`body.id` does not match the pattern",
            "`body.state` is required",
            "`body.note` has 8 characters; the spec allows at most 5",
            "`body.lines[0].qty` is 0; the spec's minimum 1",
            "`body.lines[1].qty` must be a whole number, not \"x\"",
        ] {
            assert!(all.contains(expected), "{expected} not in:\n{all}");
        }
        // Decoding ignores constraints: only shapes and required fields.
        let shaped = json!({"id": "abc", "state": "open", "lines": [{"qty": 0}]});
        assert_eq!(decodes(&api, &ty, &shaped), Ok(()));
        let unshaped = json!({"id": 1, "state": "open", "lines": []});
        assert!(decodes(&api, &ty, &unshaped).is_err_and(|e| e.contains("`body.id`")));
    }
}
