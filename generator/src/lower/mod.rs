//! Stage 3, lower: document → [`Api`]. Every Rust name is chosen here,
//! through [`crate::ident`]. Problems that make a spec impossible to generate
//! are reported with their position; nothing panics.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Pos, Reporter};
use crate::extensions::Ext;
use crate::ident::{self, Namer};
use crate::ir::*;
use crate::load::Node;
use crate::resolve::Doc;

mod body;
mod collapse;
mod extensions;
mod merge;
mod operations;
mod pagination;
mod responses;
mod schemas;
mod security;
mod webhooks;

const SCHEMA_PREFIX: &str = "#/components/schemas/";
use crate::members::{BUILDER_MEMBERS, CLIENT_MEMBERS};
/// Names that generated code relies on meaning the standard ones; a schema
/// with one of these names gets a suffix instead of shadowing it.
const RESERVED_TYPE_NAMES: &[&str] = &[
    "String",
    "Serialize",
    "Deserialize",
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
        pinned_markers: BTreeMap::new(),
        pinned_namer: Namer::new(),
        unsupported_security: BTreeMap::new(),
        strip_tag: None,
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
    /// Pinned value → its marker type's name (`types::pinned::<name>`).
    pinned_markers: BTreeMap<String, String>,
    /// Names the marker types, apart from each other.
    pinned_namer: Namer,
    /// Unsupported security scheme → (first operation, how many operations
    /// accept only it), for one warning per scheme.
    unsupported_security: BTreeMap<String, (String, usize)>,
    /// While an implicitly tagged union's inline member is lowered: that
    /// member's schema and the tag property its struct leaves out.
    strip_tag: Option<(&'d Node, String)>,
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

    /// The schema Rust reads a value as: `node` (dereferenced), or the one
    /// its `x-pasarela-read-as` names.
    fn rust_schema(&mut self, node: &'d Node) -> Option<&'d Node> {
        let node = self.deref(node)?;
        match crate::extensions::Ext::ReadAs.on(node) {
            Some(rust_side) => self.deref(rust_side),
            None => Some(node),
        }
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
        let mut webhooks = self.webhooks();
        self.warn_unsupported_security();
        self.inline_csv_aliases(&mut operations);
        merge::merge_equal_shapes(&mut self.types, &mut operations, &mut webhooks);
        collapse::collapse_pinned_unions(
            &mut self.types,
            &operations,
            &webhooks,
            &mut self.type_namer,
        );
        mark_boxed_fields(&mut self.types);
        Api {
            module: root
                .str_at(Ext::Module.name())
                .map(|m| ident::bare(&ident::snake(m)).to_string()),
            title,
            version,
            description,
            servers,
            servers_pos: root.get("servers").map_or(root.pos, |s| s.pos),
            security_schemes,
            operations,
            types: std::mem::take(&mut self.types),
            webhooks,
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
        let mut positions = BTreeMap::new();
        for (key, node) in entries {
            let reference = format!("{SCHEMA_PREFIX}{}", escape_pointer(&key.name));
            let Some(name) = self.components.get(&reference).cloned() else {
                continue;
            };
            positions.insert(name.clone(), key.pos);
            let kind = self.define(&name, node);
            self.types.push(TypeDef {
                pos: key.pos,
                name,
                doc: doc_text(node),
                kind,
                inline: false,
            });
        }
        self.check_alias_cycles(&positions);
    }

    /// `A: {allOf: [$ref: B]}` with `B: {allOf: [$ref: A]}` (or `A` naming
    /// itself) defines nothing: `pub type A = B; pub type B = A;` would not
    /// compile, so it is reported like a `$ref` loop.
    fn check_alias_cycles(&mut self, positions: &BTreeMap<String, crate::diagnostics::Pos>) {
        let aliases: BTreeMap<String, String> = self
            .types
            .iter()
            .filter_map(|t| match &t.kind {
                TypeKind::Alias(TypeRef::Named(target)) => Some((t.name.clone(), target.clone())),
                _ => None,
            })
            .collect();
        for start in aliases.keys() {
            let mut current = start;
            for _ in 0..=aliases.len() {
                match aliases.get(current) {
                    Some(next) if next == start => {
                        let pos = positions.get(start).copied().unwrap_or_default();
                        self.err(
                            pos,
                            format!("schema `{start}` is defined only as itself (through `allOf` or `$ref`)"),
                            Some("give one schema in the loop its own `properties` or `type`".into()),
                        );
                        break;
                    }
                    Some(next) => current = next,
                    None => break,
                }
            }
        }
    }
}

fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
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
                TypeKind::Tagged(t) => t
                    .variants
                    .iter()
                    .filter_map(|(_, _, ty)| match ty {
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
