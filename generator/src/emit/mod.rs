//! Stage 4, emit: [`Api`] → tokens. Emitted code names nothing but
//! `::pasarela_runtime` and the standard prelude, so it can be included
//! anywhere (build.rs output, `generated/`, a user's crate).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::ident::to_ident;
use crate::ir::*;

mod client;
mod errors;
mod requests;
mod types;

/// The runtime crate as generated code names it: `rt`, which every
/// generated module imports (`use ::pasarela_runtime as rt;`) so that the
/// many paths into it stay short.
fn rt() -> TokenStream {
    quote!(rt)
}

/// The import that [`rt`] relies on, at the top of the file and of each
/// module.
fn rt_import() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use ::pasarela_runtime as rt;
    }
}

/// Where a type is being named from, so paths to `types` are right.
#[derive(Clone, Copy)]
enum Scope {
    /// Inside `mod types`.
    Types,
    /// The file's top level.
    Root,
    /// Inside `mod errors` or `mod requests`.
    Sibling,
    /// Code outside the generated file that names its types from the file's
    /// module (`types::Name`, the runtime by its absolute path).
    Outside,
}

/// Emits the whole file's items.
pub fn emit(api: &Api) -> TokenStream {
    let api_static = client::api_info(api);
    let client = client::client(api);
    let builder = client::client_builder(api);
    let csv_rows = csv_row_types(api);
    let validated = types::validated_types(&api.types);
    let types: Vec<TokenStream> = api
        .types
        .iter()
        .map(|t| {
            let def = types::type_def(t);
            let validate = types::validate_impl(t, &validated);
            let csv = if csv_rows.contains(&t.name) {
                types::csv_row_impl(t)
            } else {
                quote!()
            };
            quote!(#def #validate #csv)
        })
        .collect();
    let pinned = pinned_module(api);
    let errors = errors::error_enums(&api.operations);
    let requests: Vec<TokenStream> = api
        .operations
        .iter()
        .map(|op| requests::request_builder(op, &validated))
        .collect();
    let import = rt_import();
    quote! {
        #import
        #api_static
        #client
        #builder
        /// Models: the request and response bodies of this API.
        pub mod types {
            #import
            #[allow(unused_imports)]
            use ::pasarela_runtime::serde::{Deserialize, Serialize};
            #(#types)*
            #pinned
        }
        /// One error enum per operation: the error responses the spec declares.
        pub mod errors {
            #import
            #(#errors)*
        }
        /// One request builder per operation; await it or call `send()`.
        pub mod requests {
            #import
            #(#requests)*
        }
    }
}

/// `#[doc = ...]` attributes for free text from the spec. Text is made safe
/// for rustdoc: no code fences or indented blocks (they would become doctests).
fn doc(text: &str) -> TokenStream {
    let attrs = doc_lines(text).into_iter().map(|l| {
        let line = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#attrs)*)
}

/// Spec text made safe for rustdoc: no code fences or indented blocks (they
/// would become doctests), and list items' continuation lines indented under
/// their marker (as Markdown and clippy expect); nested lists are flattened.
fn doc_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut item_indent: Option<usize> = None;
    for raw in text.lines() {
        let line = markdown_literal(&doc_line(raw.trim()).replace("```", "'''"));
        if line.is_empty() {
            item_indent = None;
            out.push(line);
        } else if let Some(width) = list_marker_width(&line) {
            item_indent = Some(width);
            out.push(line);
        } else if let Some(width) = item_indent {
            out.push(format!("{}{line}", " ".repeat(width)));
        } else {
            out.push(line);
        }
    }
    out
}

/// `line` with what Markdown would read as structure that a spec's prose
/// does not mean escaped, so rustdoc and clippy read it as text: a block
/// quote (`> …`, whose unmarked next line clippy calls a lazy
/// continuation) and a link reference definition (`[x]: url`, which
/// vanishes from the docs and which clippy refuses inside a list item).
fn markdown_literal(line: &str) -> String {
    let line = &autolink_urls(line);
    if line.starts_with('>') {
        return format!("\\{line}");
    }
    let marker = list_marker_width(line).unwrap_or(0);
    let (head, rest) = line.split_at(marker.min(line.len()));
    let is_refdef = rest.starts_with('[')
        && rest
            .find("]:")
            .is_some_and(|end| !rest[1..end].contains(['[', ']']));
    if is_refdef {
        format!("{head}\\{rest}")
    } else {
        line.to_string()
    }
}

/// `line` with each bare `http(s)://` URL written as an autolink (`<url>`),
/// which rustdoc's `bare_urls` lint asks for. URLs already inside `<…>`,
/// a Markdown link's `(…)` or a code span are left alone.
fn autolink_urls(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut in_code = false;
    while let Some(at) = rest.find(['`', 'h']) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        if let Some(after) = from.strip_prefix('`') {
            in_code = !in_code;
            out.push('`');
            rest = after;
            continue;
        }
        let is_url = from.starts_with("http://") || from.starts_with("https://");
        let quoted = matches!(out.chars().last(), Some('<' | '(' | '"' | '\''));
        if !is_url || in_code || quoted {
            out.push('h');
            rest = &from[1..];
            continue;
        }
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
            .unwrap_or(from.len());
        // Sentence punctuation after a URL is not part of it.
        let url = from[..end].trim_end_matches(['.', ',', ';', ':', ')', '!', '?']);
        out.push('<');
        out.push_str(url);
        out.push('>');
        rest = &from[url.len()..];
    }
    out.push_str(rest);
    out
}

/// The width of a list marker starting `line` (`- `, `* `, `+ `, `12. `).
fn list_marker_width(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return Some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    let rest = &line[digits..];
    (digits > 0 && (rest.starts_with(". ") || rest.starts_with(") "))).then_some(digits + 2)
}

/// One line of doc text built from spec text (a title, a path, a wire
/// name): tabs and line breaks become spaces and other control characters
/// are dropped, so rustdoc and clippy read it as one plain line.
fn doc_line(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

fn opt_doc(text: Option<&str>) -> TokenStream {
    text.map(doc).unwrap_or_default()
}

fn lit(s: &str) -> Literal {
    Literal::string(s)
}

/// The Rust type `ty` becomes, as written at a generated file's top level
/// (named types as `types::Name`): for code that refers to generated
/// types from outside, such as a test that decodes with them.
pub fn rust_type(ty: &TypeRef) -> String {
    type_tokens(ty, Scope::Outside).to_string()
}

fn type_tokens(ty: &TypeRef, scope: Scope) -> TokenStream {
    let rt = match scope {
        Scope::Outside => quote!(::pasarela_runtime),
        _ => rt(),
    };
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Secret => quote!(#rt::Secret),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::U32 => quote!(u32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U64 => quote!(u64),
        TypeRef::F64 => quote!(f64),
        TypeRef::Decimal { .. } => quote!(#rt::Decimal),
        TypeRef::Json => quote!(#rt::serde_json::Value),
        TypeRef::Bytes => quote!(#rt::bytes::Bytes),
        TypeRef::Named(name) => {
            let id = to_ident(name);
            match scope {
                Scope::Types => quote!(#id),
                Scope::Root | Scope::Outside => quote!(types::#id),
                Scope::Sibling => quote!(super::types::#id),
            }
        }
        TypeRef::Pinned { marker, .. } => {
            let id = to_ident(marker);
            match scope {
                Scope::Types => quote!(#rt::Pinned<pinned::#id>),
                Scope::Root | Scope::Outside => quote!(#rt::Pinned<types::pinned::#id>),
                Scope::Sibling => quote!(#rt::Pinned<super::types::pinned::#id>),
            }
        }
        TypeRef::Csv(format) => type_tokens(
            &TypeRef::Vec(Box::new(TypeRef::Named(format.row.clone()))),
            scope,
        ),
        TypeRef::Vec(inner) => {
            let inner = type_tokens(inner, scope);
            quote!(Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = type_tokens(inner, scope);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
    }
}

/// `mod pinned`: one marker type per value a property is pinned to
/// (nothing when no property is).
fn pinned_module(api: &Api) -> TokenStream {
    fn visit(ty: &TypeRef, out: &mut std::collections::BTreeMap<String, String>) {
        match ty {
            TypeRef::Pinned { value, marker } => {
                out.insert(marker.clone(), value.clone());
            }
            TypeRef::Vec(inner) | TypeRef::Map(inner) => visit(inner, out),
            _ => {}
        }
    }
    let mut markers = std::collections::BTreeMap::new();
    for t in &api.types {
        if let TypeKind::Struct(fields) = &t.kind {
            for f in fields {
                visit(&f.ty, &mut markers);
            }
        }
    }
    if markers.is_empty() {
        return quote!();
    }
    let items = markers.iter().map(|(marker, value)| {
        let id = to_ident(marker);
        let doc = lit(&doc_line(&format!(" `{value}`")));
        let value = lit(value);
        quote! {
            #[doc = #doc]
            pub struct #id;
            impl ::pasarela_runtime::PinnedValue for #id {
                const VALUE: &'static str = #value;
            }
        }
    });
    quote! {
        /// The values properties are pinned to (`enum: [X]`, `const: X`), one
        /// marker type each, for [`Pinned`](::pasarela_runtime::Pinned).
        pub mod pinned {
            #(#items)*
        }
    }
}

/// Names of the structs used as CSV rows anywhere in the API.
fn csv_row_types(api: &Api) -> std::collections::BTreeSet<String> {
    fn visit(ty: &TypeRef, out: &mut std::collections::BTreeSet<String>) {
        match ty {
            TypeRef::Csv(f) => {
                out.insert(f.row.clone());
            }
            TypeRef::Vec(inner) | TypeRef::Map(inner) => visit(inner, out),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    for op in &api.operations {
        op.params.iter().for_each(|p| visit(&p.ty, &mut out));
        if let Some(b) = &op.body {
            visit(&b.ty, &mut out);
        }
        if let Some(t) = &op.success.ty {
            visit(t, &mut out);
        }
    }
    for t in &api.types {
        match &t.kind {
            TypeKind::Struct(fields) => fields.iter().for_each(|f| visit(&f.ty, &mut out)),
            TypeKind::Alias(ty) => visit(ty, &mut out),
            TypeKind::Union(vs) => vs.iter().for_each(|(_, ty)| visit(ty, &mut out)),
            TypeKind::Tagged(t) => t.variants.iter().for_each(|(_, _, ty)| visit(ty, &mut out)),
            TypeKind::Responses(vs) => vs
                .iter()
                .flat_map(|(_, ty)| ty)
                .for_each(|ty| visit(ty, &mut out)),
            TypeKind::Enum { .. } | TypeKind::IntegerEnum { .. } => {}
        }
    }
    out
}

#[cfg(test)]
mod prose_tests {
    use super::*;

    #[test]
    fn bare_urls_become_autolinks_and_others_are_left_alone() {
        assert_eq!(
            autolink_urls("See https://a.example/x, [d](https://b.example) <https://c.example> `https://d.example`."),
            "See <https://a.example/x>, [d](https://b.example) <https://c.example> `https://d.example`."
        );
        assert_eq!(autolink_urls("hello http"), "hello http");
    }

    #[test]
    fn block_quotes_and_link_reference_definitions_are_text() {
        assert_eq!(markdown_literal("> quoted"), "\\> quoted");
        assert_eq!(
            markdown_literal("- [docs]: https://a.example"),
            "- \\[docs]: <https://a.example>"
        );
        assert_eq!(markdown_literal("[link](x) and text"), "[link](x) and text");
    }
}
