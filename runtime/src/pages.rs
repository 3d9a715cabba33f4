//! Paginated operations as streams: [`Pages`] (one [`Page`] per request)
//! and [`Items`] (the items across pages), for the schemes real APIs use
//! (page number, offset/limit, a cursor from the body, a header or the last
//! item, a next link in the body or the `Link` header), as the spec
//! declares them (`x-pasarela-pagination`).
//!
//! Every page is requested through the client's normal pipeline (retries,
//! timeouts, hooks, credentials), from the same request builder, so the
//! caller's filters and page size apply to every page. Only one page is
//! held at a time. A failed page ends the stream with its error, after
//! the items already yielded; a cursor or link that repeats ends it with
//! [`Error::Pagination`] instead of looping.

use std::collections::HashSet;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, Stream, StreamExt};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::call::{prepare, Call, FromResponse};
use crate::error::Error;
use crate::response::{request_id, Response, ResponseHeaders};

/// How an operation pages its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    /// How the next page is asked for.
    pub scheme: PageScheme,
    /// JSON pointer to the page's items in the body; `None`: the body is the
    /// array of items.
    pub items: Option<&'static str>,
    /// JSON pointer to a boolean that is `false` on the last page.
    pub has_more: Option<&'static str>,
    /// JSON pointer to the total number of items across pages.
    pub total: Option<&'static str>,
    /// A page with fewer items than the page size asked for is the last.
    pub stop_on_short_page: bool,
}

/// How the next page is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageScheme {
    /// A page-number query parameter, counting from `first`.
    PageNumber {
        /// The page parameter.
        page: &'static str,
        /// The page-size parameter, if any.
        size: Option<&'static str>,
        /// The first page's number (0 or 1).
        first: u64,
    },
    /// An offset query parameter, advanced by the items received.
    Offset {
        /// The offset parameter.
        offset: &'static str,
        /// The limit (page size) parameter, if any.
        limit: Option<&'static str>,
    },
    /// A cursor query parameter, read from each answer.
    Cursor {
        /// The cursor parameter.
        param: &'static str,
        /// Where each answer gives the next cursor.
        from: CursorSource,
        /// The page-size parameter, if any.
        size: Option<&'static str>,
        /// After the first page, send only the cursor and the page size
        /// (the cursor carries the filters, as in Dropshot's `page_token`).
        alone: bool,
    },
    /// A URL to follow for the next page, read from each answer.
    NextLink {
        /// Where each answer gives it.
        from: LinkSource,
    },
}

/// Where an answer gives the next cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CursorSource {
    /// A JSON pointer into the body (absent, `null` or empty: last page).
    Field(&'static str),
    /// A response header (absent or empty: last page).
    Header(&'static str),
    /// A JSON pointer into the page's last item (e.g. `/id` for a
    /// `starting_after` cursor); an empty page is the last.
    LastItem(&'static str),
}

/// Where an answer gives the next page's URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkSource {
    /// A JSON pointer into the body.
    Field(&'static str),
    /// The `Link` header's `rel="next"` (RFC 8288).
    LinkHeader,
}

/// One page of a paginated answer, with its response's metadata.
pub struct Page<T> {
    items: Vec<T>,
    status: u16,
    headers: HeaderMap,
    number: usize,
}

impl<T> Page<T> {
    /// The page's items.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The page's items, owned.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request id the server gave, if any.
    pub fn request_id(&self) -> Option<&str> {
        request_id(&self.headers)
    }

    /// This page's position in the stream (1 for the first).
    pub fn number(&self) -> usize {
        self.number
    }
}

impl<T: fmt::Debug> fmt::Debug for Page<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("Page")
            .field("number", &self.number)
            .field("status", &self.status)
            .field("items", &self.items)
            .field("headers", &names)
            .finish()
    }
}

/// What the next request asks for.
#[derive(Debug, Clone)]
enum Next {
    First,
    Page(u64),
    Offset(u64),
    Cursor(String),
    Url(String),
    /// The last answer repeated a cursor or link: the stream ends with
    /// this error after that page.
    Loop(String),
    Done,
}

/// Limits set on a stream before it starts.
#[derive(Debug, Clone, Copy, Default)]
struct Limits {
    max_pages: Option<usize>,
    max_items: Option<usize>,
}

type BoxedStream<T> = Pin<Box<dyn Stream<Item = T> + Send>>;
type Start<T, E> = Box<dyn FnOnce(Limits) -> BoxedStream<Result<Page<T>, Error<E>>> + Send>;

