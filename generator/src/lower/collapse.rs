//! Unions whose alternatives differ only by pinned values become one struct.
//!
//! Error details are often written as a `oneOf` of alternatives that are
//! the same object except for a property or two each pins to its own value
//! (`issue: {enum: [card_expired]}`, `description: {enum: ["The card …"]}`).
//! Read as written, every alternative is a struct and the union tries them
//! in turn; a new value from the server fails them all. Here the union
//! becomes one struct with the common fields, and each property that the
//! alternatives pin to different values becomes an open enum of the known
//! values (each value documented with its alternative's docs), so that a
//! new value decodes as `Unknown` instead of failing.
//!
//! A union qualifies when every alternative is a struct, all with the same
//! fields (wire names, order, types, required-ness, constraints), except
//! fields that are pinned in every alternative. For a union tagged by a
//! property the alternatives leave out (an implicitly tagged union of
//! inline alternatives), the tag becomes the struct's first field, an open
//! enum of the tags. Alternatives that nothing else uses are dropped.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::Pos;
use crate::ident::{self, Namer};
use crate::ir::*;

/// Collapses every qualifying union of `types` (see the module docs).
/// `namer` hands out the names of the new enum types.
pub(super) fn collapse_pinned_unions(
    types: &mut Vec<TypeDef>,
    operations: &[Operation],
    webhooks: &[Webhook],
    namer: &mut Namer,
) {
    let mut new_types = Vec::new();
    let mut members_of_collapsed = BTreeSet::new();
    for i in 0..types.len() {
        let (alternatives, tag) = match &types[i].kind {
            TypeKind::Union(variants) => (
                variants
                    .iter()
                    .map(|(_, ty)| (ty.clone(), None))
                    .collect::<Vec<_>>(),
                None,
            ),
            TypeKind::Tagged(tagged) => (
                tagged
                    .variants
                    .iter()
                    .map(|(_, tags, ty)| (ty.clone(), Some(tags.clone())))
                    .collect(),
                tagged.tag_outside.then(|| tagged.property.clone()),
            ),
            _ => continue,
        };
        let Some(plan) = plan(types, &alternatives, tag.is_some()) else {
            continue;
        };
        let union_name = types[i].name.clone();
        let mut fields = plan.common.clone();
        for (index, values) in plan.pinned.iter().rev() {
            let field = &mut fields[*index];
            let enum_name = namer.unique(ident::pascal(&format!(
                "{union_name}{}",
                ident::pascal(&field.wire_name)
            )));
            new_types.push(value_enum(&enum_name, field.pos, values));
            field.ty = TypeRef::Named(enum_name);
            field.doc = Some(format!(
                "One of the values the alternatives of this type pin `{}` to; a value this client does not know is kept as `Unknown`.",
                field.wire_name
            ));
        }
        if let Some(property) = tag {
            let values: Values = alternatives
                .iter()
                .zip(&plan.docs)
                .flat_map(|((_, tags), doc)| {
                    tags.iter().flatten().map(move |t| (t.clone(), doc.clone()))
                })
                .collect();
            let enum_name = namer.unique(ident::pascal(&format!(
                "{union_name}{}",
                ident::pascal(&property)
            )));
            new_types.push(value_enum(&enum_name, types[i].pos, &values));
            let mut field_namer = Namer::new();
            for f in &fields {
                field_namer.reserve(&f.rust_name);
            }
            fields.insert(
                0,
                Field {
                    pos: types[i].pos,
                    rust_name: field_namer.unique(ident::snake(&property)),
                    wire_name: property.clone(),
                    ty: TypeRef::Named(enum_name),
                    required: true,
                    lenient: false,
                    boxed: false,
                    error_code: false,
                    string_as_number: false,
                    csv_omittable: false,
                    constraints: Constraints::default(),
                    doc: Some(format!(
                        "The tag that says which alternative this is (`{property}`)."
                    )),
                },
            );
        }
        for (ty, _) in &alternatives {
            if let TypeRef::Named(name) = ty {
                members_of_collapsed.insert(name.clone());
            }
        }
        let note =
            "One struct for alternatives that differ only by the values they pin properties to.";
        let t = &mut types[i];
        t.doc = Some(match t.doc.take() {
            Some(doc) => format!("{doc}\n\n{note}"),
            None => note.to_string(),
        });
        t.kind = TypeKind::Struct(fields);
    }
    types.extend(new_types);
    drop_unused(types, operations, webhooks, &members_of_collapsed);
}

/// Known values of one property, each with the docs of the alternative
/// that pins it.
type Values = Vec<(String, Option<String>)>;

/// What collapsing a union gives: its alternatives' common fields, the
/// positions of the fields they pin to different values (with the values
/// and their alternatives' docs), and each alternative's docs.
struct Plan {
    common: Vec<Field>,
    pinned: Vec<(usize, Values)>,
    docs: Vec<Option<String>>,
}

