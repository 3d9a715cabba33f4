//! One API call being put together by generated code.

use std::fmt;

use bytes::Bytes;
use serde_json::value::RawValue;

use crate::api::Operation;
use crate::error::EncodeError;
use crate::options::CallOptions;
use crate::serde_util::excerpt;

/// How many characters of an outcome reference's value an error quotes.
const REFERENCE_CHARS: usize = 128;

/// The parts of one API call: operation, parameters and body.
///
/// Generated code fills it in and hands it to
/// [`Client::send`](crate::Client::send). Bodies are encoded to bytes up
/// front so that retries send exactly the same bytes.
///
/// `Debug` shows the operation and the *names* of the parameters, never
/// their values or the body.
#[derive(Clone)]
pub struct Request {
    pub(crate) op: &'static Operation,
    pub(crate) path_params: Vec<(&'static str, String)>,
    pub(crate) query: Vec<(&'static str, String)>,
    /// Query pairs whose names are built at run time (object parameters).
    pub(crate) dynamic_query: Vec<(String, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) cookies: Vec<(&'static str, String)>,
    pub(crate) body: Body,
    /// Values of the `Secret`s written into the body (never shown), so a
    /// server that echoes them can be scrubbed.
    pub(crate) secrets: Vec<String>,
    /// Per-call overrides (timeout, retry policy, extra headers).
    pub(crate) options: CallOptions,
    /// A URL to request instead of base URL + path + query (a paginated
    /// answer's next link), on the base URL's origin.
    pub(crate) follow: Option<String>,
}

/// How an object-valued query parameter is written (OpenAPI `style` and
/// `explode`), for `{"a": 1, "b": "x"}` named `f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectStyle {
    /// `form`: exploded `a=1&b=x`; not exploded `f=a,1,b,x`.
    Form {
        /// OpenAPI `explode` (the default for `form` is `true`).
        explode: bool,
    },
    /// `deepObject`: `f[a]=1&f[b]=x`.
    DeepObject,
}

fn scalar_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn deep_pairs(
    prefix: &str,
    value: &serde_json::Value,
    out: &mut Vec<(String, String)>,
    depth: usize,
) -> Result<(), String> {
    if depth > 32 {
        return Err("the object nests too deeply".to_owned());
    }
    match value {
        serde_json::Value::Null => {}
        serde_json::Value::Object(members) => {
            for (k, v) in members {
                deep_pairs(&format!("{prefix}[{k}]"), v, out, depth + 1)?;
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                let text = scalar_text(item)
                    .ok_or_else(|| "a list member holds objects or lists".to_owned())?;
                out.push((prefix.to_owned(), text));
            }
        }
        scalar => out.push((prefix.to_owned(), scalar_text(scalar).unwrap_or_default())),
    }
    Ok(())
}

/// A request body, encoded.
#[derive(Clone)]
pub(crate) enum Body {
    None,
    Json(Bytes),
    Form(Vec<(String, String)>),
    Raw { content_type: String, data: Bytes },
    Multipart(Vec<Part>),
}

impl Body {
    fn describe(&self) -> String {
        match self {
            Body::None => "none".to_owned(),
            Body::Json(b) => format!("json ({} bytes)", b.len()),
            Body::Form(f) => format!("form ({} fields)", f.len()),
            Body::Raw { content_type, data } => format!("{content_type} ({} bytes)", data.len()),
            Body::Multipart(p) => format!("multipart ({} parts)", p.len()),
        }
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Clone, PartialEq, Eq)]
pub struct Part {
    /// The form field name.
    pub name: String,
    /// The file name, for file parts.
    pub file_name: Option<String>,
    /// The part's content type; none is sent when `None`.
    pub content_type: Option<String>,
    /// The part's content.
    pub data: Bytes,
}

impl Part {
    /// A plain text field.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Part {
            name: name.into(),
            file_name: None,
            content_type: None,
            data: Bytes::from(value.into()),
        }
    }

