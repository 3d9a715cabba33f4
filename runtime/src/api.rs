//! Static descriptions of an API and its operations.
//!
//! Generated code emits these as `static` items; the runtime reads them at
//! request time to decide how to authenticate, retry and report errors.

use std::fmt;

/// What the runtime needs to know about a whole API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiInfo {
    /// Human-readable title of the API (from the spec's `info.title`).
    pub title: &'static str,
    /// Base URL used when the caller does not set one with
    /// [`ClientBuilder::base_url`](crate::ClientBuilder::base_url).
    pub default_base_url: Option<&'static str>,
    /// Every security scheme the API declares.
    pub security_schemes: &'static [SecurityScheme],
}

impl ApiInfo {
    /// Looks up a security scheme by its name in the spec.
    pub fn scheme(&self, name: &str) -> Option<&'static SecurityScheme> {
        self.security_schemes.iter().find(|s| s.name == name)
    }
}

/// One named security scheme (an entry of `components.securitySchemes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    /// The call on the generated client's builder that configures this
    /// scheme (e.g. `.partner_api_key(key)`), shown in hints; `None`
    /// shows the runtime builder's call (`.api_key("partner", key)`).
    pub builder_call: Option<&'static str>,
    /// The scheme's name as written in the spec; builder methods such as
    /// [`ClientBuilder::api_key`](crate::ClientBuilder::api_key) take it.
    pub name: &'static str,
    /// How credentials for this scheme are sent.
    pub kind: SecuritySchemeKind,
}

/// How credentials for a security scheme are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecuritySchemeKind {
    /// A static key sent in a header, a query parameter or a form field.
    ApiKey {
        /// Where the key goes.
        location: ApiKeyLocation,
        /// Name of the header, query parameter or form field.
        param: &'static str,
    },
    /// HTTP basic authentication (`Authorization: Basic …`).
    HttpBasic,
    /// A static bearer token (`Authorization: Bearer …`).
    HttpBearer,
    /// OAuth2 client-credentials flow; tokens are fetched and cached by the
    /// runtime and sent as `Authorization: Bearer …`.
    OAuth2ClientCredentials {
        /// Token endpoint from the spec (absolute, or relative to the base
        /// URL); can be overridden with
        /// [`ClientBuilder::oauth2_token_url`](crate::ClientBuilder::oauth2_token_url).
        token_url: &'static str,
        /// Scopes the spec declares. They are informational: scopes are only
        /// sent when set with
        /// [`ClientBuilder::oauth2_scopes`](crate::ClientBuilder::oauth2_scopes).
        scopes: &'static [&'static str],
    },
}

impl SecuritySchemeKind {
    /// A short human-readable name of the kind, used in error messages.
    pub fn describe(&self) -> &'static str {
        match self {
            SecuritySchemeKind::ApiKey { .. } => "API key",
            SecuritySchemeKind::HttpBasic => "HTTP basic",
            SecuritySchemeKind::HttpBearer => "HTTP bearer",
            SecuritySchemeKind::OAuth2ClientCredentials { .. } => "OAuth2 client credentials",
        }
    }

    /// The [`ClientBuilder`](crate::ClientBuilder) method that configures a
    /// credential of this kind, used in hints.
    pub fn builder_method(&self) -> &'static str {
        match self {
            SecuritySchemeKind::ApiKey { .. } => "api_key",
            SecuritySchemeKind::HttpBasic => "basic_auth",
            SecuritySchemeKind::HttpBearer => "bearer_token",
            SecuritySchemeKind::OAuth2ClientCredentials { .. } => "oauth2_client_credentials",
        }
    }

    fn builder_call(&self, scheme: &str) -> String {
        match self {
            SecuritySchemeKind::ApiKey { .. } => format!(".api_key(\"{scheme}\", key)"),
            SecuritySchemeKind::HttpBasic => format!(".basic_auth(\"{scheme}\", user, password)"),
            SecuritySchemeKind::HttpBearer => format!(".bearer_token(\"{scheme}\", token)"),
            SecuritySchemeKind::OAuth2ClientCredentials { .. } => {
                format!(".oauth2_client_credentials(\"{scheme}\", client_id, client_secret)")
            }
        }
    }
}

impl SecurityScheme {
    /// The builder call that configures a credential for this scheme: the
    /// generated builder's (`.hash_api_key(key)`) when the client declares
    /// it, else the runtime builder's (`.api_key("hash", key)`); used in hints.
    pub fn builder_call(&self) -> String {
        match self.builder_call {
            Some(call) => call.to_owned(),
            None => self.kind.builder_call(self.name),
        }
    }

