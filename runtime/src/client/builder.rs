//! [`ClientBuilder`]: configuration, and the checks made when the client is
//! built (scheme names and kinds, base and token URLs, plain HTTP).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderName;
use url::{Host, Url};

use super::credentials::CredentialInput;
use super::{
    Client, Inner, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_USER_AGENT,
};
use crate::api::{ApiInfo, ApiKeyLocation, SecurityScheme, SecuritySchemeKind};
use crate::auth::{basic_header, bearer_header, sensitive_header, Credential, TokenCache};
use crate::error::{describe_reqwest, BuildError};
use crate::hook::Hook;
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// Configures and builds a [`Client`].
///
/// Credentials are keyed by the security scheme's name in the spec; every
/// mistake (unknown scheme, wrong kind, bad URL, credentials over plain
/// HTTP) is reported by [`build`](ClientBuilder::build). `Debug` never
/// shows a secret. `Clone`, so one configuration can build several clients.
#[derive(Clone)]
pub struct ClientBuilder {
    api: &'static ApiInfo,
    base_url: Option<String>,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    total_timeout: Option<Duration>,
    retry: RetryPolicy,
    max_body_bytes: u64,
    root_certificates: Vec<Vec<u8>>,
    user_agent: Option<String>,
    http: Option<reqwest::Client>,
    allow_insecure_http: bool,
    credentials: BTreeMap<String, CredentialInput>,
    token_urls: BTreeMap<String, String>,
    scopes: BTreeMap<String, Vec<String>>,
    hooks: Vec<Arc<dyn Hook>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api", &self.api.title)
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_timeout", &self.total_timeout)
            .field("retry", &self.retry)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("extra_root_certificates", &self.root_certificates.len())
            .field("user_agent", &self.user_agent)
            .field("custom_http_client", &self.http.is_some())
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("credentials", &self.credentials)
            .field("oauth2_token_urls", &self.token_urls)
            .field("oauth2_scopes", &self.scopes)
            .field("hooks", &self.hooks.len())
            .finish()
    }
}

impl ClientBuilder {
    /// A builder for the API described by `api`.
    pub fn new(api: &'static ApiInfo) -> Self {
        ClientBuilder {
            api,
            base_url: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            total_timeout: None,
            retry: RetryPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            root_certificates: Vec::new(),
            user_agent: None,
            http: None,
            allow_insecure_http: false,
            credentials: BTreeMap::new(),
            token_urls: BTreeMap::new(),
            scopes: BTreeMap::new(),
            hooks: Vec::new(),
        }
    }

    /// Adds a [`Hook`] that runs around every HTTP attempt of every call
    /// (tracing context propagation, metrics, custom headers). Hooks run in
    /// the order added.
    pub fn hook(mut self, hook: impl Hook) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// Sets the base URL that operation paths are appended to (a trailing
    /// `/` is ignored). Defaults to the API's declared server.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the connect timeout (default 10 s; never more than the attempt
    /// timeout). Ignored with a custom [`http_client`](ClientBuilder::http_client).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets the timeout of one HTTP attempt, from sending the request to
    /// reading the whole response (default 30 s). It also bounds each token
    /// request. For [`Client::send_streaming`] it bounds getting the
    /// response headers, and then the wait for each chunk of the body, never
    /// the whole download.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }

    /// Bounds a whole call: token fetch, every attempt and the waits between
    /// them (default: no bound).
    pub fn total_timeout(mut self, d: Duration) -> Self {
        self.total_timeout = Some(d);
        self
    }

