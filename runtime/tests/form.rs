//! Form bodies from structs, and form-field API keys: in the body, in a
//! multipart part next to a CSV file, or in the query string of a request
//! without a body.

mod common;

use std::convert::Infallible;

use common::rows::*;
use common::*;
use pasarela_runtime::csv::CsvInput;
use pasarela_runtime::{
    ClientBuilder, Decimal, EncodeError, Error, HttpMethod, Operation, Part, Request, Secret,
};
use serde::Serialize;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "form-key-SECRET-456";

static GET_WITH_FORM_KEY: Operation = Operation {
    id: "listWithFormKey",
    method: HttpMethod::Get,
    path: "/g",
    security: &[&["formKey"]],
    idempotent: true,
    moves_money: false,
    send_once: false,
    outcome_reference: None,
    idempotency: None,
};

static DELETE_WITH_FORM_KEY: Operation = Operation {
    id: "deleteWithFormKey",
    method: HttpMethod::Delete,
    path: "/g/{id}",
    security: &[&["formKey"]],
    idempotent: true,
    moves_money: false,
    send_once: false,
    outcome_reference: None,
    idempotency: None,
};

#[derive(Serialize)]
struct Payment {
    amount: Decimal,
    #[serde(rename = "ref")]
    reference: String,
    note: Option<String>,
    #[serde(with = "pasarela_runtime::serde_util::decimal_number")]
    exact: Decimal,
    #[serde(with = "pasarela_runtime::serde_util::string_as_number")]
    account: String,
    count: i64,
    urgent: bool,
    tags: Vec<String>,
    token: Secret,
}

fn payment() -> Payment {
    Payment {
        amount: "10.50".parse().unwrap(),
        reference: "a b&c".into(),
        note: None,
        exact: "1322.10".parse().unwrap(),
        account: "4040440".into(),
        count: 3,
        urgent: true,
        tags: vec!["x".into(), "y".into()],
        token: Secret::new("tok en"),
    }
}

fn builder(server: &MockServer) -> ClientBuilder {
    ClientBuilder::new(&API)
        .base_url(server.uri())
        .retry_policy(fast_retry(1))
        .api_key("formKey", KEY)
}

#[tokio::test]
async fn form_struct_with_form_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/f"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(format!(
            "amount=10.50&ref=a+b%26c&exact=1322.10&account=4040440&count=3&urgent=true&tags=x&tags=y&token=tok+en&hash={KEY}"
        )))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).build().unwrap();
    let mut req = Request::new(&WITH_FORM_KEY);
    req.form_struct(&payment()).unwrap();
    assert!(!format!("{req:?}").contains("tok en"));
    c.send::<Infallible>(req).await.unwrap();
}

#[test]
fn form_struct_refuses_what_a_form_cannot_carry() {
    #[derive(Serialize)]
    struct Nested {
        inner: Inner,
    }
    #[derive(Serialize)]
    struct Inner {
        a: u8,
    }
    let mut req = Request::new(&WITH_FORM_KEY);
    let err = req
        .form_struct(&Nested {
            inner: Inner { a: 1 },
        })
        .unwrap_err();
    assert!(matches!(err, EncodeError::Form(_)));
    assert_eq!(
        err.to_string(),
        "could not encode the request body as form fields: field `inner` is an object, which a form cannot carry"
    );
    let err = req.form_struct("just text").unwrap_err();
    assert!(
        err.to_string().contains("must be a struct or a map"),
        "{err}"
    );
    let e: Error<Infallible> = Error::from_encode(err);
    assert!(matches!(e, Error::InvalidRequest(_)));
}

#[tokio::test]
async fn form_key_goes_in_the_query_without_a_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = builder(&server).build().unwrap();
    let mut req = Request::new(&GET_WITH_FORM_KEY);
    req.query("page", "2");
    c.send::<Infallible>(req).await.unwrap();
    let mut req = Request::new(&DELETE_WITH_FORM_KEY);
    req.path_param("id", "7");
    c.send::<Infallible>(req).await.unwrap();

    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].url.path(), "/g");
    assert_eq!(
        reqs[0].url.query(),
        Some(format!("page=2&hash={KEY}").as_str())
    );
    assert!(reqs[0].body.is_empty());
    assert!(!reqs[0].headers.contains_key("content-type"));
    assert_eq!(reqs[1].url.path(), "/g/7");
    assert_eq!(reqs[1].url.query(), Some(format!("hash={KEY}").as_str()));
    assert!(reqs[1].body.is_empty());
}

#[tokio::test]
async fn form_key_in_the_query_never_in_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let c = ClientBuilder::new(&API)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_retry(1))
        .api_key("formKey", KEY)
        .build()
        .unwrap();
    assert!(!format!("{c:?}").contains(KEY));
    let err = c
        .send::<Infallible>(Request::new(&GET_WITH_FORM_KEY))
        .await
        .unwrap_err();
    assert!(!err.to_string().contains(KEY), "{err}");
    assert!(!format!("{err:?}").contains(KEY), "{err:?}");
    let err = c
        .send_streaming::<Infallible>(Request::new(&GET_WITH_FORM_KEY))
        .await
        .unwrap_err();
    assert!(!format!("{err:?}").contains(KEY), "{err:?}");
}

#[tokio::test]
async fn multipart_csv_file_with_form_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/f"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("OK: 201805 - 1 registros importados"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).build().unwrap();

    // What generated code does with a CSV part.
    let input: CsvInput<Charge> = vec![example_charge()].into();
    let bytes = input.into_bytes(&SEMICOLON).await.unwrap();
    let mut req = Request::new(&WITH_FORM_KEY);
    req.multipart_body(vec![
        Part::text("fecha", "2018-05-01"),
        Part::file("archivo", SEMICOLON.file_name, "text/csv", bytes),
    ]);
    c.send::<Infallible>(req).await.unwrap();

    let reqs = server.received_requests().await.unwrap();
    let r = &reqs[0];
    let content_type = r.headers["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("multipart/form-data; boundary="));
    let body = String::from_utf8(r.body.clone()).unwrap();
    assert!(
        body.contains(&format!(
            "Content-Disposition: form-data; name=\"hash\"\r\n\r\n{KEY}\r\n"
        )),
        "{body}"
    );
    assert!(
        body.contains(
            "Content-Disposition: form-data; name=\"archivo\"; filename=\"cobros.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        ),
        "{body}"
    );
    assert!(body.contains(&format!("{EXAMPLE_LINE}\n")), "{body}");
    assert!(
        body.contains("name=\"fecha\"\r\n\r\n2018-05-01\r\n"),
        "{body}"
    );
}
