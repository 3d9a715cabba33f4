//! One error enum per operation.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::requests::has_text_rejection;
use super::{doc, doc_line, lit, rt, type_tokens, Scope};
use crate::ident::{self, to_ident};
use crate::ir::*;

/// The longest summary a variant's `Display` starts with.
const SUMMARY_CHARS: usize = 120;

/// The one-line summary of an error response: the first line of its
/// description without a trailing period, else the status's reason phrase.
fn summary(description: &str, matcher: StatusMatch) -> String {
    let first = description.lines().next().unwrap_or("").trim();
    let first = first.trim_end_matches('.').trim();
    if !first.is_empty() {
        let mut s: String = first.chars().take(SUMMARY_CHARS).collect();
        if first.chars().count() > SUMMARY_CHARS {
            s.push('…');
        }
        return s;
    }
    match matcher {
        StatusMatch::Exact(s) => http::StatusCode::from_u16(s)
            .ok()
            .and_then(|c| c.canonical_reason())
            .unwrap_or("error response")
            .to_owned(),
        _ => "error response".to_owned(),
    }
}

/// `errors::<Op>Error` for every operation. Operations that declare the
/// same error responses share one enum (the first's); the others' names
/// are type aliases of it, so every operation keeps its own error type name
/// while the code for one shape is compiled once.
pub(super) fn error_enums(ops: &[Operation]) -> Vec<TokenStream> {
    // The shape of each operation's enum: its tokens under a fixed name.
    let shapes: Vec<String> = ops
        .iter()
        .map(|op| error_enum(op, &format_ident!("Shape"), "").to_string())
        .collect();
    let mut first_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut sharers: Vec<usize> = vec![0; ops.len()];
    for (i, shape) in shapes.iter().enumerate() {
        let first = *first_of.entry(shape.as_str()).or_insert(i);
        sharers[first] += 1;
    }
    ops.iter()
        .enumerate()
        .map(|(i, op)| {
            let name = to_ident(&op.error_name);
            let first = first_of[shapes[i].as_str()];
            let what = format!(
                "`{}` (`{} {}`)",
                op.method_name.trim_start_matches("r#"),
                op.method.as_str().to_uppercase(),
                op.path
            );
            if first != i {
                let shared = to_ident(&ops[first].error_name);
                let head = doc_line(&format!(
                    " Errors declared for {what}: the same error responses as `{}`, so the same type.",
                    ops[first].error_name
                ));
                return quote!(#[doc = #head] pub type #name = #shared;);
            }
            let others = sharers[i] - 1;
            let head = match others {
                0 => format!(" Errors declared for {what}."),
                1 => format!(" Errors declared for {what}, and for one other operation that declares the same error responses (its error type is an alias of this one)."),
                n => format!(" Errors declared for {what}, and for {n} other operations that declare the same error responses (their error types are aliases of this one)."),
            };
            error_enum(op, &name, &doc_line(&head))
        })
        .collect()
}

fn error_enum(op: &Operation, name: &proc_macro2::Ident, head: &str) -> TokenStream {
    let rt = rt();
    let mut variants = Vec::new();
    let mut summaries = Vec::new();
    let mut details = Vec::new();
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
        let text = lit(&summary(&e.description, e.matcher));
        match e.matcher {
            StatusMatch::Exact(status) => {
                let d = doc(&format!("HTTP {status}: {desc}"));
                variants.push(quote!(#d #v(#body),));
                summaries.push(quote!(Self::#v(_) => #text,));
                details.push(quote!(Self::#v(body) => #rt::ErrorDetails::from_body(body),));
            }
            StatusMatch::Range(..) | StatusMatch::Default => {
                let d = doc(&match e.matcher {
                    StatusMatch::Range(lo, hi) => format!("HTTP {lo}–{hi}: {desc}"),
                    _ => format!("Any other status: {desc}"),
                });
                variants.push(quote!(#d #v { status: u16, body: #body },));
                summaries.push(quote!(Self::#v { .. } => #text,));
                details.push(quote!(Self::#v { body, .. } => #rt::ErrorDetails::from_body(body),));
            }
        }
    }
    if let (Some((field, _, _)), Some(TypeRef::Named(success))) =
        (&op.success.error_code_field, &op.success.ty)
    {
        let success = to_ident(success);
        let id = to_ident(field);
        let bare = ident::bare(field);
        let d = format!(
            " A 2xx response whose `{bare}` field reports a failure; the whole response is kept.",
        );
        variants.push(quote!(#[doc = #d] ErrorInBody(super::types::#success),));
        let text = lit(&format!("the response reported an error in field `{bare}`"));
        summaries.push(quote!(Self::ErrorInBody(_) => #text,));
        details.push(
            quote!(Self::ErrorInBody(body) => #rt::ErrorDetails::from_error_field(body, &body.#id),),
        );
    }
    let mut rejected_display = quote!();
    if op.success.envelope.is_some() {
        variants.push(quote! {
            /// The result envelope reported an error (or a code the spec does not document); the whole envelope is kept.
            Rejected(#rt::EnvelopeError),
        });
        summaries.push(quote!(Self::Rejected(_) => "the result envelope reported an error",));
        details.push(quote!(Self::Rejected(e) => #rt::ErrorDetails::from_envelope(e),));
        rejected_display = quote!(Self::Rejected(e) => ::std::fmt::Display::fmt(e, f),);
    } else if has_text_rejection(op) {
        variants.push(quote! {
            /// The text result reported an error (e.g. `ERROR: …`); its text is kept.
            Rejected(#rt::TextError),
        });
        summaries.push(quote!(Self::Rejected(_) => "error reported in the body",));
        details.push(quote!(Self::Rejected(e) => #rt::ErrorDetails::from_text(e),));
    }
    // Bodies of different error statuses can differ a lot in size; boxing
    // them would only make matching clumsier.
    let allow = if variants.len() > 1 {
        quote!(#[allow(clippy::large_enum_variant)])
    } else {
        quote!()
    };
    let (display, summary_body, details_body) = if summaries.is_empty() {
        (
            quote!(match *self {}),
            quote!(match *self {}),
            quote!(match *self {}),
        )
    } else if summaries.len() == 1 && !rejected_display.is_empty() {
        (
            quote!(match self { #rejected_display }),
            quote!(match self { #(#summaries)* }),
            quote!(match self { #(#details)* }),
        )
    } else if rejected_display.is_empty() {
        (
            quote!(#rt::declared::fmt_declared(self, f)),
            quote!(match self { #(#summaries)* }),
            quote!(match self { #(#details)* }),
        )
    } else {
        (
            quote!(match self { #rejected_display _ => #rt::declared::fmt_declared(self, f) }),
            quote!(match self { #(#summaries)* }),
            quote!(match self { #(#details)* }),
        )
    };
    let fmt_arg = if summaries.is_empty() {
        quote!(_f)
    } else {
        quote!(f)
    };
    let arms = error_arms(op);
    quote! {
        #[doc = #head]
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        #allow
        pub enum #name {
            #(#variants)*
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, #fmt_arg: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #display
            }
        }

        impl ::std::error::Error for #name {}

        impl #rt::FromResponse for #name {
            fn from_declared(response: #rt::Response) -> #rt::Error<Self> {
                #arms
            }
        }

        impl #rt::DeclaredError for #name {
            fn summary(&self) -> &'static str {
                #summary_body
            }

            fn details(&self) -> #rt::ErrorDetails<'_> {
                #details_body
            }
        }
    }
}

/// The match arms turning a non-2xx response into the operation's error.
fn error_arms(op: &Operation) -> TokenStream {
    // How the body of one error response is read into its variant: typed
    // (JSON) or as text; a range or `default` variant also keeps the status.
    let read = |e: &ErrorResponse| {
        let v = to_ident(&e.variant);
        let call = if e.ty.is_some() {
            quote!(api_error)
        } else {
            quote!(api_text_error)
        };
        match e.matcher {
            StatusMatch::Exact(_) => quote!(response.#call(Self::#v)),
            StatusMatch::Range(..) | StatusMatch::Default => {
                quote!(response.#call(|body| Self::#v { status, body }))
            }
        }
    };
    if op.errors.is_empty() {
        return quote!(response.unexpected());
    }
    if let [only] = op.errors.as_slice() {
        if only.matcher == StatusMatch::Default {
            // One `default` response: no match needed.
            let read = read(only);
            return quote! {
                let status = response.status();
                #read
            };
        }
    }
    let arms = op.errors.iter().map(|e| {
        let read = read(e);
        match e.matcher {
            StatusMatch::Exact(s) => {
                let s = Literal::u16_unsuffixed(s);
                quote!(#s => #read,)
            }
            StatusMatch::Range(lo, hi) => {
                let (lo, hi) = (Literal::u16_unsuffixed(lo), Literal::u16_unsuffixed(hi));
                quote!(#lo..=#hi => #read,)
            }
            StatusMatch::Default => quote!(_ => #read,),
        }
    });
    let fallback = if op.errors.iter().any(|e| e.matcher == StatusMatch::Default) {
        quote!()
    } else {
        quote!(_ => response.unexpected(),)
    };
    // `status` is bound only where an arm needs it.
    let uses_status = op
        .errors
        .iter()
        .any(|e| !matches!(e.matcher, StatusMatch::Exact(_)));
    if uses_status {
        quote! {
            let status = response.status();
            match status { #(#arms)* #fallback }
        }
    } else {
        quote!(match response.status() { #(#arms)* #fallback })
    }
}
