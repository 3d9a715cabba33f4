//! Authentication: configured credentials and the OAuth2 client-credentials
//! token cache.
//!
//! # OAuth2 client credentials
//!
//! The token request is a `POST` to the token URL (any query the URL carries
//! is kept) with the body `grant_type=client_credentials` (plus
//! `scope=a b` when scopes are configured), form-urlencoded, and the client id
//! and secret sent as HTTP basic credentials (as given, without extra
//! encoding). Transient failures of the token endpoint (408, 429, 5xx,
//! connection errors, per-attempt timeouts) are retried with the client's
//! [`RetryPolicy`]: asking for a token is always safe to repeat.
//!
//! The answer is read leniently: `access_token` must be a non-empty string;
//! `expires_in` may be a JSON number or a numeric string (`"3599"`); when it
//! is absent or unreadable the token is assumed to live
//! [`DEFAULT_EXPIRES_IN`] (one hour; should that be too long, the API's 401
//! triggers a refresh anyway); `token_type` is ignored (`"BearerToken"`,
//! `"bearer"` or none at all) and the token is always sent as
//! `Authorization: Bearer <token>`; other fields are ignored.
//!
//! The token is cached until [`refresh_skew`] before it expires:
//! `min(30 s, lifetime / 2)`, counted from the moment the token request was
//! sent, and used at least [`MIN_TOKEN_REUSE`] whatever `expires_in` says.
//! Concurrent callers share one fetch and its result, an error included:
//! 1,000 simultaneous calls on a cold client make exactly one token
//! request, and when the endpoint fails they all get that failure (callers
//! arriving within [`TOKEN_FAILURE_CACHE`] after it too, without a new
//! request). The fetch runs as a task of its own, so a caller that times
//! out or is dropped does not abort it: the next caller finds the token.
//!
//! When the API answers 401 to a call made with a cached token, the client
//! drops that token (only if it is still the cached one — another caller
//! may already have replaced it), fetches a new one and repeats the call
//! once, whatever the operation: the gateway rejected the first request, so
//! it was not processed. A second 401 is returned as the response.
//!
//! Errors never quote a successful token response (it holds the token); an
//! error status keeps the endpoint's error body, e.g.
//! `{"ErrorCode":"invalid_client","Error":"Client credentials are invalid"}`.

use std::convert::Infallible;
use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use std::sync::{Arc, Mutex as StdMutex};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::api::ApiKeyLocation;
use crate::error::{describe_reqwest, AuthError, Error};
use crate::retry::{is_retryable_status, retry_after, RetryPolicy};
use crate::secret::Secret;

/// Lifetime assumed for a token whose response has no usable `expires_in`.
pub const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(3600);

/// Longest lifetime believed; larger `expires_in` values are clamped to it.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// How long before its expiry a token is replaced: `min(30 s, lifetime / 2)`.
pub fn refresh_skew(lifetime: Duration) -> Duration {
    (lifetime / 2).min(Duration::from_secs(30))
}

/// A credential ready to be applied to requests.
pub(crate) enum Credential {
    /// An API key.
    ApiKey {
        location: ApiKeyLocation,
        param: &'static str,
        key: Secret,
        /// The key as a header value (marked sensitive), for header keys.
        header: Option<HeaderValue>,
    },
    /// A ready `Authorization` header value (basic or bearer), sensitive.
    Authorization(HeaderValue),
    /// OAuth2 client credentials.
    OAuth2(Box<TokenCache>),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::ApiKey {
                location, param, ..
            } => f
                .debug_struct("ApiKey")
                .field("location", location)
                .field("param", param)
                .field("key", &"***")
                .finish(),
            Credential::Authorization(_) => f.write_str("Authorization(***)"),
            Credential::OAuth2(cache) => fmt::Debug::fmt(cache, f),
        }
    }
}

/// A header value that is never printed and that HTTP/2 does not index.
pub(crate) fn sensitive_header(value: &str) -> Result<HeaderValue, String> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| "the value contains characters not allowed in an HTTP header".to_owned())?;
    v.set_sensitive(true);
    Ok(v)
}

/// `Basic base64(user:password)`.
pub(crate) fn basic_header(user: &str, password: &Secret) -> Result<HeaderValue, String> {
    let raw = format!("{user}:{}", password.expose());
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
    sensitive_header(&format!("Basic {encoded}"))
}

