//! Shared fixtures for the runtime's integration tests: a made-up API with
//! one security scheme of every kind, and a few operations.
#![allow(dead_code)]

pub mod rows;

use std::time::Duration;

use pasarela_runtime::{
    ApiInfo, ApiKeyLocation, HttpMethod, Operation, RetryPolicy, SecurityScheme, SecuritySchemeKind,
};
use serde_json::json;
use wiremock::ResponseTemplate;

pub static SCHEMES: &[SecurityScheme] = &[
    SecurityScheme {
        builder_call: None,
        name: "oauth",
        kind: SecuritySchemeKind::OAuth2ClientCredentials {
            // Relative: resolved against the base URL's host.
            token_url: "/oauth/token?grant_type=client_credentials",
            scopes: &["read", "write"],
        },
    },
    SecurityScheme {
        builder_call: None,
        name: "headerKey",
        kind: SecuritySchemeKind::ApiKey {
            location: ApiKeyLocation::Header,
            param: "X-Api-Key",
        },
    },
    SecurityScheme {
        builder_call: None,
        name: "queryKey",
        kind: SecuritySchemeKind::ApiKey {
            location: ApiKeyLocation::Query,
            param: "hash",
        },
    },
    SecurityScheme {
        builder_call: None,
        name: "formKey",
        kind: SecuritySchemeKind::ApiKey {
            location: ApiKeyLocation::Form,
            param: "hash",
        },
    },
    SecurityScheme {
        builder_call: None,
        name: "basic",
        kind: SecuritySchemeKind::HttpBasic,
    },
    SecurityScheme {
        builder_call: None,
        name: "bearer",
        kind: SecuritySchemeKind::HttpBearer,
    },
];

pub static API: ApiInfo = ApiInfo {
    title: "Test API",
    default_base_url: None,
    security_schemes: SCHEMES,
};

pub static API_WITH_DEFAULT: ApiInfo = ApiInfo {
    title: "Test API with a server",
    default_base_url: Some("https://api.example.com/v1/"),
    security_schemes: SCHEMES,
};

const fn op(
    id: &'static str,
    method: HttpMethod,
    path: &'static str,
    security: &'static [&'static [&'static str]],
    idempotent: bool,
    moves_money: bool,
) -> Operation {
    Operation {
        id,
        method,
        path,
        security,
        idempotent,
        moves_money,
        send_once: moves_money,
        outcome_reference: None,
        idempotency: None,
    }
}

/// GET with OAuth2, retry-safe.
pub static GET_ITEM: Operation = op(
    "getItem",
    HttpMethod::Get,
    "/items/{itemId}",
    &[&["oauth"]],
    true,
    false,
);
/// POST with OAuth2 that moves money.
pub static PAY: Operation = op(
    "createPayment",
    HttpMethod::Post,
    "/payments",
    &[&["oauth"]],
    false,
    true,
);
/// GET without auth, retry-safe.
pub static GET_OPEN: Operation = op("getOpen", HttpMethod::Get, "/open/{id}", &[], true, false);
/// POST without auth, not idempotent, not money.
pub static POST_OPEN: Operation = op("postOpen", HttpMethod::Post, "/open", &[], false, false);
/// POST without auth that moves money, even though marked idempotent.
pub static PAY_OPEN: Operation = op("payOpen", HttpMethod::Post, "/pay", &[], true, true);
/// POST without auth that moves money and names the value to check its
/// outcome by.
pub static PAY_WITH_REFERENCE: Operation = Operation {
    id: "payWithReference",
    method: HttpMethod::Post,
    path: "/batches",
    security: &[],
    idempotent: false,
    moves_money: true,
    send_once: true,
    outcome_reference: Some("/batch/batchId"),
    idempotency: None,
};
/// Operations for each static credential kind.
pub static WITH_HEADER_KEY: Operation = op(
    "withHeaderKey",
    HttpMethod::Get,
    "/h",
    &[&["headerKey"]],
    true,
    false,
);
pub static WITH_QUERY_KEY: Operation = op(
    "withQueryKey",
    HttpMethod::Get,
    "/q",
    &[&["queryKey"]],
    true,
    false,
);
pub static WITH_FORM_KEY: Operation = op(
    "withFormKey",
    HttpMethod::Post,
    "/f",
    &[&["formKey"]],
    false,
    false,
);
pub static WITH_BASIC: Operation = op(
    "withBasic",
    HttpMethod::Get,
    "/b",
    &[&["basic"]],
    true,
    false,
);
pub static WITH_BEARER: Operation = op(
    "withBearer",
    HttpMethod::Get,
    "/t",
    &[&["bearer"]],
    true,
    false,
);
pub static WITH_EITHER: Operation = op(
    "withEither",
    HttpMethod::Get,
    "/e",
    &[&["bearer"], &["basic"]],
    true,
    false,
);

pub const CLIENT_ID: &str = "my-client";
pub const CLIENT_SECRET: &str = "very-secret-client-secret";

/// A quick retry policy for tests.
pub fn fast_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy::new(attempts)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(40))
}

/// A token response in the shape a real gateway sends: `expires_in` as a
/// string, an odd `token_type`, extra dotted keys.
pub fn token_response(token: &str, expires_in: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token,
        "expires_in": expires_in,
        "token_type": "BearerToken",
        "developer.email": "dev@example.com",
        "issued_at": "1700000000000",
        "status": "approved",
    }))
}
