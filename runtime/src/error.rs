//! Errors: one [`Error<E>`] for everything a call can end in, plus the
//! errors of building a client ([`BuildError`]), of authenticating
//! ([`AuthError`]) and of encoding a request body ([`EncodeError`]).
//!
//! No message here ever contains a secret: credentials are only ever held in
//! [`Secret`](crate::Secret)s, URLs are stripped from [`reqwest::Error`]s
//! (a query-string API key would otherwise leak), and the body of a
//! successful token response is never quoted.

use std::convert::Infallible;
use std::fmt;

use reqwest::header::HeaderMap;

use crate::csv::CsvError;
use crate::declared::DeclaredError;
use crate::response::ResponseHeaders;
use crate::serde_util::excerpt;
use crate::validate::ValidationError;

/// What every outcome-unknown error says.
pub const OUTCOME_UNKNOWN_NOTE: &str =
    "the request may have been processed by the server; check its status before retrying";

/// How many characters of a body an error message quotes.
pub(crate) const EXCERPT_CHARS: usize = 512;

/// What an outcome-unknown error tells the caller to do.
fn outcome_advice(reference: Option<&str>, key: Option<&str>) -> String {
    match key {
        Some(key) => format!(
            "resending it with idempotency key `{key}` is safe: the server answers with the first outcome instead of acting again"
        ),
        None => format!(
            "check {} before retrying — do not resend blindly.",
            reference.unwrap_or("its status")
        ),
    }
}

fn at_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at `{path}`")
    }
}

