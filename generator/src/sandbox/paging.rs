//! Pages for paginated operations ([`crate::ir::Operation::pagination`]):
//! the answer made for the operation becomes page `i` of `N` (3 by
//! default, `Prefer: pages=N`), following the declared scheme — its items
//! repeated up to the page size asked for, the next cursor or link set
//! while pages remain, `has-more` and `total` kept true to them — and the
//! page after the last is empty, so a client's stream ends.

use serde_json::{json, Value as Json};

use crate::ir::{CursorSource, PageScheme, Pagination};

/// Pages a paginated operation has unless `Prefer: pages=N` says.
pub const DEFAULT_PAGES: u64 = 3;
/// The most items a made-up page holds.
pub const MAX_PAGE_ITEMS: usize = 100;
/// Cursors the sandbox hands out: `sandbox-page-<index>`.
const CURSOR: &str = "sandbox-page-";

/// A page: its body, and headers to add (a cursor or a `Link`).
pub struct Paged {
    /// The body.
    pub body: Vec<u8>,
    /// Headers to add.
    pub headers: Vec<(String, String)>,
}

/// Makes the page a request asks for (by its `query` and the `Prefer`
/// header) out of the answer `body`; a next link points at `path`, the
/// request's own path, with `sandbox_page=<index>`.
pub fn page(
    pagination: &Pagination,
    body: &[u8],
    query: &str,
    prefer: &str,
    path: &str,
) -> Option<Paged> {
    let mut doc: Json = serde_json::from_slice(body).ok()?;
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |name: &str| -> Option<&str> {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let number = |name: &Option<String>| -> Option<u64> {
        name.as_deref().and_then(get).and_then(|v| v.parse().ok())
    };
    let pages = prefer
        .split([',', ';'])
        .filter_map(|p| p.trim().strip_prefix("pages="))
        .find_map(|n| n.trim().parse::<u64>().ok())
        .unwrap_or(DEFAULT_PAGES);
    let from_cursor = |value: Option<&str>| -> u64 {
        value
            .and_then(|v| v.strip_prefix(CURSOR))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    // Which page is asked for, and how many items a page holds.
    let (index, size) = match &pagination.scheme {
        PageScheme::PageNumber { page, size, first } => (
            get(page)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(*first)
                .saturating_sub(*first),
            number(size),
        ),
        PageScheme::Offset { offset, limit } => {
            let size = number(limit);
            let offset = get(offset).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            (offset / size.unwrap_or(1).max(1), size)
        }
        PageScheme::Cursor { param, size, .. } => (from_cursor(get(param)), number(size)),
        PageScheme::NextLink { .. } => (from_cursor(get("sandbox_page")), None),
    };
    let items_at = pagination.items.as_deref().unwrap_or("");
    let template = match doc.pointer(items_at) {
        Some(Json::Array(items)) => items.first().cloned(),
        _ => None,
    };
    let count = if index >= pages {
        0
    } else {
        size.map_or(1, |s| s as usize).clamp(1, MAX_PAGE_ITEMS)
    };
    let items: Vec<Json> = match template {
        Some(item) => vec![item; count],
        None => Vec::new(),
    };
    let per_page = items.len() as u64;
    let more = index + 1 < pages && per_page > 0;
    let mut headers = Vec::new();
    if let PageScheme::Cursor {
        from: CursorSource::LastItem(field),
        ..
    } = &pagination.scheme
    {
        // The last item names the next page.
        let mut items = items;
        if let Some(last) = items.last_mut() {
            set(last, field, json!(format!("{CURSOR}{}", index + 1)));
        }
        set(&mut doc, items_at, Json::Array(items));
    } else {
        set(&mut doc, items_at, Json::Array(items));
    }
    let next = more.then(|| format!("{CURSOR}{}", index + 1));
    match &pagination.scheme {
        PageScheme::Cursor { from, .. } => match from {
            CursorSource::Field(field) => {
                set(&mut doc, field, next.map_or(Json::Null, Json::String));
            }
            CursorSource::Header(name) => {
                if let Some(next) = next {
                    headers.push((name.clone(), next));
                }
            }
            CursorSource::LastItem(_) => {}
        },
        PageScheme::NextLink { field } => {
            let link = next.map(|n| format!("{path}?sandbox_page={}", &n[CURSOR.len()..]));
            match field {
                Some(field) => set(&mut doc, field, link.map_or(Json::Null, Json::String)),
                None => {
                    if let Some(link) = link {
                        headers.push(("link".into(), format!("<{link}>; rel=\"next\"")));
                    }
                }
            }
        }
        _ => {}
    }
    if let Some(has_more) = &pagination.has_more {
        set(&mut doc, has_more, Json::Bool(more));
    }
    if let Some(total) = &pagination.total {
        set(&mut doc, total, json!(pages * count.max(1) as u64));
    }
    Some(Paged {
        body: doc.to_string().into_bytes(),
        headers,
    })
}

/// Sets the value at `pointer` (`""`: the whole document), making the
/// objects on the way.
fn set(doc: &mut Json, pointer: &str, value: Json) {
    let mut here = doc;
    for segment in pointer.split('/').skip(1) {
        let key = segment.replace("~1", "/").replace("~0", "~");
        if !here.is_object() {
            *here = Json::Object(Default::default());
        }
        let Json::Object(map) = here else { return };
        here = map.entry(key).or_insert(Json::Null);
    }
    *here = value;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::TypeRef;

    fn cursor() -> Pagination {
        Pagination {
            scheme: PageScheme::Cursor {
                param: "cursor".into(),
                from: CursorSource::Field("/meta/next".into()),
                size: Some("limit".into()),
                alone: false,
            },
            items: Some("/items".into()),
            item: TypeRef::Json,
            has_more: Some("/has_more".into()),
            total: None,
            stop_on_short_page: false,
        }
    }

    fn body(paged: &Paged) -> Json {
        serde_json::from_slice(&paged.body).expect("JSON")
    }

    #[test]
    fn pages_follow_the_cursor_and_end() {
        let answer = br#"{"items": [{"id": "a"}], "has_more": false}"#;
        let first = page(&cursor(), answer, "limit=2", "pages=2", "/l").expect("paged");
        let first = body(&first);
        assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
        assert_eq!(first["meta"]["next"], "sandbox-page-1");
        assert_eq!(first["has_more"], true);
        let last = body(
            &page(
                &cursor(),
                answer,
                "limit=2&cursor=sandbox-page-1",
                "pages=2",
                "/l",
            )
            .expect("paged"),
        );
        assert_eq!(last["meta"]["next"], Json::Null);
        assert_eq!(last["has_more"], false);
        let past = body(
            &page(&cursor(), answer, "cursor=sandbox-page-2", "pages=2", "/l").expect("paged"),
        );
        assert_eq!(past["items"], json!([]));
    }
}
