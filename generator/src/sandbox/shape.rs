//! The body of an answer in the shape the generated client reads: a JSON
//! value of the response's type, a result envelope whose code and rules
//! give the outcome asked for, a text result (`OK:` pattern or
//! error prefix), or a CSV file.
//!
//! The document's example is served when the client reads it; otherwise a
//! value made from the document's schema ([`super::answers::made_up`]),
//! and when that does not fit either, one made from the IR
//! ([`super::sample`]). Each fallback is explained in the answer's
//! [`Answer::note`](super::answers::Answer::note).

use serde_json::{json, Value as Json};

use super::conform::{csv_problems, decodes};
use super::sample;
use crate::ir::{
    Api, Condition, Constraints, CsvFormat, Envelope, OutcomeKind, TextResult, TypeKind, TypeRef,
};

/// What the generated client reads from one response.
#[derive(Debug, Clone, Copy)]
pub enum Reads<'a> {
    /// Nothing typed (no body, or bytes).
    Nothing,
    /// JSON of this type.
    Json(&'a TypeRef),
    /// JSON of this type, with a field (Rust name, type) that signals an
    /// error inside a 2xx (`x-pasarela-error-code`).
    ErrorCode(&'a TypeRef, &'a str, &'a TypeRef),
    /// A result envelope whose data is of this type.
    Envelope(&'a Envelope, &'a TypeRef),
    /// Text read as this type, maybe through a text-result grammar.
    Text(&'a TypeRef, Option<&'a TextResult>),
    /// A CSV file, maybe with a text-result grammar.
    Csv(&'a CsvFormat, Option<&'a TextResult>),
}

/// A body, and why it is not the document's example when it is not.
pub type Shaped<T> = (T, Option<String>);

/// The JSON body: `example` if the client reads it, else the value
/// `from_schema` makes, else one made from the IR. An example is served as
/// written unless `wanted` asks for another outcome (or its envelope
/// decides none); a made value is shaped to `wanted`, success by default.
pub fn json_body(
    api: &Api,
    reads: &Reads<'_>,
    example: Option<Json>,
    from_schema: impl FnOnce() -> Json,
    wanted: Option<OutcomeKind>,
) -> Shaped<Json> {
    match *reads {
        Reads::Json(ty) => {
            let (value, _, note) = fitting(api, ty, example, from_schema);
            (value, note)
        }
        Reads::ErrorCode(ty, field, field_ty) => {
            let (mut value, served_example, note) = fitting(api, ty, example, from_schema);
            if wanted.is_some() || !served_example {
                let wanted = wanted.unwrap_or(OutcomeKind::Success);
                set_error_code(api, ty, field, field_ty, &mut value, wanted);
            }
            (value, note)
        }
        Reads::Envelope(envelope, ty) => {
            let served_example = example.as_ref().is_some_and(Json::is_object);
            let mut value = example.filter(Json::is_object).unwrap_or_else(from_schema);
            if !value.is_object() {
                value = json!({});
            }
            let mut note = None;
            let data = lookup(&value, &envelope.data);
            let mut fits = true;
            if let Err(why) = data.map_or(Err(String::new()), |d| decodes(api, ty, d)) {
                if served_example && !why.is_empty() {
                    note = Some(format!("the example's data does not fit its type ({why})"));
                }
                set(
                    &mut value,
                    &envelope.data,
                    sample::value(api, ty, &Constraints::default()),
                );
                fits = false;
            }
            let decided = outcome(envelope, &value);
            let keep = served_example && fits && wanted.is_none() && decided.is_some();
            if !keep {
                steer(envelope, &mut value, wanted.unwrap_or(OutcomeKind::Success));
            }
            (value, note)
        }
        _ => (example.unwrap_or_else(from_schema), None),
    }
}

/// `example`, else the schema's value, else the IR's — the first the
/// client decodes as `ty`; and whether it is the example.
fn fitting(
    api: &Api,
    ty: &TypeRef,
    example: Option<Json>,
    from_schema: impl FnOnce() -> Json,
) -> (Json, bool, Option<String>) {
    let mut note = None;
    if let Some(example) = example {
        match decodes(api, ty, &example) {
            Ok(()) => return (example, true, None),
            Err(why) => note = Some(format!("the example does not fit the schema ({why})")),
        }
    }
    let made = from_schema();
    if decodes(api, ty, &made).is_ok() {
        return (made, false, note);
    }
    (sample::value(api, ty, &Constraints::default()), false, note)
}

/// A text body: an error text when `wanted` is an error and the grammar
/// has an error prefix; else the example when the client reads it, else a
/// made one (a string the `ok-pattern` matches, a CSV file of the row type).
pub fn text_body(
    api: &Api,
    reads: &Reads<'_>,
    example: Option<Json>,
    wanted: Option<OutcomeKind>,
) -> Shaped<Vec<u8>> {
    let example = example.and_then(|e| match e {
        Json::String(s) => Some(s),
        Json::Null => None,
        other => Some(other.to_string()),
    });
    let grammar = match *reads {
        Reads::Text(_, g) | Reads::Csv(_, g) => g,
        _ => None,
    };
    if let (Some(OutcomeKind::Error), Some(prefix)) =
        (wanted, grammar.and_then(|g| g.error_prefix.as_deref()))
    {
        return (format!("{prefix} sandbox error").into_bytes(), None);
    }
    match *reads {
        Reads::Text(ty, grammar) => match grammar.and_then(|g| g.ok_pattern.as_deref()) {
            Some(pattern) => {
                let matches = |t: &String| regex::Regex::new(pattern).is_ok_and(|r| r.is_match(t));
                match example {
                    Some(e) if matches(&e) => (e.into_bytes(), None),
                    other => {
                        let note = other.map(|_| {
                            format!("the example does not match the ok-pattern `{pattern}`")
                        });
                        let made = sample::matching(pattern, &Constraints::default());
                        (made.unwrap_or_default().into_bytes(), note)
                    }
                }
            }
            None => {
                let text = example.unwrap_or_else(|| {
                    match sample::value(api, ty, &Constraints::default()) {
                        Json::String(s) => s,
                        other => other.to_string(),
                    }
                });
                (text.into_bytes(), None)
            }
        },
        Reads::Csv(format, grammar) => {
            let skip = grammar.and_then(|g| g.ok_prefix.as_deref());
            match example {
                Some(e) => {
                    let problems = csv_problems(api, format, e.as_bytes(), skip, false);
                    match problems.first() {
                        None => (e.into_bytes(), None),
                        Some(p) => (
                            sample::csv(api, format),
                            Some(format!(
                                "the example is not a CSV file of the row type ({p})"
                            )),
                        ),
                    }
                }
                None => (sample::csv(api, format), None),
            }
        }
        _ => (example.unwrap_or_default().into_bytes(), None),
    }
}

/// Sets the error-code field to "no error" (or to an error when `wanted`
/// is one).
fn set_error_code(
    api: &Api,
    ty: &TypeRef,
    rust_field: &str,
    field_ty: &TypeRef,
    value: &mut Json,
    wanted: OutcomeKind,
) {
    let TypeRef::Named(name) = ty else { return };
    let Some(TypeKind::Struct(fields)) = api.kind_of(name) else {
        return;
    };
    let Some(field) = fields.iter().find(|f| f.rust_name == rust_field) else {
        return;
    };
    let failed = wanted == OutcomeKind::Error;
    let code = match field_ty {
        TypeRef::Bool => json!(failed),
        TypeRef::String => json!(if failed { "1" } else { "0" }),
        _ if field.string_as_number => json!(if failed { "1" } else { "0" }),
        _ => json!(u8::from(failed)),
    };
    if let Some(object) = value.as_object_mut() {
        if failed || field.required || object.contains_key(&field.wire_name) {
            object.insert(field.wire_name.clone(), code);
        }
    }
}

/// The outcome the client reads from `value`, as the runtime decides it:
/// an undocumented code decides nothing; then the first rule that holds;
/// then the code's outcome.
fn outcome(envelope: &Envelope, value: &Json) -> Option<OutcomeKind> {
    let code = lookup(value, &envelope.code).and_then(scalar_text);
    let listed = code.and_then(|c| envelope.codes.iter().find(|(k, _, _)| *k == c));
    if !envelope.codes.is_empty() && listed.is_none() {
        return None;
    }
    envelope
        .rules
        .iter()
        .find(|(when, _)| when.iter().all(|c| holds(value, c)))
        .map(|(_, o)| *o)
        .or(listed.map(|(_, o, _)| *o))
}

/// Makes `value` read as `wanted`: the first code documented with that
/// outcome (else the first success code), its meaning as the text, then
/// rules that would decide otherwise broken and one that decides so kept.
fn steer(envelope: &Envelope, value: &mut Json, wanted: OutcomeKind) {
    let code = envelope
        .codes
        .iter()
        .find(|(_, o, _)| *o == wanted)
        .or_else(|| {
            envelope
                .codes
                .iter()
                .find(|(_, o, _)| *o == OutcomeKind::Success)
        });
    if let Some((code, _, meaning)) = code {
        let written = like(lookup(value, &envelope.code), code);
        set(value, &envelope.code, written);
        if let Some(text) = &envelope.text {
            set(value, text, json!(meaning));
        }
    }
    for _ in 0..=envelope.rules.len() * 2 {
        let deciding = envelope
            .rules
            .iter()
            .find(|(when, _)| when.iter().all(|c| holds(value, c)));
        match deciding {
            Some((_, o)) if *o == wanted => return,
            Some((when, _)) => {
                let when = when.clone();
                break_rule(envelope, value, &when, wanted);
            }
            None if outcome(envelope, value) == Some(wanted) => return,
            None => match envelope.rules.iter().find(|(_, o)| *o == wanted) {
                Some((when, _)) => {
                    for c in when {
                        if let Some(equals) = &c.equals {
                            let written = like(lookup(value, &c.path), equals);
                            set(value, &c.path, written);
                        }
                    }
                }
                None => return,
            },
        }
    }
}

/// Makes one condition of `when` fail: a non-empty one emptied, else an
/// equality given the value a rule with the wanted outcome names for that
/// place (or another value).
fn break_rule(envelope: &Envelope, value: &mut Json, when: &[Condition], wanted: OutcomeKind) {
    if let Some(c) = when.iter().find(|c| c.non_empty) {
        let empty = match lookup(value, &c.path) {
            Some(Json::Array(_)) => json!([]),
            Some(Json::Object(_)) => json!({}),
            _ => json!(""),
        };
        set(value, &c.path, empty);
        return;
    }
    let Some(c) = when.iter().find(|c| c.equals.is_some()) else {
        return;
    };
    let other = envelope
        .rules
        .iter()
        .filter(|(_, o)| *o == wanted)
        .flat_map(|(w, _)| w)
        .find(|o| o.path == c.path && o.equals != c.equals)
        .and_then(|o| o.equals.clone())
        .unwrap_or_else(|| "sandbox".to_string());
    let written = like(lookup(value, &c.path), &other);
    set(value, &c.path, written);
}

fn holds(value: &Json, c: &Condition) -> bool {
    let Some(v) = lookup(value, &c.path).filter(|v| !v.is_null()) else {
        return false;
    };
    if c.equals.is_some() && scalar_text(v) != c.equals {
        return false;
    }
    !c.non_empty
        || match v {
            Json::Array(a) => !a.is_empty(),
            Json::Object(o) => !o.is_empty(),
            Json::String(s) => !s.is_empty(),
            _ => false,
        }
}

/// A number's text, or a string trimmed.
fn scalar_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.trim().to_string()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `text` written as the value already there is: a number stays a number.
fn like(current: Option<&Json>, text: &str) -> Json {
    match (current, serde_json::from_str::<serde_json::Number>(text)) {
        (Some(Json::Number(_)), Ok(n)) => Json::Number(n),
        _ => json!(text),
    }
}

fn pointer(p: &str) -> String {
    if p.starts_with('/') || p.is_empty() {
        p.to_string()
    } else {
        format!("/{p}")
    }
}

fn lookup<'a>(value: &'a Json, p: &str) -> Option<&'a Json> {
    value.pointer(&pointer(p))
}

