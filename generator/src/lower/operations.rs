//! Operations: naming, parameters in positional order, and assembling
//! an [`Operation`] from its body, responses and security.

use std::collections::BTreeMap;

use crate::diagnostics::Pos;
use crate::extensions::Ext;
use crate::ident::{self, Namer};
use crate::ir::*;
use crate::load::Node;

use super::{doc_text, is_true, Lowerer, BUILDER_MEMBERS, CLIENT_MEMBERS, RESERVED_TYPE_NAMES};

impl<'d> Lowerer<'d, '_, '_> {
    pub(super) fn operations(&mut self, schemes: &[SecurityScheme]) -> Vec<Operation> {
        let root = self.doc.root;
        let default_security = root.get("security");
        let mut method_namer = Namer::new();
        for reserved in CLIENT_MEMBERS {
            method_namer.reserve(reserved);
        }
        // Builders live in `requests`, beside code that names `Option`,
        // `Result`, ... unqualified: the same reserved names as types.
        let mut builder_namer = Namer::new();
        for reserved in RESERVED_TYPE_NAMES {
            builder_namer.reserve(reserved);
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
                let id = match ids.get(&id) {
                    Some(first) => {
                        let line = first.line;
                        let unique = (2..)
                            .map(|n| format!("{id}_{n}"))
                            .find(|c| !ids.contains_key(c))
                            .unwrap_or_default();
                        let repaired = self.reporter.repairable(
                            crate::diagnostics::Repair::OperationId,
                            op.get("operationId").map_or(op.pos, |n| n.pos),
                            format!("duplicate operationId `{id}`"),
                            &format!("give each operation its own operationId (the first use is at line {line})"),
                            &format!("name this one `{unique}`"),
                        );
                        if !repaired {
                            continue;
                        }
                        unique
                    }
                    None => id,
                };
                ids.insert(id.clone(), op.get("operationId").map_or(op.pos, |n| n.pos));
                let method_name = method_namer.unique(ident::snake(&id));
                let builder_name = builder_namer.unique(ident::pascal(ident::bare(&method_name)));
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
        // One naming scope for everything that becomes an argument, a
        // setter or a field of the request builder.
        let mut namer = Namer::new();
        for reserved in BUILDER_MEMBERS {
            namer.reserve(reserved);
        }
        let mut params = self.params(&cx, &mut namer);
        let (body, parts) = self.request_body(op, &cx.builder_name, &mut namer);
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
        let security = self.security(op, &cx.id, cx.default_security, cx.schemes);
        let moves_money = Ext::MovesMoney.is_set(op);
        let send_once = moves_money || Ext::SendOnce.is_set(op);
        let idempotent = !send_once
            && Ext::Idempotent
                .flag(op)
                .unwrap_or(cx.method.is_idempotent());
        let idempotency = self.idempotency(op, idempotent, &mut params);
        let pagination = self.pagination(op, &params, &success);
        Operation {
            pos: op.pos,
            // `Self_` (a keyword kept apart) gives `SelfError`, not `Self_Error`.
            error_name: format!("{}Error", cx.builder_name.trim_end_matches('_')),
            id: cx.id,
            method_name: cx.method_name,
            builder_name: cx.builder_name,
            method: cx.method,
            path: cx.path.to_string(),
            summary: op.str_at("summary").map(|s| s.trim().to_string()),
            description: op.str_at("description").map(|s| s.trim().to_string()),
            params,
            body,
            success,
            errors,
            security,
            idempotent,
            moves_money,
            send_once,
            outcome_reference: self.outcome_reference(op),
            idempotency,
            pagination,
        }
    }

    /// The operation's parameters in positional order.
    fn params(&mut self, cx: &OpContext<'d, '_>, namer: &mut Namer) -> Vec<Param> {
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
                "cookie" => ParamLocation::Cookie,
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
                self.reporter.repairable(
                    crate::diagnostics::Repair::PathTemplate,
                    p.pos,
                    format!("path parameter `{name}` does not appear in `{}`", cx.path),
                    &format!("add `{{{name}}}` to the path or change `in:`"),
                    &format!("leave `{name}` out (the path has no place for it)"),
                );
                continue;
            }
            let Some(style) = self.param_style(p, location) else {
                continue;
            };
            let ty = match (location, p.get("schema")) {
                (ParamLocation::Path, _) => TypeRef::String,
                (_, Some(schema)) => {
                    let t = self.schema_type(
                        schema,
                        &format!("{}{}", cx.builder_name, ident::pascal(name)),
                    );
                    self.param_type(t, location)
                }
                (_, None) => TypeRef::String,
            };
            let object = match &ty {
                TypeRef::Named(n) => self.is_struct(n),
                TypeRef::Map(_) => true,
                _ => false,
            };
            let mut wire_override: Option<String> = None;
            let style = match (style, object) {
                (ParamStyle::Form { explode }, true) => ParamStyle::FormObject { explode },
                (ParamStyle::DeepObject, false) => {
                    // The specification defines deepObject for objects only.
                    // For a list, APIs that declare it mean the bracket
                    // convention (`expand[]=a&expand[]=b`).
                    let list = matches!(ty, TypeRef::Vec(_));
                    let repair = if list {
                        format!("send each item as `{}=item`", bracketed(name))
                    } else {
                        format!("send it as `{name}=value` (style form)")
                    };
                    let repaired = self.reporter.repairable(
                        crate::diagnostics::Repair::UndefinedStyle,
                        p.get("style").map_or(p.pos, |n| n.pos),
                        format!("`style: deepObject` is defined for objects only, and `{name}` is not one"),
                        "declare `schema: {type: object, properties: ...}`, or `style: form` (naming the parameter `name[]` if the server wants brackets)",
                        &repair,
                    );
                    if !repaired {
                        continue;
                    }
                    if list {
                        wire_override = Some(bracketed(name));
                    }
                    ParamStyle::Form { explode: true }
                }
                (style, _) => style,
            };
            let constraints = match p.get("schema") {
                Some(schema) => {
                    let target = self.deref(schema).unwrap_or(schema);
                    self.constraints(target)
                }
                None => Constraints::default(),
            };
            let param = Param {
                pos: p.pos,
                style,
                constraints,
                wire_name: wire_override.unwrap_or_else(|| name.to_string()),
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
            if path_params.iter().any(|p| &p.wire_name == name) {
                continue;
            }
            let repaired = self.reporter.repairable(
                crate::diagnostics::Repair::PathTemplate,
                cx.path_pos,
                format!(
                    "path template `{}` uses `{{{name}}}` but operation `{}` does not declare it",
                    cx.path, cx.id
                ),
                &format!("add `- name: {name}` / `in: path` / `required: true` to the operation's parameters"),
                &format!("make `{name}` a required `String` argument"),
            );
            if repaired {
                path_params.push(Param {
                    pos: cx.path_pos,
                    constraints: Constraints::default(),
                    wire_name: name.clone(),
                    rust_name: namer.unique(ident::snake(name)),
                    location: ParamLocation::Path,
                    style: ParamStyle::Simple,
                    required: true,
                    ty: TypeRef::String,
                    description: Some(
                        "Not declared by the spec: read from the path template.".into(),
                    ),
                });
            }
        }
        path_params.sort_by_key(|p| template.iter().position(|t| t == &p.wire_name));
        path_params
            .into_iter()
            .chain(required)
            .chain(optional)
            .collect()
    }