/// `Bearer <token>`.
pub(crate) fn bearer_header(token: &Secret) -> Result<HeaderValue, String> {
    sensitive_header(&format!("Bearer {}", token.expose()))
}

struct CachedToken {
    value: Secret,
    refresh_at: Instant,
}

/// Shortest time a fetched token is used before another is fetched, whatever
/// its `expires_in` says (`0` and negative values included): an API that
/// rejects it answers 401, which replaces it anyway, so a server that
/// announces no lifetime cannot make every call fetch a token.
pub const MIN_TOKEN_REUSE: Duration = Duration::from_secs(1);

/// How long a failed token request is remembered: callers that ask within
/// this time get the same error without a new request to an endpoint that
/// is down or refusing the credentials.
pub const TOKEN_FAILURE_CACHE: Duration = Duration::from_secs(1);

/// Caches the OAuth2 token of one security scheme and fetches it when
/// needed: one fetch at a time, whose result (an error included) every
/// waiting caller shares. The fetch runs as a task of its own, so a caller
/// that gives up (a timeout, a dropped future) does not abort it.
pub(crate) struct TokenCache {
    fetcher: Arc<Fetcher>,
    state: Arc<StdMutex<TokenState>>,
}

/// What a token fetch needs.
struct Fetcher {
    scheme: &'static str,
    token_url: reqwest::Url,
    client_id: String,
    basic: HeaderValue,
    scopes: Option<Vec<String>>,
    http: reqwest::Client,
    attempt_timeout: Duration,
    retry: RetryPolicy,
    /// Masks the client secret (and its Basic encoding) in what the token
    /// endpoint answers.
    scrubber: crate::scrub::Scrubber,
}

/// The result of one fetch, as every waiter receives it.
type Shared = Result<Secret, Arc<AuthError>>;

#[derive(Default)]
struct TokenState {
    cached: Option<CachedToken>,
    /// The fetch in flight: its result arrives here.
    inflight: Option<watch::Receiver<Option<Shared>>>,
    /// The last failure and when it happened.
    failed: Option<(Instant, Arc<AuthError>)>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.fetcher.token_url;
        // The query may carry credentials of the gateway's own: not shown.
        let shown = format!(
            "{}://{}{}{}",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.port().map(|p| format!(":{p}")).unwrap_or_default(),
            url.path()
        ) + if url.query().is_some() { "?…" } else { "" };
        f.debug_struct("OAuth2ClientCredentials")
            .field("token_url", &shown)
            .field("client_id", &self.fetcher.client_id)
            .field("client_secret", &"***")
            .field("scopes", &self.fetcher.scopes)
            .finish()
    }
}

/// How a token-endpoint attempt ended when it did not produce a token.
struct TokenFailure {
    error: AuthError,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl TokenCache {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        scheme: &'static str,
        token_url: reqwest::Url,
        client_id: String,
        client_secret: &Secret,
        scopes: Option<Vec<String>>,
        http: reqwest::Client,
        attempt_timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Self, String> {
        let basic = basic_header(&client_id, client_secret)?;
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(format!("{client_id}:{}", client_secret.expose()));
        let scrubber = crate::scrub::Scrubber::new([client_secret.expose().to_owned(), encoded]);
        Ok(TokenCache {
            fetcher: Arc::new(Fetcher {
                scheme,
                token_url,
                client_id,
                basic,
                scopes,
                http,
                attempt_timeout,
                retry,
                scrubber,
            }),
            state: Arc::default(),
        })
    }

    /// The security scheme's name.
    pub(crate) fn scheme(&self) -> &'static str {
        self.fetcher.scheme
    }

