//! Readers for the `x-pasarela-*` extensions: envelope, text result, CSV
//! format, outcome reference, wire type, and the validation keywords
//! turned into [`Constraints`].
//!
//! Names, places and value shapes were checked by [`crate::extensions`]
//! before lowering (an ill-shaped value is already an error there), so these
//! readers only report what needs the rest of the document: a wire type on a
//! non-string, a CSV row that is not a struct, an envelope pointer that
//! leads nowhere, a pattern that does not compile.

use crate::extensions::Ext;
use crate::ir::*;
use crate::load::Node;

use super::Lowerer;

impl<'d> Lowerer<'d, '_, '_> {
    pub(super) fn outcome_reference(&mut self, op: &Node) -> Option<String> {
        Ext::OutcomeReference
            .text(op)
            .filter(|p| p.starts_with('/'))
            .map(str::to_string)
    }

    /// The operation's idempotency-key mechanism: its own
    /// `x-pasarela-idempotency` (`false`: none), else the document's for an
    /// operation that is not `idempotent` (a POST, PATCH, or one that moves
    /// money or is send-once), else a declared header
    /// parameter named `Idempotency-Key` (any case; reported as `info`).
    /// The header parameter that carries the key, if declared, is taken
    /// out of `params`: the runtime fills it, and the request builder's
    /// `idempotency_key(..)` sets it.
    pub(super) fn idempotency(
        &mut self,
        op: &Node,
        idempotent: bool,
        params: &mut Vec<Param>,
    ) -> Option<Idempotency> {
        let is_header_named = |p: &Param, name: &str| {
            p.location == ParamLocation::Header && p.wire_name.eq_ignore_ascii_case(name)
        };
        let declared = match Ext::Idempotency.on(op) {
            Some(own) if own.as_str() == Some("false") => return None,
            Some(own) => self.idempotency_of(own),
            None => match Ext::Idempotency.on(self.doc.root) {
                Some(doc) if !idempotent && doc.as_str() != Some("false") => {
                    self.idempotency_of(doc)
                }
                _ => None,
            },
        };
        let idempotency = match declared {
            Some(idempotency) => idempotency,
            None => {
                let param = params
                    .iter()
                    .find(|p| is_header_named(p, "Idempotency-Key"))?;
                self.reporter.info(
                    param.pos,
                    format!(
                        "header parameter `{}` read as the operation's idempotency key: each call sends a new key (the same on every attempt) and is retried under it",
                        param.wire_name
                    ),
                    Some(format!(
                        "the request builder's `idempotency_key(..)` sets it; say it explicitly with `{}: {{header: {}}}`, or turn it off with `{}: false`",
                        Ext::Idempotency.name(),
                        param.wire_name,
                        Ext::Idempotency.name()
                    )),
                );
                Idempotency {
                    header: param.wire_name.clone(),
                    prefix: String::new(),
                    conflict_statuses: Vec::new(),
                }
            }
        };
        params.retain(|p| !is_header_named(p, &idempotency.header));
        Some(idempotency)
    }

    /// Reads an `x-pasarela-idempotency` mapping (its shape was checked).
    fn idempotency_of(&mut self, ext: &Node) -> Option<Idempotency> {
        let header = ext.str_at("header")?;
        let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
        if header.is_empty() || !header.chars().all(token) {
            self.err(
                ext.get("header").map_or(ext.pos, |n| n.pos),
                format!("`{header}` is not a valid HTTP header name"),
                Some("e.g. `header: Idempotency-Key`".into()),
            );
            return None;
        }
        let mut conflict_statuses = Vec::new();
        for status in ext
            .get("conflict-statuses")
            .and_then(Node::items)
            .unwrap_or(&[])
        {
            match status.as_str().and_then(|s| s.parse::<u16>().ok()) {
                Some(code @ 400..=599) => conflict_statuses.push(code),
                _ => self.err(
                    status.pos,
                    format!(
                        "`conflict-statuses` lists HTTP error statuses, found {}",
                        status.as_str().unwrap_or("a non-scalar")
                    ),
                    Some("e.g. `conflict-statuses: [409, 422]`".into()),
                ),
            }
        }
        Some(Idempotency {
            header: header.to_string(),
            prefix: ext.str_at("prefix").unwrap_or("").to_string(),
            conflict_statuses,
        })
    }

