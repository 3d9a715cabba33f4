//! Stage 4, emit: [`Api`] → tokens. Emitted code names nothing but
//! `::pasarela_runtime` and the standard prelude, so it can be included
//! anywhere (build.rs output, `generated/`, a user's crate).

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::ident::{self, to_ident};
use crate::ir::*;

const RT: &str = "::pasarela_runtime";

fn rt() -> TokenStream {
    quote!(::pasarela_runtime)
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
}

/// Emits the whole file's items.
pub fn emit(api: &Api) -> TokenStream {
    let _ = RT;
    let api_static = api_info(api);
    let client = client(api);
    let builder = client_builder(api);
    let types: Vec<TokenStream> = api
        .types
        .iter()
        .map(|t| {
            let def = type_def(t);
            let validate = validate_impl(t);
            quote!(#def #validate)
        })
        .collect();
    let errors: Vec<TokenStream> = api.operations.iter().map(error_enum).collect();
    let requests: Vec<TokenStream> = api.operations.iter().map(request_builder).collect();
    quote! {
        #api_static
        #client
        #builder
        /// Models: the request and response bodies of this API.
        pub mod types {
            #(#types)*
        }
        /// One error enum per operation: the error responses the spec declares.
        pub mod errors {
            #(#errors)*
        }
        /// One request builder per operation; await it or call `send()`.
        pub mod requests {
            #(#requests)*
        }
    }
}

/// `#[doc = ...]` attributes for free text from the spec. Text is made safe
/// for rustdoc: no code fences or indented blocks (they would become doctests).
fn doc(text: &str) -> TokenStream {
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.trim().replace("```", "'''"))
        .collect();
    let attrs = lines.iter().map(|l| {
        let line = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#attrs)*)
}

fn opt_doc(text: Option<&str>) -> TokenStream {
    text.map(doc).unwrap_or_default()
}

fn lit(s: &str) -> Literal {
    Literal::string(s)
}

fn type_tokens(ty: &TypeRef, scope: Scope) -> TokenStream {
    let rt = rt();
    match ty {
        TypeRef::String => quote!(String),
        TypeRef::Secret => quote!(#rt::Secret),
        TypeRef::Bool => quote!(bool),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F64 => quote!(f64),
        TypeRef::Decimal { .. } => quote!(#rt::Decimal),
        TypeRef::Json => quote!(#rt::serde_json::Value),
        TypeRef::Bytes => quote!(#rt::bytes::Bytes),
        TypeRef::Named(name) => {
            let id = to_ident(name);
            match scope {
                Scope::Types => quote!(#id),
                Scope::Root => quote!(types::#id),
                Scope::Sibling => quote!(super::types::#id),
            }
        }
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

fn api_info(api: &Api) -> TokenStream {
    let rt = rt();
    let title = lit(&api.title);
    let base = match api.servers.first() {
        Some(url) => {
            let url = lit(url);
            quote!(Some(#url))
        }
        None => quote!(None),
    };
    let schemes = api.security_schemes.iter().map(|s| {
        let name = lit(&s.name);
        let kind = match &s.kind {
            SchemeKind::ApiKey { location, param } => {
                let loc = match location {
                    KeyLocation::Header => quote!(Header),
                    KeyLocation::Query => quote!(Query),
                    KeyLocation::Form => quote!(Form),
                };
                let param = lit(param);
                quote!(#rt::SecuritySchemeKind::ApiKey { location: #rt::ApiKeyLocation::#loc, param: #param })
            }
            SchemeKind::HttpBasic => quote!(#rt::SecuritySchemeKind::HttpBasic),
            SchemeKind::HttpBearer => quote!(#rt::SecuritySchemeKind::HttpBearer),
            SchemeKind::OAuth2ClientCredentials { token_url, scopes } => {
                let url = lit(token_url);
                let scopes = scopes.iter().map(|s| lit(s));
                quote!(#rt::SecuritySchemeKind::OAuth2ClientCredentials { token_url: #url, scopes: &[#(#scopes),*] })
            }
        };
        quote!(#rt::SecurityScheme { name: #name, kind: #kind })
    });
    let doc_line = format!(
        " What the runtime needs to know about {}: default base URL and security schemes.",
        api.title
    );
    quote! {
        #[doc = #doc_line]
        pub static API: #rt::ApiInfo = #rt::ApiInfo {
            title: #title,
            default_base_url: #base,
            security_schemes: &[#(#schemes),*],
        };
    }
}

fn client(api: &Api) -> TokenStream {
    let rt = rt();
    let mut head = format!("A client for {}", api.title);
    if !api.version.is_empty() {
        head.push_str(&format!(" (version {})", api.version));
    }
    head.push_str(". Cheap to clone; clones share connections and credentials.");
    let head_doc = doc(&head);
    let api_doc = opt_doc(api.description.as_deref());
    let methods = api.operations.iter().map(client_method);
    quote! {
        #head_doc
        #[doc = ""]
        #api_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            inner: #rt::Client,
        }

        impl Client {
            /// Starts configuring a client.
            pub fn builder() -> ClientBuilder {
                ClientBuilder { inner: #rt::ClientBuilder::new(&API) }
            }

            /// The runtime client underneath, for advanced use.
            pub fn runtime(&self) -> &#rt::Client {
                &self.inner
            }

            #(#methods)*
        }
    }
}

fn operation_doc(op: &Operation) -> TokenStream {
    let mut text = String::new();
    if let Some(s) = &op.summary {
        text.push_str(s);
        text.push_str("\n\n");
    }
    if let Some(d) = &op.description {
        if op.summary.as_deref() != Some(d.as_str()) {
            text.push_str(d);
            text.push_str("\n\n");
        }
    }
    text.push_str(&format!(
        "`{} {}` (operationId `{}`).",
        op.method.as_str().to_uppercase(),
        op.path,
        op.id
    ));
    if op.moves_money {
        text.push_str("\n\nThis call moves money: it is never retried automatically, and an error whose `outcome_unknown()` is true means the server may have acted on it.");
    }
    doc(&text)
}

fn positional(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| p.required)
}

fn optional(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| !p.required)
}

/// The argument type for a parameter value: strings take `impl Into<String>`.
fn arg_type(ty: &TypeRef, scope: Scope) -> (TokenStream, bool) {
    match ty {
        TypeRef::String => (quote!(impl Into<String>), true),
        other => (type_tokens(other, scope), false),
    }
}

fn client_method(op: &Operation) -> TokenStream {
    let name = to_ident(&op.method_name);
    let builder = to_ident(&op.builder_name);
    let docs = operation_doc(op);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for p in positional(op) {
        let id = to_ident(&p.rust_name);
        let (ty, into) = arg_type(&p.ty, Scope::Root);
        args.push(quote!(#id: #ty));
        inits.push(if into {
            quote!(#id: #id.into())
        } else {
            quote!(#id)
        });
    }
    if let Some(body) = &op.body {
        let id = to_ident(&body.rust_name);
        let ty = type_tokens(&body.ty, Scope::Root);
        args.push(quote!(#id: #ty));
        inits.push(quote!(#id));
    }
    for p in optional(op) {
        let id = to_ident(&p.rust_name);
        inits.push(quote!(#id: None));
    }
    let allow = if args.len() > 6 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        quote!()
    };
    quote! {
        #docs
        #allow
        pub fn #name(&self, #(#args),*) -> requests::#builder {
            requests::#builder { client: self.clone(), #(#inits),* }
        }
    }
}

fn client_builder(api: &Api) -> TokenStream {
    let rt = rt();
    let base_doc = match api.servers.first() {
        Some(url) => format!(" The base URL every path is appended to (default: `{url}`)."),
        None => {
            " The base URL every path is appended to. Required: this API has no default server."
                .to_string()
        }
    };
    let schemes = api.security_schemes.iter().map(scheme_methods);
    quote! {
        /// Configures a [`Client`]: base URL, credentials, timeouts and retries.
        #[derive(Debug)]
        #[must_use]
        pub struct ClientBuilder {
            inner: #rt::ClientBuilder,
        }

        impl ClientBuilder {
            #[doc = #base_doc]
            pub fn base_url(mut self, url: impl Into<String>) -> Self {
                self.inner = self.inner.base_url(url);
                self
            }

            /// How long to wait for a TCP/TLS connection.
            pub fn connect_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.inner = self.inner.connect_timeout(timeout);
                self
            }

            /// How long one HTTP attempt may take.
            pub fn attempt_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.inner = self.inner.attempt_timeout(timeout);
                self
            }

            /// How long a whole call may take, retries and token fetches included.
            pub fn total_timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.inner = self.inner.total_timeout(timeout);
                self
            }

            /// When to retry (only idempotent operations that move no money are ever retried).
            pub fn retry_policy(mut self, policy: #rt::RetryPolicy) -> Self {
                self.inner = self.inner.retry_policy(policy);
                self
            }

            /// The `User-Agent` header.
            pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
                self.inner = self.inner.user_agent(user_agent);
                self
            }

            /// Use this `reqwest::Client` (proxies, TLS roots, pools) instead of building one.
            pub fn http_client(mut self, client: #rt::reqwest::Client) -> Self {
                self.inner = self.inner.http_client(client);
                self
            }

            /// Allow credentials over plain `http://` to a host that is not loopback.
            pub fn allow_insecure_http(mut self, allow: bool) -> Self {
                self.inner = self.inner.allow_insecure_http(allow);
                self
            }

            #(#schemes)*

            /// Builds the client, checking the configuration.
            pub fn build(self) -> Result<Client, #rt::BuildError> {
                Ok(Client { inner: self.inner.build()? })
            }
        }
    }
}

fn scheme_methods(s: &SecurityScheme) -> TokenStream {
    let rt = rt();
    let name = lit(&s.name);
    let p = &s.method_prefix;
    let m = |base: &str| to_ident(&format!("{p}{base}"));
    let about = s
        .description
        .as_deref()
        .map(|d| format!("\n\n{d}"))
        .unwrap_or_default();
    match &s.kind {
        SchemeKind::OAuth2ClientCredentials { token_url, .. } => {
            let cc = m("oauth2_client_credentials");
            let url = m("oauth2_token_url");
            let scopes = m("oauth2_scopes");
            let d1 = doc(&format!(
                "OAuth2 client credentials for scheme `{}`: the client fetches and caches tokens from `{token_url}`.{about}",
                s.name
            ));
            quote! {
                #d1
                pub fn #cc(mut self, client_id: impl Into<String>, client_secret: impl Into<#rt::Secret>) -> Self {
                    self.inner = self.inner.oauth2_client_credentials(#name, client_id, client_secret);
                    self
                }

                /// Overrides the token URL declared in the spec.
                pub fn #url(mut self, url: impl Into<String>) -> Self {
                    self.inner = self.inner.oauth2_token_url(#name, url);
                    self
                }

                /// Scopes to request with each token (none by default).
                pub fn #scopes(mut self, scopes: Vec<String>) -> Self {
                    self.inner = self.inner.oauth2_scopes(#name, scopes);
                    self
                }
            }
        }
        SchemeKind::ApiKey { param, .. } => {
            let f = m("api_key");
            let d = doc(&format!(
                "The API key for scheme `{}` (sent as `{param}`).{about}",
                s.name
            ));
            quote! {
                #d
                pub fn #f(mut self, key: impl Into<#rt::Secret>) -> Self {
                    self.inner = self.inner.api_key(#name, key);
                    self
                }
            }
        }
        SchemeKind::HttpBasic => {
            let f = m("basic_auth");
            let d = doc(&format!(
                "HTTP Basic credentials for scheme `{}`.{about}",
                s.name
            ));
            quote! {
                #d
                pub fn #f(mut self, user: impl Into<String>, password: impl Into<#rt::Secret>) -> Self {
                    self.inner = self.inner.basic_auth(#name, user, password);
                    self
                }
            }
        }
        SchemeKind::HttpBearer => {
            let f = m("bearer_token");
            let d = doc(&format!("A bearer token for scheme `{}`.{about}", s.name));
            quote! {
                #d
                pub fn #f(mut self, token: impl Into<#rt::Secret>) -> Self {
                    self.inner = self.inner.bearer_token(#name, token);
                    self
                }
            }
        }
    }
}

fn serde_attrs(f: &Field) -> TokenStream {
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
        (TypeRef::I64 | TypeRef::I32, true) => Some("lenient_i64"),
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
fn field_type(f: &Field) -> TokenStream {
    let ty = match (&f.ty, f.lenient) {
        (TypeRef::I32, true) => TypeRef::I64,
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

fn derives(extra: TokenStream) -> TokenStream {
    let rt = rt();
    quote! {
        #[derive(Debug, Clone, PartialEq, #extra #rt::serde::Serialize, #rt::serde::Deserialize)]
    }
}

fn type_def(t: &TypeDef) -> TokenStream {
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
        TypeKind::Struct(fields) => {
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
                #[serde(#crate_attr)]
                pub struct #name {
                    #(#fields)*
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
                #[serde(#crate_attr, untagged)]
                pub enum #name {
                    #(#vs)*
                }
            }
        }
        TypeKind::Enum { values, open } => {
            let idents: Vec<_> = values.iter().map(|(v, _)| to_ident(v)).collect();
            let wires: Vec<_> = values.iter().map(|(_, w)| lit(w)).collect();
            let derive = quote! {
                #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, #rt::serde::Serialize, #rt::serde::Deserialize)]
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
                        #(#[doc = concat!(" `", #wires, "`")] #idents,)*
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

fn error_enum(op: &Operation) -> TokenStream {
    let name = to_ident(&op.error_name);
    let head = format!(
        " Errors declared for `{}` (`{} {}`).",
        op.method_name.trim_start_matches("r#"),
        op.method.as_str().to_uppercase(),
        op.path
    );
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
        match e.matcher {
            StatusMatch::Exact(status) => {
                let d = format!(" HTTP {status}: {desc}");
                variants.push(quote!(#[doc = #d] #v(#body),));
                let text = lit(&format!("HTTP {status}: {desc}"));
                displays.push(quote!(Self::#v(_) => f.write_str(#text),));
            }
            StatusMatch::Range(..) | StatusMatch::Default => {
                let d = format!(" {desc} (any other status)");
                variants.push(quote!(#[doc = #d] #v { status: u16, body: #body },));
                let escaped = desc.replace('{', "{{").replace('}', "}}");
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
    }
    let display_body = if displays.is_empty() {
        quote!(match *self {})
    } else {
        quote!(match self { #(#displays)* })
    };
    quote! {
        #[doc = #head]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #name {
            #(#variants)*
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #display_body
            }
        }

        impl ::std::error::Error for #name {}
    }
}

fn value_to_string(ty: &TypeRef, value: TokenStream) -> TokenStream {
    match ty {
        TypeRef::String => quote!(#value.clone()),
        _ => quote!(#value.to_string()),
    }
}

fn add_param(p: &Param, value: TokenStream) -> TokenStream {
    let wire = lit(&p.wire_name);
    let call = match p.location {
        ParamLocation::Path => quote!(path_param),
        ParamLocation::Query => quote!(query),
        ParamLocation::Header => quote!(header),
    };
    match &p.ty {
        TypeRef::Vec(inner) => {
            let item = value_to_string(inner, quote!(item));
            quote!(for item in #value.iter() { request.#call(#wire, #item); })
        }
        ty => {
            let v = value_to_string(ty, value);
            quote!(request.#call(#wire, #v);)
        }
    }
}

fn request_builder(op: &Operation) -> TokenStream {
    let rt = rt();
    let name = to_ident(&op.builder_name);
    let error = to_ident(&op.error_name);
    let head = format!(
        " A `{} {}` request; set optional parameters, then `.await` it or call [`send`](Self::send).",
        op.method.as_str().to_uppercase(),
        op.path
    );
    let output = match (&op.success.ty, &op.success.envelope) {
        (Some(t), Some(_)) => {
            let t = type_tokens(t, Scope::Sibling);
            quote!(#rt::Outcome<#t>)
        }
        (Some(t), None) => type_tokens(t, Scope::Sibling),
        (None, _) => quote!(()),
    };
    let result = quote!(Result<#output, #rt::Error<super::errors::#error>>);

    let mut fields = vec![quote!(pub(super) client: super::Client,)];
    let mut setters = Vec::new();
    let mut adds = Vec::new();
    for p in &op.params {
        let id = to_ident(&p.rust_name);
        let ty = type_tokens(&p.ty, Scope::Sibling);
        if p.required {
            fields.push(quote!(pub(super) #id: #ty,));
            adds.push(add_param(p, quote!(self.#id)));
        } else {
            fields.push(quote!(pub(super) #id: Option<#ty>,));
            let (arg, into) = arg_type(&p.ty, Scope::Sibling);
            let set = if into {
                quote!(Some(value.into()))
            } else {
                quote!(Some(value))
            };
            let pdoc = opt_doc(p.description.as_deref());
            let wire = format!(
                " Sets the optional {} parameter `{}`.",
                location_word(p.location),
                p.wire_name
            );
            setters.push(quote! {
                #pdoc
                #[doc = ""]
                #[doc = #wire]
                pub fn #id(mut self, value: #arg) -> Self {
                    self.#id = #set;
                    self
                }
            });
            let inner = add_param(p, quote!(value));
            adds.push(quote!(if let Some(value) = &self.#id { #inner }));
        }
    }
    if let Some(body) = &op.body {
        let id = to_ident(&body.rust_name);
        let ty = type_tokens(&body.ty, Scope::Sibling);
        fields.push(quote!(pub(super) #id: #ty,));
        let ct = lit(&body.content_type);
        adds.push(match body.encoding {
            BodyEncoding::Json => {
                quote!(request.json_body(&self.#id).map_err(#rt::Error::from_encode)?;)
            }
            BodyEncoding::Text => quote!(request.text_body(#ct, self.#id.clone());),
            BodyEncoding::Bytes => quote!(request.bytes_body(#ct, self.#id.clone());),
        });
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
    let op_id = lit(&op.id);
    let path = lit(&op.path);
    let security = op.security.iter().map(|s| lit(s));
    let idempotent = op.idempotent;
    let moves_money = op.moves_money;
    let outcome_reference = match &op.outcome_reference {
        Some(p) => {
            let p = lit(p);
            quote!(Some(#p))
        }
        None => quote!(None),
    };
    let validation = request_validation(op);

    let success_arm = success_arm(op, &error);
    let error_arms = op.errors.iter().map(|e| {
        let v = to_ident(&e.variant);
        let decode = |wrap: TokenStream| match &e.ty {
            Some(_) => quote!(Err(response.api_error(#wrap))),
            None => quote!({
                let body = response.text_lossy();
                Err(#rt::Error::Api { status, error: (#wrap)(body) })
            }),
        };
        match e.matcher {
            StatusMatch::Exact(s) => {
                let s = Literal::u16_unsuffixed(s);
                let d = decode(quote!(super::errors::#error::#v));
                quote!(#s => #d,)
            }
            StatusMatch::Range(lo, hi) => {
                let (lo, hi) = (Literal::u16_unsuffixed(lo), Literal::u16_unsuffixed(hi));
                let d = decode(quote!(|body| super::errors::#error::#v { status, body }));
                quote!(#lo..=#hi => #d,)
            }
            StatusMatch::Default => {
                let d = decode(quote!(|body| super::errors::#error::#v { status, body }));
                quote!(_ => #d,)
            }
        }
    });
    let has_default = op.errors.iter().any(|e| e.matcher == StatusMatch::Default);
    let fallback = if has_default {
        quote!()
    } else {
        quote!(_ => Err(response.unexpected()),)
    };
    let mutable = if adds.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };

    quote! {
        #[doc = #head]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent or awaited"]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #(#setters)*

            /// Sends the request and decodes the response.
            pub async fn send(self) -> #result {
                static OPERATION: #rt::Operation = #rt::Operation {
                    id: #op_id,
                    method: #rt::HttpMethod::#method,
                    path: #path,
                    security: &[#(#security),*],
                    idempotent: #idempotent,
                    moves_money: #moves_money,
                    outcome_reference: #outcome_reference,
                };
                #validation
                let #mutable request = #rt::Request::new(&OPERATION);
                #(#adds)*
                let response = self.client.inner.send(request).await?;
                let status = response.status();
                match status {
                    #success_arm
                    #(#error_arms)*
                    #fallback
                }
            }
        }

        impl ::std::future::IntoFuture for #name {
            type Output = #result;
            type IntoFuture = ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    }
}

fn location_word(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}

fn success_arm(op: &Operation, error: &proc_macro2::Ident) -> TokenStream {
    let rt = rt();
    let decode = match (op.success.decoding, &op.success.ty) {
        (ResponseDecoding::None, _) | (_, None) => quote!({
            let _ = response;
            Ok(())
        }),
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
        (ResponseDecoding::Text, Some(_)) => quote!({
            String::from_utf8(response.into_body().to_vec()).map_err(|e| #rt::Error::Decode {
                status,
                path: String::new(),
                message: format!("the response is not valid UTF-8: {e}"),
                excerpt: String::new(),
            })
        }),
        (ResponseDecoding::Bytes, Some(_)) => quote!(Ok(response.into_body())),
    };
    quote!(200..=299 => #decode,)
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
        _ => quote!(*code != 0),
    };
    let fail = quote!(return Err(#rt::Error::Api { status, error: super::errors::#error::ErrorInBody(value) }););
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

fn outcome_tokens(kind: OutcomeKind) -> TokenStream {
    let rt = rt();
    match kind {
        OutcomeKind::Success => quote!(#rt::OutcomeKind::Success),
        OutcomeKind::Partial => quote!(#rt::OutcomeKind::Partial),
        OutcomeKind::Error => quote!(#rt::OutcomeKind::Error),
    }
}

/// `static ENVELOPE: EnvelopeSpec` for an operation's declared envelope.
fn envelope_static(envelope: Option<&Envelope>) -> TokenStream {
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

/// True when a value of this type may hold generated types that validate themselves.
fn has_named(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(_) => true,
        TypeRef::Vec(inner) | TypeRef::Map(inner) => has_named(inner),
        _ => false,
    }
}

/// Checks on `value` (a reference to a value of type `ty`) from `c`.
fn checks(ty: &TypeRef, c: &Constraints) -> Vec<TokenStream> {
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
            TypeRef::I32 | TypeRef::I64 => {
                if let Ok(n) = b.value.parse::<i64>() {
                    let n = Literal::i64_suffixed(n);
                    out.push(if is_min {
                        quote!(v.minimum_i64(i64::from(*value), #n, #exclusive);)
                    } else {
                        quote!(v.maximum_i64(i64::from(*value), #n, #exclusive);)
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
fn value_validation(wire: &str, access: TokenStream, ty: &TypeRef, required: bool, boxed: bool, c: &Constraints) -> TokenStream {
    let rt = rt();
    let mut body = checks(ty, c);
    if has_named(ty) {
        body.push(quote!(#rt::Validate::validate(value, v);));
    }
    if body.is_empty() {
        return quote!();
    }
    let wire = lit(wire);
    let deref = if boxed { quote!(let value = &**value;) } else { quote!() };
    if required {
        quote!(v.at(#wire, |v| { let value = &#access; #deref #(#body)* });)
    } else {
        quote!(if let Some(value) = &#access { v.at(#wire, |v| { #deref #(#body)* }); })
    }
}

/// `impl Validate` for a generated type.
fn validate_impl(t: &TypeDef) -> TokenStream {
    let rt = rt();
    let name = to_ident(&t.name);
    let body = match &t.kind {
        TypeKind::Alias(_) => return quote!(),
        TypeKind::Enum { .. } => quote!(),
        TypeKind::Union(variants) => {
            let arms = variants.iter().map(|(variant, _)| {
                let id = to_ident(variant);
                quote!(Self::#id(value) => #rt::Validate::validate(value, v),)
            });
            quote!(match self { #(#arms)* })
        }
        TypeKind::Struct(fields) => {
            let checks: Vec<TokenStream> = fields
                .iter()
                .map(|f| {
                    let id = to_ident(&f.rust_name);
                    value_validation(&f.wire_name, quote!(self.#id), &f.ty, f.required, f.boxed, &f.constraints)
                })
                .filter(|ts| !ts.is_empty())
                .collect();
            quote!(#(#checks)*)
        }
    };
    let arg = if body.is_empty() { quote!(_v) } else { quote!(v) };
    quote! {
        impl #rt::Validate for #name {
            fn validate(&self, #arg: &mut #rt::Validator) {
                #body
            }
        }
    }
}

/// Checks made in `send()` before anything is sent: parameter constraints and the body.
fn request_validation(op: &Operation) -> TokenStream {
    let rt = rt();
    let params: Vec<TokenStream> = op
        .params
        .iter()
        .map(|p| {
            let id = to_ident(&p.rust_name);
            value_validation(&p.wire_name, quote!(self.#id), &p.ty, p.required, false, &p.constraints)
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
        Some(b) if b.encoding == BodyEncoding::Json && has_named(&b.ty) => {
            let id = to_ident(&b.rust_name);
            quote!(#rt::validate(&self.#id).map_err(#rt::Error::Validation)?;)
        }
        _ => quote!(),
    };
    quote!(#params #body)
}
