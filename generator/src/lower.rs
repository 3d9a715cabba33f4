//! Stage 3, lower: document → [`Api`]. Every Rust name is chosen here,
//! through [`crate::ident`]. Problems that make a spec impossible to generate
//! are reported with their position; nothing panics.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Pos, Reporter};
use crate::ident::{self, Namer};
use crate::ir::*;
use crate::load::{Node, Value};
use crate::resolve::{closest, Doc};

const SCHEMA_PREFIX: &str = "#/components/schemas/";
/// Names a request builder already uses for its own fields and methods.
const BUILDER_MEMBERS: &[&str] = &[
    "client",
    "body",
    "send",
    "send_bytes",
    "send_stream",
    "prepare",
    "error_for",
    "into_future",
];
/// Names that generated code relies on meaning the standard ones; a schema
/// with one of these names gets a suffix instead of shadowing it.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "String",
    "Option",
    "Vec",
    "Box",
    "Result",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Clone",
    "Debug",
    "PartialEq",
    "Eq",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "Copy",
    "Into",
    "From",
    "Iterator",
    "ToString",
    "Fn",
    "Drop",
    "Self",
    "Serialize",
    "Deserialize",
];
const KNOWN_TYPES: &[&str] = &[
    "string", "integer", "number", "boolean", "array", "object", "null",
];

/// Lowers a validated document. Returns `None` when errors were reported.
pub fn lower(doc: &Doc<'_>, reporter: &mut Reporter<'_>) -> Option<Api> {
    let mut type_namer = Namer::new();
    for reserved in RESERVED_TYPE_NAMES {
        type_namer.reserve(reserved);
    }
    let mut l = Lowerer {
        doc,
        reporter,
        type_namer,
        components: BTreeMap::new(),
        types: Vec::new(),
    };
    let api = l.api();
    if l.reporter.has_errors() {
        None
    } else {
        Some(api)
    }
}

struct Lowerer<'d, 'r, 'a> {
    doc: &'d Doc<'d>,
    reporter: &'r mut Reporter<'a>,
    type_namer: Namer,
    /// `$ref` string → Rust type name, for component schemas.
    components: BTreeMap<String, String>,
    types: Vec<TypeDef>,
}

