//! The constructs of `generator/tests/fixtures/constructs.yaml`, sent and
//! decoded against a local server: cookie parameters and cookie API keys,
//! security alternatives ("any of" / "all of"), query styles, a query
//! parameter and a multipart part of the same name, several 2xx responses,
//! a discriminated union with wire tags kept verbatim, a property named
//! `$ref`.

use pasarela_fixture_check::constructs::{types, Client};
use pasarela_runtime::Error;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> pasarela_fixture_check::constructs::ClientBuilder {
    Client::builder().base_url(server.uri())
}

#[tokio::test]
async fn cookie_query_styles_and_a_part_named_like_a_query_parameter_are_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/upload"))
        // `;` cannot stand in a cookie value: percent-encoded.
        .and(header("cookie", "session=abc%3Bdef"))
        .and(query_param("file", "in-the-query"))
        .and(query_param("tags", "a|b"))
        .and(query_param("filter[a]", "x y"))
        .and(body_string_contains("name=\"file\""))
        .and(body_string_contains("file-bytes"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(serde_json::json!({"ok": true, "count": u64::MAX})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).build().expect("client");
    let answer = c
        .upload("abc;def")
        .file("in-the-query")
        .file_2(pasarela_runtime::bytes::Bytes::from_static(b"file-bytes"))
        .tags(vec!["a".into(), "b".into()])
        .filter(types::UploadFilter {
            a: Some("x y".into()),
        })
        .await
        .expect("201 decodes");
    match answer {
        types::UploadSuccess::Created(r) => {
            assert_eq!(r.ok, Some(true));
            // `format: uint64` is u64: values above i64::MAX decode.
            assert_eq!(r.count, Some(u64::MAX));
        }
        other => panic!("expected Created, got {other:?}"),
    }
}

#[tokio::test]
async fn each_2xx_status_decodes_into_its_own_variant() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/upload"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"$ref": "r-1", "self": "s", "Self": "S"})),
        )
        .mount(&server)
        .await;
    let c = client(&server).build().expect("client");
    match c.upload("s").await.expect("200 decodes") {
        types::UploadSuccess::Ok(body) => {
            assert_eq!(body.r#ref.as_deref(), Some("r-1"));
            assert_eq!(body.self_.as_deref(), Some("s"));
            assert_eq!(body.self_2.as_deref(), Some("S"));
        }
        other => panic!("expected Ok, got {other:?}"),
    }
}

#[tokio::test]
async fn a_specific_status_wins_over_its_range_and_default_takes_the_rest() {
    let server = MockServer::start().await;
    Mock::given(path("/upload"))
        .respond_with(ResponseTemplate::new(404).set_body_string("gone"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/upload"))
        .respond_with(ResponseTemplate::new(409).set_body_string("conflict"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/upload"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&server)
        .await;
    let c = client(&server).build().expect("client");
    use pasarela_fixture_check::constructs::errors::UploadError;
    let first = c.upload("s").await.expect_err("404");
    assert!(
        matches!(
            first,
            Error::Api {
                error: UploadError::NotFound(_),
                ..
            }
        ),
        "{first:?}"
    );
    let second = c.upload("s").await.expect_err("409");
    assert!(
        matches!(
            second,
            Error::Api {
                error: UploadError::Status4xx { status: 409, .. },
                ..
            }
        ),
        "{second:?}"
    );
    let third = c.upload("s").await.expect_err("502");
    assert!(
        matches!(
            third,
            Error::Api {
                error: UploadError::Other { status: 502, .. },
                ..
            }
        ),
        "{third:?}"
    );
}

fn event(tag: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({"type": tag, "id": "e-1"}))
}

#[tokio::test]
async fn the_cookie_alternative_alone_is_enough() {
    let server = MockServer::start().await;
    Mock::given(path("/events"))
        .and(header("cookie", "SESSION=cookie-key"))
        .respond_with(event("created.v1"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server)
        .cookie_key_api_key("cookie-key")
        .build()
        .expect("client");
    match c.list_events().await.expect("decodes") {
        types::Event::Created(e) => assert_eq!(e.id, "e-1"),
        other => panic!("expected Created, got {other:?}"),
    }
    let requests = server.received_requests().await.expect("recorded");
    assert!(requests[0].headers.get("x-key").is_none());
}

#[tokio::test]
async fn an_all_of_alternative_sends_every_scheme_and_needs_them_all() {
    let server = MockServer::start().await;
    Mock::given(path("/events"))
        .and(header("x-key", "h"))
        .and(query_param("key", "q"))
        .respond_with(event("deleted.v1"))
        .expect(1)
        .mount(&server)
        .await;
    let both = client(&server)
        .header_key_api_key("h")
        .query_key_api_key("q")
        .build()
        .expect("client");
    assert!(matches!(
        both.list_events().await,
        Ok(types::Event::Deleted(_))
    ));

    // Half of an "all of" alternative is no alternative: nothing is sent.
    let half = client(&server)
        .header_key_api_key("h")
        .build()
        .expect("client");
    let err = half.list_events().await.expect_err("missing the query key");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn an_unknown_tag_is_kept_whole_and_a_missing_tag_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/events"))
        .respond_with(event("archived.v2"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "x"})))
        .mount(&server)
        .await;
    let c = client(&server)
        .cookie_key_api_key("k")
        .build()
        .expect("client");
    match c.list_events().await.expect("decodes") {
        types::Event::Unknown(v) => assert_eq!(v["type"], "archived.v2"),
        other => panic!("expected Unknown, got {other:?}"),
    }
    let err = c.list_events().await.expect_err("no tag");
    assert!(err.to_string().contains("type"), "{err}");
}
