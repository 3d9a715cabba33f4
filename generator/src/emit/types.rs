//! Models: structs, enums, unions and aliases, with their `Validate` impls.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{doc, doc_line, lit, opt_doc, rt, type_tokens, Scope};
use crate::ident::{self, to_ident};
use crate::ir::*;

pub(super) fn serde_attrs(f: &Field) -> TokenStream {
    let rt_path = "::pasarela_runtime::serde_util";
    let mut parts: Vec<TokenStream> = Vec::new();
    if ident::bare(&f.rust_name) != f.wire_name {
        let w = lit(&f.wire_name);
        parts.push(quote!(rename = #w));
    }
    if !f.required {
        parts.push(quote!(default));
        parts.push(quote!(skip_serializing_if = "Option::is_none"));
    }
    let helper = match (&f.ty, f.lenient) {
        (TypeRef::String, _) if f.string_as_number => Some("string_as_number"),
        (TypeRef::Decimal { wire_number: true }, _) => Some("decimal_number"),
        (TypeRef::Decimal { wire_number: false }, _) => Some("decimal_string"),
        (TypeRef::String, true) => Some("lenient_string"),
        (TypeRef::I64 | TypeRef::I32 | TypeRef::U32 | TypeRef::U64, true) => Some("lenient_i64"),
        (TypeRef::Bool, true) => Some("lenient_bool"),
        _ => None,
    };
    if let (Some(h), false) = (helper, f.boxed) {
        let suffix = if f.required { "" } else { "_opt" };
        let path = lit(&format!("{rt_path}::{h}{suffix}"));
        parts.push(quote!(with = #path));
    }
    if parts.is_empty() {
        quote!()
    } else {
        quote!(#[serde(#(#parts),*)])
    }
}

/// A lenient `i32` is widened to `i64` so one helper serves both.
pub(super) fn field_type(f: &Field) -> TokenStream {
    let ty = match (&f.ty, f.lenient) {
        // No lenient reader for u64: a lenient `uint64` field reads as i64.
        (TypeRef::I32 | TypeRef::U32 | TypeRef::U64, true) => TypeRef::I64,
        (t, _) => t.clone(),
    };
    let mut t = type_tokens(&ty, Scope::Types);
    if f.boxed {
        t = quote!(Box<#t>);
    }
    if f.required {
        t
    } else {
        quote!(Option<#t>)
    }
}

pub(super) fn derives(extra: TokenStream) -> TokenStream {
    // `Serialize`/`Deserialize` are imported at the top of `mod types`
    // (and reserved as type names), so the attribute fits on one line.
    quote! {
        #[derive(Debug, Clone, PartialEq, #extra Serialize, Deserialize)]
    }
}

pub(super) fn type_def(t: &TypeDef) -> TokenStream {
    let rt = rt();
    let name = to_ident(&t.name);
    let docs = opt_doc(t.doc.as_deref());
    let crate_attr = quote!(crate = "::pasarela_runtime::serde");
    match &t.kind {
        TypeKind::Alias(target) => {
            let target = type_tokens(target, Scope::Types);
            quote! {
                #docs
                pub type #name = #target;
            }
        }
        TypeKind::IntegerEnum { repr, values } => {
            let repr = type_tokens(repr, Scope::Types);
            let consts = values.iter().map(|(constant, value)| {
                let id = to_ident(constant);
                let doc = lit(&doc_line(&format!(" `{value}`")));
                let value: TokenStream = value.parse().unwrap_or_else(|_| quote!(0));
                quote! {
                    #[doc = #doc]
                    pub const #id: Self = Self(#value);
                }
            });
            quote! {
                #docs
                #[doc = ""]
                #[doc = " The named values are constants (`match` on them); any other value the server sends is kept as is."]
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
                #[serde(#crate_attr, transparent)]
                pub struct #name(pub #repr);

                impl #name {
                    #(#consts)*
                }
            }
        }
        TypeKind::Struct(fields) => {
            // Deeply nested field types (maps of maps of lists) are what the
            // spec says; naming each layer would only move the complexity.
            let complex = fields
                .iter()
                .any(|f| nesting(&f.ty) + usize::from(!f.required) >= 3);
            let allow = if complex {
                quote!(#[allow(clippy::type_complexity)])
            } else {
                quote!()
            };
            let all_optional = fields.iter().all(|f| !f.required);
            let derive = derives(if all_optional {
                quote!(Default,)
            } else {
                quote!()
            });
            let fields = fields.iter().map(|f| {
                let id = to_ident(&f.rust_name);
                let ty = field_type(f);
                let attrs = serde_attrs(f);
                let fdoc = opt_doc(f.doc.as_deref());
                quote! {
                    #fdoc
                    #attrs
                    pub #id: #ty,
                }
            });
            quote! {
                #docs
                #derive
                #allow
                #[serde(#crate_attr)]
                pub struct #name {
                    #(#fields)*
                }
            }
        }
        TypeKind::Tagged(tagged) => {
            let rt_util = quote!(::pasarela_runtime::serde_util);
            let property = lit(&tagged.property);
            let vs = tagged.variants.iter().map(|(v, tags, ty)| {
                let id = to_ident(v);
                let ty = type_tokens(ty, Scope::Types);
                let tag_doc = lit(&doc_line(&format!(
                    " `{}`: {}",
                    tagged.property,
                    tags.iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
                if tagged.tag_outside {
                    // One tag per member when the tag is implied.
                    let tag = lit(tags.first().map_or("", String::as_str));
                    quote!(#[doc = #tag_doc] #[serde(rename = #tag)] #id(#ty),)
                } else {
                    quote!(#[doc = #tag_doc] #id(#ty),)
                }
            });
            let arms = tagged.variants.iter().map(|(v, tags, _)| {
                let id = to_ident(v);
                let tags = tags.iter().map(|t| lit(t));
                quote!(#(#tags)|* => #rt_util::tagged_variant(value).map(Self::#id),)
            });
            let derive = quote! {
                #[derive(Debug, Clone, PartialEq, Serialize)]
            };
            // Variants whose types leave the tag out are encoded with it
            // (serde's internal tagging); the others encode as they are.
            let (representation, unknown_attr) = if tagged.tag_outside {
                (quote!(tag = #property), quote!(#[serde(untagged)]))
            } else {
                (quote!(untagged), quote!())
            };
            quote! {
                #docs
                #[doc = ""]
                #[doc = " Decoded by the value of its tag property, as the spec maps it; an object with a tag this client does not know is kept whole as `Unknown`."]
                #derive
                #[allow(clippy::large_enum_variant)]
                #[serde(#crate_attr, #representation)]
                pub enum #name {
                    #(#vs)*
                    /// An object whose tag this client does not know, kept as sent.
                    #unknown_attr
                    Unknown(#rt::serde_json::Value),
                }

                impl<'de> #rt::serde::Deserialize<'de> for #name {
                    fn deserialize<D: #rt::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                        let (tag, value) = #rt_util::tagged(deserializer, #property)?;
                        match tag.as_str() {
                            #(#arms)*
                            _ => Ok(Self::Unknown(value)),
                        }
                    }
                }
            }
        }
        TypeKind::Responses(variants) => {
            let vs = variants.iter().map(|(v, ty)| {
                let id = to_ident(v);
                match ty {
                    Some(ty) => {
                        let ty = type_tokens(ty, Scope::Types);
                        quote!(#id(#ty),)
                    }
                    None => quote!(#id,),
                }
            });
            quote! {
                #docs
                #[doc = ""]
                #[doc = " One variant per documented success status."]
                #[derive(Debug, Clone)]
                #[allow(clippy::large_enum_variant)]
                pub enum #name {
                    #(#vs)*
                }
            }
        }
        TypeKind::Union(variants) => {
            let derive = derives(quote!());
            let vs = variants.iter().map(|(v, ty)| {
                let id = to_ident(v);
                let ty = type_tokens(ty, Scope::Types);
                quote!(#id(#ty),)
            });
            quote! {
                #docs
                #[doc = ""]
                #[doc = " Decoded by trying each variant in order; the first that fits wins."]
                #derive
                #[allow(clippy::large_enum_variant)]
                #[serde(#crate_attr, untagged)]
                pub enum #name {
                    #(#vs)*
                }
            }
        }
        TypeKind::Enum {
            values,
            open,
            value_docs: docs_of_values,
        } => {
            let idents: Vec<_> = values.iter().map(|(v, _)| to_ident(v)).collect();
            let wires: Vec<_> = values.iter().map(|(_, w)| lit(w)).collect();
            let value_docs: Vec<_> = values
                .iter()
                .map(|(_, w)| {
                    let about = docs_of_values
                        .iter()
                        .find(|(value, _)| value == w)
                        .map(|(_, text)| doc(text))
                        .unwrap_or_default();
                    let wire = lit(&doc_line(&format!(" `{w}`")));
                    if about.is_empty() {
                        quote!(#[doc = #wire])
                    } else {
                        quote!(#[doc = #wire] #[doc = ""] #about)
                    }
                })
                .collect();
            let derive = quote! {
                #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
            };
            let display = quote! {
                impl ::std::fmt::Display for #name {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(self.as_str())
                    }
                }
            };
            if *open {
                quote! {
                    #docs
                    #[doc = ""]
                    #[doc = " Values this client does not know decode as `Unknown`, so a new value on the server does not break decoding."]
                    #derive
                    #[serde(#crate_attr, from = "String", into = "String")]
                    pub enum #name {
                        #(#value_docs #idents,)*
                        /// A value this client does not know yet, kept as sent.
                        Unknown(String),
                    }

                    impl #name {
                        /// The value as sent on the wire.
                        pub fn as_str(&self) -> &str {
                            match self {
                                #(Self::#idents => #wires,)*
                                Self::Unknown(value) => value,
                            }
                        }
                    }

                    impl From<String> for #name {
                        fn from(value: String) -> Self {
                            match value.as_str() {
                                #(#wires => Self::#idents,)*
                                _ => Self::Unknown(value),
                            }
                        }
                    }

                    impl From<#name> for String {
                        fn from(value: #name) -> Self {
                            match value {
                                #name::Unknown(value) => value,
                                known => known.as_str().to_string(),
                            }
                        }
                    }

                    #display
                }
            } else {
                quote! {
                    #docs
                    #derive
                    #[serde(#crate_attr)]
                    pub enum #name {
                        #(#[serde(rename = #wires)] #idents,)*
                    }

                    impl #name {
                        /// The value as sent on the wire.
                        pub fn as_str(&self) -> &str {
                            match self {
                                #(Self::#idents => #wires,)*
                            }
                        }
                    }

                    #display
                }
            }
        }
    }
}

/// True when a value of this type may hold generated types that validate themselves.
pub(super) fn has_named(ty: &TypeRef, validated: &Validated) -> bool {
    match ty {
        TypeRef::Named(name) => validated.contains(name),
        TypeRef::Vec(inner) | TypeRef::Map(inner) => has_named(inner, validated),
        _ => false,
    }
}

/// The named types whose values can fail validation: those with a
/// constraint of their own or a field, item or variant of such a type.
/// Every other type keeps `Validate`'s no-op default, and nothing calls it.
pub(super) type Validated = std::collections::HashSet<String>;

/// Computes [`Validated`] for an API's types (a fixed point: a type joins
/// when something it holds has joined).
pub(super) fn validated_types(types: &[TypeDef]) -> Validated {
    // Types with a constraint of their own join first; the loop adds the
    // types that hold them.
    let mut set: Validated = types
        .iter()
        .filter(|t| match &t.kind {
            TypeKind::Struct(fields) => fields
                .iter()
                .any(|f| !checks(&f.ty, &f.constraints).is_empty()),
            _ => false,
        })
        .map(|t| t.name.clone())
        .collect();
    loop {
        let before = set.len();
        for t in types {
            if set.contains(&t.name) {
                continue;
            }
            let needs = match &t.kind {
                TypeKind::Struct(fields) => fields.iter().any(|f| has_named(&f.ty, &set)),
                TypeKind::Alias(target) => has_named(target, &set),
                TypeKind::Union(variants) => variants.iter().any(|(_, ty)| has_named(ty, &set)),
                TypeKind::Tagged(tagged) => {
                    tagged.variants.iter().any(|(_, _, ty)| has_named(ty, &set))
                }
                TypeKind::Enum { .. } | TypeKind::IntegerEnum { .. } | TypeKind::Responses(_) => {
                    false
                }
            };
            if needs {
                set.insert(t.name.clone());
            }
        }
        if set.len() == before {
            return set;
        }
    }
}

/// Checks on `value` (a reference to a value of type `ty`) from `c`.
pub(super) fn checks(ty: &TypeRef, c: &Constraints) -> Vec<TokenStream> {
    let mut out = Vec::new();
    let text = match ty {
        TypeRef::String => Some(quote!(value.as_str())),
        TypeRef::Secret => Some(quote!(value.expose())),
        _ => None,
    };
    if let Some(text) = &text {
        if let Some(p) = &c.pattern {
            let p = lit(p);
            out.push(quote!(v.pattern(#text, #p);));
        }
        if let Some(n) = c.min_length {
            out.push(quote!(v.min_length(#text, #n);));
        }
        if let Some(n) = c.max_length {
            out.push(quote!(v.max_length(#text, #n);));
        }
        if c.email {
            out.push(quote!(v.email(#text);));
        }
    }
    let bounds = [(&c.minimum, true), (&c.maximum, false)];
    for (bound, is_min) in bounds {
        let Some(b) = bound else { continue };
        let exclusive = b.exclusive;
        match ty {
            TypeRef::I32 | TypeRef::U32 | TypeRef::I64 | TypeRef::U64 => {
                let as_i64 = match ty {
                    TypeRef::I32 | TypeRef::U32 => quote!(i64::from(*value)),
                    // Bounds in a spec fit in i64; a larger value is past any of them.
                    TypeRef::U64 => quote!(i64::try_from(*value).unwrap_or(i64::MAX)),
                    _ => quote!(*value),
                };
                if let Ok(n) = b.value.parse::<i64>() {
                    // An unsigned type already holds `minimum: 0`.
                    let unsigned = matches!(ty, TypeRef::U32 | TypeRef::U64);
                    if is_min && unsigned && (n < 0 || (n == 0 && !exclusive)) {
                        continue;
                    }
                    let n = Literal::i64_suffixed(n);
                    out.push(if is_min {
                        quote!(v.minimum_i64(#as_i64, #n, #exclusive);)
                    } else {
                        quote!(v.maximum_i64(#as_i64, #n, #exclusive);)
                    });
                }
            }
            TypeRef::Decimal { .. } => {
                let n = lit(&b.value);
                out.push(if is_min {
                    quote!(v.minimum_decimal(value, #n, #exclusive);)
                } else {
                    quote!(v.maximum_decimal(value, #n, #exclusive);)
                });
            }
            _ => {}
        }
    }
    if matches!(ty, TypeRef::Vec(_)) {
        if let Some(n) = c.min_items {
            out.push(quote!(v.min_items(value.len(), #n);));
        }
        if let Some(n) = c.max_items {
            out.push(quote!(v.max_items(value.len(), #n);));
        }
    }
    out
}

/// The validation of one field or parameter, or nothing when there is nothing to check.
pub(super) fn value_validation(
    wire: &str,
    access: TokenStream,
    ty: &TypeRef,
    required: bool,
    boxed: bool,
    c: &Constraints,
    validated: &Validated,
) -> TokenStream {
    let rt = rt();
    let body = checks(ty, c);
    let nested = has_named(ty, validated);
    let wire = lit(wire);
    if body.is_empty() {
        // Only what the value's own type checks: one call (`Option`, `Box`
        // and collections implement `Validate` by delegating).
        return if nested {
            quote!(v.field(#wire, &#access);)
        } else {
            quote!()
        };
    }
    let nested = if nested {
        quote!(#rt::Validate::validate(value, v);)
    } else {
        quote!()
    };
    let deref = if boxed {
        quote!(let value = &**value;)
    } else {
        quote!()
    };
    if required {
        quote!(v.at(#wire, |v| { let value = &#access; #deref #(#body)* #nested });)
    } else {
        quote!(if let Some(value) = &#access { v.at(#wire, |v| { #deref #(#body)* #nested }); })
    }
}

/// `impl Validate` for a generated type.
pub(super) fn validate_impl(t: &TypeDef, validated: &Validated) -> TokenStream {
    let rt = rt();
    let name = to_ident(&t.name);
    let body = match &t.kind {
        TypeKind::Alias(_) | TypeKind::Responses(_) => return quote!(),
        _ if !validated.contains(&t.name) => quote!(),
        TypeKind::Enum { .. } | TypeKind::IntegerEnum { .. } => quote!(),
        TypeKind::Union(variants) => {
            let arms = variants.iter().map(|(variant, _)| {
                let id = to_ident(variant);
                quote!(Self::#id(value) => #rt::Validate::validate(value, v),)
            });
            quote!(match self { #(#arms)* })
        }
        TypeKind::Tagged(tagged) => {
            let arms = tagged.variants.iter().map(|(variant, _, _)| {
                let id = to_ident(variant);
                quote!(Self::#id(value) => #rt::Validate::validate(value, v),)
            });
            quote!(match self { #(#arms)* Self::Unknown(_) => {} })
        }
        TypeKind::Struct(fields) => {
            let checks: Vec<TokenStream> = fields
                .iter()
                .map(|f| {
                    let id = to_ident(&f.rust_name);
                    value_validation(
                        &f.wire_name,
                        quote!(self.#id),
                        &f.ty,
                        f.required,
                        f.boxed,
                        &f.constraints,
                        validated,
                    )
                })
                .filter(|ts| !ts.is_empty())
                .collect();
            quote!(#(#checks)*)
        }
    };
    // A type without constraints keeps the trait's default (no check).
    if body.is_empty() {
        return quote!(impl #rt::Validate for #name {});
    }
    quote! {
        impl #rt::Validate for #name {
            fn validate(&self, v: &mut #rt::Validator) {
                #body
            }
        }
    }
}

/// `impl CsvRow` for a struct used as the row of a CSV file: columns in
/// property order, each field written and parsed as text.
pub(super) fn csv_row_impl(t: &TypeDef) -> TokenStream {
    let rt = rt();
    let TypeKind::Struct(fields) = &t.kind else {
        return quote!();
    };
    let name = to_ident(&t.name);
    let columns = fields.iter().map(|f| lit(&f.wire_name));
    let omittable = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.csv_omittable)
        .map(|(i, _)| Literal::usize_unsuffixed(i));
    let to_fields = fields.iter().map(|f| {
        let id = to_ident(&f.rust_name);
        match (&f.ty, f.required) {
            (TypeRef::String, true) => quote!(self.#id.clone()),
            (TypeRef::String, false) => quote!(self.#id.clone().unwrap_or_default()),
            (TypeRef::Secret, true) => quote!(self.#id.expose().to_string()),
            (TypeRef::Secret, false) => {
                quote!(self.#id.as_ref().map(|s| s.expose().to_string()).unwrap_or_default())
            }
            (_, true) => quote!(self.#id.to_string()),
            (_, false) => quote!(self.#id.as_ref().map(ToString::to_string).unwrap_or_default()),
        }
    });
    let from_fields = fields.iter().enumerate().map(|(i, f)| {
        let id = to_ident(&f.rust_name);
        let index = Literal::usize_unsuffixed(i);
        let column = lit(&f.wire_name);
        let value = match (&f.ty, f.required) {
            (TypeRef::String, true) => quote!(#rt::csv::field_required(fields, #index, #column)?),
            (TypeRef::String, false) => quote!(#rt::csv::field_text(fields, #index)),
            (TypeRef::Secret, true) => {
                quote!(#rt::Secret::from(#rt::csv::field_required(fields, #index, #column)?))
            }
            (TypeRef::Secret, false) => {
                quote!(#rt::csv::field_text(fields, #index).map(#rt::Secret::from))
            }
            (TypeRef::Named(_), true) => {
                quote!(#rt::csv::field_required(fields, #index, #column)?.into())
            }
            (TypeRef::Named(_), false) => {
                quote!(#rt::csv::field_text(fields, #index).map(Into::into))
            }
            (_, true) => quote!(#rt::csv::field_parse_required(fields, #index, #column)?),
            (_, false) => quote!(#rt::csv::field_parse(fields, #index, #column)?),
        };
        quote!(#id: #value,)
    });
    quote! {
        impl #rt::csv::CsvRow for #name {
            const COLUMNS: &'static [&'static str] = &[#(#columns),*];
            const OMITTABLE: &'static [usize] = &[#(#omittable),*];

            fn to_fields(&self) -> Vec<String> {
                vec![#(#to_fields),*]
            }

            fn from_fields(fields: &[::std::borrow::Cow<'_, str>]) -> Result<Self, #rt::csv::CsvFieldError> {
                Ok(Self {
                    #(#from_fields)*
                })
            }
        }
    }
}

/// How many generic layers a type has (`Vec<BTreeMap<String, X>>` is 2).
fn nesting(ty: &TypeRef) -> usize {
    match ty {
        TypeRef::Vec(inner) | TypeRef::Map(inner) => 1 + nesting(inner),
        TypeRef::Csv(_) => 1,
        _ => 0,
    }
}
