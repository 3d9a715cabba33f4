//! Credentials: as given to the builder, and as applied to a request
//! (static credentials when it is prepared, OAuth2 tokens per attempt).

use std::convert::Infallible;

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, AUTHORIZATION};
use tokio::time::Instant;

use super::pipeline::with_deadline;
use super::Inner;
use crate::api::{ApiKeyLocation, Operation, SecuritySchemeKind};
use crate::auth::Credential;
use crate::error::{AuthError, Error};
use crate::secret::Secret;

/// Where the static credentials of a request go.
pub(super) struct CredentialSink<'s, 'a> {
    pub(super) headers: &'s mut HeaderMap,
    pub(super) query: &'s mut Vec<(&'a str, &'a str)>,
    pub(super) cookies: &'s mut Vec<(&'a str, &'a str)>,
    pub(super) form_keys: &'s mut Vec<(&'static str, &'a str, &'static str)>,
}

/// A credential as given to the builder.
#[derive(Debug, Clone)]
pub(super) enum CredentialInput {
    ApiKey(Secret),
    Basic {
        user: String,
        password: Secret,
    },
    Bearer(Secret),
    OAuth2 {
        client_id: String,
        client_secret: Secret,
    },
}

impl CredentialInput {
    pub(super) fn method(&self) -> &'static str {
        match self {
            CredentialInput::ApiKey(_) => "api_key",
            CredentialInput::Basic { .. } => "basic_auth",
            CredentialInput::Bearer(_) => "bearer_token",
            CredentialInput::OAuth2 { .. } => "oauth2_client_credentials",
        }
    }

    /// Every form in which this credential's secret may come back from a
    /// server that echoes the request: the secret itself and, for the
    /// `user:password` pairs, their Basic-auth encoding.
    pub(super) fn secrets(&self) -> Vec<String> {
        let basic = |user: &str, secret: &Secret| {
            base64::engine::general_purpose::STANDARD
                .encode(format!("{user}:{}", secret.expose()).as_bytes())
        };
        match self {
            CredentialInput::ApiKey(key) | CredentialInput::Bearer(key) => {
                vec![key.expose().to_owned()]
            }
            CredentialInput::Basic { user, password } => {
                vec![password.expose().to_owned(), basic(user, password)]
            }
            CredentialInput::OAuth2 {
                client_id,
                client_secret,
            } => vec![
                client_secret.expose().to_owned(),
                basic(client_id, client_secret),
            ],
        }
    }

    pub(super) fn fits(&self, kind: &SecuritySchemeKind) -> bool {
        matches!(
            (self, kind),
            (
                CredentialInput::ApiKey(_),
                SecuritySchemeKind::ApiKey { .. }
            ) | (CredentialInput::Basic { .. }, SecuritySchemeKind::HttpBasic)
                | (CredentialInput::Bearer(_), SecuritySchemeKind::HttpBearer)
                | (
                    CredentialInput::OAuth2 { .. },
                    SecuritySchemeKind::OAuth2ClientCredentials { .. }
                )
        )
    }
}

impl Inner {
    /// Applies the static credentials of the operation's first security
    /// alternative whose schemes all have a credential: API keys go in
    /// `out.headers`, `out.query`, `out.cookies` or `out.form_keys` (field
    /// name, key, scheme), basic and bearer credentials in `Authorization`.
    /// Returns the OAuth2 scheme whose token each attempt must send, if any.
    pub(super) fn apply_credentials<'a>(
        &'a self,
        op: &Operation,
        out: &mut CredentialSink<'_, 'a>,
    ) -> Result<Option<&'static str>, Error<Infallible>> {
        if op.security.is_empty() {
            return Ok(None);
        }
        let usable = op.security.iter().find(|alternative| {
            alternative
                .iter()
                .all(|scheme| self.credentials.contains_key(scheme))
        });
        let Some(alternative) = usable else {
            return Err(Error::Auth(self.missing_credentials(op)));
        };
        // The first scheme that sets `Authorization` wins (two schemes that
        // both need it cannot be sent together).
        let mut authorization = false;
        let mut oauth = None;
        for scheme in alternative.iter() {
            let Some((&name, credential)) = self.credentials.get_key_value(scheme) else {
                continue;
            };
            match credential {
                Credential::ApiKey {
                    location: ApiKeyLocation::Header,
                    param,
                    header: Some(value),
                    ..
                } => {
                    if let Ok(hn) = HeaderName::from_bytes(param.as_bytes()) {
                        out.headers.insert(hn, value.clone());
                    }
                }
                Credential::ApiKey {
                    location: ApiKeyLocation::Query,
                    param,
                    key,
                    ..
                } => out.query.push((param, key.expose())),
                Credential::ApiKey {
                    location: ApiKeyLocation::Cookie,
                    param,
                    key,
                    ..
                } => out.cookies.push((param, key.expose())),
                Credential::ApiKey {
                    location: ApiKeyLocation::Form,
                    param,
                    key,
                    ..
                } => out.form_keys.push((param, key.expose(), name)),
                Credential::ApiKey { .. } => {}
                Credential::Authorization(value) => {
                    if !authorization {
                        authorization = true;
                        out.headers.insert(AUTHORIZATION, value.clone());
                    }
                }
                Credential::OAuth2(cache) => {
                    if !authorization {
                        authorization = true;
                        oauth = Some(cache.scheme());
                    }
                }
            }
        }
        Ok(oauth)
    }

    /// The OAuth2 tokens currently cached (to scrub from answers that echo
    /// them).
    pub(super) fn live_tokens(&self) -> Vec<String> {
        self.credentials
            .values()
            .filter_map(|c| match c {
                Credential::OAuth2(cache) => cache.current(),
                _ => None,
            })
            .collect()
    }

    pub(super) async fn oauth_token(
        &self,
        scheme: &'static str,
        deadline: Option<Instant>,
    ) -> Result<Secret, Error<Infallible>> {
        let Some(Credential::OAuth2(cache)) = self.credentials.get(scheme) else {
            return Err(Error::InvalidRequest(format!(
                "security scheme `{scheme}` has no OAuth2 credentials"
            )));
        };
        with_deadline(deadline, cache.token()).await?
    }

    pub(super) async fn invalidate(
        &self,
        scheme: &'static str,
        used: &Secret,
        deadline: Option<Instant>,
    ) -> Result<(), Error<Infallible>> {
        if let Some(Credential::OAuth2(cache)) = self.credentials.get(scheme) {
            with_deadline(deadline, cache.invalidate(used)).await?;
        }
        Ok(())
    }

    fn missing_credentials(&self, op: &Operation) -> AuthError {
        let mut described = Vec::new();
        let mut hints = Vec::new();
        for alternative in op.security {
            let mut all = Vec::new();
            let mut calls = Vec::new();
            for name in alternative.iter() {
                match self.api.scheme(name) {
                    Some(s) => {
                        all.push(format!("`{}` ({})", s.name, s.kind.describe()));
                        calls.push(s.builder_call());
                    }
                    None => all.push(format!("`{name}`")),
                }
            }
            if !all.is_empty() {
                described.push(all.join(" together with "));
                hints.push(calls.join(" plus "));
            }
        }
        AuthError::MissingCredentials {
            operation: op.id,
            schemes: if described.len() == 1 {
                format!("security scheme {}", described.join(""))
            } else {
                format!("one of the security schemes {}", described.join(", "))
            },
            hint: if hints.is_empty() {
                "the matching credential method".to_owned()
            } else {
                hints.join(" or ")
            },
        }
    }
}