    /// Sets the number of attempts (the first included) and keeps the rest
    /// of the retry policy: `.max_attempts(5)` for
    /// `.retry_policy(RetryPolicy::new(5))` with the current backoff.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.retry = self.retry.with_max_attempts(attempts);
        self
    }

    /// Sets the retry policy (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }

    /// Sets the largest response body read into memory (default
    /// [`DEFAULT_MAX_BODY_BYTES`], 32 MiB), for successes and errors alike:
    /// a larger `Content-Length` is refused before reading, and reading
    /// stops as soon as the count passes it, with
    /// [`Error::BodyTooLarge`](crate::Error::BodyTooLarge). Streamed CSV
    /// exports are bounded per record instead
    /// ([`MAX_RECORD_BYTES`](crate::csv::MAX_RECORD_BYTES)).
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Trusts the certificate authority in `pem` (PEM text) for HTTPS, beside
    /// the built-in roots: for a gateway with a private CA, or a test server
    /// with a self-signed certificate. A certificate that does not parse is
    /// [`BuildError::InvalidCertificate`]; a server whose certificate no
    /// trusted root vouches for fails each call with a transport error that
    /// says so. Ignored with a custom [`http_client`](ClientBuilder::http_client).
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Sets the `User-Agent` (default `pasarela/<version>`). Ignored with a
    /// custom [`http_client`](ClientBuilder::http_client).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Uses a caller-made [`reqwest::Client`]; its connect timeout, user
    /// agent, proxy, TLS and redirect settings are then the caller's
    /// business. (The default client follows no redirects: a client that
    /// does may forward API keys sent as custom headers or query parameters
    /// to the host a redirect names; reqwest only strips `Authorization`.)
    pub fn http_client(mut self, c: reqwest::Client) -> Self {
        self.http = Some(c);
        self
    }

    /// Allows credentials to be sent over plain `http` to hosts other than
    /// this machine (default: refused by [`build`](ClientBuilder::build)).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Configures OAuth2 client credentials for the security scheme named
    /// `scheme`.
    pub fn oauth2_client_credentials(
        mut self,
        scheme: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        self.credentials.insert(
            scheme.to_owned(),
            CredentialInput::OAuth2 {
                client_id: client_id.into(),
                client_secret: client_secret.into(),
            },
        );
        self
    }

    /// Overrides the token URL the spec declares for the OAuth2 scheme
    /// `scheme`.
    pub fn oauth2_token_url(mut self, scheme: &str, url: impl Into<String>) -> Self {
        self.token_urls.insert(scheme.to_owned(), url.into());
        self
    }

    /// Sets the scopes requested for the OAuth2 scheme `scheme` (default:
    /// no `scope` parameter is sent).
    pub fn oauth2_scopes(mut self, scheme: &str, scopes: Vec<String>) -> Self {
        self.scopes.insert(scheme.to_owned(), scopes);
        self
    }

    /// Configures the API key of the security scheme `scheme`; it is sent
    /// where the scheme says (header, query parameter or form field).
    pub fn api_key(mut self, scheme: &str, key: impl Into<Secret>) -> Self {
        self.credentials
            .insert(scheme.to_owned(), CredentialInput::ApiKey(key.into()));
        self
    }

    /// Configures HTTP basic credentials for the security scheme `scheme`.
    pub fn basic_auth(
        mut self,
        scheme: &str,
        user: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        self.credentials.insert(
            scheme.to_owned(),
            CredentialInput::Basic {
                user: user.into(),
                password: password.into(),
            },
        );
        self
    }

    /// Configures a static bearer token for the security scheme `scheme`.
    pub fn bearer_token(mut self, scheme: &str, token: impl Into<Secret>) -> Self {
        self.credentials
            .insert(scheme.to_owned(), CredentialInput::Bearer(token.into()));
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let api = self.api;
        let raw_base = match (&self.base_url, api.default_base_url) {
            (Some(u), _) => u.clone(),
            (None, Some(u)) => u.to_owned(),
            (None, None) => return Err(BuildError::NoBaseUrl { api: api.title }),
        };
        let base = parse_base_url(&raw_base)?;
        let base_url = base.as_str().trim_end_matches('/').to_owned();

        let known = || {
            let names: Vec<&str> = api.security_schemes.iter().map(|s| s.name).collect();
            if names.is_empty() {
                "no security schemes".to_owned()
            } else {
                names.join(", ")
            }
        };
        let lookup = |scheme: &str, method: &'static str| {
            api.scheme(scheme).ok_or_else(|| BuildError::UnknownScheme {
                scheme: scheme.to_owned(),
                method,
                api: api.title,
                known: known(),
            })
        };

        // OAuth2-only settings must name OAuth2 schemes.
        for (name, method) in self
            .token_urls
            .keys()
            .map(|n| (n, "oauth2_token_url"))
            .chain(self.scopes.keys().map(|n| (n, "oauth2_scopes")))
        {
            let scheme = lookup(name, method)?;
            if !matches!(
                scheme.kind,
                SecuritySchemeKind::OAuth2ClientCredentials { .. }
            ) {
                return Err(BuildError::SchemeKindMismatch {
                    scheme: name.clone(),
                    method,
                    actual: scheme.kind.describe(),
                    hint: scheme.builder_call(),
                });
            }
        }

        let insecure_ok =
            |url: &Url| self.allow_insecure_http || url.scheme() == "https" || is_loopback(url);
        if !self.credentials.is_empty() && !insecure_ok(&base) {
            return Err(BuildError::InsecureHttp {
                what: "base URL".to_owned(),
                host: host_of(&base),
            });
        }

        let http = match self.http {
            Some(c) => c,
            None => {
                let mut builder = reqwest::Client::builder();
                for (i, pem) in self.root_certificates.iter().enumerate() {
                    let invalid =
                        |message: String| BuildError::InvalidCertificate { index: i, message };
                    let certs = reqwest::Certificate::from_pem_bundle(pem)
                        .map_err(|e| invalid(describe_reqwest(&e)))?;
                    if certs.is_empty() {
                        return Err(invalid(
                            "no `-----BEGIN CERTIFICATE-----` block in it".to_owned(),
                        ));
                    }
                    for cert in certs {
                        builder = builder.add_root_certificate(cert);
                    }
                }
                builder
                    // A connection that is not made within the attempt timeout
                    // is reported as a connect timeout (nothing was sent), not
                    // as an attempt timeout that might have sent the request.
                    .connect_timeout(self.connect_timeout.min(self.attempt_timeout))
                    // Proxy environment variables are ignored: with them a
                    // loopback or internal base URL could still send credentials
                    // through a proxy. Pass your own client (`http_client`) to
                    // use one.
                    .no_proxy()
                    .user_agent(
                        self.user_agent
                            .unwrap_or_else(|| DEFAULT_USER_AGENT.to_owned()),
                    )
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| BuildError::HttpClient {
                        message: describe_reqwest(&e),
                        source: e,
                    })?
            }
        };

        let mut credentials = BTreeMap::new();
        let mut echoed = Vec::new();
        for (name, input) in self.credentials {
            echoed.extend(input.secrets());
            let scheme = lookup(&name, input.method())?;
            if !input.fits(&scheme.kind) {
                return Err(BuildError::SchemeKindMismatch {
                    scheme: name,
                    method: input.method(),
                    actual: scheme.kind.describe(),
                    hint: scheme.builder_call(),
                });
            }
            let invalid = |reason: String| BuildError::InvalidCredential {
                scheme: scheme.name.to_owned(),
                reason,
            };
            let credential = match (input, scheme.kind) {
                (CredentialInput::ApiKey(key), SecuritySchemeKind::ApiKey { location, param }) => {
                    let header = match location {
                        ApiKeyLocation::Header => {
                            HeaderName::from_bytes(param.as_bytes()).map_err(|_| {
                                invalid(format!("`{param}` is not a valid header name"))
                            })?;
                            Some(sensitive_header(key.expose()).map_err(invalid)?)
                        }
                        ApiKeyLocation::Query | ApiKeyLocation::Cookie | ApiKeyLocation::Form => {
                            None
                        }
                    };
                    Credential::ApiKey {
                        location,
                        param,
                        key,
                        header,
                    }
                }
                (CredentialInput::Basic { user, password }, _) => {
                    Credential::Authorization(basic_header(&user, &password).map_err(invalid)?)
                }
                (CredentialInput::Bearer(token), _) => {
                    Credential::Authorization(bearer_header(&token).map_err(invalid)?)
                }
                (
                    CredentialInput::OAuth2 {
                        client_id,
                        client_secret,
                    },
                    SecuritySchemeKind::OAuth2ClientCredentials { token_url, .. },
                ) => {
                    let raw = self
                        .token_urls
                        .get(scheme.name)
                        .cloned()
                        .unwrap_or_else(|| token_url.to_owned());
                    let url = parse_token_url(scheme, &raw, &base)?;
                    if !insecure_ok(&url) {
                        return Err(BuildError::InsecureHttp {
                            what: format!("OAuth2 token URL of security scheme `{}`", scheme.name),
                            host: host_of(&url),
                        });
                    }
                    Credential::OAuth2(Box::new(
                        TokenCache::new(
                            scheme.name,
                            url,
                            client_id,
                            &client_secret,
                            self.scopes.get(scheme.name).cloned(),
                            http.clone(),
                            self.attempt_timeout,
                            self.retry.clone(),
                        )
                        .map_err(invalid)?,
                    ))
                }
                // `fits` has already matched input and kind.
                (input, _) => {
                    return Err(BuildError::SchemeKindMismatch {
                        scheme: scheme.name.to_owned(),
                        method: input.method(),
                        actual: scheme.kind.describe(),
                        hint: scheme.builder_call(),
                    })
                }
            };
            credentials.insert(scheme.name, credential);
        }

        Ok(Client {
            inner: Arc::new(Inner {
                api,
                base_url,
                http,
                attempt_timeout: self.attempt_timeout,
                total_timeout: self.total_timeout,
                retry: self.retry,
                max_body_bytes: self.max_body_bytes,
                credentials,
                echoed: crate::scrub::Scrubber::new(echoed),
                hooks: self.hooks,
            }),
        })
    }
}