/// The error of one API call. `E` is the operation's declared error type
/// (generated per operation from the spec's error responses).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E> {
    /// The server answered with a response the spec declares as an error.
    /// `Display` shows the status, the spec's one-line description of it
    /// and the server's own message and code, e.g.
    /// `HTTP 404 Not Found: contract 7 does not exist (code E404)`.
    #[error("HTTP {status} {error}")]
    Api {
        /// HTTP status code.
        status: u16,
        /// The decoded, declared error.
        error: E,
        /// The response headers.
        headers: ResponseHeaders,
    },
    /// The server answered with a status the spec does not declare, or with
    /// an error body that does not match the declared shape. The whole body
    /// is kept.
    #[error("unexpected HTTP status {status}: {}", excerpt(.body, EXCERPT_CHARS))]
    UnexpectedStatus {
        /// HTTP status code.
        status: u16,
        /// The response body, decoded as UTF-8 (lossily); at most
        /// [`KEPT_BODY_BYTES`](crate::serde_util::KEPT_BODY_BYTES), with a
        /// marker when more was dropped.
        body: String,
        /// The response headers.
        headers: ResponseHeaders,
    },
    /// The response body could not be decoded into the expected type.
    #[error("could not decode the HTTP {status} response body{}: {message}; body starts with: {excerpt}", at_path(.path))]
    Decode {
        /// HTTP status code.
        status: u16,
        /// Path of the field that failed, e.g. `data.items[2].amount`
        /// (`.` for the top level; empty when the body as a whole does not
        /// have the expected form, e.g. a text result that does not match
        /// its grammar).
        path: String,
        /// What went wrong.
        message: String,
        /// The start of the body (about 512 characters).
        excerpt: String,
        /// The response headers.
        headers: ResponseHeaders,
    },
    /// The response body is larger than the client accepts
    /// ([`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes)):
    /// reading stopped there (checked against `Content-Length` first, then
    /// counted while reading), and nothing of the body is kept. The status
    /// is known: on a money-moving call a 2xx status means the server acted.
    #[error("the HTTP {status} response body is larger than the client's limit of {limit} bytes; it was not read")]
    BodyTooLarge {
        /// HTTP status code.
        status: u16,
        /// The limit in bytes.
        limit: u64,
        /// The response headers.
        headers: ResponseHeaders,
    },
    /// The request could not be sent or the response could not be read, and
    /// the outcome is known: the request did not reach the server, or the
    /// operation is retry-safe. (When the request may have been processed
    /// and the operation is not safe to repeat, the error is
    /// [`Error::OutcomeUnknown`] instead.)
    #[error("transport error: {message}")]
    Transport {
        /// What went wrong (never contains the URL).
        message: String,
        /// The underlying error, with its URL removed.
        source: Option<reqwest::Error>,
    },
    /// A timeout elapsed, and the outcome is known (see
    /// [`Error::Transport`]).
    #[error("timed out: {kind}")]
    Timeout {
        /// Which timeout.
        kind: TimeoutKind,
    },
    /// Credentials are missing or could not be obtained.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The request could not be built (missing path parameter, invalid
    /// header value, body that cannot be encoded, …). Nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The request breaks the constraints the API description declares
    /// (pattern, length, range, item count, …). Nothing was sent. Every
    /// problem is listed with its path; values are never quoted.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// A CSV body could not be written (a value the format cannot carry;
    /// nothing was sent) or read (a record that does not fit the declared
    /// columns, or a file or stream that could not be read).
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// The call failed in a way that leaves its outcome unknown: the request
    /// may have reached the server and been processed. This is the only way
    /// an unknown outcome is reported; [`crate::outcome`] decides when:
    ///
    /// * for every operation that is not retry-safe, a timeout or transport
    ///   failure after the request may have been sent;
    /// * for a money-moving or send-once operation, also a 5xx answer, a 2xx
    ///   answer that cannot be read, and a result envelope with an
    ///   undocumented code.
    ///
    /// Such calls are not retried automatically, unless the operation
    /// declares an idempotency key ([`crate::Operation::idempotency`]):
    /// then the runtime has retried what is safe under the key, and
    /// `idempotency_key` holds it. Resend with that key
    /// ([`CallOptions::idempotency_key`](crate::CallOptions::idempotency_key)
    /// or the request's `.idempotency_key(..)`) and the server answers the
    /// first outcome instead of acting twice. Without a key, check the
    /// operation's status (by `reference`, when there is one) before trying
    /// again.
    #[error("outcome unknown: {reason}. The server may have processed this request; {}", outcome_advice(.reference.as_deref(), .idempotency_key.as_deref()))]
    OutcomeUnknown {
        /// What happened, e.g. `the server answered HTTP 503 …`.
        reason: String,
        /// The HTTP status, when the server answered.
        status: Option<u16>,
        /// The value that identifies the request, rendered from the
        /// operation's [`outcome_reference`](crate::Operation::outcome_reference)
        /// as `name=value` (e.g. `orderId=274`); `None` when the operation
        /// declares none or the request body does not hold it.
        reference: Option<String>,
        /// The idempotency key the call sent on every attempt, when the
        /// operation declares one: resending with it is safe (also
        /// [`Error::idempotency_key`]). Boxed: an error stays small.
        idempotency_key: Option<Box<str>>,
        /// The whole result envelope, when the server answered one whose
        /// code the spec does not document (or none): it did not say whether
        /// the call succeeded, but what it said is kept.
        envelope: Option<serde_json::Value>,
        /// Which timeout elapsed, when that is what happened.
        timeout: Option<TimeoutKind>,
        /// The response headers, when the server answered (empty otherwise).
        headers: ResponseHeaders,
    },
    /// A paginated answer cannot be followed further: a cursor or next
    /// link repeated one already followed (the stream would loop). The
    /// items already yielded stay valid.
    #[error("pagination stopped: {0}")]
    Pagination(String),
    /// The server refused this reuse of the call's idempotency key: it
    /// answered one of the statuses the operation declares for that (the
    /// key was used before for a different request, or that request is
    /// still in progress). Not retried. Nothing new was done by this
    /// request; send it with a new key once you know what the first one
    /// did.
    #[error("HTTP {status}: the server refused idempotency key `{key}` (it was used before for another request, or that request is still in progress): {}", excerpt(.body, EXCERPT_CHARS))]
    IdempotencyConflict {
        /// HTTP status code.
        status: u16,
        /// The key that was refused.
        key: String,
        /// The response body (lossy UTF-8, at most
        /// [`KEPT_BODY_BYTES`](crate::serde_util::KEPT_BODY_BYTES)).
        body: String,
        /// The response headers.
        headers: ResponseHeaders,
    },
}