fn plan(
    types: &[TypeDef],
    alternatives: &[(TypeRef, Option<Vec<String>>)],
    tagged_outside: bool,
) -> Option<Plan> {
    if alternatives.len() < 2 {
        return None;
    }
    let mut structs = Vec::new();
    for (ty, _) in alternatives {
        let TypeRef::Named(name) = ty else {
            return None;
        };
        let def = types.iter().find(|t| &t.name == name)?;
        let TypeKind::Struct(fields) = &def.kind else {
            return None;
        };
        structs.push((fields, def.doc.clone()));
    }
    let (first, _) = structs[0];
    if first.is_empty() || structs.iter().any(|(f, _)| f.len() != first.len()) {
        return None;
    }
    let mut pinned = Vec::new();
    for (index, field) in first.iter().enumerate() {
        let all_pinned = structs
            .iter()
            .all(|(f, _)| matches!(f[index].ty, TypeRef::Pinned { .. }));
        for (fields, _) in &structs {
            if !same_but_type(field, &fields[index]) {
                return None;
            }
            if !all_pinned && fields[index].ty != field.ty {
                return None;
            }
        }
        if all_pinned {
            let values: Values = structs
                .iter()
                .filter_map(|(fields, doc)| match &fields[index].ty {
                    TypeRef::Pinned { value, .. } => Some((value.clone(), doc.clone())),
                    _ => None,
                })
                .collect();
            let distinct: BTreeSet<&String> = values.iter().map(|(v, _)| v).collect();
            if distinct.len() > 1 {
                pinned.push((index, values));
            }
        }
    }
    if pinned.is_empty() && !tagged_outside {
        // Equal alternatives, or ones that differ by a pinned value they
        // all share: nothing to gain.
        return None;
    }
    Some(Plan {
        common: first.clone(),
        pinned,
        docs: structs.into_iter().map(|(_, doc)| doc).collect(),
    })
}

/// Two fields that say the same thing apart from their type and docs.
fn same_but_type(a: &Field, b: &Field) -> bool {
    a.wire_name == b.wire_name
        && a.rust_name == b.rust_name
        && a.required == b.required
        && a.lenient == b.lenient
        && a.error_code == b.error_code
        && a.string_as_number == b.string_as_number
        && a.csv_omittable == b.csv_omittable
        && a.constraints == b.constraints
}

/// An open enum of `values` (first docs kept for a value seen twice).
fn value_enum(name: &str, pos: Pos, values: &[(String, Option<String>)]) -> TypeDef {
    let mut namer = Namer::new();
    namer.reserve("Unknown");
    let mut seen = BTreeMap::new();
    for (value, doc) in values {
        seen.entry(value.clone()).or_insert_with(|| doc.clone());
    }
    let mut listed = Vec::new();
    let mut value_docs = Vec::new();
    for (value, _) in values {
        if listed.iter().any(|(_, w): &(String, String)| w == value) {
            continue;
        }
        listed.push((namer.unique(ident::pascal(value)), value.clone()));
        if let Some(Some(doc)) = seen.get(value) {
            value_docs.push((value.clone(), doc.clone()));
        }
    }
    TypeDef {
        pos,
        name: name.to_string(),
        doc: None,
        kind: TypeKind::Enum {
            values: listed,
            open: true,
            value_docs,
        },
        inline: true,
    }
}

/// Drops the inline alternatives of collapsed unions that nothing refers
/// to any more.
fn drop_unused(
    types: &mut Vec<TypeDef>,
    operations: &[Operation],
    webhooks: &[Webhook],
    candidates: &BTreeSet<String>,
) {
    if candidates.is_empty() {
        return;
    }
    let mut used = BTreeSet::new();
    let mut note = |ty: &TypeRef| named_in(ty, &mut used);
    for op in operations {
        op.params.iter().for_each(|p| note(&p.ty));
        if let Some(body) = &op.body {
            note(&body.ty);
        }
        if let Some(ty) = &op.success.ty {
            note(ty);
        }
        op.errors
            .iter()
            .filter_map(|e| e.ty.as_ref())
            .for_each(&mut note);
    }
    webhooks
        .iter()
        .filter_map(|w| w.payload.as_ref())
        .for_each(&mut note);
    for t in types.iter() {
        for ty in refs_of(&t.kind) {
            named_in(ty, &mut used);
        }
    }
    types.retain(|t| !(t.inline && candidates.contains(&t.name) && !used.contains(&t.name)));
}

fn named_in(ty: &TypeRef, out: &mut BTreeSet<String>) {
    match ty {
        TypeRef::Named(name) => {
            out.insert(name.clone());
        }
        TypeRef::Csv(format) => {
            out.insert(format.row.clone());
        }
        TypeRef::Vec(inner) | TypeRef::Map(inner) => named_in(inner, out),
        _ => {}
    }
}

fn refs_of(kind: &TypeKind) -> Vec<&TypeRef> {
    match kind {
        TypeKind::Struct(fields) => fields.iter().map(|f| &f.ty).collect(),
        TypeKind::Alias(ty) | TypeKind::IntegerEnum { repr: ty, .. } => vec![ty],
        TypeKind::Union(variants) => variants.iter().map(|(_, ty)| ty).collect(),
        TypeKind::Tagged(tagged) => tagged.variants.iter().map(|(_, _, ty)| ty).collect(),
        TypeKind::Responses(variants) => {
            variants.iter().filter_map(|(_, ty)| ty.as_ref()).collect()
        }
        TypeKind::Enum { .. } => Vec::new(),
    }
}
