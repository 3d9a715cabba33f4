//! `x-pasarela-pagination`, and other tools' markers read as the same
//! thing (`x-dropshot-pagination`): the scheme, the query parameters it
//! drives, and the pointers into a page checked against the success type.

use crate::extensions::Ext;
use crate::ir::*;
use crate::load::Node;

use super::Lowerer;

/// The Dropshot marker (oxide.json and every Dropshot server): a
/// `page_token` cursor from the body's `next_page`, items in `items`, a
/// `limit` size; later pages send only the token and the limit.
const DROPSHOT: &str = "x-dropshot-pagination";

impl<'d> Lowerer<'d, '_, '_> {
    /// The operation's pagination, checked; `None` when it declares none
    /// or the declaration is wrong (then an error was reported).
    pub(super) fn pagination(
        &mut self,
        op: &Node,
        params: &[Param],
        success: &Success,
    ) -> Option<Pagination> {
        let (node, declared) = match Ext::Pagination.on(op) {
            Some(node) => (node, self.declared_pagination(node)?),
            None => {
                let Some(node) = op.get(DROPSHOT) else {
                    self.suggest_pagination(op, params, success);
                    return None;
                };
                let dropshot = Declared {
                    scheme: PageScheme::Cursor {
                        param: "page_token".into(),
                        from: CursorSource::Field("/next_page".into()),
                        size: params
                            .iter()
                            .any(|p| p.wire_name == "limit" && p.location == ParamLocation::Query)
                            .then(|| "limit".to_string()),
                        alone: true,
                    },
                    items: Some("/items".into()),
                    has_more: None,
                    total: None,
                    stop_on_short_page: false,
                };
                (node, dropshot)
            }
        };
        let foreign = Ext::Pagination.on(op).is_none();
        let name = if foreign {
            DROPSHOT
        } else {
            Ext::Pagination.name()
        };
        // The success body: JSON, one type, no envelope.
        let body = match (&success.ty, success.decoding) {
            (Some(ty), ResponseDecoding::Json)
                if success.envelope.is_none() && success.by_status.is_empty() =>
            {
                ty.clone()
            }
            _ => {
                self.paging_problem(
                    foreign,
                    node.pos,
                    format!("`{name}` needs a JSON success body of one type"),
                    Some("a paginated operation answers a page: a JSON object holding the items, or the array of items".into()),
                );
                return None;
            }
        };
        for param in declared.params() {
            let known = params
                .iter()
                .any(|p| p.location == ParamLocation::Query && p.wire_name == param);
            if !known {
                let names: Vec<&str> = params
                    .iter()
                    .filter(|p| p.location == ParamLocation::Query)
                    .map(|p| p.wire_name.as_str())
                    .collect();
                self.paging_problem(
                    foreign,
                    node.pos,
                    format!("`{name}` names query parameter `{param}`, which the operation does not declare"),
                    Some(if names.is_empty() {
                        "declare it under `parameters` with `in: query`".into()
                    } else {
                        format!("its query parameters are: {}", names.join(", "))
                    }),
                );
                return None;
            }
        }
        let item = match &declared.items {
            Some(pointer) => self.type_at(&body, pointer),
            None => Ok(body.clone()),
        }
        .and_then(|list| match self.resolved(&list) {
            TypeRef::Vec(item) => Ok(*item),
            _ => Err(format!(
                "`{}` does not name a list of items",
                declared.items.as_deref().unwrap_or("the body")
            )),
        });
        let item = match item {
            Ok(item) => item,
            Err(why) => {
                self.paging_problem(
                    foreign,
                    node.pos,
                    format!("`{name}`: {why}"),
                    Some("`items:` is a JSON pointer to the array of a page's items (leave it out when the body is the array)".into()),
                );
                return None;
            }
        };
        let mut checks: Vec<PointerCheck<'_>> = Vec::new();
        if let Some(p) = &declared.has_more {
            checks.push((p, &body, "a boolean", |t| matches!(t, TypeRef::Bool)));
        }
        if let Some(p) = &declared.total {
            checks.push((p, &body, "an integer", |t| {
                matches!(
                    t,
                    TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 | TypeRef::String
                )
            }));
        }
        let scalar: fn(&TypeRef) -> bool = |t| {
            matches!(
                t,
                TypeRef::String | TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64
            )
        };
        match &declared.scheme {
            PageScheme::Cursor {
                from: CursorSource::Field(p),
                ..
            } => checks.push((p, &body, "a string or an integer", scalar)),
            PageScheme::Cursor {
                from: CursorSource::LastItem(p),
                ..
            } => checks.push((p, &item, "a string or an integer", scalar)),
            PageScheme::NextLink { field: Some(p) } => {
                checks.push((p, &body, "a string", |t| matches!(t, TypeRef::String)))
            }
            _ => {}
        }
        for (pointer, root, wanted, fits) in checks {
            let found = self.type_at(root, pointer).map(|t| self.resolved(&t));
            match found {
                Ok(t) if fits(&t) => {}
                Ok(_) => {
                    self.paging_problem(
                        foreign,
                        node.pos,
                        format!("`{name}`: `{pointer}` is not {wanted}"),
                        None,
                    );
                    return None;
                }
                Err(why) => {
                    self.paging_problem(foreign, node.pos, format!("`{name}`: {why}"), None);
                    return None;
                }
            }
        }
        Some(Pagination {
            scheme: declared.scheme,
            items: declared.items,
            item,
            has_more: declared.has_more,
            total: declared.total,
            stop_on_short_page: declared.stop_on_short_page,
        })
    }

