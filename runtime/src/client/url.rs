//! Request URLs: base URL + path template, with path parameters
//! percent-encoded as single segments.

use std::convert::Infallible;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;

use super::Inner;
use crate::api::Operation;
use crate::error::Error;

/// Characters escaped in a path parameter: everything but ASCII letters,
/// digits and `-._~` (so `/`, `?`, `#`, `%`, spaces, … never change the
/// URL's structure).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

impl Inner {
    /// Base URL + path template with encoded path parameters.
    pub(super) fn build_url(
        &self,
        op: &Operation,
        params: &[(&'static str, String)],
    ) -> Result<Url, Error<Infallible>> {
        let template = op.path;
        let mut path = String::with_capacity(template.len() + 16);
        if !template.starts_with('/') {
            path.push('/');
        }
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            path.push_str(&rest[..open]);
            let name = &rest[open + 1..close];
            let value = params
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
                .ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "missing path parameter `{name}` for operation `{}`",
                        op.id
                    ))
                })?;
            if value.is_empty() || value == "." || value == ".." {
                return Err(Error::InvalidRequest(format!(
                    "path parameter `{name}` of operation `{}` cannot be empty, `.` or `..`",
                    op.id
                )));
            }
            path.extend(utf8_percent_encode(value, PATH_SEGMENT));
            rest = &rest[close + 1..];
        }
        path.push_str(rest);
        let full = format!("{}{}", self.base_url, path);
        Url::parse(&full).map_err(|e| {
            Error::InvalidRequest(format!(
                "could not build the URL of operation `{}`: {e}",
                op.id
            ))
        })
    }

    /// A link to follow (a paginated answer's next page), absolute or
    /// relative to the base URL; refused unless it is on the base URL's
    /// origin, so credentials never go to another host.
    pub(super) fn follow_url(&self, op: &Operation, link: &str) -> Result<Url, Error<Infallible>> {
        let base = Url::parse(&format!("{}/", self.base_url))
            .map_err(|e| Error::InvalidRequest(format!("the base URL cannot be read: {e}")))?;
        let url = base.join(link).map_err(|e| {
            Error::InvalidRequest(format!(
                "the next-page link of operation `{}` is not a URL: {e}",
                op.id
            ))
        })?;
        if url.origin() != base.origin() {
            return Err(Error::InvalidRequest(format!(
                "the next-page link of operation `{}` points to another origin ({}); it is not followed, so that credentials stay with the API",
                op.id,
                url.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::API;
    use super::super::{Client, ClientBuilder};
    use crate::api::{HttpMethod, Operation};

    static OP: Operation = Operation {
        id: "getThing",
        method: HttpMethod::Get,
        path: "/things/{id}/parts/{part}",
        security: &[],
        idempotent: true,
        moves_money: false,
        send_once: false,
        outcome_reference: None,
        idempotency: None,
    };

    fn client() -> Client {
        ClientBuilder::new(&API)
            .base_url("https://example.invalid/v2/")
            .build()
            .unwrap()
    }

    #[test]
    fn path_params_are_encoded_as_segments() {
        let c = client();
        let url = c
            .inner
            .build_url(
                &OP,
                &[("id", "a/b?c#d%e f".to_owned()), ("part", "ñ".to_owned())],
            )
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://example.invalid/v2/things/a%2Fb%3Fc%23d%25e%20f/parts/%C3%B1"
        );
        assert_eq!(c.base_url(), "https://example.invalid/v2");
    }

    #[test]
    fn bad_path_params_are_rejected() {
        let c = client();
        assert!(c.inner.build_url(&OP, &[("id", "1".to_owned())]).is_err());
        assert!(c
            .inner
            .build_url(&OP, &[("id", "..".to_owned()), ("part", "x".to_owned())])
            .is_err());
        assert!(c
            .inner
            .build_url(&OP, &[("id", String::new()), ("part", "x".to_owned())])
            .is_err());
    }
}