/// Sets the value at a JSON pointer, making objects along the way.
fn set(value: &mut Json, p: &str, new: Json) {
    let p = pointer(p);
    let mut at = value;
    for token in p.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !at.is_object() {
            *at = json!({});
        }
        let Some(object) = at.as_object_mut() else {
            return;
        };
        at = object.entry(token).or_insert(Json::Null);
    }
    *at = new;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope() -> Envelope {
        let cond = |path: &str, equals: Option<&str>, non_empty: bool| Condition {
            path: path.into(),
            equals: equals.map(str::to_string),
            non_empty,
        };
        Envelope {
            code: "/header/code".into(),
            text: Some("/header/text".into()),
            data: "/data".into(),
            codes: vec![
                ("0".into(), OutcomeKind::Success, "ok".into()),
                ("1".into(), OutcomeKind::Error, "failed".into()),
            ],
            rules: vec![
                (
                    vec![
                        cond("/data/state", Some("DONE"), false),
                        cond("/data/rejected", None, true),
                    ],
                    OutcomeKind::Partial,
                ),
                (
                    vec![cond("/data/state", Some("DONE"), false)],
                    OutcomeKind::Success,
                ),
                (
                    vec![cond("/header/text", Some("ERROR"), false)],
                    OutcomeKind::Error,
                ),
            ],
        }
    }

    #[test]
    fn an_envelope_is_steered_to_each_outcome() {
        let env = envelope();
        for wanted in [
            OutcomeKind::Success,
            OutcomeKind::Partial,
            OutcomeKind::Error,
        ] {
            let mut v = json!({"header": {"code": 7}, "data": {"state": "NEW", "rejected": ["x"]}});
            steer(&env, &mut v, wanted);
            assert_eq!(outcome(&env, &v), Some(wanted), "{wanted:?}: {v}");
            // A numeric code stays a number.
            assert!(v["header"]["code"].is_number(), "{v}");
        }
    }

    #[test]
    fn set_makes_the_path() {
        let mut v = json!(null);
        set(&mut v, "a/b~1c", json!(1));
        assert_eq!(v, json!({"a": {"b/c": 1}}));
    }
}
