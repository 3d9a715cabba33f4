//! Code a user wrote against the client generated from `tests/diff/*/old.yaml`
//! (every pair shares that OLD). It uses every public item that OLD offers
//! the way users do: positional arguments and setters, struct literals,
//! exhaustive `match`es, builder methods. `tests/diff_compiles.rs` compiles
//! it against each NEW: it must fail exactly when `diff` says `rust: breaking`.

use crate::api::errors::GetChargeError;
use crate::api::types::{Charge, Currency, NewCharge, Status};
use crate::api::Client;
use pasarela_runtime::Decimal;

pub fn client() -> Client {
    Client::builder()
        .base_url("http://127.0.0.1:1")
        .api_key("k3y-for-tests")
        .build()
        .expect("client")
}

pub async fn calls(client: &Client) {
    let limit: i32 = 10;
    let listed: Option<Vec<Charge>> = client.list_charges().limit(limit).await.ok();
    let amount: i64 = 250;
    let new = NewCharge {
        amount,
        currency: Currency::Ars,
    };
    let created: Option<Charge> = client.create_charge(new).await.ok();
    let id: String = String::from("ch_1");
    match client.get_charge(id).await {
        Ok(charge) => {
            describe(&charge);
        }
        Err(e) => {
            if let Some(api) = e.api_error() {
                match api {
                    GetChargeError::NotFound(text) => drop(text.clone()),
                    // Error enums are non-exhaustive: a new declared error
                    // response is an addition.
                    _ => {}
                }
            }
        }
    }
    drop((listed, created));
}

pub fn fixture() -> Charge {
    let installments: i32 = 3;
    Charge {
        id: String::from("ch_1"),
        amount: 250_i64,
        fee: Some(Decimal::new(150, 2)),
        installments: Some(installments),
        status: Status::Paid,
        currency: Some(Currency::Cop),
    }
}

pub fn describe(charge: &Charge) -> &'static str {
    let _: &String = &charge.id;
    match &charge.status {
        Status::Pending => "pending",
        Status::Paid => "paid",
        Status::Unknown(_) => "unknown",
    }
}

pub fn currency_name(c: Currency) -> &'static str {
    match c {
        Currency::Ars => "peso",
        Currency::Cop => "peso colombiano",
    }
}
