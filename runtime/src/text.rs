//! Plain-text results: APIs that answer `OK: …` or `ERROR: …` (often with
//! HTTP 200 either way), CSV files behind such a first line, and the file
//! name a download is offered under.
//!
//! A [`TextResultSpec`] declares the grammar (generated from the spec); the
//! [`Response`] methods [`text_result`](Response::text_result),
//! [`csv_rows`](Response::csv_rows) and [`csv_bytes`](Response::csv_bytes)
//! apply it:
//!
//! ```
//! use pasarela_runtime::{reqwest::header::HeaderMap, Error, Response, TextError, TextResultSpec};
//!
//! #[derive(Debug, pasarela_runtime::serde::Deserialize)]
//! #[serde(crate = "pasarela_runtime::serde")]
//! struct Imported {
//!     #[serde(with = "pasarela_runtime::serde_util::lenient_i64")]
//!     count: i64,
//! }
//!
//! static GRAMMAR: TextResultSpec = TextResultSpec {
//!     error_prefix: Some("ERROR:"),
//!     ok_prefix: Some("OK:"),
//!     ok_pattern: Some(r"^OK:\s*(?P<count>\d+) imported"),
//! };
//!
//! let ok = Response::from_parts(200, HeaderMap::new(), "OK: 12 imported\r\n");
//! let value: Imported = ok.text_result::<_, TextError>(&GRAMMAR, |e| e).unwrap();
//! assert_eq!(value.count, 12);
//!
//! let failed = Response::from_parts(200, HeaderMap::new(), "ERROR: unknown account");
//! match failed.text_result::<Imported, TextError>(&GRAMMAR, |e| e) {
//!     Err(Error::Api { status: 200, error, .. }) => assert_eq!(error.text, "unknown account"),
//!     other => panic!("{other:?}"),
//! }
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use encoding_rs::WINDOWS_1252;
use percent_encoding::percent_decode_str;
use regex::Regex;
use reqwest::header::{HeaderMap, CONTENT_DISPOSITION};
use serde::de::DeserializeOwned;

use crate::csv::{decode_rows, CsvFormat, CsvRow, BOM};
use crate::error::{Error, EXCERPT_CHARS};
use crate::response::Response;
use crate::response::ResponseHeaders;
use crate::serde_util::excerpt;

/// The grammar of a plain-text result.
#[derive(Debug)]
pub struct TextResultSpec {
    /// A body starting with this text (ignoring case and leading
    /// whitespace) is an error, whatever the HTTP status; the rest of the
    /// text is the error message. E.g. `ERROR:`.
    pub error_prefix: Option<&'static str>,
    /// The text a success starts with, e.g. `OK:`; removed before the value
    /// is read (and, before a CSV body, the whole line starting with it is
    /// dropped). A body without it is accepted too.
    pub ok_prefix: Option<&'static str>,
    /// A regular expression a success must match; its named capture groups
    /// become the fields of the value (as strings, so numeric fields should
    /// use lenient serde helpers).
    pub ok_pattern: Option<&'static str>,
}

/// An error the API reported in a plain-text result (e.g. after `ERROR:`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct TextError {
    /// The text after the error prefix, trimmed.
    pub text: String,
}

/// A downloaded body together with the file name the server offered it
/// under (from `Content-Disposition`).
#[derive(Debug, Clone, PartialEq)]
pub struct Download<T> {
    /// The file name, directory parts removed; `None` when the server gave
    /// none.
    pub file_name: Option<String>,
    /// The decoded content.
    pub content: T,
}

/// How much of a streamed body is read to recognise an error or an `OK`
/// line.
pub(crate) const HEAD_LIMIT: usize = 64 * 1024;

/// Decodes `bytes` as UTF-8, or as Windows-1252 when they are not valid
/// UTF-8; a leading byte order mark is dropped.
pub(crate) fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

