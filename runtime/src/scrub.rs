//! Keeps configured secrets out of what servers answer.
//!
//! A gateway or API that echoes the request (a debug field, an error page
//! quoting the headers) would otherwise carry the API key, the Basic
//! credentials or the OAuth client secret into a decoded value, an error's
//! `Display`/`Debug` or a log line. Every response body is scrubbed as it
//! arrives, before anything reads it: each configured secret (and its
//! Basic-auth encoding), each secret the request itself carried and each
//! OAuth2 access token obtained at run time becomes `***`. That holds for
//! buffered bodies, streamed ones (chunk by chunk, a secret split across
//! two chunks included: see `ScrubbedStream`) and the token endpoint's
//! own answers.
//!
//! A body reaches the rest of the runtime only as `Clean` bytes, which
//! only a `Scrubber` makes: a new path from the network to an error
//! cannot skip the scrubber by accident.
//!
//! Secrets shorter than [`MIN_SECRET_LEN`] characters are not scrubbed:
//! replacing every `k` of a body because a test key is `k` would corrupt
//! data, and real keys are longer.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_util::stream::Stream;

/// Shorter secrets are left alone (see the module docs).
pub const MIN_SECRET_LEN: usize = 6;

/// What replaces a secret.
const MASK: &[u8] = b"***";

/// The secrets to remove, longest first (so a secret that contains another
/// is removed whole).
#[derive(Clone, Default)]
pub(crate) struct Scrubber {
    secrets: Vec<Vec<u8>>,
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Scrubber({} secrets)", self.secrets.len())
    }
}

impl Scrubber {
    /// A scrubber for `secrets` (short ones and duplicates dropped).
    pub(crate) fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<Vec<u8>> = secrets
            .into_iter()
            .filter(|s| s.chars().count() >= MIN_SECRET_LEN)
            .map(String::into_bytes)
            .collect();
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
        Self { secrets }
    }

    /// This scrubber with `extra` secrets too (a request's own secrets, the
    /// live OAuth2 tokens).
    /// Borrows `self` when there is nothing to add (the usual case for a
    /// call without OAuth2 or secret body fields).
    pub(crate) fn with(
        &self,
        extra: impl IntoIterator<Item = String>,
    ) -> std::borrow::Cow<'_, Scrubber> {
        let mut extra = extra.into_iter().peekable();
        if extra.peek().is_none() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut all: Vec<String> = self
            .secrets
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
        all.extend(extra);
        std::borrow::Cow::Owned(Scrubber::new(all))
    }

    /// `body` with every secret masked, as the type the rest of the
    /// runtime accepts.
    pub(crate) fn clean(&self, body: Bytes) -> Clean {
        match self.scrub(&body) {
            Some(masked) => Clean(Bytes::from(masked)),
            None => Clean(body),
        }
    }

    /// `stream`, scrubbed chunk by chunk.
    pub(crate) fn stream<S>(self, stream: S) -> ScrubbedStream<S> {
        ScrubbedStream {
            inner: stream,
            keep: self.secrets.first().map_or(0, |s| s.len() - 1),
            scrubber: self,
            pending: BytesMut::new(),
            ended: false,
        }
    }

    /// `body` with every secret replaced, or `None` when it holds none.
    fn scrub(&self, body: &[u8]) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        for secret in &self.secrets {
            let current: &[u8] = out.as_deref().unwrap_or(body);
            if memchr::memmem::find(current, secret).is_none() {
                continue;
            }
            let mut next = Vec::with_capacity(current.len());
            let mut rest = current;
            while let Some(at) = memchr::memmem::find(rest, secret) {
                next.extend_from_slice(&rest[..at]);
                next.extend_from_slice(MASK);
                rest = &rest[at + secret.len()..];
            }
            next.extend_from_slice(rest);
            out = Some(next);
        }
        out
    }
}

/// Response bytes that went through a [`Scrubber`]: the only form in which
/// a body from the network reaches a [`Response`](crate::Response), an
/// error or a log line.
#[derive(Clone, Debug, Default)]
pub(crate) struct Clean(Bytes);