    /// The parameter's `style`/`explode`, checked against its location.
    /// `None` (reported) when the client cannot write it as declared.
    fn param_style(&mut self, p: &Node, location: ParamLocation) -> Option<ParamStyle> {
        let style = p.str_at("style");
        let explode = p.bool_at("explode");
        let chosen = match (location, style) {
            (ParamLocation::Query | ParamLocation::Cookie, None | Some("form")) => {
                Some(ParamStyle::Form {
                    explode: explode.unwrap_or(true),
                })
            }
            (ParamLocation::Query, Some("spaceDelimited")) => Some(ParamStyle::SpaceDelimited),
            (ParamLocation::Query, Some("pipeDelimited")) => Some(ParamStyle::PipeDelimited),
            (ParamLocation::Query, Some("deepObject")) => Some(ParamStyle::DeepObject),
            (ParamLocation::Path | ParamLocation::Header, None | Some("simple")) => {
                Some(ParamStyle::Simple)
            }
            _ => None,
        };
        if chosen.is_none() {
            let node = p.get("style").unwrap_or(p);
            let where_ = match location {
                ParamLocation::Query => "query",
                ParamLocation::Cookie => "cookie",
                ParamLocation::Path => "path",
                _ => "header",
            };
            self.err(
                node.pos,
                format!(
                    "style `{}` is not supported for a {where_} parameter",
                    style.unwrap_or("")
                ),
                Some(match location {
                    ParamLocation::Query => {
                        "use form, spaceDelimited, pipeDelimited or deepObject".into()
                    }
                    ParamLocation::Cookie => "cookies use `style: form`".into(),
                    _ => "use `style: simple` (label and matrix path styles are not supported)"
                        .into(),
                }),
            );
        }
        chosen
    }

    /// Query, header and cookie values must print as text; anything richer
    /// is taken as a pre-formatted string, except objects in the query
    /// string, which are written by their `style`.
    fn param_type(&self, ty: TypeRef, location: ParamLocation) -> TypeRef {
        let scalar = |t: &TypeRef| match t {
            TypeRef::Named(n) => self.is_enum(n),
            TypeRef::String
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::U32
            | TypeRef::I64
            | TypeRef::U64
            | TypeRef::F64
            | TypeRef::Decimal { .. } => true,
            _ => false,
        };
        match &ty {
            TypeRef::Vec(inner) if scalar(inner) => ty,
            t if scalar(t) => ty,
            TypeRef::Named(n) if location == ParamLocation::Query && self.is_struct(n) => ty,
            TypeRef::Map(inner) if location == ParamLocation::Query && scalar(inner) => ty,
            _ => TypeRef::String,
        }
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

/// `name[]`, unless the name already ends in brackets.
fn bracketed(name: &str) -> String {
    if name.ends_with("[]") {
        name.to_string()
    } else {
        format!("{name}[]")
    }
}
