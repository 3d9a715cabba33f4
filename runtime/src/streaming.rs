//! A response whose body has not been read yet
//! ([`Client::send_streaming`](crate::Client::send_streaming)).

use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::stream::{Stream, StreamExt};
use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::api::Operation;
use crate::csv::{ChunkStream, CsvFormat, CsvRow, CsvStream};
use crate::error::{describe_reqwest, Error, TimeoutKind};
use crate::outcome::{Evidence, Recovery};
use crate::response::Response;
use crate::response::ResponseHeaders;
use crate::scrub::{Clean, CleanBuf, Scrubber};
use crate::text::{
    after_ok_line, content_disposition_file_name, decode_head, decode_text, strip_prefix_ci,
    text_error, TextError, TextResultSpec, HEAD_LIMIT,
};

/// The body, scrubbed as it arrives.
type BodyStream = Pin<Box<dyn Stream<Item = Result<Clean, reqwest::Error>> + Send>>;

/// A response whose status and headers have arrived but whose body has not
/// been read.
///
/// Read the body with [`buffer`](StreamingResponse::buffer) (all of it, for
/// error statuses) or [`into_csv_stream`](StreamingResponse::into_csv_stream)
/// (CSV rows as they arrive). `Debug` shows the status and the header
/// names only.
pub struct StreamingResponse {
    status: u16,
    headers: HeaderMap,
    body: BodyStream,
    /// Bounds [`buffer`](Self::buffer) and the wait for each chunk.
    timeout: Duration,
    /// The most [`buffer`](Self::buffer) reads.
    limit: u64,
    op: Option<&'static Operation>,
    recovery: Recovery,
}

impl fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("StreamingResponse")
            .field("operation", &self.op.map(|op| op.id))
            .field("status", &self.status)
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

impl StreamingResponse {
    pub(crate) fn new(
        mut resp: reqwest::Response,
        timeout: Duration,
        limit: u64,
        scrubber: Scrubber,
    ) -> Self {
        let status = resp.status().as_u16();
        let headers = std::mem::take(resp.headers_mut());
        StreamingResponse {
            status,
            headers,
            body: Box::pin(scrubber.stream(resp.bytes_stream())),
            timeout,
            limit,
            op: None,
            recovery: Recovery::default(),
        }
    }

