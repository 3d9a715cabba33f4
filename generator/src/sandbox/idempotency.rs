//! Idempotency keys, as an API that documents them behaves: the first
//! answer per operation and key is stored and replayed for a repeat with
//! the same body (no second effect), and the same key with another body is
//! refused with the operation's first declared conflict status (409 when
//! it declares none). Only operations whose spec declares a key mechanism
//! ([`crate::ir::Operation::idempotency`]) are keyed.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

/// How many keys are remembered (the oldest go first): a long-running
/// `serve` stays bounded.
pub const KEY_LIMIT: usize = 10_000;

/// The status a refused reuse gets when the operation declares none.
pub const DEFAULT_CONFLICT_STATUS: u16 = 409;

/// An answer as stored under a key.
#[derive(Debug, Clone)]
pub(super) struct Stored {
    /// The request body it answered.
    request: Bytes,
    pub(super) status: u16,
    pub(super) content_type: String,
    pub(super) body: Bytes,
}

/// What a request with a key finds.
#[derive(Debug)]
pub(super) enum Lookup {
    /// The key is new: act, then [`Keys::store`] the answer.
    Fresh,
    /// The key was used with the same body: answer this again.
    Replay(Stored),
    /// The key was used with another body.
    Conflict,
}

/// The stored answers, per (operation id, key).
#[derive(Debug, Default)]
pub(super) struct Keys {
    stored: HashMap<(String, String), Stored>,
    order: VecDeque<(String, String)>,
}

impl Keys {
    /// What the key `key` of operation `op` finds for a request with `body`.
    pub(super) fn lookup(&self, op: &str, key: &str, body: &[u8]) -> Lookup {
        match self.stored.get(&(op.to_string(), key.to_string())) {
            None => Lookup::Fresh,
            Some(stored) if stored.request == body => Lookup::Replay(stored.clone()),
            Some(_) => Lookup::Conflict,
        }
    }

    /// Stores the answer to the first request with `key`.
    pub(super) fn store(
        &mut self,
        op: &str,
        key: &str,
        request: Bytes,
        status: u16,
        content_type: String,
        body: Bytes,
    ) {
        let slot = (op.to_string(), key.to_string());
        if self.order.len() >= KEY_LIMIT {
            if let Some(oldest) = self.order.pop_front() {
                self.stored.remove(&oldest);
            }
        }
        self.order.push_back(slot.clone());
        self.stored.insert(
            slot,
            Stored {
                request,
                status,
                content_type,
                body,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_replays_and_another_body_conflicts() {
        let mut keys = Keys::default();
        assert!(matches!(keys.lookup("pay", "k", b"a"), Lookup::Fresh));
        keys.store(
            "pay",
            "k",
            Bytes::from_static(b"a"),
            201,
            "application/json".into(),
            Bytes::from_static(b"{}"),
        );
        assert!(matches!(keys.lookup("pay", "k", b"a"), Lookup::Replay(s) if s.status == 201));
        assert!(matches!(keys.lookup("pay", "k", b"b"), Lookup::Conflict));
        assert!(matches!(keys.lookup("refund", "k", b"a"), Lookup::Fresh));
    }

    #[test]
    fn the_oldest_keys_are_forgotten_past_the_limit() {
        let mut keys = Keys::default();
        for i in 0..=KEY_LIMIT {
            keys.store(
                "pay",
                &i.to_string(),
                Bytes::new(),
                201,
                String::new(),
                Bytes::new(),
            );
        }
        assert!(matches!(keys.lookup("pay", "0", b""), Lookup::Fresh));
        assert!(matches!(keys.lookup("pay", "1", b""), Lookup::Replay(_)));
    }
}
