//! Checking a request against the constraints its API description declares
//! (patterns, lengths, ranges, item counts, formats) before anything is
//! sent.
//!
//! Generated models implement [`Validate`] by calling the [`Validator`]'s
//! checks on their fields; containers (`Option`, `Vec`, `Box`,
//! `BTreeMap<String, _>`) recurse, and scalars have nothing to check by
//! themselves. [`validate`] runs it and collects *every* problem, each with
//! the path of the field, e.g. `order.items[2].amount must be greater than 0`.
//!
//! Messages name the rule that is broken, never the value, so a secret
//! cannot leak through a validation error.
//!
//! ```
//! use pasarela_runtime::{validate, Validate, Validator};
//!
//! struct Item { amount: i64, account: String }
//! impl Validate for Item {
//!     fn validate(&self, v: &mut Validator) {
//!         v.at("amount", |v| v.minimum_i64(self.amount, 0, true));
//!         v.at("account", |v| v.pattern(&self.account, "^[0-9]+$"));
//!     }
//! }
//! struct Order { items: Vec<Item> }
//! impl Validate for Order {
//!     fn validate(&self, v: &mut Validator) {
//!         v.field("items", &self.items);
//!         v.at("items", |v| v.min_items(self.items.len(), 1));
//!     }
//! }
//!
//! let order = Order { items: vec![Item { amount: 0, account: "12a".into() }] };
//! let err = validate(&order).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "invalid request: items[0].amount must be greater than 0; items[0].account must match ^[0-9]+$"
//! );
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock};

use regex::Regex;
use rust_decimal::Decimal;

use crate::secret::Secret;

/// A value that can check itself against its declared constraints.
pub trait Validate {
    /// Reports every problem of `self` to `v`, at `v`'s current path. The
    /// default reports nothing: a type without constraints.
    fn validate(&self, v: &mut Validator) {
        let _ = v;
    }
}

/// Validates `value` and returns every problem found.
pub fn validate<T: Validate + ?Sized>(value: &T) -> Result<(), ValidationError> {
    let mut v = Validator::new();
    value.validate(&mut v);
    v.finish()
}

/// One broken constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    /// Where, e.g. `order.items[2].amount`; empty for the value itself.
    pub path: String,
    /// What is wrong, e.g. `must be greater than 0`.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "the value {}", self.message)
        } else {
            write!(f, "{} {}", self.path, self.message)
        }
    }
}

/// A request that breaks its declared constraints; lists every problem.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("invalid request: {}", join(.problems))]
pub struct ValidationError {
    /// The problems, in the order they were found.
    pub problems: Vec<Problem>,
}

