//! Values a spec pins to one constant: a property with `enum: [X]` or
//! `const: X`.
//!
//! Such a property says what kind of object it is in (`"type": "file"`),
//! so it has nothing to choose: [`Pinned`] writes the value on encode and
//! checks it on decode, and is zero-sized. One marker type per distinct
//! value ([`PinnedValue`]) carries the text, instead of a one-variant enum
//! per property with its own impls.
//!
//! ```
//! use pasarela_runtime::{Pinned, PinnedValue};
//!
//! struct File;
//! impl PinnedValue for File {
//!     const VALUE: &'static str = "file";
//! }
//!
//! let kind: Pinned<File> = Pinned::new();
//! assert_eq!(kind.as_str(), "file");
//! assert_eq!(serde_json::to_string(&kind).unwrap(), r#""file""#);
//! assert!(serde_json::from_str::<Pinned<File>>(r#""file""#).is_ok());
//! let wrong = serde_json::from_str::<Pinned<File>>(r#""folder""#).unwrap_err();
//! assert!(wrong.to_string().contains("expected `file`"), "{wrong}");
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The text of one pinned value: generated code declares one marker type
/// per distinct value (in the `types::pinned` module).
pub trait PinnedValue {
    /// The value as sent on the wire.
    const VALUE: &'static str;
}

/// A property whose value the spec pins to `V::VALUE`: encoded as that
/// value, and decoding anything else is an error (which is also how an
/// untagged union tells its alternatives apart). Build one with
/// [`Pinned::new`] or `Default::default()`.
pub struct Pinned<V>(PhantomData<fn() -> V>);

impl<V> Pinned<V> {
    /// The pinned value (there is only one).
    pub const fn new() -> Self {
        Pinned(PhantomData)
    }
}

impl<V: PinnedValue> Pinned<V> {
    /// The value as sent on the wire.
    pub fn as_str(&self) -> &'static str {
        V::VALUE
    }
}

impl<V> Default for Pinned<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> Clone for Pinned<V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<V> Copy for Pinned<V> {}

impl<V> PartialEq for Pinned<V> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<V> Eq for Pinned<V> {}

impl<V> PartialOrd for Pinned<V> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<V> Ord for Pinned<V> {
    fn cmp(&self, _: &Self) -> Ordering {
        Ordering::Equal
    }
}

impl<V> Hash for Pinned<V> {
    fn hash<H: Hasher>(&self, _: &mut H) {}
}

impl<V: PinnedValue> fmt::Debug for Pinned<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(V::VALUE, f)
    }
}

impl<V: PinnedValue> fmt::Display for Pinned<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(V::VALUE)
    }
}

impl<V: PinnedValue> std::str::FromStr for Pinned<V> {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == V::VALUE {
            Ok(Self::new())
        } else {
            Err(format!("expected `{}`, found `{s}`", V::VALUE))
        }
    }
}

impl<V: PinnedValue> Serialize for Pinned<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(V::VALUE)
    }
}

impl<'de, V: PinnedValue> Deserialize<'de> for Pinned<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Expect<V>(PhantomData<fn() -> V>);
        impl<V: PinnedValue> Visitor<'_> for Expect<V> {
            type Value = Pinned<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "`{}`", V::VALUE)
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Pinned<V>, E> {
                if value == V::VALUE {
                    Ok(Pinned::new())
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(value), &self))
                }
            }
        }
        deserializer.deserialize_str(Expect(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Card;
    impl PinnedValue for Card {
        const VALUE: &'static str = "card";
    }

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Source {
        kind: Pinned<Card>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Pinned<Card>>,
    }

    #[test]
    fn written_on_encode_and_checked_on_decode() {
        let source = Source {
            kind: Pinned::new(),
            note: None,
        };
        assert_eq!(
            serde_json::to_value(&source).unwrap(),
            serde_json::json!({"kind": "card"})
        );
        let back: Source = serde_json::from_str(r#"{"kind":"card"}"#).unwrap();
        assert_eq!(back, source);
        let err = serde_json::from_str::<Source>(r#"{"kind":"bank"}"#).unwrap_err();
        assert!(err.to_string().contains("expected `card`"), "{err}");
        let err = serde_json::from_str::<Source>(r#"{"kind":7}"#).unwrap_err();
        assert!(err.to_string().contains("expected `card`"), "{err}");
        assert!(serde_json::from_str::<Source>("{}").is_err(), "required");
        assert_eq!(format!("{:?}", source.kind), "\"card\"");
        assert_eq!("card".parse::<Pinned<Card>>(), Ok(Pinned::new()));
        assert!("bank".parse::<Pinned<Card>>().is_err());
    }

    #[test]
    fn an_untagged_union_tells_alternatives_apart_by_it() {
        struct Bank;
        impl PinnedValue for Bank {
            const VALUE: &'static str = "bank";
        }
        #[derive(Debug, Deserialize)]
        #[serde(untagged)]
        #[allow(dead_code)] // read through Debug only
        enum Account {
            Card { kind: Pinned<Card> },
            Bank { kind: Pinned<Bank> },
        }
        let account: Account = serde_json::from_str(r#"{"kind":"bank"}"#).unwrap();
        assert!(matches!(account, Account::Bank { .. }), "{account:?}");
    }
}
