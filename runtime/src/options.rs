//! Options for one call: a timeout, a retry policy and extra headers that
//! override the client's configuration for that call only.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::retry::RetryPolicy;

/// Options for one call, set on a generated request with
/// `.with_options(..)`:
///
/// ```
/// use std::time::Duration;
/// use pasarela_runtime::CallOptions;
///
/// let options = CallOptions::new()
///     .timeout(Duration::from_secs(5))
///     .max_attempts(1)
///     .header("x-correlation-id", "order-274");
/// # let _ = options;
/// ```
///
/// Extra headers are sent as given, after the operation's own headers; a
/// credential the client applies (an API key header, `Authorization`)
/// replaces an extra header of the same name. An invalid header name or
/// value makes the call fail with
/// [`Error::InvalidRequest`](crate::Error::InvalidRequest) before anything
/// is sent. `Debug` shows header names, not values.
#[derive(Clone, Default)]
pub struct CallOptions {
    pub(crate) total_timeout: Option<Duration>,
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryPolicy>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) idempotency_key: Option<String>,
}

impl CallOptions {
    /// No overrides: the client's configuration applies.
    pub fn new() -> Self {
        Self::default()
    }

    /// The total time this call may take, retries and token fetches
    /// included (overrides the client's total timeout).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.total_timeout = Some(d);
        self
    }

    /// The time one HTTP attempt may take (overrides the client's
    /// per-attempt timeout).
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = Some(d);
        self
    }

    /// The retry policy for this call (overrides the client's).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// At most `attempts` attempts for this call (1 = no retry), keeping
    /// the rest of the retry policy. Operations that are not retry-safe
    /// are never retried, whatever this says.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }

    /// Adds a header to this call's requests.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The idempotency key of this call, for an operation that declares
    /// one ([`Operation::idempotency`](crate::Operation::idempotency)):
    /// instead of a new key, this one is sent on every attempt. Use it to
    /// resend a call whose outcome stayed unknown, with the key its error
    /// gave ([`Error::idempotency_key`](crate::Error::idempotency_key)).
    /// On an operation without a key mechanism the call fails with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) and nothing
    /// is sent: the key would protect nothing.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// The retry policy this call uses, given the client's.
    pub(crate) fn retry_or<'a>(&'a self, client: &'a RetryPolicy) -> Cow<'a, RetryPolicy> {
        let policy = self.retry.as_ref().unwrap_or(client);
        match self.max_attempts {
            Some(n) => Cow::Owned(policy.clone().with_max_attempts(n)),
            None => Cow::Borrowed(policy),
        }
    }
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("CallOptions")
            .field("timeout", &self.total_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("retry", &self.retry)
            .field("max_attempts", &self.max_attempts)
            .field("headers", &names)
            .field("idempotency_key", &self.idempotency_key)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_header_values() {
        let o = CallOptions::new().header("x-signature", "s3cr3t");
        let shown = format!("{o:?}");
        assert!(shown.contains("x-signature"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn max_attempts_keeps_the_policy() {
        let client = RetryPolicy::default();
        let o = CallOptions::new().max_attempts(1);
        assert_eq!(o.retry_or(&client).max_attempts(), 1);
        assert_eq!(CallOptions::new().retry_or(&client).max_attempts(), 3);
    }
}
