//! A string that must not leak into logs, `Debug` output or error messages.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A secret string: an API key, password, client secret or token.
///
/// `Debug` and `Display` print `***`; the value is zeroed when dropped. Use
/// [`Secret::expose`] where the real value is needed.
///
/// `Serialize` writes the **real value**, because a secret sometimes has to be
/// sent in a request body; never serialize a `Secret` into a log.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(SecretString::from(value.into()))
    }

    /// The real value. Keep the borrow short and never log it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl From<&String> for Secret {
    fn from(value: &String) -> Self {
        Secret::new(value.as_str())
    }
}

thread_local! {
    /// The values of the `Secret`s serialized on this thread while
    /// [`collecting`] runs.
    static SERIALIZED: std::cell::RefCell<Option<Vec<String>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` (which serializes a request body) and returns what it returns
/// with the values of every [`Secret`] it serialized, so that a server
/// echoing them can be scrubbed.
pub(crate) fn collecting<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let outer = SERIALIZED.with(|s| s.borrow_mut().replace(Vec::new()));
    let value = f();
    let seen = SERIALIZED.with(|s| {
        let mut slot = s.borrow_mut();
        let seen = slot.take().unwrap_or_default();
        if let Some(mut outer) = outer {
            outer.extend(seen.iter().cloned());
            *slot = Some(outer);
        }
        seen
    });
    (value, seen)
}

/// Writes the real value (needed to send a secret in a body).
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SERIALIZED.with(|s| {
            if let Some(seen) = s.borrow_mut().as_mut() {
                seen.push(self.expose().to_owned());
            }
        });
        serializer.serialize_str(self.expose())
    }
}

/// Reads a secret from a string.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn serde_round_trip_uses_real_value() {
        let s = Secret::from("k");
        assert_eq!(serde_json::to_string(&s).ok().as_deref(), Some("\"k\""));
        let back: Secret = serde_json::from_str("\"k\"").unwrap_or_else(|_| Secret::new(""));
        assert_eq!(back, s);
    }
}