impl<E> Error<E> {
    /// `true` when the request may have been processed by the server even
    /// though the call failed: check the operation's status before
    /// retrying. The same as `matches!(e, Error::OutcomeUnknown { .. })`.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown { .. })
    }

    /// The idempotency key the call sent, when its operation declares one
    /// and the error is about that call's outcome: an unknown outcome
    /// (resend with this key: the server answers the first outcome) or a
    /// refused reuse of the key.
    pub fn idempotency_key(&self) -> Option<&str> {
        match self {
            Error::OutcomeUnknown {
                idempotency_key, ..
            } => idempotency_key.as_deref(),
            Error::IdempotencyConflict { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The HTTP status of the API's response, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::IdempotencyConflict { status, .. }
            | Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. }
            | Error::BodyTooLarge { status, .. } => Some(*status),
            Error::OutcomeUnknown { status, .. } => *status,
            _ => None,
        }
    }

    /// The headers of the API's response, when there was one.
    pub fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Error::Api { headers, .. }
            | Error::IdempotencyConflict { headers, .. }
            | Error::UnexpectedStatus { headers, .. }
            | Error::Decode { headers, .. }
            | Error::BodyTooLarge { headers, .. } => Some(headers.map()),
            Error::OutcomeUnknown {
                headers,
                status: Some(_),
                ..
            } => Some(headers.map()),
            _ => None,
        }
    }

    /// The request id the server gave in its response headers, when there
    /// was a response and it carried one (see [`crate::request_id`]).
    pub fn request_id(&self) -> Option<&str> {
        self.headers().and_then(crate::response::request_id)
    }

    /// The declared API error, if this is one.
    pub fn api_error(&self) -> Option<&E> {
        match self {
            Error::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// `true` when trying the same call again later may succeed and cannot
    /// do harm: the request did not reach the server or the operation is
    /// retry-safe (a transport failure, a timeout), or the server answered
    /// 408, 429, 502, 503 or 504. `false` for an unknown outcome, a request
    /// the API rejected, and everything decided before sending. The client
    /// has already retried what its [`RetryPolicy`](crate::RetryPolicy)
    /// allows.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Api { status, .. } | Error::UnexpectedStatus { status, .. } => {
                crate::retry::is_retryable_status(*status)
            }
            Error::Auth(e) => matches!(
                e,
                AuthError::TokenTransport { .. } | AuthError::TokenTimeout { .. }
            ),
            _ => false,
        }
    }

    /// Maps a body-encoding failure to [`Error::InvalidRequest`]; generated
    /// code uses it as `req.json_body(&b).map_err(Error::from_encode)?`.
    pub fn from_encode(e: EncodeError) -> Self {
        Error::InvalidRequest(e.to_string())
    }

    /// Converts the declared error type, keeping every other variant.
    pub fn map_api<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::Api {
                status,
                error,
                headers,
                ..
            } => Error::Api {
                status,
                error: f(error),
                headers,
            },
            Error::UnexpectedStatus {
                status,
                body,
                headers,
                ..
            } => Error::UnexpectedStatus {
                status,
                body,
                headers,
            },
            Error::BodyTooLarge {
                status,
                limit,
                headers,
                ..
            } => Error::BodyTooLarge {
                status,
                limit,
                headers,
            },
            Error::Decode {
                status,
                path,
                message,
                excerpt,
                headers,
                ..
            } => Error::Decode {
                status,
                path,
                message,
                excerpt,
                headers,
            },
            Error::Transport { message, source } => Error::Transport { message, source },
            Error::Timeout { kind } => Error::Timeout { kind },
            Error::Auth(e) => Error::Auth(e),
            Error::InvalidRequest(m) => Error::InvalidRequest(m),
            Error::Validation(v) => Error::Validation(v),
            Error::Csv(e) => Error::Csv(e),
            Error::Pagination(m) => Error::Pagination(m),
            Error::OutcomeUnknown {
                reason,
                status,
                reference,
                idempotency_key,
                envelope,
                timeout,
                headers,
            } => Error::OutcomeUnknown {
                reason,
                status,
                reference,
                idempotency_key,
                envelope,
                timeout,
                headers,
            },
            Error::IdempotencyConflict {
                status,
                key,
                body,
                headers,
            } => Error::IdempotencyConflict {
                status,
                key,
                body,
                headers,
            },
        }
    }

    /// A timeout or transport failure after which the request may have
    /// been processed, as [`Error::OutcomeUnknown`] (other errors are
    /// kept). The caller has decided, with [`crate::outcome`], that the
    /// outcome is unknown.
    pub(crate) fn into_outcome_unknown(self, recovery: crate::outcome::Recovery) -> Self {
        let (reason, timeout) = match &self {
            Error::Timeout { kind } => (kind.to_string(), Some(*kind)),
            Error::Transport { message, .. } => (
                format!("transport error after the request may have been sent: {message}"),
                None,
            ),
            _ => return self,
        };
        Error::OutcomeUnknown {
            reason,
            status: None,
            reference: recovery.reference,
            idempotency_key: recovery.idempotency_key.map(String::into_boxed_str),
            envelope: None,
            timeout,
            headers: ResponseHeaders::new(HeaderMap::new()),
        }
    }
}

