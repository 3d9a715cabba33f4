//! The `Client`, its builder, and the static API description.

use proc_macro2::TokenStream;
use quote::quote;

use super::{doc, doc_line, lit, opt_doc, rt, type_tokens, Scope};
use crate::ident::to_ident;
use crate::ir::*;

pub(super) fn api_info(api: &Api) -> TokenStream {
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
                    KeyLocation::Cookie => quote!(Cookie),
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
        let args = match &s.kind {
            SchemeKind::ApiKey { .. } => "key",
            SchemeKind::HttpBasic => "user, password",
            SchemeKind::HttpBearer => "token",
            SchemeKind::OAuth2ClientCredentials { .. } => "client_id, client_secret",
        };
        let call = lit(&format!(
            ".{}{}({args})",
            s.method_prefix,
            s.kind.builder_method()
        ));
        quote!(#rt::SecurityScheme { builder_call: Some(#call), name: #name, kind: #kind })
    });
    let api_doc = doc_line(&format!(
        " What the runtime needs to know about {}: default base URL and security schemes.",
        api.title
    ));
    quote! {
        #[doc = #api_doc]
        pub static API: #rt::ApiInfo = #rt::ApiInfo {
            title: #title,
            default_base_url: #base,
            security_schemes: &[#(#schemes),*],
        };
    }
}

pub(super) fn client(api: &Api) -> TokenStream {
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

pub(super) fn operation_doc(op: &Operation) -> TokenStream {
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
    if let Some(idempotency) = &op.idempotency {
        text.push_str(&format!(
            "\n\nEach call sends an idempotency key in `{}` (the same on every attempt), so it is retried where a repeat is safe under the key. An error whose `outcome_unknown()` is true carries the key (`idempotency_key()`): resending with it is safe.",
            idempotency.header
        ));
    } else if op.moves_money {
        text.push_str("\n\nThis call moves money: it is never retried automatically, and an error whose `outcome_unknown()` is true means the server may have acted on it.");
    } else if op.send_once {
        text.push_str("\n\nThis call must not be repeated (it creates what a second call would create again): it is never retried automatically, and an error whose `outcome_unknown()` is true means the server may have acted on it.");
    }
    doc(&text)
}

pub(super) fn positional(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| p.required)
}

pub(super) fn optional(op: &Operation) -> impl Iterator<Item = &Param> {
    op.params.iter().filter(|p| !p.required)
}

/// The argument type for a parameter value: strings take `impl Into<String>`.
pub(super) fn arg_type(ty: &TypeRef, scope: Scope) -> (TokenStream, bool) {
    match ty {
        TypeRef::String => (quote!(impl Into<String>), true),
        other => (type_tokens(other, scope), false),
    }
}

pub(super) fn client_method(op: &Operation) -> TokenStream {
    let name = to_ident(&op.method_name);
    let builder = to_ident(&op.builder_name);
    let docs = operation_doc(op);
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for p in positional(op) {
        let id = to_ident(&p.rust_name);
        let (ty, into) = super::requests::param_arg(p, Scope::Root);
        args.push(quote!(#id: #ty));
        inits.push(if into {
            quote!(#id: #id.into())
        } else {
            quote!(#id)
        });
    }
    if let Some(body) = op
        .body
        .as_ref()
        .filter(|b| b.encoding != BodyEncoding::Multipart && !op.form_fields_flattened())
    {
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
            requests::#builder { client: ::std::clone::Clone::clone(self), options: ::std::default::Default::default(), #(#inits),* }
        }
    }
}

pub(super) fn client_builder(api: &Api) -> TokenStream {
    let rt = rt();
    let base_doc = match api.servers.first() {
        Some(url) => doc_line(&format!(
            " The base URL every path is appended to (default: `{url}`)."
        )),
        None => {
            " The base URL every path is appended to. Required: this API has no default server."
                .to_string()
        }
    };
    let schemes = api.security_schemes.iter().map(scheme_methods);
    quote! {
        /// Configures a [`Client`]: base URL, credentials, timeouts and retries.
        /// `Clone`, so one configuration can build several clients.
        #[derive(Debug, Clone)]
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

            #rt::client_builder_methods!();

            #(#schemes)*

            /// Builds the client, checking the configuration.
            pub fn build(self) -> Result<Client, #rt::BuildError> {
                Ok(Client { inner: self.inner.build()? })
            }
        }
    }
}

pub(super) fn scheme_methods(s: &SecurityScheme) -> TokenStream {
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
            let cc = m(s.kind.builder_method());
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
            let f = m(s.kind.builder_method());
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
            let f = m(s.kind.builder_method());
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
            let f = m(s.kind.builder_method());
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
