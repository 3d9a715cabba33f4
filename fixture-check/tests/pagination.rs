//! Paginated operations end to end: the client generated from
//! `generator/tests/fixtures/pagination.yaml` against a server on
//! 127.0.0.1 that pages a list of items the way each scheme says. Each
//! test checks the items (or pages) the stream yields and the requests the
//! server saw: several pages, an empty first page, an error on page 3, a
//! repeated cursor, and the limits.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use pasarela_fixture_check::pagination::errors::ListByPageError;
use pasarela_fixture_check::pagination::types::Item;
use pasarela_fixture_check::pagination::Client;
use pasarela_fixture_check::pasarela_runtime::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// An answer: status, extra headers, JSON body.
type Answer = (u16, Vec<(String, String)>, String);
type Script = dyn Fn(&str, &HashMap<String, String>, &str) -> Answer + Send + Sync;

/// A server answering each request with `script(path, query, own url)`;
/// it records every request target (path and query).
struct PageServer {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl PageServer {
    async fn start(
        script: impl Fn(&str, &HashMap<String, String>, &str) -> Answer + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let (log, own) = (Arc::clone(&seen), url.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (log, script, own) = (Arc::clone(&log), Arc::clone(&script), own.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).into_owned();
                    let target = head
                        .lines()
                        .next()
                        .and_then(|l| l.split(' ').nth(1))
                        .unwrap_or("/")
                        .to_owned();
                    log.lock().expect("lock").push(target.clone());
                    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                    let query: HashMap<String, String> = query
                        .split('&')
                        .filter_map(|kv| kv.split_once('='))
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect();
                    let (status, headers, body) = script(path, &query, &own);
                    let mut out = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                        body.len()
                    );
                    for (k, v) in headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    out.push_str(&body);
                    let _ = socket.write_all(out.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        PageServer { url, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }

    fn client(&self) -> Client {
        Client::builder()
            .base_url(&self.url)
            .max_attempts(1)
            .build()
            .expect("client")
    }
}

/// Items `i0`, `i1`, … as JSON objects.
fn items(range: std::ops::Range<usize>) -> Vec<serde_json::Value> {
    range
        .map(|i| serde_json::json!({"id": format!("i{i}")}))
        .collect()
}

fn ok(body: serde_json::Value) -> Answer {
    (200, Vec::new(), body.to_string())
}

fn num(query: &HashMap<String, String>, key: &str, default: usize) -> usize {
    query
        .get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn ids(
    stream: impl futures_util::Stream<Item = Result<Item, impl std::fmt::Debug>>,
) -> Vec<String> {
    stream
        .map(|r| r.expect("an item").id)
        .collect::<Vec<_>>()
        .await
}

/// Page numbers from 0, five items, `total: 5`.
fn by_page(_: &str, q: &HashMap<String, String>, _: &str) -> Answer {
    let (page, size) = (num(q, "page", 99), num(q, "per_page", 2));
    let start = (page * size).min(5);
    ok(serde_json::json!({"data": items(start..(start + size).min(5)), "total": 5}))
}

#[tokio::test]
async fn page_numbers_stop_at_the_total_and_keep_the_callers_filters() {
    let server = PageServer::start(by_page).await;
    let client = server.client();
    let got = ids(client.list_by_page().per_page(2).status("open").items()).await;
    assert_eq!(got, ["i0", "i1", "i2", "i3", "i4"]);
    assert_eq!(
        server.seen(),
        [
            "/by-page?per_page=2&status=open&page=0",
            "/by-page?per_page=2&status=open&page=1",
            "/by-page?per_page=2&status=open&page=2",
        ],
        "the total ends it: no empty page is asked for"
    );
}

#[tokio::test]
async fn the_limits_stop_fetching() {
    let server = PageServer::start(by_page).await;
    let client = server.client();
    let got = ids(client.list_by_page().per_page(2).items().max_items(3)).await;
    assert_eq!(got, ["i0", "i1", "i2"]);
    assert_eq!(server.seen().len(), 2, "no page past the third item");
    let pages: Vec<_> = client
        .list_by_page()
        .per_page(2)
        .pages()
        .max_pages(1)
        .collect()
        .await;
    assert_eq!(pages.len(), 1);
    let page = pages.into_iter().next().expect("a page").expect("ok");
    assert_eq!(
        (page.number(), page.status(), page.items().len()),
        (1, 200, 2)
    );
}

#[tokio::test]
async fn an_error_on_page_three_ends_the_stream_after_the_items_yielded() {
    let server = PageServer::start(|p, q, own| {
        if num(q, "page", 0) == 2 {
            (400, Vec::new(), r#"{"title":"page too far"}"#.into())
        } else {
            by_page(p, q, own)
        }
    })
    .await;
    let client = server.client();
    let got: Vec<Result<Item, Error<ListByPageError>>> =
        client.list_by_page().per_page(1).items().collect().await;
    assert_eq!(got.len(), 3, "two items, then the error, then the end");
    assert_eq!(got[1].as_ref().expect("second item").id, "i1");
    let e = got[2].as_ref().expect_err("page 3 failed");
    assert_eq!(e.status(), Some(400));
    assert!(matches!(e, Error::Api { .. }), "the declared error: {e:?}");
}

#[tokio::test]
async fn offsets_advance_by_the_items_received_and_a_short_page_is_the_last() {
    let server = PageServer::start(|_, q, _| {
        let (offset, limit) = (num(q, "offset", 0), num(q, "limit", 2));
        ok(serde_json::Value::Array(items(
            offset.min(5)..(offset + limit).min(5),
        )))
    })
    .await;
    let got = ids(server.client().list_by_offset().limit(2).items()).await;
    assert_eq!(got, ["i0", "i1", "i2", "i3", "i4"]);
    assert_eq!(
        server.seen(),
        [
            "/by-offset?limit=2",
            "/by-offset?limit=2&offset=2",
            "/by-offset?limit=2&offset=4",
        ]
    );
}

#[tokio::test]
async fn a_cursor_in_the_body_is_followed_until_has_more_is_false() {
    let server = PageServer::start(|_, q, _| match q.get("cursor").map(String::as_str) {
        None => ok(serde_json::json!({"items": items(0..2), "has_more": true,
            "response_metadata": {"next_cursor": "c1"}})),
        Some("c1") => ok(serde_json::json!({"items": items(2..3), "has_more": false,
            "response_metadata": {"next_cursor": "c2"}})),
        Some(_) => (500, Vec::new(), "{}".into()),
    })
    .await;
    let got = ids(server.client().list_by_cursor().status("open").items()).await;
    assert_eq!(got, ["i0", "i1", "i2"]);
    assert_eq!(
        server.seen(),
        ["/by-cursor?status=open", "/by-cursor?status=open&cursor=c1"]
    );
}

#[tokio::test]
async fn an_empty_first_page_is_an_empty_stream() {
    let server = PageServer::start(|_, _, _| {
        (
            200,
            vec![("x-next-cursor".into(), "c1".into())],
            "[]".into(),
        )
    })
    .await;
    let got = ids(server.client().list_by_header().items()).await;
    assert!(got.is_empty());
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_cursor_from_a_header_that_repeats_ends_the_stream_with_an_error() {
    let server = PageServer::start(|_, q, _| {
        let after = num(q, "after", 0);
        // The answers give cursors 1, 2, then 2 again.
        let next = (after + 1).min(2);
        (
            200,
            vec![("x-next-cursor".into(), next.to_string())],
            serde_json::Value::Array(items(after..after + 1)).to_string(),
        )
    })
    .await;
    let got: Vec<_> = server.client().list_by_header().items().collect().await;
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got[2].as_ref().expect("the third page's item").id, "i2");
    let e = got[3].as_ref().expect_err("the loop is refused");
    assert!(matches!(e, Error::Pagination(_)), "{e:?}");
    assert_eq!(
        server.seen(),
        ["/by-header", "/by-header?after=1", "/by-header?after=2"]
    );
}

#[tokio::test]
async fn a_starting_after_cursor_is_the_last_items_id() {
    let server = PageServer::start(|_, q, _| {
        let start = match q.get("starting_after") {
            None => 0,
            Some(id) => id.trim_start_matches('i').parse::<usize>().unwrap_or(0) + 1,
        };
        let end = (start + num(q, "limit", 2)).min(5);
        ok(serde_json::json!({"data": items(start..end), "has_more": end < 5}))
    })
    .await;
    let got = ids(server.client().list_by_last_item().limit(2).items()).await;
    assert_eq!(got, ["i0", "i1", "i2", "i3", "i4"]);
    assert_eq!(
        server.seen(),
        [
            "/by-last-item?limit=2",
            "/by-last-item?limit=2&starting_after=i1",
            "/by-last-item?limit=2&starting_after=i3",
        ]
    );
}

#[tokio::test]
async fn a_next_link_in_the_body_is_followed_as_given() {
    let server = PageServer::start(|_, q, _| match q.get("page").map(String::as_str) {
        None => ok(serde_json::json!({"items": items(0..2),
            "next_page_uri": "/by-next-field?page=2&sig=abc"})),
        Some("2") => ok(serde_json::json!({"items": items(2..3), "next_page_uri": null})),
        Some(_) => (500, Vec::new(), "{}".into()),
    })
    .await;
    let got = ids(server.client().list_by_next_field().items()).await;
    assert_eq!(got, ["i0", "i1", "i2"]);
    assert_eq!(
        server.seen(),
        ["/by-next-field", "/by-next-field?page=2&sig=abc"]
    );
}

#[tokio::test]
async fn a_link_header_is_followed_on_the_same_origin_only() {
    let server = PageServer::start(|_, q, own| match q.get("page").map(String::as_str) {
        None => (
            200,
            vec![(
                "link".into(),
                format!(r#"<{own}/by-link-header?page=2>; rel="next", <{own}/by-link-header?page=9>; rel="last""#),
            )],
            serde_json::Value::Array(items(0..2)).to_string(),
        ),
        Some("2") => (
            200,
            vec![("link".into(), r#"<http://elsewhere.test/steal?page=3>; rel="next""#.into())],
            serde_json::Value::Array(items(2..3)).to_string(),
        ),
        Some(_) => (500, Vec::new(), "{}".into()),
    })
    .await;
    let got: Vec<_> = server
        .client()
        .list_by_link_header()
        .items()
        .collect()
        .await;
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(got[2].as_ref().expect("third").id, "i2");
    let e = got[3].as_ref().expect_err("another origin is not followed");
    assert!(
        matches!(e, Error::InvalidRequest(m) if m.contains("another origin")),
        "{e:?}"
    );
    assert_eq!(server.seen().len(), 2, "nothing was sent elsewhere");
}

#[tokio::test]
async fn a_dropshot_page_token_is_sent_alone_with_the_limit() {
    let server = PageServer::start(|_, q, _| match q.get("page_token").map(String::as_str) {
        None => ok(serde_json::json!({"items": items(0..2), "next_page": "tok1"})),
        Some("tok1") => ok(serde_json::json!({"items": items(2..3), "next_page": null})),
        Some(_) => (500, Vec::new(), "{}".into()),
    })
    .await;
    let got = ids(server
        .client()
        .list_dropshot()
        .limit(2)
        .sort_by("name")
        .items())
    .await;
    assert_eq!(got, ["i0", "i1", "i2"]);
    assert_eq!(
        server.seen(),
        [
            "/dropshot?limit=2&sort_by=name",
            "/dropshot?limit=2&page_token=tok1"
        ],
        "the token carries the filters"
    );
}

/// The same cases for every scheme: a server that serves `pages` (item
/// counts) the way `scheme` pages them, optionally failing page 3 or
/// repeating the first cursor/link forever.
mod every_scheme {
    use super::*;

    #[derive(Clone, Copy, PartialEq, Debug)]
    enum Scheme {
        Page,
        Offset,
        CursorField,
        CursorHeader,
        LastItem,
        NextField,
        LinkHeader,
        Dropshot,
    }

    const ALL: [Scheme; 8] = [
        Scheme::Page,
        Scheme::Offset,
        Scheme::CursorField,
        Scheme::CursorHeader,
        Scheme::LastItem,
        Scheme::NextField,
        Scheme::LinkHeader,
        Scheme::Dropshot,
    ];

    #[derive(Clone, Copy)]
    struct Plan {
        /// Items per page (page 0 first); past the end: an empty page.
        pages: &'static [usize],
        fail_third: bool,
        repeat: bool,
    }

    /// Which page (0-based) a request asks for, by scheme.
    fn index(scheme: Scheme, q: &HashMap<String, String>) -> usize {
        let token = |k: &str| {
            q.get(k)
                .map(|v| v.trim_start_matches('p').parse().unwrap_or(0))
        };
        match scheme {
            Scheme::Page => num(q, "page", 0),
            Scheme::Offset => num(q, "offset", 0) / 2,
            Scheme::CursorField => token("cursor").unwrap_or(0),
            Scheme::CursorHeader => token("after").unwrap_or(0),
            // `starting_after` is the last id: `i<page>-<n>`.
            Scheme::LastItem => q
                .get("starting_after")
                .and_then(|id| {
                    id.trim_start_matches('i')
                        .split('-')
                        .next()?
                        .parse::<usize>()
                        .ok()
                })
                .map_or(0, |p| p + 1),
            Scheme::NextField | Scheme::LinkHeader => num(q, "page", 0),
            Scheme::Dropshot => token("page_token").unwrap_or(0),
        }
    }

    fn serve(
        scheme: Scheme,
        plan: Plan,
    ) -> impl Fn(&str, &HashMap<String, String>, &str) -> Answer {
        move |path, q, own| {
            let i = index(scheme, q);
            if plan.fail_third && i == 2 {
                return (400, Vec::new(), r#"{"title":"no"}"#.into());
            }
            let count = plan.pages.get(i).copied().unwrap_or(0);
            let list: Vec<serde_json::Value> = (0..count)
                .map(|n| serde_json::json!({"id": format!("i{i}-{n}")}))
                .collect();
            let more = i + 1 < plan.pages.len();
            let next = if plan.repeat { 1 } else { i + 1 };
            let token = more.then(|| format!("p{next}"));
            let link = more.then(|| format!("{path}?page={next}"));
            let array = serde_json::Value::Array(list.clone()).to_string();
            match scheme {
                Scheme::Page => {
                    ok(serde_json::json!({"data": list, "total": plan.pages.iter().sum::<usize>()}))
                }
                Scheme::Offset => (200, Vec::new(), array),
                Scheme::CursorField => ok(serde_json::json!({"items": list, "has_more": more,
                    "response_metadata": {"next_cursor": token}})),
                Scheme::CursorHeader => (
                    200,
                    token
                        .map(|t| ("x-next-cursor".to_string(), t))
                        .into_iter()
                        .collect(),
                    array,
                ),
                Scheme::LastItem => {
                    if plan.repeat && i >= 1 {
                        // The same page again: its last id repeats.
                        let same: Vec<_> = (0..2)
                            .map(|n| serde_json::json!({"id": format!("i0-{n}")}))
                            .collect();
                        return ok(serde_json::json!({"data": same, "has_more": true}));
                    }
                    ok(serde_json::json!({"data": list, "has_more": more}))
                }
                Scheme::NextField => ok(serde_json::json!({"items": list, "next_page_uri": link})),
                Scheme::LinkHeader => (
                    200,
                    link.map(|l| ("link".to_string(), format!("<{own}{l}>; rel=\"next\"")))
                        .into_iter()
                        .collect(),
                    array,
                ),
                Scheme::Dropshot => ok(serde_json::json!({"items": list, "next_page": token})),
            }
        }
    }

    /// Every item id of the stream, or the error it ended with.
    async fn run(
        scheme: Scheme,
        plan: Plan,
        max_items: Option<usize>,
    ) -> (Vec<String>, Option<String>, usize) {
        let server = PageServer::start(serve(scheme, plan)).await;
        let client = server.client();
        macro_rules! collect {
            ($items:expr) => {{
                let items = match max_items {
                    Some(n) => $items.max_items(n),
                    None => $items,
                };
                let all: Vec<_> = items.collect().await;
                let mut ids = Vec::new();
                let mut error = None;
                for r in all {
                    match r {
                        Ok(item) => ids.push(item.id),
                        Err(e) => error = Some(format!("{e:?}")),
                    }
                }
                (ids, error)
            }};
        }
        let (ids, error) = match scheme {
            Scheme::Page => collect!(client.list_by_page().per_page(2).items()),
            Scheme::Offset => collect!(client.list_by_offset().limit(2).items()),
            Scheme::CursorField => collect!(client.list_by_cursor().items()),
            Scheme::CursorHeader => collect!(client.list_by_header().items()),
            Scheme::LastItem => collect!(client.list_by_last_item().limit(2).items()),
            Scheme::NextField => collect!(client.list_by_next_field().items()),
            Scheme::LinkHeader => collect!(client.list_by_link_header().items()),
            Scheme::Dropshot => collect!(client.list_dropshot().limit(2).items()),
        };
        (ids, error, server.seen().len())
    }

    const THREE: Plan = Plan {
        pages: &[2, 2, 1],
        fail_third: false,
        repeat: false,
    };

    #[tokio::test]
    async fn several_pages_are_streamed_to_the_end() {
        for scheme in ALL {
            let (ids, error, _) = run(scheme, THREE, None).await;
            assert_eq!(ids, ["i0-0", "i0-1", "i1-0", "i1-1", "i2-0"], "{scheme:?}");
            assert_eq!(error, None, "{scheme:?}");
        }
    }

    #[tokio::test]
    async fn an_empty_first_page_is_an_empty_stream() {
        for scheme in ALL {
            let plan = Plan {
                pages: &[0],
                ..THREE
            };
            let (ids, error, requests) = run(scheme, plan, None).await;
            assert!(
                ids.is_empty() && error.is_none(),
                "{scheme:?}: {ids:?} {error:?}"
            );
            assert_eq!(requests, 1, "{scheme:?}");
        }
    }

    #[tokio::test]
    async fn an_error_on_page_three_comes_after_the_items_of_pages_one_and_two() {
        for scheme in ALL {
            let plan = Plan {
                fail_third: true,
                ..THREE
            };
            let (ids, error, _) = run(scheme, plan, None).await;
            assert_eq!(ids, ["i0-0", "i0-1", "i1-0", "i1-1"], "{scheme:?}");
            assert!(error.is_some_and(|e| e.contains("400")), "{scheme:?}");
        }
    }

    #[tokio::test]
    async fn a_repeated_cursor_or_link_ends_the_stream_with_an_error() {
        for scheme in [
            Scheme::CursorField,
            Scheme::CursorHeader,
            Scheme::LastItem,
            Scheme::NextField,
            Scheme::LinkHeader,
            Scheme::Dropshot,
        ] {
            let plan = Plan {
                pages: &[2, 2, 2, 2, 2, 2],
                repeat: true,
                ..THREE
            };
            let (ids, error, requests) = run(scheme, plan, None).await;
            assert!(
                error.is_some_and(|e| e.contains("Pagination")),
                "{scheme:?}: {ids:?}"
            );
            assert!(requests <= 3, "{scheme:?}: {requests} requests");
        }
    }

    #[tokio::test]
    async fn max_items_stops_fetching() {
        for scheme in ALL {
            let (ids, error, requests) = run(scheme, THREE, Some(3)).await;
            assert_eq!(ids, ["i0-0", "i0-1", "i1-0"], "{scheme:?}");
            assert!(error.is_none(), "{scheme:?}");
            assert_eq!(requests, 2, "{scheme:?}: no page past the third item");
        }
    }
}