    /// A field holding any serializable value: a string is sent as it is,
    /// a number or boolean as its text, anything else (an object, a list, a
    /// union) as JSON with `Content-Type: application/json`.
    pub fn value<T: serde::Serialize + ?Sized>(
        name: impl Into<String>,
        value: &T,
    ) -> Result<Self, EncodeError> {
        let json = serde_json::to_value(value)?;
        Ok(match json {
            serde_json::Value::String(text) => Part::text(name, text),
            serde_json::Value::Number(n) => Part::text(name, n.to_string()),
            serde_json::Value::Bool(b) => Part::text(name, b.to_string()),
            other => Part {
                name: name.into(),
                file_name: None,
                content_type: Some("application/json".to_string()),
                data: Bytes::from(serde_json::to_vec(&other)?),
            },
        })
    }

    /// A file field.
    pub fn file(
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Bytes>,
    ) -> Self {
        Part {
            name: name.into(),
            file_name: Some(file_name.into()),
            content_type: Some(content_type.into()),
            data: data.into(),
        }
    }
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Part")
            .field("name", &self.name)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.data.len())
            .finish()
    }
}

impl Request {
    /// A request for `op` with no parameters and no body.
    pub fn new(op: &'static Operation) -> Self {
        Request {
            op,
            path_params: Vec::new(),
            query: Vec::new(),
            dynamic_query: Vec::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            body: Body::None,
            secrets: Vec::new(),
            options: CallOptions::default(),
            follow: None,
        }
    }

    /// Sets this call's options (timeout, retry policy, extra headers),
    /// which override the client's configuration for this call only.
    pub fn set_options(&mut self, options: CallOptions) {
        self.options = options;
    }

    /// The value of query parameter `name`, if set.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets query parameter `name` to `value`, replacing what was set.
    pub fn set_query(&mut self, name: &'static str, value: impl Into<String>) {
        self.query.retain(|(n, _)| *n != name);
        self.query.push((name, value.into()));
    }

    /// Keeps only the query parameters named in `names` (a cursor that
    /// carries the filters of the first page).
    pub(crate) fn keep_only_query(&mut self, names: &[Option<&str>]) {
        self.query.retain(|(n, _)| names.contains(&Some(*n)));
        self.dynamic_query.clear();
    }

    /// Requests `url` (absolute, or relative to the base URL) instead of
    /// the operation's path and query: a paginated answer's next link.
    /// It must be on the base URL's origin (scheme, host and port), or the
    /// call fails with [`Error::InvalidRequest`](crate::Error::InvalidRequest)
    /// before anything is sent: credentials never follow a link elsewhere.
    pub fn follow_url(&mut self, url: impl Into<String>) {
        self.follow = Some(url.into());
    }

