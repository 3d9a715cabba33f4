//! The one place that decides when the outcome of a call is unknown, i.e.
//! when an error is reported as [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown):
//! the request may have been processed, and repeating it blindly may do it
//! twice.

use crate::api::Operation;

/// What a caller needs to settle a call whose outcome stayed unknown, kept
/// with its response: the rendered outcome reference, and the idempotency
/// key the call sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recovery {
    /// [`Operation::outcome_reference`] rendered as `name=value`.
    pub(crate) reference: Option<String>,
    /// The key of [`Operation::idempotency`], as sent.
    pub(crate) idempotency_key: Option<String>,
}

/// What the client saw that may leave the outcome of a call open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Evidence {
    /// No answer: a timeout or a transport failure after the request may
    /// have been sent.
    AnswerLost,
    /// The server answered 5xx: a gateway or server failure does not say
    /// whether the request was acted on.
    ServerFailed,
    /// The server answered 2xx but the body cannot be read.
    AnswerUnreadable,
    /// The result envelope's code is missing or not documented.
    ResultUndocumented,
}

/// `true` when, after `evidence`, the outcome of a call of `op` is unknown.
///
/// A lost answer leaves every operation that is not
/// [retry-safe](Operation::retry_safe) open (a retry-safe one is simply
/// retried or reported as a timeout/transport error). An answer that
/// cannot be trusted leaves open the operations whose repetition does harm:
/// those that [move money](Operation::moves_money) or are
/// [send-once](Operation::send_once). A response built by hand (no
/// operation) is never open.
pub fn is_unknown(op: Option<&Operation>, evidence: Evidence) -> bool {
    let Some(op) = op else { return false };
    match evidence {
        Evidence::AnswerLost => !op.retry_safe(),
        Evidence::ServerFailed | Evidence::AnswerUnreadable | Evidence::ResultUndocumented => {
            op.moves_money || op.send_once
        }
    }
}
