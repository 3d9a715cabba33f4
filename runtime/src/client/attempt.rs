//! One HTTP attempt, and how a failed attempt is classified (the error the
//! caller sees, and whether it may be retried).

use std::convert::Infallible;
use std::future::Future;

use super::pipeline::ReadError;
use super::Inner;
use crate::error::{describe_reqwest, Error, TimeoutKind};
use crate::response::ResponseHeaders;

/// How one attempt ended when it produced no response.
pub(super) struct AttemptFailure {
    pub(super) error: Error<Infallible>,
    pub(super) retryable: bool,
    /// The request may have reached the server (and been processed).
    pub(super) maybe_sent: bool,
}

impl Inner {
    /// Sends one attempt and hands the response to `read`.
    pub(super) async fn attempt<T, F, Fut>(
        &self,
        request: reqwest::Request,
        read: &F,
    ) -> Result<T, AttemptFailure>
    where
        F: Fn(reqwest::Response) -> Fut,
        Fut: Future<Output = Result<T, ReadError>>,
    {
        let failure = |e: reqwest::Error| AttemptFailure {
            error: Error::Transport {
                message: String::new(),
                source: Some(e),
            },
            retryable: false,
            maybe_sent: true,
        };
        let resp = self.http.execute(request).await.map_err(failure)?;
        read(resp).await.map_err(|e| match e {
            ReadError::Http(e) => failure(e),
            ReadError::TooLarge {
                status,
                limit,
                headers,
            } => AttemptFailure {
                error: Error::BodyTooLarge {
                    status,
                    limit,
                    headers: ResponseHeaders::new(headers),
                },
                retryable: false,
                maybe_sent: false,
            },
        })
    }

    /// Turns a raw attempt failure into the error the caller sees and
    /// decides whether it may be retried.
    pub(super) fn classify(&self, failure: AttemptFailure, retry_safe: bool) -> AttemptFailure {
        let Error::Transport {
            source: Some(e), ..
        } = failure.error
        else {
            return failure;
        };
        let e = e.without_url();
        if e.is_builder() {
            return AttemptFailure {
                error: Error::InvalidRequest(describe_reqwest(&e)),
                retryable: false,
                maybe_sent: false,
            };
        }
        if e.is_connect() {
            // The request never reached the server.
            let error = if e.is_timeout() {
                Error::Timeout {
                    kind: TimeoutKind::Connect,
                }
            } else {
                Error::Transport {
                    message: describe_reqwest(&e),
                    source: Some(e),
                }
            };
            return AttemptFailure {
                error,
                retryable: true,
                maybe_sent: false,
            };
        }
        if e.is_timeout() {
            // A timeout of a caller-made client.
            return AttemptFailure {
                error: Error::Timeout {
                    kind: TimeoutKind::Attempt,
                },
                retryable: true,
                maybe_sent: true,
            };
        }
        // The connection failed after the request may have been sent (a
        // reset, a kept-alive connection the server had closed, a body cut
        // short): repeating is harmless exactly when the operation is
        // retry-safe, and then it is retried.
        AttemptFailure {
            error: Error::Transport {
                message: describe_reqwest(&e),
                source: Some(e),
            },
            retryable: retry_safe,
            maybe_sent: true,
        }
    }
}
