//! Schemas → [`TypeRef`] and [`TypeKind`]: named definitions, unions,
//! `allOf` merging, struct fields, string enums, nullability and `type`.

use std::collections::BTreeSet;

use crate::extensions::Ext;
use crate::ident::{self, Namer};
use crate::ir::*;
use crate::load::{Node, Value};
use crate::resolve::closest;

use super::{doc_text, is_true, Lowerer, SCHEMA_PREFIX};

const KNOWN_TYPES: &[&str] = &[
    "string", "integer", "number", "boolean", "array", "object", "null",
];

impl<'d> Lowerer<'d, '_, '_> {
    /// The shape of a named type defined by `node`.
    pub(super) fn define(&mut self, name: &str, node: &'d Node) -> TypeKind {
        if let Some(ext) = Ext::ReadAs.on(node) {
            // A named schema is one type: it cannot also be another.
            self.err(
                ext.pos,
                format!("`x-pasarela-read-as` on the named schema `{name}`"),
                Some("put it on the schema where the value is used (a media type's or a property's `schema`), next to what the wire carries".into()),
            );
        }
        if let Some(reference) = node.str_at("$ref") {
            return TypeKind::Alias(self.reference(reference, name));
        }
        if let Some(members) = node.get("oneOf").or_else(|| node.get("anyOf")) {
            return self.union(name, node, members);
        }
        if let Some(parts) = node.get("allOf").and_then(Node::items) {
            if parts.len() == 1 && node.get("properties").is_none() {
                return TypeKind::Alias(self.schema_type(&parts[0], name));
            }
            return TypeKind::Struct(self.all_of_fields(name, node));
        }
        if let Some(values) = node.get("enum").and_then(Node::items) {
            if self.primary_type(node).as_deref().unwrap_or("string") == "string"
                && (node.get("type").is_some() || untyped_strings(values))
            {
                return self.string_enum(node, values.iter().filter_map(Node::as_str));
            }
        }
        if node.get("properties").is_some() {
            let mut namer = Namer::new();
            return TypeKind::Struct(self.fields(name, node, &mut namer));
        }
        TypeKind::Alias(self.schema_type_unnamed(node, name))
    }