fn join(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// One step of a path.
#[derive(Debug, Clone)]
enum Segment {
    Field(String),
    Index(usize),
    Key(String),
}

/// Collects the problems of a value, each with the path where it was found.
#[derive(Debug, Default)]
pub struct Validator {
    path: Vec<Segment>,
    problems: Vec<Problem>,
}

impl Validator {
    /// An empty validator at the root path.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates a field: its name is appended to the path (`.name`, or
    /// `name` at the root) while `value` validates itself.
    pub fn field<T: Validate + ?Sized>(&mut self, name: &str, value: &T) {
        self.at(name, |v| value.validate(v));
    }

    /// Runs `check` with `name` appended to the path (`.name`, or `name` at
    /// the root).
    pub fn at(&mut self, name: &str, check: impl FnOnce(&mut Validator)) {
        self.within(Segment::Field(name.to_owned()), check);
    }

    /// Runs `check` with the item index appended to the path (`[index]`).
    pub fn index(&mut self, index: usize, check: impl FnOnce(&mut Validator)) {
        self.within(Segment::Index(index), check);
    }

    /// Runs `check` with a map key appended to the path (`["key"]`).
    pub fn key(&mut self, key: &str, check: impl FnOnce(&mut Validator)) {
        self.within(Segment::Key(key.to_owned()), check);
    }

    fn within(&mut self, segment: Segment, check: impl FnOnce(&mut Validator)) {
        self.path.push(segment);
        check(self);
        self.path.pop();
    }

    /// The current path, e.g. `order.items[2].amount`.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                Segment::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
                Segment::Key(k) => {
                    out.push('[');
                    out.push_str(&format!("{k:?}"));
                    out.push(']');
                }
            }
        }
        out
    }

    /// Records a problem at the current path. `message` must not quote the
    /// value (it may be a secret).
    pub fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(Problem {
            path: self.path(),
            message: message.into(),
        });
    }

    /// `value` must match the regular expression `pattern` (unanchored, as
    /// in JSON Schema). A pattern the `regex` crate cannot compile is itself
    /// reported as a problem.
    pub fn pattern(&mut self, value: &str, pattern: &'static str) {
        match compiled(pattern) {
            Some(re) => {
                if !re.is_match(value) {
                    self.problem(format!("must match {pattern}"));
                }
            }
            None => self.problem(format!(
                "cannot be checked: the pattern is not a valid regex: {pattern}"
            )),
        }
    }

    /// `value` must have at least `min` characters.
    pub fn min_length(&mut self, value: &str, min: u64) {
        if (value.chars().count() as u64) < min {
            self.problem(format!(
                "must be at least {min} {} long",
                plural(min, "character", "characters")
            ));
        }
    }

    /// `value` must have at most `max` characters.
    pub fn max_length(&mut self, value: &str, max: u64) {
        if (value.chars().count() as u64) > max {
            self.problem(format!(
                "must be at most {max} {} long",
                plural(max, "character", "characters")
            ));
        }
    }

    /// `value` must be at least `min` (greater than `min` when `exclusive`).
    pub fn minimum_i64(&mut self, value: i64, min: i64, exclusive: bool) {
        self.check_min(value.cmp(&min), &min.to_string(), exclusive);
    }

    /// `value` must be at most `max` (less than `max` when `exclusive`).
    pub fn maximum_i64(&mut self, value: i64, max: i64, exclusive: bool) {
        self.check_max(value.cmp(&max), &max.to_string(), exclusive);
    }

    /// `value` must be at least `min`, given as decimal text (greater than
    /// `min` when `exclusive`). A `min` that is not a decimal is reported as
    /// a problem.
    pub fn minimum_decimal(&mut self, value: &Decimal, min: &str, exclusive: bool) {
        match parse_decimal(min) {
            Some(m) => self.check_min(value.cmp(&m), min.trim(), exclusive),
            None => self.problem(format!(
                "cannot be checked: the minimum {min} is not a decimal"
            )),
        }
    }

    /// `value` must be at most `max`, given as decimal text (less than `max`
    /// when `exclusive`). A `max` that is not a decimal is reported as a
    /// problem.
    pub fn maximum_decimal(&mut self, value: &Decimal, max: &str, exclusive: bool) {
        match parse_decimal(max) {
            Some(m) => self.check_max(value.cmp(&m), max.trim(), exclusive),
            None => self.problem(format!(
                "cannot be checked: the maximum {max} is not a decimal"
            )),
        }
    }

    fn check_min(&mut self, ord: std::cmp::Ordering, min: &str, exclusive: bool) {
        use std::cmp::Ordering::*;
        match (ord, exclusive) {
            (Less, false) => self.problem(format!("must be greater than or equal to {min}")),
            (Less | Equal, true) => self.problem(format!("must be greater than {min}")),
            _ => {}
        }
    }

    fn check_max(&mut self, ord: std::cmp::Ordering, max: &str, exclusive: bool) {
        use std::cmp::Ordering::*;
        match (ord, exclusive) {
            (Greater, false) => self.problem(format!("must be less than or equal to {max}")),
            (Greater | Equal, true) => self.problem(format!("must be less than {max}")),
            _ => {}
        }
    }

    /// A list of `len` items must have at least `min` items.
    pub fn min_items(&mut self, len: usize, min: u64) {
        if (len as u64) < min {
            self.problem(format!(
                "must have at least {min} {}",
                plural(min, "item", "items")
            ));
        }
    }

    /// A list of `len` items must have at most `max` items.
    pub fn max_items(&mut self, len: usize, max: u64) {
        if (len as u64) > max {
            self.problem(format!(
                "must have at most {max} {}",
                plural(max, "item", "items")
            ));
        }
    }

    /// `value` must look like an email address: exactly one `@`, a
    /// non-empty local part, a domain with a dot between non-empty labels,
    /// and no whitespace. (A pragmatic check, not RFC 5322.)
    pub fn email(&mut self, value: &str) {
        if !looks_like_email(value) {
            self.problem("must be an email address");
        }
    }

    /// The problems found so far.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// `Ok` when no problem was found, else every problem.
    pub fn finish(self) -> Result<(), ValidationError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                problems: self.problems,
            })
        }
    }
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    Decimal::from_str(t)
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

