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
use crate::request::Request;
use crate::response::Response;
use crate::retry::{is_retryable_status, retry_after, Backoff};
use crate::streaming::StreamingResponse;

impl Client {
    /// The pipeline shared by [`send`](Client::send) and
    /// [`send_streaming`](Client::send_streaming): span, attempts, and the
    /// outcome-unknown rule. `read` turns the response of an attempt (headers
    /// received) into `T`, within the attempt's timeout.
    pub(super) async fn run<T, E, F, Fut>(
        &self,
        req: Request,
        reference: Option<String>,
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
        );
        let result = self.inner.execute(req, read).instrument(span.clone()).await;
        result.map_err(|e| {
            let e = e.into_outcome_unknown(op, reference);
            if matches!(e, Error::OutcomeUnknown { .. }) {
                span.in_scope(|| {
                    tracing::warn!(error = %e, "outcome of a money-moving call is unknown");
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
) -> Result<Response, ReadError> {
    let status = resp.status().as_u16();
    let too_large = ReadError::TooLarge { status, limit };
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_large);
    }
    let headers = std::mem::take(resp.headers_mut());
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = resp.chunk().await? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response::from_parts(status, headers, body.freeze()))
}

impl Inner {
    async fn execute<T, F, Fut>(&self, req: Request, read: F) -> Result<T, Error<Infallible>>
    where
        T: Answer,
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, ReadError>>,
    {
        let op = req.op;
        let started = Instant::now();
        let deadline = self.total_timeout.and_then(|t| started.checked_add(t));
        let prepared = self.prepare(req)?;
        let retry_safe = op.retry_safe();
        let mut backoff = self.retry.backoff();
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
            let request = self.build_attempt(&prepared, token.as_ref().map(|t| &t.1))?;

            let attempt_started = Instant::now();
            let attempt_deadline = attempt_started.checked_add(self.attempt_timeout);
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
                            error: Error::Timeout {
                                kind,
                                outcome_unknown: !retry_safe,
                            },
                            retryable: kind == TimeoutKind::Attempt,
                        })
                    }),
                None => self.attempt(request, &read).await,
            };
            let outcome = outcome.map_err(|f| self.classify(f, retry_safe));
            let latency_ms = elapsed_ms(attempt_started);

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
                    if retry_safe && is_retryable_status(status) {
                        if let Some(delay) =
                            self.next_delay(&mut backoff, Some(resp.headers()), deadline)
                        {
                            tracing::warn!(
                                attempt,
                                status,
                                delay_ms = delay.as_millis() as u64,
                                "retryable status; retrying"
                            );
                            self.retry.sleep(delay).await;
                            continue;
                        }
                    }
                    break Ok(resp);
                }
                Err(failure) => {
                    tracing::debug!(attempt, latency_ms, error = %failure.error, "attempt failed");
                    if retry_safe && failure.retryable {
                        if let Some(delay) = self.next_delay(&mut backoff, None, deadline) {
                            tracing::warn!(
                                attempt,
                                delay_ms = delay.as_millis() as u64,
                                error = %failure.error,
                                "attempt failed; retrying"
                            );
                            self.retry.sleep(delay).await;
                            continue;
                        }
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

    /// The delay before the next attempt, or `None` when no retry should be
    /// made (attempts exhausted, `Retry-After` too long, deadline too near).
    fn next_delay(
        &self,
        backoff: &mut Backoff,
        headers: Option<&HeaderMap>,
        deadline: Option<Instant>,
    ) -> Option<Duration> {
        let computed = backoff.next()?;
        let delay = match headers.and_then(retry_after) {
            Some(ra) if ra > self.retry.get_max_retry_after() => {
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
                outcome_unknown: false,
            }),
        None => Ok(fut.await),
    }
}
