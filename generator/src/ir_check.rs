//! Stage 3½, IR validation: what the lowered [`Api`] says must be something
//! the emitter can express. A construct it cannot express is a diagnostic
//! naming the construct and where it is declared — never broken code and
//! never a silent drop. It also re-checks the naming invariants the
//! emitter relies on (every name a valid identifier, unique in its scope),
//! so a bug in lowering shows as a diagnostic, not as code that fails to
//! compile in a user's build.

use std::collections::BTreeSet;

use crate::diagnostics::{Pos, Reporter};
use crate::ir::*;

/// Reports every construct of `api` the emitter cannot express.
pub fn check(api: &Api, reporter: &mut Reporter<'_>) {
    for op in &api.operations {
        operation(op, reporter);
    }
    let mut types = BTreeSet::new();
    for t in &api.types {
        identifier(&t.name, "type", Pos::default(), reporter);
        if !types.insert(t.name.to_lowercase()) {
            internal(
                reporter,
                Pos::default(),
                format!("two types are named `{}`", t.name),
            );
        }
        match &t.kind {
            TypeKind::Struct(fields) => unique(
                fields.iter().map(|f| f.rust_name.as_str()),
                &format!("field of `{}`", t.name),
                Pos::default(),
                reporter,
            ),
            TypeKind::Enum { values, .. } => unique(
                values.iter().map(|(v, _)| v.as_str()),
                &format!("variant of `{}`", t.name),
                Pos::default(),
                reporter,
            ),
            TypeKind::IntegerEnum { values, .. } => unique(
                values.iter().map(|(v, _)| v.as_str()),
                &format!("constant of `{}`", t.name),
                Pos::default(),
                reporter,
            ),
            TypeKind::Union(vs) => unique(
                vs.iter().map(|(v, _)| v.as_str()),
                &format!("variant of `{}`", t.name),
                Pos::default(),
                reporter,
            ),
            TypeKind::Tagged(tagged) => {
                unique(
                    tagged
                        .variants
                        .iter()
                        .map(|(v, _, _)| v.as_str())
                        .chain(["Unknown"]),
                    &format!("variant of `{}`", t.name),
                    Pos::default(),
                    reporter,
                );
                let mut tags = BTreeSet::new();
                for tag in tagged.variants.iter().flat_map(|(_, tags, _)| tags) {
                    if !tags.insert(tag) {
                        reporter.error(
                            Pos::default(),
                            format!(
                                "discriminator value `{tag}` of `{}` selects two members",
                                t.name
                            ),
                            Some("map each value to one member".into()),
                        );
                    }
                }
            }
            TypeKind::Responses(vs) => unique(
                vs.iter().map(|(v, _)| v.as_str()),
                &format!("variant of `{}`", t.name),
                Pos::default(),
                reporter,
            ),
            TypeKind::Alias(_) => {}
        }
    }
    unique(
        api.operations.iter().map(|o| o.method_name.as_str()),
        "client method",
        Pos::default(),
        reporter,
    );
    unique(
        api.operations.iter().map(|o| o.builder_name.as_str()),
        "request builder",
        Pos::default(),
        reporter,
    );
}

fn operation(op: &Operation, reporter: &mut Reporter<'_>) {
    let s = &op.success;
    let id = &op.id;
    let mut refuse = |what: &str, hint: &str| {
        reporter.error(
            op.pos,
            format!("operation `{id}`: {what}"),
            Some(hint.to_string()),
        );
    };
    if s.envelope.is_some() && s.text_result.is_some() {
        refuse(
            "its success response declares both `x-pasarela-envelope` and `x-pasarela-text-result`",
            "an envelope is read from a JSON body and a text result from a text body: keep the one that matches the response's media type",
        );
    }
    if s.envelope.is_some() && s.decoding != ResponseDecoding::Json {
        refuse(
            "`x-pasarela-envelope` is on a response that is not JSON",
            "declare the response `content: {application/json: ...}` or remove the envelope",
        );
    }
    if s.text_result.is_some() && s.decoding != ResponseDecoding::Text {
        refuse(
            "`x-pasarela-text-result` is on a response that is not text",
            "declare the response `content: {text/plain: ...}` or remove the text result",
        );
    }
    if !s.by_status.is_empty() && (s.download || s.envelope.is_some()) {
        refuse(
            "several 2xx responses of different shapes cannot be combined with a download or an envelope",
            "give the 2xx responses one schema",
        );
    }
    identifier(&op.method_name, "method", op.pos, reporter);
    identifier(&op.builder_name, "request builder", op.pos, reporter);
    for p in &op.params {
        identifier(&p.rust_name, "parameter", op.pos, reporter);
    }
    unique(
        op.params
            .iter()
            .map(|p| p.rust_name.as_str())
            .chain(op.body.as_ref().map(|b| b.rust_name.as_str())),
        &format!("argument of `{}`", op.method_name),
        op.pos,
        reporter,
    );
}

fn identifier(name: &str, what: &str, pos: Pos, reporter: &mut Reporter<'_>) {
    let ok = match name.strip_prefix("r#") {
        Some(raw) => syn::parse_str::<syn::Ident>(&format!("r#{raw}")).is_ok(),
        None => syn::parse_str::<syn::Ident>(name).is_ok(),
    };
    if !ok {
        internal(
            reporter,
            pos,
            format!("the {what} name `{name}` is not a Rust identifier"),
        );
    }
}

fn unique<'a>(
    names: impl Iterator<Item = &'a str>,
    what: &str,
    pos: Pos,
    reporter: &mut Reporter<'_>,
) {
    let mut seen = BTreeSet::new();
    for name in names {
        if !seen.insert(crate::ident::bare(name).to_string()) {
            internal(reporter, pos, format!("two {what}s are named `{name}`"));
        }
    }
}

fn internal(reporter: &mut Reporter<'_>, pos: Pos, message: String) {
    reporter.error(
        pos,
        format!("internal error: {message}"),
        Some("this is a bug in pasarela-gen's naming; please report it with the spec".into()),
    );
}