    fn lock(state: &StdMutex<TokenState>) -> std::sync::MutexGuard<'_, TokenState> {
        // The state stays consistent whatever panicked while it was held.
        state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A valid token: the cached one, or the result of the one fetch in
    /// flight (started here if there is none). Within
    /// [`TOKEN_FAILURE_CACHE`] of a failed fetch, that failure.
    pub(crate) async fn token(&self) -> Result<Secret, Error<Infallible>> {
        let mut result = {
            let mut state = Self::lock(&self.state);
            let now = Instant::now();
            if let Some(cached) = &state.cached {
                if now < cached.refresh_at {
                    return Ok(cached.value.clone());
                }
            }
            if let Some((at, error)) = &state.failed {
                if now.duration_since(*at) < TOKEN_FAILURE_CACHE {
                    return Err(Error::Auth(error.shared_copy()));
                }
            }
            match &state.inflight {
                Some(result) => result.clone(),
                None => {
                    let (tx, rx) = watch::channel(None);
                    state.inflight = Some(rx.clone());
                    self.spawn_fetch(tx);
                    rx
                }
            }
        };
        let shared = match result.wait_for(Option::is_some).await {
            Ok(value) => value.clone(),
            Err(_) => None,
        };
        match shared {
            Some(Ok(token)) => Ok(token),
            Some(Err(error)) => Err(Error::Auth(error.shared_copy())),
            None => Err(Error::Auth(AuthError::TokenTransport {
                scheme: self.fetcher.scheme.to_owned(),
                message: "the token request ended without an answer".to_owned(),
                source: None,
            })),
        }
    }

    /// Starts the fetch as a task that outlives any one caller.
    fn spawn_fetch(&self, done: watch::Sender<Option<Shared>>) {
        let fetcher = Arc::clone(&self.fetcher);
        let state = Arc::clone(&self.state);
        tokio::spawn(async move {
            let fetched = fetcher.fetch().await;
            let shared = {
                let mut state = Self::lock(&state);
                state.inflight = None;
                match fetched {
                    Ok(token) => {
                        let value = token.value.clone();
                        state.cached = Some(token);
                        state.failed = None;
                        Ok(value)
                    }
                    Err(error) => {
                        let error = Arc::new(error);
                        state.failed = Some((Instant::now(), Arc::clone(&error)));
                        Err(error)
                    }
                }
            };
            // No receiver left is fine: the result is cached either way.
            let _ = done.send(Some(shared));
        });
    }

    /// The cached token's value, if there is one.
    pub(crate) fn current(&self) -> Option<String> {
        Self::lock(&self.state)
            .cached
            .as_ref()
            .map(|c| c.value.expose().to_owned())
    }

    /// Drops `used` from the cache if it is still the cached token.
    pub(crate) async fn invalidate(&self, used: &Secret) {
        let mut state = Self::lock(&self.state);
        if state.cached.as_ref().is_some_and(|c| c.value == *used) {
            tracing::debug!(
                scheme = self.fetcher.scheme,
                "dropping the rejected OAuth2 token"
            );
            state.cached = None;
        }
    }
}

