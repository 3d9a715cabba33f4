//! Result envelopes: APIs that answer HTTP 200 with a body such as
//! `{"header": {"code": 0, "text": "OK"}, "data": {…}}` and say in the body
//! whether the call succeeded, partly succeeded or failed.
//!
//! The API description declares where the result code, the result text and
//! the payload are (JSON pointers, RFC 6901), which codes exist and what
//! they mean, and optional rules on the payload that override the code. An
//! [`EnvelopeSpec`] holds that declaration; [`Response::envelope`] applies
//! it.
//!
//! # Decision procedure
//!
//! [`Response::envelope`] decides, in this order:
//!
//! 1. The body must be JSON; otherwise the call ends in [`Error::Decode`]
//!    quoting the start of the body (an HTML page from a proxy is a decode
//!    error, never a panic).
//! 2. The result code is read at [`EnvelopeSpec::code`] (a number or a
//!    string gives its text, so `0` and `"0"` are the same code; a missing
//!    or `null` code is no code; surrounding whitespace of a string is
//!    ignored), and the result text at
//!    [`EnvelopeSpec::text`].
//! 3. If [`EnvelopeSpec::codes`] is not empty and the code is missing or not
//!    listed, the call ends in [`Error::Api`] with an [`EnvelopeError`] whose
//!    `documented` is `false` and `meaning` is `None`; the whole envelope is
//!    kept. For an operation that moves money (and likewise when nothing
//!    decides in step 4) it ends in [`Error::OutcomeUnknown`] instead, its
//!    reason quoting the code, the text and the envelope: an undocumented
//!    answer does not say whether the money moved.
//! 4. Otherwise the first [`Rule`] whose conditions all match decides the
//!    outcome; if none matches, the listed code's [`CodeMeaning::outcome`]
//!    decides; if still nothing decides (no codes table), the call ends in
//!    [`Error::Api`] with `documented: false`.
//! 5. An [`OutcomeKind::Error`] outcome ends in [`Error::Api`] with an
//!    [`EnvelopeError`] whose `meaning` is the listed code's meaning and
//!    `documented` is `true`.
//! 6. A [`OutcomeKind::Success`] or [`OutcomeKind::Partial`] outcome decodes
//!    the payload at [`EnvelopeSpec::data`] into `T`; a failing field is
//!    reported with its path prefixed by the payload's (e.g.
//!    `data.items[2].amount`). A missing or `null` payload is decoded from
//!    `null` (so `Option<_>` and `()` work); when `T` cannot be decoded from
//!    `null`, the call ends in [`Error::Decode`] whose path is the payload's
//!    and whose message is "the envelope has no data".
//!
//! The [`Error::Api`] carries the HTTP status and `wrap(envelope_error)`,
//! where `wrap` is the operation's conversion into its declared error type.
//!
//! # Example
//!
//! ```
//! use pasarela_runtime::{
//!     CodeMeaning, Condition, EnvelopeSpec, Error, Outcome, OutcomeKind, Response, Rule,
//! };
//!
//! static SPEC: EnvelopeSpec = EnvelopeSpec {
//!     code: "/header/code",
//!     text: Some("/header/text"),
//!     data: "/data",
//!     codes: &[
//!         CodeMeaning { code: "0", outcome: OutcomeKind::Success, meaning: "OK" },
//!         CodeMeaning { code: "1", outcome: OutcomeKind::Error, meaning: "ERROR" },
//!     ],
//!     rules: &[Rule {
//!         when: &[Condition { path: "/data/rejected", equals: None, non_empty: true }],
//!         outcome: OutcomeKind::Partial,
//!     }],
//! };
//!
//! let resp = Response::from_parts(
//!     200,
//!     Default::default(),
//!     r#"{"header":{"code":"0","text":"OK"},"data":{"id":274,"rejected":[]}}"#,
//! );
//! let out: Outcome<serde_json::Value> = resp
//!     .envelope(&SPEC, |e| e)
//!     .map_err(|e: Error<_>| e.to_string())
//!     .unwrap();
//! assert!(out.is_success());
//! assert_eq!(out.data()["id"], 274);
//! ```

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, EXCERPT_CHARS};
use crate::outcome::Evidence;
use crate::response::Response;
use crate::serde_util::excerpt;

