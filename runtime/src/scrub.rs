//! Keeps configured secrets out of what servers answer.
//!
//! A gateway or API that echoes the request (a debug field, an error page
//! quoting the headers) would otherwise carry the API key, the Basic
//! credentials or the OAuth client secret into a decoded value, an error's
//! `Display`/`Debug` or a log line. Every buffered response body is scrubbed
//! once, when it arrives, before anything reads it: each configured secret
//! (and its Basic-auth encoding) becomes `***`.
//!
//! Secrets shorter than [`MIN_SECRET_LEN`] characters are not scrubbed:
//! replacing every `k` of a body because a test key is `k` would corrupt
//! data, and real keys are longer. Streamed bodies (CSV exports) are not
//! scrubbed; OAuth access tokens are short-lived and not scrubbed either.

use std::fmt;

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

    /// `body` with every secret replaced, or `None` when it holds none.
    pub(crate) fn scrub(&self, body: &[u8]) -> Option<Vec<u8>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
