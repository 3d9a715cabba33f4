//! Values made from the IR — what the generated client decodes — when the
//! document's own examples do not fit: a JSON value of a type (meeting its
//! `pattern`, lengths and bounds), a string a regular expression matches,
//! and a CSV file of a row type.

use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{json, Map, Value as Json};

use crate::ir::{Api, Constraints, CsvFormat, TypeKind, TypeRef};

/// Deepest nesting a made value goes to; optional fields only near the top.
const MAX_DEPTH: usize = 24;
/// Below this depth lists are made empty (when they may be).
const LIST_DEPTH: usize = 4;
const OPTIONAL_DEPTH: usize = 2;

/// A value of `ty` that meets `constraints`.
pub fn value(api: &Api, ty: &TypeRef, constraints: &Constraints) -> Json {
    make(api, ty, constraints, 0)
}

fn make(api: &Api, ty: &TypeRef, c: &Constraints, depth: usize) -> Json {
    match ty {
        TypeRef::String | TypeRef::Secret => json!(string(c)),
        TypeRef::Bool => json!(false),
        TypeRef::I32 | TypeRef::I64 => json!(integer(c, i64::MIN)),
        TypeRef::U32 | TypeRef::U64 => json!(integer(c, 0)),
        TypeRef::F64 => json!(integer(c, i64::MIN) as f64),
        TypeRef::Decimal { wire_number } => {
            let n = integer(c, i64::MIN);
            if *wire_number {
                json!(n)
            } else {
                json!(format!("{n}.00"))
            }
        }
        TypeRef::Json => json!({}),
        TypeRef::Pinned { value, .. } => json!(value),
        TypeRef::Bytes | TypeRef::Csv(_) => json!(""),
        // Deep down, lists are empty unless they must not be: recursive
        // types end there.
        TypeRef::Vec(_) if depth > LIST_DEPTH && c.min_items.unwrap_or(0) == 0 => json!([]),
        TypeRef::Vec(inner) => {
            let count = c.min_items.unwrap_or(1).clamp(1, 8);
            let count = c.max_items.map_or(count, |max| count.min(max));
            let item = make(api, inner, &Constraints::default(), depth + 1);
            if item.is_null() {
                json!([])
            } else {
                Json::Array(vec![item; usize::try_from(count).unwrap_or(1)])
            }
        }
        TypeRef::Map(_) => json!({}),
        // A type that holds itself through required fields has no finite
        // value: cut off.
        TypeRef::Named(_) if depth > MAX_DEPTH => Json::Null,
        TypeRef::Named(name) => named(api, name, depth),
    }
}

fn named(api: &Api, name: &str, depth: usize) -> Json {
    let Some(kind) = api.kind_of(name) else {
        return Json::Null;
    };
    match kind {
        TypeKind::Alias(target) => make(api, target, &Constraints::default(), depth + 1),
        TypeKind::IntegerEnum { values, .. } => values
            .first()
            .and_then(|(_, v)| serde_json::from_str(v).ok())
            .unwrap_or_else(|| json!(0)),
        TypeKind::Enum { values, .. } => values
            .first()
            .map_or_else(|| json!("sandbox"), |(_, wire)| json!(wire)),
        TypeKind::Struct(fields) => {
            let mut out = Map::new();
            for f in fields {
                if f.required || depth < OPTIONAL_DEPTH {
                    let v = make(api, &f.ty, &f.constraints, depth + 1);
                    if !v.is_null() || f.required {
                        out.insert(f.wire_name.clone(), v);
                    }
                }
            }
            Json::Object(out)
        }
        // The first member whose made value the client reads as it.
        TypeKind::Union(variants) => variants
            .iter()
            .find_map(|(_, t)| {
                let v = make(api, t, &Constraints::default(), depth + 1);
                (!v.is_null() && super::conform::decodes(api, t, &v).is_ok()).then_some(v)
            })
            .unwrap_or(Json::Null),
        TypeKind::Tagged(tagged) => {
            let Some((_, tags, ty)) = tagged.variants.first() else {
                return Json::Null;
            };
            let mut v = make(api, ty, &Constraints::default(), depth + 1);
            if let (Some(object), Some(tag)) = (v.as_object_mut(), tags.first()) {
                object.insert(tagged.property.clone(), json!(tag));
            }
            v
        }
        TypeKind::Responses(variants) => variants
            .iter()
            .find_map(|(_, t)| t.as_ref())
            .map_or(Json::Null, |t| {
                make(api, t, &Constraints::default(), depth + 1)
            }),
    }
}

/// The smallest whole number the bounds allow (at least `floor`), `0`
/// when that fits.
fn integer(c: &Constraints, floor: i64) -> i64 {
    let bound = |b: &Option<crate::ir::Bound>, up: bool| {
        b.as_ref().and_then(|b| {
            let v: f64 = b.value.parse().ok()?;
            let v = if up { v.ceil() } else { v.floor() };
            // Whole-number exclusive bounds step one inward.
            let step = if b.exclusive && v.fract() == 0.0 {
                1.0
            } else {
                0.0
            };
            Some(if up { v + step } else { v - step })
        })
    };
    let min = bound(&c.minimum, true);
    let max = bound(&c.maximum, false);
    let mut n = 0f64.max(floor as f64);
    if let Some(min) = min {
        n = n.max(min);
    }
    if let Some(max) = max {
        if n > max {
            n = max;
        }
    }
    n as i64
}