/// How a call ended, as the envelope says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutcomeKind {
    /// The call did what was asked.
    Success,
    /// The call did part of what was asked (e.g. some items of a batch were
    /// rejected); the payload says which.
    Partial,
    /// The call failed.
    Error,
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OutcomeKind::Success => "success",
            OutcomeKind::Partial => "partial success",
            OutcomeKind::Error => "error",
        })
    }
}

/// One condition of a [`Rule`] on the envelope.
///
/// It matches when the JSON pointer `path` finds a value and:
/// * with `equals`, the value's scalar text equals it (a string's content
///   without surrounding whitespace, or a number's or boolean's text, so
///   `1` and `"1"` both equal `"1"`);
/// * with `non_empty`, the value is a non-empty array, object or string;
/// * with neither, the value is not `null`.
///
/// With both set, both must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Condition {
    /// JSON pointer into the whole envelope, e.g. `"/data/state"`.
    pub path: &'static str,
    /// The scalar text the value must have.
    pub equals: Option<&'static str>,
    /// `true` when the value must be a non-empty array, object or string.
    pub non_empty: bool,
}

impl Condition {
    /// Whether the condition holds for `envelope`.
    pub fn matches(&self, envelope: &Value) -> bool {
        let Some(value) = lookup(envelope, self.path) else {
            return false;
        };
        if value.is_null() {
            return false;
        }
        if let Some(expected) = self.equals {
            if scalar_text(value).as_deref() != Some(expected) {
                return false;
            }
        }
        if self.non_empty {
            let filled = match value {
                Value::Array(a) => !a.is_empty(),
                Value::Object(o) => !o.is_empty(),
                Value::String(s) => !s.is_empty(),
                _ => false,
            };
            if !filled {
                return false;
            }
        }
        true
    }
}

/// A rule that decides the outcome from the envelope's content, overriding
/// the result code: it applies when every condition in `when` matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rule {
    /// The conditions; all must match (an empty list always matches).
    pub when: &'static [Condition],
    /// The outcome when they do.
    pub outcome: OutcomeKind,
}

impl Rule {
    /// Whether every condition holds for `envelope`.
    pub fn matches(&self, envelope: &Value) -> bool {
        self.when.iter().all(|c| c.matches(envelope))
    }
}

/// One documented result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodeMeaning {
    /// The code's text, e.g. `"0"`.
    pub code: &'static str,
    /// The outcome it stands for, unless a [`Rule`] decides otherwise.
    pub outcome: OutcomeKind,
    /// What the documentation says it means.
    pub meaning: &'static str,
}

/// Where an API's result envelope keeps its code, text and payload, and
/// how to read them. See the [module documentation](self) for how a
/// response is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnvelopeSpec {
    /// JSON pointer to the result code, e.g. `"/header/code"`.
    pub code: &'static str,
    /// JSON pointer to the result text, if the envelope has one.
    pub text: Option<&'static str>,
    /// JSON pointer to the payload, e.g. `"/data"`.
    pub data: &'static str,
    /// The documented codes; empty means the code is not checked against a
    /// list.
    pub codes: &'static [CodeMeaning],
    /// Rules evaluated in order before the code's own outcome; the first
    /// that matches wins.
    pub rules: &'static [Rule],
}

impl EnvelopeSpec {
    /// The documented meaning of `code`, if listed.
    pub fn code_meaning(&self, code: &str) -> Option<&'static CodeMeaning> {
        self.codes.iter().find(|c| c.code == code)
    }
}

/// A successful or partly successful result, with its payload.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    /// The call did what was asked.
    Success(T),
    /// The call did part of what was asked; the payload says which part.
    Partial(T),
}

impl<T> Outcome<T> {
    /// The payload.
    pub fn data(&self) -> &T {
        match self {
            Outcome::Success(d) | Outcome::Partial(d) => d,
        }
    }

    /// Takes the payload.
    pub fn into_data(self) -> T {
        match self {
            Outcome::Success(d) | Outcome::Partial(d) => d,
        }
    }

    /// `true` for a partial success.
    pub fn is_partial(&self) -> bool {
        matches!(self, Outcome::Partial(_))
    }

    /// `true` for a full success.
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Success(_))
    }

    /// Converts the payload, keeping the kind of outcome.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Outcome::Success(d) => Outcome::Success(f(d)),
            Outcome::Partial(d) => Outcome::Partial(f(d)),
        }
    }
}