    /// The operation this request calls.
    pub fn operation(&self) -> &'static Operation {
        self.op
    }

    /// Sets the value of `{name}` in the path template. The value is
    /// percent-encoded as one path segment (`/`, `?`, `#`, `%`, spaces, … are
    /// escaped). Setting the same name again replaces the value.
    pub fn path_param(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        match self.path_params.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.path_params.push((name, value)),
        }
        self
    }

    /// Appends a query parameter (form-urlencoded). Calling it again with
    /// the same name appends another value (`a=1&a=2`).
    pub fn query(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        self.query.push((name, value.into()));
        self
    }

    /// Adds an object-valued query parameter in OpenAPI `style` (see
    /// [`ObjectStyle`]). `null` members are left out; a member that is a
    /// list of scalars repeats (`deepObject`, exploded `form`) or is
    /// comma-joined (`form` without explode). Nested objects are written
    /// only in `deepObject` style (`name[a][b]=v`).
    pub fn query_object<T: serde::Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
        style: ObjectStyle,
    ) -> Result<&mut Self, EncodeError> {
        let fail = |reason: &str| EncodeError::Query {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        let value = serde_json::to_value(value)?;
        let serde_json::Value::Object(members) = value else {
            return Err(fail("the value is not an object"));
        };
        let mut flat: Vec<(String, String)> = Vec::new();
        for (key, member) in &members {
            match style {
                ObjectStyle::DeepObject => {
                    deep_pairs(&format!("{name}[{key}]"), member, &mut flat, 0)
                        .map_err(|r| fail(&r))?;
                }
                ObjectStyle::Form { .. } => match member {
                    serde_json::Value::Null => {}
                    serde_json::Value::Array(items) => {
                        let texts = items
                            .iter()
                            .map(scalar_text)
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| fail("a list member holds objects or lists"))?;
                        flat.push((key.clone(), texts.join(",")));
                    }
                    other => flat.push((
                        key.clone(),
                        scalar_text(other).ok_or_else(|| {
                            fail("`form` style cannot carry a nested object (use deepObject)")
                        })?,
                    )),
                },
            }
        }
        match style {
            ObjectStyle::Form { explode: false } => {
                let joined = flat
                    .into_iter()
                    .flat_map(|(k, v)| [k, v])
                    .collect::<Vec<_>>()
                    .join(",");
                self.query.push((name, joined));
            }
            _ => {
                for (k, v) in flat {
                    self.dynamic_query.push((k, v));
                }
            }
        }
        Ok(self)
    }

    /// Adds a request header. Calling it again with the same name adds
    /// another value.
    pub fn header(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Adds a cookie (sent in the `Cookie` header; the value is
    /// percent-encoded where RFC 6265 does not allow a character).
    pub fn cookie(&mut self, name: &'static str, value: impl Into<String>) -> &mut Self {
        self.cookies.push((name, value.into()));
        self
    }

    /// Sets a JSON body (`Content-Type: application/json`), serialized once,
    /// now.
    pub fn json_body<T: serde::Serialize + ?Sized>(
        &mut self,
        body: &T,
    ) -> Result<&mut Self, EncodeError> {
        let (bytes, secrets) = crate::secret::collecting(|| serde_json::to_vec(body));
        self.secrets.extend(secrets);
        self.body = Body::Json(Bytes::from(bytes?));
        Ok(self)
    }

    /// The value named by the operation's
    /// [`outcome_reference`](Operation::outcome_reference), rendered as
    /// `<last pointer segment>=<value as text>` (strings unquoted); `None`
    /// when the operation declares no reference, the body is not JSON, or
    /// the pointer finds nothing (or `null`).
    /// The idempotency key this call sends, written into its headers (the
    /// same on every attempt): the one its options give, else a new one.
    /// `Ok(None)` when the operation declares no key mechanism; a key set
    /// for such an operation is an error (it would protect nothing).
    pub(crate) fn settle_idempotency_key(&mut self) -> Result<Option<String>, String> {
        let Some(idempotency) = self.op.idempotency else {
            return match self.options.idempotency_key {
                Some(_) => Err(format!(
                    "operation `{}` declares no idempotency key: the server would not deduplicate a repeat, so the key set for this call protects nothing",
                    self.op.id
                )),
                None => Ok(None),
            };
        };
        let key = match &self.options.idempotency_key {
            Some(key) => key.clone(),
            None => idempotency.new_key(),
        };
        self.headers
            .retain(|(name, _)| !name.eq_ignore_ascii_case(idempotency.header));
        self.headers.push((idempotency.header, key.clone()));
        Ok(Some(key))
    }

    pub(crate) fn outcome_reference(&self) -> Option<String> {
        let pointer = self.op.outcome_reference?;
        let Body::Json(bytes) = &self.body else {
            return None;
        };
        let doc: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let value = crate::envelope::lookup(&doc, pointer)?;
        let text = match value {
            serde_json::Value::Null => return None,
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let text = excerpt(&text, REFERENCE_CHARS);
        let name = pointer
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty())
            .map(|n| n.replace("~1", "/").replace("~0", "~"));
        Some(match name {
            Some(name) => format!("{name}={text}"),
            None => text,
        })
    }

    /// Sets an `application/x-www-form-urlencoded` body from a struct or map:
    /// one field per member, in order, written as text (strings unquoted,
    /// numbers digit for digit, `true`/`false`). A `None` (`null`) member is
    /// left out; a list gives one field per item (`tag=a&tag=b`); a
    /// [`Secret`](crate::Secret)'s real value is written. A nested object
    /// cannot be encoded ([`EncodeError::Form`]).
    ///
    /// The value goes through the same serializers as a JSON body, so the
    /// [`serde_util`](crate::serde_util) helpers work here too.
    pub fn form_struct<T: serde::Serialize + ?Sized>(
        &mut self,
        body: &T,
    ) -> Result<&mut Self, EncodeError> {
        let (json, secrets) = crate::secret::collecting(|| serde_json::to_string(body));
        self.secrets.extend(secrets);
        let json = json?;
        let members: FormMembers = serde_json::from_str(&json)
            .map_err(|_| EncodeError::Form("a form body must be a struct or a map".to_owned()))?;
        let mut fields = Vec::with_capacity(members.0.len());
        for (name, value) in members.0 {
            push_form_value(&mut fields, &name, &value, true)?;
        }
        self.body = Body::Form(fields);
        Ok(self)
    }

    /// Sets an `application/x-www-form-urlencoded` body.
    pub fn form_body(&mut self, fields: Vec<(String, String)>) -> &mut Self {
        self.body = Body::Form(fields);
        self
    }

    /// Sets a text body with the given content type (e.g. `text/plain`,
    /// `text/csv; charset=utf-8`).
    pub fn text_body(&mut self, content_type: &str, text: String) -> &mut Self {
        self.body = Body::Raw {
            content_type: content_type.to_owned(),
            data: Bytes::from(text),
        };
        self
    }

    /// Sets a binary body with the given content type.
    pub fn bytes_body(&mut self, content_type: &str, bytes: Bytes) -> &mut Self {
        self.body = Body::Raw {
            content_type: content_type.to_owned(),
            data: bytes,
        };
        self
    }

    /// Sets a `multipart/form-data` body.
    pub fn multipart_body(&mut self, parts: Vec<Part>) -> &mut Self {
        self.body = Body::Multipart(parts);
        self
    }
}

/// The members of a JSON object, in order, values kept as written.
struct FormMembers(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for FormMembers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = FormMembers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FormMembers, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push(entry);
                }
                Ok(FormMembers(members))
            }
        }
        d.deserialize_map(Members)
    }
}