impl Fetcher {
    async fn fetch(&self) -> Result<CachedToken, AuthError> {
        let mut backoff = self.retry.backoff();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let sent_at = Instant::now();
            let failure = match tokio::time::timeout(self.attempt_timeout, self.fetch_once()).await
            {
                Ok(Ok(resp)) => match self.parse(resp.0, &resp.1, sent_at) {
                    Ok(token) => {
                        tracing::debug!(
                            scheme = self.scheme,
                            attempt,
                            latency_ms = elapsed_ms(sent_at),
                            "fetched an OAuth2 token"
                        );
                        return Ok(token);
                    }
                    Err(f) => f,
                },
                Ok(Err(f)) => f,
                Err(_) => TokenFailure {
                    error: AuthError::TokenTimeout {
                        scheme: self.scheme.to_owned(),
                    },
                    retryable: true,
                    retry_after: None,
                },
            };
            let delay = if failure.retryable {
                backoff
                    .next()
                    .and_then(|computed| match failure.retry_after {
                        Some(ra) if ra > self.retry.get_max_retry_after() => None,
                        Some(ra) => Some(ra),
                        None => Some(computed),
                    })
            } else {
                None
            };
            match delay {
                Some(delay) => {
                    tracing::warn!(
                        scheme = self.scheme,
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        reason = %failure.error,
                        "retrying the OAuth2 token request"
                    );
                    self.retry.sleep(delay).await;
                }
                None => return Err(failure.error),
            }
        }
    }

    /// One token request: status and body, or a failure.
    async fn fetch_once(&self) -> Result<(u16, bytes::Bytes, HeaderMap), TokenFailure> {
        let mut form: Vec<(&str, String)> = vec![("grant_type", "client_credentials".to_owned())];
        if let Some(scopes) = &self.scopes {
            if !scopes.is_empty() {
                form.push(("scope", scopes.join(" ")));
            }
        }
        let body = serde_urlencoded::to_string(&form).map_err(|e| TokenFailure {
            error: AuthError::TokenTransport {
                scheme: self.scheme.to_owned(),
                message: format!("could not encode the token request: {e}"),
                source: None,
            },
            retryable: false,
            retry_after: None,
        })?;
        let transport = |e: reqwest::Error| {
            let retryable = e.is_connect() || e.is_timeout();
            let e = e.without_url();
            TokenFailure {
                error: AuthError::TokenTransport {
                    scheme: self.scheme.to_owned(),
                    message: describe_reqwest(&e),
                    source: Some(e),
                },
                retryable,
                retry_after: None,
            }
        };
        let mut resp = self
            .http
            .post(self.token_url.clone())
            .header(AUTHORIZATION, self.basic.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        let bytes = resp.bytes().await.map_err(transport)?;
        if (200..300).contains(&status) {
            Ok((status, bytes, headers))
        } else {
            Err(TokenFailure {
                error: AuthError::TokenRejected {
                    scheme: self.scheme.to_owned(),
                    status,
                    body: crate::serde_util::kept_body(
                        String::from_utf8_lossy(self.scrubber.clean(bytes).as_bytes()).into_owned(),
                    ),
                },
                retryable: is_retryable_status(status),
                retry_after: retry_after(&headers),
            })
        }
    }

    /// Reads a 2xx token response. Never quotes the body.
    fn parse(
        &self,
        status: u16,
        body: &[u8],
        sent_at: Instant,
    ) -> Result<CachedToken, TokenFailure> {
        let invalid = |reason: &str| TokenFailure {
            error: AuthError::InvalidTokenResponse {
                scheme: self.scheme.to_owned(),
                status,
                reason: reason.to_owned(),
            },
            retryable: false,
            retry_after: None,
        };
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|_| invalid("the body is not JSON (body not shown: it may hold a token)"))?;
        let obj = value
            .as_object()
            .ok_or_else(|| invalid("the body is not a JSON object"))?;
        let token = match obj.get("access_token") {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Secret::new(s.as_str()),
            _ => return Err(invalid("it has no `access_token` string")),
        };
        let lifetime = obj
            .get("expires_in")
            .and_then(parse_expires_in)
            .unwrap_or(DEFAULT_EXPIRES_IN)
            .min(MAX_TOKEN_LIFETIME);
        let refresh_at = sent_at
            .checked_add((lifetime - refresh_skew(lifetime)).max(MIN_TOKEN_REUSE))
            .unwrap_or(sent_at);
        Ok(CachedToken {
            value: token,
            refresh_at,
        })
    }
}

/// `expires_in` as a number or a numeric string, in seconds. Negative
/// values mean "already expired".
fn parse_expires_in(v: &serde_json::Value) -> Option<Duration> {
    let secs = match v {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !secs.is_finite() {
        return None;
    }
    Some(Duration::from_secs_f64(
        secs.clamp(0.0, MAX_TOKEN_LIFETIME.as_secs_f64()),
    ))
}

pub(crate) fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew() {
        assert_eq!(
            refresh_skew(Duration::from_secs(3600)),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_skew(Duration::from_secs(10)),
            Duration::from_secs(5)
        );
        assert_eq!(refresh_skew(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn expires_in_forms() {
        let p = |s: &str| parse_expires_in(&serde_json::from_str(s).unwrap());
        assert_eq!(p("3599"), Some(Duration::from_secs(3599)));
        assert_eq!(p("\"3599\""), Some(Duration::from_secs(3599)));
        assert_eq!(p("\" 60 \""), Some(Duration::from_secs(60)));
        assert_eq!(p("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(p("-5"), Some(Duration::ZERO));
        assert_eq!(p("1e30"), Some(MAX_TOKEN_LIFETIME));
        assert_eq!(p("\"soon\""), None);
        assert_eq!(p("null"), None);
    }

    #[test]
    fn basic_header_is_sensitive() {
        let h = basic_header("id", &Secret::new("s3cret")).unwrap();
        assert!(h.is_sensitive());
        assert_eq!(h.to_str().unwrap(), "Basic aWQ6czNjcmV0");
        assert!(!format!("{h:?}").contains("aWQ6"));
    }
}