/// An envelope that reports an error, or that cannot be decided (an
/// undocumented or missing result code).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeError {
    /// The result code's text, if the envelope has one.
    pub code: Option<String>,
    /// The result text, if the envelope has one.
    pub text: Option<String>,
    /// The documented meaning of the code, if it is listed.
    pub meaning: Option<String>,
    /// `true` when the API description decided this outcome (a listed code
    /// or a rule); `false` for a missing or undocumented code.
    pub documented: bool,
    /// The whole envelope, as received.
    pub envelope: Value,
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, self.documented) {
            (Some(code), true) => write!(f, "result code {code}")?,
            (Some(code), false) => write!(f, "undocumented result code {code}")?,
            (None, true) => f.write_str("result without a code")?,
            (None, false) => f.write_str("result envelope without a result code")?,
        }
        if let Some(meaning) = &self.meaning {
            write!(f, " ({meaning})")?;
        }
        if let Some(text) = self.text.as_deref().filter(|t| !t.trim().is_empty()) {
            write!(f, ": {}", excerpt(text.trim(), EXCERPT_CHARS))?;
        }
        Ok(())
    }
}

impl std::error::Error for EnvelopeError {}

impl Response {
    /// Decides a result envelope and decodes its payload into `T`; `wrap`
    /// turns an [`EnvelopeError`] into the operation's declared error type.
    ///
    /// See the [`envelope` module](crate::envelope) for the decision
    /// procedure.
    pub fn envelope<T: DeserializeOwned, E>(
        &self,
        spec: &EnvelopeSpec,
        wrap: impl FnOnce(EnvelopeError) -> E,
    ) -> Result<Outcome<T>, Error<E>> {
        self.money_guard(self.envelope_unguarded(spec, wrap))
    }

    fn envelope_unguarded<T: DeserializeOwned, E>(
        &self,
        spec: &EnvelopeSpec,
        wrap: impl FnOnce(EnvelopeError) -> E,
    ) -> Result<Outcome<T>, Error<E>> {
        let status = self.status();
        let decode_error = |path: String, message: String| self.decode_failure(path, message);

        // 1. JSON or a decode error.
        if self.body().iter().all(u8::is_ascii_whitespace) {
            return Err(decode_error(
                ".".to_owned(),
                "the body is empty; expected a JSON result envelope".to_owned(),
            ));
        }
        let envelope: Value = serde_json::from_slice(self.body()).map_err(|e| {
            decode_error(
                ".".to_owned(),
                format!("the body is not a JSON result envelope: {e}"),
            )
        })?;

        // 2.–5. Decide.
        let (outcome, envelope) = match decide(spec, envelope) {
            Ok(decided) => decided,
            // On a call that moves money, a code the spec does not document
            // (or none) does not say whether the money moved.
            Err(e) if !e.documented && self.leaves_outcome_open(Evidence::ResultUndocumented) => {
                let reason = format!(
                    "the server answered HTTP {status} with a result envelope that does not say whether the call succeeded ({e}); envelope: {}",
                    excerpt(&e.envelope.to_string(), EXCERPT_CHARS)
                );
                return Err(self.outcome_unknown(reason, Some(e.envelope)));
            }
            Err(e) => return Err(self.declared(wrap(e))),
        };

        // 6. Decode the payload.
        let prefix = pointer_to_path(spec.data);
        let data = match lookup(&envelope, spec.data) {
            Some(v) if !v.is_null() => v,
            _ => {
                return T::deserialize(Value::Null)
                    .map(|d| wrap_outcome(outcome, d))
                    .map_err(|_| {
                        decode_error(
                            join_path(&prefix, "."),
                            "the envelope has no data".to_owned(),
                        )
                    });
            }
        };
        let decoded: T = crate::serde_util::from_value_traced(data).map_err(|e| {
            let path = join_path(&prefix, &e.path().to_string());
            decode_error(path, e.into_inner().to_string())
        })?;
        Ok(wrap_outcome(outcome, decoded))
    }
}

