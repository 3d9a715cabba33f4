//! Lenient serde helpers for APIs whose scalars do not always arrive with the
//! JSON type their documentation promises.
//!
//! Use them on fields with `#[serde(with = "::pasarela_runtime::serde_util::NAME")]`;
//! each module has a `serialize` and a `deserialize` function. For the `_opt`
//! variants add `#[serde(default)]` so an absent field becomes `None`
//! (and usually `skip_serializing_if = "Option::is_none"`).
//!
//! | module | Rust type | accepts | writes |
//! |---|---|---|---|
//! | [`lenient_string`] | `String` | string, number, bool | string |
//! | [`lenient_i64`] | `i64` | integer, integral float, numeric string (`"274"`) | number |
//! | [`lenient_bool`] | `bool` | `true`/`false`, `"true"`/`"false"` (any case) | bool |
//! | [`decimal_string`] | [`Decimal`] | string (`"89500.00"`), number | string |
//! | [`decimal_number`] | [`Decimal`] | string, number | number, written exactly |
//! | [`string_as_number`] | `String` of digits | string, number | number, written exactly |
//!
//! Numbers arriving as JSON floats are converted through their shortest
//! round-trip text (`1322.1` → `"1322.1"`), never through a lossy binary
//! conversion, so the decimal value is exactly the one written on the wire.
//! (A trailing zero of a JSON *number*, as in `1322.10`, is lost by the JSON
//! parser itself; the value is still equal. Strings keep their scale.)
//!
//! The `_opt` variants map `null` to `None`; the numeric and boolean ones
//! (and [`string_as_number_opt`]) also map an empty string `""` to `None`.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Error as _, Visitor};
use serde::Deserialize as _;
use serde::Serializer;

/// Decodes `value`, tracing the path of the failing field only when decoding
/// fails: tracing every value costs about as much as decoding it.
pub(crate) fn from_value_traced<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
    if let Ok(decoded) = T::deserialize(value) {
        return Ok(decoded);
    }
    serde_path_to_error::deserialize(value)
}

/// The first `max` characters of `s`, followed by `…` when something was
/// cut. Never splits a character.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((idx, _)) => {
            let mut out = String::with_capacity(idx + 3);
            out.push_str(&s[..idx]);
            out.push('…');
            out
        }
    }
}

/// Most bytes of a server's error body an error keeps (64 KiB): enough for
/// any real error document, while a huge error page cannot make an error
/// (and its `Debug`) huge.
pub const KEPT_BODY_BYTES: usize = 64 * 1024;

/// `text` cut to at most [`KEPT_BODY_BYTES`] (at a character boundary),
/// with a marker saying how much was dropped.
pub fn kept_body(mut text: String) -> String {
    if text.len() <= KEPT_BODY_BYTES {
        return text;
    }
    let mut cut = KEPT_BODY_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let dropped = text.len() - cut;
    text.truncate(cut);
    text.push_str(&format!("… [{dropped} more bytes not kept]"));
    text
}

// ---------------------------------------------------------------------------
// Scalar readers shared by the modules below.

/// A JSON scalar read with `deserialize_any`.
enum Scalar {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Null,
}

