//! Turning a [`Request`] into what is sent: the parts that stay the same
//! across attempts ([`Prepared`]), and one attempt's `reqwest` request.

use std::convert::Infallible;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, COOKIE};
use url::Url;

use super::credentials::CredentialSink;
use super::Inner;
use crate::api::HttpMethod;
use crate::auth::bearer_header;
use crate::error::{describe_reqwest, AuthError, Error};
use crate::options::CallOptions;
use crate::request::{Body, Part, Request};
use crate::secret::Secret;

/// The parts of a request that do not change between attempts.
pub(super) struct Prepared {
    url: Url,
    method: reqwest::Method,
    headers: HeaderMap,
    body: PreparedBody,
    pub(super) oauth: Option<&'static str>,
}

enum PreparedBody {
    None,
    Bytes {
        content_type: String,
        data: Bytes,
    },
    Multipart {
        parts: Vec<Part>,
        extra: Vec<(&'static str, String)>,
    },
}

impl Inner {
    /// Builds what stays the same across attempts: URL, headers, static
    /// auth, body.
    pub(super) fn prepare(
        &self,
        req: Request,
        options: &CallOptions,
    ) -> Result<Prepared, Error<Infallible>> {
        let op = req.op;
        let mut url = match &req.follow {
            Some(link) => self.follow_url(op, link)?,
            None => self.build_url(op, &req.path_params)?,
        };
        // A followed link carries its own query.
        let mut query: Vec<(&str, &str)> = if req.follow.is_some() {
            Vec::new()
        } else {
            req.query
                .iter()
                .map(|(n, v)| (*n, v.as_str()))
                .chain(
                    req.dynamic_query
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.as_str())),
                )
                .collect()
        };

        let mut headers = HeaderMap::new();
        for (name, value) in &req.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::InvalidRequest(format!("`{name}` is not a valid header name"))
            })?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::InvalidRequest(format!(
                    "the value of header `{name}` contains characters not allowed in a header"
                ))
            })?;
            headers.append(name, value);
        }
        for (name, value) in &options.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::InvalidRequest(format!(
                    "`{name}` (from the call's options) is not a valid header name"
                ))
            })?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                Error::InvalidRequest(format!(
                    "the value of header `{name}` (from the call's options) contains characters not allowed in a header"
                ))
            })?;
            headers.append(name, value);
        }

        let mut form_keys: Vec<(&'static str, &str, &'static str)> = Vec::new();
        let mut cookies: Vec<(&str, &str)> =
            req.cookies.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let oauth = self.apply_credentials(
            op,
            &mut CredentialSink {
                headers: &mut headers,
                query: &mut query,
                cookies: &mut cookies,
                form_keys: &mut form_keys,
            },
        )?;
        if !cookies.is_empty() {
            headers.insert(COOKIE, cookie_header(&cookies)?);
        }

        // A form-field key of a request that has no body and whose method
        // does not usually carry one goes in the query string instead.
        if matches!(req.body, Body::None)
            && matches!(
                op.method,
                HttpMethod::Get | HttpMethod::Head | HttpMethod::Delete | HttpMethod::Options
            )
        {
            query.extend(form_keys.drain(..).map(|(k, v, _)| (k, v)));
        }

        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }

        let body = match req.body {
            Body::None if form_keys.is_empty() => PreparedBody::None,
            Body::None => PreparedBody::Bytes {
                content_type: "application/x-www-form-urlencoded".to_owned(),
                data: encode_form(
                    &form_keys
                        .into_iter()
                        .map(|(k, v, _)| (k.to_owned(), v.to_owned()))
                        .collect::<Vec<_>>(),
                )?,
            },
            Body::Form(mut fields) => {
                fields.extend(
                    form_keys
                        .into_iter()
                        .map(|(k, v, _)| (k.to_owned(), v.to_owned())),
                );
                PreparedBody::Bytes {
                    content_type: "application/x-www-form-urlencoded".to_owned(),
                    data: encode_form(&fields)?,
                }
            }
            Body::Multipart(parts) => PreparedBody::Multipart {
                parts,
                extra: form_keys
                    .into_iter()
                    .map(|(k, v, _)| (k, v.to_owned()))
                    .collect(),
            },
            Body::Json(_) | Body::Raw { .. } if !form_keys.is_empty() => {
                let scheme = form_keys.first().map(|k| k.2).unwrap_or_default();
                return Err(Error::InvalidRequest(format!(
                    "security scheme `{scheme}` sends its key as a form field, but operation `{}` does not have a form body",
                    op.id
                )));
            }
            Body::Json(data) => PreparedBody::Bytes {
                content_type: "application/json".to_owned(),
                data,
            },
            Body::Raw { content_type, data } => PreparedBody::Bytes { content_type, data },
        };
        if let PreparedBody::Bytes { content_type, .. } = &body {
            let value = HeaderValue::from_str(content_type).map_err(|_| {
                Error::InvalidRequest(format!("invalid content type `{content_type}`"))
            })?;
            headers.insert(CONTENT_TYPE, value);
        }

        Ok(Prepared {
            url,
            method: op.method.to_reqwest(),
            headers,
            body,
            oauth,
        })
    }

    /// Builds one attempt's request.
    pub(super) fn build_attempt(
        &self,
        prepared: &Prepared,
        token: Option<&Secret>,
    ) -> Result<reqwest::Request, Error<Infallible>> {
        let mut headers = prepared.headers.clone();
        if let Some(token) = token {
            let value = bearer_header(token).map_err(|reason| {
                Error::Auth(AuthError::InvalidCredential {
                    scheme: prepared.oauth.unwrap_or_default().to_owned(),
                    reason: format!("the OAuth2 token cannot be sent: {reason}"),
                })
            })?;
            headers.insert(AUTHORIZATION, value);
        }
        let mut builder = self
            .http
            .request(prepared.method.clone(), prepared.url.clone())
            .headers(headers);
        builder = match &prepared.body {
            PreparedBody::None => builder,
            PreparedBody::Bytes { data, .. } => builder.body(data.clone()),
            PreparedBody::Multipart { parts, extra } => {
                builder.multipart(build_multipart(parts, extra)?)
            }
        };
        builder.build().map_err(|e| {
            Error::InvalidRequest(format!(
                "could not build the request: {}",
                describe_reqwest(&e.without_url())
            ))
        })
    }
}

