//! What a declared API error says: the spec's one-line description of the
//! response, and the server's own code and message found in its body.
//!
//! Generated per-operation error enums implement [`DeclaredError`]; their
//! `Display` is [`fmt_declared`], and [`Error::code`](crate::Error::code),
//! [`Error::message`](crate::Error::message) and
//! [`Error::envelope`](crate::Error::envelope) read [`ErrorDetails`].
//!
//! The server's message and code are found by field name in the decoded
//! body, whatever its declared type: the names below are the conventions of
//! RFC 9457 problem documents (`detail`, `title`), OAuth 2.0
//! (`error_description`, `error`), Google/Azure/Apigee style bodies
//! (`message`, `developerMessage`, `faultstring`) and the common spellings
//! of a code (`code`, `errorCode`). A text body is its own message; a result
//! envelope and an `ERROR:` text say theirs through their declared fields.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::envelope::EnvelopeError;
use crate::error::EXCERPT_CHARS;
use crate::serde_util::excerpt;
use crate::text::TextError;

/// Field names that carry a human-readable message, most specific first.
const MESSAGE_FIELDS: &[&str] = &[
    "message",
    "detail",
    "error_description",
    "developerMessage",
    "developer_message",
    "description",
    "faultstring",
    "title",
    "msg",
    "reason",
    "error",
];

/// Field names that carry the API's own error code.
const CODE_FIELDS: &[&str] = &["code", "errorCode", "error_code", "errorcode"];

/// How deep into nested objects the search goes (`{"error":{"fault":{…}}}`).
const MAX_DEPTH: usize = 3;

/// Joins two messages.
const MESSAGE_JOINER: &str = " — ";

/// At most this many distinct messages are shown.
const MAX_MESSAGES: usize = 2;

/// A per-operation error type generated from the spec's error responses.
pub trait DeclaredError: std::error::Error {
    /// The spec's one-line description of this error response (e.g.
    /// `Not Found`), without a trailing period.
    fn summary(&self) -> &'static str;

    /// The server's code and message, and the result envelope when there
    /// is one.
    fn details(&self) -> ErrorDetails<'_>;
}

/// What the server said in a declared error response.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ErrorDetails<'a> {
    /// The API's own error code, as text.
    pub code: Option<String>,
    /// The server's message (two distinct messages are joined by ` — `).
    pub message: Option<String>,
    /// The rejected result envelope, for an envelope error.
    pub envelope: Option<&'a EnvelopeError>,
}

impl<'a> ErrorDetails<'a> {
    /// Finds the code and message in a decoded error body by field name
    /// (see the [module documentation](self)); a text body is the message.
    pub fn from_body<B: Serialize + ?Sized>(body: &B) -> Self {
        let value = serde_json::to_value(body).unwrap_or(Value::Null);
        ErrorDetails {
            code: find_code(&value),
            message: find_message(&value),
            envelope: None,
        }
    }

    /// For a 2xx body whose error-code field reported a failure: `code`
    /// (that field's value) is the code, the message is found in the body
    /// as in [`from_body`](Self::from_body).
    pub fn from_error_field<B: Serialize + ?Sized, C: Serialize + ?Sized>(
        body: &B,
        code: &C,
    ) -> Self {
        let value = serde_json::to_value(body).unwrap_or(Value::Null);
        let code = serde_json::to_value(code)
            .ok()
            .as_ref()
            .and_then(scalar_text);
        let message = find_message(&value).filter(|m| Some(m) != code.as_ref());
        ErrorDetails {
            code,
            message,
            envelope: None,
        }
    }

    /// A rejected result envelope: its code, its text (or the documented
    /// meaning of its code), and the envelope itself.
    pub fn from_envelope(e: &'a EnvelopeError) -> Self {
        ErrorDetails {
            code: e.code.clone(),
            message: e
                .text
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .or_else(|| e.meaning.clone()),
            envelope: Some(e),
        }
    }

    /// An `ERROR: …` text result: the text is the message.
    pub fn from_text(e: &TextError) -> Self {
        ErrorDetails {
            code: None,
            message: Some(e.text.clone()).filter(|t| !t.is_empty()),
            envelope: None,
        }
    }
}