/// The pages of a paginated call: a [`Stream`] of [`Page`]s. Made by a
/// generated request's `.pages()`; nothing is sent until it is polled.
#[must_use = "a stream does nothing until it is polled"]
pub struct Pages<T, E> {
    limits: Limits,
    start: Option<Start<T, E>>,
    running: Option<BoxedStream<Result<Page<T>, Error<E>>>>,
}

impl<T, E> Pages<T, E>
where
    T: DeserializeOwned + Send + 'static,
    E: FromResponse + Send + 'static,
{
    /// The pages of `call`, paged as `pagination` says.
    pub fn new<C>(call: C, pagination: &'static Pagination) -> Self
    where
        C: Call<Error = E> + Clone,
    {
        Pages {
            limits: Limits::default(),
            start: Some(Box::new(move |limits| {
                Box::pin(page_stream::<C, T>(call, pagination, limits))
            })),
            running: None,
        }
    }

    /// Stops after `n` pages.
    pub fn max_pages(mut self, n: usize) -> Self {
        self.limits.max_pages = Some(n);
        self
    }

    /// Stops after the page that brings the item count to `n` (the
    /// [`Items`] stream yields exactly `n`).
    pub fn max_items(mut self, n: usize) -> Self {
        self.limits.max_items = Some(n);
        self
    }
}

impl<T, E> Pages<T, E> {
    /// The next page (`None` after the last), without importing a
    /// `StreamExt`: `while let Some(page) = pages.next().await { … }`.
    pub async fn next(&mut self) -> Option<Result<Page<T>, Error<E>>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T, E> Stream for Pages<T, E> {
    type Item = Result<Page<T>, Error<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.running.is_none() {
            match this.start.take() {
                Some(start) => this.running = Some(start(this.limits)),
                None => return Poll::Ready(None),
            }
        }
        match this.running.as_mut() {
            Some(stream) => stream.as_mut().poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}

impl<T, E> fmt::Debug for Pages<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("limits", &self.limits)
            .field("started", &self.running.is_some())
            .finish()
    }
}

/// The items of a paginated call across its pages: a [`Stream`] of
/// `Result<T, Error<E>>`. Made by a generated request's `.items()`.
#[must_use = "a stream does nothing until it is polled"]
pub struct Items<T, E> {
    pages: Option<Pages<T, E>>,
    running: Option<BoxedStream<Result<T, Error<E>>>>,
}

impl<T, E> Items<T, E>
where
    T: DeserializeOwned + Send + 'static,
    E: FromResponse + Send + 'static,
{
    /// The items of `call`, paged as `pagination` says.
    pub fn new<C>(call: C, pagination: &'static Pagination) -> Self
    where
        C: Call<Error = E> + Clone,
    {
        Self::from_pages(Pages::new(call, pagination))
    }

    /// The items of `pages`.
    pub fn from_pages(pages: Pages<T, E>) -> Self {
        Items {
            pages: Some(pages),
            running: None,
        }
    }

    /// Fetches at most `n` pages.
    pub fn max_pages(mut self, n: usize) -> Self {
        self.pages = self.pages.map(|p| p.max_pages(n));
        self
    }

    /// Yields at most `n` items (and fetches no page past them).
    pub fn max_items(mut self, n: usize) -> Self {
        self.pages = self.pages.map(|p| p.max_items(n));
        self
    }
}

impl<T: Send + 'static, E: Send + 'static> Items<T, E> {
    /// The next item (`None` after the last), without importing a
    /// `StreamExt`: `while let Some(item) = items.next().await { … }`.
    pub async fn next(&mut self) -> Option<Result<T, Error<E>>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T, E> Stream for Items<T, E>
where
    T: Send + 'static,
    E: Send + 'static,
{
    type Item = Result<T, Error<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.running.is_none() {
            let Some(pages) = this.pages.take() else {
                return Poll::Ready(None);
            };
            let cap = pages.limits.max_items;
            let items = pages
                .map(|page| match page {
                    Ok(page) => stream::iter(page.into_items().into_iter().map(Ok)).left_stream(),
                    Err(e) => stream::once(std::future::ready(Err(e))).right_stream(),
                })
                .flatten();
            this.running = Some(match cap {
                Some(n) => Box::pin(items.take(n)),
                None => Box::pin(items),
            });
        }
        match this.running.as_mut() {
            Some(stream) => stream.as_mut().poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}

impl<T, E> fmt::Debug for Items<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("started", &self.running.is_some())
            .finish()
    }
}

/// The state carried from one page to the next.
struct Walk<C> {
    call: C,
    pagination: &'static Pagination,
    limits: Limits,
    next: Next,
    pages: usize,
    items: u64,
    seen: HashSet<String>,
}

fn page_stream<C, T>(
    call: C,
    pagination: &'static Pagination,
    limits: Limits,
) -> impl Stream<Item = Result<Page<T>, Error<C::Error>>> + Send
where
    C: Call + Clone,
    T: DeserializeOwned + Send + 'static,
{
    let walk = Walk {
        call,
        pagination,
        limits,
        next: Next::First,
        pages: 0,
        items: 0,
        seen: HashSet::new(),
    };
    stream::unfold(walk, |mut walk| async move {
        if matches!(walk.next, Next::Done)
            || walk.limits.max_pages.is_some_and(|n| walk.pages >= n)
            || walk
                .limits
                .max_items
                .is_some_and(|n| walk.items >= n as u64)
        {
            return None;
        }
        if let Next::Loop(why) = &walk.next {
            let e = Error::Pagination(why.clone());
            walk.next = Next::Done;
            return Some((Err(e), walk));
        }
        match next_page::<C, T>(&mut walk).await {
            Ok(page) => Some((Ok(page), walk)),
            Err(e) => {
                walk.next = Next::Done;
                Some((Err(e), walk))
            }
        }
    })
}

/// Requests, reads and decodes one page, and decides what comes next.
async fn next_page<C, T>(walk: &mut Walk<C>) -> Result<Page<T>, Error<C::Error>>
where
    C: Call + Clone,
    T: DeserializeOwned + Send + 'static,
{
    let (client, mut request) = prepare(walk.call.clone()).await?;
    let scheme = walk.pagination.scheme;
    let size = match scheme {
        PageScheme::PageNumber { size, .. } | PageScheme::Cursor { size, .. } => size,
        PageScheme::Offset { limit, .. } => limit,
        PageScheme::NextLink { .. } => None,
    }
    .and_then(|name| request.query_value(name))
    .and_then(|v| v.parse::<u64>().ok());
    match (&walk.next, scheme) {
        (Next::First, PageScheme::PageNumber { page, first, .. })
            if request.query_value(page).is_none() =>
        {
            request.set_query(page, first.to_string());
        }
        (Next::Page(n), PageScheme::PageNumber { page, .. }) => {
            request.set_query(page, n.to_string())
        }
        (Next::Offset(n), PageScheme::Offset { offset, .. }) => {
            request.set_query(offset, n.to_string())
        }
        (
            Next::Cursor(cursor),
            PageScheme::Cursor {
                param,
                alone,
                size: size_param,
                ..
            },
        ) => {
            if alone {
                request.keep_only_query(&[Some(param), size_param]);
            }
            request.set_query(param, cursor.clone());
        }
        (Next::Url(url), _) => request.follow_url(url.clone()),
        _ => {}
    }
    let current_page = match (&walk.next, scheme) {
        (Next::Page(n), _) => *n,
        (_, PageScheme::PageNumber { page, first, .. }) => request
            .query_value(page)
            .and_then(|v| v.parse().ok())
            .unwrap_or(first),
        _ => 0,
    };
    let current_offset = match (&walk.next, scheme) {
        (Next::Offset(n), _) => *n,
        (_, PageScheme::Offset { offset, .. }) => request
            .query_value(offset)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        _ => 0,
    };
    let response = client.send_any(request).await.map_err(Error::widen)?;
    if !(200..300).contains(&response.status()) {
        return Err(C::Error::from_response(response));
    }
    let (items, body) = read_items::<C::Error>(&response, walk.pagination)?;
    walk.pages += 1;
    let count = items.len() as u64;
    walk.items += count;
    let mut next = match scheme {
        PageScheme::PageNumber { .. } => Next::Page(current_page + 1),
        PageScheme::Offset { .. } => Next::Offset(current_offset + count),
        PageScheme::Cursor { from, .. } => {
            match cursor_of(from, &body, response.headers(), items.last()) {
                Some(c) => Next::Cursor(c),
                None => Next::Done,
            }
        }
        PageScheme::NextLink { from } => match link_of(from, &body, response.headers()) {
            Some(url) => Next::Url(url),
            None => Next::Done,
        },
    };
    if let Next::Cursor(token) | Next::Url(token) = &next {
        if !walk.seen.insert(token.clone()) {
            next = Next::Loop(format!(
                "page {} gave a cursor or link already followed; stopping instead of looping",
                walk.pages
            ));
        }
    }
    let ended = count == 0
        || walk
            .pagination
            .has_more
            .and_then(|p| body.pointer(p))
            .and_then(Value::as_bool)
            == Some(false)
        || walk
            .pagination
            .total
            .and_then(|p| body.pointer(p))
            .and_then(number)
            .is_some_and(|total| current_offset.max(walk.items) >= total)
        || (walk.pagination.stop_on_short_page && size.is_some_and(|s| count < s));
    if ended {
        next = Next::Done;
    }
    walk.next = next;
    let items = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_path_to_error::deserialize::<_, T>(item).map_err(|e| {
                response_decode_error(
                    &response,
                    &format!("[{i}].{}", e.path()),
                    &e.into_inner().to_string(),
                )
            })
        })
        .collect::<Result<Vec<T>, Error<C::Error>>>()?;
    Ok(Page {
        items,
        status: response.status(),
        headers: response.headers().clone(),
        number: walk.pages,
    })
}

