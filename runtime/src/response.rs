//! A fully read HTTP response, and helpers to turn it into a value or an
//! error.

use std::fmt;

use bytes::Bytes;
use reqwest::header::HeaderMap;

use crate::api::Operation;
use crate::error::{Error, EXCERPT_CHARS};
use crate::outcome::{Evidence, Recovery};
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
    /// The request's rendered outcome reference and idempotency key.
    recovery: Recovery,
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
            recovery: Recovery::default(),
        }
    }

    /// A response as received: its body went through the client's scrubber.
    pub(crate) fn received(status: u16, headers: HeaderMap, body: crate::scrub::Clean) -> Self {
        Response {
            status,
            headers,
            body: body.into_bytes(),
            op: None,
            recovery: Recovery::default(),
        }
    }

    /// Records the operation, the request's rendered outcome reference and
    /// its idempotency key.
    pub(crate) fn with_operation(mut self, op: &'static Operation, recovery: Recovery) -> Self {
        self.op = Some(op);
        self.recovery = recovery;
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
        self.recovery.reference.as_deref()
    }

    /// The idempotency key the request carried (see
    /// [`Operation::idempotency`]), when the operation declares one.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.recovery.idempotency_key.as_deref()
    }

    /// [`Error::IdempotencyConflict`] when this response is the server
    /// refusing a reuse of the call's idempotency key (one of the statuses
    /// the operation declares for it).
    pub(crate) fn idempotency_conflict<E>(&self) -> Option<Error<E>> {
        let idempotency = self.op?.idempotency?;
        if !idempotency.is_conflict(self.status) {
            return None;
        }
        Some(Error::IdempotencyConflict {
            status: self.status,
            key: self.recovery.idempotency_key.clone().unwrap_or_default(),
            body: crate::serde_util::kept_body(self.text_lossy()),
            headers: ResponseHeaders::new(self.headers.clone()),
        })
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

    /// The body, shared with this response (cloning `Bytes` is cheap).
    pub fn bytes(&self) -> Bytes {
        self.body.clone()
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

    /// Decodes the body as JSON into `T` ([`json`](Self::json)) and keeps
    /// the status and headers with it: what a generated `decode` of a plain
    /// JSON success is.
    pub fn into_json<T: serde::de::DeserializeOwned, E>(
        self,
    ) -> Result<ResponseValue<T>, Error<E>> {
        let value = self.json()?;
        Ok(self.into_value(value))
    }

    fn json_unguarded<T: serde::de::DeserializeOwned, E>(&self) -> Result<T, Error<E>> {
        let body: &[u8] = if self.body.iter().all(|b| b.is_ascii_whitespace()) {
            b"null"
        } else {
            &self.body
        };
        // Tracking the path of every value costs as much as decoding (about
        // 1.8x on a 1,000-item list); it is only needed to explain a failure,
        // so the body is decoded again with it only then.
        if let Ok(value) = serde_json::from_slice(body) {
            return Ok(value);
        }
        let mut de = serde_json::Deserializer::from_slice(body);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| self.decode_error(e))?;
        de.end()
            .map_err(|e| self.decode_failure(".".to_owned(), e.to_string()))?;
        Ok(value)
    }

    fn decode_error<E>(&self, e: serde_path_to_error::Error<serde_json::Error>) -> Error<E> {
        let path = e.path().to_string();
        self.decode_failure(path, e.into_inner().to_string())
    }

    /// [`Error::Decode`] for this response: `path` of the failing field
    /// (`.` for the top level, empty for the body as a whole) and what went
    /// wrong; the start of the body and the headers are kept.
    pub(crate) fn decode_failure<E>(&self, path: String, message: String) -> Error<E> {
        Error::Decode {
            status: self.status,
            path,
            message,
            excerpt: self.excerpt(EXCERPT_CHARS),
            headers: ResponseHeaders::new(self.headers.clone()),
        }
    }

    /// [`Error::Api`] for this response: `error` is what its body declared;
    /// the status and headers are kept.
    pub(crate) fn declared<E>(&self, error: E) -> Error<E> {
        Error::Api {
            status: self.status,
            error,
            headers: ResponseHeaders::new(self.headers.clone()),
        }
    }

    /// `true` when, after `evidence`, this response's call has an unknown
    /// outcome (see [`crate::outcome`]).
    pub(crate) fn leaves_outcome_open(&self, evidence: Evidence) -> bool {
        crate::outcome::is_unknown(self.op, evidence)
    }

    /// [`Error::OutcomeUnknown`] for this response.
    pub(crate) fn outcome_unknown<E>(
        &self,
        reason: String,
        envelope: Option<serde_json::Value>,
    ) -> Error<E> {
        Error::OutcomeUnknown {
            reason,
            status: Some(self.status),
            reference: self.recovery.reference.clone(),
            idempotency_key: self.recovery.idempotency_key.as_deref().map(Box::from),
            envelope,
            timeout: None,
            headers: ResponseHeaders::new(self.headers.clone()),
        }
    }

    /// The decoded value with this response's status and headers.
    pub fn into_value<T>(self, value: T) -> ResponseValue<T> {
        ResponseValue {
            value,
            status: self.status,
            headers: self.headers,
            idempotency_key: self.recovery.idempotency_key,
        }
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
                ..
            }) if (200..300).contains(&status)
                && self.leaves_outcome_open(Evidence::AnswerUnreadable) =>
            {
                let at = if path.is_empty() || path == "." {
                    String::new()
                } else {
                    format!(" at `{path}`")
                };
                Err(self.outcome_unknown(
                    format!(
                        "the server answered HTTP {status} but the answer could not be read{at}: {message}; body starts: {excerpt}"
                    ),
                    None,
                ))
            }
            // A 2xx CSV body whose rows cannot be read: the same.
            Err(Error::Csv(e))
                if self.is_success() && self.leaves_outcome_open(Evidence::AnswerUnreadable) =>
            {
                Err(self.outcome_unknown(
                    format!(
                        "the server answered HTTP {} but its CSV could not be read: {e}",
                        self.status
                    ),
                    None,
                ))
            }
            other => other,
        }
    }

    /// Turns a declared error response whose body is text into
    /// [`Error::Api`] (the body, lossily decoded, handed to `wrap`).
    pub fn api_text_error<E>(self, wrap: impl FnOnce(String) -> E) -> Error<E> {
        if (500..600).contains(&self.status) && self.leaves_outcome_open(Evidence::ServerFailed) {
            return self.unexpected();
        }
        Error::Api {
            status: self.status,
            error: wrap(self.text_lossy()),
            headers: ResponseHeaders::new(self.headers),
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
        if (500..600).contains(&self.status) && self.leaves_outcome_open(Evidence::ServerFailed) {
            return self.unexpected();
        }
        match self.json_unguarded::<B, E>() {
            Ok(b) => Error::Api {
                status: self.status,
                error: wrap(b),
                headers: ResponseHeaders::new(self.headers),
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
        if (500..600).contains(&self.status) && self.leaves_outcome_open(Evidence::ServerFailed) {
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
            return self.outcome_unknown(reason, None);
        }
        Error::UnexpectedStatus {
            status: self.status,
            body: crate::serde_util::kept_body(self.text_lossy()),
            headers: ResponseHeaders::new(self.headers),
        }
    }
}

/// Header names that carry a request id, in the order they are looked up:
/// the de-facto standard, then common gateway spellings.
const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "request-id",
    "x-correlation-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-ms-request-id",
    "x-trace-id",
];

/// The request id in a response's headers (`X-Request-Id`, `Request-Id`,
/// `X-Correlation-Id` and the common gateway spellings), if any.
pub fn request_id(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The headers of a response kept in an error. `Debug` shows the header
/// names only (a server may echo a credential in a header); the values are
/// there through [`map`](Self::map).
#[derive(Clone, Default, PartialEq)]
pub struct ResponseHeaders(Box<HeaderMap>);

impl ResponseHeaders {
    /// Keeps `headers`.
    pub fn new(headers: HeaderMap) -> Self {
        ResponseHeaders(Box::new(headers))
    }

    /// The headers.
    pub fn map(&self) -> &HeaderMap {
        &self.0
    }
}

impl fmt::Debug for ResponseHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.keys().map(|k| k.as_str()))
            .finish()
    }
}

