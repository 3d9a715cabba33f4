//! The Tigo Billing v2 client against a local HTTP server: every operation's
//! request as sent (token redacted) and its decoded value, the error body
//! shapes, and the API's quirks (string ids, lower-case idType, a map of
//! bill numbers, an error code inside a 200).

mod support;

use pasarela::tigo_billing::{errors, types, Client};
use pasarela::{Error, RetryPolicy};
use serde_json::{json, Value};
use std::time::Duration;
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SPEC: &str = "tigo-billing-v2.yaml";

async fn server_with_token() -> MockServer {
    let server = MockServer::start().await;
    mount_token(&server, "test-access-token", "3599").await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.uri())
        .oauth2_client_credentials("client-id", "client-secret")
        .oauth2_token_url(token_url(server))
        .retry_policy(RetryPolicy::new(3).initial_backoff(Duration::from_millis(5)))
        .build()
        .expect("client builds")
}

async fn answer(server: &MockServer, verb: &str, at: &str, status: u16, body: Value) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

async fn only_request(server: &MockServer) -> String {
    let requests = api_requests(server).await;
    assert_eq!(requests.len(), 1, "expected exactly one API request");
    describe_request(&requests[0])
}

#[tokio::test]
async fn get_contract() {
    let server = server_with_token().await;
    answer(
        &server,
        "GET",
        "/contracts/0012345678",
        200,
        spec_example(SPEC, "ContractsDetails"),
    )
    .await;
    let contract = client(&server)
        .get_contract("0012345678")
        .await
        .expect("decodes");
    insta::assert_snapshot!(only_request(&server).await);
    assert_eq!(
        contract.contracts_collection[0].contract_id.as_deref(),
        Some("0012345678")
    );
    insta::assert_debug_snapshot!(contract);
}

#[tokio::test]
async fn list_customer_contracts_with_paging_and_lower_case_id_type() {
    let server = server_with_token().await;
    answer(
        &server,
        "GET",
        "/customers/cc/0044/contracts",
        200,
        spec_example(SPEC, "ContractsDetails"),
    )
    .await;
    let contracts = client(&server)
        .list_customer_contracts("cc", "0044")
        .reg_ini(2)
        .num_reg(10)
        .send()
        .await
        .expect("decodes");
    // `cc` is sent as given and `0044` keeps its leading zeros.
    insta::assert_snapshot!(only_request(&server).await);
    assert_eq!(contracts.identification, "900123456");
}