    /// `x-pasarela-as-text` on an integer or number schema: the value is
    /// kept as its text in Rust (`String`, so nothing is reinterpreted) and
    /// written as a JSON number. Sets `ty` and returns true when it applies.
    pub(super) fn as_text(&mut self, prop: &Node, target: &Node, ty: &mut TypeRef) -> bool {
        let Some(flag) = Ext::AsText.on(prop).or_else(|| Ext::AsText.on(target)) else {
            return false;
        };
        if flag.as_str() != Some("true") {
            return false;
        }
        match ty {
            TypeRef::I32 | TypeRef::U32 | TypeRef::I64 | TypeRef::U64 | TypeRef::Decimal { .. } => {
                *ty = TypeRef::String;
                true
            }
            _ => {
                self.err(
                    flag.pos,
                    "`x-pasarela-as-text` applies to `type: integer` or `type: number`",
                    Some("declare the type the wire carries (e.g. `type: integer`); the extension only keeps it as text in Rust".into()),
                );
                false
            }
        }
    }

    /// The checks JSON Schema keywords ask for on `node`.
    pub(super) fn constraints(&mut self, node: &Node) -> Constraints {
        let uint = |this: &mut Self, key: &str| -> Option<u64> {
            let n = node.get(key)?;
            match n.as_str().and_then(|s| s.parse::<u64>().ok()) {
                Some(v) => Some(v),
                None => {
                    this.err(
                        n.pos,
                        format!("`{key}` must be a non-negative integer"),
                        Some(format!("e.g. `{key}: 1`")),
                    );
                    None
                }
            }
        };
        let bound = |this: &mut Self, key: &str, exclusive_key: &str| -> Option<Bound> {
            // 3.0: `minimum: 0` + `exclusiveMinimum: true`; 3.1: `exclusiveMinimum: 0`.
            let excl = node.get(exclusive_key);
            let excl_bool = excl.and_then(|e| node.bool_at(exclusive_key).map(|b| (b, e)));
            let (text, exclusive, pos) = match (node.get(key), excl, excl_bool) {
                (Some(n), _, Some((b, _))) => (n.as_str()?, b, n.pos),
                (Some(n), _, None) => (n.as_str()?, false, n.pos),
                (None, Some(e), None) => (e.as_str()?, true, e.pos),
                (None, _, _) => return None,
            };
            if text.parse::<f64>().is_err() {
                this.err(
                    pos,
                    format!("`{key}` must be a number, found `{text}`"),
                    Some(format!("e.g. `{key}: 0`")),
                );
                return None;
            }
            Some(Bound {
                value: text.to_string(),
                exclusive,
            })
        };
        // A pattern the Rust engine cannot run (ECMA look-around, back-
        // references) is not an error in the spec: it is left unchecked and
        // the docs say so.
        let (pattern, unchecked_pattern) = match node.str_at("pattern") {
            Some(text) => match regex_syntax::Parser::new().parse(text) {
                Ok(_) => (Some(text.to_string()), None),
                Err(_) => (None, Some(text.to_string())),
            },
            None => (None, None),
        };
        Constraints {
            pattern,
            min_length: uint(self, "minLength"),
            max_length: uint(self, "maxLength"),
            minimum: bound(self, "minimum", "exclusiveMinimum"),
            maximum: bound(self, "maximum", "exclusiveMaximum"),
            min_items: uint(self, "minItems"),
            max_items: uint(self, "maxItems"),
            email: node.str_at("format") == Some("email"),
            unchecked_pattern,
        }
    }

