//! When and how often the runtime retries a request.
//!
//! A request is retried only when its operation is
//! [retry-safe](crate::Operation::retry_safe) (idempotent, neither
//! money-moving nor send-once) and the attempt ended with status 408, 429,
//! 500, 502, 503 or 504, a connection error, a per-attempt timeout, or a
//! connection that failed after the request was sent (a reset, a kept-alive
//! connection the server had closed, a body cut short). Everything else is
//! returned as it is: a POST meeting a 503 is sent exactly once.
//!
//! A call that carries an idempotency key
//! ([`Operation::idempotency`](crate::Operation::idempotency)) is retried
//! even when its operation is not retry-safe, because the server answers a
//! repeat of the key from its record of the first: on connection errors,
//! per-attempt timeouts, connections that failed after sending, any 5xx,
//! and 429 with `Retry-After`. Every attempt carries the same key.
//!
//! Waits go through the policy's [`Sleeper`] (tokio's clock by default), so
//! tests can make them instant and check each delay exactly.
//!
//! Delays grow exponentially (factor 2) from
//! [`initial_backoff`](RetryPolicy::initial_backoff) up to
//! [`max_backoff`](RetryPolicy::max_backoff), with random jitter of up to
//! +100% (capped at `max_backoff`) when enabled. A `Retry-After` header
//! (delta-seconds or HTTP-date) on a retryable response replaces the computed
//! delay; if it asks for more than
//! [`max_retry_after`](RetryPolicy::max_retry_after) (default 30 s), or more
//! than what is left of the client's total timeout, the response is returned
//! without retrying, so the caller can decide.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::HeaderMap;

/// Default cap on how long a `Retry-After` header may make the client wait.
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Retry policy: bounded attempts with exponential backoff and jitter.
///
/// The default is 3 attempts, 100 ms initial backoff, 2 s maximum backoff,
/// jitter on, `Retry-After` honoured up to 30 s.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: bool,
    max_retry_after: Duration,
    sleeper: Sleeper,
}

/// A future that completes after a delay.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How the runtime waits between attempts (API calls and token requests).
/// The default sleeps on tokio's clock; [`RetryPolicy::sleeper`] replaces
/// it, e.g. in tests, with one that records the delays and returns at once.
#[derive(Clone)]
pub struct Sleeper(Arc<dyn Fn(Duration) -> SleepFuture + Send + Sync>);

impl Sleeper {
    /// A sleeper that runs `sleep` for each wait.
    pub fn new(sleep: impl Fn(Duration) -> SleepFuture + Send + Sync + 'static) -> Self {
        Sleeper(Arc::new(sleep))
    }

    /// Waits `delay` (as this sleeper understands it).
    pub fn sleep(&self, delay: Duration) -> SleepFuture {
        (self.0)(delay)
    }
}

impl Default for Sleeper {
    fn default() -> Self {
        Sleeper::new(|d| Box::pin(tokio::time::sleep(d)))
    }
}

impl fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sleeper")
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            jitter: true,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            sleeper: Sleeper::default(),
        }
    }
}

impl RetryPolicy {
    /// A policy with at most `max_attempts` attempts in total (the first try
    /// included) and the default backoff. `0` is treated as `1`.
    pub fn new(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            ..RetryPolicy::default()
        }
    }

    /// This policy with at most `max_attempts` attempts (`0` is `1`).
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// A policy that never retries (one attempt).
    pub fn none() -> Self {
        RetryPolicy::new(1)
    }

    /// Sets the delay before the first retry (default 100 ms).
    pub fn initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }

    /// Sets the longest delay between two attempts (default 2 s).
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Turns random jitter on or off (default on).
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Sets the longest `Retry-After` the client will wait for (default
    /// 30 s). A response asking for a longer wait is returned without
    /// retrying.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Replaces how the runtime waits between attempts (default: tokio's
    /// clock). Tests use it to make retries instant and their delays exact:
    /// the sleeper sees every delay the policy and `Retry-After` chose.
    pub fn sleeper(mut self, sleeper: Sleeper) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Waits `delay` with the configured sleeper.
    pub(crate) fn sleep(&self, delay: Duration) -> SleepFuture {
        self.sleeper.sleep(delay)
    }

    /// Maximum number of attempts, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Delay before the first retry.
    pub fn get_initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// Longest delay between two attempts.
    pub fn get_max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// Whether jitter is on.
    pub fn has_jitter(&self) -> bool {
        self.jitter
    }

    /// Longest `Retry-After` the client will honour.
    pub fn get_max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The sequence of delays between attempts (at most `max_attempts - 1`).
    pub(crate) fn backoff(&self) -> Backoff {
        let max = self.max_backoff.max(self.initial_backoff);
        let mut builder = ExponentialBuilder::default()
            .with_factor(2.0)
            .with_min_delay(self.initial_backoff)
            .with_max_delay(max)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize);
        if self.jitter {
            builder = builder.with_jitter();
        }
        Backoff {
            inner: builder.build(),
            max,
        }
    }
}

/// Iterator of backoff delays, clamped to the policy's maximum.
pub(crate) struct Backoff {
    inner: <ExponentialBuilder as BackoffBuilder>::Backoff,
    max: Duration,
}

impl Iterator for Backoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        self.inner.next().map(|d| d.min(self.max))
    }
}

/// Whether a status code is worth retrying for a retry-safe operation.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Whether an answer is worth retrying for a call that carries an
/// idempotency key but is not otherwise retry-safe: any 5xx (the server
/// failed; a repeat under the same key is answered from its record of the
/// first), and 429 when the server says when to come back (`Retry-After`).
/// A 408 or a 429 without `Retry-After` is returned as it is.
pub(crate) fn is_retryable_with_key(status: u16, headers: &HeaderMap) -> bool {
    (500..600).contains(&status)
        || (status == 429 && headers.contains_key(reqwest::header::RETRY_AFTER))
}

/// Parses a `Retry-After` header: delta-seconds or an HTTP-date. A date in
/// the past means "now" (zero).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn default_policy() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts(), 3);
        assert_eq!(p.get_initial_backoff(), Duration::from_millis(100));
        assert_eq!(p.get_max_backoff(), Duration::from_secs(2));
        assert!(p.has_jitter());
        assert_eq!(RetryPolicy::none().max_attempts(), 1);
        assert_eq!(RetryPolicy::new(0).max_attempts(), 1);
    }

    #[test]
    fn backoff_without_jitter_doubles_and_caps() {
        let p = RetryPolicy::new(6)
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(500))
            .jitter(false);
        // backon computes in f32: compare whole milliseconds.
        let delays: Vec<u128> = p.backoff().map(|d| d.as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 500, 500]);
        assert_eq!(RetryPolicy::none().backoff().count(), 0);
    }

    #[test]
    fn backoff_with_jitter_stays_in_bounds() {
        let p = RetryPolicy::new(10)
            .initial_backoff(Duration::from_millis(10))
            .max_backoff(Duration::from_millis(50));
        for d in p.backoff() {
            assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(50));
        }
    }

    #[test]
    fn parses_retry_after() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(100));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_str(&future).unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(d > Duration::from_secs(90) && d <= Duration::from_secs(100));
        h.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("soon"),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn retryable_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [200, 400, 401, 404, 409, 501] {
            assert!(!is_retryable_status(s));
        }
    }
}
