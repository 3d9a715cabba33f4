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

mod pinned {
    use pasarela_fixture_check::pasarela_runtime::Pinned;
    use pasarela_fixture_check::shapes::types::{Event, PayoutEvent, RefundEvent};
    use serde_json::json;

    #[test]
    fn a_pinned_property_is_written_on_encode() {
        let refund = RefundEvent {
            object: Pinned::new(),
            id: "re_1".into(),
            api_version: None,
        };
        assert_eq!(
            serde_json::to_value(&refund).expect("encodes"),
            json!({"object": "refund", "id": "re_1"})
        );
        assert_eq!(refund.object.as_str(), "refund");
    }

    #[test]
    fn a_pinned_property_is_checked_on_decode_and_decodes_through_a_union_by_its_tag() {
        let payout: Event = serde_json::from_value(json!({
            "object": "payout", "id": "po_1", "api_version": "2024-01"
        }))
        .expect("decodes");
        assert!(
            matches!(payout, Event::Payout(ref p) if p.id == "po_1"),
            "{payout:?}"
        );
        let refund: Event =
            serde_json::from_value(json!({"object": "refund", "id": "re_1"})).expect("decodes");
        assert!(matches!(refund, Event::Refund(_)), "{refund:?}");
        // Another value is not the pinned one.
        let wrong = serde_json::from_value::<RefundEvent>(json!({"object": "payout", "id": "x"}))
            .expect_err("refused");
        assert!(wrong.to_string().contains("expected `refund`"), "{wrong}");
        let wrong = serde_json::from_value::<PayoutEvent>(
            json!({"object": "payout", "id": "x", "api_version": "2025"}),
        )
        .expect_err("refused");
        assert!(wrong.to_string().contains("expected `2024-01`"), "{wrong}");
    }
}