impl Scalar {
    fn describe(&self) -> String {
        match self {
            Scalar::Str(s) => format!("string {:?}", excerpt(s, 40)),
            Scalar::I64(v) => format!("integer {v}"),
            Scalar::U64(v) => format!("integer {v}"),
            Scalar::F64(v) => format!("number {v}"),
            Scalar::Bool(v) => format!("boolean {v}"),
            Scalar::Null => "null".to_owned(),
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number, boolean or null")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::I64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

fn to_string<E: de::Error>(s: Scalar) -> Result<String, E> {
    match s {
        Scalar::Str(v) => Ok(v),
        Scalar::I64(v) => Ok(v.to_string()),
        Scalar::U64(v) => Ok(v.to_string()),
        Scalar::F64(v) => Ok(v.to_string()),
        Scalar::Bool(v) => Ok(v.to_string()),
        Scalar::Null => Err(E::custom(
            "expected a string, number or boolean, found null",
        )),
    }
}

fn to_i64<E: de::Error>(s: Scalar) -> Result<i64, E> {
    match s {
        Scalar::I64(v) => Ok(v),
        Scalar::U64(v) => {
            i64::try_from(v).map_err(|_| E::custom(format!("integer {v} is out of range for i64")))
        }
        Scalar::F64(v) if v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 => {
            Ok(v as i64)
        }
        Scalar::Str(ref v) => {
            let t = v.trim();
            let t = t.strip_prefix('+').unwrap_or(t);
            t.parse::<i64>()
                .map_err(|_| E::custom(format!("expected an integer, found {}", s.describe())))
        }
        other => Err(E::custom(format!(
            "expected an integer, found {}",
            other.describe()
        ))),
    }
}

fn to_bool<E: de::Error>(s: Scalar) -> Result<bool, E> {
    match s {
        Scalar::Bool(v) => Ok(v),
        Scalar::Str(ref v) if v.trim().eq_ignore_ascii_case("true") => Ok(true),
        Scalar::Str(ref v) if v.trim().eq_ignore_ascii_case("false") => Ok(false),
        other => Err(E::custom(format!(
            "expected a boolean, found {}",
            other.describe()
        ))),
    }
}

fn to_decimal<E: de::Error>(s: Scalar) -> Result<Decimal, E> {
    let parse = |text: &str| -> Option<Decimal> {
        let t = text.trim();
        let t = t.strip_prefix('+').unwrap_or(t);
        Decimal::from_str(t)
            .ok()
            .or_else(|| Decimal::from_scientific(t).ok())
    };
    match s {
        Scalar::I64(v) => Ok(Decimal::from(v)),
        Scalar::U64(v) => Ok(Decimal::from(v)),
        Scalar::F64(v) => parse(&v.to_string())
            .ok_or_else(|| E::custom(format!("number {v} does not fit in a decimal"))),
        Scalar::Str(ref v) => {
            parse(v).ok_or_else(|| E::custom(format!("expected a decimal, found {}", s.describe())))
        }
        other => Err(E::custom(format!(
            "expected a decimal, found {}",
            other.describe()
        ))),
    }
}

/// `None` for null, and for an empty string when `empty_is_none`.
fn opt_scalar<'de, D: Deserializer<'de>>(
    d: D,
    empty_is_none: bool,
) -> Result<Option<Scalar>, D::Error> {
    match scalar(d)? {
        Scalar::Null => Ok(None),
        Scalar::Str(s) if empty_is_none && s.trim().is_empty() => Ok(None),
        other => Ok(Some(other)),
    }
}

// ---------------------------------------------------------------------------

/// For a discriminated union (`oneOf` + `discriminator`): reads the JSON
/// object and returns the value of its tag `property` with the whole object.
/// A value that is not an object, or has no string tag, is an error naming
/// the property.
pub fn tagged<'de, D: Deserializer<'de>>(
    deserializer: D,
    property: &str,
) -> Result<(String, serde_json::Value), D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    let tag = match value.get(property) {
        Some(serde_json::Value::String(tag)) => tag.clone(),
        Some(_) => {
            return Err(D::Error::custom(format!(
                "the tag property `{property}` is not a string"
            )))
        }
        None if value.is_object() => {
            return Err(D::Error::custom(format!(
                "missing the tag property `{property}`"
            )))
        }
        None => {
            return Err(D::Error::custom(format!(
                "expected an object with a `{property}` tag"
            )))
        }
    };
    Ok((tag, value))
}

/// Decodes the object of a [`tagged`] union as the variant its tag names.
pub fn tagged_variant<T: serde::de::DeserializeOwned, E: serde::de::Error>(
    value: serde_json::Value,
) -> Result<T, E> {
    serde_json::from_value(value).map_err(E::custom)
}

/// `String` from a JSON string, number or boolean (its text); written as a
/// string. A string such as `"0044"` is kept verbatim.
pub mod lenient_string {
    use super::*;

    /// Writes the string.
    pub fn serialize<S: Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value)
    }

    /// Reads a string, number or boolean as text.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        to_string(scalar(d)?)
    }
}

/// `Option<String>`: like [`lenient_string`];
/// `null` is `None` (an empty string stays `Some("")`).
pub mod lenient_string_opt {
    use super::*;

    /// Writes the string, or `null`.
    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_some(v.as_str()),
            None => s.serialize_none(),
        }
    }

    /// Reads a string, number, boolean or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        opt_scalar(d, false)?.map(to_string).transpose()
    }
}

/// `i64` from a JSON integer or a numeric string such as `"274"`; written as
/// a number.
pub mod lenient_i64 {
    use super::*;

    /// Writes the number.
    pub fn serialize<S: Serializer>(value: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(*value)
    }

    /// Reads an integer, an integral float, or a numeric string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        to_i64(scalar(d)?)
    }
}

/// `Option<i64>`: like [`lenient_i64`];
/// `null` and `""` are `None`.
pub mod lenient_i64_opt {
    use super::*;

    /// Writes the number, or `null`.
    pub fn serialize<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_some(v),
            None => s.serialize_none(),
        }
    }

    /// Reads an integer, numeric string, null or empty string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        opt_scalar(d, true)?.map(to_i64).transpose()
    }
}

/// `bool` from `true`/`false` or the strings `"true"`/`"false"` (any case);
/// written as a boolean.
pub mod lenient_bool {
    use super::*;

    /// Writes the boolean.
    pub fn serialize<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*value)
    }

    /// Reads a boolean or a boolean string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        to_bool(scalar(d)?)
    }
}

/// `Option<bool>`: like [`lenient_bool`];
/// `null` and `""` are `None`.
pub mod lenient_bool_opt {
    use super::*;

    /// Writes the boolean, or `null`.
    pub fn serialize<S: Serializer>(value: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_some(v),
            None => s.serialize_none(),
        }
    }

    /// Reads a boolean, boolean string, null or empty string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        opt_scalar(d, true)?.map(to_bool).transpose()
    }
}