    fn union(&mut self, name: &str, node: &'d Node, members: &'d Node) -> TypeKind {
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
        let members: Vec<&'d Node> = items
            .iter()
            .filter(|item| !is_null_schema(item))
            .map(|item| self.deref(item).unwrap_or(item))
            .collect();
        // Alternatives that are each a set of strings: one enum of them all
        // (decoding by trying open enums in turn would let the first one
        // take every value).
        if !members.is_empty() && node.get("discriminator").is_none() {
            // A `type` on the union applies to every member (Discord's
            // `type: integer` over `const` members is an integer enum).
            let union_type = node.get("type").map(type_word);
            let values: Option<Vec<Vec<&str>>> = match union_type {
                Some(t) if t != Some("string") => None,
                _ => members.iter().map(|m| enum_strings(m)).collect(),
            };
            if let Some(values) = values {
                return self.string_enum(node, values.into_iter().flatten());
            }
            if union_type == Some(Some("integer")) {
                if let Some(kind) = integer_enum(node, &members) {
                    return kind;
                }
            }
        }
        // A discriminator the spec implies (see `implicit_tag`). When every
        // member is written in place, their structs leave the tag out and
        // are named after it; the union writes it when encoding.
        let implicit = match node.get("discriminator") {
            Some(_) => None,
            None => implicit_tag(&mut |n| self.deref(n), &members),
        };
        let inline = items
            .iter()
            .filter(|item| !is_null_schema(item))
            .all(|item| item.get("$ref").is_none());
        let tag_outside = implicit.is_some() && inline;
        let mut variant_namer = Namer::new();
        let mut variants = Vec::new();
        let mut refs = Vec::new();
        let mut member = 0;
        for (i, item) in items.iter().enumerate() {
            if is_null_schema(item) {
                continue;
            }
            refs.push(item.str_at("$ref"));
            let tag = implicit
                .as_ref()
                .map(|(property, tags)| (property, &tags[member]));
            member += 1;
            let hint = match (item.str_at("$ref"), tag) {
                (Some(r), _) => r.rsplit('/').next().unwrap_or("Variant").to_string(),
                (None, Some((_, tag))) if tag_outside => tag.clone(),
                (None, _) => item
                    .str_at("title")
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("Variant{}", i + 1)),
            };
            if let (Some((property, _)), true) = (tag, tag_outside) {
                self.strip_tag = Some((item, property.clone()));
            }
            let ty = self.schema_type(item, &format!("{name}{}", ident::pascal(&hint)));
            self.strip_tag = None;
            let variant = variant_namer.unique(variant_name_for(&ty, &hint));
            variants.push((variant, ty));
        }
        if variants.is_empty() {
            return TypeKind::Alias(TypeRef::Json);
        }
        if let Some(d) = node.get("discriminator") {
            if let Some(tagged) = self.tagged(d, &variants, &refs) {
                return TypeKind::Tagged(tagged);
            }
        } else if let Some((property, tags)) = implicit {
            // Variants are named after their tags (`Explicit`, `Auto`).
            let mut namer = Namer::new();
            namer.reserve("Unknown");
            return TypeKind::Tagged(Tagged {
                property,
                variants: variants
                    .into_iter()
                    .zip(tags)
                    .map(|((_, ty), tag)| (namer.unique(ident::pascal(&tag)), vec![tag], ty))
                    .collect(),
                tag_outside,
            });
        }
        TypeKind::Union(variants)
    }

    /// A union's `discriminator`: each member's wire tags, from `mapping`
    /// (kept verbatim) or, for a member no mapping names, its component's
    /// name (OpenAPI's implicit mapping). `None` when a member cannot be
    /// given a tag (an inline member that no mapping names): the union is
    /// then decoded by trying each member, as without a discriminator.
    fn tagged(
        &mut self,
        d: &'d Node,
        variants: &[(String, TypeRef)],
        refs: &[Option<&str>],
    ) -> Option<Tagged> {
        let Some(property) = d.str_at("propertyName") else {
            self.err(
                d.pos,
                "`discriminator` needs `propertyName`",
                Some("e.g. `discriminator: {propertyName: type}`".into()),
            );
            return None;
        };
        let normalize = |r: &str| -> String {
            if r.contains('/') {
                r.to_string()
            } else {
                format!("{SCHEMA_PREFIX}{r}")
            }
        };
        let mut tags: Vec<Vec<String>> = vec![Vec::new(); variants.len()];
        for (key, target) in d.get("mapping").and_then(Node::entries).unwrap_or(&[]) {
            let Some(target) = target.as_str() else {
                continue;
            };
            let target = normalize(target);
            match refs.iter().position(|r| r.is_some_and(|r| r == target)) {
                Some(i) => tags[i].push(key.name.clone()),
                None => self.err(
                    key.pos,
                    format!("discriminator value `{}` maps to `{target}`, which is not a member of the union", key.name),
                    Some("map each value to one of the `oneOf`/`anyOf` members' `$ref`s".into()),
                ),
            }
        }
        for (i, r) in refs.iter().enumerate() {
            if tags[i].is_empty() {
                let name = (*r)?.rsplit('/').next()?;
                tags[i].push(name.replace("~1", "/").replace("~0", "~"));
            }
        }
        Some(Tagged {
            property: property.to_string(),
            variants: variants
                .iter()
                .zip(tags)
                .map(|((v, ty), t)| (v.clone(), t, ty.clone()))
                .collect(),
            tag_outside: false,
        })
    }

    fn all_of_fields(&mut self, name: &str, node: &'d Node) -> Vec<Field> {
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
        // A `properties` that is not a mapping was reported by the
        // structure check.
        let Some(entries) = props.entries() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let stripped = match &self.strip_tag {
            Some((member, property)) if std::ptr::eq(*member, node) => Some(property.clone()),
            _ => None,
        };
        for (key, prop) in entries {
            if stripped.as_deref() == Some(key.name.as_str()) {
                continue;
            }
            let rust_name = namer.unique(ident::snake(&key.name));
            let hint = format!("{owner}{}", ident::pascal(&key.name));
            let mut ty = match self.pinned(prop) {
                Some(pinned) => pinned,
                None => self.schema_type(prop, &hint),
            };
            let target = self.deref(prop).unwrap_or(prop);
            let lenient = either_spelling(target).is_some() || self.lenient_extension(prop, target);
            let constraints = self.constraints(target);
            let string_as_number = self.as_text(prop, target, &mut ty);
            let target_nullable = !std::ptr::eq(target, prop) && self.nullable(target);
            out.push(Field {
                pos: key.pos,
                wire_name: key.name.clone(),
                rust_name,
                ty,
                // Null allowed by the property or by the schema it refers to.
                required: required.contains(key.name.as_str())
                    && !self.nullable(prop)
                    && !target_nullable,
                lenient,
                boxed: false,
                error_code: Ext::ErrorCode.is_set(prop),
                string_as_number,
                csv_omittable: Ext::CsvOmittable.is_set(prop),
                doc: with_note(
                    with_note(doc_text(prop), constraints.note()),
                    self.missing_ref_note(prop),
                ),
                constraints,
            });
        }
        out
    }

    /// `x-pasarela-lenient: true` on a property or its schema: read as
    /// before, with a warning that the standard `type` contradicts it and
    /// the standard construct that says the same thing.
    fn lenient_extension(&mut self, prop: &Node, target: &Node) -> bool {
        let Some(flag) = [prop, target]
            .into_iter()
            .filter_map(|n| Ext::Lenient.on(n))
            .find(|flag| flag.as_str() == Some("true"))
        else {
            return false;
        };
        let ty = target.str_at("type").unwrap_or("string");
        let (other, standard) = match ty {
            "integer" => (
                "a digit string",
                "`anyOf: [{type: integer}, {type: string, pattern: '^-?[0-9]+$'}]`",
            ),
            "number" => (
                "a numeric string",
                "`anyOf: [{type: number}, {type: string, pattern: '^-?[0-9]+([.][0-9]+)?$'}]`",
            ),
            "boolean" => (
                "`\"true\"`/`\"false\"`",
                "`anyOf: [{type: boolean}, {type: string, enum: ['true', 'false']}]`",
            ),
            _ => (
                "a number or boolean",
                "`anyOf: [{type: string}, {type: integer}]`",
            ),
        };
        let types_31 = match ty {
            "string" => "string, integer".to_string(),
            other => format!("{other}, string"),
        };
        self.reporter.warning(
            flag.pos,
            format!(
                "`{}` says the wire may carry {other} where the schema says `type: {ty}`; tools that do not read our extensions believe the schema",
                Ext::Lenient.name()
            ),
            Some(format!(
                "describe both spellings in standard terms, {standard} (OpenAPI 3.1: `type: [{types_31}]`), and drop the extension; the Rust type stays the same"
            )),
        );
        true
    }

    /// A property written in place that pins a string to one value
    /// (`const: X`, or `enum: [X]`): the runtime's zero-sized `Pinned`,
    /// written on encode and checked on decode, over one marker type per
    /// distinct value instead of a one-variant enum per property. A `$ref`
    /// to a named schema stays that schema's type: the document named it.
    fn pinned(&mut self, prop: &'d Node) -> Option<TypeRef> {
        if SHAPED.iter().any(|k| prop.get(k).is_some())
            || Ext::ReadAs.on(prop).is_some()
            || Ext::Lenient.on(prop).is_some()
        {
            return None;
        }
        let value = match (prop.get("const"), prop.get("enum").and_then(Node::items)) {
            (Some(only), _) => only.as_str()?,
            (None, Some([only])) => only.as_str()?,
            _ => return None,
        };
        // A string on the wire: said by `type`, or (without one) a value
        // that reads as no other JSON scalar.
        let string = match prop.get("type") {
            Some(_) => prop.str_at("type") == Some("string"),
            None => reads_as_text(value),
        };
        if !string {
            return None;
        }
        let marker = match self.pinned_markers.get(value) {
            Some(marker) => marker.clone(),
            None => {
                let base = ident::pascal(value);
                let base = if base.is_empty() {
                    "Value".to_string()
                } else {
                    base
                };
                let marker = self.pinned_namer.unique(base);
                self.pinned_markers
                    .insert(value.to_string(), marker.clone());
                marker
            }
        };
        Some(TypeRef::Pinned {
            value: value.to_string(),
            marker,
        })
    }

    fn string_enum<'v>(
        &mut self,
        node: &Node,
        values: impl IntoIterator<Item = &'v str>,
    ) -> TypeKind {
        let mut namer = Namer::new();
        namer.reserve("Unknown");
        let mut out = Vec::new();
        for text in values {
            if out.iter().any(|(_, w): &(String, String)| w == text) {
                continue;
            }
            out.push((namer.unique(ident::pascal(text)), text.to_string()));
        }
        TypeKind::Enum {
            values: out,
            open: !Ext::ClosedEnum.is_set(node),
            value_docs: Vec::new(),
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

    fn reference(&mut self, reference: &str, hint: &str) -> TypeRef {
        if let Some(name) = self.components.get(reference) {
            return TypeRef::Named(name.clone());
        }
        if !reference.starts_with('#') {
            return self.external_schema(reference);
        }
        match self.doc.pointer(reference) {
            Ok(target) => self.schema_type(target, hint),
            // A broken reference was already reported by `resolve::validate`.
            Err(_) => TypeRef::Json,
        }
    }

    /// A schema in another file (`path#/pointer`): one named type per
    /// target, named after the pointer's last segment (or the file's stem
    /// for a whole-file schema), defined the first time it is used.
    fn external_schema(&mut self, reference: &str) -> TypeRef {
        let Ok(target) = self.doc.pointer(reference) else {
            // Reported by `resolve::validate`.
            return TypeRef::Json;
        };
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let base = pointer
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .unwrap_or_else(|| {
                let stem = file.rsplit('/').next().unwrap_or(file);
                stem.split('.').next().unwrap_or(stem).to_string()
            });
        let name = self.type_namer.unique(ident::pascal(&base));
        // Registered before it is defined, so that a schema that refers
        // back to itself (across files too) finds its name.
        self.components.insert(reference.to_string(), name.clone());
        let kind = self.define(&name, target);
        self.types.push(TypeDef {
            pos: target.pos,
            name: name.clone(),
            doc: doc_text(target),
            kind,
            inline: false,
        });
        TypeRef::Named(name)
    }

    /// The type for a schema used in place; named shapes (objects, enums,
    /// unions) become new types called `hint`.
    pub(super) fn schema_type(&mut self, node: &'d Node, hint: &str) -> TypeRef {
        // The standard schema describes the wire; `x-pasarela-read-as` names
        // the schema Rust reads and writes it as.
        if let Some(rust_side) = Ext::ReadAs.on(node) {
            return self.schema_type(rust_side, hint);
        }
        if let Some(reference) = node.str_at("$ref") {
            return self.reference(reference, hint);
        }
        if let Some(scalar) = either_spelling(node) {
            return scalar;
        }
        let needs_name = node.get("oneOf").is_some()
            || node.get("anyOf").is_some()
            || node.get("allOf").is_some()
            || node.get("properties").is_some()
            || match (node.get("enum").and_then(Node::items), node.str_at("type")) {
                (Some(_), Some("string")) => true,
                // Without a `type`, only values that read as text are a
                // string enum: `enum: [1, 2]` is numbers on the wire.
                (Some(values), None) => node.get("type").is_none() && untyped_strings(values),
                _ => false,
            };
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
                pos: node.pos,
                name: name.clone(),
                doc: doc_text(node),
                kind,
                inline: true,
            });
            return TypeRef::Named(name);
        }
        self.schema_type_unnamed(node, hint)
    }

    /// For a schema that is a `$ref` to nothing (read leniently as any JSON
    /// value), the note the generated docs carry.
    pub(super) fn missing_ref_note(&self, node: &Node) -> Option<String> {
        let reference = node.str_at("$ref")?;
        self.doc.deref(node).is_err().then(|| {
            format!("Any JSON value: the spec's `$ref: {reference}` names no schema (repaired leniently).")
        })
    }

    fn schema_type_unnamed(&mut self, node: &'d Node, hint: &str) -> TypeRef {
        let mut format = node.str_at("format").unwrap_or("");
        let ty = self.primary_type(node);
        if let Some(ty) = ty.as_deref() {
            if format_contradicts(ty, format) {
                let at = node.get("format").map_or(node.pos, |f| f.pos);
                self.reporter.repairable(
                    crate::diagnostics::Repair::FormatType,
                    at,
                    format!("`format: {format}` contradicts `type: {ty}`"),
                    "give the format of the type the wire carries (or drop it)",
                    &format!("read the value as `type: {ty}`, ignoring the format"),
                );
                format = "";
            }
        }
        let secret = Ext::Secret.is_set(node) || format == "password";
        match ty.as_deref() {
            Some("string") if secret => TypeRef::Secret,
            Some("string") if format == "decimal" => TypeRef::Decimal { wire_number: false },
            Some("string") => TypeRef::String,
            Some("boolean") => TypeRef::Bool,
            Some("integer") if format == "int32" && non_negative(node) => TypeRef::U32,
            Some("integer") if format == "int32" => TypeRef::I32,
            Some("integer") if matches!(format, "uint64" | "uint") => TypeRef::U64,
            Some("integer") if !integer_format_fits(format) => {
                let at = node.get("format").map_or(node.pos, |f| f.pos);
                self.reporter.repairable(
                    crate::diagnostics::Repair::IntegerWidth,
                    at,
                    format!("integer format `{format}` names a width this client has no type for"),
                    "use int32, int64, uint64 (or no format)",
                    "read it as i64 (values outside i64 fail to decode)",
                );
                TypeRef::I64
            }
            Some("integer") if non_negative(node) => TypeRef::U64,
            Some("integer") => TypeRef::I64,
            Some("number") if matches!(format, "float" | "double") => TypeRef::F64,
            Some("number") => TypeRef::Decimal { wire_number: true },
            Some("array") if Ext::Csv.on(node).is_some() => {
                let ext = Ext::Csv.on(node).unwrap_or(node);
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

    pub(super) fn is_enum(&self, name: &str) -> bool {
        self.types
            .iter()
            .any(|t| t.name == name && matches!(t.kind, TypeKind::Enum { .. }))
    }

    pub(super) fn is_struct(&self, name: &str) -> bool {
        self.types
            .iter()
            .any(|t| t.name == name && matches!(t.kind, TypeKind::Struct(_)))
    }
}

/// A scalar described in standard terms as arriving in either JSON
/// spelling: OpenAPI 3.1 `type: [integer, string]`, or 3.0
/// `anyOf`/`oneOf` of a plain `{type: integer}` and a plain
/// `{type: string}` (`number` and `boolean` likewise; a `null` member
/// only makes it optional). The Rust type is the non-string one when the
/// string alternative is constrained (`pattern`, `format` or `enum`: the
/// value written as text), else `String` (text that may arrive as a
/// number). Read leniently; written in the Rust type's own spelling.
fn either_spelling(node: &Node) -> Option<TypeRef> {
    let plain = |n: &Node| -> Option<String> {
        let structural = [
            "properties",
            "items",
            "allOf",
            "anyOf",
            "oneOf",
            "$ref",
            "additionalProperties",
        ];
        if structural.iter().any(|k| n.get(k).is_some()) {
            return None;
        }
        type_word(n.get("type")?).map(str::to_string)
    };
    let constrained = |n: &Node| {
        ["pattern", "format", "enum"]
            .iter()
            .any(|k| n.get(k).is_some())
    };
    // (the other type, its schema node, whether the string side is constrained)
    // A decimal written as a string (`format: decimal`) that may arrive as a number.
    let decimal_string = |n: &Node| n.str_at("format") == Some("decimal");
    if let Some(members) = node
        .get("anyOf")
        .or_else(|| node.get("oneOf"))
        .and_then(Node::items)
    {
        let members: Vec<&Node> = members.iter().filter(|m| !is_null_schema(m)).collect();
        if let [a, b] = members.as_slice() {
            let kinds = (plain(a), plain(b));
            let string_side = match (kinds.0.as_deref(), kinds.1.as_deref()) {
                (Some("string"), Some("number")) => Some(*a),
                (Some("number"), Some("string")) => Some(*b),
                _ => None,
            };
            if string_side.is_some_and(decimal_string) {
                return Some(TypeRef::Decimal { wire_number: false });
            }
        }
    }
    let (other, other_node, string_constrained) = match node.get("type").map(|t| &t.value) {
        Some(Value::Seq(words)) => {
            let words: Vec<&str> = words
                .iter()
                .filter_map(type_word)
                .filter(|w| *w != "null")
                .collect();
            match words.as_slice() {
                ["string", other] | [other, "string"] => {
                    (other.to_string(), node, constrained(node))
                }
                _ => return None,
            }
        }
        _ => {
            let members = node.get("anyOf").or_else(|| node.get("oneOf"))?.items()?;
            let members: Vec<&Node> = members.iter().filter(|m| !is_null_schema(m)).collect();
            let [a, b] = members.as_slice() else {
                return None;
            };
            match (plain(a)?.as_str(), plain(b)?.as_str()) {
                ("string", other) => (other.to_string(), *b, constrained(a)),
                (other, "string") => (other.to_string(), *a, constrained(b)),
                _ => return None,
            }
        }
    };
    let scalar = match other.as_str() {
        "integer" if other_node.str_at("format") == Some("int32") => TypeRef::I32,
        "integer" => TypeRef::I64,
        "number" => TypeRef::Decimal { wire_number: true },
        "boolean" => TypeRef::Bool,
        _ => return None,
    };
    Some(if string_constrained {
        scalar
    } else {
        TypeRef::String
    })
}

/// False for a `format` that names an integer width wider than i64/u64
/// (`int128`, `uint256`): reading it as i64 would lose values. Other
/// formats (`int8`…`uint32`, `unixtime`, ...) fit or are annotations.
/// Whether `format` is one the OpenAPI and JSON Schema specifications
/// define for another type than `ty` (unknown formats are open, and fit).
fn format_contradicts(ty: &str, format: &str) -> bool {
    const STRING: &[&str] = &[
        "date-time",
        "date",
        "time",
        "duration",
        "email",
        "idn-email",
        "hostname",
        "idn-hostname",
        "ipv4",
        "ipv6",
        "uri",
        "uri-reference",
        "iri",
        "iri-reference",
        "uuid",
        "uri-template",
        "json-pointer",
        "relative-json-pointer",
        "regex",
        "byte",
        "binary",
        "password",
    ];
    const NUMERIC: &[&str] = &["int32", "int64", "float", "double"];
    match ty {
        "integer" => STRING.contains(&format) || matches!(format, "float" | "double"),
        "number" => STRING.contains(&format),
        "boolean" => STRING.contains(&format) || NUMERIC.contains(&format),
        _ => false,
    }
}

fn integer_format_fits(format: &str) -> bool {
    let digits = format
        .strip_prefix("uint")
        .or_else(|| format.strip_prefix("int"))
        .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
    match digits.and_then(|d| d.parse::<u32>().ok()) {
        Some(bits) => bits <= 64,
        None => true,
    }
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
        TypeRef::I32 | TypeRef::U32 | TypeRef::I64 | TypeRef::U64 => "Integer".into(),
        TypeRef::F64 | TypeRef::Decimal { .. } => "Number".into(),
        TypeRef::Vec(_) => "List".into(),
        TypeRef::Map(_) => "Map".into(),
        _ => ident::pascal(hint),
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
/// The strings a schema allows when it is only a set of strings (`enum`
/// of strings, or `const`, with `type: string` or no type); `None` for
/// anything else.
/// Keywords that give a schema a shape beyond one value (a member with any
/// of them is not a plain `enum`/`const`).
const SHAPED: [&str; 6] = ["properties", "oneOf", "anyOf", "allOf", "items", "$ref"];

/// Whether every value of an `enum` written without a `type` reads as a
/// string (not as a JSON number, boolean or null).
fn untyped_strings(values: &[Node]) -> bool {
    values.iter().all(|v| v.as_str().is_some_and(reads_as_text))
}

/// Whether a scalar written without a `type` is text on the wire: it reads
/// as no JSON number, boolean or null.
fn reads_as_text(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).map_or(true, |j| j.is_string())
}

fn enum_strings(node: &Node) -> Option<Vec<&str>> {
    if SHAPED.iter().any(|k| node.get(k).is_some()) {
        return None;
    }
    if let Some(ty) = node.get("type") {
        if type_word(ty) != Some("string") {
            return None;
        }
    }
    if let Some(c) = node.get("const") {
        return c.as_str().map(|c| vec![c]);
    }
    node.get("enum")?
        .items()?
        .iter()
        .map(Node::as_str)
        .collect()
}

/// `type: integer` over members that are each one `const` integer:
/// constants named after the members' titles (`V{value}` without one),
/// the representation from the union's `format`.
fn integer_enum(union: &Node, members: &[&Node]) -> Option<TypeKind> {
    let mut namer = Namer::new();
    let mut values: Vec<(String, String)> = Vec::new();
    for member in members {
        if SHAPED
            .iter()
            .chain(&["enum"])
            .any(|k| member.get(k).is_some())
        {
            return None;
        }
        let value: i64 = member.get("const")?.as_str()?.trim().parse().ok()?;
        if values.iter().any(|(_, v)| *v == value.to_string()) {
            continue;
        }
        let named = member
            .str_at("title")
            .map(|t| ident::bare(&ident::snake(t)).to_uppercase())
            .filter(|n| n.starts_with(|c: char| c.is_ascii_alphabetic()));
        let name = named.unwrap_or_else(|| format!("V{}", value.unsigned_abs()));
        values.push((namer.unique(name), value.to_string()));
    }
    let repr = match union.str_at("format") {
        Some("int32") => TypeRef::I32,
        _ => TypeRef::I64,
    };
    let fits = |v: &(String, String)| repr != TypeRef::I32 || v.1.parse::<i32>().is_ok();
    (!values.is_empty() && values.iter().all(fits))
        .then_some(TypeKind::IntegerEnum { repr, values })
}

/// A discriminator the spec implies without declaring it: a property every
/// alternative (an object) requires, whose schema allows one string, a
/// different one in each. Returns the property and each member's tag.
/// Decoding by that tag is what trying the members in turn would do,
/// except that a member's open enum cannot take another member's value.
fn implicit_tag<'d>(
    deref: &mut impl FnMut(&'d Node) -> Option<&'d Node>,
    members: &[&'d Node],
) -> Option<(String, Vec<String>)> {
    let first = members.first()?;
    let candidates = first.get("properties")?.entries()?;
    'property: for (key, _) in candidates {
        let mut tags: Vec<String> = Vec::new();
        for member in members {
            let required = member
                .get("required")
                .and_then(Node::items)
                .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(key.name.as_str())));
            let Some(prop) = member.get("properties").and_then(|p| p.get(&key.name)) else {
                continue 'property;
            };
            let prop = deref(prop).unwrap_or(prop);
            match enum_strings(prop).as_deref() {
                Some([tag]) if required && !tags.iter().any(|t| t == tag) => {
                    tags.push((*tag).to_string());
                }
                _ => continue 'property,
            }
        }
        return Some((key.name.clone(), tags));
    }
    None
}

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

/// Appends `note` to a doc text.
fn with_note(doc: Option<String>, note: Option<String>) -> Option<String> {
    match (doc, note) {
        (Some(d), Some(n)) => Some(format!("{d}\n\n{n}")),
        (d, None) => d,
        (None, n) => n,
    }
}

/// Whether an integer schema's `minimum` (or a numeric 3.1
/// `exclusiveMinimum`) rules out negative values: its Rust type is then
/// unsigned.
fn non_negative(node: &Node) -> bool {
    let at_least_zero = |key: &str| {
        node.str_at(key)
            .and_then(|s| s.trim().parse::<f64>().ok())
            .is_some_and(|n| n >= 0.0)
    };
    at_least_zero("minimum") || at_least_zero("exclusiveMinimum")
}
