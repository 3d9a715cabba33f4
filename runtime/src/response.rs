//! A fully read HTTP response, and helpers to turn it into a value or an
//! error.

use std::fmt;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use crate::api::Operation;
use crate::error::{Error, EXCERPT_CHARS};
use crate::serde_util::excerpt;

/// How many characters of a body an outcome-unknown reason quotes.
const OUTCOME_BODY_CHARS: usize = 200;

/// A response whose body has been read completely.
///
/// Any status is returned as a `Response`; generated code decides what is a
/// success, a declared error or unexpected. `Debug` shows the status, the
/// header names and the body length, not header values or the body.
#[derive(Clone)]
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    /// The operation that produced it; set by [`Client::send`](crate::Client::send).
    op: Option<&'static Operation>,
    /// The rendered outcome reference of the request, if any.
    reference: Option<String>,
}

impl Response {
    /// Builds a response from its parts (useful to test generated code).
    /// It belongs to no operation: [`unexpected`](Response::unexpected)
    /// never reports an unknown outcome for it.
    pub fn from_parts(status: u16, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        Response {
            status,
            headers,
            body: body.into(),
            op: None,
            reference: None,
        }
    }

    /// Records the operation and the request's rendered outcome reference.
    pub(crate) fn with_operation(
        mut self,
        op: &'static Operation,
        reference: Option<String>,
    ) -> Self {
        self.op = Some(op);
        self.reference = reference;
        self
    }