/// A number given as a JSON number or as digits in a string.
fn number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The page's body and its items, still as JSON.
fn read_items<E>(
    response: &Response,
    pagination: &Pagination,
) -> Result<(Vec<Value>, Value), Error<E>> {
    let mut body: Value = serde_json::from_slice(response.body())
        .map_err(|e| response_decode_error(response, "", &format!("the page is not JSON: {e}")))?;
    // Taken out of the body (the rest is still read: cursor, has-more,
    // total), so a page is held once.
    let found = match pagination.items {
        Some(pointer) => body.pointer_mut(pointer).map(Value::take),
        None => Some(body.take()),
    };
    let items = match found {
        Some(Value::Array(items)) => items,
        // An absent or null list on a page is an empty page.
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return Err(response_decode_error(
                response,
                pagination.items.unwrap_or("."),
                "the page's items are not a list",
            ))
        }
    };
    Ok((items, body))
}

fn response_decode_error<E>(response: &Response, path: &str, message: &str) -> Error<E> {
    Error::Decode {
        status: response.status(),
        path: path.to_string(),
        message: message.to_string(),
        excerpt: response.excerpt(crate::error::EXCERPT_CHARS),
        headers: ResponseHeaders::new(response.headers().clone()),
    }
}

/// Text of a JSON scalar (an absent, `null` or empty value is none).
fn scalar(value: Option<&Value>) -> Option<String> {
    let text = match value? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

fn cursor_of(
    from: CursorSource,
    body: &Value,
    headers: &HeaderMap,
    last: Option<&Value>,
) -> Option<String> {
    match from {
        CursorSource::Field(pointer) => scalar(body.pointer(pointer)),
        CursorSource::Header(name) => headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string),
        CursorSource::LastItem(pointer) => scalar(last?.pointer(pointer)),
    }
}

