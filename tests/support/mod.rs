//! Shared helpers for the behaviour tests and the tour: a local mock of an
//! API's token endpoint, responses taken from the specs' own examples, and a
//! redacted, stable description of the requests a server received.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The example a spec gives for `components.schemas.<schema>`.
pub fn spec_example(spec: &str, schema: &str) -> Value {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("specs")
        .join(spec);
    let text = std::fs::read_to_string(&file).expect("spec readable");
    let doc: Value = serde_yaml::from_str(&text).expect("spec is YAML");
    doc["components"]["schemas"][schema]["example"].clone()
}

/// Where the mock token endpoint lives on `server`.
pub fn token_url(server: &MockServer) -> String {
    format!(
        "{}/oauth/client_credential/accesstoken?grant_type=client_credentials",
        server.uri()
    )
}

/// The gateway's token answer, in its own style: every field a string.
pub fn gateway_token(access_token: &str, expires_in: &str) -> Value {
    serde_json::json!({
        "refresh_token_expires_in": "0",
        "api_product_list": "[Billing]",
        "organization_name": "demo",
        "developer.email": "dev@example.com",
        "token_type": "BearerToken",
        "issued_at": "1493742688000",
        "client_id": "client-id",
        "access_token": access_token,
        "application_name": "demo-app",
        "scope": "",
        "expires_in": expires_in,
        "refresh_count": "0",
        "status": "approved"
    })
}

/// Mounts a token endpoint answering `token` for `expires_in` seconds.
pub async fn mount_token(server: &MockServer, token: &str, expires_in: &str) {
    Mock::given(method("POST"))
        .and(path("/oauth/client_credential/accesstoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(gateway_token(token, expires_in)))
        .mount(server)
        .await;
}

/// Requests `server` received, excluding token requests.
pub async fn api_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| !r.url.path().contains("/oauth/"))
        .collect()
}

/// Requests `server` received at the token endpoint.
pub async fn token_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().contains("/oauth/"))
        .collect()
}

/// Headers shown in request snapshots; everything else (host, port-bearing
/// values, user agent version) would make snapshots unstable.
const SHOWN_HEADERS: &[&str] = &["authorization", "content-type", "accept", "api-key"];

/// A stable, redacted description of a request: method, path, query,
/// selected headers (credentials replaced by a marker), and the body
/// (pretty JSON when it is JSON).
pub fn describe_request(request: &Request) -> String {
    let mut out = format!("{} {}\n", request.method, request.url.path());
    let mut query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
    query.sort();
    for (k, v) in query {
        out.push_str(&format!("query {k}={v}\n"));
    }
    for name in SHOWN_HEADERS {
        if let Some(value) = request.headers.get(*name) {
            let value = value.to_str().unwrap_or("<non-ascii>");
            let shown = match *name {
                "content-type" if value.starts_with("multipart/") => {
                    "multipart/form-data; boundary=BOUNDARY".to_string()
                }
                "authorization" => match value.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} <redacted>"),
                    None => "<redacted>".to_string(),
                },
                "api-key" => "<redacted>".to_string(),
                _ => value.to_string(),
            };
            out.push_str(&format!("header {name}: {shown}\n"));
        }
    }
    if !request.body.is_empty() {
        let mut body = match serde_json::from_slice::<Value>(&request.body) {
            Ok(json) => serde_json::to_string_pretty(&json).unwrap_or_default(),
            Err(_) => String::from_utf8_lossy(&request.body).into_owned(),
        };
        // Multipart boundaries are random: show a fixed one.
        if let Some(boundary) = multipart_boundary(request) {
            body = body.replace(&boundary, "BOUNDARY").replace("\r\n", "\n");
        }
        out.push_str("body:\n");
        out.push_str(&body);
        out.push('\n');
    }
    out
}

/// The boundary of a multipart request, if it is one.
pub fn multipart_boundary(request: &Request) -> Option<String> {
    let ct = request.headers.get("content-type")?.to_str().ok()?;
    ct.split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_string())
}

/// The content of one multipart part (by its `name`), as bytes.
pub fn multipart_part(request: &Request, name: &str) -> Option<Vec<u8>> {
    let boundary = format!("--{}", multipart_boundary(request)?);
    let body = &request.body;
    let marker = format!("name=\"{name}\"");
    let text = body.as_slice();
    let start = find(text, marker.as_bytes())?;
    let header_end = start + find(&text[start..], b"\r\n\r\n")? + 4;
    let end = header_end + find(&text[header_end..], boundary.as_bytes())?;
    let content = &text[header_end..end];
    Some(content.strip_suffix(b"\r\n").unwrap_or(content).to_vec())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Replaces every occurrence of `secret` in `text` with a marker.
pub fn redact(text: &str, secret: &str) -> String {
    text.replace(secret, "<redacted>")
}

/// Log lines written while a test runs (a `tracing_subscriber` writer).
#[derive(Clone, Default)]
pub struct Logs(pub Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("logs")).into_owned()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
