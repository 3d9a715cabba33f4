//! Hooks: user code that runs around every HTTP attempt of every call, for
//! tracing context propagation (OpenTelemetry), metrics, or custom headers.
//!
//! A hook is a small synchronous trait rather than a `reqwest-middleware`
//! layer: the runtime already owns retries, timeouts, token refresh and
//! redaction, and a middleware stack would see (and could repeat) raw
//! attempts without knowing the operation, would couple users to one more
//! crate's version of `reqwest`, and would hand user code the whole
//! request, query-string API keys included. A hook sees the operation, the
//! attempt number, and the headers; it runs inside the call's
//! `pasarela.request` span, so `tracing::Span::current()` is that span.

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::api::Operation;

/// Runs around every HTTP attempt. Both methods default to doing nothing.
///
/// ```
/// use pasarela_runtime::{AttemptInfo, AttemptResult, Hook};
/// use pasarela_runtime::reqwest::header::{HeaderMap, HeaderValue};
///
/// struct Tag;
/// impl Hook for Tag {
///     fn before_attempt(&self, info: &AttemptInfo, headers: &mut HeaderMap) {
///         headers.insert("x-client-operation", HeaderValue::from_static(info.operation.id));
///     }
///     fn after_attempt(&self, info: &AttemptInfo, result: &AttemptResult) {
///         if let AttemptResult::Response { status, .. } = result {
///             println!("{} attempt {} -> {status}", info.operation.id, info.attempt);
///         }
///     }
/// }
/// ```
pub trait Hook: Send + Sync + 'static {
    /// Called before each attempt is sent, with its headers (credential
    /// values among them are marked sensitive: their `Debug` is hidden).
    fn before_attempt(&self, info: &AttemptInfo, headers: &mut HeaderMap) {
        let _ = (info, headers);
    }

    /// Called after each attempt, with its response's status and headers or
    /// the failure.
    fn after_attempt(&self, info: &AttemptInfo, result: &AttemptResult) {
        let _ = (info, result);
    }
}

/// Which attempt of which operation a hook is called for.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AttemptInfo {
    /// The operation being called.
    pub operation: &'static Operation,
    /// The attempt number, from 1.
    pub attempt: u32,
}

/// How one attempt ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum AttemptResult<'a> {
    /// The server answered (any status).
    Response {
        /// HTTP status code.
        status: u16,
        /// The response headers.
        headers: &'a HeaderMap,
        /// How long the attempt took.
        latency: Duration,
    },
    /// No usable answer (transport failure, timeout, body too large).
    Failed {
        /// What went wrong (never contains a secret or the URL).
        error: &'a (dyn std::error::Error + Send + Sync),
        /// How long the attempt took.
        latency: Duration,
    },
}