    /// Reads `x-pasarela-csv` on an array schema whose items are a named struct.
    pub(super) fn csv_format(&mut self, ext: &Node, node: &'d Node, hint: &str) -> Option<TypeRef> {
        let items = node.get("items");
        let row = match items.map(|i| self.schema_type(i, &format!("{hint}Row"))) {
            Some(TypeRef::Named(name)) if self.is_struct(&name) => name,
            _ => {
                self.err(
                    ext.pos,
                    "`x-pasarela-csv` goes on an array whose `items` is an object schema (the row)",
                    Some(
                        "declare `type: array` with `items: {$ref: '#/components/schemas/Row'}`"
                            .into(),
                    ),
                );
                return None;
            }
        };
        let non_scalar: Vec<String> = self
            .types
            .iter()
            .filter(|t| t.name == row)
            .flat_map(|t| match &t.kind {
                TypeKind::Struct(fields) => fields.clone(),
                _ => Vec::new(),
            })
            .filter(|f| match &f.ty {
                TypeRef::Named(n) => !self.is_enum(n),
                TypeRef::Vec(_)
                | TypeRef::Map(_)
                | TypeRef::Json
                | TypeRef::Bytes
                | TypeRef::Csv(_) => true,
                _ => false,
            })
            .map(|f| f.wire_name.clone())
            .collect();
        if !non_scalar.is_empty() {
            self.err(
                ext.pos,
                format!(
                    "CSV row `{row}` has fields that are not scalars: {}",
                    non_scalar.join(", ")
                ),
                Some("a CSV column holds a string, number, boolean or string enum".into()),
            );
        }
        let separator = match ext.str_at("separator").unwrap_or(",").as_bytes() {
            [b] if b.is_ascii() => *b,
            _ => {
                self.err(
                    ext.pos,
                    "the CSV `separator` must be one ASCII character",
                    Some("e.g. `separator: \";\"`".into()),
                );
                b','
            }
        };
        let mut encodings = Vec::new();
        for e in ext.get("encodings").and_then(Node::items).unwrap_or(&[]) {
            // Other values were reported by the extension check.
            match e.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("utf-8" | "utf8") => encodings.push(TextEncoding::Utf8),
                Some("windows-1252" | "cp1252" | "latin1" | "iso-8859-1") => {
                    encodings.push(TextEncoding::Windows1252)
                }
                _ => {}
            }
        }
        if encodings.is_empty() {
            encodings.push(TextEncoding::Utf8);
        }
        Some(TypeRef::Csv(CsvFormat {
            row,
            separator,
            header: ext.bool_at("header").unwrap_or(false),
            encodings,
            file_name: ext.str_at("file-name").unwrap_or("data.csv").to_string(),
        }))
    }

    pub(super) fn text_result(&mut self, ext: &Node) -> TextResult {
        let ok_pattern = ext.get("ok-pattern").and_then(|p| {
            let text = p.as_str()?;
            match regex_syntax::Parser::new().parse(text) {
                Ok(_) => Some(text.to_string()),
                Err(e) => {
                    let first = e.to_string().lines().last().unwrap_or("").trim().to_string();
                    self.err(p.pos, format!("`ok-pattern` is not a valid regular expression: {first}"), Some("patterns use the Rust `regex` syntax; name groups after the result's fields: (?P<field>...)".into()));
                    None
                }
            }
        });
        TextResult {
            error_prefix: ext.str_at("error-prefix").map(str::to_string),
            ok_prefix: ext.str_at("ok-prefix").map(str::to_string),
            ok_pattern,
        }
    }

    /// Reads `x-pasarela-envelope` and finds the data type by walking the
    /// envelope schema's properties along the data pointer.
    pub(super) fn envelope(
        &mut self,
        ext: &'d Node,
        schema: Option<&'d Node>,
    ) -> Option<(Envelope, TypeRef)> {
        // Shapes (pointers, required keys, outcome words) were checked by
        // the extension check; what does not fit is skipped here.
        let pointer = |key: &str| -> Option<String> {
            ext.str_at(key)
                .filter(|p| p.starts_with('/'))
                .map(str::to_string)
        };
        let code = pointer("code");
        let text = pointer("text");
        let data = pointer("data");
        let outcome = |n: Option<&Node>| -> Option<OutcomeKind> {
            match n?.as_str()? {
                "success" => Some(OutcomeKind::Success),
                "partial" => Some(OutcomeKind::Partial),
                "error" => Some(OutcomeKind::Error),
                _ => None,
            }
        };
        let mut codes = Vec::new();
        for c in ext.get("codes").and_then(Node::items).unwrap_or(&[]) {
            if let (Some(value), Some(kind)) = (c.str_at("code"), outcome(c.get("outcome"))) {
                codes.push((
                    value.to_string(),
                    kind,
                    c.str_at("meaning").unwrap_or("").to_string(),
                ));
            }
        }
        let mut rules = Vec::new();
        for r in ext.get("rules").and_then(Node::items).unwrap_or(&[]) {
            let Some(kind) = outcome(r.get("outcome")) else {
                continue;
            };
            let conds = r
                .get("when")
                .and_then(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(|c| {
                    let path = c.str_at("path").filter(|p| p.starts_with('/'))?;
                    Some(Condition {
                        path: path.to_string(),
                        equals: c.str_at("equals").map(str::to_string),
                        non_empty: c.bool_at("non-empty").unwrap_or(false),
                    })
                })
                .collect();
            rules.push((conds, kind));
        }
        let (code, data) = (code?, data?);
        let mut node = self.deref(schema?)?;
        for segment in data.split('/').skip(1) {
            let Some(next) = node.get("properties").and_then(|p| p.get(segment)) else {
                self.err(
                    ext.pos,
                    format!("the envelope schema has no property along `{data}`"),
                    Some("`data` must point at a property of the response schema".into()),
                );
                return None;
            };
            node = next;
        }
        let data_ty = self.schema_type(node, "EnvelopeData");
        Some((
            Envelope {
                code,
                text,
                data,
                codes,
                rules,
            },
            data_ty,
        ))
    }
}