/// `Display` of a generated error: the summary, then the server's message
/// and code when the body has them, e.g.
/// `Not Found: contract 7 does not exist (code E404)`.
pub fn fmt_declared<E: DeclaredError + ?Sized>(e: &E, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let details = e.details();
    let summary = e.summary();
    f.write_str(summary)?;
    // A message that only repeats the summary (`Not Found`) is dropped.
    let message = details.message.as_deref().map(|m| {
        m.split(MESSAGE_JOINER)
            .filter(|part| !part.trim_end_matches('.').eq_ignore_ascii_case(summary))
            .collect::<Vec<_>>()
            .join(MESSAGE_JOINER)
    });
    if let Some(message) = message.filter(|m| !m.is_empty()) {
        write!(f, ": {}", excerpt(&message, EXCERPT_CHARS))?;
    }
    if let Some(code) = &details.code {
        // A code that only repeats the message adds nothing.
        if details.message.as_deref() != Some(code.as_str()) {
            write!(f, " (code {})", excerpt(code, 64))?;
        }
    }
    Ok(())
}

/// The values of the fields named in `names` (ASCII case ignored), breadth
/// first through nested objects (at most [`MAX_DEPTH`] levels), each level
/// in the order of `names`.
fn fields_named<'v>(value: &'v Value, names: &[&str]) -> Vec<&'v Value> {
    let mut found = Vec::new();
    let mut level = vec![value];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for v in level {
            let Value::Object(map) = v else { continue };
            for name in names {
                if let Some((_, hit)) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
                    found.push(hit);
                }
            }
            next.extend(map.values().filter(|v| v.is_object()));
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    found
}

/// The server's message in a JSON value: a string is its own message; in
/// an object, the first fields named as a message (breadth first, at most
/// three levels deep), two distinct ones joined by ` — `.
pub fn find_message(value: &Value) -> Option<String> {
    if let Value::String(s) = value {
        let s = s.trim();
        return (!s.is_empty()).then(|| s.to_owned());
    }
    let mut found: Vec<&str> = Vec::new();
    for hit in fields_named(value, MESSAGE_FIELDS) {
        if let Value::String(s) = hit {
            let s = s.trim();
            if !s.is_empty() && !found.contains(&s) {
                found.push(s);
            }
        }
    }
    found.truncate(MAX_MESSAGES);
    (!found.is_empty()).then(|| found.join(MESSAGE_JOINER))
}

/// The API's error code in a JSON value: the first field named as a code
/// (breadth first, at most three levels deep) holding a string or number.
pub fn find_code(value: &Value) -> Option<String> {
    fields_named(value, CODE_FIELDS)
        .into_iter()
        .find_map(scalar_text)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug)]
    struct NotFound(Value);
    impl fmt::Display for NotFound {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt_declared(self, f)
        }
    }
    impl std::error::Error for NotFound {}
    impl DeclaredError for NotFound {
        fn summary(&self) -> &'static str {
            "Not Found"
        }
        fn details(&self) -> ErrorDetails<'_> {
            ErrorDetails::from_body(&self.0)
        }
    }

    #[test]
    fn display_shows_the_server_message_once() {
        let e = NotFound(json!({"error": {"code": "E404", "message": "Not Found.",
            "developerMessage": "no contract 7"}}));
        assert_eq!(e.to_string(), "Not Found: no contract 7 (code E404)");
        assert_eq!(NotFound(json!({})).to_string(), "Not Found");
        assert_eq!(NotFound(json!("E404")).to_string(), "Not Found: E404");
    }

    #[test]
    fn nested_message_and_code() {
        let body = json!({"error": {"statusCode": "404", "code": "404",
            "message": "Not found", "developerMessage": "contract 7 does not exist"}});
        assert_eq!(
            find_message(&body).as_deref(),
            Some("Not found — contract 7 does not exist")
        );
        assert_eq!(find_code(&body).as_deref(), Some("404"));
    }

    #[test]
    fn problem_document_and_oauth() {
        let problem =
            json!({"type": "about:blank", "title": "Bad", "detail": "amount must be positive"});
        assert_eq!(
            find_message(&problem).as_deref(),
            Some("amount must be positive — Bad")
        );
        let oauth = json!({"error": "invalid_client", "error_description": "unknown client"});
        assert_eq!(
            find_message(&oauth).as_deref(),
            Some("unknown client — invalid_client")
        );
        assert_eq!(find_code(&json!({"ErrorCode": 7})).as_deref(), Some("7"));
    }

    #[test]
    fn text_and_nothing() {
        assert_eq!(
            find_message(&json!("  gateway down ")).as_deref(),
            Some("gateway down")
        );
        assert_eq!(find_message(&json!({"id": 3})), None);
        assert_eq!(find_code(&json!([1, 2])), None);
    }

    #[test]
    fn error_field_is_the_code() {
        let body = json!({"error": 1, "message": "card declined", "id": "x"});
        let d = ErrorDetails::from_error_field(&body, &1);
        assert_eq!(d.code.as_deref(), Some("1"));
        assert_eq!(d.message.as_deref(), Some("card declined"));
    }
}
