//! How the generator reads an API's idempotency keys: `x-pasarela-idempotency`
//! on the document or an operation (or `false`), and a declared
//! `Idempotency-Key` header parameter, recognised with an `info`
//! diagnostic. The runtime's behaviour under faults is tested with the
//! generated client in `fixture-check/tests/idempotency.rs`.

use pasarela_gen::diagnostics::Severity;
use pasarela_gen::ir::{Api, Idempotency, ParamLocation};
use pasarela_gen::{check_with, Checked, Config, Diagnostics, Source};

fn read(text: &str) -> Result<Checked, Diagnostics> {
    check_with(&Source::new("keys.yaml", text), &Config::default())
}

fn accepted(text: &str) -> Checked {
    read(text).unwrap_or_else(|d| panic!("refused:\n{d}"))
}

fn key_of<'a>(api: &'a Api, id: &str) -> Option<&'a Idempotency> {
    api.operations
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no operation {id}"))
        .idempotency
        .as_ref()
}

fn header_params(api: &Api, id: &str) -> Vec<String> {
    let op = api.operations.iter().find(|o| o.id == id).expect("op");
    op.params
        .iter()
        .filter(|p| p.location == ParamLocation::Header)
        .map(|p| p.wire_name.clone())
        .collect()
}

const OK: &str = "responses: {'200': {description: ok}}";

fn doc(root_ext: &str, ops: &str) -> String {
    format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\n{root_ext}\npaths:\n{ops}")
}

#[test]
fn the_document_declares_it_for_every_operation_that_is_not_retry_safe() {
    let text = doc(
        "x-pasarela-idempotency: {header: Idempotency-Key, conflict-statuses: [409]}",
        &format!(
            "  /a:\n    post: {{operationId: postA, {OK}}}\n    get: {{operationId: getA, {OK}}}\n    put: {{operationId: putA, {OK}}}\n    patch: {{operationId: patchA, {OK}}}\n    delete: {{operationId: payByDelete, x-pasarela-moves-money: true, {OK}}}\n  /b:\n    post: {{operationId: postB, x-pasarela-idempotency: false, {OK}}}\n    put: {{operationId: putB, x-pasarela-idempotency: {{header: X-Key, prefix: b_}}, {OK}}}\n"
        ),
    );
    let api = accepted(&text).api;
    let declared = Idempotency {
        header: "Idempotency-Key".into(),
        prefix: String::new(),
        conflict_statuses: vec![409],
    };
    assert_eq!(key_of(&api, "postA"), Some(&declared));
    assert_eq!(key_of(&api, "patchA"), Some(&declared));
    assert_eq!(key_of(&api, "payByDelete"), Some(&declared), "moves money");
    assert_eq!(key_of(&api, "getA"), None, "retry-safe already");
    assert_eq!(key_of(&api, "putA"), None, "retry-safe already");
    assert_eq!(key_of(&api, "postB"), None, "turned off");
    assert_eq!(
        key_of(&api, "putB"),
        Some(&Idempotency {
            header: "X-Key".into(),
            prefix: "b_".into(),
            conflict_statuses: Vec::new(),
        }),
        "an operation's own declaration wins"
    );
}

#[test]
fn a_declared_idempotency_key_header_is_recognised_with_an_info_diagnostic() {
    let param = "parameters: [{name: IDEMPOTENCY-KEY, in: header, required: true, schema: {type: string}}, {name: X-Other, in: header, schema: {type: string}}]";
    let text = doc(
        "",
        &format!(
            "  /a:\n    post: {{operationId: postA, {param}, {OK}}}\n  /b:\n    post: {{operationId: postB, x-pasarela-idempotency: false, {param}, {OK}}}\n"
        ),
    );
    let checked = accepted(&text);
    assert_eq!(
        key_of(&checked.api, "postA").map(|k| k.header.as_str()),
        Some("IDEMPOTENCY-KEY"),
        "the header as the spec spells it"
    );
    assert_eq!(
        header_params(&checked.api, "postA"),
        vec!["X-Other"],
        "the key's parameter is the runtime's, not an argument"
    );
    let infos: Vec<_> = checked
        .warnings
        .iter()
        .filter(|d| d.severity == Severity::Info)
        .collect();
    assert_eq!(infos.len(), 1, "{}", checked.warnings);
    assert!(
        infos[0]
            .message
            .contains("`IDEMPOTENCY-KEY` read as the operation's idempotency key"),
        "{}",
        infos[0]
    );
    assert_eq!(infos[0].pos.line, 6);
    assert_eq!(
        checked.warnings.warnings().count(),
        0,
        "an info is not a warning"
    );
    // Turned off: an ordinary required parameter again.
    assert_eq!(key_of(&checked.api, "postB"), None);
    assert_eq!(
        header_params(&checked.api, "postB"),
        vec!["IDEMPOTENCY-KEY", "X-Other"]
    );
}

#[test]
fn ill_formed_declarations_are_refused_with_their_position() {
    for (ext, message) in [
        (
            "x-pasarela-idempotency: true",
            "`x-pasarela-idempotency` must be `false` or a mapping, found `true`",
        ),
        (
            "x-pasarela-idempotency: {prefix: p_}",
            "`x-pasarela-idempotency` needs `header`",
        ),
        (
            "x-pasarela-idempotency: {header: 'Idempotency Key'}",
            "`Idempotency Key` is not a valid HTTP header name",
        ),
        (
            "x-pasarela-idempotency: {header: Idempotency-Key, conflict-statuses: [200]}",
            "`conflict-statuses` lists HTTP error statuses, found 200",
        ),
        (
            "x-pasarela-idempotency: {header: Idempotency-Key, conflict_statuses: [409]}",
            "`x-pasarela-idempotency` has no key `conflict_statuses`",
        ),
    ] {
        let text = doc(
            "",
            &format!("  /a:\n    post: {{operationId: postA, {ext}, {OK}}}\n"),
        );
        let d = read(&text).expect_err(ext);
        assert!(
            d.errors()
                .any(|e| e.message.contains(message) && e.pos.line == 6),
            "expected `{message}` on line 6:\n{d}"
        );
    }
}

#[test]
fn a_real_document_declaring_idempotency_key_headers_gets_keys() {
    // Xero's accounting API declares an `Idempotency-Key` header parameter
    // on its creating and updating operations.
    let Some(path) = pasarela_corpus::document(
        "more/xero-accounting.yaml",
        "idempotency keys on a real document",
    ) else {
        return;
    };
    let source = Source::from_path(&path).expect("read");
    let checked =
        check_with(&source, &Config::default().lenient(true)).unwrap_or_else(|d| panic!("{d}"));
    let keyed: Vec<_> = checked
        .api
        .operations
        .iter()
        .filter(|o| o.idempotency.is_some())
        .collect();
    let infos = checked
        .warnings
        .iter()
        .filter(|d| d.severity == Severity::Info)
        .count();
    assert!(keyed.len() > 50, "{} operations with a key", keyed.len());
    // The parameter is declared once (components) and shared: one info,
    // at its declaration.
    assert!(infos >= 1 && infos <= keyed.len(), "{infos} infos");
    assert!(keyed.iter().all(|o| o
        .params
        .iter()
        .all(|p| !p.wire_name.eq_ignore_ascii_case("Idempotency-Key"))));
}