    /// The operation this response answers, when it came from
    /// [`Client::send`](crate::Client::send).
    pub fn operation(&self) -> Option<&'static Operation> {
        self.op
    }

    /// The request's outcome reference rendered as `name=value` (see
    /// [`Operation::outcome_reference`]), when there is one.
    pub fn outcome_reference(&self) -> Option<&str> {
        self.reference.as_deref()
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// `true` for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The first value of a header as text, if present and valid.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, shared (cloning is cheap).
    pub(crate) fn body_bytes(&self) -> &Bytes {
        &self.body
    }

    /// Takes the body.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The body as UTF-8 text, invalid sequences replaced by `�`.
    pub fn text_lossy(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The start of the body as text (about `chars` characters), for
    /// errors: costs the excerpt, not the body (only a prefix is decoded).
    pub(crate) fn excerpt(&self, chars: usize) -> String {
        let prefix = &self.body[..self.body.len().min(chars.saturating_mul(4))];
        excerpt(&String::from_utf8_lossy(prefix), chars)
    }

    /// Decodes the body as JSON into `T`.
    ///
    /// An empty (or all-whitespace) body is read as `null`, so `()` and
    /// `Option<_>` decode from it. On failure the error names the path of
    /// the failing field and quotes the start of the body.
    pub fn json<T: serde::de::DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        self.money_guard(self.json_unguarded())
    }

    fn json_unguarded<T: serde::de::DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        let body: &[u8] = if self.body.iter().all(|b| b.is_ascii_whitespace()) {
            b"null"
        } else {
            &self.body
        };
        let mut de = serde_json::Deserializer::from_slice(body);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| self.decode_error(e))?;
        de.end().map_err(|e| Error::Decode {
            status: self.status,
            path: ".".to_owned(),
            message: e.to_string(),
            excerpt: self.excerpt(EXCERPT_CHARS),
        })?;
        Ok(value)
    }

    fn decode_error<E>(&self, e: serde_path_to_error::Error<serde_json::Error>) -> Error<E> {
        let path = e.path().to_string();
        Error::Decode {
            status: self.status,
            path,
            message: e.into_inner().to_string(),
            excerpt: self.excerpt(EXCERPT_CHARS),
        }
    }

    /// The response with every configured secret in its body replaced by
    /// `***` (see [`crate::scrub`]).
    pub(crate) fn scrubbed(mut self, scrubber: &crate::scrub::Scrubber) -> Self {
        if let Some(clean) = scrubber.scrub(&self.body) {
            self.body = Bytes::from(clean);
        }
        self
    }

    /// For an operation that moves money, a 2xx answer that cannot be read
    /// does not mean the money did not move: such a decode error becomes
    /// [`Error::OutcomeUnknown`] (keeping the path, message and excerpt in its
    /// reason). Every decoding method of `Response` passes its result here.
    pub(crate) fn money_guard<T, E>(&self, result: Result<T, Error<E>>) -> Result<T, Error<E>> {
        match result {
            Err(Error::Decode {
                status,
                path,
                message,
                excerpt,
            }) if (200..300).contains(&status)
                && self.op.is_some_and(|op| op.outcome_may_be_unknown()) =>
            {
                let at = if path.is_empty() || path == "." {
                    String::new()
                } else {
                    format!(" at `{path}`")
                };
                Err(Error::OutcomeUnknown {
                    reason: format!(
                        "the server answered HTTP {status} but the answer could not be read{at}: {message}; body starts: {excerpt}"
                    ),
                    status: Some(status),
                    reference: self.reference.clone(),
                    envelope: None,
                })
            }
            // A 2xx CSV body whose rows cannot be read: the same.
            Err(Error::Csv(e))
                if self.is_success() && self.op.is_some_and(|op| op.outcome_may_be_unknown()) =>
            {
                Err(Error::OutcomeUnknown {
                    reason: format!(
                        "the server answered HTTP {} but its CSV could not be read: {e}",
                        self.status
                    ),
                    status: Some(self.status),
                    reference: self.reference.clone(),
                    envelope: None,
                })
            }
            other => other,
        }
    }

    /// Turns a declared error response into [`Error::Api`]: when the body
    /// decodes as `B`, the error is `wrap(b)`; otherwise the response is
    /// [`Error::UnexpectedStatus`] with the whole body kept.
    ///
    /// For an operation that moves money a 5xx is always
    /// [`Error::OutcomeUnknown`] (see [`Response::unexpected`]), even when its
    /// body decodes: a gateway's fault body does not say whether the money moved.
    pub fn api_error<B: serde::de::DeserializeOwned, E>(
        self,
        wrap: impl FnOnce(B) -> E,
    ) -> Error<E> {
        if (500..600).contains(&self.status)
            && self.op.is_some_and(|op| op.outcome_may_be_unknown())
        {
            return self.unexpected();
        }
        match self.json_unguarded::<B, E>() {
            Ok(b) => Error::Api {
                status: self.status,
                error: wrap(b),
            },
            Err(_) => self.unexpected(),
        }
    }

    /// Turns the response into [`Error::UnexpectedStatus`], keeping the
    /// status and the whole body.
    ///
    /// For an operation that [moves money](Operation::moves_money), a 5xx
    /// status becomes [`Error::OutcomeUnknown`] instead: a gateway or server
    /// failure does not tell whether the money moved.
    pub fn unexpected<E>(self) -> Error<E> {
        if (500..600).contains(&self.status)
            && self.op.is_some_and(|op| op.outcome_may_be_unknown())
        {
            let text = self.excerpt(OUTCOME_BODY_CHARS.saturating_mul(2));
            let body = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let reason = if body.is_empty() {
                format!(
                    "the server answered HTTP {} with an empty body",
                    self.status
                )
            } else {
                format!(
                    "the server answered HTTP {}: {}",
                    self.status,
                    excerpt(&body, OUTCOME_BODY_CHARS)
                )
            };
            return Error::OutcomeUnknown {
                reason,
                status: Some(self.status),
                reference: self.reference,
                envelope: None,
            };
        }
        Error::UnexpectedStatus {
            status: self.status,
            body: crate::serde_util::kept_body(self.text_lossy()),
        }
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("Response")
            .field("operation", &self.op.map(|op| op.id))
            .field("status", &self.status)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Item {
        amount: u32,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct List {
        items: Vec<Item>,
    }

    fn resp(status: u16, body: &'static str) -> Response {
        Response::from_parts(status, HeaderMap::new(), body)
    }

    #[test]
    fn decode_error_has_path_and_excerpt() {
        let r = resp(200, r#"{"items":[{"amount":1},{"amount":"x"}]}"#);
        match r.json::<List, ()>() {
            Err(Error::Decode {
                status,
                path,
                excerpt,
                ..
            }) => {
                assert_eq!(status, 200);
                assert_eq!(path, "items[1].amount");
                assert!(excerpt.starts_with("{\"items\""));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn empty_body_is_null() {
        let r = resp(204, "");
        assert_eq!(r.json::<(), ()>().ok(), Some(()));
        assert_eq!(r.json::<Option<Item>, ()>().ok(), Some(None));
    }

    #[test]
    fn api_error_or_unexpected() {
        let r = resp(400, r#"{"amount":3}"#);
        match r.api_error::<Item, String>(|i| format!("bad {}", i.amount)) {
            Error::Api { status, error } => {
                assert_eq!(status, 400);
                assert_eq!(error, "bad 3");
            }
            other => panic!("unexpected {other:?}"),
        }
        let r = resp(502, "<html>gateway</html>");
        match r.api_error::<Item, String>(|i| format!("bad {}", i.amount)) {
            Error::UnexpectedStatus { status, body } => {
                assert_eq!(status, 502);
                assert_eq!(body, "<html>gateway</html>");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