/// Appends the form field(s) of one member: scalars as text, `null`
/// skipped, a list (only at the top level) as one field per item.
fn push_form_value(
    fields: &mut Vec<(String, String)>,
    name: &str,
    value: &RawValue,
    lists_allowed: bool,
) -> Result<(), EncodeError> {
    let raw = value.get().trim();
    let bad = |what: &str| {
        EncodeError::Form(format!(
            "field `{name}` is {what}, which a form cannot carry"
        ))
    };
    match raw.as_bytes().first() {
        Some(b'"') => {
            let text: String = serde_json::from_str(raw)?;
            fields.push((name.to_owned(), text));
        }
        Some(b'n') => {}
        Some(b'[') if lists_allowed => {
            let items: Vec<Box<RawValue>> = serde_json::from_str(raw)?;
            for item in &items {
                push_form_value(fields, name, item, false)?;
            }
        }
        Some(b'[') => return Err(bad("a nested list")),
        Some(b'{') => return Err(bad("an object")),
        _ => fields.push((name.to_owned(), raw.to_owned())),
    }
    Ok(())
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |v: &[(&'static str, String)]| v.iter().map(|(n, _)| *n).collect::<Vec<_>>();
        f.debug_struct("Request")
            .field("operation", &self.op.id)
            .field("method", &self.op.method)
            .field("path", &self.op.path)
            .field("path_params", &names(&self.path_params))
            .field("query", &names(&self.query))
            .field(
                "object_query",
                &self
                    .dynamic_query
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("headers", &names(&self.headers))
            .field("cookies", &names(&self.cookies))
            .field("body", &self.body.describe())
            .finish()
    }
}
