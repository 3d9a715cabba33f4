//! One type per shape: inline schemas that are structurally equal (same
//! fields in the same order, same types, same constraints, same wire names)
//! become one type.
//!
//! A spec repeats itself: the same `{type: object, properties: …}` written
//! out under fifty operations, or the same one-value `enum` on every object
//! of a family. Each inline schema gets a type named after its first use;
//! without this pass each copy would be a type of its own, with its serde
//! impls, and compile time grows with the copies, not with the API.
//!
//! - An inline type equal to a named schema's type becomes that type; named
//!   schemas are never merged into each other (the document chose to name
//!   both).
//! - Inline types equal to each other become the first of them.
//! - Every merged name stays as `pub type Name = Canonical;`, so a user's
//!   code that names it keeps compiling, and a later spec change that makes
//!   another copy the first one renames nothing. The canonical type's docs
//!   list the names it also stands for.
//!
//! Equality ignores docs and positions. It is found by repeated
//! refinement: once two types are merged, the types that refer to them may
//! become equal in turn, so the pass runs until nothing changes.

use std::collections::{BTreeMap, HashMap};

use crate::ir::*;

/// The most merged names a canonical type's docs list by name.
const LISTED_NAMES: usize = 6;

/// Merges structurally equal inline types of `types` and points every
/// reference in `operations`, `webhooks` and `types` at the survivor.
pub(super) fn merge_equal_shapes(
    types: &mut [TypeDef],
    operations: &mut [Operation],
    webhooks: &mut [Webhook],
) {
    // name → the name it is merged into (absent: itself).
    let inline: Vec<bool> = types.iter().map(|t| t.inline).collect();
    let mut merged: HashMap<String, String> = HashMap::new();
    loop {
        let mut by_shape: HashMap<String, usize> = HashMap::new();
        let mut changed = false;
        for (i, t) in types.iter().enumerate() {
            if merged.contains_key(&t.name) || matches!(t.kind, TypeKind::Alias(_)) {
                continue;
            }
            let shape = shape_key(&t.kind, &merged);
            match by_shape.get(&shape) {
                Some(&first) => {
                    // The survivor is a named schema's type when the group
                    // has one; two named types both stay.
                    let (keep, drop) = match (inline[first], inline[i]) {
                        (_, true) => (first, i),
                        (true, false) => {
                            by_shape.insert(shape, i);
                            (i, first)
                        }
                        (false, false) => continue,
                    };
                    merged.insert(types[drop].name.clone(), types[keep].name.clone());
                    changed = true;
                }
                None => {
                    by_shape.insert(shape, i);
                }
            }
        }
        if !changed {
            break;
        }
    }
    if merged.is_empty() {
        return;
    }
    // Chains (A → B, then B → C) end at the survivor.
    let survivor = |name: &str| -> String {
        let mut at = name;
        while let Some(next) = merged.get(at) {
            at = next;
        }
        at.to_string()
    };
    let targets: HashMap<String, String> = merged
        .keys()
        .map(|name| (name.clone(), survivor(name)))
        .collect();
    let mut also: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in types.iter_mut() {
        if let Some(target) = targets.get(&t.name) {
            also.entry(target.clone()).or_default().push(t.name.clone());
            t.doc = Some(format!("The same shape as [`{target}`]."));
            t.kind = TypeKind::Alias(TypeRef::Named(target.clone()));
        } else {
            rename_in_kind(&mut t.kind, &targets);
        }
    }
    for t in types.iter_mut() {
        if let Some(names) = also.get(&t.name) {
            let mut listed: Vec<String> = names
                .iter()
                .take(LISTED_NAMES)
                .map(|n| format!("[`{n}`]"))
                .collect();
            if names.len() > LISTED_NAMES {
                listed.push(format!("{} more", names.len() - LISTED_NAMES));
            }
            let note = format!(
                "Also the type of inline schemas of the same shape: {}.",
                listed.join(", ")
            );
            t.doc = Some(match t.doc.take() {
                Some(doc) => format!("{doc}\n\n{note}"),
                None => note,
            });
        }
    }
    for op in operations {
        for p in &mut op.params {
            rename(&mut p.ty, &targets);
        }
        if let Some(body) = &mut op.body {
            rename(&mut body.ty, &targets);
        }
        if let Some(ty) = &mut op.success.ty {
            rename(ty, &targets);
        }
        if let Some((_, ty, _)) = &mut op.success.error_code_field {
            rename(ty, &targets);
        }
        for e in &mut op.errors {
            if let Some(ty) = &mut e.ty {
                rename(ty, &targets);
            }
        }
    }
    for w in webhooks {
        if let Some(ty) = &mut w.payload {
            rename(ty, &targets);
        }
    }
}

/// What makes two types the same: their kind with docs and positions left
/// out, and named references read through the merges made so far.
fn shape_key(kind: &TypeKind, merged: &HashMap<String, String>) -> String {
    let mut kind = kind.clone();
    if let TypeKind::Struct(fields) = &mut kind {
        for f in fields {
            f.doc = None;
            f.pos = crate::diagnostics::Pos::default();
        }
    }
    rename_in_kind(&mut kind, merged);
    format!("{kind:?}")
}

fn rename_in_kind(kind: &mut TypeKind, targets: &HashMap<String, String>) {
    match kind {
        TypeKind::Struct(fields) => {
            for f in fields {
                rename(&mut f.ty, targets);
            }
        }
        TypeKind::Alias(ty) | TypeKind::IntegerEnum { repr: ty, .. } => rename(ty, targets),
        TypeKind::Union(variants) => {
            for (_, ty) in variants {
                rename(ty, targets);
            }
        }
        TypeKind::Tagged(tagged) => {
            for (_, _, ty) in &mut tagged.variants {
                rename(ty, targets);
            }
        }
        TypeKind::Responses(variants) => {
            for ty in variants.iter_mut().filter_map(|(_, ty)| ty.as_mut()) {
                rename(ty, targets);
            }
        }
        TypeKind::Enum { .. } => {}
    }
}

fn rename(ty: &mut TypeRef, targets: &HashMap<String, String>) {
    match ty {
        TypeRef::Named(name) => {
            // One lookup per hop: `targets` may be the in-progress map.
            while let Some(next) = targets.get(name.as_str()) {
                *name = next.clone();
            }
        }
        TypeRef::Csv(format) => {
            while let Some(next) = targets.get(format.row.as_str()) {
                format.row = next.clone();
            }
        }
        TypeRef::Vec(inner) | TypeRef::Map(inner) => rename(inner, targets),
        _ => {}
    }
}
