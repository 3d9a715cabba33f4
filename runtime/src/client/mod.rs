//! The HTTP client generated code calls: configuration ([`ClientBuilder`])
//! and the request pipeline ([`Client::send`]).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::api::ApiInfo;
use crate::auth::Credential;
use crate::error::Error;
use crate::outcome::Recovery;
use crate::request::Request;
use crate::response::Response;
use crate::retry::RetryPolicy;
use crate::streaming::StreamingResponse;

// `builder`: configuration and build-time checks; `credentials`: credentials
// and applying them to a request; `url`: request URLs; `prepare`: turning a
// `Request` into what is sent; `pipeline`: span, attempts, retries, timeouts
// and the outcome-unknown rule; `attempt`: one HTTP attempt and how its
// failure is classified.
mod attempt;
mod builder;
mod credentials;
mod pipeline;
mod prepare;
mod url;

pub use builder::ClientBuilder;

use pipeline::read_whole;

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default per-attempt timeout.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest response body the client reads into memory by default
/// (32 MiB); see [`ClientBuilder::max_body_bytes`]. Streamed CSV exports are
/// not bounded as a whole, only per record.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;
/// Default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("pasarela/", env!("CARGO_PKG_VERSION"));

/// A configured client for one API. Cheap to clone (the state is shared),
/// `Send + Sync`. `Debug` never shows a secret.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    api: &'static ApiInfo,
    base_url: String,
    http: reqwest::Client,
    attempt_timeout: Duration,
    total_timeout: Option<Duration>,
    retry: RetryPolicy,
    max_body_bytes: u64,
    credentials: BTreeMap<&'static str, Credential>,
    /// The configured secrets, removed from what servers answer (a server
    /// that echoes a request must not put a key into an error or a log).
    echoed: crate::scrub::Scrubber,
    /// Hooks run around every attempt, in the order added.
    hooks: Vec<Arc<dyn crate::hook::Hook>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("api", &i.api.title)
            .field("base_url", &i.base_url)
            .field("attempt_timeout", &i.attempt_timeout)
            .field("total_timeout", &i.total_timeout)
            .field("retry", &i.retry)
            .field("max_body_bytes", &i.max_body_bytes)
            .field("credentials", &i.credentials)
            .field("hooks", &i.hooks.len())
            .finish()
    }
}

impl Client {
    /// Shorthand for [`ClientBuilder::new`].
    pub fn builder(api: &'static ApiInfo) -> ClientBuilder {
        ClientBuilder::new(api)
    }

    /// The API this client talks to.
    pub fn api(&self) -> &'static ApiInfo {
        self.inner.api
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Sends a request: builds the URL, applies auth, retries where safe,
    /// and reads the whole response.
    ///
    /// Every status is returned as `Ok(Response)`; retryable statuses are
    /// retried first (for retry-safe operations) and the last response is
    /// returned when attempts run out. `Err` means no usable response:
    /// transport failure, timeout, missing credentials or a request that
    /// cannot be built.
    ///
    /// For an operation that [moves money](crate::api::Operation::moves_money), a
    /// timeout or transport failure after which the request may have been
    /// processed is [`Error::OutcomeUnknown`], quoting the request's
    /// [outcome reference](crate::api::Operation::outcome_reference). The returned
    /// [`Response`] remembers the operation and that reference, so that
    /// [`Response::unexpected`] can do the same for a 5xx answer.
    pub async fn send<E>(&self, req: Request) -> Result<Response, Error<E>> {
        self.send_any(req).await.map_err(Error::widen)
    }

    /// [`send`](Client::send), compiled once: the pipeline is not
    /// instantiated again for every operation's error type.
    pub(crate) async fn send_any(&self, mut req: Request) -> Result<Response, Error<Infallible>> {
        let op = req.op;
        let recovery = recovery(&mut req)?;
        let own_secrets = std::mem::take(&mut req.secrets);
        let limit = self.inner.max_body_bytes;
        let resp = self
            .run(req, recovery.clone(), |r| {
                // Built when the answer arrives: a token fetched for this very
                // call is among the secrets.
                let scrubber = self.scrubber(&own_secrets);
                async move { read_whole(r, limit, &scrubber).await }
            })
            .await?;
        Ok(resp.with_operation(op, recovery))
    }

    /// What a response to a request is scrubbed of: the configured secrets,
    /// the request's own secret values and the live OAuth2 tokens.
    /// Borrows the configured scrubber when there is nothing to add (the
    /// usual call: no OAuth2 token, no secret body field).
    fn scrubber(&self, own_secrets: &[String]) -> std::borrow::Cow<'_, crate::scrub::Scrubber> {
        self.inner
            .echoed
            .with(own_secrets.iter().cloned().chain(self.inner.live_tokens()))
    }

    /// Sends a request like [`send`](Client::send) (same auth, retries of
    /// retryable statuses, timeouts, tracing and outcome-unknown rules) but
    /// does not read the body: the [`StreamingResponse`] hands it out as it
    /// arrives.
    ///
    /// The per-attempt and total timeouts bound getting the response
    /// *headers* only, so a long download is not cut short. Reading the body
    /// is bounded differently: [`StreamingResponse::buffer`] must finish
    /// within the per-attempt timeout, and a
    /// [`CsvStream`](crate::csv::CsvStream) fails when no data arrives for
    /// that long.
    pub async fn send_streaming<E>(&self, req: Request) -> Result<StreamingResponse, Error<E>> {
        self.send_streaming_any(req).await.map_err(Error::widen)
    }

    async fn send_streaming_any(
        &self,
        mut req: Request,
    ) -> Result<StreamingResponse, Error<Infallible>> {
        let op = req.op;
        let recovery = recovery(&mut req)?;
        let own_secrets = std::mem::take(&mut req.secrets);
        let timeout = self.inner.attempt_timeout;
        let limit = self.inner.max_body_bytes;
        let resp = self
            .run(req, recovery.clone(), |r| {
                let scrubber = self.scrubber(&own_secrets).into_owned();
                std::future::ready(Ok::<_, pipeline::ReadError>(StreamingResponse::new(
                    r, timeout, limit, scrubber,
                )))
            })
            .await?;
        Ok(resp.with_operation(op, recovery))
    }
}

/// What a caller needs if the call's outcome stays unknown: its outcome
/// reference, and its idempotency key (settled here, once, and written into
/// its headers, so every attempt carries the same one).
fn recovery(req: &mut Request) -> Result<Recovery, Error<Infallible>> {
    let idempotency_key = req
        .settle_idempotency_key()
        .map_err(Error::InvalidRequest)?;
    Ok(Recovery {
        reference: req.outcome_reference(),
        idempotency_key,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::api::{ApiKeyLocation, SecurityScheme, SecuritySchemeKind};

    static SCHEMES: &[SecurityScheme] = &[
        SecurityScheme {
            builder_call: None,
            name: "key",
            kind: SecuritySchemeKind::ApiKey {
                location: ApiKeyLocation::Query,
                param: "hash",
            },
        },
        SecurityScheme {
            builder_call: None,
            name: "oauth",
            kind: SecuritySchemeKind::OAuth2ClientCredentials {
                token_url: "/oauth/token",
                scopes: &[],
            },
        },
    ];
    pub(super) static API: ApiInfo = ApiInfo {
        title: "Test API",
        default_base_url: None,
        security_schemes: SCHEMES,
    };

    #[test]
    fn client_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Client>();
        check::<Error<String>>();
    }
}