impl<E: DeclaredError> Error<E> {
    /// The API's own error code: the code in the declared error body (e.g.
    /// `"E404"`), the result envelope's code, or the in-body error code.
    pub fn code(&self) -> Option<String> {
        match self {
            Error::Api { error, .. } => error.details().code,
            Error::OutcomeUnknown {
                envelope: Some(envelope),
                ..
            } => crate::declared::find_code(envelope),
            _ => None,
        }
    }

    /// The server's own message: the declared error body's message
    /// field(s), the result envelope's text, or the `ERROR:` text.
    pub fn message(&self) -> Option<String> {
        match self {
            Error::Api { error, .. } => error.details().message,
            Error::OutcomeUnknown {
                envelope: Some(envelope),
                ..
            } => crate::declared::find_message(envelope),
            _ => None,
        }
    }

    /// The result envelope the server answered, when there was one (a
    /// rejected result, or one whose code left the outcome unknown).
    pub fn envelope(&self) -> Option<&serde_json::Value> {
        match self {
            Error::Api { error, .. } => error.details().envelope.map(|e| &e.envelope),
            Error::OutcomeUnknown { envelope, .. } => envelope.as_ref(),
            _ => None,
        }
    }
}

impl Error<Infallible> {
    /// Widens an error that cannot be [`Error::Api`] to any declared type.
    pub(crate) fn widen<E>(self) -> Error<E> {
        self.map_api(|never| match never {})
    }
}

/// Which timeout elapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// No connection could be made within the connect timeout; the request
    /// was not sent.
    Connect,
    /// One HTTP attempt (sending the request and reading the whole response)
    /// took longer than the per-attempt timeout. For
    /// [`Client::send_streaming`](crate::Client::send_streaming): getting the
    /// headers took that long, or, while the body was read, no data arrived
    /// for that long (or [`StreamingResponse::buffer`](crate::StreamingResponse::buffer)
    /// did not finish in time).
    Attempt,
    /// The whole call, retries and token fetches included, took longer than
    /// the total timeout.
    Total,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Connect => "could not connect within the connect timeout",
            TimeoutKind::Attempt => "the HTTP attempt exceeded the per-attempt timeout",
            TimeoutKind::Total => "the call exceeded the total timeout",
        })
    }
}