/// A URL as it may be shown in an error: user info and query removed (they
/// may hold credentials), whether or not it parses.
fn shown_url(raw: &str) -> String {
    let raw = raw.trim();
    let without_query = raw.split(['?', '#']).next().unwrap_or("");
    match without_query.split_once("://") {
        Some((scheme, rest)) => match rest
            .split('/')
            .next()
            .and_then(|authority| authority.rsplit_once('@'))
        {
            Some((_, host)) => {
                let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
                format!("{scheme}://***@{host}{path}")
            }
            None => without_query.to_owned(),
        },
        None => without_query.to_owned(),
    }
}

fn parse_base_url(raw: &str) -> Result<Url, BuildError> {
    let bad = |reason: &str| BuildError::InvalidBaseUrl {
        url: shown_url(raw),
        reason: reason.to_owned(),
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    check_http_url(&url).map_err(|r| bad(&r))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a base URL cannot have a query or a fragment"));
    }
    Ok(url)
}

fn parse_token_url(scheme: &SecurityScheme, raw: &str, base: &Url) -> Result<Url, BuildError> {
    let bad = |reason: String| BuildError::InvalidTokenUrl {
        scheme: scheme.name.to_owned(),
        hint: scheme.token_url_call(),
        url: shown_url(raw),
        reason,
    };
    let url = match Url::parse(raw.trim()) {
        Ok(u) => u,
        // A relative token URL is resolved against the base URL taken as a
        // directory (RFC 3986): `token` → `<base>/token`, `/token` → `<host>/token`.
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let mut dir = base.clone();
            if !dir.path().ends_with('/') {
                let path = format!("{}/", dir.path());
                dir.set_path(&path);
            }
            dir.join(raw.trim()).map_err(|e| bad(e.to_string()))?
        }
        Err(e) => return Err(bad(e.to_string())),
    };
    check_http_url(&url).map_err(bad)?;
    Ok(url)
}