impl Clean {
    /// The bytes.
    pub(crate) fn into_bytes(self) -> Bytes {
        self.0
    }

    /// The bytes, borrowed.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Clean chunks gathered into one clean body.
#[derive(Default)]
pub(crate) struct CleanBuf(BytesMut);

impl CleanBuf {
    /// The bytes gathered so far.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Appends a clean chunk.
    pub(crate) fn push(&mut self, chunk: &Clean) {
        self.0.extend_from_slice(&chunk.0);
    }

    /// The whole body.
    pub(crate) fn freeze(self) -> Clean {
        Clean(self.0.freeze())
    }
}

/// A body stream whose chunks are scrubbed as they arrive. The last
/// `longest secret - 1` bytes of what has arrived are held back until the
/// next chunk (or the end), so that a secret split across chunks is still
/// found whole.
pub(crate) struct ScrubbedStream<S> {
    inner: S,
    scrubber: Scrubber,
    /// Bytes held back: a secret may start here and end in the next chunk.
    pending: BytesMut,
    /// How many bytes to hold back.
    keep: usize,
    ended: bool,
}

impl<S, E> Stream for ScrubbedStream<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Clean, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.ended {
                if this.pending.is_empty() {
                    return Poll::Ready(None);
                }
                // Already scrubbed when it was appended.
                return Poll::Ready(Some(Ok(Clean(this.pending.split().freeze()))));
            }
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => this.ended = true,
                Poll::Ready(Some(Ok(chunk))) => {
                    if this.keep == 0 && this.pending.is_empty() {
                        return Poll::Ready(Some(Ok(Clean(chunk))));
                    }
                    this.pending.extend_from_slice(&chunk);
                    if let Some(masked) = this.scrubber.scrub(&this.pending) {
                        this.pending = BytesMut::from(&masked[..]);
                    }
                    if this.pending.len() > this.keep {
                        let ready = this.pending.len() - this.keep;
                        return Poll::Ready(Some(Ok(Clean(this.pending.split_to(ready).freeze()))));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    /// Every way of cutting a body into chunks gives the same scrubbed
    /// bytes as scrubbing it whole.
    #[tokio::test]
    async fn a_secret_split_across_chunks_is_masked() {
        let s = Scrubber::new(["s3cr3t-key".to_owned(), "another-secret".to_owned()]);
        let body: &[u8] = b"a s3cr3t-key, another-secret and s3cr3t-key.";
        let whole = s.scrub(body).expect("found");
        for size in 1..body.len() {
            let chunks: Vec<Result<Bytes, ()>> = body
                .chunks(size)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect();
            let out: Vec<u8> = s
                .clone()
                .stream(futures_util::stream::iter(chunks))
                .map(|c| c.expect("chunk").into_bytes())
                .collect::<Vec<_>>()
                .await
                .concat();
            assert_eq!(out, whole, "chunks of {size}");
        }
    }

    #[tokio::test]
    async fn without_secrets_chunks_pass_as_they_are() {
        let chunks: Vec<Result<Bytes, ()>> = vec![Ok(Bytes::from_static(b"ab")), Ok(Bytes::new())];
        let out: Vec<Bytes> = Scrubber::default()
            .stream(futures_util::stream::iter(chunks))
            .map(|c| c.expect("chunk").into_bytes())
            .collect()
            .await;
        assert_eq!(out, [Bytes::from_static(b"ab"), Bytes::new()]);
    }

    #[test]
    fn every_occurrence_of_every_secret_is_masked_and_short_ones_are_left() {
        let s = Scrubber::new(["s3cr3t-key".to_owned(), "abc".to_owned()]);
        let out = s
            .scrub(b"key=s3cr3t-key; again s3cr3t-key; abc")
            .expect("found");
        assert_eq!(out, b"key=***; again ***; abc");
        assert_eq!(s.scrub(b"nothing here"), None);
    }

    #[test]
    fn a_longer_secret_that_contains_a_shorter_one_goes_whole() {
        let s = Scrubber::new(["secret".to_owned(), "my-secret-plus".to_owned()]);
        assert_eq!(s.scrub(b"[my-secret-plus]").expect("found"), b"[***]");
    }
}
