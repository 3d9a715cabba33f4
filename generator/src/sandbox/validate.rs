//! Matching a request to an operation and checking it against the spec:
//! required path, query, header, cookie and form parameters, and every
//! value given read as its type and checked against its constraints
//! (`pattern`, lengths, bounds, enum values); a JSON body that parses and
//! fits its type ([`conform::request_problems`]); a CSV body or part whose
//! rows fit the row type; and the security the operation requires (one
//! alternative fully present).
//! Also what the request log masks.

use std::collections::BTreeMap;

use hyper::HeaderMap;
use serde_json::Value as Json;

use super::conform;
use crate::ir::{
    Api, BodyEncoding, Constraints, KeyLocation, Operation, Param, ParamLocation, ParamStyle,
    SchemeKind, TypeKind, TypeRef,
};

/// A request as the checks see it.
pub struct Incoming<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path as received (with the base path).
    pub path: &'a str,
    /// The raw query string.
    pub query: &'a str,
    /// The headers.
    pub headers: &'a HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

/// The operation answering `method` at `path` (below the base path), and
/// its path parameters. Literal segments win over templated ones.
pub fn find_operation<'a>(
    api: &'a Api,
    method: &str,
    path: &str,
) -> Option<(&'a Operation, BTreeMap<String, String>)> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(&Operation, BTreeMap<String, String>, usize)> = None;
    for op in &api.operations {
        if !op.method.as_str().eq_ignore_ascii_case(method) {
            continue;
        }
        let template: Vec<&str> = op.path.trim_matches('/').split('/').collect();
        if template.len() != segments.len() {
            continue;
        }
        let mut params = BTreeMap::new();
        let mut literal = 0;
        let matched = template.iter().zip(&segments).all(|(t, s)| {
            match (
                t.strip_prefix('{').and_then(|t| t.strip_suffix('}')),
                t == s,
            ) {
                (_, true) => {
                    literal += 1;
                    true
                }
                (Some(name), false) if !s.is_empty() => {
                    params.insert(name.to_string(), percent_decode(s));
                    true
                }
                _ => false,
            }
        });
        if matched && best.as_ref().is_none_or(|(_, _, l)| literal > *l) {
            best = Some((op, params, literal));
        }
    }
    best.map(|(op, params, _)| (op, params))
}

/// A path segment, percent-decoded.
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// `a=1&b=2` → pairs, decoded.
pub fn form_pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn is_form(headers: &HeaderMap) -> bool {
    content_type(headers).starts_with("application/x-www-form-urlencoded")
}

/// The fields of a form body, urlencoded or `multipart/form-data` (a
/// part's value as lossy text); empty for any other body.
pub fn form_fields(headers: &HeaderMap, body: &[u8]) -> Vec<(String, String)> {
    if is_form(headers) {
        return form_pairs(&String::from_utf8_lossy(body));
    }
    parts(headers, body)
        .into_iter()
        .map(|(name, value)| (name, String::from_utf8_lossy(value).into_owned()))
        .collect()
}

/// The parts of a `multipart/form-data` body: (name, bytes); empty for
/// any other body.
pub fn parts<'b>(headers: &HeaderMap, body: &'b [u8]) -> Vec<(String, &'b [u8])> {
    let ct = content_type(headers);
    if !ct.starts_with("multipart/form-data") {
        return Vec::new();
    }
    let Some(boundary) = ct
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()
        .map(|b| format!("--{}", b.trim_matches('"')))
    else {
        return Vec::new();
    };
    split(body, boundary.as_bytes())
        .into_iter()
        .filter_map(|part| {
            let at = find(part, b"\r\n\r\n")?;
            let head = String::from_utf8_lossy(&part[..at]);
            let value = &part[at + 4..];
            let name = head
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("name="))
                .next()?
                .split(['\r', '\n'])
                .next()?
                .trim_matches('"')
                .to_string();
            Some((name, value.strip_suffix(b"\r\n").unwrap_or(value)))
        })
        .collect()
}

/// Where `needle` (not empty) first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `haystack` cut at every `separator`.
fn split<'b>(mut haystack: &'b [u8], separator: &[u8]) -> Vec<&'b [u8]> {
    let mut pieces = Vec::new();
    while let Some(at) = find(haystack, separator) {
        pieces.push(&haystack[..at]);
        haystack = &haystack[at + separator.len()..];
    }
    pieces.push(haystack);
    pieces
}