/// Steps 2 to 5 of the decision procedure: the outcome (with the envelope
/// given back), or the error the envelope reports.
fn decide(spec: &EnvelopeSpec, envelope: Value) -> Result<(OutcomeKind, Value), EnvelopeError> {
    // 2. Code and text.
    let code = lookup(&envelope, spec.code).and_then(scalar_text);
    let text = spec
        .text
        .and_then(|p| lookup(&envelope, p))
        .and_then(scalar_text);
    let listed = code.as_deref().and_then(|c| spec.code_meaning(c));

    // 3. The codes table gates; 4. rules first, then the code.
    let outcome = if !spec.codes.is_empty() && listed.is_none() {
        None
    } else {
        spec.rules
            .iter()
            .find(|r| r.matches(&envelope))
            .map(|r| r.outcome)
            .or_else(|| listed.map(|c| c.outcome))
    };
    match outcome {
        None => Err(EnvelopeError {
            code,
            text,
            meaning: None,
            documented: false,
            envelope,
        }),
        // 5. A declared error.
        Some(OutcomeKind::Error) => Err(EnvelopeError {
            code,
            text,
            meaning: listed.map(|c| c.meaning.to_owned()),
            documented: true,
            envelope,
        }),
        Some(kind) => Ok((kind, envelope)),
    }
}

fn wrap_outcome<T>(kind: OutcomeKind, data: T) -> Outcome<T> {
    match kind {
        OutcomeKind::Partial => Outcome::Partial(data),
        _ => Outcome::Success(data),
    }
}

/// Looks up an RFC 6901 JSON pointer. A pointer without its leading `/`
/// (`"data/id"`) is read as if it had one.
pub(crate) fn lookup<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() || pointer.starts_with('/') {
        doc.pointer(pointer)
    } else {
        doc.pointer(&format!("/{pointer}"))
    }
}

/// The text of a scalar: a string's content, a number's or boolean's text.
/// `None` for `null`; arrays and objects give their compact JSON.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.trim().to_owned()),
        other => Some(other.to_string()),
    }
}

/// `/data/items` → `data.items` (unescaping `~1` and `~0`).
fn pointer_to_path(pointer: &str) -> String {
    pointer
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// Joins the payload's path and a field path from `serde_path_to_error`
/// (`.` for the top level, `[2]…` for a sequence).
fn join_path(prefix: &str, inner: &str) -> String {
    match (prefix.is_empty(), inner) {
        (true, inner) => inner.to_owned(),
        (false, ".") | (false, "") => prefix.to_owned(),
        (false, inner) if inner.starts_with('[') => format!("{prefix}{inner}"),
        (false, inner) => format!("{prefix}.{inner}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions() {
        let doc = json!({"a": {"n": 1, "s": "1", "e": [], "l": [1], "z": null, "t": ""}});
        let c = |path, equals, non_empty| Condition {
            path,
            equals,
            non_empty,
        };
        assert!(c("/a/n", Some("1"), false).matches(&doc));
        assert!(c("/a/s", Some("1"), false).matches(&doc));
        assert!(!c("/a/s", Some("2"), false).matches(&doc));
        assert!(c("/a/l", None, true).matches(&doc));
        assert!(!c("/a/e", None, true).matches(&doc));
        assert!(c("/a/e", None, false).matches(&doc));
        assert!(!c("/a/z", None, false).matches(&doc));
        assert!(!c("/a/missing", None, false).matches(&doc));
        assert!(!c("/a/t", None, true).matches(&doc));
        assert!(c("a/n", None, false).matches(&doc));
    }

    #[test]
    fn paths() {
        assert_eq!(pointer_to_path("/data"), "data");
        assert_eq!(pointer_to_path("/a/b~1c"), "a.b/c");
        assert_eq!(pointer_to_path(""), "");
        assert_eq!(join_path("data", "id"), "data.id");
        assert_eq!(join_path("data", "[2].x"), "data[2].x");
        assert_eq!(join_path("data", "."), "data");
        assert_eq!(join_path("", "x.y"), "x.y");
    }

    #[test]
    fn display() {
        let e = EnvelopeError {
            code: Some("3".into()),
            text: Some("Nothing valid".into()),
            meaning: Some("ERROR".into()),
            documented: true,
            envelope: Value::Null,
        };
        assert_eq!(e.to_string(), "result code 3 (ERROR): Nothing valid");
        let e = EnvelopeError {
            code: Some("7".into()),
            text: Some("Who knows".into()),
            meaning: None,
            documented: false,
            envelope: Value::Null,
        };
        assert_eq!(e.to_string(), "undocumented result code 7: Who knows");
    }
}
