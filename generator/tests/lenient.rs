//! `--lenient`, one deviation class at a time, on
//! `tests/lenient/deviations.yaml` (which holds one of each, an operation
//! `$ref`'d from another file included): strict reading refuses each with
//! an error of its class whose hint says what `--lenient` would do;
//! lenient reading warns at the same place, says what it did, and
//! generates a client in which the repair shows.

use std::collections::BTreeMap;

use pasarela_gen::{check_with, generate, Config, Diagnostic, Repair, Severity, Source};

fn source() -> Source {
    Source::from_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/lenient/deviations.yaml"
    ))
    .expect("fixture")
}

fn by_class(diagnostics: &[Diagnostic]) -> BTreeMap<Repair, Vec<&Diagnostic>> {
    let mut out: BTreeMap<Repair, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diagnostics {
        if let Some(class) = d.class {
            out.entry(class).or_default().push(d);
        }
    }
    out
}

/// The classes the fixture exercises, with how many of each.
const EXPECTED: &[(Repair, usize)] = &[
    (Repair::MisplacedRef, 3),
    (Repair::MissingRef, 1),
    (Repair::ItemsList, 1),
    (Repair::UndefinedStyle, 2),
    (Repair::OperationId, 1),
    (Repair::NoResponses, 1),
    (Repair::EnumType, 1),
    (Repair::RequiredUnknown, 1),
    (Repair::FormatType, 1),
];

#[test]
fn strict_reading_refuses_each_deviation_naming_its_class_and_the_repair() {
    let d = check_with(&source(), &Config::default()).expect_err("strict refuses");
    let classes = by_class(&d.0);
    for (class, n) in EXPECTED {
        let found = classes.get(class).map_or(0, Vec::len);
        assert_eq!(found, *n, "{class}: {d}");
    }
    for e in d.errors() {
        assert!(e.repairable, "only repairable errors: {e}");
        let hint = e.hint.as_deref().unwrap_or_default();
        let class = e.class.expect("a class");
        assert!(
            hint.contains(&format!("repairable with `--lenient` ({class}): it would")),
            "{e}"
        );
        assert!(e.pos.line > 0, "{e}");
    }
    // The operation `$ref`'d from another file is reported in that file's
    // place in the spec.
    let misplaced = &classes[&Repair::MisplacedRef];
    assert!(misplaced.iter().any(|e| e.message.contains("an operation")));
}

#[test]
fn lenient_reading_warns_with_each_class_and_generates() {
    let config = Config::default().lenient(true);
    let out = generate(&source(), &config).unwrap_or_else(|d| panic!("{d}"));
    let warnings = &out.warnings;
    assert!(warnings.errors().next().is_none(), "{warnings}");
    let classes = by_class(&warnings.0);
    for (class, n) in EXPECTED {
        assert_eq!(classes.get(class).map_or(0, Vec::len), *n, "{class}");
        for w in &classes[class] {
            assert_eq!(w.severity, Severity::Warning);
            let hint = w.hint.as_deref().unwrap_or_default();
            assert!(hint.starts_with(&format!("repaired ({class}): ")), "{w}");
        }
    }
    assert_eq!(warnings.repairs(), EXPECTED.to_vec());
    let table = warnings.repair_table().expect("a table");
    assert!(
        table.contains("misplaced-ref") && table.contains("total                  12"),
        "{table}"
    );

    let code = &out.code;
    // misplaced-ref: the operation in another file, read in its place.
    assert!(
        code.contains("pub fn get_account(&self, id: impl Into<String>)"),
        "{code}"
    );
    // misplaced-ref: a media type and a whole properties map.
    assert!(code.contains("pub fn list_charges_2(&self, body: types::Charge)"));
    assert!(code.contains("pub last4: Option<String>"));
    // undefined-style: the bracket convention for a list, form for a scalar.
    assert!(code.contains(r#"request.query("expand[]", item.clone());"#));
    assert!(code.contains(r#"request.query("currency", value.clone());"#));
    // items-list: the one listed schema.
    assert!(code.contains("pub data: Vec<Charge>"));
    // no-responses: the call returns nothing.
    assert!(code.contains("pub fn create_refund(&self)"));
    // format-type: the integer the type says.
    assert!(code.contains("pub created: Option<i64>"));
    // missing-ref: any JSON value, said on the field.
    assert!(code.contains(
        "/// Any JSON value: the spec's `$ref: #/components/schemas/Metadata` names no schema (repaired leniently)."
    ));
    assert!(code.contains("pub metadata: Option<rt::serde_json::Value>"));
    // required-unknown: no field was made up for `total`.
    assert!(!code.contains("pub total"));
}

#[test]
fn the_ir_carries_the_repairs() {
    let api = check_with(&source(), &Config::default().lenient(true))
        .expect("lenient")
        .api;
    let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        ["getAccount", "listCharges", "listCharges_2", "createRefund"]
    );
    let list = &api.operations[1];
    let wire: Vec<&str> = list.params.iter().map(|p| p.wire_name.as_str()).collect();
    assert_eq!(wire, ["expand[]", "currency"]);
    let refund = &api.operations[3];
    assert_eq!(refund.success.ty, None);
}

/// Enum values of another type: the ones that fit stay (checked on the
/// IR of a small spec, where the enum is a named string set).
#[test]
fn enum_values_of_another_type_are_left_out_and_the_rest_kept() {
    let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Flag:\n      type: boolean\n      enum: [true, 'no']\n";
    let d = check_with(&Source::new("t.yaml", text), &Config::default()).expect_err("strict");
    assert_eq!(d.repairs(), [(Repair::EnumType, 1)]);
    let checked = check_with(
        &Source::new("t.yaml", text),
        &Config::default().lenient(true),
    )
    .expect("lenient");
    assert_eq!(checked.warnings.repairs(), [(Repair::EnumType, 1)]);
}
