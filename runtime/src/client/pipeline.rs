//! The request pipeline shared by [`Client::send`] and
//! [`Client::send_streaming`]: the `pasarela.request` span, attempts,
//! retries and their delays, timeouts, OAuth2 token refresh on a 401, and the
//! outcome-unknown rule.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;
use tracing::Instrument as _;

use super::attempt::AttemptFailure;
use super::{Client, Inner};
use crate::auth::elapsed_ms;
use crate::error::{Error, TimeoutKind};
use crate::hook::{AttemptInfo, AttemptResult};
use crate::outcome::{is_unknown, Evidence, Recovery};
use crate::request::Request;
use crate::response::Response;
use crate::retry::{is_retryable_status, is_retryable_with_key, retry_after, Backoff, RetryPolicy};
use crate::streaming::StreamingResponse;

impl Client {
    /// The pipeline shared by [`send`](Client::send) and
    /// [`send_streaming`](Client::send_streaming): span, attempts, and the
    /// outcome-unknown rule. `read` turns the response of an attempt (headers
    /// received) into `T`, within the attempt's timeout.
    pub(super) async fn run<T, E, F, Fut>(
        &self,
        req: Request,
        recovery: Recovery,
        read: F,
    ) -> Result<T, Error<E>>
    where
        T: Answer,
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, ReadError>>,
    {
        let op = req.op;
        let span = tracing::info_span!(
            "pasarela.request",
            operation = op.id,
            method = op.method.as_str(),
            path = op.path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            idempotency_key = recovery.idempotency_key.as_deref(),
        );
        let result = self
            .inner
            .execute(req, recovery, read)
            .instrument(span.clone())
            .await;
        result.map_err(|e| {
            if matches!(e, Error::OutcomeUnknown { .. }) {
                span.in_scope(|| {
                    tracing::warn!(error = %e, "outcome of the call is unknown");
                });
            }
            e.widen()
        })
    }
}

/// What an attempt produced, as far as the retry loop cares.
pub(super) trait Answer {
    fn status(&self) -> u16;
    fn headers(&self) -> &HeaderMap;
}

impl Answer for Response {
    fn status(&self) -> u16 {
        Response::status(self)
    }
    fn headers(&self) -> &HeaderMap {
        Response::headers(self)
    }
}

impl Answer for StreamingResponse {
    fn status(&self) -> u16 {
        StreamingResponse::status(self)
    }
    fn headers(&self) -> &HeaderMap {
        StreamingResponse::headers(self)
    }
}

/// Why reading a response failed.
pub(super) enum ReadError {
    /// The connection failed while reading.
    Http(reqwest::Error),
    /// The body is larger than the client's limit.
    TooLarge {
        /// HTTP status code.
        status: u16,
        /// The limit in bytes.
        limit: u64,
        /// The response headers.
        headers: HeaderMap,
    },
}

impl From<reqwest::Error> for ReadError {
    fn from(e: reqwest::Error) -> Self {
        ReadError::Http(e)
    }
}