    /// The builder call that overrides an OAuth2 scheme's token URL: the
    /// generated builder's (`.oauth2_token_url(url)`, named like its
    /// `…oauth2_client_credentials` method) when the client declares one,
    /// else the runtime builder's (`.oauth2_token_url("scheme", url)`).
    pub fn token_url_call(&self) -> String {
        const CREDENTIALS: &str = "oauth2_client_credentials(client_id, client_secret)";
        match self.builder_call.and_then(|c| c.strip_suffix(CREDENTIALS)) {
            Some(prefix) => format!("{prefix}oauth2_token_url(url)"),
            None => format!(".oauth2_token_url(\"{}\", url)", self.name),
        }
    }
}

/// Where an API key is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    /// In a request header.
    Header,
    /// In a query parameter.
    Query,
    /// In a cookie (sent in the request's `Cookie` header).
    Cookie,
    /// As a form field: a field of a urlencoded body, or a text part of a
    /// multipart body. A request with no body is given a urlencoded body
    /// holding just the key, except for `GET`, `HEAD`, `DELETE` and
    /// `OPTIONS`, where the key goes in the query string instead ("form
    /// field, or query parameter where the request has no body").
    Form,
}

/// HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `PATCH`
    Patch,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
}

impl HttpMethod {
    /// The method's name as sent on the wire, e.g. `"GET"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
        }
    }

    /// Whether HTTP defines the method as idempotent (GET, HEAD, PUT, DELETE,
    /// OPTIONS). The generator may use it to default
    /// [`Operation::idempotent`].
    pub const fn is_idempotent(&self) -> bool {
        matches!(
            self,
            HttpMethod::Get
                | HttpMethod::Head
                | HttpMethod::Put
                | HttpMethod::Delete
                | HttpMethod::Options
        )
    }

    /// The equivalent [`reqwest::Method`].
    pub fn to_reqwest(&self) -> reqwest::Method {
        match self {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
            HttpMethod::Delete => reqwest::Method::DELETE,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Head => reqwest::Method::HEAD,
            HttpMethod::Options => reqwest::Method::OPTIONS,
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One operation of an API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The `operationId` as written in the spec (or the name the generator
    /// derived when there is none).
    pub id: &'static str,
    /// HTTP method.
    pub method: HttpMethod,
    /// Path template relative to the base URL, e.g. `"/contracts/{contractId}"`.
    pub path: &'static str,
    /// The operation's security requirements, as OpenAPI means them: a list
    /// of alternatives, each naming the schemes that must *all* be applied.
    /// The first alternative whose schemes all have a configured credential
    /// is used; an empty alternative means the call may also go without
    /// credentials. An empty list means no auth.
    pub security: &'static [&'static [&'static str]],
    /// `true` when repeating the request is harmless, so the runtime may
    /// retry it automatically.
    pub idempotent: bool,
    /// `true` when the operation moves money: it is never retried, and a
    /// timeout or transport failure after the request may have been sent,
    /// or a 5xx answer handed to
    /// [`Response::unexpected`](crate::Response::unexpected), is reported as
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown).
    pub moves_money: bool,
    /// `true` when the request must not be repeated (it creates something
    /// a second request would create again: charges from an imported file,
    /// an order): like a money-moving call, it is never retried and a lost
    /// answer is [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown).
    /// Generated clients set it for money-moving operations too.
    pub send_once: bool,
    /// A JSON pointer (RFC 6901, e.g. `"/order/orderId"`) into the request's
    /// JSON body naming the value a caller needs to check the outcome of the
    /// call (an order id, a batch number, …). When the outcome is unknown,
    /// the error quotes it as `orderId=274`. `None` when the operation
    /// declares none.
    pub outcome_reference: Option<&'static str>,
    /// How the API deduplicates repeats of this operation with a key, when
    /// it documents one: every call then carries a key (the same one on
    /// each attempt), and a call that is not otherwise retry-safe is
    /// retried on what is safe to repeat under a key. `None`: no key is
    /// sent, and a money-moving call is sent once.
    pub idempotency: Option<Idempotency>,
}

/// An API's idempotency-key mechanism for one operation: the server stores
/// the first answer under the key and replays it for a repeat.
///
/// ```
/// use pasarela_runtime::{HttpMethod, Idempotency, Operation};
///
/// static PAY: Operation = Operation::new("pay", HttpMethod::Post, "/payments")
///     .moves_money()
///     .idempotency(Idempotency::header("Idempotency-Key").prefix("pay_").conflict_statuses(&[409]));
/// assert!(!PAY.retry_safe());
/// assert!(PAY.retry_safe_with_key());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idempotency {
    /// The request header that carries the key, e.g. `Idempotency-Key`.
    pub header: &'static str,
    /// Text put before each generated key (a UUID v4), e.g. `pay_`.
    pub prefix: &'static str,
    /// Statuses by which the server refuses a reuse of a key (the same key
    /// with a different request, or while the first is in progress):
    /// such an answer is [`Error::IdempotencyConflict`](crate::Error::IdempotencyConflict),
    /// never retried.
    pub conflict_statuses: &'static [u16],
}

impl Idempotency {
    /// Keys in the header `name`, UUID v4 without a prefix, no conflict
    /// status declared.
    pub const fn header(name: &'static str) -> Self {
        Idempotency {
            header: name,
            prefix: "",
            conflict_statuses: &[],
        }
    }

    /// Sets [`prefix`](Idempotency::prefix).
    pub const fn prefix(mut self, prefix: &'static str) -> Self {
        self.prefix = prefix;
        self
    }

    /// Sets [`conflict_statuses`](Idempotency::conflict_statuses).
    pub const fn conflict_statuses(mut self, statuses: &'static [u16]) -> Self {
        self.conflict_statuses = statuses;
        self
    }

    /// A new key: the prefix and a random UUID v4.
    pub fn new_key(&self) -> String {
        format!("{}{}", self.prefix, uuid::Uuid::new_v4())
    }

    /// Whether `status` is a refused reuse of the key.
    pub fn is_conflict(&self, status: u16) -> bool {
        self.conflict_statuses.contains(&status)
    }
}

impl Operation {
    /// An operation without security requirements, idempotent when its
    /// method is ([`HttpMethod::is_idempotent`]), neither moving money nor
    /// send-once; the other `const` methods change one property each, so a
    /// generated client writes only what differs:
    ///
    /// ```
    /// use pasarela_runtime::{HttpMethod, Operation};
    ///
    /// static PAY: Operation = Operation::new("pay", HttpMethod::Post, "/payments")
    ///     .security(&[&["apiKey"]])
    ///     .moves_money()
    ///     .outcome_reference("/paymentId");
    /// assert!(PAY.moves_money && PAY.send_once && !PAY.retry_safe());
    /// ```
    pub const fn new(id: &'static str, method: HttpMethod, path: &'static str) -> Self {
        Operation {
            id,
            method,
            path,
            security: &[],
            idempotent: method.is_idempotent(),
            moves_money: false,
            send_once: false,
            outcome_reference: None,
            idempotency: None,
        }
    }

    /// Sets [`security`](Operation::security).
    pub const fn security(mut self, security: &'static [&'static [&'static str]]) -> Self {
        self.security = security;
        self
    }

    /// Sets [`idempotent`](Operation::idempotent).
    pub const fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Marks the operation as [moving money](Operation::moves_money), which
    /// makes it [send-once](Operation::send_once) and not idempotent too.
    pub const fn moves_money(mut self) -> Self {
        self.moves_money = true;
        self.send_once().idempotent(false)
    }

    /// Marks the operation [send-once](Operation::send_once) (and so not
    /// idempotent).
    pub const fn send_once(mut self) -> Self {
        self.send_once = true;
        self.idempotent(false)
    }

    /// Sets the [outcome reference](Operation::outcome_reference).
    pub const fn outcome_reference(mut self, pointer: &'static str) -> Self {
        self.outcome_reference = Some(pointer);
        self
    }

    /// Sets [`idempotency`](Operation::idempotency).
    pub const fn idempotency(mut self, idempotency: Idempotency) -> Self {
        self.idempotency = Some(idempotency);
        self
    }

    /// Whether the runtime may retry this operation automatically:
    /// idempotent, and neither moving money nor send-once.
    pub fn retry_safe(&self) -> bool {
        self.idempotent && !self.outcome_may_be_unknown()
    }

    /// Whether the runtime may retry this operation when its call carries
    /// an idempotency key: it is [retry-safe](Operation::retry_safe), or it
    /// declares [`idempotency`](Operation::idempotency). With a key the
    /// retries are fewer: connection failures, timeouts, 5xx, and 429 with
    /// `Retry-After` (see [`crate::retry`]).
    pub fn retry_safe_with_key(&self) -> bool {
        self.retry_safe() || self.idempotency.is_some()
    }

    /// Whether repeating this operation does harm: it moves money or is
    /// send-once. [`crate::outcome::is_unknown`] uses it to decide which
    /// untrustworthy answers leave the outcome unknown.
    pub fn outcome_may_be_unknown(&self) -> bool {
        self.moves_money || self.send_once
    }
}
