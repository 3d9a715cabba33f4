//! Merged shapes, used as a client's user would: the surviving type and
//! every alias of it decode and encode the same JSON.

use pasarela_fixture_check::shapes::types::{
    CreatePayoutBody, CreatePayoutBodyReason, CreatePayoutResponse, CreateRefundBody,
    CreateRefundResponse, Money,
};
use serde_json::json;

#[test]
fn an_alias_is_the_surviving_type() {
    let body: CreatePayoutBody = serde_json::from_value(json!({
        "amount": "12.50", "currency": "ARS", "reason": "duplicate"
    }))
    .expect("decodes");
    // The same type under both names: no conversion needed.
    let as_refund: CreateRefundBody = body.clone();
    assert_eq!(as_refund.reason, Some(CreatePayoutBodyReason::Duplicate));
    assert_eq!(
        serde_json::to_value(&as_refund).expect("encodes"),
        json!({"amount": "12.50", "currency": "ARS", "reason": "duplicate"})
    );
    let money: Money =
        serde_json::from_value::<CreateRefundResponse>(json!({"amount": "1", "currency": "USD"}))
            .expect("decodes");
    assert_eq!(money.currency, "USD");
}

#[test]
fn fields_of_a_merged_shape_decode_each_their_own_value() {
    let payout: CreatePayoutResponse = serde_json::from_value(json!({
        "source": {"kind": "card", "last4": "4242"},
        "destination": {"kind": "bank", "last4": "0001"},
    }))
    .expect("decodes");
    let (source, destination) = (
        payout.source.expect("source"),
        payout.destination.expect("destination"),
    );
    assert_eq!(source.last4.as_deref(), Some("4242"));
    assert_eq!(
        destination.kind.map(|k| k.as_str().to_owned()).as_deref(),
        Some("bank")
    );
}
