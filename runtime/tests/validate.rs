//! Validation before sending: every problem with its path, messages that
//! name the rule and never the value.

mod common;

use std::collections::BTreeMap;
use std::convert::Infallible;

use common::*;
use pasarela_runtime::{
    validate, ClientBuilder, Decimal, Error, Problem, Request, Secret, Validate, ValidationError,
    Validator,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// What a generator emits for a model with constraints.
struct Item {
    amount: Decimal,
    account: String,
    email: Option<String>,
}

impl Validate for Item {
    fn validate(&self, v: &mut Validator) {
        v.at("amount", |v| v.minimum_decimal(&self.amount, "0", true));
        v.at("amount", |v| {
            v.maximum_decimal(&self.amount, "1000000.00", false)
        });
        v.at("account", |v| {
            v.pattern(&self.account, "^[0-9]+$");
            v.min_length(&self.account, 4);
            v.max_length(&self.account, 10);
        });
        if let Some(email) = &self.email {
            v.at("email", |v| v.email(email));
        }
    }
}

struct Batch {
    id: i64,
    items: Vec<Item>,
    key: Secret,
    tags: BTreeMap<String, Vec<Item>>,
}

impl Validate for Batch {
    fn validate(&self, v: &mut Validator) {
        v.at("id", |v| v.minimum_i64(self.id, 1, false));
        v.field("items", &self.items);
        v.at("items", |v| {
            v.min_items(self.items.len(), 1);
            v.max_items(self.items.len(), 3);
        });
        v.at("key", |v| v.pattern(self.key.expose(), "^[A-Z]{8}$"));
        v.field("tags", &self.tags);
    }
}

struct Body {
    order: Option<Box<Batch>>,
}

impl Validate for Body {
    fn validate(&self, v: &mut Validator) {
        v.field("order", &self.order);
    }
}

fn item(amount: i64, account: &str) -> Item {
    Item {
        amount: Decimal::from(amount),
        account: account.into(),
        email: None,
    }
}

fn problems(e: &ValidationError) -> Vec<(String, String)> {
    e.problems
        .iter()
        .map(|p| (p.path.clone(), p.message.clone()))
        .collect()
}

#[test]
fn valid_value_passes() {
    let body = Body {
        order: Some(Box::new(Batch {
            id: 1,
            items: vec![item(10, "1234")],
            key: Secret::new("ABCDEFGH"),
            tags: BTreeMap::new(),
        })),
    };
    assert_eq!(validate(&body), Ok(()));
    assert_eq!(validate(&Body { order: None }), Ok(()));
}

#[test]
fn every_problem_with_its_path() {
    let mut tags = BTreeMap::new();
    tags.insert("x y".to_owned(), vec![item(1, "123")]);
    let body = Body {
        order: Some(Box::new(Batch {
            id: 0,
            items: vec![
                item(5, "1234"),
                item(5, "1234"),
                Item {
                    amount: Decimal::ZERO,
                    account: "12ab".into(),
                    email: Some("not an email".into()),
                },
                item(2_000_000, "12345678901"),
            ],
            key: Secret::new("super-secret-value"),
            tags,
        })),
    };
    let err = validate(&body).unwrap_err();
    assert_eq!(
        problems(&err),
        [
            ("order.id", "must be greater than or equal to 1"),
            ("order.items[2].amount", "must be greater than 0"),
            ("order.items[2].account", "must match ^[0-9]+$"),
            ("order.items[2].email", "must be an email address"),
            (
                "order.items[3].amount",
                "must be less than or equal to 1000000.00"
            ),
            (
                "order.items[3].account",
                "must be at most 10 characters long"
            ),
            ("order.items", "must have at most 3 items"),
            ("order.key", "must match ^[A-Z]{8}$"),
            (
                "order.tags[\"x y\"][0].account",
                "must be at least 4 characters long"
            ),
        ]
        .map(|(p, m)| (p.to_owned(), m.to_owned()))
    );
    let text = err.to_string();
    assert!(
        text.starts_with(
            "invalid request: order.id must be greater than or equal to 1; \
             order.items[2].amount must be greater than 0; "
        ),
        "{text}"
    );
    assert!(!text.contains("super-secret-value"), "{text}");
    assert!(!text.contains("12ab"), "values are never quoted: {text}");
}

#[test]
fn empty_list_and_singular_messages() {
    let body = Batch {
        id: 1,
        items: vec![],
        key: Secret::new("ABCDEFGH"),
        tags: BTreeMap::new(),
    };
    let err = validate(&body).unwrap_err();
    assert_eq!(
        err.problems,
        vec![Problem {
            path: "items".into(),
            message: "must have at least 1 item".into(),
        }]
    );
    let mut v = Validator::new();
    v.min_length("", 1);
    assert_eq!(
        v.problems()[0].to_string(),
        "the value must be at least 1 character long"
    );
}

#[test]
fn invalid_regex_is_a_problem_not_a_panic() {
    let mut v = Validator::new();
    v.at("code", |v| v.pattern("abc", "^[0-9+$"));
    // Compiled once and cached, still reported every time.
    v.at("code", |v| v.pattern("abc", "^[0-9+$"));
    // Look-ahead is not supported by the regex crate.
    v.at("other", |v| v.pattern("abc", "^(?=a)"));
    let err = v.finish().unwrap_err();
    assert_eq!(err.problems.len(), 3);
    for p in &err.problems {
        assert!(
            p.message.contains("pattern is not a valid regex"),
            "{}",
            p.message
        );
    }
    assert_eq!(err.problems[0].path, "code");
}

#[test]
fn patterns_are_unanchored_like_json_schema() {
    let mut v = Validator::new();
    v.pattern("abc123", "[0-9]");
    v.pattern("ñandú", "^.{5}$");
    assert!(v.finish().is_ok());
}

#[test]
fn email_checks() {
    for ok in ["ana@example.com", "a.b+c@mail.example.org"] {
        let mut v = Validator::new();
        v.email(ok);
        assert!(v.finish().is_ok(), "{ok}");
    }
    for bad in [
        "",
        "ana",
        "ana@example",
        "@example.com",
        "ana@@example.com",
        "a@b@example.com",
        "ana @example.com",
        "ana@example..com",
    ] {
        let mut v = Validator::new();
        v.email(bad);
        assert!(v.finish().is_err(), "{bad}");
    }
}

#[test]
fn integer_bounds() {
    let mut v = Validator::new();
    v.at("a", |v| v.minimum_i64(0, 0, true));
    v.at("b", |v| v.maximum_i64(10, 10, true));
    v.at("c", |v| v.maximum_i64(11, 10, false));
    v.at("d", |v| v.minimum_i64(0, 0, false));
    assert_eq!(
        problems(&v.finish().unwrap_err()),
        [
            ("a", "must be greater than 0"),
            ("b", "must be less than 10"),
            ("c", "must be less than or equal to 10"),
        ]
        .map(|(p, m)| (p.to_owned(), m.to_owned()))
    );
}

#[tokio::test]
async fn generated_code_validates_before_sending() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let client = ClientBuilder::new(&API)
        .base_url(server.uri())
        .build()
        .unwrap();
    let body = Batch {
        id: 1,
        items: vec![item(-1, "1234")],
        key: Secret::new("ABCDEFGH"),
        tags: BTreeMap::new(),
    };
    // What generated code does before anything is sent.
    let send = async {
        pasarela_runtime::validate(&body).map_err(Error::<Infallible>::Validation)?;
        client.send::<Infallible>(Request::new(&POST_OPEN)).await
    };
    let err = send.await.unwrap_err();
    assert!(matches!(&err, Error::Validation(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid request: items[0].amount must be greater than 0"
    );
    assert!(!err.outcome_unknown());
    assert_eq!(err.status(), None);
    assert!(server.received_requests().await.unwrap().is_empty());
}
