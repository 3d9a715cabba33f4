//! What the generator makes of unions the spec does not tag explicitly,
//! decoded and encoded through serde as a client would.

use pasarela_fixture_check::unions::types::{Allocation, Level, Payment, State};
use serde_json::json;

fn payment(extra: serde_json::Value) -> Payment {
    let mut value = json!({"last4": "4242", "created_by": "ana", "amount_cents": 1200});
    if let (Some(map), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        map.extend(extra.clone());
    }
    serde_json::from_value(value).expect("decodes")
}

#[test]
fn a_union_of_string_sets_is_one_enum_and_each_value_lands_on_its_own_variant() {
    // Before: each alternative was an open enum tried in turn, so the first
    // took every value (`settled` became the first alternative's `Unknown`).
    for (wire, expected) in [
        ("pending", State::Pending),
        ("settled", State::Settled),
        ("charged_back", State::ChargedBack),
    ] {
        assert_eq!(
            payment(json!({"state": wire})).state,
            Some(expected.clone())
        );
        assert_eq!(
            serde_json::to_value(&expected).expect("encodes"),
            json!(wire)
        );
    }
    assert_eq!(
        payment(json!({"state": "disputed"})).state,
        Some(State::Unknown("disputed".into()))
    );
}

#[test]
fn objects_with_a_one_value_property_each_are_decoded_by_that_tag() {
    let pooled = payment(json!({"allocation": {"kind": "pooled", "pool": "p1"}}));
    match pooled.allocation {
        Some(Allocation::Pooled(p)) => assert_eq!(p.pool.as_deref(), Some("p1")),
        other => panic!("expected the pooled variant, got {other:?}"),
    }
    let explicit = payment(json!({"allocation": {"kind": "explicit", "account": "a-9"}}));
    let Some(Allocation::Explicit(e)) = &explicit.allocation else {
        panic!(
            "expected the explicit variant, got {:?}",
            explicit.allocation
        );
    };
    assert_eq!(e.account, "a-9");
    // Encoding keeps the tag (it is a field of the variant's struct).
    let wire = serde_json::to_value(&explicit.allocation).expect("encodes");
    assert_eq!(wire, json!({"kind": "explicit", "account": "a-9"}));
}

#[test]
fn an_unknown_tag_is_kept_and_a_known_tag_with_a_broken_body_is_an_error() {
    let later = payment(json!({"allocation": {"kind": "reserved", "until": "2027"}}));
    assert!(matches!(later.allocation, Some(Allocation::Unknown(_))));
    let value = json!({"last4": "4242", "created_by": "ana", "amount_cents": 1,
        "allocation": {"kind": "explicit"}});
    let err = serde_json::from_value::<Payment>(value).expect_err("account is required");
    assert!(err.to_string().contains("account"), "{err}");
}

#[test]
fn an_integer_union_of_constants_is_a_newtype_with_named_values_and_keeps_others() {
    assert_eq!(payment(json!({"level": 2})).level, Some(Level::HIGH));
    assert_eq!(serde_json::to_value(Level::LOW).expect("encodes"), json!(1));
    // A value the spec does not name is kept, not an error.
    assert_eq!(payment(json!({"level": 7})).level, Some(Level(7)));
    // The constants match.
    let said = match payment(json!({"level": 1})).level {
        Some(Level::LOW) => "low",
        Some(Level::HIGH) => "high",
        _ => "other",
    };
    assert_eq!(said, "low");
    // Not an integer: a decode error.
    let text = json!({"last4": "4242", "created_by": "ana", "amount_cents": 1200, "level": "high"});
    assert!(serde_json::from_value::<Payment>(text).is_err());
}
