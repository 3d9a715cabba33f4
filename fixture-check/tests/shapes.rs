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
            attempt: None,
        };
        assert_eq!(
            serde_json::to_value(&refund).expect("encodes"),
            json!({"object": "refund", "id": "re_1"})
        );
        assert_eq!(refund.object.as_str(), "refund");
    }

    #[test]
    fn a_pinned_property_is_checked_on_decode() {
        let payout: PayoutEvent = serde_json::from_value(json!({
            "object": "payout", "id": "po_1", "api_version": "2024-01"
        }))
        .expect("decodes");
        assert_eq!(payout.object.as_str(), "payout");
        let retried: PayoutEvent =
            serde_json::from_value(json!({"object": "payout", "id": "po_2", "attempt": 2}))
                .expect("an untyped numeric enum decodes its numbers");
        assert_eq!(retried.attempt, Some(json!(2)));
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

    #[test]
    fn a_union_of_alternatives_that_differ_by_pinned_values_is_one_struct() {
        use pasarela_fixture_check::shapes::types::EventObject;
        let event: Event =
            serde_json::from_value(json!({"object": "refund", "id": "re_1"})).expect("decodes");
        assert_eq!(event.object, EventObject::Refund);
        // A value no alternative pins decodes too, kept as sent.
        let event: Event =
            serde_json::from_value(json!({"object": "dispute", "id": "dp_1"})).expect("decodes");
        assert_eq!(event.object, EventObject::Unknown("dispute".into()));
        assert_eq!(
            serde_json::to_value(&event).expect("encodes"),
            json!({"object": "dispute", "id": "dp_1"})
        );
    }

    #[test]
    fn error_details_that_differ_by_pinned_values_decode_known_and_new_ones() {
        use pasarela_fixture_check::shapes::types::{
            GetEventV422, GetEventV422DetailsItemDescription as Description,
            GetEventV422DetailsItemIssue as Issue,
        };
        let body: GetEventV422 = serde_json::from_value(json!({"details": [
            {"issue": "CARD_EXPIRED", "description": "The card has expired.", "field": "card"},
            {"issue": "NEW_ISSUE", "description": "Something new."},
        ]}))
        .expect("decodes");
        let details = body.details.expect("details");
        assert_eq!(details[0].issue, Issue::CardExpired);
        assert_eq!(details[0].description, Description::TheCardHasExpired);
        assert_eq!(details[0].field.as_deref(), Some("card"));
        assert_eq!(details[1].issue, Issue::Unknown("NEW_ISSUE".into()));
        assert_eq!(details[1].description.as_str(), "Something new.");
    }
}
