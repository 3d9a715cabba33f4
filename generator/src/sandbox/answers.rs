//! What the sandbox answers for an operation: the declared response a
//! `Prefer: code=N` names (else the first 2xx), with its media type, and
//! its example — `Prefer: example=name` picks one of `examples` — or the
//! schema's example, or a value made from the schema.
//!
//! Read from the document as written (OpenAPI 3 `content`, Swagger 2.0
//! `schema`/`examples`/`produces`); `$ref`s inside the document are
//! followed. A value made from a schema uses, in order: `example`,
//! `default`, `const`, the first `enum` value, the first `oneOf`/`anyOf`
//! member, merged `allOf` members, then the type (formats such as
//! `date-time` and `uuid` get a valid value; numbers their `minimum`).

use serde_json::{json, Map, Value as Json};

use super::shape::{self, Reads};
use crate::ir::{Api, Operation, OutcomeKind, ResponseDecoding, StatusMatch, TypeKind, TypeRef};

/// A chosen answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// The media type (empty for a response without a body).
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
    /// Why the body is not the document's example, when the example does
    /// not read as the response's type (sent as a `Sandbox-Note` header).
    pub note: Option<String>,
}

/// Deepest nesting a made-up value goes to (recursive schemas stop there).
const MAX_DEPTH: usize = 32;

/// The answer for `op`, as `prefer` (the `Prefer` header) asks.
pub fn answer(raw: &Json, api: &Api, op: &Operation, prefer: &str) -> Result<Answer, String> {
    let swagger2 = raw.get("swagger").is_some();
    let operation = raw
        .get("paths")
        .and_then(|p| p.get(&op.path))
        .map(|item| deref(raw, item))
        .and_then(|item| item.get(op.method.as_str()))
        .ok_or_else(|| {
            format!(
                "`{} {}` is not in the document",
                op.method.as_str(),
                op.path
            )
        })?;
    let responses = operation
        .get("responses")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default();
    let wanted_code = preference(prefer, "code").and_then(|c| c.parse::<u16>().ok());
    let (status, response) =
        pick_response(&responses, wanted_code).ok_or_else(|| match wanted_code {
            Some(code) => format!("the operation declares no response for status {code}"),
            None => "the operation declares no response".to_string(),
        })?;
    let response = deref(raw, response);
    let wanted_example = preference(prefer, "example");
    let (content_type, example, schema) = if swagger2 {
        let produces = operation
            .get("produces")
            .or_else(|| raw.get("produces"))
            .and_then(Json::as_array)
            .and_then(|p| {
                p.iter()
                    .filter_map(Json::as_str)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
                    .into()
            });
        let media = produces
            .as_deref()
            .and_then(|p| pick_media(p.iter().map(String::as_str)))
            .unwrap_or("application/json")
            .to_string();
        let example = response
            .get("examples")
            .and_then(|e| e.get(&media))
            .cloned();
        (media, example, response.get("schema"))
    } else {
        let content = response.get("content").and_then(Json::as_object);
        match content.and_then(|c| pick_media(c.keys().map(String::as_str)).map(|m| (m, &c[m]))) {
            Some((media, body)) => {
                let example = media_example(raw, body, wanted_example.as_deref())?;
                (media.to_string(), example, body.get("schema"))
            }
            None => (String::new(), None, None),
        }
    };
    if content_type.is_empty() || status == 204 || status == 304 {
        return Ok(Answer {
            status,
            content_type: String::new(),
            body: Vec::new(),
            note: None,
        });
    }
    // The schema's own example counts as the response's example.
    let example = example.or_else(|| own_example(deref(raw, schema?)).cloned());
    // A JSON body's example written as a string while the schema says
    // otherwise (JSON pasted into a string) would not decode: made up
    // from the schema instead.
    let example = example.filter(|e| {
        !(content_type.contains("json")
            && e.is_string()
            && schema.is_some_and(|s| declared_type(raw, s).is_some_and(|t| t != "string")))
    });
    let wanted = match preference(prefer, "outcome").as_deref() {
        Some("success") => Some(OutcomeKind::Success),
        Some("partial") => Some(OutcomeKind::Partial),
        Some("error") => Some(OutcomeKind::Error),
        Some(other) => {
            return Err(format!(
                "`outcome={other}` is not an outcome (success, partial or error)"
            ))
        }
        None => None,
    };
    let reads = reads(api, op, status);
    let (body, note) = if content_type.contains("json") {
        let from_schema = || schema.map_or(Json::Null, |s| made_up(raw, s, 0));
        let (value, note) = shape::json_body(api, &reads, example, from_schema, wanted);
        (value.to_string().into_bytes(), note)
    } else {
        shape::text_body(api, &reads, example, wanted)
    };
    Ok(Answer {
        status,
        content_type,
        body,
        note,
    })
}

