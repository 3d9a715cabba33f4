//! The lenient serde helpers, used the way generated models use them.

use std::str::FromStr;

use pasarela_runtime::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Model {
    #[serde(with = "::pasarela_runtime::serde_util::lenient_string")]
    document: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "::pasarela_runtime::serde_util::lenient_string_opt"
    )]
    reference: Option<String>,
    #[serde(with = "::pasarela_runtime::serde_util::lenient_i64")]
    count: i64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "::pasarela_runtime::serde_util::lenient_i64_opt"
    )]
    total: Option<i64>,
    #[serde(with = "::pasarela_runtime::serde_util::lenient_bool")]
    active: bool,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "::pasarela_runtime::serde_util::lenient_bool_opt"
    )]
    verified: Option<bool>,
    #[serde(with = "::pasarela_runtime::serde_util::decimal_string")]
    amount: Decimal,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "::pasarela_runtime::serde_util::decimal_string_opt"
    )]
    fee: Option<Decimal>,
    #[serde(with = "::pasarela_runtime::serde_util::decimal_number")]
    price: Decimal,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "::pasarela_runtime::serde_util::decimal_number_opt"
    )]
    tax: Option<Decimal>,
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn strings_and_numbers_both_ways() {
    let m: Model = serde_json::from_value(json!({
        "document": "0044",
        "reference": 12345,
        "count": "274",
        "total": 1000,
        "active": "true",
        "verified": false,
        "amount": "89500.00",
        "fee": 12.5,
        "price": 1322.10,
        "tax": "0.19",
    }))
    .unwrap();
    assert_eq!(m.document, "0044", "a string keeps its leading zeros");
    assert_eq!(m.reference.as_deref(), Some("12345"));
    assert_eq!(m.count, 274);
    assert_eq!(m.total, Some(1000));
    assert!(m.active);
    assert_eq!(m.verified, Some(false));
    assert_eq!(m.amount, dec("89500.00"));
    assert_eq!(m.amount.to_string(), "89500.00", "scale kept");
    assert_eq!(m.fee, Some(dec("12.5")));
    assert_eq!(m.price, dec("1322.10"));
    assert_eq!(m.tax, Some(dec("0.19")));

    let out = serde_json::to_string(&m).unwrap();
    assert_eq!(
        out,
        r#"{"document":"0044","reference":"12345","count":274,"total":1000,"active":true,"verified":false,"amount":"89500.00","fee":"12.5","price":1322.1,"tax":0.19}"#
    );
}

#[test]
fn number_document_becomes_text() {
    let m: Model = serde_json::from_str(
        r#"{"document":44,"count":1,"active":true,"amount":"1","price":"1322.10"}"#,
    )
    .unwrap();
    assert_eq!(m.document, "44");
    assert_eq!(m.reference, None);
    assert_eq!(m.total, None);
    assert_eq!(m.verified, None);
    assert_eq!(m.fee, None);
    assert_eq!(m.tax, None);
    // A decimal read from a string keeps its scale and is written exactly.
    assert_eq!(m.price.to_string(), "1322.10");
    let out = serde_json::to_string(&m).unwrap();
    assert!(out.contains(r#""price":1322.10"#), "{out}");
}

#[test]
fn nulls_and_empty_strings_are_none() {
    let m: Model = serde_json::from_str(
        r#"{"document":"x","reference":null,"count":"1","total":"","active":"FALSE",
            "verified":null,"amount":1,"fee":"","price":2,"tax":null}"#,
    )
    .unwrap();
    assert_eq!(m.reference, None);
    assert_eq!(m.total, None);
    assert!(!m.active);
    assert_eq!(m.verified, None);
    assert_eq!(m.fee, None);
    assert_eq!(m.tax, None);
    assert_eq!(m.amount, Decimal::from(1));
    let m: Model = serde_json::from_str(
        r#"{"document":"x","reference":"","count":1,"active":true,"amount":1,"price":2}"#,
    )
    .unwrap();
    assert_eq!(
        m.reference.as_deref(),
        Some(""),
        "empty strings stay strings"
    );
}

#[test]
fn decimals_are_exact() {
    #[derive(Deserialize, Serialize)]
    struct D {
        #[serde(with = "::pasarela_runtime::serde_util::decimal_number")]
        v: Decimal,
    }
    for (input, expect) in [
        ("0.1", "0.1"),
        ("1322.10", "1322.1"),
        ("\"1322.10\"", "1322.10"),
        ("89500", "89500"),
        ("\"89500.00\"", "89500.00"),
        ("-0.07", "-0.07"),
        ("123456789012345678", "123456789012345678"),
        ("\"1e3\"", "1000"),
        ("1e-7", "0.0000001"),
    ] {
        let d: D = serde_json::from_str(&format!("{{\"v\":{input}}}")).unwrap();
        assert_eq!(d.v.to_string(), expect, "input {input}");
        // Written back exactly as a JSON number.
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            format!("{{\"v\":{expect}}}")
        );
    }
}

