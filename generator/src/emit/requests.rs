//! One request builder per operation: its fields and setters, and for CSV
//! responses `send_bytes()` and `send_stream()`.
//!
//! Each builder implements the runtime's [`Call`](pasarela_runtime::Call):
//! `prepare()` (validate, then build the runtime request) and `decode()`
//! (read a 2xx response). `send()`, `send_with_meta()`, `with_options()`
//! and `IntoFuture` come from the runtime's `request_methods!`, written
//! once. A response outside 2xx becomes the operation's error through its
//! error enum's [`FromResponse`](pasarela_runtime::FromResponse), one
//! implementation per distinct set of declared errors.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::client::arg_type;
use super::types::{has_named, value_validation, Validated};
use super::{doc, doc_line, lit, opt_doc, rt, type_tokens, Scope};
use crate::ident::to_ident;
use crate::ir::*;
use crate::members;

fn value_to_string(ty: &TypeRef, value: TokenStream) -> TokenStream {
    match ty {
        TypeRef::String => quote!(#value.clone()),
        TypeRef::Secret => quote!(#value.expose().to_string()),
        _ => quote!(#value.to_string()),
    }
}

/// Types whose text form is their `to_string()` (or the string itself).
fn is_text_scalar(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::String
            | TypeRef::Secret
            | TypeRef::Bool
            | TypeRef::I32
            | TypeRef::U32
            | TypeRef::I64
            | TypeRef::U64
            | TypeRef::F64
            | TypeRef::Decimal { .. }
    )
}

/// `static <name>: CsvFormat` for a CSV type.
fn csv_static(name: &proc_macro2::Ident, f: &CsvFormat) -> TokenStream {
    let rt = rt();
    let sep = Literal::u8_suffixed(f.separator);
    let header = f.header;
    let file_name = lit(&f.file_name);
    let encodings = f.encodings.iter().map(|e| match e {
        TextEncoding::Utf8 => quote!(#rt::csv::TextEncoding::Utf8),
        TextEncoding::Windows1252 => quote!(#rt::csv::TextEncoding::Windows1252),
    });
    quote! {
        static #name: #rt::csv::CsvFormat = #rt::csv::CsvFormat {
            separator: #sep,
            header: #header,
            encodings: &[#(#encodings),*],
            file_name: #file_name,
        };
    }
}

/// Adds one parameter's value (`value` is a reference) to `request` or `parts`.
fn add_param(p: &Param, value: TokenStream) -> TokenStream {
    let rt = rt();
    let wire = lit(&p.wire_name);
    if p.location == ParamLocation::FormField {
        return match &p.ty {
            TypeRef::Vec(inner) => {
                let item = value_to_string(inner, quote!(item));
                quote!(for item in #value.iter() { fields.push((#wire.to_owned(), #item)); })
            }
            ty => {
                let v = value_to_string(ty, value);
                quote!(fields.push((#wire.to_owned(), #v));)
            }
        };
    }
    if p.location == ParamLocation::Part {
        return match &p.ty {
            TypeRef::Csv(format) => {
                let fmt = format_ident!(
                    "CSV_{}",
                    p.rust_name.trim_start_matches("r#").to_uppercase()
                );
                let stat = csv_static(&fmt, format);
                let file_name = lit(&format.file_name);
                quote!({
                    #stat
                    let bytes = #value.into_bytes(&#fmt).await.map_err(#rt::Error::Csv)?;
                    parts.push(#rt::Part::file(#wire, #file_name, "text/csv", bytes));
                })
            }
            TypeRef::Bytes => {
                quote!(parts.push(#rt::Part::file(#wire, #wire, "application/octet-stream", #value.clone()));)
            }
            TypeRef::Vec(inner) if is_text_scalar(inner) => {
                let item = value_to_string(inner, quote!(item));
                quote!(for item in #value.iter() { parts.push(#rt::Part::text(#wire, #item)); })
            }
            ty if is_text_scalar(ty) => {
                let v = value_to_string(ty, value);
                quote!(parts.push(#rt::Part::text(#wire, #v));)
            }
            _ => {
                quote!(parts.push(#rt::Part::value(#wire, &#value).map_err(#rt::Error::from_encode)?);)
            }
        };
    }
    let call = match p.location {
        ParamLocation::Path => quote!(path_param),
        ParamLocation::Header => quote!(header),
        ParamLocation::Cookie => quote!(cookie),
        ParamLocation::Query | ParamLocation::Part | ParamLocation::FormField => quote!(query),
    };
    let joined = |inner: &TypeRef, sep: &str| {
        if *inner == TypeRef::String {
            return quote!(request.#call(#wire, #value.join(#sep)););
        }
        let item = value_to_string(inner, quote!(item));
        quote!(request.#call(#wire, #value.iter().map(|item| #item).collect::<Vec<String>>().join(#sep));)
    };
    match (&p.ty, p.style) {
        (TypeRef::Vec(inner), ParamStyle::Form { explode: false }) => joined(inner, ","),
        (TypeRef::Vec(inner), ParamStyle::SpaceDelimited) => joined(inner, " "),
        (TypeRef::Vec(inner), ParamStyle::PipeDelimited) => joined(inner, "|"),
        (TypeRef::Vec(inner), _) => {
            let item = value_to_string(inner, quote!(item));
            quote!(for item in #value.iter() { request.#call(#wire, #item); })
        }
        (_, style @ (ParamStyle::DeepObject | ParamStyle::FormObject { .. })) => {
            let style = match style {
                ParamStyle::FormObject { explode } => {
                    quote!(#rt::ObjectStyle::Form { explode: #explode })
                }
                _ => quote!(#rt::ObjectStyle::DeepObject),
            };
            quote!(request.query_object(#wire, &#value, #style).map_err(#rt::Error::from_encode)?;)
        }
        (ty, _) => {
            let v = value_to_string(ty, value);
            quote!(request.#call(#wire, #v);)
        }
    }
}

/// The type a parameter is stored as in the builder.
fn stored_type(p: &Param) -> TokenStream {
    let rt = rt();
    match &p.ty {
        TypeRef::Csv(f) => {
            let row = to_ident(&f.row);
            quote!(#rt::csv::CsvInput<super::types::#row>)
        }
        ty => type_tokens(ty, Scope::Sibling),
    }
}

/// The setter/argument type for a parameter and whether it needs `.into()`.
pub(super) fn param_arg(p: &Param, scope: Scope) -> (TokenStream, bool) {
    let rt = rt();
    match (&p.ty, scope) {
        (TypeRef::Csv(f), Scope::Root) => {
            let row = to_ident(&f.row);
            (quote!(impl Into<#rt::csv::CsvInput<types::#row>>), true)
        }
        (TypeRef::Csv(f), _) => {
            let row = to_ident(&f.row);
            (
                quote!(impl Into<#rt::csv::CsvInput<super::types::#row>>),
                true,
            )
        }
        (ty, scope) => arg_type(ty, scope),
    }
}

/// The success value's type (before any `Download` wrapping).
fn success_type(op: &Operation) -> TokenStream {
    let rt = rt();
    let inner = match (&op.success.ty, &op.success.envelope) {
        (Some(t), Some(_)) => {
            let t = type_tokens(t, Scope::Sibling);
            quote!(#rt::Outcome<#t>)
        }
        (Some(t), None) => type_tokens(t, Scope::Sibling),
        (None, _) => quote!(()),
    };
    if op.success.download {
        quote!(#rt::Download<#inner>)
    } else {
        inner
    }
}

fn csv_response(op: &Operation) -> Option<&CsvFormat> {
    match &op.success.ty {
        Some(TypeRef::Csv(f)) => Some(f),
        _ => None,
    }
}

/// `static TEXT_RESULT: TextResultSpec` (an empty grammar when none is declared).
fn text_result_static(t: Option<&TextResult>) -> TokenStream {
    let rt = rt();
    let opt = |v: Option<&String>| match v {
        Some(s) => {
            let s = lit(s);
            quote!(Some(#s))
        }
        None => quote!(None),
    };
    let (e, o, p) = match t {
        Some(t) => (
            opt(t.error_prefix.as_ref()),
            opt(t.ok_prefix.as_ref()),
            opt(t.ok_pattern.as_ref()),
        ),
        None => (quote!(None), quote!(None), quote!(None)),
    };
    quote! {
        static TEXT_RESULT: #rt::TextResultSpec = #rt::TextResultSpec {
            error_prefix: #e,
            ok_prefix: #o,
            ok_pattern: #p,
        };
    }
}

/// Whether the operation's error enum has a `Rejected(TextError)` variant.
pub(super) fn has_text_rejection(op: &Operation) -> bool {
    op.success.text_result.is_some() || csv_response(op).is_some()
}

/// The body of `send()` after a 2xx: decode `response` into the success type.
fn success_decode(op: &Operation, error: &proc_macro2::Ident) -> TokenStream {
    let rt = rt();
    let decoded = match (op.success.decoding, &op.success.ty) {
        (ResponseDecoding::None, _) | (_, None) => quote!(Ok(())),
        (_, Some(TypeRef::Named(name))) if !op.success.by_status.is_empty() => {
            let name = to_ident(name);
            let arms = op.success.by_status.iter().map(|(matcher, variant, body)| {
                let pattern = match matcher {
                    StatusMatch::Exact(s) => {
                        let s = Literal::u16_unsuffixed(*s);
                        quote!(#s)
                    }
                    StatusMatch::Range(lo, hi) => {
                        let (lo, hi) = (Literal::u16_unsuffixed(*lo), Literal::u16_unsuffixed(*hi));
                        quote!(#lo..=#hi)
                    }
                    StatusMatch::Default => quote!(_),
                };
                let variant = to_ident(variant);
                let value = match body {
                    ResponseDecoding::None => quote!(super::types::#name::#variant),
                    ResponseDecoding::Json => {
                        quote!(super::types::#name::#variant(response.json()?))
                    }
                    ResponseDecoding::Text => {
                        quote!(super::types::#name::#variant(response.text()?))
                    }
                    ResponseDecoding::Bytes => {
                        quote!(super::types::#name::#variant(response.bytes()))
                    }
                };
                quote!(#pattern => Ok(#value),)
            });
            quote!(match status {
                #(#arms)*
                _ => return Err(#rt::FromResponse::from_response(response)),
            })
        }
        (ResponseDecoding::Json, Some(ty)) if op.success.envelope.is_some() => {
            let ty = type_tokens(ty, Scope::Sibling);
            let spec = envelope_static(op.success.envelope.as_ref());
            quote!({
                #spec
                response.envelope::<#ty, _>(&ENVELOPE, super::errors::#error::Rejected)
            })
        }
        (ResponseDecoding::Json, Some(ty)) => {
            let ty = type_tokens(ty, Scope::Sibling);
            let check = error_code_check(op, error);
            quote!({
                let value: #ty = response.json()?;
                #check
                Ok(value)
            })
        }
        (_, Some(TypeRef::Csv(f))) => {
            let row = to_ident(&f.row);
            let fmt = format_ident!("CSV_FORMAT");
            let stat = csv_static(&fmt, f);
            let text = text_result_static(op.success.text_result.as_ref());
            quote!({
                #stat
                #text
                response.csv_rows::<super::types::#row, _>(&CSV_FORMAT, &TEXT_RESULT, super::errors::#error::Rejected)
            })
        }
        (ResponseDecoding::Text, Some(ty)) if op.success.text_result.is_some() => {
            let ty = type_tokens(ty, Scope::Sibling);
            let text = text_result_static(op.success.text_result.as_ref());
            quote!({
                #text
                response.text_result::<#ty, _>(&TEXT_RESULT, super::errors::#error::Rejected)
            })
        }
        (ResponseDecoding::Text, Some(_)) => quote!(response.text()),
        (ResponseDecoding::Bytes, Some(_)) => quote!(Ok(response.bytes())),
    };
    if op.success.download {
        // Raw bytes cannot fail; the other decodings name their error type.
        let content = if op.success.decoding == ResponseDecoding::Bytes {
            quote!(response.bytes())
        } else {
            quote!(#decoded?)
        };
        quote!({
            let file_name = response.file_name();
            let content = #content;
            Ok(#rt::Download { file_name, content })
        })
    } else {
        decoded
    }
}

fn error_code_check(op: &Operation, error: &proc_macro2::Ident) -> TokenStream {
    let rt = rt();
    let Some((field, ty, required)) = &op.success.error_code_field else {
        return quote!();
    };
    let id = to_ident(field);
    let failed = match ty {
        TypeRef::String => quote!(!code.is_empty() && code != "0"),
        TypeRef::Bool => quote!(*code),
        TypeRef::Decimal { .. } => quote!(!code.is_zero()),
        TypeRef::F64 => quote!(*code != 0.0),
        _ => quote!(*code != 0),
    };
    let fail = quote!(return Err(#rt::Error::Api { status, error: super::errors::#error::ErrorInBody(value), headers: #rt::ResponseHeaders::new(response.headers().clone()) }););
    if *required {
        quote! {
            let code = &value.#id;
            if #failed { #fail }
        }
    } else {
        quote! {
            if let Some(code) = &value.#id {
                if #failed { #fail }
            }
        }
    }
}

pub(super) fn request_builder(op: &Operation, validated: &Validated) -> TokenStream {
    let rt = rt();
    let name = to_ident(&op.builder_name);
    let error = to_ident(&op.error_name);
    let head = doc_line(&format!(
        " A `{} {}` request; set optional parameters, then `.await` it or call [`send`](Self::send).",
        op.method.as_str().to_uppercase(),
        op.path
    ));
    let err_ty = quote!(#rt::Error<super::errors::#error>);
    let output = success_type(op);

    // The builder's own members, named in one place (`crate::members`),
    // which lowering keeps the spec's names away from.
    let member = |name: &str| format_ident!("{}", name);
    let (client_field, options_field) = (member(members::CLIENT), member(members::OPTIONS));
    let (prepare_fn, decode_fn) = (member(members::PREPARE), member(members::DECODE));
    let mut fields = vec![
        quote!(pub(super) #client_field: super::Client,),
        quote!(pub(super) #options_field: #rt::CallOptions,),
    ];
    let mut setters = Vec::new();
    let mut adds = Vec::new();
    let mut part_adds = Vec::new();
    let mut form_adds = Vec::new();
    for p in &op.params {
        let id = to_ident(&p.rust_name);
        let ty = stored_type(p);
        let target = match p.location {
            ParamLocation::Part => &mut part_adds,
            ParamLocation::FormField => &mut form_adds,
            _ => &mut adds,
        };
        let by_value = matches!(p.ty, TypeRef::Csv(_));
        if p.required {
            fields.push(quote!(pub(super) #id: #ty,));
            target.push(add_param(p, quote!(self.#id)));
        } else {
            fields.push(quote!(pub(super) #id: Option<#ty>,));
            let (arg, into) = param_arg(p, Scope::Sibling);
            let set = if into {
                quote!(Some(value.into()))
            } else {
                quote!(Some(value))
            };
            let pdoc = opt_doc(p.description.as_deref());
            let wire = doc_line(&format!(
                " Sets the optional {} parameter `{}`.",
                p.location.word(),
                p.wire_name
            ));
            let blank = if p.description.is_some() {
                quote!(#[doc = ""])
            } else {
                quote!()
            };
            let setter = format_ident!("{}", p.rust_name.trim_start_matches("r#"));
            let setter = if p.rust_name.starts_with("r#") {
                to_ident(&p.rust_name)
            } else {
                setter
            };
            setters.push(quote! {
                #pdoc
                #blank
                #[doc = #wire]
                pub fn #setter(mut self, value: #arg) -> Self {
                    self.#id = #set;
                    self
                }
            });
            let inner = add_param(p, quote!(value));
            if by_value {
                target.push(quote!(if let Some(value) = self.#id { #inner }));
            } else {
                target.push(quote!(if let Some(value) = &self.#id { #inner }));
            }
        }
    }
    if let Some(body) = &op.body {
        let ct = lit(&body.content_type);
        if op.form_fields_flattened() {
            adds.push(quote! {
                let mut fields: Vec<(String, String)> = Vec::new();
                #(#form_adds)*
                request.form_body(fields);
            });
        } else if body.encoding == BodyEncoding::Multipart {
            adds.push(quote! {
                let mut parts: Vec<#rt::Part> = Vec::new();
                #(#part_adds)*
                request.multipart_body(parts);
            });
        } else {
            let id = to_ident(&body.rust_name);
            let ty = type_tokens(&body.ty, Scope::Sibling);
            fields.push(quote!(pub(super) #id: #ty,));
            adds.push(match body.encoding {
                BodyEncoding::Json => {
                    quote!(request.json_body(&self.#id).map_err(#rt::Error::from_encode)?;)
                }
                BodyEncoding::Form => {
                    quote!(request.form_struct(&self.#id).map_err(#rt::Error::from_encode)?;)
                }
                BodyEncoding::Text => quote!(request.text_body(#ct, self.#id.clone());),
                BodyEncoding::Bytes | BodyEncoding::Multipart => {
                    quote!(request.bytes_body(#ct, self.#id.clone());)
                }
            });
        }
    }

    let method = match op.method {
        Method::Get => quote!(Get),
        Method::Post => quote!(Post),
        Method::Put => quote!(Put),
        Method::Delete => quote!(Delete),
        Method::Patch => quote!(Patch),
        Method::Head => quote!(Head),
        Method::Options => quote!(Options),
    };
    let operation = operation_static(op, &method);
    let validation = request_validation(op, validated);
    let decode = success_decode(op, &error);
    let no_body = matches!(op.success.decoding, ResponseDecoding::None) || op.success.ty.is_none();
    let plain_json = op.success.decoding == ResponseDecoding::Json
        && op.success.ty.is_some()
        && op.success.envelope.is_none()
        && op.success.by_status.is_empty()
        && op.success.error_code_field.is_none()
        && !op.success.download;
    let decoded = if no_body && !op.success.download {
        quote!(Ok(response.into_value(())))
    } else if plain_json {
        quote!(response.into_json())
    } else {
        quote! {
            let decoded: Result<#output, #err_ty> = #decode;
            Ok(response.into_value(decoded?))
        }
    };
    if let Some(idempotency) = &op.idempotency {
        setters.push(idempotency_key_setter(idempotency, &options_field));
    }
    if let Some(pagination) = &op.pagination {
        setters.push(paging_methods(pagination, &error));
    }
    let extra = csv_methods(op, &error);
    let error_ty = quote!(super::errors::#error);
    // The status, where a 2xx is told apart or an error code in the body
    // becomes an error that keeps it.
    // Form fields and multipart parts are pushed one by one.
    let vec_allow = if op
        .body
        .as_ref()
        .is_some_and(|b| op.form_fields_flattened() || b.encoding == BodyEncoding::Multipart)
    {
        quote!(#[allow(clippy::vec_init_then_push)])
    } else {
        quote!()
    };
    let request_binding = if adds.is_empty() {
        quote!(let request = #rt::Request::new(&OPERATION);)
    } else {
        quote!(let mut request = #rt::Request::new(&OPERATION);)
    };
    let bind_status = if !op.success.by_status.is_empty() || op.success.error_code_field.is_some() {
        quote!(let status = response.status();)
    } else {
        quote!()
    };
    // Setters and the CSV methods are the builder's own; `send()`,
    // `send_with_meta()`, `with_options()` and `IntoFuture` come from the
    // runtime's `request_methods!`, driven by the `Call` impl.
    let own_methods = if setters.is_empty() && extra.is_empty() {
        quote!()
    } else {
        // A spec's error bodies can be large structs; boxing them would only
        // make matching on errors clumsier.
        let allow = if extra.is_empty() {
            quote!()
        } else {
            quote!(#[allow(clippy::result_large_err)])
        };
        quote! {
            #allow
            impl #name {
                #(#setters)*
                #extra
            }
        }
    };

    quote! {
        #[doc = #head]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent or awaited"]
        pub struct #name {
            #(#fields)*
        }

        #own_methods

        impl #rt::Call for #name {
            type Output = #output;
            type Error = #error_ty;

            #vec_allow
            async fn #prepare_fn(self) -> #rt::Prepared<Self::Error> {
                #operation
                #validation
                #request_binding
                #(#adds)*
                Ok((self.#client_field.inner, request))
            }

            fn #decode_fn(response: #rt::Response) -> #rt::Decoded<Self> {
                #bind_status
                #decoded
            }

        }

        #rt::request_methods!(#name => #output, #error_ty);
    }
}

/// `static OPERATION`: the operation's descriptor, writing only what differs
/// from [`Operation::new`](pasarela_runtime::Operation::new)'s defaults.
fn operation_static(op: &Operation, method: &TokenStream) -> TokenStream {
    let rt = rt();
    let (id, path) = (lit(&op.id), lit(&op.path));
    let mut calls = Vec::new();
    if !op.security.is_empty() {
        let security = op.security.iter().map(|alternative| {
            let names = alternative.iter().map(|s| lit(s));
            quote!(&[#(#names),*])
        });
        calls.push(quote!(.security(&[#(#security),*])));
    }
    if op.moves_money {
        calls.push(quote!(.moves_money()));
    } else if op.send_once {
        calls.push(quote!(.send_once()));
    } else if op.idempotent != op.method.is_idempotent() {
        let idempotent = op.idempotent;
        calls.push(quote!(.idempotent(#idempotent)));
    }
    if let Some(pointer) = &op.outcome_reference {
        let pointer = lit(pointer);
        calls.push(quote!(.outcome_reference(#pointer)));
    }
    if let Some(idempotency) = &op.idempotency {
        let header = lit(&idempotency.header);
        let mut declared = quote!(#rt::Idempotency::header(#header));
        if !idempotency.prefix.is_empty() {
            let prefix = lit(&idempotency.prefix);
            declared.extend(quote!(.prefix(#prefix)));
        }
        if !idempotency.conflict_statuses.is_empty() {
            let statuses = &idempotency.conflict_statuses;
            declared.extend(quote!(.conflict_statuses(&[#(#statuses),*])));
        }
        calls.push(quote!(.idempotency(#declared)));
    }
    quote! {
        static OPERATION: #rt::Operation =
            #rt::Operation::new(#id, #rt::HttpMethod::#method, #path) #(#calls)*;
    }
}

/// `pages()` and `items()` for a paginated operation, with the
/// `PAGINATION` static they read.
fn paging_methods(p: &crate::ir::Pagination, error: &proc_macro2::Ident) -> TokenStream {
    let rt = rt();
    let opt = |s: &Option<String>| match s {
        Some(s) => {
            let s = lit(s);
            quote!(Some(#s))
        }
        None => quote!(None),
    };
    let scheme = match &p.scheme {
        PageScheme::PageNumber { page, size, first } => {
            let (page, size) = (lit(page), opt(size));
            quote!(#rt::PageScheme::PageNumber { page: #page, size: #size, first: #first })
        }
        PageScheme::Offset { offset, limit } => {
            let (offset, limit) = (lit(offset), opt(limit));
            quote!(#rt::PageScheme::Offset { offset: #offset, limit: #limit })
        }
        PageScheme::Cursor {
            param,
            from,
            size,
            alone,
        } => {
            let (param, size) = (lit(param), opt(size));
            let from = match from {
                CursorSource::Field(p) => {
                    let p = lit(p);
                    quote!(#rt::CursorSource::Field(#p))
                }
                CursorSource::Header(h) => {
                    let h = lit(h);
                    quote!(#rt::CursorSource::Header(#h))
                }
                CursorSource::LastItem(p) => {
                    let p = lit(p);
                    quote!(#rt::CursorSource::LastItem(#p))
                }
            };
            quote!(#rt::PageScheme::Cursor { param: #param, from: #from, size: #size, alone: #alone })
        }
        PageScheme::NextLink { field } => {
            let from = match field {
                Some(p) => {
                    let p = lit(p);
                    quote!(#rt::LinkSource::Field(#p))
                }
                None => quote!(#rt::LinkSource::LinkHeader),
            };
            quote!(#rt::PageScheme::NextLink { from: #from })
        }
    };
    let (items, has_more, total) = (opt(&p.items), opt(&p.has_more), opt(&p.total));
    let short = p.stop_on_short_page;
    let item = type_tokens(&p.item, Scope::Sibling);
    let (pages_fn, items_fn) = (
        format_ident!("{}", members::PAGES),
        format_ident!("{}", members::ITEMS),
    );
    let (pages_doc, items_doc) = (
        doc("The answer's pages, as a stream: each page is requested with this request's parameters (filters, page size) through the client's pipeline, and carries its status and headers. A failed page ends the stream with its error; `.max_pages(n)` and `.max_items(n)` bound it."),
        doc("The items across the answer's pages, as a stream (one page held at a time). A failed page ends the stream with its error, after the items already yielded; `.max_pages(n)` and `.max_items(n)` bound it."),
    );
    quote! {
        #pages_doc
        pub fn #pages_fn(self) -> #rt::Pages<#item, super::errors::#error> {
            static PAGINATION: #rt::Pagination = #rt::Pagination {
                scheme: #scheme,
                items: #items,
                has_more: #has_more,
                total: #total,
                stop_on_short_page: #short,
            };
            #rt::Pages::new(self, &PAGINATION)
        }

        #items_doc
        pub fn #items_fn(self) -> #rt::Items<#item, super::errors::#error> {
            #rt::Items::from_pages(self.#pages_fn())
        }
    }
}

/// `idempotency_key(..)`: the key this call sends instead of a new one.
fn idempotency_key_setter(
    idempotency: &crate::ir::Idempotency,
    options: &proc_macro2::Ident,
) -> TokenStream {
    let setter = format_ident!("{}", members::IDEMPOTENCY_KEY);
    let text = doc(&format!(
        "Sends `key` in the `{}` header instead of a new key, on every attempt: to resend a call whose outcome stayed unknown, with the key its error gave (`Error::idempotency_key`). The server answers a repeat of a key with the first call's outcome.",
        idempotency.header
    ));
    quote! {
        #text
        pub fn #setter(mut self, key: impl Into<String>) -> Self {
            self.#options = ::std::mem::take(&mut self.#options).idempotency_key(key);
            self
        }
    }
}

/// `send_bytes()` and `send_stream()` for operations answering CSV.
fn csv_methods(op: &Operation, error: &proc_macro2::Ident) -> TokenStream {
    let rt = rt();
    let Some(f) = csv_response(op) else {
        return quote!();
    };
    let row = to_ident(&f.row);
    let err_ty = quote!(#rt::Error<super::errors::#error>);
    let stat = csv_static(&format_ident!("CSV_FORMAT"), f);
    let text = text_result_static(op.success.text_result.as_ref());
    let bytes_out = if op.success.download {
        quote!(#rt::Download<#rt::bytes::Bytes>)
    } else {
        quote!(#rt::bytes::Bytes)
    };
    let bytes_value = if op.success.download {
        quote!(Ok(#rt::Download { file_name: response.file_name(), content: bytes }))
    } else {
        quote!(Ok(bytes))
    };
    quote! {
        /// Sends the request and returns the CSV file's bytes as received
        /// (after the `ERROR:`/`OK:` conventions are applied), undecoded.
        pub async fn send_bytes(self) -> Result<#bytes_out, #err_ty> {
            #text
            let (client, request) = #rt::call::prepare(self).await?;
            let response = client.send(request).await?;
            if !(200..=299).contains(&response.status()) {
                return Err(#rt::FromResponse::from_response(response));
            }
            let bytes = response.csv_bytes(&TEXT_RESULT, super::errors::#error::Rejected)?;
            #bytes_value
        }

        /// Sends the request and reads the CSV rows as they arrive: memory
        /// stays flat however large the file is.
        pub async fn send_stream(self) -> Result<#rt::csv::CsvStream<super::types::#row>, #err_ty> {
            #stat
            #text
            let (client, request) = #rt::call::prepare(self).await?;
            let response = client.send_streaming(request).await?;
            if !(200..=299).contains(&response.status()) {
                let response = response.buffer().await?;
                return Err(#rt::FromResponse::from_response(response));
            }
            response.into_csv_stream(&CSV_FORMAT, &TEXT_RESULT, super::errors::#error::Rejected).await
        }
    }
}

pub(super) fn outcome_tokens(kind: OutcomeKind) -> TokenStream {
    let rt = rt();
    match kind {
        OutcomeKind::Success => quote!(#rt::OutcomeKind::Success),
        OutcomeKind::Partial => quote!(#rt::OutcomeKind::Partial),
        OutcomeKind::Error => quote!(#rt::OutcomeKind::Error),
    }
}

/// `static ENVELOPE: EnvelopeSpec` for an operation's declared envelope.
pub(super) fn envelope_static(envelope: Option<&Envelope>) -> TokenStream {
    let rt = rt();
    let Some(env) = envelope else {
        return quote!();
    };
    let code = lit(&env.code);
    let data = lit(&env.data);
    let text = match &env.text {
        Some(t) => {
            let t = lit(t);
            quote!(Some(#t))
        }
        None => quote!(None),
    };
    let codes = env.codes.iter().map(|(code, kind, meaning)| {
        let (code, meaning, kind) = (lit(code), lit(meaning), outcome_tokens(*kind));
        quote!(#rt::CodeMeaning { code: #code, outcome: #kind, meaning: #meaning })
    });
    let rules = env.rules.iter().map(|(conds, kind)| {
        let kind = outcome_tokens(*kind);
        let conds = conds.iter().map(|c| {
            let path = lit(&c.path);
            let equals = match &c.equals {
                Some(e) => {
                    let e = lit(e);
                    quote!(Some(#e))
                }
                None => quote!(None),
            };
            let non_empty = c.non_empty;
            quote!(#rt::Condition { path: #path, equals: #equals, non_empty: #non_empty })
        });
        quote!(#rt::Rule { when: &[#(#conds),*], outcome: #kind })
    });
    quote! {
        static ENVELOPE: #rt::EnvelopeSpec = #rt::EnvelopeSpec {
            code: #code,
            text: #text,
            data: #data,
            codes: &[#(#codes),*],
            rules: &[#(#rules),*],
        };
    }
}

/// Checks made in `send()` before anything is sent: parameter constraints and the body.
pub(super) fn request_validation(op: &Operation, validated: &Validated) -> TokenStream {
    let rt = rt();
    let params: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let id = to_ident(&p.rust_name);
            value_validation(
                &p.wire_name,
                quote!(self.#id),
                &p.ty,
                p.required,
                false,
                &p.constraints,
                validated,
            )
        })
        .filter(|ts| !ts.is_empty())
        .collect();
    let params = if params.is_empty() {
        quote!()
    } else {
        quote! {
            let mut validator = #rt::Validator::new();
            {
                let v = &mut validator;
                #(#params)*
            }
            validator.finish().map_err(#rt::Error::Validation)?;
        }
    };
    let body = match &op.body {
        Some(b)
            if matches!(b.encoding, BodyEncoding::Json | BodyEncoding::Form)
                && has_named(&b.ty, validated) =>
        {
            let id = to_ident(&b.rust_name);
            quote!(#rt::validate(&self.#id).map_err(#rt::Error::Validation)?;)
        }
        _ => quote!(),
    };
    quote!(#params #body)
}