/// What the generated client reads from a response of `status` to `op`.
fn reads<'a>(api: &'a Api, op: &'a Operation, status: u16) -> Reads<'a> {
    let success = &op.success;
    if (200..300).contains(&status) {
        if !success.by_status.is_empty() {
            // One variant of the operation's by-status enum.
            let variant = success
                .by_status
                .iter()
                .find(|(m, _, _)| covers(*m, status))
                .map(|(_, v, _)| v.as_str());
            let members = success.ty.as_ref().and_then(|t| match t {
                TypeRef::Named(n) => api.kind_of(n),
                _ => None,
            });
            return match (variant, members) {
                (Some(v), Some(TypeKind::Responses(members))) => members
                    .iter()
                    .find(|(name, _)| name == v)
                    .and_then(|(_, t)| t.as_ref())
                    .map_or(Reads::Nothing, Reads::Json),
                _ => Reads::Nothing,
            };
        }
        let Some(ty) = &success.ty else {
            return Reads::Nothing;
        };
        if let Some(envelope) = &success.envelope {
            return Reads::Envelope(envelope, ty);
        }
        return match (ty, success.decoding) {
            (TypeRef::Csv(format), _) => Reads::Csv(format, success.text_result.as_ref()),
            (_, ResponseDecoding::Json) => match &success.error_code_field {
                Some((field, field_ty, _)) => Reads::ErrorCode(ty, field, field_ty),
                None => Reads::Json(ty),
            },
            (_, ResponseDecoding::Text) => Reads::Text(ty, success.text_result.as_ref()),
            _ => Reads::Nothing,
        };
    }
    op.errors
        .iter()
        .find(|e| covers(e.matcher, status))
        .and_then(|e| e.ty.as_ref())
        .map_or(Reads::Nothing, Reads::Json)
}

fn covers(m: StatusMatch, status: u16) -> bool {
    match m {
        StatusMatch::Exact(s) => s == status,
        StatusMatch::Range(a, b) => (a..=b).contains(&status),
        StatusMatch::Default => true,
    }
}

/// `code=404` from `Prefer: code=404, example=paid`.
fn preference(prefer: &str, key: &str) -> Option<String> {
    prefer
        .split([',', ';'])
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
}

/// The response for `wanted` (exact, then `4XX`-style range, then
/// `default`), or the first 2xx (lowest), or `default` as a 200.
fn pick_response(responses: &Map<String, Json>, wanted: Option<u16>) -> Option<(u16, &Json)> {
    if let Some(code) = wanted {
        let range = format!("{}XX", code / 100);
        return responses
            .get(&code.to_string())
            .or_else(|| {
                responses
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&range))
                    .map(|(_, v)| v)
            })
            .or_else(|| responses.get("default"))
            .map(|r| (code, r));
    }
    let mut success: Vec<(u16, &Json)> = responses
        .iter()
        .filter_map(|(k, v)| {
            let code = if k.eq_ignore_ascii_case("2XX") {
                200
            } else {
                k.parse().ok()?
            };
            (200..300).contains(&code).then_some((code, v))
        })
        .collect();
    success.sort_by_key(|(code, _)| *code);
    // No 2xx: `default` as a 200, else the first response declared (a
    // redirect, say).
    success
        .into_iter()
        .next()
        .or_else(|| responses.get("default").map(|r| (200, r)))
        .or_else(|| {
            responses
                .iter()
                .filter_map(|(k, v)| Some((k.parse::<u16>().ok()?, v)))
                .min_by_key(|(code, _)| *code)
        })
}