#[test]
fn bad_values_are_errors_with_a_message() {
    let bad = [
        r#"{"document":"x","count":"27x","active":true,"amount":1,"price":2}"#,
        r#"{"document":"x","count":1.5,"active":true,"amount":1,"price":2}"#,
        r#"{"document":"x","count":1,"active":"yes","amount":1,"price":2}"#,
        r#"{"document":"x","count":1,"active":true,"amount":"12,50","price":2}"#,
        r#"{"document":null,"count":1,"active":true,"amount":1,"price":2}"#,
        r#"{"document":"x","count":99999999999999999999,"active":true,"amount":1,"price":2}"#,
    ];
    for input in bad {
        let err = serde_json::from_str::<Model>(input).unwrap_err();
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn integral_float_and_signed_strings_are_integers() {
    #[derive(Deserialize)]
    struct I {
        #[serde(with = "::pasarela_runtime::serde_util::lenient_i64")]
        v: i64,
    }
    for (input, expect) in [
        ("274.0", 274),
        ("\" 274 \"", 274),
        ("\"-5\"", -5),
        ("\"+7\"", 7),
    ] {
        let i: I = serde_json::from_str(&format!("{{\"v\":{input}}}")).unwrap();
        assert_eq!(i.v, expect, "{input}");
    }
}

#[test]
fn excerpt_helper() {
    use pasarela_runtime::serde_util::excerpt;
    assert_eq!(excerpt("añoñ", 2), "añ…");
    assert_eq!(excerpt("short", 10), "short");
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Account {
    #[serde(with = "::pasarela_runtime::serde_util::string_as_number")]
    number: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "::pasarela_runtime::serde_util::string_as_number_opt"
    )]
    branch: Option<String>,
}

#[test]
fn string_as_number_round_trip() {
    let a: Account = serde_json::from_str(r#"{"number":4040440}"#).unwrap();
    assert_eq!(a.number, "4040440");
    assert_eq!(a.branch, None);
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        r#"{"number":4040440}"#,
        "written as a number, not a string"
    );

    // A JSON string is kept verbatim, leading zeros included.
    let a: Account = serde_json::from_str(r#"{"number":"0044","branch":"12"}"#).unwrap();
    assert_eq!(a.number, "0044");
    assert_eq!(a.branch.as_deref(), Some("12"));

    // Written digit for digit, never through f64.
    let a = Account {
        number: "-123456789012345678901234.50".into(),
        branch: Some("7".into()),
    };
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        r#"{"number":-123456789012345678901234.50,"branch":7}"#
    );

    // null and "" are None for the optional form.
    let a: Account = serde_json::from_str(r#"{"number":"1","branch":""}"#).unwrap();
    assert_eq!(a.branch, None);
    let a: Account = serde_json::from_str(r#"{"number":"1","branch":null}"#).unwrap();
    assert_eq!(a.branch, None);
}

#[test]
fn string_as_number_refuses_to_write_garbage() {
    for bad in ["0044", "12a", "", "1,5", "\"1\"", "true"] {
        let a = Account {
            number: bad.into(),
            branch: None,
        };
        let err = serde_json::to_string(&a).unwrap_err();
        assert!(
            err.to_string().contains("is not a valid JSON number"),
            "{bad}: {err}"
        );
    }
    let a = Account {
        number: "1".into(),
        branch: Some("x".into()),
    };
    assert!(serde_json::to_string(&a).is_err());
    // Booleans and nulls are not numbers.
    assert!(serde_json::from_str::<Account>(r#"{"number":true}"#).is_err());
    assert!(serde_json::from_str::<Account>(r#"{"number":null}"#).is_err());
}