/// `list_customer_contracts(..).items()` asks for pages 1, 2, … with the
/// caller's page size and stops at a page shorter than it (the declared,
/// assumed, paging of this operation).
#[tokio::test]
async fn list_customer_contracts_items_stream_across_pages() {
    use futures_util::StreamExt;
    use wiremock::matchers::query_param;

    let server = server_with_token().await;
    let example = spec_example(SPEC, "ContractsDetails");
    let item = example["contractsCollection"][0].clone();
    for (page, count) in [("1", 2), ("2", 2), ("3", 1)] {
        let mut body = example.clone();
        body["contractsCollection"] = Value::Array(vec![item.clone(); count]);
        Mock::given(method("GET"))
            .and(path("/customers/CC/0044/contracts"))
            .and(query_param("reg_ini", page))
            .and(query_param("num_reg", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let contracts: Vec<_> = client(&server)
        .list_customer_contracts("CC", "0044")
        .num_reg(2)
        .items()
        .collect()
        .await;
    assert_eq!(contracts.len(), 5, "2 + 2 + 1, then the short page ends it");
    assert!(contracts.iter().all(Result::is_ok), "{contracts:?}");
    assert_eq!(api_requests(&server).await.len(), 3);
}

#[tokio::test]
async fn list_bills_with_quantity() {
    let server = server_with_token().await;
    answer(
        &server,
        "GET",
        "/customers/contracts/0012345678/bills",
        200,
        spec_example(SPEC, "BillsCollection"),
    )
    .await;
    let bills = client(&server)
        .list_bills("0012345678")
        .quantity(3)
        .await
        .expect("decodes");
    insta::assert_snapshot!(only_request(&server).await);
    assert_eq!(
        bills[0].bill_amount,
        Some("89500.00".parse().expect("decimal"))
    );
    insta::assert_debug_snapshot!(bills);
}

#[tokio::test]
async fn list_bill_payments() {
    let server = server_with_token().await;
    answer(
        &server,
        "GET",
        "/customers/contracts/0012345678/bills/909501941-90/payments",
        200,
        spec_example(SPEC, "Payment"),
    )
    .await;
    let payment = client(&server)
        .list_bill_payments("0012345678", "909501941-90")
        .await
        .expect("decodes");
    insta::assert_snapshot!(only_request(&server).await);
    insta::assert_debug_snapshot!(payment);
}

#[tokio::test]
async fn get_party_characteristics() {
    let server = server_with_token().await;
    answer(
        &server,
        "GET",
        "/customers/NIT/900123456/contracts/0012345678/characteristics",
        200,
        spec_example(SPEC, "PartyCharacteristics"),
    )
    .await;
    let party = client(&server)
        .get_party_characteristics("NIT", "900123456", "0012345678", "role,plus")
        .await
        .expect("decodes");
    insta::assert_snapshot!(only_request(&server).await);
    assert!(party.plus_customer);
    insta::assert_debug_snapshot!(party);
}

fn checkout_request() -> types::CheckoutPaymentRequest {
    serde_json::from_value(spec_example(SPEC, "CheckoutPaymentRequest"))
        .expect("example fits the model")
}

#[tokio::test]
async fn checkout_payment() {
    let server = server_with_token().await;
    let at = "/customers/CC/0044/payments/checkout";
    answer(
        &server,
        "POST",
        at,
        200,
        spec_example(SPEC, "CheckoutPaymentResponse"),
    )
    .await;
    let response = client(&server)
        .checkout_payment("CC", "0044", checkout_request())
        .await
        .expect("decodes");
    // Amounts typed `number` go out as JSON numbers, exactly as given.
    insta::assert_snapshot!(only_request(&server).await);
    insta::assert_debug_snapshot!(response);
}

#[tokio::test]
async fn checkout_with_an_error_code_in_a_200_is_an_error() {
    let server = server_with_token().await;
    let at = "/customers/CC/0044/payments/checkout";
    let body = json!({"description": "Factura ya pagada", "error": 3});
    answer(&server, "POST", at, 200, body).await;
    let err = client(&server)
        .checkout_payment("CC", "0044", checkout_request())
        .await
        .expect_err("error code surfaces");
    assert_eq!(err.code().as_deref(), Some("3"));
    assert_eq!(err.message().as_deref(), Some("Factura ya pagada"));
    assert_eq!(
        err.to_string(),
        "HTTP 200 the response reported an error in field `error`: Factura ya pagada (code 3)"
    );
    match err {
        Error::Api {
            status: 200,
            error: errors::CheckoutPaymentError::ErrorInBody(resp),
            ..
        } => {
            assert_eq!(resp.error, Some(3));
            assert_eq!(resp.description.as_deref(), Some("Factura ya pagada"));
        }
        other => panic!("expected ErrorInBody, got {other:?}"),
    }
}

#[tokio::test]
async fn register_payments_decodes_a_map_of_bill_numbers() {
    let server = server_with_token().await;
    let at = "/customers/CC/0044/payments/register";
    answer(
        &server,
        "POST",
        at,
        200,
        spec_example(SPEC, "RegisterPaymentResponse"),
    )
    .await;
    let registered = client(&server)
        .register_payments("CC", "0044", checkout_request())
        .await
        .expect("decodes");
    insta::assert_snapshot!(only_request(&server).await);
    assert_eq!(registered.get("909501941-90"), Some(&true));
    assert_eq!(registered.get("910911145-94"), Some(&false));
}

#[tokio::test]
async fn validate_payment_accepts_numbers_sent_as_strings() {
    let server = server_with_token().await;
    let at = "/payments/7c1e4b2a9f3d/validate";
    answer(
        &server,
        "GET",
        at,
        200,
        spec_example(SPEC, "ValidatePaymentResponse"),
    )
    .await;
    let payment = client(&server)
        .validate_payment("7c1e4b2a9f3d")
        .await
        .expect("decodes");
    insta::assert_snapshot!(only_request(&server).await);
    assert_eq!(payment.document.as_deref(), Some("43752582"));
    assert_eq!(payment.cycle_number, Some(1));
    insta::assert_debug_snapshot!(payment);
}

#[tokio::test]
async fn validate_payment_accepts_numbers_sent_as_numbers() {
    let server = server_with_token().await;
    let at = "/payments/abc/validate";
    let body =
        json!({"document": 43752582, "cycleNumber": 1, "amount": 89500.5, "trazabilityCode": "77"});
    answer(&server, "GET", at, 200, body).await;
    let payment = client(&server)
        .validate_payment("abc")
        .await
        .expect("decodes");
    assert_eq!(payment.document.as_deref(), Some("43752582"));
    assert_eq!(payment.cycle_number, Some(1));
    assert_eq!(payment.amount, Some("89500.5".parse().expect("decimal")));
    assert_eq!(payment.trazability_code.as_deref(), Some("77"));
}

#[tokio::test]
async fn validate_coupon_payment() {
    let server = server_with_token().await;
    let at = "/payments/coupon/0099/validate";
    answer(
        &server,
        "GET",
        at,
        200,
        spec_example(SPEC, "ValidatePaymentResponse"),
    )
    .await;
    let payment = client(&server)
        .validate_coupon_payment("coupon", "0099")
        .await
        .expect("decodes");
    insta::assert_snapshot!(only_request(&server).await);
    assert_eq!(payment.state.as_deref(), Some("APROBADA"));
}

async fn error_for(status: u16, body: Value) -> Error<errors::GetContractError> {
    let server = server_with_token().await;
    answer(&server, "GET", "/contracts/1", status, body).await;
    client(&server)
        .get_contract("1")
        .await
        .expect_err("an error")
}

#[tokio::test]
async fn the_api_error_body_decodes() {
    let err = error_for(404, spec_example(SPEC, "ApiError")).await;
    let Error::Api {
        status: 404,
        error: errors::GetContractError::NotFound(types::ErrorBody::ApiError(body)),
        ..
    } = &err
    else {
        panic!("expected a decoded ApiError, got {err:?}");
    };
    assert_eq!(body.error.code.as_deref(), Some("401"));
    // What a user reads and branches on: the server's own message once, its code.
    assert_eq!(
        err.code().as_deref(),
        Some(body.error.code.as_deref().unwrap())
    );
    let message = body.error.message.clone().unwrap();
    assert_eq!(
        err.message().as_deref().map(|m| m.starts_with(&message)),
        Some(true)
    );
    let shown = err.to_string();
    assert!(shown.starts_with("HTTP 404 Not Found: "), "{shown}");
    assert_eq!(shown.matches(&message).count(), 1, "{shown}");
    if let Some(developer) = &body.error.developer_message {
        assert!(shown.contains(developer.as_str()), "{shown}");
    }
    insta::assert_debug_snapshot!(err);
}

#[tokio::test]
async fn the_oauth_error_body_decodes() {
    let err = error_for(400, spec_example(SPEC, "OAuthError")).await;
    assert!(
        matches!(&err, Error::Api { error: errors::GetContractError::BadRequest(types::ErrorBody::OAuthError(e)), .. } if e.error_code == "invalid_client"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_gateway_fault_body_decodes_under_default() {
    let err = error_for(429, spec_example(SPEC, "GatewayFault")).await;
    match err {
        Error::Api {
            status: 429,
            error:
                errors::GetContractError::Other {
                    status,
                    body: types::ErrorBody::GatewayFault(f),
                },
            ..
        } => {
            assert_eq!(status, 429);
            assert_eq!(f.fault.faultstring.as_deref(), Some("Invalid access token"));
        }
        other => panic!("expected a gateway fault, got {other:?}"),
    }
}

#[tokio::test]
async fn any_other_error_body_is_kept_as_text() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path("/contracts/1"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad gateway</html>"))
        .mount(&server)
        .await;
    let err = client(&server)
        .get_contract("1")
        .await
        .expect_err("an error");
    match err {
        Error::UnexpectedStatus {
            status: 502, body, ..
        } => {
            assert_eq!(body, "<html>Bad gateway</html>")
        }
        other => panic!("expected the body kept as text, got {other:?}"),
    }
}

#[tokio::test]
async fn a_malformed_success_body_is_a_decode_error_with_the_field_path() {
    let server = server_with_token().await;
    let body = json!({"identification": "1", "organization": {}, "contractsCollection": [{"contractId": "1", "billsCollection": [{"billStatus": "maybe"}]}]});
    answer(&server, "GET", "/contracts/1", 200, body).await;
    let err = client(&server)
        .get_contract("1")
        .await
        .expect_err("decode error");
    match err {
        Error::Decode {
            status: 200,
            path,
            excerpt,
            ..
        } => {
            assert_eq!(path, "contractsCollection[0].billsCollection[0].billStatus");
            assert!(excerpt.contains("maybe"));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_get_meeting_503_is_retried_and_succeeds() {
    let server = server_with_token().await;
    Mock::given(method("GET"))
        .and(path("/contracts/1"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    answer(
        &server,
        "GET",
        "/contracts/1",
        200,
        spec_example(SPEC, "ContractsDetails"),
    )
    .await;
    client(&server)
        .get_contract("1")
        .await
        .expect("second attempt succeeds");
    assert_eq!(api_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_post_meeting_503_is_not_retried() {
    let server = server_with_token().await;
    Mock::given(method("POST"))
        .and(path("/customers/CC/1/payments/checkout"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let err = client(&server)
        .checkout_payment("CC", "1", checkout_request())
        .await
        .expect_err("503 is returned");
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        api_requests(&server).await.len(),
        1,
        "the server saw exactly one request"
    );
}

#[tokio::test]
async fn a_5xx_fault_on_a_payment_is_an_unknown_outcome_even_when_its_body_decodes() {
    let server = server_with_token().await;
    Mock::given(method("POST"))
        .and(path("/customers/CC/1/payments/checkout"))
        .respond_with(ResponseTemplate::new(504).set_body_json(spec_example(SPEC, "GatewayFault")))
        .mount(&server)
        .await;
    let err = client(&server)
        .checkout_payment("CC", "1", checkout_request())
        .await
        .expect_err("504");
    assert!(err.outcome_unknown(), "{err:?}");
    assert!(matches!(
        err,
        Error::OutcomeUnknown {
            status: Some(504),
            ..
        }
    ));
    assert_eq!(api_requests(&server).await.len(), 1, "not retried");
}

#[tokio::test]
async fn an_unreadable_200_on_a_payment_is_an_unknown_outcome() {
    let server = server_with_token().await;
    Mock::given(method("POST"))
        .and(path("/customers/CC/1/payments/checkout"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>ok?</html>"))
        .mount(&server)
        .await;
    let err = client(&server)
        .checkout_payment("CC", "1", checkout_request())
        .await
        .expect_err("unreadable");
    assert!(err.outcome_unknown(), "{err:?}");
}
