//! Security schemes declared in components, and the ones each operation uses.

use crate::extensions::Ext;
use crate::ident;
use crate::ir::*;
use crate::load::Node;
use crate::resolve::closest;

use super::{doc_text, Lowerer};

impl<'d> Lowerer<'d, '_, '_> {
    pub(super) fn security_schemes(&mut self) -> Vec<SecurityScheme> {
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
                    let location = match Ext::In.text(node).or(node.str_at("in")) {
                        Some("header") => KeyLocation::Header,
                        Some("query") => KeyLocation::Query,
                        Some("cookie") => KeyLocation::Cookie,
                        Some("form") => KeyLocation::Form,
                        other => {
                            self.err(
                                node.pos,
                                format!(
                                    "apiKey scheme `{}` has unsupported location `{}`",
                                    key.name,
                                    other.unwrap_or("(missing)")
                                ),
                                Some("use `in: header`, `in: query` or `in: cookie`, or `x-pasarela-in: form` for a form field".into()),
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
                        // Other OAuth2 flows need a user in a browser: the
                        // client cannot drive them, but it can send the access
                        // token the application obtained (a bearer token).
                        None => SchemeKind::HttpBearer,
                    }
                }
                // An OpenID Connect ID/access token is sent as a bearer token.
                Some("openIdConnect") => SchemeKind::HttpBearer,
                _ => continue,
            };
            let description = match (&kind, node.str_at("type")) {
                (SchemeKind::HttpBearer, Some(t @ ("oauth2" | "openIdConnect"))) => Some(
                    doc_text(node).map_or(String::new(), |d| format!("{d}\n\n"))
                        + &format!("A `{t}` scheme: this client cannot run its flow, so give it the access token your application obtained; it is sent as `Authorization: Bearer <token>`."),
                ),
                _ => doc_text(node),
            };
            out.push(SecurityScheme {
                pos: key.pos,
                name: key.name.clone(),
                method_prefix: String::new(),
                kind,
                description,
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

    /// One warning per security scheme the client cannot apply that some
    /// operations accept as their only security: at its declaration, with
    /// how many operations go without credentials.
    pub(super) fn warn_unsupported_security(&mut self) {
        let schemes = self
            .doc
            .root
            .get("components")
            .and_then(|c| c.get("securitySchemes"));
        for (name, (first, count)) in std::mem::take(&mut self.unsupported_security) {
            let pos = schemes
                .and_then(Node::entries)
                .and_then(|e| e.iter().find(|(k, _)| k.name == name))
                .map_or(self.doc.root.pos, |(k, _)| k.pos);
            let ops = if count == 1 {
                format!("operation `{first}`, which accepts only it, is")
            } else {
                format!("{count} operations that accept only it (`{first}`, ...) are")
            };
            self.reporter.warning(
                pos,
                format!("security scheme `{name}` cannot be applied by this client; {ops} sent without credentials"),
                Some("supported: apiKey (header, query, cookie, form), HTTP basic and bearer, OAuth2 (client credentials run by the client; other flows take your access token), OpenID Connect (your token)".into()),
            );
        }
    }

    /// The operation's security requirements as alternatives (OpenAPI: the
    /// list is "any of", each requirement "all of"). An alternative that
    /// needs a scheme this client cannot apply is dropped with a warning;
    /// if that leaves none, the call is sent without credentials.
    pub(super) fn security(
        &mut self,
        op: &Node,
        op_id: &str,
        default: Option<&Node>,
        schemes: &[SecurityScheme],
    ) -> Vec<Vec<String>> {
        let Some(reqs) = op.get("security").or(default).and_then(Node::items) else {
            return Vec::new();
        };
        let mut alternatives: Vec<Vec<String>> = Vec::new();
        let mut dropped = Vec::new();
        for req in reqs {
            let mut names = Vec::new();
            let mut usable = true;
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
                    usable = false;
                    continue;
                }
                if !schemes.iter().any(|s| s.name == key.name) {
                    usable = false;
                    dropped.push((key.name.clone(), key.pos));
                } else if !names.contains(&key.name) {
                    names.push(key.name.clone());
                }
            }
            if usable && !alternatives.contains(&names) {
                alternatives.push(names);
            }
        }
        if alternatives.is_empty() && !reqs.is_empty() {
            if let Some((name, _)) = dropped.first() {
                let entry = self
                    .unsupported_security
                    .entry(name.clone())
                    .or_insert_with(|| (op_id.to_string(), 0));
                entry.1 += 1;
            }
        }
        alternatives
    }
}
