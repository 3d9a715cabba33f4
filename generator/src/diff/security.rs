//! Security schemes (the client builder's credential methods) and servers.

use std::collections::BTreeMap;

use super::*;

impl Differ<'_> {
    pub(super) fn security_schemes(&mut self) {
        let method = |s: &SecurityScheme| {
            format!(
                "ClientBuilder::{}{}",
                s.method_prefix,
                s.kind.builder_method()
            )
        };
        let olds: BTreeMap<&str, &SecurityScheme> = self
            .old
            .api
            .security_schemes
            .iter()
            .map(|s| (s.name.as_str(), s))
            .collect();
        let news: BTreeMap<&str, &SecurityScheme> = self
            .new
            .api
            .security_schemes
            .iter()
            .map(|s| (s.name.as_str(), s))
            .collect();
        for (name, o) in &olds {
            match news.get(name) {
                None => self.push(
                    "security-scheme-removed",
                    method(o),
                    format!("security scheme `{name}` was removed"),
                    Wire::None,
                    Rust::Breaking,
                    Semver::Major,
                    (Some(o.pos), None),
                ),
                Some(n) => {
                    let at = (Some(o.pos), Some(n.pos));
                    if o.kind != n.kind {
                        self.push(
                            "security-scheme-changed",
                            method(n),
                            format!(
                                "security scheme `{name}` changed: {} (was {})",
                                scheme_word(&n.kind),
                                scheme_word(&o.kind)
                            ),
                            Wire::Breaking,
                            if method(o) == method(n) {
                                Rust::None
                            } else {
                                Rust::Breaking
                            },
                            Semver::Major,
                            at,
                        );
                    } else if method(o) != method(n) {
                        self.push(
                            "security-scheme-renamed",
                            method(n),
                            format!(
                                "the builder method for `{name}` is now `{}` (was `{}`)",
                                method(n),
                                method(o)
                            ),
                            Wire::None,
                            Rust::Breaking,
                            Semver::Major,
                            at,
                        );
                    }
                }
            }
        }
        for (name, n) in &news {
            if !olds.contains_key(name) {
                self.push(
                    "security-scheme-added",
                    method(n),
                    format!(
                        "security scheme `{name}` was added ({})",
                        scheme_word(&n.kind)
                    ),
                    Wire::None,
                    Rust::Additive,
                    Semver::Minor,
                    (None, Some(n.pos)),
                );
            }
        }
    }

    pub(super) fn servers(&mut self) {
        let (o, n) = (&self.old.api.servers, &self.new.api.servers);
        if o == n {
            return;
        }
        let at = (
            Some(self.old.api.servers_pos),
            Some(self.new.api.servers_pos),
        );
        let default_changed = o.first() != n.first();
        let gone: Vec<&String> = o.iter().filter(|s| !n.contains(s)).collect();
        self.push(
            "servers",
            "Client::new".to_string(),
            if default_changed {
                format!(
                    "the default server is now {} (was {}): a client generated from OLD still calls the old one unless given a base URL",
                    n.first().map_or("none", String::as_str),
                    o.first().map_or("none", String::as_str)
                )
            } else if gone.is_empty() {
                "servers were added".to_string()
            } else {
                format!("servers were removed: {}", join(gone.iter().map(|s| s.as_str())))
            },
            if default_changed || !gone.is_empty() {
                Wire::Breaking
            } else {
                Wire::Compatible
            },
            Rust::None,
            Semver::Patch,
            at,
        );
    }
}
