//! Operations: routes, parameters, bodies, responses, credentials and
//! money safety of each operation present in both versions.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

impl Differ<'_> {
    pub(super) fn operations(&mut self) {
        let old_ops = &self.old.api.operations;
        let new_ops = &self.new.api.operations;
        let mut matched_new = BTreeSet::new();
        let mut pairs = Vec::new();
        let mut removed = Vec::new();
        for (i, o) in old_ops.iter().enumerate() {
            // Same operationId first; else the same method and path (a rename).
            let same_id = new_ops.iter().position(|n| n.id == o.id);
            let same_route = || {
                new_ops.iter().position(|n| {
                    n.method == o.method
                        && n.path == o.path
                        && !old_ops.iter().any(|other| other.id == n.id)
                })
            };
            match same_id.or_else(same_route) {
                Some(j) if matched_new.insert(j) => pairs.push((i, j)),
                _ => removed.push(i),
            }
        }
        for (i, j) in pairs {
            self.operation(&old_ops[i], &new_ops[j]);
        }
        for i in removed {
            let o = &old_ops[i];
            self.push(
                "operation-removed",
                format!("Client::{}", o.method_name),
                format!(
                    "operation `{}` ({} {}) was removed",
                    o.id,
                    upper(o.method),
                    o.path
                ),
                Wire::Breaking,
                Rust::Breaking,
                Semver::Major,
                (Some(o.pos), None),
            );
        }
        for (j, n) in new_ops.iter().enumerate() {
            if !matched_new.contains(&j) {
                self.push(
                    "operation-added",
                    format!("Client::{}", n.method_name),
                    format!(
                        "operation `{}` ({} {}) was added",
                        n.id,
                        upper(n.method),
                        n.path
                    ),
                    Wire::Compatible,
                    Rust::Additive,
                    Semver::Minor,
                    (None, Some(n.pos)),
                );
            }
        }
    }

    fn operation(&mut self, o: &Operation, n: &Operation) {
        let at = (Some(o.pos), Some(n.pos));
        let item = format!("Client::{}", n.method_name);
        if o.method_name != n.method_name || o.builder_name != n.builder_name {
            self.push(
                "operation-renamed",
                format!("Client::{}", o.method_name),
                format!(
                    "operation `{}` is now `{}`: the method `{}` is now `{}`",
                    o.id, n.id, o.method_name, n.method_name
                ),
                Wire::None,
                Rust::Breaking,
                Semver::Major,
                at,
            );
        }
        if o.method != n.method || o.path != n.path {
            self.push(
                "operation-moved",
                item.clone(),
                format!(
                    "`{}` moved from {} {} to {} {}: a client generated from OLD calls the old route",
                    n.id,
                    upper(o.method),
                    o.path,
                    upper(n.method),
                    n.path
                ),
                Wire::Breaking,
                Rust::None,
                Semver::Major,
                at,
            );
        }
        self.params(o, n);
        self.body(o, n);
        self.success(o, n);
        self.error_responses(o, n);
        self.requirements(o, n);
        self.safety(o, n, at, &item);
        if o.summary != n.summary || o.description != n.description {
            self.push(
                "documentation",
                item,
                format!("the documentation of `{}` changed", n.id),
                Wire::None,
                Rust::None,
                Semver::Patch,
                at,
            );
        }
    }

    fn params(&mut self, o: &Operation, n: &Operation) {
        let key = |p: &Param| (location(p.location), p.wire_name.clone());
        let olds: BTreeMap<_, &Param> = o.params.iter().map(|p| (key(p), p)).collect();
        let news: BTreeMap<_, &Param> = n.params.iter().map(|p| (key(p), p)).collect();
        let method = format!("Client::{}", n.method_name);
        for (k, op) in &olds {
            let what = format!("{} parameter `{}` of `{}`", k.0, k.1, n.id);
            let Some(np) = news.get(k) else {
                let (item, rust_why) = if op.required {
                    (method.clone(), "an argument of")
                } else {
                    (
                        format!("{}::{}", o.builder_name, op.rust_name),
                        "a setter of",
                    )
                };
                self.push(
                    "parameter-removed",
                    item,
                    format!(
                        "{what} was removed ({} was {rust_why} the call; a NEW server ignores it if sent)",
                        op.rust_name
                    ),
                    Wire::Compatible,
                    Rust::Breaking,
                    Semver::Major,
                    (Some(op.pos), None),
                );
                continue;
            };
            let at = (Some(op.pos), Some(np.pos));
            match (op.required, np.required) {
                (false, true) => self.push(
                    "parameter-required",
                    method.clone(),
                    format!("{what} is now required: a client generated from OLD may leave it out, and its setter is now a positional argument"),
                    Wire::Breaking,
                    Rust::Breaking,
                    Semver::Major,
                    at,
                ),
                (true, false) => self.push(
                    "parameter-optional",
                    method.clone(),
                    format!("{what} is now optional: its positional argument is now a setter"),
                    Wire::Compatible,
                    Rust::Breaking,
                    Semver::Major,
                    at,
                ),
                _ => {}
            }
            if op.ty != np.ty {
                self.push(
                    "parameter-type",
                    method.clone(),
                    format!(
                        "{what} changed type from {} to {}",
                        rust_type(&op.ty),
                        rust_type(&np.ty)
                    ),
                    Wire::Breaking,
                    Rust::Breaking,
                    Semver::Major,
                    at,
                );
            } else if op.style != np.style {
                self.push(
                    "parameter-style",
                    method.clone(),
                    format!("{what} is serialized differently (`style`/`explode` changed)"),
                    Wire::Breaking,
                    Rust::None,
                    Semver::Major,
                    at,
                );
            }
            if op.constraints != np.constraints {
                self.constraints(
                    &what,
                    method.clone(),
                    &op.constraints,
                    &np.constraints,
                    true,
                    at,
                );
            }
            if op.description != np.description {
                self.push(
                    "documentation",
                    method.clone(),
                    format!("the description of {what} changed"),
                    Wire::None,
                    Rust::None,
                    Semver::Patch,
                    at,
                );
            }
        }
        for (k, np) in &news {
            if olds.contains_key(k) {
                continue;
            }
            let what = format!("{} parameter `{}` of `{}`", k.0, k.1, n.id);
            if np.required {
                self.push(
                    "parameter-added",
                    method.clone(),
                    format!("required {what} was added: a client generated from OLD does not send it, and the call takes a new argument `{}`", np.rust_name),
                    Wire::Breaking,
                    Rust::Breaking,
                    Semver::Major,
                    (None, Some(np.pos)),
                );
            } else {
                self.push(
                    "parameter-added",
                    format!("{}::{}", n.builder_name, np.rust_name),
                    format!(
                        "optional {what} was added (a new setter `{}`)",
                        np.rust_name
                    ),
                    Wire::Compatible,
                    Rust::Additive,
                    Semver::Minor,
                    (None, Some(np.pos)),
                );
            }
        }
    }

    /// A change of validation keywords: tightening breaks values an OLD
    /// client sends (when `input`); loosening is compatible.
    pub(super) fn constraints(
        &mut self,
        what: &str,
        item: String,
        old: &Constraints,
        new: &Constraints,
        input: bool,
        at: Places,
    ) {
        let tightened = (new.pattern.is_some() && new.pattern != old.pattern)
            || tighter(old.min_length, new.min_length, true)
            || tighter(old.max_length, new.max_length, false)
            || tighter(old.min_items, new.min_items, true)
            || tighter(old.max_items, new.max_items, false)
            || (new.minimum.is_some() && new.minimum != old.minimum)
            || (new.maximum.is_some() && new.maximum != old.maximum)
            || (new.email && !old.email);
        let wire = if tightened && input {
            Wire::Breaking
        } else {
            Wire::Compatible
        };
        self.push(
            "constraints",
            item,
            format!(
                "the validation of {what} {}",
                if tightened {
                    "is stricter"
                } else {
                    "is looser"
                }
            ),
            wire,
            Rust::None,
            Semver::Patch,
            at,
        );
    }

    fn body(&mut self, o: &Operation, n: &Operation) {
        let method = format!("Client::{}", n.method_name);
        let at = (Some(o.pos), Some(n.pos));
        match (&o.body, &n.body) {
            (None, Some(b)) => self.push(
                "body-added",
                method,
                format!("`{}` now takes a request body ({})", n.id, b.content_type),
                Wire::Breaking,
                Rust::Breaking,
                Semver::Major,
                at,
            ),
            (Some(b), None) => self.push(
                "body-removed",
                method,
                format!(
                    "`{}` no longer takes a request body ({})",
                    n.id, b.content_type
                ),
                Wire::Compatible,
                Rust::Breaking,
                Semver::Major,
                at,
            ),
            (Some(ob), Some(nb)) => {
                if ob.content_type != nb.content_type || ob.encoding != nb.encoding {
                    self.push(
                        "body-media-type",
                        method.clone(),
                        format!(
                            "the request body of `{}` is now {} (was {})",
                            n.id, nb.content_type, ob.content_type
                        ),
                        Wire::Breaking,
                        Rust::None,
                        Semver::Major,
                        at,
                    );
                }
                if ob.ty != nb.ty {
                    self.push(
                        "body-type",
                        method,
                        format!(
                            "the request body of `{}` changed type from {} to {}",
                            n.id,
                            rust_type(&ob.ty),
                            rust_type(&nb.ty)
                        ),
                        Wire::Breaking,
                        Rust::Breaking,
                        Semver::Major,
                        at,
                    );
                }
            }
            (None, None) => {}
        }
    }

    fn success(&mut self, o: &Operation, n: &Operation) {
        let method = format!("Client::{}", n.method_name);
        let at = (Some(o.pos), Some(n.pos));
        let (os, ns) = (&o.success, &n.success);
        if os.ty != ns.ty {
            let show = |t: &Option<TypeRef>| t.as_ref().map_or("no body".to_string(), rust_type);
            self.push(
                "response-type",
                method.clone(),
                format!(
                    "the success of `{}` changed from {} to {}",
                    n.id,
                    show(&os.ty),
                    show(&ns.ty)
                ),
                Wire::Breaking,
                Rust::Breaking,
                Semver::Major,
                at,
            );
        }
        let old_status: BTreeSet<_> = os.by_status.iter().map(|(m, _, _)| *m).collect();
        let new_status: BTreeSet<_> = ns.by_status.iter().map(|(m, _, _)| *m).collect();
        for m in new_status.difference(&old_status) {
            self.push(
                "response-status-added",
                method.clone(),
                format!("`{}` may now succeed with {}", n.id, status(*m)),
                Wire::Breaking,
                Rust::Breaking,
                Semver::Major,
                at,
            );
        }
        for m in old_status.difference(&new_status) {
            self.push(
                "response-status-removed",
                method.clone(),
                format!("`{}` no longer succeeds with {}", n.id, status(*m)),
                Wire::Compatible,
                Rust::Breaking,
                Semver::Major,
                at,
            );
        }
        if os.decoding != ns.decoding
            || os.envelope != ns.envelope
            || os.text_result != ns.text_result
            || os.download != ns.download
            || os.error_code_field != ns.error_code_field
        {
            self.push(
                "response-reading",
                method,
                format!(
                    "how the success of `{}` is read changed (media type, envelope, text result, download or error-code field)",
                    n.id
                ),
                Wire::Breaking,
                if os.download != ns.download || os.decoding != ns.decoding {
                    Rust::Breaking
                } else {
                    Rust::None
                },
                Semver::Major,
                at,
            );
        }
    }

    fn error_responses(&mut self, o: &Operation, n: &Operation) {
        let olds: BTreeMap<_, &ErrorResponse> = o.errors.iter().map(|e| (e.matcher, e)).collect();
        let news: BTreeMap<_, &ErrorResponse> = n.errors.iter().map(|e| (e.matcher, e)).collect();
        for (m, e) in &news {
            match olds.get(m) {
                None => self.push(
                    "response-status-added",
                    format!("{}::{}", n.error_name, e.variant),
                    format!(
                        "`{}` declares a new error response {}: a new variant of `{}` (non-exhaustive: matches already have a `_` arm)",
                        n.id,
                        status(*m),
                        n.error_name
                    ),
                    Wire::Compatible,
                    Rust::Additive,
                    Semver::Minor,
                    (Some(o.pos), Some(e.pos)),
                ),
                Some(old) if old.ty != e.ty || old.variant != e.variant => self.push(
                    "response-error-type",
                    format!("{}::{}", n.error_name, e.variant),
                    format!(
                        "the error response {} of `{}` changed shape",
                        status(*m),
                        n.id
                    ),
                    Wire::Breaking,
                    Rust::Breaking,
                    Semver::Major,
                    (Some(old.pos), Some(e.pos)),
                ),
                Some(_) => {}
            }
        }
        for (m, e) in &olds {
            if !news.contains_key(m) {
                self.push(
                    "response-status-removed",
                    format!("{}::{}", o.error_name, e.variant),
                    format!(
                        "`{}` no longer declares the error response {}",
                        n.id,
                        status(*m)
                    ),
                    Wire::Compatible,
                    Rust::Breaking,
                    Semver::Major,
                    (Some(e.pos), Some(n.pos)),
                );
            }
        }
    }

    fn requirements(&mut self, o: &Operation, n: &Operation) {
        if o.security == n.security {
            return;
        }
        let set = |s: &Vec<Vec<String>>| -> BTreeSet<BTreeSet<String>> {
            s.iter().map(|alt| alt.iter().cloned().collect()).collect()
        };
        let (old, new) = (set(&o.security), set(&n.security));
        // Every way an OLD client could authenticate must still be accepted.
        let open =
            |s: &BTreeSet<BTreeSet<String>>| s.is_empty() || s.iter().any(BTreeSet::is_empty);
        let still_accepted = open(&new)
            || (!open(&old) && old.iter().all(|alt| new.iter().any(|n| n.is_subset(alt))));
        self.push(
            "security-requirement",
            format!("Client::{}", n.method_name),
            format!(
                "the credentials `{}` needs changed from {} to {}",
                n.id,
                show_security(&o.security),
                show_security(&n.security)
            ),
            if still_accepted {
                Wire::Compatible
            } else {
                Wire::Breaking
            },
            Rust::None,
            Semver::Patch,
            (Some(o.pos), Some(n.pos)),
        );
    }

    fn safety(&mut self, o: &Operation, n: &Operation, at: Places, item: &str) {
        if o.moves_money != n.moves_money {
            if n.moves_money {
                self.push(
                    "moves-money-added",
                    item.to_string(),
                    format!("`{}` now moves money: a client generated from OLD may retry it and move money twice; NEW never retries it and reports an unknown outcome instead", n.id),
                    Wire::Breaking,
                    Rust::None,
                    Semver::Major,
                    at,
                );
            } else {
                self.push(
                    "moves-money-removed",
                    item.to_string(),
                    format!("`{}` no longer moves money: NEW may retry it and no longer reports an unknown outcome", n.id),
                    Wire::Compatible,
                    Rust::None,
                    Semver::Minor,
                    at,
                );
            }
        }
        if o.send_once != n.send_once && o.moves_money == n.moves_money {
            if n.send_once {
                self.push(
                    "send-once-added",
                    item.to_string(),
                    format!("`{}` must now be sent once: a client generated from OLD may retry it and create twice what it creates; NEW never retries it and reports an unknown outcome instead", n.id),
                    Wire::Breaking,
                    Rust::None,
                    Semver::Major,
                    at,
                );
            } else {
                self.push(
                    "send-once-removed",
                    item.to_string(),
                    format!("`{}` is no longer send-once: NEW may retry it", n.id),
                    Wire::Compatible,
                    Rust::None,
                    Semver::Minor,
                    at,
                );
            }
        }
        if o.idempotent != n.idempotent {
            let (wire, text) = if n.idempotent {
                (Wire::Compatible, "is now retried when it fails transiently")
            } else {
                (
                    Wire::Breaking,
                    "is no longer safe to retry: a client generated from OLD retries it",
                )
            };
            self.push(
                "idempotency",
                item.to_string(),
                format!("`{}` {text}", n.id),
                wire,
                Rust::None,
                Semver::Minor,
                at,
            );
        }
        match (&o.idempotency, &n.idempotency) {
            (None, Some(key)) => self.push(
                "idempotency-key-added",
                item.to_string(),
                format!("`{}` now sends an idempotency key in `{}` and is retried under it; its request builder gained `idempotency_key(..)`", n.id, key.header),
                Wire::Compatible,
                Rust::Additive,
                Semver::Minor,
                at,
            ),
            (Some(key), None) => self.push(
                "idempotency-key-removed",
                item.to_string(),
                format!("`{}` no longer declares idempotency keys: a client generated from OLD sends a key in `{}` and retries under it, which the server no longer deduplicates; NEW's request builder has no `idempotency_key(..)`", n.id, key.header),
                Wire::Breaking,
                Rust::Breaking,
                Semver::Major,
                at,
            ),
            (Some(old), Some(new)) if !old.header.eq_ignore_ascii_case(&new.header) => self.push(
                "idempotency-key-header-changed",
                item.to_string(),
                format!("`{}` takes its idempotency key in `{}`, not `{}`: a client generated from OLD retries with a key the server does not read", n.id, new.header, old.header),
                Wire::Breaking,
                Rust::None,
                Semver::Major,
                at,
            ),
            (Some(old), Some(new)) if old != new => self.push(
                "idempotency-key-details",
                item.to_string(),
                format!("the idempotency key's prefix or conflict statuses of `{}` changed", n.id),
                Wire::Compatible,
                Rust::None,
                Semver::Patch,
                at,
            ),
            _ => {}
        }
        match (&o.pagination, &n.pagination) {
            (None, Some(_)) => self.push(
                "pagination-added",
                item.to_string(),
                format!("`{}` is paginated: its request builder gained `pages()` and `items()`", n.id),
                Wire::None,
                Rust::Additive,
                Semver::Minor,
                at,
            ),
            (Some(_), None) => self.push(
                "pagination-removed",
                item.to_string(),
                format!("`{}` is no longer paginated: `pages()` and `items()` are gone, and a client generated from OLD asks for pages the server no longer gives", n.id),
                Wire::Breaking,
                Rust::Breaking,
                Semver::Major,
                at,
            ),
            (Some(old), Some(new)) if old != new => self.push(
                "pagination-changed",
                item.to_string(),
                format!("how `{}` pages its answer changed: a client generated from OLD asks for the next page the old way", n.id),
                Wire::Breaking,
                if old.item == new.item {
                    Rust::None
                } else {
                    Rust::Breaking
                },
                Semver::Major,
                at,
            ),
            _ => {}
        }
        if o.outcome_reference != n.outcome_reference {
            self.push(
                "outcome-reference",
                item.to_string(),
                format!("what identifies an unknown outcome of `{}` changed", n.id),
                Wire::None,
                Rust::None,
                Semver::Patch,
                at,
            );
        }
    }
}