/// A string meeting `c`: one its pattern matches, an e-mail address, or
/// `sandbox`, padded or cut to the lengths.
fn string(c: &Constraints) -> String {
    if let Some(text) = c.pattern.as_deref().and_then(|p| matching(p, c)) {
        return text;
    }
    let text = if c.email {
        "user@example.com"
    } else {
        "sandbox"
    };
    fit(text.to_string(), c)
}

fn fit(mut text: String, c: &Constraints) -> String {
    let min = c
        .min_length
        .map_or(0, |m| usize::try_from(m.min(4096)).unwrap_or(0));
    while text.chars().count() < min {
        text.push('x');
    }
    if let Some(max) = c.max_length.and_then(|m| usize::try_from(m).ok()) {
        text = text.chars().take(max).collect();
    }
    text
}

/// A string `pattern` matches (checked with the regex engine), within the
/// lengths of `c`; `None` when none was found.
pub fn matching(pattern: &str, c: &Constraints) -> Option<String> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let regex = regex::Regex::new(pattern).ok()?;
    let mut out = String::new();
    write(&hir, &mut out, 0);
    let out = if c.min_length.is_some() || c.max_length.is_some() {
        fit(out, c)
    } else {
        out
    };
    regex.is_match(&out).then_some(out)
}

/// Characters tried, in order, when a class allows several.
const PREFERRED: &str = "xa0A1 -_.:/@";

fn write(hir: &Hir, out: &mut String, depth: usize) {
    if depth > 64 {
        return;
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(class) => {
            if let Some(ch) = pick(class) {
                out.push(ch);
            }
        }
        HirKind::Repetition(rep) => {
            let times = rep.min.min(256);
            for _ in 0..times {
                write(&rep.sub, out, depth + 1);
            }
        }
        HirKind::Capture(cap) => write(&cap.sub, out, depth + 1),
        HirKind::Concat(parts) => parts.iter().for_each(|p| write(p, out, depth + 1)),
        HirKind::Alternation(branches) => {
            if let Some(first) = branches.first() {
                write(first, out, depth + 1);
            }
        }
    }
}

/// A readable character of `class`: a preferred one, else its first
/// printable one.
fn pick(class: &Class) -> Option<char> {
    match class {
        Class::Unicode(u) => {
            let ranges = u.ranges();
            let contains = |ch: char| ranges.iter().any(|r| r.start() <= ch && ch <= r.end());
            PREFERRED.chars().find(|&ch| contains(ch)).or_else(|| {
                ranges
                    .iter()
                    .flat_map(|r| (r.start()..=r.end()).take(128))
                    .find(|ch| !ch.is_control())
                    .or_else(|| ranges.first().map(|r| r.start()))
            })
        }
        Class::Bytes(b) => {
            let ranges = b.ranges();
            let contains = |byte: u8| ranges.iter().any(|r| r.start() <= byte && byte <= r.end());
            PREFERRED
                .bytes()
                .find(|&byte| contains(byte))
                .or_else(|| ranges.first().map(|r| r.start()))
                .filter(u8::is_ascii)
                .map(char::from)
        }
    }
}

/// A CSV file of one row of `format`'s row type (and a header line when
/// the format has one), in its first encoding.
pub fn csv(api: &Api, format: &CsvFormat) -> Vec<u8> {
    let Some(TypeKind::Struct(fields)) = api.kind_of(&format.row) else {
        return Vec::new();
    };
    let mut writer = ::csv::WriterBuilder::new()
        .delimiter(format.separator)
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let cell = |f: &crate::ir::Field| match make(api, &f.ty, &f.constraints, 1) {
        Json::String(s) => s,
        Json::Null => String::new(),
        other => other.to_string(),
    };
    let header: Vec<&str> = fields.iter().map(|f| f.wire_name.as_str()).collect();
    let row: Vec<String> = fields.iter().map(cell).collect();
    let written = (!format.header || writer.write_record(&header).is_ok())
        && writer.write_record(&row).is_ok();
    match (written, writer.into_inner()) {
        (true, Ok(bytes)) => bytes,
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_gets_a_string_it_matches() {
        let none = Constraints::default();
        for pattern in [
            r"^\d{4}-\d{2}$",
            r"(?i)^OK:\s*(?P<periodo>.+?)\s+-\s+(?P<importados>\d+)\b[^\n]*?(?:\s-\s*(?P<fallidos>\d+)\b[^\n]*)?$",
            r#"^[^\s<>"']{16,256}$"#,
            r"^[A-Z]{3}(-[0-9]+)*$",
            r"^(foo|bar)+baz$",
        ] {
            let text = matching(pattern, &none).unwrap_or_else(|| panic!("{pattern}"));
            assert!(
                regex::Regex::new(pattern).unwrap().is_match(&text),
                "{pattern}: {text}"
            );
        }
        assert_eq!(matching(r"^\d{4}$", &none).as_deref(), Some("0000"));
    }

    #[test]
    fn lengths_and_bounds_are_met() {
        let c = Constraints {
            min_length: Some(12),
            ..Constraints::default()
        };
        assert_eq!(string(&c).len(), 12);
        let c = Constraints {
            max_length: Some(3),
            ..Constraints::default()
        };
        assert_eq!(string(&c), "san");
        let c = Constraints {
            minimum: Some(crate::ir::Bound {
                value: "10".into(),
                exclusive: true,
            }),
            ..Constraints::default()
        };
        assert_eq!(integer(&c, i64::MIN), 11);
        let c = Constraints {
            maximum: Some(crate::ir::Bound {
                value: "-5".into(),
                exclusive: false,
            }),
            ..Constraints::default()
        };
        assert_eq!(integer(&c, i64::MIN), -5);
    }
}