/// Everything wrong with `req` for `op`; problems about credentials start
/// with `credentials` (they make the answer 401).
pub fn check(
    api: &Api,
    op: &Operation,
    path_params: &BTreeMap<String, String>,
    req: &Incoming<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let query = form_pairs(req.query);
    let cookies = cookies(req.headers);
    let form = form_fields(req.headers, req.body);
    let has = |pairs: &[(String, String)], name: &str| pairs.iter().any(|(k, _)| k == name);
    for p in op.params.iter().filter(|p| p.required) {
        let present = match p.location {
            ParamLocation::Path => path_params.contains_key(&p.wire_name),
            ParamLocation::Query => has(&query, &p.wire_name),
            ParamLocation::Header => req.headers.contains_key(p.wire_name.as_str()),
            ParamLocation::Cookie => has(&cookies, &p.wire_name),
            ParamLocation::FormField | ParamLocation::Part => has(&form, &p.wire_name),
        };
        if !present {
            problems.push(format!(
                "the required {} parameter `{}` is missing",
                p.location.word(),
                p.wire_name
            ));
        }
    }
    for p in &op.params {
        let values: Vec<String> = match p.location {
            ParamLocation::Path => path_params.get(&p.wire_name).cloned().into_iter().collect(),
            ParamLocation::Query => named(&query, &p.wire_name),
            ParamLocation::Header => req
                .headers
                .get_all(p.wire_name.as_str())
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect(),
            ParamLocation::Cookie => named(&cookies, &p.wire_name),
            ParamLocation::FormField => named(&form, &p.wire_name),
            ParamLocation::Part => {
                if let TypeRef::Csv(format) = &p.ty {
                    for (_, bytes) in parts(req.headers, req.body)
                        .iter()
                        .filter(|(name, _)| name == &p.wire_name)
                    {
                        problems.extend(
                            conform::csv_problems(api, format, bytes, None, true)
                                .into_iter()
                                .map(|m| format!("the CSV part `{}`: {m}", p.wire_name)),
                        );
                    }
                    continue;
                }
                named(&form, &p.wire_name)
            }
        };
        if !values.is_empty() {
            problems.extend(param_problems(api, p, &values));
        }
    }
    if let Some(body) = &op.body {
        match body.encoding {
            BodyEncoding::Json => match serde_json::from_slice::<Json>(req.body) {
                Ok(value) => problems.extend(conform::request_problems(
                    api,
                    &body.ty,
                    &Constraints::default(),
                    &value,
                    "body",
                )),
                Err(e) => problems.push(format!("the body is not JSON: {e}")),
            },
            BodyEncoding::Bytes | BodyEncoding::Text => {
                if let TypeRef::Csv(format) = &body.ty {
                    problems.extend(
                        conform::csv_problems(api, format, req.body, None, true)
                            .into_iter()
                            .map(|m| format!("the CSV body: {m}")),
                    );
                }
            }
            BodyEncoding::Form if !op.form_fields_flattened() => {
                if let TypeRef::Named(name) = &body.ty {
                    if let Some(TypeKind::Struct(fields)) = type_kind(api, name) {
                        for f in fields.iter().filter(|f| f.required) {
                            // A form-located credential is a security check.
                            if !has(&form, &f.wire_name) && !is_form_key(api, &f.wire_name) {
                                problems.push(format!(
                                    "the required form field `{}` is missing",
                                    f.wire_name
                                ));
                            }
                        }
                        // The values that are there, read as their fields' types.
                        for f in fields {
                            for value in named(&form, &f.wire_name) {
                                let json = conform::scalar(api, &f.ty, &value);
                                let at = format!("form.{}", f.wire_name);
                                problems.extend(conform::request_problems(
                                    api,
                                    &f.ty,
                                    &f.constraints,
                                    &json,
                                    &at,
                                ));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !op.security.is_empty() {
        let satisfied = op.security.iter().any(|alternative| {
            alternative
                .iter()
                .all(|scheme| scheme_present(api, scheme, req.headers, &query, &cookies, &form))
        });
        if !satisfied {
            let wanted: Vec<String> = op.security.iter().map(|a| a.join(" + ")).collect();
            problems.push(format!(
                "credentials missing: the operation requires {}",
                wanted.join(" or ")
            ));
        }
    }
    problems
}

fn type_kind<'a>(api: &'a Api, name: &str) -> Option<&'a TypeKind> {
    api.kind_of(name)
}

fn is_form_key(api: &Api, field: &str) -> bool {
    api.security_schemes.iter().any(|s| {
        matches!(&s.kind, SchemeKind::ApiKey { location: KeyLocation::Form, param } if param == field)
    })
}

/// The values of `name` among `pairs`.
fn named(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

/// What is wrong with the values a parameter was given: each read as the
/// parameter's type (a list's items split as its style writes them) and
/// checked against its constraints. Objects are not checked.
fn param_problems(api: &Api, p: &Param, values: &[String]) -> Vec<String> {
    let at = format!("{}.{}", p.location.key(), p.wire_name);
    let value = match &p.ty {
        TypeRef::Vec(item) => {
            let delimiter = match p.style {
                ParamStyle::SpaceDelimited => Some(' '),
                ParamStyle::PipeDelimited => Some('|'),
                ParamStyle::Form { explode: true } => None,
                _ => Some(','),
            };
            let items: Vec<Json> = values
                .iter()
                .flat_map(|v| match (delimiter, values.len()) {
                    (Some(d), 1) => v.split(d).map(str::to_string).collect::<Vec<_>>(),
                    _ => vec![v.clone()],
                })
                .map(|v| conform::scalar(api, item, &v))
                .collect();
            Json::Array(items)
        }
        TypeRef::Map(_) => return Vec::new(),
        TypeRef::Named(name) if matches!(type_kind(api, name), Some(TypeKind::Struct(_))) => {
            return Vec::new()
        }
        ty => match values {
            [one] => conform::scalar(api, ty, one),
            _ => {
                return vec![format!(
                    "`{at}` is given {} times; it takes one value",
                    values.len()
                )]
            }
        },
    };
    conform::request_problems(api, &p.ty, &p.constraints, &value, &at)
}

fn scheme_present(
    api: &Api,
    scheme: &str,
    headers: &HeaderMap,
    query: &[(String, String)],
    cookies: &[(String, String)],
    form: &[(String, String)],
) -> bool {
    let Some(s) = api.security_schemes.iter().find(|s| s.name == scheme) else {
        return false;
    };
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let has = |pairs: &[(String, String)], name: &str| {
        pairs.iter().any(|(k, v)| k == name && !v.is_empty())
    };
    match &s.kind {
        SchemeKind::ApiKey { location, param } => match location {
            KeyLocation::Header => headers.contains_key(param.as_str()),
            KeyLocation::Query => has(query, param),
            KeyLocation::Cookie => has(cookies, param),
            // A form-located key goes in the query of a GET.
            KeyLocation::Form => has(form, param) || has(query, param),
        },
        SchemeKind::HttpBasic => starts_with_word(authorization, "basic"),
        SchemeKind::HttpBearer | SchemeKind::OAuth2ClientCredentials { .. } => {
            starts_with_word(authorization, "bearer")
        }
    }
}

fn starts_with_word(value: &str, word: &str) -> bool {
    value
        .split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case(word))
        && value.split_whitespace().nth(1).is_some()
}

const MASK: &str = "***";

/// The names of credentials in each place, from the spec's schemes.
fn key_names(api: &Api, wanted: KeyLocation) -> Vec<&str> {
    api.security_schemes
        .iter()
        .filter_map(|s| match &s.kind {
            SchemeKind::ApiKey { location, param } if *location == wanted => Some(param.as_str()),
            _ => None,
        })
        .collect()
}

/// The query string with API keys masked.
pub fn mask_query(query: &str, api: &Api) -> String {
    let mut keys = key_names(api, KeyLocation::Query);
    keys.extend(key_names(api, KeyLocation::Form));
    mask_pairs(query, &keys)
}

fn mask_pairs(text: &str, secret: &[&str]) -> String {
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _))
                if form_pairs(k)
                    .first()
                    .is_some_and(|(name, _)| secret.contains(&name.as_str())) =>
            {
                format!("{k}={MASK}")
            }
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Header names and values, with `Authorization`, `Cookie` and API-key
/// headers masked.
pub fn mask_headers(headers: &HeaderMap, api: &Api) -> Vec<(String, String)> {
    let keys = key_names(api, KeyLocation::Header);
    headers
        .iter()
        .map(|(name, value)| {
            let n = name.as_str();
            let secret = n == "authorization"
                || n == "cookie"
                || n == "proxy-authorization"
                || keys.iter().any(|k| k.eq_ignore_ascii_case(n));
            let v = if secret {
                MASK.to_string()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (n.to_string(), v)
        })
        .collect()
}

/// The body as text; form fields that carry credentials (form-located API
/// keys, and fields whose schema is a secret) masked.
pub fn mask_body(body: &[u8], headers: &HeaderMap, api: &Api) -> String {
    let text = String::from_utf8_lossy(body).into_owned();
    let multipart = content_type(headers).starts_with("multipart/form-data");
    if !is_form(headers) && !multipart {
        return text;
    }
    let mut secret: Vec<&str> = key_names(api, KeyLocation::Form);
    for t in &api.types {
        if let TypeKind::Struct(fields) = &t.kind {
            secret.extend(
                fields
                    .iter()
                    .filter(|f| f.ty == TypeRef::Secret)
                    .map(|f| f.wire_name.as_str()),
            );
        }
    }
    for op in &api.operations {
        secret.extend(
            op.params
                .iter()
                .filter(|p| p.ty == TypeRef::Secret)
                .map(|p| p.wire_name.as_str()),
        );
    }
    if multipart {
        // The secret parts' values, wherever they appear.
        let mut masked = text;
        for (name, value) in form_fields(headers, body) {
            if secret.contains(&name.as_str()) && !value.is_empty() {
                masked = masked.replace(&value, MASK);
            }
        }
        return masked;
    }
    mask_pairs(&text, &secret)
}
