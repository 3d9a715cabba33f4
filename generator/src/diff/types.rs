//! Named types: struct fields, enum values and union alternatives, judged
//! by the direction each type travels (requests, responses or both).

use std::collections::{BTreeMap, BTreeSet};

use super::*;

impl Differ<'_> {
    pub(super) fn types(&mut self) {
        let names: BTreeSet<&str> = self
            .old_types
            .keys()
            .chain(self.new_types.keys())
            .copied()
            .collect();
        for name in names {
            match (
                self.old_types.get(name).copied(),
                self.new_types.get(name).copied(),
            ) {
                (Some(o), Some(n)) => self.type_def(o, n),
                (Some(o), None) => self.push(
                    "type-removed",
                    o.name.clone(),
                    format!("type `{}` was removed", o.name),
                    Wire::None,
                    Rust::Breaking,
                    Semver::Major,
                    (Some(o.pos), None),
                ),
                (None, Some(n)) => self.push(
                    "type-added",
                    n.name.clone(),
                    format!("type `{}` was added", n.name),
                    Wire::None,
                    Rust::Additive,
                    Semver::Minor,
                    (None, Some(n.pos)),
                ),
                (None, None) => {}
            }
        }
    }

    fn type_def(&mut self, o: &TypeDef, n: &TypeDef) {
        let at = (Some(o.pos), Some(n.pos));
        let dir = self.usage.get(&n.name).copied().unwrap_or_default();
        match (&o.kind, &n.kind) {
            (TypeKind::Struct(of), TypeKind::Struct(nf)) => self.fields(n, of, nf, dir),
            (
                TypeKind::Enum {
                    values: ov,
                    open: oo,
                    ..
                },
                TypeKind::Enum {
                    values: nv,
                    open: no,
                    ..
                },
            ) => self.enum_values(n, (ov, *oo), (nv, *no), dir, at),
            (TypeKind::Union(ov), TypeKind::Union(nv)) => {
                let olds: Vec<_> = ov.iter().map(|(v, t)| (v.clone(), t.clone())).collect();
                let news: Vec<_> = nv.iter().map(|(v, t)| (v.clone(), t.clone())).collect();
                self.variants(n, &olds, &news, dir, false, at);
            }
            (TypeKind::Tagged(ot), TypeKind::Tagged(nt)) => {
                let view = |t: &Tagged| -> Vec<(String, TypeRef)> {
                    t.variants
                        .iter()
                        .map(|(v, tags, ty)| (format!("{v} {tags:?}"), ty.clone()))
                        .collect()
                };
                if ot.property != nt.property {
                    self.push(
                        "type-changed",
                        n.name.clone(),
                        format!(
                            "`{}` is told apart by `{}` instead of `{}`",
                            n.name, nt.property, ot.property
                        ),
                        Wire::Breaking,
                        Rust::None,
                        Semver::Major,
                        at,
                    );
                }
                self.variants(n, &view(ot), &view(nt), dir, true, at);
            }
            (TypeKind::Alias(a), TypeKind::Alias(b)) if a != b => self.push(
                "type-changed",
                n.name.clone(),
                format!(
                    "`{}` is now {} (was {})",
                    n.name,
                    rust_type(b),
                    rust_type(a)
                ),
                Wire::Breaking,
                Rust::Breaking,
                Semver::Major,
                at,
            ),
            // Open sets of integers: values come and go like an open enum's.
            (
                TypeKind::IntegerEnum {
                    repr: or,
                    values: ov,
                },
                TypeKind::IntegerEnum {
                    repr: nr,
                    values: nv,
                },
            ) => {
                if or != nr {
                    self.push(
                        "type-changed",
                        n.name.clone(),
                        format!(
                            "`{}` holds {} (was {})",
                            n.name,
                            rust_type(nr),
                            rust_type(or)
                        ),
                        Wire::None,
                        Rust::Breaking,
                        Semver::Major,
                        at,
                    );
                }
                self.integer_values(n, ov, nv, dir, at);
            }
            (TypeKind::Responses(a), TypeKind::Responses(b)) if a != b => {
                // Reported with the operation's statuses.
            }
            (a, b) if std::mem::discriminant(a) != std::mem::discriminant(b) => self.push(
                "type-changed",
                n.name.clone(),
                format!(
                    "`{}` is now {} (was {})",
                    n.name,
                    kind_word(b),
                    kind_word(a)
                ),
                Wire::Breaking,
                Rust::Breaking,
                Semver::Major,
                at,
            ),
            _ => {}
        }
        if o.doc != n.doc {
            self.push(
                "documentation",
                n.name.clone(),
                format!("the documentation of `{}` changed", n.name),
                Wire::None,
                Rust::None,
                Semver::Patch,
                at,
            );
        }
    }

    fn fields(&mut self, owner: &TypeDef, old: &[Field], new: &[Field], dir: Direction) {
        let olds: BTreeMap<&str, &Field> = old.iter().map(|f| (f.wire_name.as_str(), f)).collect();
        let news: BTreeMap<&str, &Field> = new.iter().map(|f| (f.wire_name.as_str(), f)).collect();
        let ty = &owner.name;
        for (wire, of) in &olds {
            let item = format!("{ty}::{}", of.rust_name);
            let Some(nf) = news.get(wire) else {
                // An OLD client reading a response fails when a field it
                // requires no longer comes.
                let wire_verdict = if dir.output && of.required {
                    Wire::Breaking
                } else {
                    Wire::Compatible
                };
                self.push(
                    "field-removed",
                    item,
                    format!("field `{wire}` of `{ty}` was removed"),
                    wire_verdict,
                    Rust::Breaking,
                    Semver::Major,
                    (Some(of.pos), None),
                );
                continue;
            };
            let at = (Some(of.pos), Some(nf.pos));
            match (of.required, nf.required) {
                (true, false) => self.push(
                    "field-optional",
                    item.clone(),
                    format!("field `{wire}` of `{ty}` may now be absent or null: its type is now an `Option`"),
                    if dir.output { Wire::Breaking } else { Wire::Compatible },
                    Rust::Breaking,
                    Semver::Major,
                    at,
                ),
                (false, true) => self.push(
                    "field-required",
                    item.clone(),
                    format!("field `{wire}` of `{ty}` is now required: its type is no longer an `Option`"),
                    if dir.input { Wire::Breaking } else { Wire::Compatible },
                    Rust::Breaking,
                    Semver::Major,
                    at,
                ),
                _ => {}
            }
            if of.ty != nf.ty || of.string_as_number != nf.string_as_number {
                self.push(
                    "field-type",
                    item.clone(),
                    format!(
                        "field `{wire}` of `{ty}` changed type from {} to {}",
                        rust_type(&of.ty),
                        rust_type(&nf.ty)
                    ),
                    Wire::Breaking,
                    if of.ty != nf.ty {
                        Rust::Breaking
                    } else {
                        Rust::None
                    },
                    Semver::Major,
                    at,
                );
            } else if of.lenient != nf.lenient {
                // Accepting both spellings is looser for what is read;
                // dropping it breaks a server that still sends the other.
                self.push(
                    "field-spelling",
                    item.clone(),
                    format!(
                        "field `{wire}` of `{ty}` {} both JSON spellings",
                        if nf.lenient {
                            "now accepts"
                        } else {
                            "no longer accepts"
                        }
                    ),
                    if nf.lenient || !dir.output {
                        Wire::Compatible
                    } else {
                        Wire::Breaking
                    },
                    Rust::None,
                    Semver::Patch,
                    at,
                );
            }
            if of.constraints != nf.constraints {
                let what = format!("field `{wire}` of `{ty}`");
                self.constraints(
                    &what,
                    item.clone(),
                    &of.constraints,
                    &nf.constraints,
                    dir.input,
                    at,
                );
            }
            if of.doc != nf.doc {
                self.push(
                    "documentation",
                    item,
                    format!("the documentation of field `{wire}` of `{ty}` changed"),
                    Wire::None,
                    Rust::None,
                    Semver::Patch,
                    at,
                );
            }
        }
        for (wire, nf) in &news {
            if olds.contains_key(wire) {
                continue;
            }
            let (wire_verdict, why) = if nf.required && dir.input {
                (
                    Wire::Breaking,
                    "a client generated from OLD does not send it",
                )
            } else {
                (Wire::Compatible, "a client generated from OLD ignores it")
            };
            self.push(
                "field-added",
                format!("{ty}::{}", nf.rust_name),
                format!(
                    "{} field `{wire}` was added to `{ty}` ({why}; a struct literal of `{ty}` no longer compiles)",
                    if nf.required { "required" } else { "optional" }
                ),
                wire_verdict,
                Rust::Breaking,
                Semver::Major,
                (None, Some(nf.pos)),
            );
        }
    }

    /// Named integers: a new value is a new constant (an OLD client keeps
    /// the number; no `match` becomes non-exhaustive); a removed one takes
    /// its constant away.
    fn integer_values(
        &mut self,
        n: &TypeDef,
        old: &[(String, String)],
        new: &[(String, String)],
        dir: Direction,
        at: Places,
    ) {
        let ty = &n.name;
        let old_wire: BTreeSet<&str> = old.iter().map(|(_, w)| w.as_str()).collect();
        let new_wire: BTreeSet<&str> = new.iter().map(|(_, w)| w.as_str()).collect();
        for (constant, wire) in new.iter().filter(|(_, w)| !old_wire.contains(w.as_str())) {
            self.push(
                "enum-value-added",
                format!("{ty}::{constant}"),
                format!("`{ty}` has a new value `{wire}` (the constant `{ty}::{constant}`; a client generated from OLD keeps the number)"),
                Wire::Compatible,
                Rust::Additive,
                Semver::Minor,
                at,
            );
        }
        for (constant, wire) in old.iter().filter(|(_, w)| !new_wire.contains(w.as_str())) {
            self.push(
                "enum-value-removed",
                format!("{ty}::{constant}"),
                format!("`{ty}` no longer has the value `{wire}` (the constant `{ty}::{constant}` is gone)"),
                if dir.input {
                    Wire::Breaking
                } else {
                    Wire::Compatible
                },
                Rust::Breaking,
                Semver::Major,
                at,
            );
        }
    }

    fn enum_values(
        &mut self,
        n: &TypeDef,
        (old, old_open): (&[(String, String)], bool),
        (new, new_open): (&[(String, String)], bool),
        dir: Direction,
        at: Places,
    ) {
        let ty = &n.name;
        let old_wire: BTreeSet<&str> = old.iter().map(|(_, w)| w.as_str()).collect();
        let new_wire: BTreeSet<&str> = new.iter().map(|(_, w)| w.as_str()).collect();
        for (variant, wire) in new {
            if old_wire.contains(wire.as_str()) {
                continue;
            }
            // An open enum keeps an unknown value; a closed one fails to decode it.
            let wire_verdict = if dir.output && !old_open {
                Wire::Breaking
            } else {
                Wire::Compatible
            };
            self.push(
                "enum-value-added",
                format!("{ty}::{variant}"),
                format!(
                    "`{ty}` has a new value `{wire}` ({}; an exhaustive `match` on `{ty}` no longer compiles)",
                    if old_open {
                        "a client generated from OLD keeps it as `Unknown`"
                    } else if dir.output {
                        "a client generated from OLD cannot read it: the enum is closed"
                    } else {
                        "a client generated from OLD never sends it"
                    }
                ),
                wire_verdict,
                Rust::Breaking,
                Semver::Major,
                at,
            );
        }
        for (variant, wire) in old {
            if new_wire.contains(wire.as_str()) {
                continue;
            }
            self.push(
                "enum-value-removed",
                format!("{ty}::{variant}"),
                format!("`{ty}` no longer has the value `{wire}`"),
                if dir.input {
                    Wire::Breaking
                } else {
                    Wire::Compatible
                },
                Rust::Breaking,
                Semver::Major,
                at,
            );
        }
        if old_open != new_open {
            self.push(
                "enum-openness",
                ty.clone(),
                format!(
                    "`{ty}` is now {} (its `Unknown` variant {})",
                    if new_open { "open" } else { "closed" },
                    if new_open { "was added" } else { "was removed" }
                ),
                if new_open {
                    Wire::Compatible
                } else {
                    Wire::Breaking
                },
                Rust::Breaking,
                Semver::Major,
                at,
            );
        }
    }

    fn variants(
        &mut self,
        n: &TypeDef,
        old: &[(String, TypeRef)],
        new: &[(String, TypeRef)],
        dir: Direction,
        tagged: bool,
        at: Places,
    ) {
        let ty = &n.name;
        for (variant, t) in new {
            if old.iter().any(|(v, o)| v == variant && o == t) {
                continue;
            }
            let name = variant.split(' ').next().unwrap_or(variant);
            self.push(
                "variant-added",
                format!("{ty}::{name}"),
                format!("`{ty}` has a new alternative `{name}` ({})", rust_type(t)),
                // A tagged union keeps an unknown tag; an untagged one fails.
                if dir.output && !tagged {
                    Wire::Breaking
                } else {
                    Wire::Compatible
                },
                Rust::Breaking,
                Semver::Major,
                at,
            );
        }
        for (variant, t) in old {
            if new.iter().any(|(v, o)| v == variant && o == t) {
                continue;
            }
            let name = variant.split(' ').next().unwrap_or(variant);
            self.push(
                "variant-removed",
                format!("{ty}::{name}"),
                format!(
                    "`{ty}` no longer has the alternative `{name}` ({})",
                    rust_type(t)
                ),
                if dir.input {
                    Wire::Breaking
                } else {
                    Wire::Compatible
                },
                Rust::Breaking,
                Semver::Major,
                at,
            );
        }
    }
}
