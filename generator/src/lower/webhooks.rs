//! Webhooks (OpenAPI 3.1 `webhooks`): the notifications an API sends. Each
//! becomes a [`Webhook`] whose JSON payload is a named type, so that a
//! document of webhooks alone still generates the types a receiver needs.

use crate::ident;
use crate::ir::*;
use crate::load::Node;

use super::body::{encoding_for, pick_media};
use super::{doc_text, Lowerer};

impl<'d> Lowerer<'d, '_, '_> {
    pub(super) fn webhooks(&mut self) -> Vec<Webhook> {
        let Some(entries) = self.doc.root.get("webhooks").and_then(Node::entries) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (name, item) in entries {
            let Some(item) = self.deref(item) else {
                continue;
            };
            for (method_key, op) in item.entries().unwrap_or(&[]) {
                let Some(method) = Method::from_key(&method_key.name) else {
                    continue;
                };
                let Some(op) = self.deref(op) else {
                    continue;
                };
                let payload = op
                    .get("requestBody")
                    .and_then(|b| self.deref(b))
                    .and_then(|b| b.get("content"))
                    .and_then(Node::entries)
                    .and_then(pick_media)
                    .filter(|(media, _)| encoding_for(media) == BodyEncoding::Json)
                    .and_then(|(_, schema)| schema)
                    .map(|schema| {
                        self.schema_type(schema, &format!("{}Payload", ident::pascal(&name.name)))
                    });
                out.push(Webhook {
                    pos: name.pos,
                    name: name.name.clone(),
                    method,
                    payload,
                    doc: doc_text(op).or_else(|| doc_text(item)),
                });
            }
        }
        out
    }
}