/// Like [`decode_text`], for the first bytes of a body that may end in the
/// middle of a UTF-8 character: an incomplete last character is dropped.
pub(crate) fn decode_head(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(e) if e.error_len().is_none() => {
            Cow::Borrowed(std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default())
        }
        Err(_) => WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

/// `text` without `prefix`, compared without regard to case, after leading
/// whitespace; `None` when it does not start with it (or `prefix` is empty).
pub(crate) fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    if prefix.is_empty() {
        return None;
    }
    let text = text.trim_start();
    let mut rest = text.char_indices();
    for p in prefix.chars() {
        let (_, c) = rest.next()?;
        if !c.to_lowercase().eq(p.to_lowercase()) {
            return None;
        }
    }
    Some(match rest.next() {
        Some((i, _)) => &text[i..],
        None => "",
    })
}

/// The error the API reported, when `text` starts with the spec's error
/// prefix.
pub(crate) fn text_error(text: &str, spec: &TextResultSpec) -> Option<TextError> {
    let rest = strip_prefix_ci(text, spec.error_prefix?)?;
    Some(TextError {
        text: rest.trim().to_owned(),
    })
}

/// Where the bytes after a leading `OK` line start: when the first line
/// that is not blank (after a byte order mark) starts with `ok_prefix`, the
/// index just past its `\n` (or the end of `bytes`); `None` otherwise.
pub(crate) fn after_ok_line(bytes: &[u8], spec: &TextResultSpec) -> Option<usize> {
    let prefix = spec.ok_prefix?;
    let bom = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    let start = bytes[bom..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(bytes.len(), |p| bom + p);
    let line_end = bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |p| start + p + 1);
    let line = decode_head(&bytes[start..line_end]);
    strip_prefix_ci(&line, prefix).map(|_| line_end)
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

/// The file name of a `Content-Disposition` header (RFC 6266): the
/// `filename*` parameter (RFC 5987, UTF-8 or ISO-8859-1) when present, else
/// `filename` (quoted or not). Directory parts (up to the last `/` or `\`)
/// are removed; an empty name is `None`.
pub(crate) fn content_disposition_file_name(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(CONTENT_DISPOSITION)?;
    let raw = decode_text(value.as_bytes());
    let params = parse_params(&raw);
    let extended = params
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("filename*"))
        .and_then(|(_, v)| decode_ext_value(v));
    let name = extended.or_else(|| {
        params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("filename"))
            .map(|(_, v)| v.clone())
    })?;
    // Control characters (a newline, an escape sequence for the terminal
    // the name is printed to) are dropped; only the last path segment is kept.
    let cleaned: String = name.chars().filter(|c| !c.is_control()).collect();
    let base = cleaned
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim();
    if base.is_empty() || base == "." || base == ".." {
        None
    } else {
        Some(base.to_owned())
    }
}

/// The `name=value` parameters after the disposition type; quoted values
/// are unquoted (with `\` escapes).
fn parse_params(header: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = header.chars().peekable();
    // Skip the disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ';') {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
            chars.next();
        }
        if chars.peek().is_none() && name.trim().is_empty() {
            return params;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(escaped) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        c => value.push(c),
                    }
                }
                // Anything up to the next `;` is ignored.
                for c in chars.by_ref() {
                    if c == ';' {
                        break;
                    }
                }
            } else {
                for c in chars.by_ref() {
                    if c == ';' {
                        break;
                    }
                    value.push(c);
                }
                value = value.trim().to_owned();
            }
        }
        params.push((name.trim().to_owned(), value));
    }
}

/// Decodes an RFC 5987 `ext-value`: `charset'language'percent-encoded`.
fn decode_ext_value(v: &str) -> Option<String> {
    let mut parts = v.splitn(3, '\'');
    let charset = parts.next()?.trim();
    let _language = parts.next()?;
    let encoded = parts.next()?;
    let bytes: Vec<u8> = percent_decode_str(encoded).collect();
    if charset.eq_ignore_ascii_case("utf-8") {
        String::from_utf8(bytes).ok()
    } else if charset.eq_ignore_ascii_case("iso-8859-1") {
        Some(bytes.iter().map(|&b| char::from(b)).collect())
    } else {
        None
    }
}