/// Characters a cookie value may not hold as they are (RFC 6265
/// `cookie-octet` excludes controls, space, `"`, `,`, `;` and `\\`); they are
/// percent-encoded, as is `%` itself, the way OpenAPI's `form` style does.
const COOKIE_ESCAPE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b',')
    .add(b';')
    .add(b'\\')
    .add(b'%');

/// The `Cookie` header for `pairs`: `a=1; b=2`, marked sensitive (it may
/// carry an API key).
fn cookie_header(pairs: &[(&str, &str)]) -> Result<HeaderValue, Error<Infallible>> {
    let text = pairs
        .iter()
        .map(|(name, value)| {
            format!(
                "{name}={}",
                percent_encoding::utf8_percent_encode(value, COOKIE_ESCAPE)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut value = HeaderValue::from_str(&text).map_err(|_| {
        Error::InvalidRequest("a cookie name contains characters not allowed in a header".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

fn encode_form(fields: &[(String, String)]) -> Result<Bytes, Error<Infallible>> {
    serde_urlencoded::to_string(fields)
        .map(Bytes::from)
        .map_err(|e| Error::InvalidRequest(format!("could not encode the form body: {e}")))
}

fn build_multipart(
    parts: &[Part],
    extra: &[(&'static str, String)],
) -> Result<reqwest::multipart::Form, Error<Infallible>> {
    let mut form = reqwest::multipart::Form::new();
    for part in parts {
        let len = part.data.len() as u64;
        let mut p = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::from(part.data.clone()),
            len,
        );
        if let Some(file_name) = &part.file_name {
            p = p.file_name(file_name.clone());
        }
        if let Some(ct) = &part.content_type {
            p = p.mime_str(ct).map_err(|_| {
                Error::InvalidRequest(format!(
                    "invalid content type `{ct}` for multipart part `{}`",
                    part.name
                ))
            })?;
        }
        form = form.part(part.name.clone(), p);
    }
    for (name, value) in extra {
        form = form.text(*name, value.clone());
    }
    Ok(form)
}
