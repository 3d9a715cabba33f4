//! Client configuration checks and redaction of secrets.

mod common;

use common::*;
use pasarela_runtime::{BuildError, ClientBuilder, Secret};

#[test]
fn no_base_url_says_what_to_call() {
    let err = ClientBuilder::new(&API).build().unwrap_err();
    assert!(matches!(err, BuildError::NoBaseUrl { .. }));
    assert!(
        err.to_string().contains("no base URL: call .base_url(...)"),
        "{err}"
    );
}

#[test]
fn default_base_url_is_used_and_trimmed() {
    let c = ClientBuilder::new(&API_WITH_DEFAULT).build().unwrap();
    assert_eq!(c.base_url(), "https://api.example.com/v1");
    let c = ClientBuilder::new(&API_WITH_DEFAULT)
        .base_url("https://sandbox.example.com/")
        .build()
        .unwrap();
    assert_eq!(c.base_url(), "https://sandbox.example.com");
}

#[test]
fn invalid_base_urls() {
    for url in [
        "not a url",
        "ftp://example.com",
        "https://example.com/v1?x=1",
        "https://user:pw@example.com",
    ] {
        let err = ClientBuilder::new(&API).base_url(url).build().unwrap_err();
        assert!(
            matches!(err, BuildError::InvalidBaseUrl { .. }),
            "{url}: {err:?}"
        );
        assert!(err.to_string().contains("hint"), "{err}");
    }
}

#[test]
fn plain_http_with_credentials_is_refused_unless_opted_in() {
    let err = ClientBuilder::new(&API)
        .base_url("http://api.example.com/v1")
        .api_key("headerKey", "k")
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::InsecureHttp { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(".allow_insecure_http(true)"), "{text}");
    assert!(text.contains("api.example.com"), "{text}");

    ClientBuilder::new(&API)
        .base_url("http://api.example.com/v1")
        .api_key("headerKey", "k")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    // Without credentials there is nothing to protect.
    ClientBuilder::new(&API)
        .base_url("http://api.example.com/v1")
        .build()
        .unwrap();
    // Loopback is fine.
    for base in [
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9",
    ] {
        ClientBuilder::new(&API)
            .base_url(base)
            .basic_auth("basic", "u", "p")
            .build()
            .unwrap();
    }
}

#[test]
fn plain_http_token_url_is_refused_unless_opted_in() {
    let b = || {
        ClientBuilder::new(&API)
            .base_url("https://api.example.com")
            .oauth2_client_credentials("oauth", CLIENT_ID, CLIENT_SECRET)
            .oauth2_token_url("oauth", "http://auth.example.com/token")
    };
    let err = b().build().unwrap_err();
    assert!(matches!(err, BuildError::InsecureHttp { .. }), "{err:?}");
    assert!(err.to_string().contains("token URL"), "{err}");
    assert!(err.to_string().contains(".allow_insecure_http(true)"));
    b().allow_insecure_http(true).build().unwrap();
}

#[test]
fn unknown_scheme_lists_known_ones() {
    let err = ClientBuilder::new(&API)
        .base_url("https://api.example.com")
        .api_key("nope", "k")
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::UnknownScheme { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("`nope`") && text.contains("headerKey"),
        "{text}"
    );
}

#[test]
fn wrong_kind_of_credential() {
    let err = ClientBuilder::new(&API)
        .base_url("https://api.example.com")
        .api_key("oauth", "k")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, BuildError::SchemeKindMismatch { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("OAuth2"), "{text}");
    assert!(
        text.contains(".oauth2_client_credentials(\"oauth\""),
        "{text}"
    );

    let err = ClientBuilder::new(&API)
        .base_url("https://api.example.com")
        .oauth2_token_url("basic", "https://x.example.com/token")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, BuildError::SchemeKindMismatch { .. }),
        "{err:?}"
    );
}

#[test]
fn invalid_header_credential_is_reported_without_value() {
    let err = ClientBuilder::new(&API)
        .base_url("https://api.example.com")
        .api_key("headerKey", "line\nbreak-SECRET")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, BuildError::InvalidCredential { .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("SECRET"));
}

#[test]
fn debug_never_shows_secrets() {
    let secrets = [
        "oauth-SECRET-1",
        "key-SECRET-2",
        "pw-SECRET-3",
        "bearer-SECRET-4",
    ];
    let builder = ClientBuilder::new(&API)
        .base_url("https://api.example.com")
        .oauth2_client_credentials("oauth", CLIENT_ID, secrets[0])
        .api_key("queryKey", secrets[1])
        .basic_auth("basic", "user", secrets[2])
        .bearer_token("bearer", secrets[3]);
    let builder_dbg = format!("{builder:?}");
    let client = builder.build().unwrap();
    let client_dbg = format!("{client:?}");
    for s in secrets {
        assert!(!builder_dbg.contains(s), "builder leaks {s}: {builder_dbg}");
        assert!(!client_dbg.contains(s), "client leaks {s}: {client_dbg}");
    }
    assert!(builder_dbg.contains("***"));
    assert!(client_dbg.contains("***"));
    assert!(client_dbg.contains("api.example.com"));

    let secret = Secret::new("plain-SECRET");
    assert_eq!(format!("{secret:?}"), "***");
    assert_eq!(format!("{secret}"), "***");
    assert_eq!(secret.expose(), "plain-SECRET");
    assert_eq!(Secret::from("a"), Secret::from(String::from("a")));
    let json = serde_json::to_string(&secret).unwrap();
    assert_eq!(json, "\"plain-SECRET\"");
    let back: Secret = serde_json::from_str(&json).unwrap();
    assert_eq!(back, secret);
}
