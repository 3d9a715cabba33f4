//! The one place where wire names become Rust names.
//!
//! Every identifier the generator emits goes through this module, so the
//! rules live together: non-ASCII letters are transliterated, anything that
//! is not a letter or digit separates words, Rust keywords become raw
//! identifiers (or get a trailing `_` where raw identifiers are not allowed),
//! a leading digit gets a prefix, and [`Namer`] keeps names unique within a
//! scope in a deterministic way (first come keeps the plain name).

use std::collections::BTreeSet;

use heck::{ToPascalCase, ToSnakeCase};

/// Keywords that can be used as raw identifiers (`r#type`).
const RAW_OK_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers; they get a trailing underscore.
const NO_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "extern", "_"];

/// Turns arbitrary text into ASCII words separated by `_`, so that case
/// conversion sees word boundaries at dashes, dots, spaces and symbols.
fn ascii_words(wire: &str) -> String {
    let ascii = deunicode::deunicode(wire);
    ascii
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A `snake_case` identifier for a field, parameter, method or module.
pub fn snake(wire: &str) -> String {
    let mut name = ascii_words(wire).to_snake_case();
    if name.is_empty() {
        name = "value".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("n{name}");
    }
    escape_keyword(name)
}

/// A `PascalCase` identifier for a type or enum variant.
pub fn pascal(wire: &str) -> String {
    let mut name = ascii_words(wire).to_pascal_case();
    if name.is_empty() {
        name = "Value".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("V{name}");
    }
    escape_keyword(name)
}

fn escape_keyword(name: String) -> String {
    if NO_RAW_KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else if RAW_OK_KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// The identifier text without a raw prefix, for building derived names
/// (`r#type` + `_opt` must become `type_opt`, not `r#type_opt`).
pub fn bare(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// Builds a syntactically valid `proc_macro2::Ident` from a name made by
/// this module (raw identifiers included).
pub fn to_ident(name: &str) -> proc_macro2::Ident {
    match name.strip_prefix("r#") {
        Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => proc_macro2::Ident::new(name, proc_macro2::Span::call_site()),
    }
}

/// Hands out unique names within one scope (a module's types, a struct's
/// fields, an enum's variants). Collisions (`CC` and `cc` both pascal-case to
/// `Cc`; `getUser` and `get_user` both snake-case to `get_user`) are resolved
/// by suffixing `2`, `3`, … in declaration order, so output is deterministic.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// An empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks a name as used without checking (e.g. names the emitter adds).
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(bare(name).to_lowercase());
    }

    /// Returns `candidate`, or `candidate` with the smallest numeric suffix
    /// that is still free, and records it as taken. Names are compared
    /// case-insensitively so that two names differing only in case never
    /// reach the output (they would be confusing even where legal).
    pub fn unique(&mut self, candidate: String) -> String {
        let key = bare(&candidate).to_lowercase();
        if self.taken.insert(key) {
            return candidate;
        }
        // `Self_` + 2 is `Self2` and `self_` + 2 is `self_2`: a doubled or
        // case-adjacent underscore would trip rustc's naming lints.
        let trimmed = bare(&candidate).trim_end_matches('_');
        let base = if trimmed.is_empty() {
            bare(&candidate).to_string()
        } else {
            trimmed.to_string()
        };
        let sep = if base.chars().any(char::is_uppercase) {
            ""
        } else {
            "_"
        };
        let mut n = 2u32;
        loop {
            let next = format!("{base}{sep}{n}");
            if self.taken.insert(next.to_lowercase()) {
                return next;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_handles_keywords_dashes_digits_and_unicode() {
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("contractId"), "contract_id");
        assert_eq!(snake("x-rate-limit"), "x_rate_limit");
        assert_eq!(snake("909501941-90"), "n909501941_90");
        assert_eq!(snake("año"), "ano");
        assert_eq!(snake("developer.email"), "developer_email");
        assert_eq!(snake("$$$"), "value");
        assert_eq!(snake("payment_id"), "payment_id");
    }

    #[test]
    fn pascal_handles_keywords_and_digits() {
        assert_eq!(pascal("Self"), "Self_");
        assert_eq!(pascal("contractsDetails"), "ContractsDetails");
        assert_eq!(pascal("1st"), "V1st");
        assert_eq!(pascal("PSE"), "Pse");
    }

    #[test]
    fn namer_resolves_collisions_deterministically() {
        let mut n = Namer::new();
        assert_eq!(n.unique(pascal("CC")), "Cc");
        assert_eq!(n.unique(pascal("cc")), "Cc2");
        let mut f = Namer::new();
        assert_eq!(f.unique(snake("getUser")), "get_user");
        assert_eq!(f.unique(snake("get_user")), "get_user_2");
        assert_eq!(f.unique(snake("type")), "r#type");
        assert_eq!(f.unique(snake("Type")), "type_2");
        let mut v = Namer::new();
        assert_eq!(v.unique(pascal("Self")), "Self_");
        assert_eq!(v.unique(pascal("self")), "Self2");
        let mut s = Namer::new();
        assert_eq!(s.unique(snake("self")), "self_");
        assert_eq!(s.unique(snake("Self")), "self_2");
    }

    #[test]
    fn to_ident_accepts_raw_names() {
        assert_eq!(to_ident("r#type").to_string(), "r#type");
        assert_eq!(to_ident("plain").to_string(), "plain");
    }
}