/// Reads a whole response of at most `limit` bytes: a larger
/// `Content-Length` is refused before reading, and the count is kept while
/// reading (a server may send more than it announced, or announce nothing).
pub(super) async fn read_whole(
    mut resp: reqwest::Response,
    limit: u64,
    scrubber: &crate::scrub::Scrubber,
) -> Result<Response, ReadError> {
    let status = resp.status().as_u16();
    let headers = std::mem::take(resp.headers_mut());
    let declared = resp.content_length();
    if declared.is_some_and(|n| n > limit) {
        return Err(ReadError::TooLarge {
            status,
            limit,
            headers,
        });
    }
    // Sized once from Content-Length (never past the limit) rather than
    // grown by doubling: a large answer is copied once.
    let capacity = usize::try_from(declared.unwrap_or(0)).unwrap_or(0);
    let mut body = bytes::BytesMut::with_capacity(capacity);
    while let Some(chunk) = resp.chunk().await? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(ReadError::TooLarge {
                status,
                limit,
                headers,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response::received(
        status,
        headers,
        scrubber.clean(body.freeze()),
    ))
}

impl Inner {
    async fn execute<T, F, Fut>(
        &self,
        mut req: Request,
        recovery: Recovery,
        read: F,
    ) -> Result<T, Error<Infallible>>
    where
        T: Answer,
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, ReadError>>,
    {
        let op = req.op;
        let started = Instant::now();
        let options = std::mem::take(&mut req.options);
        let total_timeout = options.total_timeout.or(self.total_timeout);
        let attempt_timeout = options.attempt_timeout.unwrap_or(self.attempt_timeout);
        let retry = options.retry_or(&self.retry);
        let deadline = total_timeout.and_then(|t| started.checked_add(t));
        let prepared = self.prepare(req, &options)?;
        let retry_safe = op.retry_safe();
        // With an idempotency key the server deduplicates repeats, so a call
        // that is not retry-safe may still be retried, on fewer grounds.
        let keyed = !retry_safe && recovery.idempotency_key.is_some();
        let mut backoff = retry.backoff();
        let mut attempt: u32 = 0;
        let mut refreshed = false;
        let span = tracing::Span::current();

        let result = loop {
            attempt += 1;
            span.record("attempt", attempt);

            let token = match prepared.oauth {
                Some(scheme) => Some((scheme, self.oauth_token(scheme, deadline).await?)),
                None => None,
            };
            let mut request = self.build_attempt(&prepared, token.as_ref().map(|t| &t.1))?;
            let info = AttemptInfo {
                operation: op,
                attempt,
            };
            for hook in &self.hooks {
                hook.before_attempt(&info, request.headers_mut());
            }

            let attempt_started = Instant::now();
            let attempt_deadline = attempt_started.checked_add(attempt_timeout);
            let (limit, kind) = match (attempt_deadline, deadline) {
                (Some(a), Some(t)) if t <= a => (Some(t), TimeoutKind::Total),
                (None, Some(t)) => (Some(t), TimeoutKind::Total),
                (a, _) => (a, TimeoutKind::Attempt),
            };
            let outcome = match limit {
                Some(limit) => tokio::time::timeout_at(limit, self.attempt(request, &read))
                    .await
                    .unwrap_or_else(|_| {
                        Err(AttemptFailure {
                            error: Error::Timeout { kind },
                            retryable: kind == TimeoutKind::Attempt,
                            maybe_sent: true,
                        })
                    }),
                None => self.attempt(request, &read).await,
            };
            let outcome = outcome.map_err(|f| self.classify(f, retry_safe || keyed));
            let latency_ms = elapsed_ms(attempt_started);
            if !self.hooks.is_empty() {
                let latency = attempt_started.elapsed();
                let result = match &outcome {
                    Ok(resp) => AttemptResult::Response {
                        status: resp.status(),
                        headers: resp.headers(),
                        latency,
                    },
                    Err(failure) => AttemptResult::Failed {
                        error: &failure.error,
                        latency,
                    },
                };
                for hook in &self.hooks {
                    hook.after_attempt(&info, &result);
                }
            }

            match outcome {
                Ok(resp) => {
                    let status = resp.status();
                    tracing::debug!(attempt, status, latency_ms, "attempt finished");
                    if status == 401 && !refreshed {
                        if let Some((scheme, used)) = &token {
                            refreshed = true;
                            tracing::warn!(
                                attempt,
                                status,
                                "OAuth2 token rejected; fetching a new token and repeating the request once"
                            );
                            self.invalidate(scheme, used, deadline).await?;
                            continue;
                        }
                    }
                    let retry_status = if keyed {
                        is_retryable_with_key(status, resp.headers())
                    } else {
                        retry_safe && is_retryable_status(status)
                    };
                    if retry_status {
                        if let Some(delay) =
                            next_delay(&retry, &mut backoff, Some(resp.headers()), deadline)
                        {
                            tracing::warn!(
                                attempt,
                                status,
                                delay_ms = delay.as_millis() as u64,
                                "retryable status; retrying"
                            );
                            retry.sleep(delay).await;
                            continue;
                        }
                    }
                    break Ok(resp);
                }
                Err(failure) => {
                    tracing::debug!(attempt, latency_ms, error = %failure.error, "attempt failed");
                    if (retry_safe || keyed) && failure.retryable {
                        if let Some(delay) = next_delay(&retry, &mut backoff, None, deadline) {
                            tracing::warn!(
                                attempt,
                                delay_ms = delay.as_millis() as u64,
                                error = %failure.error,
                                "attempt failed; retrying"
                            );
                            retry.sleep(delay).await;
                            continue;
                        }
                    }
                    // The one rule for a lost answer (see `crate::outcome`).
                    if failure.maybe_sent && is_unknown(Some(op), Evidence::AnswerLost) {
                        break Err(failure.error.into_outcome_unknown(recovery));
                    }
                    break Err(failure.error);
                }
            }
        };

        if let Ok(resp) = &result {
            span.record("status", resp.status());
        }
        span.record("latency_ms", elapsed_ms(started));
        result
    }
}

/// The delay before the next attempt, or `None` when no retry should be
/// made (attempts exhausted, `Retry-After` too long, deadline too near).
fn next_delay(
    retry: &RetryPolicy,
    backoff: &mut Backoff,
    headers: Option<&HeaderMap>,
    deadline: Option<Instant>,
) -> Option<Duration> {
    {
        let computed = backoff.next()?;
        let delay = match headers.and_then(retry_after) {
            Some(ra) if ra > retry.get_max_retry_after() => {
                tracing::debug!(
                    retry_after_ms = ra.as_millis() as u64,
                    "Retry-After is longer than the policy allows; not retrying"
                );
                return None;
            }
            Some(ra) => ra,
            None => computed,
        };
        if let Some(deadline) = deadline {
            match Instant::now().checked_add(delay) {
                Some(at) if at < deadline => {}
                _ => return None,
            }
        }
        Some(delay)
    }
}

/// Runs `fut` before `deadline` (if any); past it, a total timeout.
pub(super) async fn with_deadline<T>(
    deadline: Option<Instant>,
    fut: impl std::future::Future<Output = T>,
) -> Result<T, Error<Infallible>> {
    match deadline {
        Some(d) => tokio::time::timeout_at(d, fut)
            .await
            .map_err(|_| Error::Timeout {
                kind: TimeoutKind::Total,
            }),
        None => Ok(fut.await),
    }
}
