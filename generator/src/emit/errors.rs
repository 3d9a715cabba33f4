//! One error enum per operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::requests::has_text_rejection;
use super::{doc, doc_line, lit, type_tokens, Scope};
use crate::ident::{self, to_ident};
use crate::ir::*;

pub(super) fn error_enum(op: &Operation) -> TokenStream {
    let name = to_ident(&op.error_name);
    let head = doc_line(&format!(
        " Errors declared for `{}` (`{} {}`).",
        op.method_name.trim_start_matches("r#"),
        op.method.as_str().to_uppercase(),
        op.path
    ));
    let mut variants = Vec::new();
    let mut displays = Vec::new();
    for e in &op.errors {
        let v = to_ident(&e.variant);
        let body = match &e.ty {
            Some(t) => type_tokens(t, Scope::Sibling),
            None => quote!(String),
        };
        let desc = if e.description.is_empty() {
            "error response".to_string()
        } else {
            e.description.clone()
        };
        // Display is one line: the description's first line.
        let summary = desc.lines().next().unwrap_or("").trim().to_string();
        match e.matcher {
            StatusMatch::Exact(status) => {
                let d = doc(&format!("HTTP {status}: {desc}"));
                variants.push(quote!(#d #v(#body),));
                let text = lit(&format!("HTTP {status}: {summary}"));
                displays.push(quote!(Self::#v(_) => f.write_str(#text),));
            }
            StatusMatch::Range(..) | StatusMatch::Default => {
                let d = doc(&match e.matcher {
                    StatusMatch::Range(lo, hi) => format!("HTTP {lo}–{hi}: {desc}"),
                    _ => format!("Any other status: {desc}"),
                });
                variants.push(quote!(#d #v { status: u16, body: #body },));
                let escaped = summary.replace('{', "{{").replace('}', "}}");
                let text = lit(&format!("HTTP {{}}: {escaped}"));
                displays.push(quote!(Self::#v { status, .. } => write!(f, #text, status),));
            }
        }
    }
    if let (Some((field, _, _)), Some(TypeRef::Named(success))) =
        (&op.success.error_code_field, &op.success.ty)
    {
        let success = to_ident(success);
        let d = format!(
            " A 2xx response whose `{}` field reports a failure; the whole response is kept.",
            ident::bare(field)
        );
        variants.push(quote!(#[doc = #d] ErrorInBody(super::types::#success),));
        let text = lit(&format!(
            "the response reported an error in field `{}`",
            ident::bare(field)
        ));
        displays.push(quote!(Self::ErrorInBody(_) => f.write_str(#text),));
    }
    if op.success.envelope.is_some() {
        variants.push(quote! {
            /// The result envelope reported an error (or a code the spec does not document); the whole envelope is kept.
            Rejected(::pasarela_runtime::EnvelopeError),
        });
        displays.push(quote!(Self::Rejected(e) => ::std::fmt::Display::fmt(e, f),));
    } else if has_text_rejection(op) {
        variants.push(quote! {
            /// The text result reported an error (e.g. `ERROR: …`); its text is kept.
            Rejected(::pasarela_runtime::TextError),
        });
        displays.push(quote!(Self::Rejected(e) => ::std::fmt::Display::fmt(e, f),));
    }
    // Bodies of different error statuses can differ a lot in size; boxing
    // them would only make matching clumsier.
    let allow = if variants.len() > 1 {
        quote!(#[allow(clippy::large_enum_variant)])
    } else {
        quote!()
    };
    let fmt_arg = if displays.is_empty() {
        quote!(_f)
    } else {
        quote!(f)
    };
    let display_body = if displays.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(#displays)* })
    };
    quote! {
        #[doc = #head]
        #[derive(Debug, Clone, PartialEq)]
        #allow
        pub enum #name {
            #(#variants)*
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, #fmt_arg: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #display_body
            }
        }

        impl ::std::error::Error for #name {}
    }
}
