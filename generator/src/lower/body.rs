//! Request bodies: picking the media type, the body's encoding and type,
//! and a multipart body's parts.

use std::collections::BTreeSet;

use crate::extensions::Ext;
use crate::ident::{self, Namer};
use crate::ir::*;
use crate::load::Node;

use super::{doc_text, Lowerer};

impl<'d> Lowerer<'d, '_, '_> {
    /// The request body; a multipart body's properties become `Part`
    /// parameters, returned second.
    pub(super) fn request_body(
        &mut self,
        op: &'d Node,
        builder: &str,
        namer: &mut Namer,
    ) -> (Option<Body>, Vec<Param>) {
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
        if encoding == BodyEncoding::Form {
            if let Some(fields) = schema
                .and_then(|s| self.deref(s))
                .and_then(|s| self.form_fields(s, builder, namer))
            {
                let body = Body {
                    content_type: media,
                    encoding,
                    ty: TypeRef::Json,
                    rust_name: "body".into(),
                };
                return (Some(body), fields);
            }
        }
        let mut parts = Vec::new();
        let ty = match encoding {
            BodyEncoding::Json | BodyEncoding::Form => schema.map_or(TypeRef::Json, |s| {
                self.schema_type(s, &format!("{builder}Body"))
            }),
            BodyEncoding::Multipart => {
                parts = match schema.and_then(|s| self.deref(s)) {
                    Some(s) => self.multipart_parts(s, builder, namer),
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

    /// A form body's properties as [`ParamLocation::FormField`] parameters,
    /// when every property is a plain scalar or a list of them (not a
    /// secret, an object or a CSV file) and nothing else is allowed; `None`
    /// keeps the body one struct.
    fn form_fields(
        &mut self,
        schema: &'d Node,
        builder: &str,
        namer: &mut Namer,
    ) -> Option<Vec<Param>> {
        let properties = schema.get("properties").and_then(Node::entries)?;
        let closed = ["allOf", "oneOf", "anyOf"]
            .iter()
            .all(|k| schema.get(k).is_none())
            && schema
                .get("additionalProperties")
                .is_none_or(|a| a.as_str() == Some("false"));
        if properties.is_empty() || !closed {
            return None;
        }
        let plain = |node: &Node| {
            matches!(
                node.str_at("type"),
                Some("string" | "integer" | "number" | "boolean")
            ) && node.str_at("format") != Some("password")
                && node.str_at("format") != Some("binary")
                && node.entries().is_some_and(|entries| {
                    !entries
                        .iter()
                        .any(|(k, _)| k.name.starts_with("x-pasarela-"))
                })
        };
        for (_, prop) in properties {
            let target = self.deref(prop).unwrap_or(prop);
            let scalar = match target.str_at("type") {
                Some("array") => target
                    .get("items")
                    .map(|items| self.deref(items).unwrap_or(items))
                    .is_some_and(plain),
                _ => plain(target),
            };
            if !scalar {
                return None;
            }
        }
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let mut out = Vec::new();
        for (key, prop) in properties {
            let target = self.deref(prop).unwrap_or(prop);
            let ty = self.schema_type(prop, &format!("{builder}{}", ident::pascal(&key.name)));
            out.push(Param {
                pos: key.pos,
                wire_name: key.name.clone(),
                rust_name: namer.unique(ident::snake(&key.name)),
                location: ParamLocation::FormField,
                style: ParamStyle::Form { explode: true },
                required: required.contains(key.name.as_str()),
                ty,
                constraints: self.constraints(target),
                description: doc_text(prop).or_else(|| doc_text(target)),
            });
        }
        Some(out)
    }

    fn multipart_parts(
        &mut self,
        schema: &'d Node,
        builder: &str,
        namer: &mut Namer,
    ) -> Vec<Param> {
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        let mut out = Vec::new();
        for (key, prop) in schema
            .get("properties")
            .and_then(Node::entries)
            .unwrap_or(&[])
        {
            let target = self.deref(prop).unwrap_or(prop);
            // A binary string part is a file: bytes, sent as a file part
            // (unless `x-pasarela-read-as` types it, e.g. as CSV rows).
            let ty = if target.str_at("type") == Some("string")
                && target.str_at("format") == Some("binary")
                && Ext::ReadAs.on(target).is_none()
            {
                TypeRef::Bytes
            } else {
                self.schema_type(prop, &format!("{builder}{}", ident::pascal(&key.name)))
            };
            let constraints = self.constraints(target);
            out.push(Param {
                pos: key.pos,
                wire_name: key.name.clone(),
                rust_name: namer.unique(ident::snake(&key.name)),
                location: ParamLocation::Part,
                style: ParamStyle::Form { explode: true },
                required: required.contains(key.name.as_str()),
                ty,
                constraints,
                description: doc_text(prop).or_else(|| doc_text(target)),
            });
        }
        out
    }
}

pub(super) fn encoding_for(media: &str) -> BodyEncoding {
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
pub(super) fn pick_media(content: &[(crate::load::Key, Node)]) -> Option<(String, Option<&Node>)> {
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
