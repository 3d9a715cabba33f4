//! Valid documents are never refused: one test per rule of the
//! specifications that a reader could get wrong, quoting the rule.

use pasarela_gen::{check, generate, Config, Source};

fn accepts(path: &str, text: &str) -> pasarela_gen::ir::Api {
    check(&Source::new(path, text)).unwrap_or_else(|d| panic!("{path} refused:\n{d}"))
}

/// RFC 8259 §7: "To escape an extended character that is not in the Basic
/// Multilingual Plane, the character is represented as a 12-character
/// sequence, encoding the UTF-16 surrogate pair." A YAML reader refuses
/// such escapes; a `.json` document is read as JSON.
#[test]
fn a_json_document_with_a_surrogate_pair_escape_is_read_as_json() {
    let text = r#"{"openapi": "3.0.3",
 "info": {"title": "Thumbs \ud83d\udc4d", "version": "1", "description": "tab\there \u00e9 \/"},
 "paths": {"/likes": {"get": {"operationId": "getLikes",
   "responses": {"200": {"description": "ok",
     "content": {"application/json": {"schema": {"type": "string", "enum": ["\ud83d\udc4d", "\ud83d\udc4e"]}}}}}}}}}"#;
    let api = accepts("likes.json", text);
    assert_eq!(api.title, "Thumbs 👍");
    assert_eq!(api.description.as_deref(), Some("tab\there é /"));
    let out = generate(&Source::new("likes.json", text), &Config::default()).expect("generates");
    assert!(out.code.contains("👍"), "the enum value is kept as written");
}

/// RFC 8259 §6: "This specification allows implementations to set limits
/// on the range and precision of numbers accepted", and §9 lets a parser
/// limit nesting: numbers of any size and deep nesting are read (the
/// generator keeps numbers as text until it needs one).
#[test]
fn big_numbers_and_deep_nesting_in_json_are_read() {
    let mut nested = String::from(r#"{"type": "string"}"#);
    for _ in 0..150 {
        nested = format!(r#"{{"type": "array", "items": {nested}}}"#);
    }
    let text = format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}},
 "paths": {{"/n": {{"get": {{"operationId": "getN", "responses": {{"200": {{"description": "ok",
   "content": {{"application/json": {{"schema": {{"type": "object", "properties": {{
     "big": {{"type": "number", "maximum": 1e400, "example": 123456789012345678901234567890}},
     "deep": {nested}}}}}}}}}}}}}}}}}}}}}"#
    );
    accepts("deep.json", &text);
}

/// OpenAPI 3.1.0 §4.8.1: "The OpenAPI document MUST contain at least one
/// paths field, a components field or a webhooks field." A document of
/// webhooks alone generates the payload types and a client with no
/// operations.
#[test]
fn an_openapi_3_1_document_of_webhooks_alone_generates() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/webhooks_only.yaml"
    ))
    .expect("fixture");
    let api = accepts("webhooks_only.yaml", &text);
    assert!(api.operations.is_empty());
    let names: Vec<&str> = api.webhooks.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["paymentAuthorized", "refundSettled"]);
    let out =
        generate(&Source::new("webhooks_only.yaml", text), &Config::default()).expect("generates");
    assert!(
        out.code.contains("pub struct PaymentAuthorizedPayload"),
        "{}",
        out.code
    );
    assert!(out.code.contains("pub struct Refund"));
}

/// The same sentence: a document of shared components alone is valid too.
#[test]
fn an_openapi_3_1_document_of_components_alone_generates() {
    let text = "openapi: 3.1.0\ninfo: {title: Shared, version: '1'}\ncomponents:\n  schemas:\n    Money:\n      type: object\n      properties:\n        amount: {type: string, format: decimal}\n";
    let api = accepts("shared.yaml", text);
    assert!(api.operations.is_empty());
    assert!(api.types.iter().any(|t| t.name == "Money"));
}

/// OpenAPI 3.0.3 §4.7.2: `paths` is "REQUIRED" in 3.0, so a 3.0 document
/// without it is still refused, with a hint naming the 3.1 rule; and a 3.1
/// document with none of the three is refused.
#[test]
fn the_rule_is_the_version_s_own() {
    let d = check(&Source::new(
        "a.yaml",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\ncomponents: {}\n",
    ))
    .expect_err("3.0 requires paths");
    assert!(d.to_string().contains("missing `paths`"), "{d}");
    let d = check(&Source::new(
        "b.yaml",
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n",
    ))
    .expect_err("3.1 requires one of three");
    assert!(
        d.to_string()
            .contains("`paths`, `webhooks` or `components`"),
        "{d}"
    );
}