    /// Reads an `x-pasarela-pagination` mapping (its keys' shapes were
    /// checked); reports what a scheme is missing.
    fn declared_pagination(&mut self, node: &Node) -> Option<Declared> {
        let text = |key: &str| node.str_at(key).map(str::to_string);
        let flag = |key: &str| node.bool_at(key).unwrap_or(false);
        let scheme_name = node.str_at("scheme")?;
        let missing = |this: &mut Self, what: &str| {
            this.err(
                node.pos,
                format!("`x-pasarela-pagination` with `scheme: {scheme_name}` needs {what}"),
                Some("see docs/spec-extensions.md for an example of each scheme".into()),
            );
        };
        let scheme = match scheme_name {
            "page-number" => {
                let Some(page) = text("page-param") else {
                    missing(self, "`page-param`");
                    return None;
                };
                let first = match node.str_at("first-page") {
                    None => 1,
                    Some(n) => match n.parse::<u64>() {
                        Ok(n) => n,
                        Err(_) => {
                            missing(self, "`first-page` as a number (0 or 1)");
                            return None;
                        }
                    },
                };
                PageScheme::PageNumber {
                    page,
                    size: text("size-param"),
                    first,
                }
            }
            "offset" => {
                let Some(offset) = text("offset-param") else {
                    missing(self, "`offset-param`");
                    return None;
                };
                PageScheme::Offset {
                    offset,
                    limit: text("limit-param"),
                }
            }
            "cursor" => {
                let Some(param) = text("cursor-param") else {
                    missing(self, "`cursor-param`");
                    return None;
                };
                let sources = [
                    text("cursor-field").map(CursorSource::Field),
                    text("cursor-header").map(CursorSource::Header),
                    text("cursor-item-field").map(CursorSource::LastItem),
                ];
                let mut given = sources.into_iter().flatten();
                let (Some(from), None) = (given.next(), given.next()) else {
                    missing(
                        self,
                        "one of `cursor-field`, `cursor-header` or `cursor-item-field`",
                    );
                    return None;
                };
                PageScheme::Cursor {
                    param,
                    from,
                    size: text("size-param"),
                    alone: flag("cursor-alone"),
                }
            }
            _ => {
                let field = text("next-field");
                if field.is_none() && !flag("next-link-header") {
                    missing(self, "`next-field` or `next-link-header: true`");
                    return None;
                }
                PageScheme::NextLink { field }
            }
        };
        Some(Declared {
            scheme,
            items: text("items"),
            has_more: text("has-more"),
            total: text("total"),
            stop_on_short_page: flag("stop-on-short-page"),
        })
    }

    /// The type at `pointer` inside `root` (through named structs).
    fn type_at(&self, root: &TypeRef, pointer: &str) -> Result<TypeRef, String> {
        let mut ty = root.clone();
        for segment in pointer.split('/').skip(1) {
            let segment = segment.replace("~1", "/").replace("~0", "~");
            let here = self.resolved(&ty);
            let fields = match &here {
                TypeRef::Named(name) => {
                    self.types
                        .iter()
                        .find(|t| &t.name == name)
                        .and_then(|t| match &t.kind {
                            TypeKind::Struct(fields) => Some(fields),
                            _ => None,
                        })
                }
                _ => None,
            };
            let Some(fields) = fields else {
                return Err(format!(
                    "`{pointer}` goes through `{segment}`, but what holds it is not an object with properties"
                ));
            };
            let Some(field) = fields.iter().find(|f| f.wire_name == segment) else {
                let names: Vec<&str> = fields.iter().map(|f| f.wire_name.as_str()).collect();
                return Err(format!(
                    "`{pointer}`: there is no property `{segment}` (there are: {})",
                    names.join(", ")
                ));
            };
            ty = field.ty.clone();
        }
        Ok(ty)
    }