/// A decoded success value together with the response's status and
/// headers: what `send_with_meta()` of a generated request returns.
/// Dereferences to the value. `Debug` shows header names only.
#[derive(Clone, PartialEq)]
pub struct ResponseValue<T> {
    value: T,
    status: u16,
    headers: HeaderMap,
    idempotency_key: Option<String>,
}

impl<T> ResponseValue<T> {
    /// Builds one (useful to test code that takes a `ResponseValue`).
    pub fn new(value: T, status: u16, headers: HeaderMap) -> Self {
        ResponseValue {
            value,
            status,
            headers,
            idempotency_key: None,
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request id the server gave (see [`request_id`]).
    pub fn request_id(&self) -> Option<&str> {
        request_id(&self.headers)
    }

    /// The idempotency key the call sent (see
    /// [`Operation::idempotency`]): keep it to prove, later, which request
    /// this answer belongs to. `None` when the operation declares no key.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    /// The decoded value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The value, status and headers.
    pub fn into_parts(self) -> (T, u16, HeaderMap) {
        (self.value, self.status, self.headers)
    }

    /// Converts the value, keeping the status and headers.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ResponseValue<U> {
        ResponseValue {
            value: f(self.value),
            status: self.status,
            headers: self.headers,
            idempotency_key: self.idempotency_key,
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for ResponseValue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("ResponseValue")
            .field("value", &self.value)
            .field("status", &self.status)
            .field("headers", &names)
            .field("idempotency_key", &self.idempotency_key)
            .finish()
    }
}

impl<T> std::ops::Deref for ResponseValue<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> std::ops::DerefMut for ResponseValue<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
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
        #[allow(clippy::disallowed_methods)] // a hand-built response
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
            Error::Api { status, error, .. } => {
                assert_eq!(status, 400);
                assert_eq!(error, "bad 3");
            }
            other => panic!("unexpected {other:?}"),
        }
        let r = resp(502, "<html>gateway</html>");
        match r.api_error::<Item, String>(|i| format!("bad {}", i.amount)) {
            Error::UnexpectedStatus { status, body, .. } => {
                assert_eq!(status, 502);
                assert_eq!(body, "<html>gateway</html>");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