fn looks_like_email(value: &str) -> bool {
    if value.chars().any(char::is_whitespace) {
        return false;
    }
    let mut parts = value.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && domain.split('.').all(|label| !label.is_empty())
}

/// The compiled form of `pattern`, compiled once per pattern; `None` when it
/// is not a valid regex.
fn compiled(pattern: &'static str) -> Option<Regex> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    // A poisoned lock only means another thread panicked while holding it;
    // the map itself is still consistent.
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(pattern)
        .or_insert_with(|| Regex::new(pattern).ok())
        .clone()
}

// ---------------------------------------------------------------------------
// Containers recurse; scalars have nothing to check by themselves.

impl<T: Validate + ?Sized> Validate for &T {
    fn validate(&self, v: &mut Validator) {
        (**self).validate(v);
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, v: &mut Validator) {
        if let Some(inner) = self {
            inner.validate(v);
        }
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate(&self, v: &mut Validator) {
        (**self).validate(v);
    }
}

impl<T: Validate> Validate for [T] {
    fn validate(&self, v: &mut Validator) {
        for (i, item) in self.iter().enumerate() {
            v.index(i, |v| item.validate(v));
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, v: &mut Validator) {
        self.as_slice().validate(v);
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate(&self, v: &mut Validator) {
        for (key, item) in self {
            v.key(key, |v| item.validate(v));
        }
    }
}

macro_rules! no_constraints {
    ($($t:ty),* $(,)?) => {
        $(
            impl Validate for $t {
                fn validate(&self, _: &mut Validator) {}
            }
        )*
    };
}

no_constraints!(
    String,
    str,
    bool,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    (),
    Decimal,
    Secret,
    serde_json::Value,
    bytes::Bytes,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_rendering() {
        let mut v = Validator::new();
        v.at("a", |v| {
            v.at("list", |v| {
                v.index(2, |v| v.at("amount", |v| v.minimum_i64(0, 0, true)))
            })
        });
        v.key("k\"ey", |v| v.problem("is odd"));
        v.problem("is bad");
        let e = v.finish().unwrap_err();
        assert_eq!(e.problems[0].path, "a.list[2].amount");
        assert_eq!(e.problems[0].message, "must be greater than 0");
        assert_eq!(e.problems[1].path, "[\"k\\\"ey\"]");
        assert_eq!(e.problems[2].to_string(), "the value is bad");
    }

    #[test]
    fn email_check() {
        for ok in ["a@b.co", "first.last+tag@sub.example.org"] {
            assert!(looks_like_email(ok), "{ok}");
        }
        for bad in [
            "", "a", "@b.co", "a@b", "a@@b.co", "a@b@c.co", "a b@c.co", "a@.co", "a@b.", "a@b..co",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn ranges() {
        let mut v = Validator::new();
        v.minimum_i64(5, 5, false);
        v.maximum_i64(5, 5, false);
        v.minimum_decimal(&Decimal::new(100, 2), "1.00", false);
        assert!(v.problems().is_empty());
        v.minimum_i64(5, 5, true);
        v.maximum_i64(5, 5, true);
        v.minimum_decimal(&Decimal::new(99, 2), "1", false);
        v.maximum_decimal(&Decimal::new(101, 2), "1.00", false);
        v.maximum_decimal(&Decimal::new(1, 0), "x", false);
        let msgs: Vec<_> = v.problems().iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "must be greater than 5",
                "must be less than 5",
                "must be greater than or equal to 1",
                "must be less than or equal to 1.00",
                "cannot be checked: the maximum x is not a decimal",
            ]
        );
    }
}