    /// An `info` when an undeclared operation is evidently paginated: a
    /// cursor-like query parameter and a `has_more`/`next…` field in its
    /// success object. Nothing is generated from the guess.
    fn suggest_pagination(&mut self, op: &Node, params: &[Param], success: &Success) {
        const CURSOR_LIKE: &[&str] = &[
            "cursor",
            "after",
            "starting_after",
            "page_token",
            "pagetoken",
            "next_token",
            "nexttoken",
            "continuation_token",
            "continuationtoken",
        ];
        let Some(param) = params.iter().find(|p| {
            p.location == ParamLocation::Query
                && CURSOR_LIKE.contains(&p.wire_name.to_ascii_lowercase().as_str())
        }) else {
            return;
        };
        let Some(TypeRef::Named(name)) = success.ty.as_ref().map(|t| self.resolved(t)) else {
            return;
        };
        let Some(TypeKind::Struct(fields)) =
            self.types.iter().find(|t| t.name == name).map(|t| &t.kind)
        else {
            return;
        };
        let Some(field) = fields.iter().find(|f| {
            let lower = f.wire_name.to_ascii_lowercase();
            lower == "has_more" || lower == "hasmore" || lower.starts_with("next")
        }) else {
            return;
        };
        self.reporter.info(
            op.get("operationId").map_or(op.pos, |n| n.pos),
            format!(
                "this operation looks paginated (query parameter `{}`, response field `{}`), but it declares no pagination",
                param.wire_name, field.wire_name
            ),
            Some(format!(
                "declare it with `{}` (docs/spec-extensions.md) and its request builder gets `.items()` and `.pages()`",
                Ext::Pagination.name()
            )),
        );
    }

    /// A declaration that does not fit the operation: an error for ours; for
    /// another tool's marker a warning, and the operation stays a plain call
    /// (such markers describe that tool's own behaviour, not always a page).
    fn paging_problem(
        &mut self,
        foreign: bool,
        pos: crate::diagnostics::Pos,
        message: String,
        hint: Option<String>,
    ) {
        if foreign {
            let hint = hint.map_or_else(
                || "the operation is generated without `.pages()`/`.items()`".to_string(),
                |h| format!("{h}; the operation is generated without `.pages()`/`.items()`"),
            );
            self.reporter.warning(pos, message, Some(hint));
        } else {
            self.err(pos, message, hint);
        }
    }

    /// `ty` with aliases followed.
    fn resolved(&self, ty: &TypeRef) -> TypeRef {
        let mut ty = ty.clone();
        for _ in 0..16 {
            let TypeRef::Named(name) = &ty else { break };
            match self.types.iter().find(|t| &t.name == name).map(|t| &t.kind) {
                Some(TypeKind::Alias(target)) => ty = target.clone(),
                _ => break,
            }
        }
        ty
    }
}

/// A pointer to check: (pointer, the type it starts from, what it must
/// lead to, the test of that).
type PointerCheck<'a> = (&'a str, &'a TypeRef, &'a str, fn(&TypeRef) -> bool);

/// A declaration before it is checked against the operation.
struct Declared {
    scheme: PageScheme,
    items: Option<String>,
    has_more: Option<String>,
    total: Option<String>,
    stop_on_short_page: bool,
}

impl Declared {
    /// The query parameters the scheme drives.
    fn params(&self) -> Vec<&str> {
        match &self.scheme {
            PageScheme::PageNumber { page, size, .. } => std::iter::once(page.as_str())
                .chain(size.as_deref())
                .collect(),
            PageScheme::Offset { offset, limit } => std::iter::once(offset.as_str())
                .chain(limit.as_deref())
                .collect(),
            PageScheme::Cursor { param, size, .. } => std::iter::once(param.as_str())
                .chain(size.as_deref())
                .collect(),
            PageScheme::NextLink { .. } => Vec::new(),
        }
    }
}