fn doc_text(node: &Node) -> Option<String> {
    let summary = node.str_at("description").or_else(|| node.str_at("title"));
    summary
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn is_true(node: &Node, key: &str) -> bool {
    node.bool_at(key).unwrap_or(false)
}

impl<'d> Lowerer<'d, '_, '_> {
    fn err(&mut self, pos: Pos, msg: impl Into<String>, hint: Option<String>) {
        self.reporter.error(pos, msg, hint);
    }

    fn deref(&mut self, node: &'d Node) -> Option<&'d Node> {
        // Broken references were already reported by `resolve::validate`.
        self.doc.deref(node).ok()
    }

    fn api(&mut self) -> Api {
        let root = self.doc.root;
        let info = root.get("info");
        let title = info
            .and_then(|i| i.str_at("title"))
            .unwrap_or("API")
            .to_string();
        let version = info
            .and_then(|i| i.str_at("version"))
            .unwrap_or("")
            .to_string();
        let description = info.and_then(doc_text);
        let servers = self.servers();
        let security_schemes = self.security_schemes();
        self.register_components();
        self.lower_components();
        let mut operations = self.operations(&security_schemes);
        self.inline_csv_aliases(&mut operations);
        mark_boxed_fields(&mut self.types);
        Api {
            module: root
                .str_at("x-pasarela-module")
                .map(|m| ident::bare(&ident::snake(m)).to_string()),
            title,
            version,
            description,
            servers,
            security_schemes,
            operations,
            types: std::mem::take(&mut self.types),
        }
    }

    /// A named CSV file type (`Rows = Vec<Row>` with `x-pasarela-csv`) is
    /// used by its format where operations need it (request parts and
    /// responses), since the alias alone does not carry how to read it.
    fn inline_csv_aliases(&self, operations: &mut [Operation]) {
        let csv_of = |ty: &TypeRef| -> Option<TypeRef> {
            let TypeRef::Named(name) = ty else {
                return None;
            };
            self.types
                .iter()
                .find(|t| &t.name == name)
                .and_then(|t| match &t.kind {
                    TypeKind::Alias(csv @ TypeRef::Csv(_)) => Some(csv.clone()),
                    _ => None,
                })
        };
        for op in operations {
            for p in &mut op.params {
                if let Some(csv) = csv_of(&p.ty) {
                    p.ty = csv;
                }
            }
            if let Some(ty) = op.success.ty.as_mut() {
                if let Some(csv) = csv_of(ty) {
                    *ty = csv;
                }
            }
        }
    }

    fn servers(&mut self) -> Vec<String> {
        let Some(list) = self.doc.root.get("servers").and_then(Node::items) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|s| {
                let mut url = s.str_at("url")?.to_string();
                for (key, var) in s.get("variables").and_then(Node::entries).unwrap_or(&[]) {
                    if let Some(default) = var.str_at("default") {
                        url = url.replace(&format!("{{{}}}", key.name), default);
                    }
                }
                Some(url)
            })
            .collect()
    }

    fn security_schemes(&mut self) -> Vec<SecurityScheme> {
        let root = self.doc.root;
        let entries = root
            .get("components")
            .and_then(|c| c.get("securitySchemes"))
            .and_then(Node::entries)
            .unwrap_or(&[]);
        let mut out = Vec::new();
        for (key, raw) in entries {
            let Some(node) = self.deref(raw) else {
                continue;
            };
            let kind = match node.str_at("type") {
                Some("apiKey") => {
                    let location = match node.str_at("x-pasarela-in").or(node.str_at("in")) {
                        Some("header") => KeyLocation::Header,
                        Some("query") => KeyLocation::Query,
                        Some("form") => KeyLocation::Form,
                        other => {
                            self.err(
                                node.pos,
                                format!(
                                    "apiKey scheme `{}` has unsupported location `{}`",
                                    key.name,
                                    other.unwrap_or("(missing)")
                                ),
                                Some("use `in: header` or `in: query`, or `x-pasarela-in: form` for a form field".into()),
                            );
                            continue;
                        }
                    };
                    let Some(param) = node.str_at("name") else {
                        self.err(
                            node.pos,
                            format!("apiKey scheme `{}` has no `name`", key.name),
                            Some("add `name:` with the header, query or field name".into()),
                        );
                        continue;
                    };
                    SchemeKind::ApiKey {
                        location,
                        param: param.to_string(),
                    }
                }
                Some("http") => match node
                    .str_at("scheme")
                    .map(str::to_ascii_lowercase)
                    .as_deref()
                {
                    Some("basic") => SchemeKind::HttpBasic,
                    Some("bearer") => SchemeKind::HttpBearer,
                    _ => continue,
                },
                Some("oauth2") => {
                    let flow = node.get("flows").and_then(|f| f.get("clientCredentials"));
                    match flow.and_then(|f| f.str_at("tokenUrl")) {
                        Some(url) => SchemeKind::OAuth2ClientCredentials {
                            token_url: url.to_string(),
                            scopes: flow
                                .and_then(|f| f.get("scopes"))
                                .and_then(Node::entries)
                                .unwrap_or(&[])
                                .iter()
                                .map(|(k, _)| k.name.clone())
                                .collect(),
                        },
                        // Other OAuth2 flows need a user in a browser; the
                        // client cannot drive them, so the scheme is skipped.
                        None => continue,
                    }
                }
                _ => continue,
            };
            out.push(SecurityScheme {
                name: key.name.clone(),
                method_prefix: String::new(),
                kind,
                description: doc_text(node),
            });
        }
        // Builder methods are named by kind; prefix with the scheme name only
        // where two schemes of the same kind would collide.
        let kind_of = |k: &SchemeKind| std::mem::discriminant(k);
        let counts: Vec<usize> = out
            .iter()
            .map(|s| {
                out.iter()
                    .filter(|o| kind_of(&o.kind) == kind_of(&s.kind))
                    .count()
            })
            .collect();
        for (scheme, count) in out.iter_mut().zip(counts) {
            if count > 1 {
                scheme.method_prefix = format!("{}_", ident::bare(&ident::snake(&scheme.name)));
            }
        }
        out
    }

    fn register_components(&mut self) {
        let entries = self
            .doc
            .root
            .get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(Node::entries)
            .unwrap_or(&[]);
        for (key, _) in entries {
            let name = self.type_namer.unique(ident::pascal(&key.name));
            self.components.insert(
                format!("{SCHEMA_PREFIX}{}", escape_pointer(&key.name)),
                name,
            );
        }
    }

    fn lower_components(&mut self) {
        let entries = self
            .doc
            .root
            .get("components")
            .and_then(|c| c.get("schemas"))
            .and_then(Node::entries)
            .unwrap_or(&[]);
        for (key, node) in entries {
            let reference = format!("{SCHEMA_PREFIX}{}", escape_pointer(&key.name));
            let Some(name) = self.components.get(&reference).cloned() else {
                continue;
            };
            let kind = self.define(&name, node);
            self.types.push(TypeDef {
                name,
                doc: doc_text(node),
                kind,
            });
        }
    }

    /// The shape of a named type defined by `node`.
    fn define(&mut self, name: &str, node: &'d Node) -> TypeKind {
        if let Some(reference) = node.str_at("$ref") {
            return TypeKind::Alias(self.reference(reference, node.pos, name));
        }
        if let Some(members) = node.get("oneOf").or_else(|| node.get("anyOf")) {
            return self.union(name, members);
        }
        if let Some(parts) = node.get("allOf").and_then(Node::items) {
            if parts.len() == 1 && node.get("properties").is_none() {
                return TypeKind::Alias(self.schema_type(&parts[0], name));
            }
            return TypeKind::Struct(self.all_of_fields(name, node, parts));
        }
        if let Some(values) = node.get("enum").and_then(Node::items) {
            if self.primary_type(node).as_deref().unwrap_or("string") == "string" {
                return self.string_enum(name, node, values);
            }
        }
        if node.get("properties").is_some() {
            let mut namer = Namer::new();
            return TypeKind::Struct(self.fields(name, node, &mut namer));
        }
        TypeKind::Alias(self.schema_type_unnamed(node, name))
    }

    fn union(&mut self, name: &str, members: &'d Node) -> TypeKind {
        let Some(items) = members.items() else {
            self.err(
                members.pos,
                "`oneOf`/`anyOf` must be a list of schemas",
                Some(
                    "write each alternative as a list item: `oneOf: [{$ref: ...}, {$ref: ...}]`"
                        .into(),
                ),
            );
            return TypeKind::Alias(TypeRef::Json);
        };
        let mut variant_namer = Namer::new();
        let mut variants = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if is_null_schema(item) {
                continue;
            }
            let hint = match item.str_at("$ref") {
                Some(r) => r.rsplit('/').next().unwrap_or("Variant").to_string(),
                None => item
                    .str_at("title")
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("Variant{}", i + 1)),
            };
            let ty = self.schema_type(item, &format!("{name}{}", ident::pascal(&hint)));
            let variant = variant_namer.unique(variant_name_for(&ty, &hint));
            variants.push((variant, ty));
        }
        if variants.is_empty() {
            return TypeKind::Alias(TypeRef::Json);
        }
        TypeKind::Union(variants)
    }

    fn all_of_fields(&mut self, name: &str, node: &'d Node, _parts: &'d [Node]) -> Vec<Field> {
        let mut schemas = Vec::new();
        self.collect_all_of(node, &mut schemas, 0);
        let required: BTreeSet<&str> = schemas
            .iter()
            .flat_map(|s| {
                s.get("required")
                    .and_then(Node::items)
                    .unwrap_or(&[])
                    .iter()
            })
            .filter_map(Node::as_str)
            .collect();
        let mut namer = Namer::new();
        let mut fields = Vec::new();
        let mut seen = BTreeSet::new();
        for schema in schemas {
            for mut field in self.fields(name, schema, &mut namer) {
                if seen.insert(field.wire_name.clone()) {
                    field.required |= required.contains(field.wire_name.as_str());
                    fields.push(field);
                }
            }
        }
        fields
    }

    /// The schemas whose properties an `allOf` merges: every member
    /// (recursively), then the schema's own properties.
    fn collect_all_of(&mut self, node: &'d Node, out: &mut Vec<&'d Node>, depth: usize) {
        if depth > 64 {
            self.err(
                node.pos,
                "`allOf` nests too deeply",
                Some("flatten the composition".into()),
            );
            return;
        }
        for part in node.get("allOf").and_then(Node::items).unwrap_or(&[]) {
            if let Some(target) = self.deref(part) {
                self.collect_all_of(target, out, depth + 1);
            }
        }
        if node.get("properties").is_some() {
            out.push(node);
        }
    }

    fn fields(&mut self, owner: &str, node: &'d Node, namer: &mut Namer) -> Vec<Field> {
        let required: BTreeSet<&str> = node
            .get("required")
            .and_then(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let Some(props) = node.get("properties") else {
            return Vec::new();
        };
        let Some(entries) = props.entries() else {
            self.err(
                props.pos,
                format!("`properties` must be a mapping, found {}", props.kind()),
                Some(
                    "map each property name to its schema: `properties: {id: {type: string}}`"
                        .into(),
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, prop) in entries {
            let rust_name = namer.unique(ident::snake(&key.name));
            let hint = format!("{owner}{}", ident::pascal(&key.name));
            let ty = self.schema_type(prop, &hint);
            let target = self.deref(prop).unwrap_or(prop);
            let lenient =
                is_true(prop, "x-pasarela-lenient") || is_true(target, "x-pasarela-lenient");
            let constraints = self.constraints(target);
            let string_as_number = self.string_as_number(target, &ty);
            out.push(Field {
                wire_name: key.name.clone(),
                rust_name,
                ty,
                required: required.contains(key.name.as_str()) && !self.nullable(prop),
                lenient,
                boxed: false,
                error_code: is_true(prop, "x-pasarela-error-code"),
                string_as_number,
                csv_omittable: is_true(prop, "x-pasarela-csv-omittable"),
                doc: with_note(doc_text(prop), constraints.note()),
                constraints,
            });
        }
        out
    }

    fn string_enum(&mut self, name: &str, node: &Node, values: &[Node]) -> TypeKind {
        let mut namer = Namer::new();
        namer.reserve("Unknown");
        let mut out = Vec::new();
        for v in values {
            if let Some(text) = v.as_str() {
                if out.iter().any(|(_, w): &(String, String)| w == text) {
                    continue;
                }
                out.push((namer.unique(ident::pascal(text)), text.to_string()));
            }
        }
        let _ = name;
        TypeKind::Enum {
            values: out,
            open: !is_true(node, "x-pasarela-closed-enum"),
        }
    }

    fn nullable(&mut self, node: &'d Node) -> bool {
        if is_true(node, "nullable") {
            return true;
        }
        if let Some(types) = node.get("type").and_then(Node::items) {
            return types.iter().any(|t| type_word(t) == Some("null"));
        }
        // `oneOf: [X, {type: "null"}]` (3.1) is an optional X.
        node.get("oneOf")
            .or_else(|| node.get("anyOf"))
            .and_then(Node::items)
            .is_some_and(|members| members.iter().any(is_null_schema))
    }

    /// The first non-null `type`, reporting unknown type names.
    fn primary_type(&mut self, node: &Node) -> Option<String> {
        let ty = node.get("type")?;
        let names: Vec<&Node> = match &ty.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![ty],
        };
        let mut primary = None;
        for n in names {
            match type_word(n) {
                Some(t) if KNOWN_TYPES.contains(&t) => {
                    if t != "null" && primary.is_none() {
                        primary = Some(t.to_string());
                    }
                }
                other => {
                    let shown = other.unwrap_or("(not a string)");
                    let hint = match other.and_then(|o| closest(o, KNOWN_TYPES.iter().copied())) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => format!("JSON Schema types are: {}", KNOWN_TYPES.join(", ")),
                    };
                    self.err(n.pos, format!("unknown schema type `{shown}`"), Some(hint));
                }
            }
        }
        primary
    }

    fn reference(&mut self, reference: &str, pos: Pos, hint: &str) -> TypeRef {
        if let Some(name) = self.components.get(reference) {
            return TypeRef::Named(name.clone());
        }
        match self.doc.pointer(reference) {
            Ok(target) => self.schema_type(target, hint),
            Err(_) => {
                let _ = pos; // reported by `resolve::validate`
                TypeRef::Json
            }
        }
    }

    /// The type for a schema used in place; named shapes (objects, enums,
    /// unions) become new types called `hint`.
    fn schema_type(&mut self, node: &'d Node, hint: &str) -> TypeRef {
        if let Some(reference) = node.str_at("$ref") {
            return self.reference(reference, node.pos, hint);
        }
        let needs_name = node.get("oneOf").is_some()
            || node.get("anyOf").is_some()
            || node.get("allOf").is_some()
            || node.get("properties").is_some()
            || (node.get("enum").is_some() && matches!(node.str_at("type"), None | Some("string")));
        if needs_name {
            // A oneOf with one non-null member is just that member.
            if let Some(only) = single_member(node) {
                return self.schema_type(only, hint);
            }
            let name = self.type_namer.unique(ident::pascal(hint));
            let kind = self.define(&name, node);
            if let TypeKind::Alias(inner) = kind {
                return inner;
            }
            self.types.push(TypeDef {
                name: name.clone(),
                doc: doc_text(node),
                kind,
            });
            return TypeRef::Named(name);
        }
        self.schema_type_unnamed(node, hint)
    }

    fn schema_type_unnamed(&mut self, node: &'d Node, hint: &str) -> TypeRef {
        let format = node.str_at("format").unwrap_or("");
        let secret = is_true(node, "x-pasarela-secret") || format == "password";
        match self.primary_type(node).as_deref() {
            Some("string") if secret => TypeRef::Secret,
            Some("string") if format == "decimal" => TypeRef::Decimal { wire_number: false },
            Some("string") => TypeRef::String,
            Some("boolean") => TypeRef::Bool,
            Some("integer") if format == "int32" => TypeRef::I32,
            Some("integer") => TypeRef::I64,
            Some("number") if matches!(format, "float" | "double") => TypeRef::F64,
            Some("number") => TypeRef::Decimal { wire_number: true },
            Some("array") if node.get("x-pasarela-csv").is_some() => {
                let ext = node.get("x-pasarela-csv").unwrap_or(node);
                self.csv_format(ext, node, hint).unwrap_or(TypeRef::Json)
            }
            Some("array") => match node.get("items") {
                Some(items) => {
                    TypeRef::Vec(Box::new(self.schema_type(items, &format!("{hint}Item"))))
                }
                None => TypeRef::Vec(Box::new(TypeRef::Json)),
            },
            Some("object") | None => match node.get("additionalProperties") {
                Some(extra) if extra.is_map() => {
                    TypeRef::Map(Box::new(self.schema_type(extra, &format!("{hint}Value"))))
                }
                _ => TypeRef::Json,
            },
            Some(_) => TypeRef::Json,
        }
    }

    fn operations(&mut self, schemes: &[SecurityScheme]) -> Vec<Operation> {
        let root = self.doc.root;
        let default_security = root.get("security");
        let mut method_namer = Namer::new();
        for reserved in ["builder", "runtime", "api"] {
            method_namer.reserve(reserved);
        }
        let mut ids: BTreeMap<String, Pos> = BTreeMap::new();
        let mut out = Vec::new();
        let paths = root.get("paths").and_then(Node::entries).unwrap_or(&[]);
        for (path_key, item) in paths {
            let Some(item) = self.deref(item) else {
                continue;
            };
            let shared_params: Vec<&'d Node> = item
                .get("parameters")
                .and_then(Node::items)
                .map(|p| p.iter().collect())
                .unwrap_or_default();
            for (method_key, op) in item.entries().unwrap_or(&[]) {
                let Some(method) = Method::from_key(&method_key.name) else {
                    continue;
                };
                let id = match op.str_at("operationId") {
                    Some(id) => id.to_string(),
                    None => format!("{}{}", method.as_str(), path_key.name),
                };
                if let Some(first) = ids.get(&id) {
                    let line = first.line;
                    self.err(
                        op.get("operationId").map_or(op.pos, |n| n.pos),
                        format!("duplicate operationId `{id}`"),
                        Some(format!(
                            "the first use is at line {line}; operationIds must be unique"
                        )),
                    );
                    continue;
                }
                ids.insert(id.clone(), op.get("operationId").map_or(op.pos, |n| n.pos));
                let method_name = method_namer.unique(ident::snake(&id));
                let builder_name = ident::pascal(ident::bare(&method_name));
                let lowered = self.operation(OpContext {
                    id,
                    method_name,
                    builder_name,
                    method,
                    path: &path_key.name,
                    path_pos: path_key.pos,
                    op,
                    shared_params: &shared_params,
                    default_security,
                    schemes,
                });
                out.push(lowered);
            }
        }
        out
    }

    fn operation(&mut self, cx: OpContext<'d, '_>) -> Operation {
        let op = cx.op;
        let (mut params, skipped_cookies) = self.params(&cx);
        let (body, parts) = self.request_body(op, &cx.builder_name);
        // Required parts are positional after the required parameters; optional ones are setters.
        let first_optional = params
            .iter()
            .position(|p| !p.required)
            .unwrap_or(params.len());
        let (required_parts, optional_parts): (Vec<Param>, Vec<Param>) =
            parts.into_iter().partition(|p| p.required);
        params.splice(first_optional..first_optional, required_parts);
        params.extend(optional_parts);
        let (success, errors) = self.responses(op, &cx.builder_name);
        let security = self.security(op, cx.default_security, cx.schemes);
        let moves_money = is_true(op, "x-pasarela-moves-money");
        let idempotent = !moves_money
            && op
                .bool_at("x-pasarela-idempotent")
                .unwrap_or(cx.method.is_idempotent());
        Operation {
            error_name: format!("{}Error", cx.builder_name),
            id: cx.id,
            method_name: cx.method_name,
            builder_name: cx.builder_name,
            method: cx.method,
            path: cx.path.to_string(),
            summary: op.str_at("summary").map(|s| s.trim().to_string()),
            description: cookie_note(op.str_at("description"), &skipped_cookies),
            params,
            body,
            success,
            errors,
            security,
            idempotent,
            moves_money,
            outcome_reference: self.outcome_reference(op),
        }
    }

    fn outcome_reference(&mut self, op: &Node) -> Option<String> {
        let node = op.get("x-pasarela-outcome-reference")?;
        match node.as_str() {
            Some(p) if p.starts_with('/') => Some(p.to_string()),
            _ => {
                self.err(
                    node.pos,
                    "`x-pasarela-outcome-reference` must be a JSON pointer into the request body",
                    Some("e.g. `x-pasarela-outcome-reference: /order/id`".into()),
                );
                None
            }
        }
    }

    fn string_as_number(&mut self, node: &Node, ty: &TypeRef) -> bool {
        let Some(wire) = node.get("x-pasarela-wire-type") else {
            return false;
        };
        match (wire.as_str(), ty) {
            (Some("number"), TypeRef::String) => true,
            (Some("number"), _) => {
                self.err(
                    wire.pos,
                    "`x-pasarela-wire-type: number` applies to `type: string` only",
                    Some("declare the field `type: string` (with a `pattern` of digits) to keep its text".into()),
                );
                false
            }
            _ => {
                self.err(
                    wire.pos,
                    "unknown `x-pasarela-wire-type`",
                    Some("the supported value is `number`".into()),
                );
                false
            }
        }
    }

    /// The checks JSON Schema keywords ask for on `node`.
    fn constraints(&mut self, node: &Node) -> Constraints {
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

    /// The operation's parameters in positional order, and the names of
    /// cookie parameters that were skipped.
    fn params(&mut self, cx: &OpContext<'d, '_>) -> (Vec<Param>, Vec<String>) {
        let own: Vec<&'d Node> = cx
            .op
            .get("parameters")
            .and_then(Node::items)
            .map(|p| p.iter().collect())
            .unwrap_or_default();
        // Operation-level parameters override path-level ones with the same name+in.
        let mut resolved: Vec<&'d Node> = Vec::new();
        for raw in cx.shared_params.iter().chain(own.iter()) {
            let Some(p) = self.deref(raw) else { continue };
            let key = (p.str_at("name"), p.str_at("in"));
            resolved.retain(|q| (q.str_at("name"), q.str_at("in")) != key);
            resolved.push(p);
        }
        let template: Vec<String> = template_names(cx.path);
        let mut namer = Namer::new();
        for reserved in BUILDER_MEMBERS {
            namer.reserve(reserved);
        }
        let mut skipped = Vec::new();
        let mut path_params = Vec::new();
        let mut required = Vec::new();
        let mut optional = Vec::new();
        for p in resolved {
            let (Some(name), Some(location)) = (p.str_at("name"), p.str_at("in")) else {
                self.err(
                    p.pos,
                    "parameter needs both `name` and `in`",
                    Some("e.g. `- name: id` / `in: path`".into()),
                );
                continue;
            };
            let location = match location {
                "path" => ParamLocation::Path,
                "query" => ParamLocation::Query,
                "header" => {
                    if ["authorization", "accept", "content-type"]
                        .contains(&name.to_ascii_lowercase().as_str())
                    {
                        // OpenAPI ignores these as parameters: auth comes from
                        // security schemes, the media types from the document.
                        continue;
                    }
                    ParamLocation::Header
                }
                "cookie" => {
                    // The client has no cookie jar: a cookie parameter cannot be
                    // sent. Skipped so the rest of the spec still generates; the
                    // operation's docs say so.
                    skipped.push(name.to_string());
                    continue;
                }
                other => {
                    self.err(
                        p.get("in").map_or(p.pos, |n| n.pos),
                        format!("unknown parameter location `{other}`"),
                        Some("use path, query, header or cookie".into()),
                    );
                    continue;
                }
            };
            if location == ParamLocation::Path && !template.iter().any(|t| t == name) {
                self.err(
                    p.pos,
                    format!("path parameter `{name}` does not appear in `{}`", cx.path),
                    Some(format!("add `{{{name}}}` to the path or change `in:`")),
                );
                continue;
            }
            let ty = match (location, p.get("schema")) {
                (ParamLocation::Path, _) => TypeRef::String,
                (_, Some(schema)) => {
                    let t = self.schema_type(
                        schema,
                        &format!("{}{}", cx.builder_name, ident::pascal(name)),
                    );
                    self.param_type(t)
                }
                (_, None) => TypeRef::String,
            };
            let constraints = match p.get("schema") {
                Some(schema) => {
                    let target = self.deref(schema).unwrap_or(schema);
                    self.constraints(target)
                }
                None => Constraints::default(),
            };
            let param = Param {
                constraints,
                wire_name: name.to_string(),
                rust_name: namer.unique(ident::snake(name)),
                location,
                required: location == ParamLocation::Path || is_true(p, "required"),
                ty,
                description: doc_text(p),
            };
            match (param.location, param.required) {
                (ParamLocation::Path, _) => path_params.push(param),
                (_, true) => required.push(param),
                (_, false) => optional.push(param),
            }
        }
        for name in &template {
            if !path_params.iter().any(|p| &p.wire_name == name) {
                self.err(
                    cx.path_pos,
                    format!("path template `{}` uses `{{{name}}}` but no parameter declares it", cx.path),
                    Some(format!("add `- name: {name}` / `in: path` / `required: true` to the operation's parameters")),
                );
            }
        }
        path_params.sort_by_key(|p| template.iter().position(|t| t == &p.wire_name));
        let params = path_params
            .into_iter()
            .chain(required)
            .chain(optional)
            .collect();
        (params, skipped)
    }

    /// Query and header values must print as text; anything richer is taken
    /// as a pre-formatted string.
    fn param_type(&self, ty: TypeRef) -> TypeRef {
        let scalar = |t: &TypeRef| match t {
            TypeRef::Named(n) => self.is_enum(n),
            TypeRef::String
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::I64
            | TypeRef::F64
            | TypeRef::Decimal { .. } => true,
            _ => false,
        };
        match &ty {
            TypeRef::Vec(inner) if scalar(inner) => ty,
            t if scalar(t) => ty,
            _ => TypeRef::String,
        }
    }

    fn is_enum(&self, name: &str) -> bool {
        self.types
            .iter()
            .any(|t| t.name == name && matches!(t.kind, TypeKind::Enum { .. }))
    }

    /// The request body; a multipart body's properties become `Part`
    /// parameters, returned second.
    fn request_body(&mut self, op: &'d Node, builder: &str) -> (Option<Body>, Vec<Param>) {
        let Some(body) = op.get("requestBody").and_then(|raw| self.deref(raw)) else {
            return (None, Vec::new());
        };
        let Some((media, schema)) = body
            .get("content")
            .and_then(Node::entries)
            .and_then(pick_media)
        else {
            return (None, Vec::new());
        };
        let encoding = encoding_for(&media);
        let mut parts = Vec::new();
        let ty = match encoding {
            BodyEncoding::Json | BodyEncoding::Form => schema.map_or(TypeRef::Json, |s| {
                self.schema_type(s, &format!("{builder}Body"))
            }),
            BodyEncoding::Multipart => {
                parts = match schema.and_then(|s| self.deref(s)) {
                    Some(s) => self.multipart_parts(s, builder),
                    None => Vec::new(),
                };
                TypeRef::Json
            }
            BodyEncoding::Text => TypeRef::String,
            BodyEncoding::Bytes => TypeRef::Bytes,
        };
        let body = Body {
            content_type: media,
            encoding,
            ty,
            rust_name: "body".into(),
        };
        (Some(body), parts)
    }

    fn multipart_parts(&mut self, schema: &'d Node, builder: &str) -> Vec<Param> {
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let mut namer = Namer::new();
        for reserved in BUILDER_MEMBERS {
            namer.reserve(reserved);
        }
        let mut out = Vec::new();
        for (key, prop) in schema
            .get("properties")
            .and_then(Node::entries)
            .unwrap_or(&[])
        {
            let target = self.deref(prop).unwrap_or(prop);
            // A binary string part is a file: bytes, sent as a file part.
            let ty = if target.str_at("type") == Some("string")
                && target.str_at("format") == Some("binary")
            {
                TypeRef::Bytes
            } else {
                self.schema_type(prop, &format!("{builder}{}", ident::pascal(&key.name)))
            };
            let constraints = self.constraints(target);
            out.push(Param {
                wire_name: key.name.clone(),
                rust_name: namer.unique(ident::snake(&key.name)),
                location: ParamLocation::Part,
                required: required.contains(key.name.as_str()),
                ty,
                constraints,
                description: doc_text(prop).or_else(|| doc_text(target)),
            });
        }
        out
    }

    /// Reads `x-pasarela-csv` on an array schema whose items are a named struct.
    fn csv_format(&mut self, ext: &Node, node: &'d Node, hint: &str) -> Option<TypeRef> {
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
            match e.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("utf-8" | "utf8") => encodings.push(TextEncoding::Utf8),
                Some("windows-1252" | "cp1252" | "latin1" | "iso-8859-1") => {
                    encodings.push(TextEncoding::Windows1252)
                }
                _ => self.err(
                    e.pos,
                    "unknown CSV encoding",
                    Some("use `utf-8` or `windows-1252`".into()),
                ),
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

    fn is_struct(&self, name: &str) -> bool {
        self.types
            .iter()
            .any(|t| t.name == name && matches!(t.kind, TypeKind::Struct(_)))
    }

    fn text_result(&mut self, ext: &Node) -> TextResult {
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

    fn responses(&mut self, op: &'d Node, builder: &str) -> (Success, Vec<ErrorResponse>) {
        let mut success = Success {
            text_result: None,
            download: false,
            envelope: None,
            ty: None,
            decoding: ResponseDecoding::None,
            error_code_field: None,
        };
        let mut errors = Vec::new();
        let Some(responses) = op.get("responses").and_then(Node::entries) else {
            self.err(
                op.pos,
                "operation has no `responses`",
                Some("add at least `responses: {\"200\": {description: OK}}`".into()),
            );
            return (success, errors);
        };
        let mut found_success = false;
        let mut variants = Namer::new();
        for (code, raw) in responses {
            let Some(response) = self.deref(raw) else {
                continue;
            };
            let matcher = match parse_status(&code.name) {
                Some(m) => m,
                None => {
                    self.err(
                        code.pos,
                        format!("`{}` is not a status code", code.name),
                        Some(
                            "use a code such as `200`, a range such as `4XX`, or `default`".into(),
                        ),
                    );
                    continue;
                }
            };
            let media = response
                .get("content")
                .and_then(Node::entries)
                .and_then(pick_media);
            let is_success = matches!(
                matcher,
                StatusMatch::Exact(200..=299) | StatusMatch::Range(200, _)
            );
            if is_success {
                if found_success {
                    continue;
                }
                found_success = true;
                if let Some((media, schema)) = media {
                    let (decoding, ty) = match encoding_for(&media) {
                        BodyEncoding::Json => (
                            ResponseDecoding::Json,
                            schema.map_or(TypeRef::Json, |s| {
                                self.schema_type(s, &format!("{builder}Response"))
                            }),
                        ),
                        BodyEncoding::Text => {
                            match (response.get("x-pasarela-text-result"), schema) {
                                // With a grammar, the schema types the parsed text (a struct of
                                // captures, a secret, CSV rows); without one, text is a String.
                                (Some(_), Some(s)) => (
                                    ResponseDecoding::Text,
                                    self.schema_type(s, &format!("{builder}Response")),
                                ),
                                (None, Some(s))
                                    if self
                                        .deref(s)
                                        .is_some_and(|t| t.get("x-pasarela-csv").is_some()) =>
                                {
                                    (
                                        ResponseDecoding::Text,
                                        self.schema_type(s, &format!("{builder}Response")),
                                    )
                                }
                                _ => (ResponseDecoding::Text, TypeRef::String),
                            }
                        }
                        BodyEncoding::Form | BodyEncoding::Multipart | BodyEncoding::Bytes => {
                            (ResponseDecoding::Bytes, TypeRef::Bytes)
                        }
                    };
                    success.error_code_field = self.error_code_field(&ty);
                    let (ty, envelope) = match response.get("x-pasarela-envelope") {
                        Some(ext) => match self.envelope(ext, schema) {
                            Some((env, data_ty)) => (data_ty, Some(env)),
                            None => (ty, None),
                        },
                        None => (ty, None),
                    };
                    success.envelope = envelope;
                    success.text_result = response
                        .get("x-pasarela-text-result")
                        .map(|ext| self.text_result(ext));
                    success.download = response
                        .get("headers")
                        .and_then(Node::entries)
                        .unwrap_or(&[])
                        .iter()
                        .any(|(k, _)| k.name.eq_ignore_ascii_case("content-disposition"));
                    success.ty = Some(ty);
                    success.decoding = decoding;
                }
                continue;
            }
            let ty = match media {
                Some((m, Some(schema))) if encoding_for(&m) == BodyEncoding::Json => Some(
                    self.schema_type(schema, &format!("{builder}{}", ident::pascal(&code.name))),
                ),
                _ => None,
            };
            let variant = variants.unique(match matcher {
                StatusMatch::Exact(s) => http::StatusCode::from_u16(s)
                    .ok()
                    .and_then(|c| c.canonical_reason())
                    .map(ident::pascal)
                    .unwrap_or_else(|| format!("Status{s}")),
                StatusMatch::Range(lo, _) => format!("Status{}xx", lo / 100),
                StatusMatch::Default => "Other".to_string(),
            });
            errors.push(ErrorResponse {
                matcher,
                variant,
                description: response
                    .str_at("description")
                    .unwrap_or("")
                    .trim()
                    .to_string(),
                ty,
            });
        }
        errors.sort_by_key(|e| e.matcher);
        (success, errors)
    }

    /// Reads `x-pasarela-envelope` and finds the data type by walking the
    /// envelope schema's properties along the data pointer.
    fn envelope(&mut self, ext: &'d Node, schema: Option<&'d Node>) -> Option<(Envelope, TypeRef)> {
        let pointer = |this: &mut Self, key: &str, required: bool| -> Option<String> {
            match ext.get(key) {
                Some(n) => match n.as_str() {
                    Some(p) if p.starts_with('/') => Some(p.to_string()),
                    _ => {
                        this.err(
                            n.pos,
                            format!("envelope `{key}` must be a JSON pointer"),
                            Some(format!(
                                "e.g. `{key}: /header/{key}` (RFC 6901, starting with `/`)"
                            )),
                        );
                        None
                    }
                },
                None => {
                    if required {
                        this.err(
                            ext.pos,
                            format!("`x-pasarela-envelope` needs `{key}`"),
                            Some(format!(
                                "add `{key}: /path/to/{key}` (a JSON pointer into the response)"
                            )),
                        );
                    }
                    None
                }
            }
        };
        let code = pointer(self, "code", true);
        let text = pointer(self, "text", false);
        let data = pointer(self, "data", true);
        let outcome = |this: &mut Self, n: Option<&Node>| -> Option<OutcomeKind> {
            let n = n?;
            match n.as_str() {
                Some("success") => Some(OutcomeKind::Success),
                Some("partial") => Some(OutcomeKind::Partial),
                Some("error") => Some(OutcomeKind::Error),
                _ => {
                    this.err(
                        n.pos,
                        "unknown envelope outcome",
                        Some("use `success`, `partial` or `error`".into()),
                    );
                    None
                }
            }
        };
        let mut codes = Vec::new();
        for c in ext.get("codes").and_then(Node::items).unwrap_or(&[]) {
            let (Some(value), Some(kind)) = (c.str_at("code"), outcome(self, c.get("outcome")))
            else {
                self.err(
                    c.pos,
                    "each envelope code needs `code` and `outcome`",
                    Some("e.g. `- {code: \"0\", outcome: success, meaning: OK}`".into()),
                );
                continue;
            };
            codes.push((
                value.to_string(),
                kind,
                c.str_at("meaning").unwrap_or("").to_string(),
            ));
        }
        let mut rules = Vec::new();
        for r in ext.get("rules").and_then(Node::items).unwrap_or(&[]) {
            let Some(kind) = outcome(self, r.get("outcome")) else {
                self.err(
                    r.pos,
                    "each envelope rule needs an `outcome`",
                    Some("add `outcome: success`, `partial` or `error`".into()),
                );
                continue;
            };
            let mut conds = Vec::new();
            for c in r.get("when").and_then(Node::items).unwrap_or(&[]) {
                match c.str_at("path") {
                    Some(path) if path.starts_with('/') => conds.push(Condition {
                        path: path.to_string(),
                        equals: c.str_at("equals").map(str::to_string),
                        non_empty: c.bool_at("non-empty").unwrap_or(false),
                    }),
                    _ => self.err(
                        c.pos,
                        "a rule condition needs `path:` (a JSON pointer)",
                        Some("e.g. `- path: /data/state` / `equals: OK`".into()),
                    ),
                }
            }
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

    fn error_code_field(&self, ty: &TypeRef) -> Option<(String, TypeRef, bool)> {
        let TypeRef::Named(name) = ty else {
            return None;
        };
        let def = self.types.iter().find(|t| &t.name == name)?;
        let TypeKind::Struct(fields) = &def.kind else {
            return None;
        };
        fields
            .iter()
            .find(|f| f.error_code)
            .map(|f| (f.rust_name.clone(), f.ty.clone(), f.required))
    }

    fn security(
        &mut self,
        op: &Node,
        default: Option<&Node>,
        schemes: &[SecurityScheme],
    ) -> Vec<String> {
        let Some(reqs) = op.get("security").or(default).and_then(Node::items) else {
            return Vec::new();
        };
        let mut names = Vec::new();
        for req in reqs {
            for (key, _) in req.entries().unwrap_or(&[]) {
                let declared = self
                    .doc
                    .root
                    .get("components")
                    .and_then(|c| c.get("securitySchemes"))
                    .and_then(|s| s.get(&key.name))
                    .is_some();
                if !declared {
                    let hint = match closest(&key.name, schemes.iter().map(|s| s.name.as_str())) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => "declare it under `components.securitySchemes`".to_string(),
                    };
                    self.err(
                        key.pos,
                        format!("security scheme `{}` is not declared", key.name),
                        Some(hint),
                    );
                    continue;
                }
                if schemes.iter().any(|s| s.name == key.name) && !names.contains(&key.name) {
                    names.push(key.name.clone());
                }
            }
        }
        names
    }
}

struct OpContext<'d, 's> {
    id: String,
    method_name: String,
    builder_name: String,
    method: Method,
    path: &'d str,
    path_pos: Pos,
    op: &'d Node,
    shared_params: &'s [&'d Node],
    default_security: Option<&'d Node>,
    schemes: &'s [SecurityScheme],
}

fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn template_names(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

fn single_member(node: &Node) -> Option<&Node> {
    let members = node.get("oneOf").or_else(|| node.get("anyOf"))?.items()?;
    if node.get("properties").is_some() {
        return None;
    }
    let non_null: Vec<&Node> = members.iter().filter(|m| !is_null_schema(m)).collect();
    match non_null.as_slice() {
        [only] => Some(only),
        _ => None,
    }
}

fn variant_name_for(ty: &TypeRef, hint: &str) -> String {
    match ty {
        TypeRef::Named(n) => n.clone(),
        TypeRef::String => "String".into(),
        TypeRef::Secret => "Secret".into(),
        TypeRef::Bool => "Bool".into(),
        TypeRef::I32 | TypeRef::I64 => "Integer".into(),
        TypeRef::F64 | TypeRef::Decimal { .. } => "Number".into(),
        TypeRef::Vec(_) => "List".into(),
        TypeRef::Map(_) => "Map".into(),
        _ => ident::pascal(hint),
    }
}

fn parse_status(code: &str) -> Option<StatusMatch> {
    if code == "default" {
        return Some(StatusMatch::Default);
    }
    if let Ok(n) = code.parse::<u16>() {
        return (100..=599).contains(&n).then_some(StatusMatch::Exact(n));
    }
    let upper = code.to_ascii_uppercase();
    match upper.as_bytes() {
        [d @ b'1'..=b'5', b'X', b'X'] => {
            let lo = u16::from(d - b'0') * 100;
            Some(StatusMatch::Range(lo, lo + 99))
        }
        _ => None,
    }
}

fn encoding_for(media: &str) -> BodyEncoding {
    let m = media.to_ascii_lowercase();
    if m == "application/json" || m.ends_with("+json") || m == "*/*" {
        BodyEncoding::Json
    } else if m == "application/x-www-form-urlencoded" {
        BodyEncoding::Form
    } else if m == "multipart/form-data" {
        BodyEncoding::Multipart
    } else if m.starts_with("text/") {
        BodyEncoding::Text
    } else {
        BodyEncoding::Bytes
    }
}

/// Picks the media type to use: JSON first, then text, then the first listed.
fn pick_media(content: &[(crate::load::Key, Node)]) -> Option<(String, Option<&Node>)> {
    let rank = |m: &str| match encoding_for(m) {
        BodyEncoding::Json => 0,
        BodyEncoding::Form | BodyEncoding::Multipart => 1,
        BodyEncoding::Text => 2,
        BodyEncoding::Bytes => 3,
    };
    content
        .iter()
        .min_by_key(|(k, _)| rank(&k.name))
        .map(|(k, v)| (k.name.clone(), v.get("schema")))
}

/// Boxes struct fields whose type leads back to the struct itself without
/// passing through a `Vec` or map (which already allocate).
fn mark_boxed_fields(types: &mut [TypeDef]) {
    let edges: BTreeMap<String, Vec<String>> = types
        .iter()
        .map(|t| {
            let targets = match &t.kind {
                TypeKind::Struct(fields) => fields
                    .iter()
                    .filter_map(|f| match &f.ty {
                        TypeRef::Named(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect(),
                TypeKind::Alias(TypeRef::Named(n)) => vec![n.clone()],
                TypeKind::Union(vs) => vs
                    .iter()
                    .filter_map(|(_, ty)| match ty {
                        TypeRef::Named(n) => Some(n.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            (t.name.clone(), targets)
        })
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut stack = vec![from.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(edges.get(&n).cloned().unwrap_or_default());
            }
        }
        false
    };
    for t in types.iter_mut() {
        let name = t.name.clone();
        if let TypeKind::Struct(fields) = &mut t.kind {
            for f in fields.iter_mut() {
                if let TypeRef::Named(target) = &f.ty {
                    f.boxed = reaches(target, &name);
                }
            }
        }
    }
}

/// A `type` value as a word; an unquoted YAML `null` reads as `"null"`.
fn type_word(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Null => Some("null"),
        Value::Scalar(s) => Some(s),
        _ => None,
    }
}

/// `{type: "null"}` (or `{type: [null]}`), or `{nullable: true}` with nothing else.
fn is_null_schema(node: &Node) -> bool {
    match node.get("type") {
        Some(t) => match t.items() {
            Some(items) => items.iter().all(|i| type_word(i) == Some("null")),
            None => type_word(t) == Some("null"),
        },
        None => {
            node.bool_at("nullable") == Some(true) && node.entries().is_some_and(|e| e.len() == 1)
        }
    }
}

/// The operation's description, noting cookie parameters the client cannot send.
fn cookie_note(description: Option<&str>, skipped: &[String]) -> Option<String> {
    let base = description.map(|s| s.trim().to_string());
    if skipped.is_empty() {
        return base;
    }
    let note = format!(
        "Not sent: cookie parameter(s) {} (this client does not send cookies).",
        skipped
            .iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Some(match base {
        Some(b) => format!("{b}\n\n{note}"),
        None => note,
    })
}

/// Appends `note` to a doc text.
fn with_note(doc: Option<String>, note: Option<String>) -> Option<String> {
    match (doc, note) {
        (Some(d), Some(n)) => Some(format!("{d}\n\n{n}")),
        (d, None) => d,
        (None, n) => n,
    }
}