/// Credentials are missing or could not be obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The operation requires auth, but none of its schemes has a credential.
    #[error("operation `{operation}` needs credentials for {schemes}, but none is configured; hint: call {hint} on the client builder")]
    MissingCredentials {
        /// The operation's id.
        operation: &'static str,
        /// The schemes the operation accepts, described.
        schemes: String,
        /// The builder call(s) that would fix it.
        hint: String,
    },
    /// The token endpoint answered with a non-success status.
    #[error("OAuth2 token request for security scheme `{scheme}` was rejected with HTTP {status}: {}", excerpt(.body, EXCERPT_CHARS))]
    TokenRejected {
        /// The security scheme.
        scheme: String,
        /// HTTP status of the token endpoint's answer.
        status: u16,
        /// The token endpoint's error body (at most
        /// [`KEPT_BODY_BYTES`](crate::serde_util::KEPT_BODY_BYTES), with a
        /// marker when more was dropped).
        body: String,
    },
    /// The token endpoint answered with success, but the answer is not a
    /// usable token. (The body is deliberately not kept: it may hold a token.)
    #[error("OAuth2 token response for security scheme `{scheme}` (HTTP {status}) is not usable: {reason}")]
    InvalidTokenResponse {
        /// The security scheme.
        scheme: String,
        /// HTTP status of the token endpoint's answer.
        status: u16,
        /// What is wrong with it.
        reason: String,
    },
    /// The token request could not be sent or its answer not read.
    #[error("OAuth2 token request for security scheme `{scheme}` failed: {message}")]
    TokenTransport {
        /// The security scheme.
        scheme: String,
        /// What went wrong (never contains the URL).
        message: String,
        /// The underlying error, with its URL removed.
        source: Option<reqwest::Error>,
    },
    /// The token request exceeded the per-attempt timeout.
    #[error(
        "OAuth2 token request for security scheme `{scheme}` exceeded the per-attempt timeout"
    )]
    TokenTimeout {
        /// The security scheme.
        scheme: String,
    },
    /// A configured credential cannot be put in a request (e.g. a header
    /// value with a newline). The value itself is never shown.
    #[error("the credential for security scheme `{scheme}` cannot be sent: {reason}")]
    InvalidCredential {
        /// The security scheme.
        scheme: String,
        /// Why.
        reason: String,
    },
}

impl AuthError {
    /// The same error for another caller (the cached token fetch hands one
    /// failure to every waiter): everything but the underlying transport
    /// error, whose text is kept in `message`.
    pub(crate) fn shared_copy(&self) -> AuthError {
        match self {
            AuthError::MissingCredentials {
                operation,
                schemes,
                hint,
            } => AuthError::MissingCredentials {
                operation,
                schemes: schemes.clone(),
                hint: hint.clone(),
            },
            AuthError::TokenRejected {
                scheme,
                status,
                body,
            } => AuthError::TokenRejected {
                scheme: scheme.clone(),
                status: *status,
                body: body.clone(),
            },
            AuthError::InvalidTokenResponse {
                scheme,
                status,
                reason,
            } => AuthError::InvalidTokenResponse {
                scheme: scheme.clone(),
                status: *status,
                reason: reason.clone(),
            },
            AuthError::TokenTransport {
                scheme, message, ..
            } => AuthError::TokenTransport {
                scheme: scheme.clone(),
                message: message.clone(),
                source: None,
            },
            AuthError::TokenTimeout { scheme } => AuthError::TokenTimeout {
                scheme: scheme.clone(),
            },
            AuthError::InvalidCredential { scheme, reason } => AuthError::InvalidCredential {
                scheme: scheme.clone(),
                reason: reason.clone(),
            },
        }
    }
}