impl Response {
    /// The body as text; it must be valid UTF-8 ([`Error::Decode`]
    /// otherwise).
    pub fn text<E>(&self) -> Result<String, Error<E>> {
        self.money_guard(self.text_unguarded())
    }

    fn text_unguarded<E>(&self) -> Result<String, Error<E>> {
        std::str::from_utf8(self.body())
            .map(str::to_owned)
            .map_err(|e| {
                self.decode_failure(".".to_owned(), format!("the body is not valid UTF-8: {e}"))
            })
    }

    /// The file name from the `Content-Disposition` header
    /// (`filename*=UTF-8''…` preferred over `filename="…"`, RFC 6266), with
    /// directory parts removed; `None` when there is none.
    pub fn file_name(&self) -> Option<String> {
        content_disposition_file_name(self.headers())
    }

    /// Reads a plain-text result declared by `spec`, whatever the HTTP
    /// status.
    ///
    /// The body is decoded (UTF-8, else Windows-1252), a byte order mark is
    /// dropped and the text trimmed. Then:
    ///
    /// 1. if it starts with the [error prefix](TextResultSpec::error_prefix)
    ///    → [`Error::Api`] with `wrap(TextError { text })`, `text` being the
    ///    rest, trimmed;
    /// 2. else, with an [`ok_pattern`](TextResultSpec::ok_pattern): the
    ///    pattern is matched against the first non-empty line, then against
    ///    the whole text; no match is [`Error::Decode`] (quoting the body).
    ///    The named groups that took part in the match make a JSON object of
    ///    strings that `T` is read from. A pattern without named groups only
    ///    checks the text, and `T` is read as in 3;
    /// 3. else `T` is read from the text (without the
    ///    [`ok_prefix`](TextResultSpec::ok_prefix) when it starts with it,
    ///    then trimmed) as a JSON string, so `T` may be `String` or a
    ///    string newtype such as [`Secret`](crate::Secret). An empty text is
    ///    [`Error::Decode`].
    pub fn text_result<T: DeserializeOwned, E>(
        &self,
        spec: &TextResultSpec,
        wrap: impl FnOnce(TextError) -> E,
    ) -> Result<T, Error<E>> {
        self.money_guard(self.text_result_unguarded(spec, wrap))
    }

    fn text_result_unguarded<T: DeserializeOwned, E>(
        &self,
        spec: &TextResultSpec,
        wrap: impl FnOnce(TextError) -> E,
    ) -> Result<T, Error<E>> {
        let decoded = decode_text(self.body());
        let text = decoded.trim();
        if let Some(error) = text_error(text, spec) {
            return Err(self.declared(wrap(error)));
        }
        let decode_error = |path: String, message: String| Error::Decode {
            status: self.status(),
            path,
            message,
            excerpt: excerpt(text, EXCERPT_CHARS),
            headers: ResponseHeaders::new(self.headers().clone()),
        };
        let without_prefix = spec
            .ok_prefix
            .and_then(|p| strip_prefix_ci(text, p))
            .unwrap_or(text)
            .trim();
        let value = match spec.ok_pattern {
            Some(pattern) => {
                let re = compiled(pattern).ok_or_else(|| {
                    decode_error(
                        String::new(),
                        format!("the declared result pattern `{pattern}` is not a valid regular expression"),
                    )
                })?;
                let first_line = text.lines().map(str::trim).find(|l| !l.is_empty());
                let caps = first_line
                    .and_then(|l| re.captures(l))
                    .or_else(|| re.captures(text))
                    .ok_or_else(|| {
                        decode_error(
                            String::new(),
                            "the response does not match the expected result grammar".to_owned(),
                        )
                    })?;
                let mut names = re.capture_names().flatten().peekable();
                if names.peek().is_none() {
                    serde_json::Value::String(without_prefix.to_owned())
                } else {
                    let object = names
                        .filter_map(|name| {
                            caps.name(name).map(|m| {
                                (
                                    name.to_owned(),
                                    serde_json::Value::String(m.as_str().to_owned()),
                                )
                            })
                        })
                        .collect::<serde_json::Map<_, _>>();
                    serde_json::Value::Object(object)
                }
            }
            None => {
                if without_prefix.is_empty() {
                    return Err(decode_error(
                        String::new(),
                        "the response is empty".to_owned(),
                    ));
                }
                serde_json::Value::String(without_prefix.to_owned())
            }
        };
        crate::serde_util::from_value_traced(&value).map_err(|e| {
            let path = e.path().to_string();
            decode_error(path, e.into_inner().to_string())
        })
    }