fn check_http_url(url: &Url) -> Result<(), String> {
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "the scheme must be http or https, not `{}`",
            url.scheme()
        ));
    }
    if url.host().is_none() {
        return Err("the URL has no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "the URL must not carry user credentials; configure them with the builder's auth methods"
                .to_owned(),
        );
    }
    Ok(())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn host_of(url: &Url) -> String {
    url.host_str().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod shown_url_tests {
    use super::shown_url;

    #[test]
    fn credentials_and_queries_never_reach_errors() {
        assert_eq!(
            shown_url("https://user:pw@host.example/v1?key=k"),
            "https://***@host.example/v1"
        );
        assert_eq!(shown_url("http://host/x?token=t#f"), "http://host/x");
        assert_eq!(shown_url("not a url"), "not a url");
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::API;
    use super::*;

    #[test]
    fn relative_token_url_joins_base() {
        let base = Url::parse("https://example.invalid/v2").unwrap();
        let oauth = &API.security_schemes[1];
        let u =
            parse_token_url(oauth, "/oauth/token?grant_type=client_credentials", &base).unwrap();
        assert_eq!(
            u.as_str(),
            "https://example.invalid/oauth/token?grant_type=client_credentials"
        );
        let u = parse_token_url(oauth, "oauth/token", &base).unwrap();
        assert_eq!(u.as_str(), "https://example.invalid/v2/oauth/token");
        let e = parse_token_url(oauth, "ftp://x/token", &base).unwrap_err();
        assert!(
            e.to_string().contains(".oauth2_token_url(\"oauth\", url)"),
            "{e}"
        );
        let generated = SecurityScheme {
            builder_call: Some(".partner_oauth2_client_credentials(client_id, client_secret)"),
            ..*oauth
        };
        let e = parse_token_url(&generated, "ftp://x/token", &base).unwrap_err();
        assert!(
            e.to_string().contains(".partner_oauth2_token_url(url)"),
            "{e}"
        );
    }

    #[test]
    fn no_base_url() {
        let e = ClientBuilder::new(&API).build().unwrap_err();
        assert!(e.to_string().contains("call .base_url(...)"), "{e}");
    }

    #[test]
    fn loopback_detection() {
        for (u, expect) in [
            ("http://127.0.0.1:8080", true),
            ("http://127.1.2.3", true),
            ("http://[::1]:80", true),
            ("http://LOCALHOST", true),
            ("http://10.0.0.1", false),
            ("http://example.com", false),
        ] {
            assert_eq!(is_loopback(&Url::parse(u).unwrap()), expect, "{u}");
        }
    }
}

/// The configuration methods of a generated client's builder, written once:
/// expanded inside `impl ClientBuilder { … }` of a type whose field `inner`
/// is this crate's [`ClientBuilder`]. Each one forwards to the method of the
/// same name: timeouts, retries, user agent, HTTP client, insecure HTTP,
/// body limit, root certificates and hooks. The generated builder adds what
/// is its own: `base_url` (documented with the API's server), one method
/// per security scheme, and `build`.
#[macro_export]
macro_rules! client_builder_methods {
    () => {
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
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.inner = self.inner.retry_policy(policy);
            self
        }
        /// The `User-Agent` header.
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.inner = self.inner.user_agent(user_agent);
            self
        }
        /// Use this `reqwest::Client` (proxies, TLS roots, pools) instead of building one.
        ///
        /// The default client follows no redirects; one that does may forward
        /// header or query credentials (an API key) to the host it is sent to.
        pub fn http_client(mut self, client: $crate::reqwest::Client) -> Self {
            self.inner = self.inner.http_client(client);
            self
        }
        /// Allow credentials over plain `http://` to a host that is not loopback.
        pub fn allow_insecure_http(mut self, allow: bool) -> Self {
            self.inner = self.inner.allow_insecure_http(allow);
            self
        }
        /// The number of attempts for calls that may be retried (the first
        /// included; default 3), keeping the rest of the retry policy.
        pub fn max_attempts(mut self, attempts: u32) -> Self {
            self.inner = self.inner.max_attempts(attempts);
            self
        }
        /// The largest response body read into memory (default 32 MiB);
        /// a larger one is `Error::BodyTooLarge`.
        pub fn max_body_bytes(mut self, limit: u64) -> Self {
            self.inner = self.inner.max_body_bytes(limit);
            self
        }
        /// Trusts the certificate authority in `pem` for HTTPS (a private CA,
        /// a test server's self-signed certificate), beside the built-in roots.
        pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
            self.inner = self.inner.add_root_certificate_pem(pem);
            self
        }
        /// Adds a hook run around every HTTP attempt (tracing context
        /// propagation, metrics, custom headers); see [`Hook`]($crate::Hook).
        pub fn hook(mut self, hook: impl $crate::Hook) -> Self {
            self.inner = self.inner.hook(hook);
            self
        }
    };
}