fn link_of(from: LinkSource, body: &Value, headers: &HeaderMap) -> Option<String> {
    match from {
        LinkSource::Field(pointer) => scalar(body.pointer(pointer)),
        LinkSource::LinkHeader => headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(next_link),
    }
}

/// The `rel="next"` target of a `Link` header value (RFC 8288), e.g.
/// `<https://api.example.com/items?page=2>; rel="next", <…>; rel="last"`.
pub fn next_link(header: &str) -> Option<String> {
    for link in header.split(',') {
        let link = link.trim();
        let Some(rest) = link.strip_prefix('<') else {
            continue;
        };
        let Some((target, params)) = rest.split_once('>') else {
            continue;
        };
        let is_next = params.split(';').any(|p| {
            let Some((name, value)) = p.trim().split_once('=') else {
                return false;
            };
            name.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.trim().to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_read_from_a_link_header() {
        assert_eq!(
            next_link(
                r#"<https://a.test/i?page=1>; rel="prev", <https://a.test/i?page=3>; rel="next""#
            ),
            Some("https://a.test/i?page=3".into())
        );
        assert_eq!(
            next_link(r#"</i?c=x>; rel="last next""#),
            Some("/i?c=x".into())
        );
        assert_eq!(next_link(r#"<https://a.test/i?page=9>; rel="last""#), None);
        assert_eq!(next_link("garbage"), None);
    }
}