/// JSON first (`application/json`, `+json`), then the first listed.
fn pick_media<'a>(media: impl Iterator<Item = &'a str> + Clone) -> Option<&'a str> {
    media
        .clone()
        .find(|m| m.contains("json"))
        .or_else(|| media.clone().next())
}

/// A media type's example: `example`, or the `examples` entry named
/// `wanted` (an error if there is none of that name), or the first one.
fn media_example(raw: &Json, media: &Json, wanted: Option<&str>) -> Result<Option<Json>, String> {
    let examples = media.get("examples").and_then(Json::as_object);
    if let Some(name) = wanted {
        let Some(example) = examples.and_then(|e| e.get(name)) else {
            let known: Vec<&str> = examples
                .map(|e| e.keys().map(String::as_str).collect())
                .unwrap_or_default();
            return Err(format!(
                "no example named `{name}` (the response has: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ));
        };
        return Ok(deref(raw, example).get("value").cloned());
    }
    if let Some(example) = media.get("example") {
        return Ok(Some(example.clone()));
    }
    Ok(examples
        .and_then(|e| e.values().next())
        .and_then(|e| deref(raw, e).get("value").cloned()))
}

/// Follows `$ref`s inside the document (a few hops; a broken or outside
/// reference gives the node itself).
fn deref<'a>(raw: &'a Json, mut node: &'a Json) -> &'a Json {
    for _ in 0..16 {
        let Some(reference) = node.get("$ref").and_then(Json::as_str) else {
            return node;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            return node;
        };
        let pointer = pointer.replace("%7B", "{").replace("%7D", "}");
        match raw.pointer(&pointer) {
            Some(target) => node = target,
            None => return node,
        }
    }
    node
}

/// A value that fits `schema` (see the module docs).
pub fn made_up(raw: &Json, schema: &Json, depth: usize) -> Json {
    if depth > MAX_DEPTH {
        return Json::Null;
    }
    let schema = deref(raw, schema);
    let own_type = declared_type(raw, schema);
    let written = [
        own_example(schema),
        schema.get("default"),
        schema.get("const"),
    ];
    for value in written.into_iter().flatten() {
        match value {
            // JSON pasted into a string where the schema is not a string.
            Json::String(_) if own_type.is_some_and(|t| t != "string") => {}
            v => return v.clone(),
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Json::as_array)
        .and_then(|e| e.iter().find(|v| !v.is_null()))
    {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(members) = schema.get(key).and_then(Json::as_array) {
            let member = members
                .iter()
                .find(|m| deref(raw, m).get("type").and_then(Json::as_str) != Some("null"));
            if let Some(member) = member {
                let mut value = made_up(raw, member, depth + 1);
                tag(schema, member, &mut value);
                return value;
            }
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Json::as_array) {
        let mut merged = Map::new();
        for part in parts {
            match made_up(raw, part, depth + 1) {
                Json::Object(o) => merged.extend(o),
                // `allOf: [{$ref: Name}]` around a string, a number, …
                Json::Null => {}
                other => return other,
            }
        }
        if let Json::Object(own) = object(raw, schema, depth) {
            merged.extend(own);
        }
        return Json::Object(merged);
    }
    let ty = match schema.get("type") {
        Some(Json::String(t)) => t.as_str(),
        Some(Json::Array(types)) => types
            .iter()
            .filter_map(Json::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() => {
            "object"
        }
        _ if schema.get("items").is_some() => "array",
        _ => "",
    };
    let number = |integer: bool| {
        let min = schema.get("minimum").and_then(Json::as_f64);
        let exclusive = schema.get("exclusiveMinimum");
        let value = match (min, exclusive) {
            (_, Some(Json::Number(n))) => n.as_f64().map(|n| n + 1.0),
            (Some(m), Some(Json::Bool(true))) => Some(m + 1.0),
            (Some(m), _) => Some(m),
            _ => None,
        }
        .unwrap_or(0.0)
        .max(0.0);
        if integer {
            json!(value.ceil() as i64)
        } else {
            json!(value)
        }
    };
    match ty {
        "object" => object(raw, schema, depth),
        // Deep down, lists are empty (recursive schemas end there).
        "array" if depth > 4 && schema.get("minItems").is_none() => json!([]),
        "array" => {
            let item = schema
                .get("items")
                .map_or(Json::Null, |i| made_up(raw, i, depth + 1));
            if item.is_null() {
                json!([])
            } else {
                json!([item])
            }
        }
        "integer" => number(true),
        "number" => number(false),
        "boolean" => json!(false),
        "string" => json!(string_for(schema)),
        _ => Json::Null,
    }
}

/// A schema's own example: `example`, else the first of `examples` (3.1).
fn own_example(schema: &Json) -> Option<&Json> {
    schema.get("example").or_else(|| {
        schema
            .get("examples")
            .and_then(Json::as_array)
            .and_then(|e| e.first())
    })
}

/// With a `discriminator`, the made-up member carries the tag that selects
/// it: the `mapping` key naming its `$ref`, else the component's name.
fn tag(union: &Json, member: &Json, value: &mut Json) {
    let Some(d) = union.get("discriminator") else {
        return;
    };
    let (Some(property), Some(object)) = (
        d.get("propertyName").and_then(Json::as_str),
        value.as_object_mut(),
    ) else {
        return;
    };
    let reference = member.get("$ref").and_then(Json::as_str);
    let mapped = d.get("mapping").and_then(Json::as_object).and_then(|m| {
        m.iter()
            .find(|(_, target)| {
                target.as_str().is_some_and(|t| {
                    Some(t) == reference || reference.is_some_and(|r| r.ends_with(&format!("/{t}")))
                })
            })
            .map(|(key, _)| key.clone())
    });
    let tag = mapped.or_else(|| {
        reference
            .and_then(|r| r.rsplit('/').next())
            .map(str::to_string)
    });
    if let Some(tag) = tag {
        object.insert(property.to_string(), Json::String(tag));
    }
}

/// The schema's `type` (the first that is not `null`), following `$ref`s.
fn declared_type<'a>(raw: &'a Json, schema: &'a Json) -> Option<&'a str> {
    let schema = deref(raw, schema);
    match schema.get("type") {
        Some(Json::String(t)) => Some(t),
        Some(Json::Array(types)) => types.iter().filter_map(Json::as_str).find(|t| *t != "null"),
        _ if schema.get("properties").is_some() || schema.get("allOf").is_some() => Some("object"),
        _ if schema.get("items").is_some() => Some("array"),
        _ => None,
    }
}

fn object(raw: &Json, schema: &Json, depth: usize) -> Json {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Json::as_array)
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    let mut out = Map::new();
    for (name, prop) in schema
        .get("properties")
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
    {
        // Optional members only near the top: recursive types stay finite.
        if depth < 3 || required.contains(&name.as_str()) {
            let value = made_up(raw, prop, depth + 1);
            if !value.is_null() || required.contains(&name.as_str()) {
                out.insert(name.clone(), value);
            }
        }
    }
    Json::Object(out)
}

fn string_for(schema: &Json) -> String {
    let format = schema.get("format").and_then(Json::as_str).unwrap_or("");
    let text = match format {
        "date-time" => "2026-01-01T00:00:00Z",
        "date" => "2026-01-01",
        "time" => "00:00:00",
        "uuid" => "00000000-0000-0000-0000-000000000000",
        "email" => "user@example.com",
        "uri" | "url" => "https://example.com/",
        "ipv4" | "ip" => "127.0.0.1",
        "ipv6" => "::1",
        "byte" => "",
        "decimal" | "money" | "number" | "double" | "float" => "0.00",
        "int32" | "int64" | "integer" => "0",
        _ => "sandbox",
    };
    let min = schema.get("minLength").and_then(Json::as_u64).unwrap_or(0);
    let min = usize::try_from(min).unwrap_or(0).min(256);
    if text.len() >= min {
        text.to_string()
    } else {
        format!("{text}{}", "x".repeat(min - text.len()))
    }
}