/// [`Decimal`] from a string (`"89500.00"`) or a JSON number, read exactly;
/// written as a JSON string keeping its scale (`"89500.00"`).
pub mod decimal_string {
    use super::*;

    /// Writes the decimal as a string.
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_string())
    }

    /// Reads a decimal string or number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        to_decimal(scalar(d)?)
    }
}

/// `Option<Decimal>`: like [`decimal_string`];
/// `null` and `""` are `None`.
pub mod decimal_string_opt {
    use super::*;

    /// Writes the decimal as a string, or `null`.
    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_some(&v.to_string()),
            None => s.serialize_none(),
        }
    }

    /// Reads a decimal string, number, null or empty string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        opt_scalar(d, true)?.map(to_decimal).transpose()
    }
}

/// [`Decimal`] from a string or a JSON number, read exactly; written as a
/// JSON number whose digits are exactly the decimal's (`1322.10`), never
/// through `f64`.
///
/// Writing uses [`serde_json::value::RawValue`], so it is meant for
/// `serde_json` output.
pub mod decimal_number {
    use super::*;
    use serde::ser::Error as _;
    use serde::Serialize;

    pub(super) fn write<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(value.to_string())
            .map_err(S::Error::custom)?;
        raw.serialize(s)
    }

    /// Writes the decimal as a JSON number.
    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        write(value, s)
    }

    /// Reads a decimal string or number.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        to_decimal(scalar(d)?)
    }
}

/// `Option<Decimal>`: like [`decimal_number`];
/// `null` and `""` are `None`.
pub mod decimal_number_opt {
    use super::*;

    struct AsNumber<'a>(&'a Decimal);

    impl serde::Serialize for AsNumber<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            super::decimal_number::write(self.0, s)
        }
    }

    /// Writes the decimal as a JSON number, or `null`.
    pub fn serialize<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_some(&AsNumber(v)),
            None => s.serialize_none(),
        }
    }

    /// Reads a decimal string, number, null or empty string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        opt_scalar(d, true)?.map(to_decimal).transpose()
    }
}

/// Whether `s` is a JSON number (RFC 8259): `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn to_number_text<E: de::Error>(s: Scalar) -> Result<String, E> {
    match s {
        Scalar::Str(v) => Ok(v),
        Scalar::I64(v) => Ok(v.to_string()),
        Scalar::U64(v) => Ok(v.to_string()),
        Scalar::F64(v) => Ok(v.to_string()),
        other => Err(E::custom(format!(
            "expected a number or a numeric string, found {}",
            other.describe()
        ))),
    }
}

/// A number kept as its text: a `String` such as `"4040440"` or `"-12.50"`
/// written as the JSON number `4040440` / `-12.50`, digit for digit (never
/// through `f64`), and read from a JSON string (kept verbatim, so `"0044"`
/// stays `"0044"`) or a JSON number (its text).
///
/// Writing a string that is not a valid JSON number (`"0044"`, `"12a"`,
/// `""`) fails with a serde error instead of writing invalid JSON. Writing
/// uses [`serde_json::value::RawValue`], so it is meant for `serde_json`
/// output.
pub mod string_as_number {
    use super::*;
    use serde::ser::Error as _;
    use serde::Serialize;

    pub(super) fn write<S: Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
        if !is_json_number(value) {
            return Err(S::Error::custom(format!(
                "{:?} is not a valid JSON number, so it cannot be written as one",
                excerpt(value, 40)
            )));
        }
        let raw =
            serde_json::value::RawValue::from_string(value.to_owned()).map_err(S::Error::custom)?;
        raw.serialize(s)
    }

    /// Writes the text as a JSON number.
    pub fn serialize<S: Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
        write(value, s)
    }

    /// Reads a string (verbatim) or a number (its text).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        to_number_text(scalar(d)?)
    }
}

/// `Option<String>`: like [`string_as_number`];
/// `null` and `""` are `None`.
pub mod string_as_number_opt {
    use super::*;

    struct AsNumber<'a>(&'a str);

    impl serde::Serialize for AsNumber<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            super::string_as_number::write(self.0, s)
        }
    }

    /// Writes the text as a JSON number, or `null`.
    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_some(&AsNumber(v)),
            None => s.serialize_none(),
        }
    }

    /// Reads a string, number, null or empty string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        opt_scalar(d, true)?.map(to_number_text).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_char_safe() {
        assert_eq!(excerpt("abc", 5), "abc");
        assert_eq!(excerpt("abc", 3), "abc");
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(excerpt("ñañañ", 2), "ña…");
        assert_eq!(excerpt("", 0), "");
        assert_eq!(excerpt("x", 0), "…");
    }

    #[test]
    fn json_number_syntax() {
        for ok in ["0", "-0", "4040440", "-12.50", "1e5", "1.5E-3", "0.0"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in [
            "", "-", "0044", "01", "1.", ".5", "1e", "+1", "12a", " 1", "1 ", "NaN",
        ] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }
}