    /// Records the operation, the request's rendered outcome reference and
    /// its idempotency key.
    pub(crate) fn with_operation(mut self, op: &'static Operation, recovery: Recovery) -> Self {
        self.op = Some(op);
        self.recovery = recovery;
        self
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The file name from the `Content-Disposition` header, as
    /// [`Response::file_name`].
    pub fn file_name(&self) -> Option<String> {
        content_disposition_file_name(&self.headers)
    }

    /// The error of a body that could not be read: the same as
    /// [`Client::send`](crate::Client::send) gives for a body that fails
    /// (outcome unknown for a money-moving operation).
    fn body_error(&self, error: Error<Infallible>) -> Error<Infallible> {
        if !crate::outcome::is_unknown(self.op, Evidence::AnswerUnreadable) {
            return error;
        }
        match error.into_outcome_unknown(self.recovery.clone()) {
            Error::OutcomeUnknown {
                reason,
                reference,
                idempotency_key,
                timeout,
                ..
            } => Error::OutcomeUnknown {
                reason: format!(
                    "the server answered HTTP {} but its body could not be read: {reason}",
                    self.status
                ),
                status: Some(self.status),
                reference,
                idempotency_key,
                envelope: None,
                timeout,
                headers: ResponseHeaders::new(self.headers.clone()),
            },
            other => other,
        }
    }

    /// The next chunk, waiting at most until `deadline`.
    async fn next_chunk(
        &mut self,
        deadline: Option<Instant>,
    ) -> Result<Option<Clean>, Error<Infallible>> {
        let next = match deadline {
            Some(d) => tokio::time::timeout_at(d, self.body.next())
                .await
                .map_err(|_| Error::Timeout {
                    kind: TimeoutKind::Attempt,
                })?,
            None => self.body.next().await,
        };
        match next {
            None => Ok(None),
            Some(Ok(chunk)) => Ok(Some(chunk)),
            Some(Err(e)) => {
                let e = e.without_url();
                Err(Error::Transport {
                    message: describe_reqwest(&e),
                    source: Some(e),
                })
            }
        }
    }

    fn deadline(&self) -> Option<Instant> {
        Instant::now().checked_add(self.timeout)
    }

    /// Reads the whole body (within the client's per-attempt timeout) into
    /// a [`Response`], e.g. to decode an error status.
    pub async fn buffer<E>(mut self) -> Result<Response, Error<E>> {
        let deadline = self.deadline();
        let mut body = CleanBuf::default();
        loop {
            match self.next_chunk(deadline).await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.as_bytes().len()) as u64 > self.limit {
                        return Err(Error::BodyTooLarge {
                            status: self.status,
                            limit: self.limit,
                            headers: ResponseHeaders::new(self.headers),
                        });
                    }
                    body.push(&chunk)
                }
                Ok(None) => break,
                Err(e) => return Err(self.body_error(e).widen()),
            }
        }
        let resp = Response::received(self.status, self.headers, body.freeze());
        Ok(match self.op {
            Some(op) => resp.with_operation(op, self.recovery),
            None => resp,
        })
    }

    /// Reads the body as CSV rows in `format`, as they arrive, applying the
    /// plain-text grammar `spec` first.
    ///
    /// Only the start of the body is read here (up to the first `\n`, at
    /// most 64 KiB; each chunk within the per-attempt timeout): a body
    /// starting with the [error prefix](TextResultSpec::error_prefix) is
    /// [`Error::Api`] with `wrap(TextError { text })` (the text after the
    /// prefix, from at most the first 64 KiB of the body, trimmed); a first
    /// line starting with the [ok prefix](TextResultSpec::ok_prefix) is
    /// dropped. The rest is parsed incrementally by the returned
    /// [`CsvStream`], which fails when no data arrives for longer than the
    /// per-attempt timeout.
    pub async fn into_csv_stream<R: CsvRow, E>(
        mut self,
        format: &'static CsvFormat,
        spec: &'static TextResultSpec,
        wrap: impl FnOnce(TextError) -> E,
    ) -> Result<CsvStream<R>, Error<E>> {
        let file_name = self.file_name();
        let mut head = BytesMut::new();
        let mut ended = false;
        // Read up to the end of the first line that is not blank.
        let mut scanned = 0;
        let mut content = false;
        loop {
            let mut line_done = false;
            for &b in &head[scanned..] {
                if b == b'\n' && content {
                    line_done = true;
                    break;
                }
                content |= !b.is_ascii_whitespace();
            }
            scanned = head.len();
            if line_done || head.len() >= HEAD_LIMIT {
                break;
            }
            match self.next_chunk(self.deadline()).await {
                Ok(Some(chunk)) => head.extend_from_slice(chunk.as_bytes()),
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(e) => return Err(self.body_error(e).widen()),
            }
        }

        if let Some(prefix) = spec.error_prefix {
            if strip_prefix_ci(&decode_head(&head), prefix).is_some() {
                // Whatever arrives of the rest of the message, within limits;
                // the API error is reported even if the body then fails.
                while !ended && head.len() < HEAD_LIMIT {
                    match self.next_chunk(self.deadline()).await {
                        Ok(Some(chunk)) => head.extend_from_slice(chunk.as_bytes()),
                        Ok(None) | Err(_) => ended = true,
                    }
                }
                let cut = !ended || head.len() > HEAD_LIMIT;
                head.truncate(HEAD_LIMIT);
                let text = if cut {
                    decode_head(&head)
                } else {
                    decode_text(&head)
                };
                if let Some(error) = text_error(text.trim(), spec) {
                    return Err(Error::Api {
                        status: self.status,
                        error: wrap(error),
                        headers: ResponseHeaders::new(self.headers.clone()),
                    });
                }
            }
        }

        let mut head = head.freeze();
        if let Some(end) = after_ok_line(&head, spec) {
            if end < head.len() || head.ends_with(b"\n") || ended {
                head = head.slice(end..);
            } else {
                // A first line longer than the head: drop it up to its end.
                head = loop {
                    match self.next_chunk(self.deadline()).await {
                        Ok(Some(chunk)) => {
                            let chunk = chunk.into_bytes();
                            if let Some(p) = chunk.iter().position(|&b| b == b'\n') {
                                break chunk.slice(p + 1..);
                            }
                        }
                        Ok(None) => break Bytes::new(),
                        Err(e) => return Err(self.body_error(e).widen()),
                    }
                };
            }
        }

        let source: ChunkStream = Box::pin(self.body.map(|r| {
            r.map(Clean::into_bytes)
                .map_err(|e| describe_reqwest(&e.without_url()))
        }));
        Ok(CsvStream::new(
            source,
            head,
            format,
            file_name,
            Some(self.timeout),
        ))
    }
}