    /// Reads the rows of a CSV body that follows the plain-text grammar
    /// `spec`: a body starting with the error prefix is [`Error::Api`] (as in
    /// [`text_result`](Response::text_result)); a first line starting with
    /// the ok prefix (e.g. `OK: 12 rows`) is dropped; the rest is read with
    /// [`decode_rows`] ([`Error::Csv`] when a record cannot be read).
    pub fn csv_rows<R: CsvRow, E>(
        &self,
        format: &CsvFormat,
        spec: &TextResultSpec,
        wrap: impl FnOnce(TextError) -> E,
    ) -> Result<Vec<R>, Error<E>> {
        let rows = self
            .csv_bytes(spec, wrap)
            .and_then(|bytes| decode_rows(&bytes, format).map_err(Error::Csv));
        self.money_guard(rows)
    }

    /// The bytes of a CSV body that follows the plain-text grammar `spec`,
    /// undecoded: like [`csv_rows`](Response::csv_rows), but the bytes after
    /// a dropped `OK` line (or the whole body) are returned as received.
    pub fn csv_bytes<E>(
        &self,
        spec: &TextResultSpec,
        wrap: impl FnOnce(TextError) -> E,
    ) -> Result<Bytes, Error<E>> {
        let body = self.body();
        if let Some(prefix) = spec.error_prefix {
            let head = decode_head(&body[..body.len().min(HEAD_LIMIT)]);
            if strip_prefix_ci(&head, prefix).is_some() {
                if let Some(error) = text_error(decode_text(body).trim(), spec) {
                    return Err(self.declared(wrap(error)));
                }
            }
        }
        let start = after_ok_line(body, spec).unwrap_or(0);
        Ok(self.body_bytes().slice(start..))
    }
}

#[cfg(test)]
mod file_name_tests {
    use super::content_disposition_file_name;
    use reqwest::header::{HeaderMap, HeaderValue, CONTENT_DISPOSITION};

    fn name(value: &str) -> Option<String> {
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_DISPOSITION,
            HeaderValue::from_str(value).expect("header"),
        );
        content_disposition_file_name(&headers)
    }

    #[test]
    fn control_characters_and_directories_are_dropped_from_file_names() {
        assert_eq!(
            name("attachment; filename=\"cobranzas.csv\""),
            Some("cobranzas.csv".into())
        );
        // An escape sequence and a newline (percent-encoded in filename*).
        assert_eq!(
            name("attachment; filename*=UTF-8''evil%1B%5B31m%0Aname.csv"),
            Some("evil[31mname.csv".into())
        );
        assert_eq!(
            name("attachment; filename=\"../../etc/passwd\""),
            Some("passwd".into())
        );
        assert_eq!(name("attachment; filename=\"%0A\""), Some("%0A".into()));
        assert_eq!(name("attachment; filename*=UTF-8''%0A%0D"), None);
    }
}