/// Building a [`Client`](crate::Client) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A certificate given to
    /// [`add_root_certificate_pem`](crate::ClientBuilder::add_root_certificate_pem)
    /// is not a PEM certificate.
    #[error("root certificate #{index} (0-based, in the order added) cannot be read: {message}")]
    InvalidCertificate {
        /// Which one, in the order they were added.
        index: usize,
        /// Why.
        message: String,
    },
    /// No base URL was given and the API declares no default.
    #[error("no base URL: call .base_url(...) on the client builder (the API description `{api}` declares no default server)")]
    NoBaseUrl {
        /// The API's title.
        api: &'static str,
    },
    /// The base URL is not an absolute http(s) URL.
    #[error("invalid base URL `{url}`: {reason}; hint: pass an absolute URL such as `https://api.example.com/v1` to .base_url(...)")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why it is rejected.
        reason: String,
    },
    /// The OAuth2 token URL is not a valid http(s) URL.
    #[error("invalid OAuth2 token URL `{url}` for security scheme `{scheme}`: {reason}; hint: pass an absolute http(s) URL to {hint}")]
    InvalidTokenUrl {
        /// The security scheme.
        scheme: String,
        /// The builder call that sets the token URL.
        hint: String,
        /// The URL as given or declared.
        url: String,
        /// Why it is rejected.
        reason: String,
    },
    /// A credential was given for a scheme the API does not declare.
    #[error("unknown security scheme `{scheme}` passed to .{method}(...); the API `{api}` declares: {known}")]
    UnknownScheme {
        /// The name given.
        scheme: String,
        /// The builder method called.
        method: &'static str,
        /// The API's title.
        api: &'static str,
        /// The schemes the API declares.
        known: String,
    },
    /// A credential of the wrong kind was given for a scheme.
    #[error("security scheme `{scheme}` is {actual}, but .{method}(...) configures another kind; hint: use {hint}")]
    SchemeKindMismatch {
        /// The security scheme.
        scheme: String,
        /// The builder method called.
        method: &'static str,
        /// The scheme's kind, described.
        actual: &'static str,
        /// The right builder call.
        hint: String,
    },
    /// Credentials would be sent over plain HTTP to a host that is not this
    /// machine.
    #[error("refusing to send credentials over plain HTTP to `{host}` ({what}); use https, or call .allow_insecure_http(true) on the client builder to opt in")]
    InsecureHttp {
        /// Which URL: the base URL or a token URL.
        what: String,
        /// The URL's host.
        host: String,
    },
    /// A credential cannot be put in a request (e.g. a header value with a
    /// newline). The value itself is never shown.
    #[error("the credential for security scheme `{scheme}` cannot be sent: {reason}")]
    InvalidCredential {
        /// The security scheme.
        scheme: String,
        /// Why.
        reason: String,
    },
    /// The HTTP client could not be created (e.g. an invalid user agent).
    #[error("could not build the HTTP client: {message}")]
    HttpClient {
        /// What went wrong.
        message: String,
        /// The underlying error.
        source: reqwest::Error,
    },
}

/// A request body could not be encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The value could not be written as JSON.
    #[error("could not encode the request body as JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The value could not be written as `application/x-www-form-urlencoded`
    /// fields (e.g. it is not a struct or map, or has a nested object).
    #[error("could not encode the request body as form fields: {0}")]
    Form(String),
    /// An object parameter could not be written into the query string
    /// (e.g. a nested object in `form` style).
    #[error("could not encode query parameter `{name}`: {reason}")]
    Query {
        /// The parameter's name.
        name: String,
        /// What was wrong.
        reason: String,
    },
}

/// Describes a reqwest error without its URL: the error's own text followed
/// by its causes.
pub(crate) fn describe_reqwest(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut cur = std::error::Error::source(e);
    while let Some(cause) = cur {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("declared failure {0}")]
    struct Declared(u8);

    #[test]
    fn a_lost_answer_becomes_outcome_unknown() {
        let e: Error<Declared> = Error::Timeout {
            kind: TimeoutKind::Attempt,
        };
        assert!(!e.outcome_unknown());
        assert!(e.is_retryable());
        let e = e.into_outcome_unknown(crate::outcome::Recovery {
            reference: Some("orderId=1".into()),
            idempotency_key: None,
        });
        assert!(e.outcome_unknown());
        assert!(!e.is_retryable());
        assert!(matches!(
            e,
            Error::OutcomeUnknown {
                timeout: Some(TimeoutKind::Attempt),
                ..
            }
        ));
        assert!(e.to_string().contains("orderId=1"), "{e}");
        let e: Error<Declared> = Error::Transport {
            message: "connection reset".into(),
            source: None,
        };
        assert!(!e.outcome_unknown());
        assert!(e
            .into_outcome_unknown(crate::outcome::Recovery::default())
            .to_string()
            .contains("connection reset"));
    }

    #[test]
    fn api_display_and_map() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "req-42".parse().unwrap());
        let e: Error<Declared> = Error::Api {
            status: 409,
            error: Declared(7),
            headers: ResponseHeaders::new(headers),
        };
        assert_eq!(e.request_id(), Some("req-42"));
        assert_eq!(e.to_string(), "HTTP 409 declared failure 7");
        assert_eq!(e.status(), Some(409));
        assert!(e.to_string().contains("declared failure 7"));
        let mapped: Error<u8> = e.map_api(|d| d.0);
        assert_eq!(mapped.api_error(), Some(&7));
    }

    #[test]
    fn outcome_unknown_variant() {
        let e: Error<Declared> = Error::OutcomeUnknown {
            reason: "the server answered HTTP 504 with an empty body".into(),
            status: Some(504),
            reference: Some("orderId=9".into()),
            idempotency_key: None,
            envelope: None,
            timeout: None,
            headers: ResponseHeaders::new(HeaderMap::new()),
        };
        assert!(e.outcome_unknown());
        assert_eq!(e.idempotency_key(), None);
        assert_eq!(e.status(), Some(504));
        assert_eq!(
            e.to_string(),
            "outcome unknown: the server answered HTTP 504 with an empty body. The server may \
             have processed this request; check orderId=9 before retrying — do not resend blindly."
        );
        let mapped: Error<u8> = e.map_api(|d| d.0);
        assert!(matches!(
            mapped,
            Error::OutcomeUnknown {
                status: Some(504),
                ..
            }
        ));
        let v: Error<Declared> = Error::from(ValidationError {
            problems: vec![crate::validate::Problem {
                path: "a".into(),
                message: "must be greater than 0".into(),
            }],
        });
        assert_eq!(v.to_string(), "invalid request: a must be greater than 0");
        assert!(matches!(v.map_api(|d| d.0), Error::Validation(_)));
    }

    #[test]
    fn an_unknown_outcome_with_a_key_says_resending_with_it_is_safe() {
        let e: Error<Declared> = Error::Timeout {
            kind: TimeoutKind::Attempt,
        }
        .into_outcome_unknown(crate::outcome::Recovery {
            reference: Some("orderId=9".into()),
            idempotency_key: Some("pay_k1".into()),
        });
        assert_eq!(e.idempotency_key(), Some("pay_k1"));
        let shown = e.to_string();
        assert!(
            shown.contains("resending it with idempotency key `pay_k1` is safe"),
            "{shown}"
        );
        assert!(!shown.contains("do not resend"), "{shown}");
        let conflict: Error<Declared> = Error::IdempotencyConflict {
            status: 409,
            key: "pay_k1".into(),
            body: "{\"error\":\"key in use\"}".into(),
            headers: ResponseHeaders::new(HeaderMap::new()),
        };
        assert_eq!(conflict.idempotency_key(), Some("pay_k1"));
        assert_eq!(conflict.status(), Some(409));
        assert!(!conflict.is_retryable());
        assert!(conflict.to_string().contains("key in use"), "{conflict}");
        assert!(matches!(
            conflict.map_api(|d| d.0),
            Error::IdempotencyConflict { status: 409, .. }
        ));
    }

    #[test]
    fn unexpected_status_excerpt() {
        let body = "x".repeat(5000);
        let e: Error<Declared> = Error::UnexpectedStatus {
            status: 500,
            body,
            headers: ResponseHeaders::new(HeaderMap::new()),
        };
        assert!(e.to_string().len() < 700);
        assert_eq!(e.status(), Some(500));
    }
}
