//! The intermediate representation: what a client is, with every name
//! already chosen. `lower` builds it; `emit` only prints it.

/// A whole API.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// The module name the spec asks for (`x-pasarela-module`).
    pub module: Option<String>,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Server URLs in document order; the first is the default base URL.
    pub servers: Vec<String>,
    /// Where `servers` is declared (the document's start when it is not).
    pub servers_pos: crate::diagnostics::Pos,
    /// Security schemes in document order.
    pub security_schemes: Vec<SecurityScheme>,
    /// Operations in document order.
    pub operations: Vec<Operation>,
    /// Named types (components first, then inline types as found).
    pub types: Vec<TypeDef>,
    /// The notifications the API sends (OpenAPI 3.1 `webhooks`), in
    /// document order.
    pub webhooks: Vec<Webhook>,
}

/// A notification the API sends to its users (an OpenAPI 3.1 webhook).
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// Where it is declared.
    pub pos: crate::diagnostics::Pos,
    /// Its name in the document (`paymentAuthorized`).
    pub name: String,
    /// The HTTP method it is delivered with.
    pub method: Method,
    /// What the request body is read as (`None`: no JSON body declared).
    pub payload: Option<TypeRef>,
    /// Its summary or description.
    pub doc: Option<String>,
}

impl Api {
    /// The shape of the named type `name`, if there is one.
    pub fn kind_of(&self, name: &str) -> Option<&TypeKind> {
        self.types.iter().find(|t| t.name == name).map(|t| &t.kind)
    }
}

/// A security scheme the client builder can be given credentials for.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    /// Where it is declared.
    pub pos: crate::diagnostics::Pos,
    /// The scheme's key in `components.securitySchemes`.
    pub name: String,
    /// The builder method(s) prefix; empty when the kind is unique in the spec.
    pub method_prefix: String,
    /// What it is.
    pub kind: SchemeKind,
    /// Its description.
    pub description: Option<String>,
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLocation {
    /// An HTTP header.
    Header,
    /// A query parameter.
    Query,
    /// A cookie.
    Cookie,
    /// A form field of the request body (`x-pasarela-in: form`).
    Form,
}

/// The kinds of security scheme the runtime supports.
#[derive(Debug, Clone, PartialEq)]
pub enum SchemeKind {
    /// `type: apiKey`.
    ApiKey {
        /// Where the key goes.
        location: KeyLocation,
        /// The header, query or field name.
        param: String,
    },
    /// `type: http, scheme: basic`.
    HttpBasic,
    /// `type: http, scheme: bearer`.
    HttpBearer,
    /// `type: oauth2` with a client-credentials flow.
    OAuth2ClientCredentials {
        /// The token URL.
        token_url: String,
        /// Declared scopes.
        scopes: Vec<String>,
    },
}

impl SchemeKind {
    /// The name of the client builder method that takes this scheme's
    /// credentials, before [`SecurityScheme::method_prefix`].
    pub fn builder_method(&self) -> &'static str {
        match self {
            Self::ApiKey { .. } => "api_key",
            Self::HttpBasic => "basic_auth",
            Self::HttpBearer => "bearer_token",
            Self::OAuth2ClientCredentials { .. } => "oauth2_client_credentials",
        }
    }
}

/// HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// PATCH
    Patch,
    /// HEAD
    Head,
    /// OPTIONS
    Options,
}

impl Method {
    /// Parses a path-item key.
    pub fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "get" => Self::Get,
            "post" => Self::Post,
            "put" => Self::Put,
            "delete" => Self::Delete,
            "patch" => Self::Patch,
            "head" => Self::Head,
            "options" => Self::Options,
            _ => return None,
        })
    }

    /// Methods that are idempotent by HTTP semantics.
    pub fn is_idempotent(self) -> bool {
        matches!(
            self,
            Self::Get | Self::Head | Self::Put | Self::Delete | Self::Options
        )
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Put => "put",
            Self::Delete => "delete",
            Self::Patch => "patch",
            Self::Head => "head",
            Self::Options => "options",
        }
    }
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Where the operation is declared (for diagnostics of later stages).
    pub pos: crate::diagnostics::Pos,
    /// `operationId` (or one derived from method and path).
    pub id: String,
    /// The client method's name (snake case).
    pub method_name: String,
    /// The request builder type's name (Pascal case).
    pub builder_name: String,
    /// The per-operation error enum's name.
    pub error_name: String,
    /// HTTP method.
    pub method: Method,
    /// Path template.
    pub path: String,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Parameters: required ones first in positional order, then optional ones.
    pub params: Vec<Param>,
    /// Request body.
    pub body: Option<Body>,
    /// The success response.
    pub success: Success,
    /// Declared error responses (specific statuses first, `default` last).
    pub errors: Vec<ErrorResponse>,
    /// Security requirements: alternatives, each naming the schemes that
    /// must all be applied (an empty alternative: no credentials needed).
    /// Empty: no auth.
    pub security: Vec<Vec<String>>,
    /// May be retried automatically.
    pub idempotent: bool,
    /// Moves money (`x-pasarela-moves-money`).
    pub moves_money: bool,
    /// Must not be repeated: never retried, a lost answer is an unknown
    /// outcome (`x-pasarela-send-once`, and every money-moving operation).
    pub send_once: bool,
    /// JSON pointer into the request body naming what to check when the
    /// outcome is unknown (`x-pasarela-outcome-reference`).
    pub outcome_reference: Option<String>,
    /// The API's idempotency-key mechanism for this operation
    /// (`x-pasarela-idempotency`, or a declared `Idempotency-Key` header
    /// parameter): the runtime sends a key and retries under it.
    pub idempotency: Option<Idempotency>,
    /// How the answer is paged (`x-pasarela-pagination`, or a marker of
    /// another tool read as the same thing): the request builder gets
    /// `.pages()` and `.items()`.
    pub pagination: Option<Pagination>,
}

/// How an operation pages its answer; parameter names are the query
/// parameters' wire names, pointers are JSON pointers into a page's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    /// How the next page is asked for.
    pub scheme: PageScheme,
    /// Where a page's items are (`None`: the body is the array).
    pub items: Option<String>,
    /// The items' type.
    pub item: TypeRef,
    /// A boolean that is `false` on the last page.
    pub has_more: Option<String>,
    /// The total number of items across pages.
    pub total: Option<String>,
    /// A page shorter than the page size asked for is the last.
    pub stop_on_short_page: bool,
}

/// How the next page is asked for (see the runtime's `PageScheme`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageScheme {
    /// A page number, from `first`.
    PageNumber {
        /// The page parameter.
        page: String,
        /// The page-size parameter.
        size: Option<String>,
        /// The first page's number.
        first: u64,
    },
    /// An offset advanced by the items received.
    Offset {
        /// The offset parameter.
        offset: String,
        /// The limit parameter.
        limit: Option<String>,
    },
    /// A cursor read from each answer.
    Cursor {
        /// The cursor parameter.
        param: String,
        /// Where the answer gives it.
        from: CursorSource,
        /// The page-size parameter.
        size: Option<String>,
        /// After the first page, only the cursor and the size are sent.
        alone: bool,
    },
    /// A URL to follow.
    NextLink {
        /// A body field (`Some`) or the `Link` header (`None`).
        field: Option<String>,
    },
}

/// Where an answer gives the next cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorSource {
    /// A JSON pointer into the body.
    Field(String),
    /// A response header.
    Header(String),
    /// A JSON pointer into the page's last item.
    LastItem(String),
}

/// An idempotency-key mechanism: the server stores the first answer per key
/// and replays it for a repeat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    /// The request header carrying the key, as the spec spells it.
    pub header: String,
    /// Text before each generated key (a UUID v4); empty for none.
    pub prefix: String,
    /// Statuses by which the server refuses a reuse of a key.
    pub conflict_statuses: Vec<u16>,
}

impl Operation {
    /// Whether the form body's fields are parameters
    /// ([`ParamLocation::FormField`]) rather than one body struct.
    pub fn form_fields_flattened(&self) -> bool {
        self.params
            .iter()
            .any(|p| p.location == ParamLocation::FormField)
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In the `Cookie` header.
    Cookie,
    /// A part of a `multipart/form-data` body.
    Part,
    /// A field of an `application/x-www-form-urlencoded` body whose
    /// properties are all scalars (or lists of them): set like a query
    /// parameter, so the GET and POST forms of one call read the same.
    FormField,
}

impl ParamLocation {
    /// How docs and messages name it: `path`, `query`, `header`, `cookie`,
    /// `multipart`, `form field`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::Cookie => "cookie",
            Self::Part => "multipart",
            Self::FormField => "form field",
        }
    }

    /// How a value's place is written in messages (`query.limit`):
    /// `path`, `query`, `header`, `cookie`, `part`, `form`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Header => "header",
            Self::Cookie => "cookie",
            Self::Part => "part",
            Self::FormField => "form",
        }
    }
}

/// How a list or object parameter is written (OpenAPI `style` + `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    /// Path and header parameters: lists comma-separated (headers: one
    /// header line per item, which HTTP reads the same).
    Simple,
    /// Query and cookie default: exploded lists repeat the name
    /// (`a=1&a=2`), unexploded ones are comma-joined (`a=1,2`); exploded
    /// objects become one parameter per member.
    Form {
        /// OpenAPI `explode`.
        explode: bool,
    },
    /// A list joined with spaces (`a=1%202`).
    SpaceDelimited,
    /// A list joined with `|` (`a=1|2`).
    PipeDelimited,
    /// An object as `name[member]=value`.
    DeepObject,
    /// An object in `form` style: exploded, one parameter per member
    /// (`a=1&b=2`); not exploded, `name=a,1,b,2`.
    FormObject {
        /// OpenAPI `explode`.
        explode: bool,
    },
}

/// One parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Where it is declared.
    pub pos: crate::diagnostics::Pos,
    /// How a list or object value is written.
    pub style: ParamStyle,
    /// Name on the wire.
    pub wire_name: String,
    /// Rust name (argument or setter).
    pub rust_name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Required parameters are positional arguments.
    pub required: bool,
    /// Its type. Path parameters are always strings.
    pub ty: TypeRef,
    /// Checks made before sending.
    pub constraints: Constraints,
    /// Description.
    pub description: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// The media type sent.
    pub content_type: String,
    /// How it is encoded.
    pub encoding: BodyEncoding,
    /// The Rust type the caller passes.
    pub ty: TypeRef,
    /// The argument name.
    pub rust_name: String,
}

/// How a body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    /// `application/json` and `+json`.
    Json,
    /// `text/*`: the body is a `String`.
    Text,
    /// `application/x-www-form-urlencoded`: a struct serialized as form fields.
    Form,
    /// `multipart/form-data`: the schema's properties became `Part` parameters.
    Multipart,
    /// Anything else: raw bytes.
    Bytes,
}

/// How a success (2xx) response is decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Success {
    /// The decoded type; `None` when there is no body.
    pub ty: Option<TypeRef>,
    /// How it is decoded.
    pub decoding: ResponseDecoding,
    /// A result envelope (`x-pasarela-envelope`); `ty` is then the data type.
    pub envelope: Option<Envelope>,
    /// A text result grammar (`x-pasarela-text-result`).
    pub text_result: Option<TextResult>,
    /// The response declares `Content-Disposition`: wrap the value in a download.
    pub download: bool,
    /// A field of the success type that signals an error inside a 2xx
    /// (`x-pasarela-error-code`): (Rust field name, field type, required).
    pub error_code_field: Option<(String, TypeRef, bool)>,
    /// Several 2xx responses of different shapes: `ty` is then a
    /// [`TypeKind::Responses`] enum and this maps each status to its
    /// variant and how its body is decoded ([`ResponseDecoding::None`]: no
    /// body). Empty otherwise.
    pub by_status: Vec<(StatusMatch, String, ResponseDecoding)>,
}

/// How a response body is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseDecoding {
    /// No body expected.
    None,
    /// JSON.
    Json,
    /// Text as a `String`.
    Text,
    /// Raw bytes.
    Bytes,
}

/// Which statuses a declared response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusMatch {
    /// One status, e.g. `404`.
    Exact(u16),
    /// A range such as `4XX` (inclusive bounds).
    Range(u16, u16),
    /// `default`: everything not matched otherwise.
    Default,
}

/// A declared error response.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorResponse {
    /// Where its status is declared.
    pub pos: crate::diagnostics::Pos,
    /// The statuses it covers.
    pub matcher: StatusMatch,
    /// The variant name in the operation's error enum.
    pub variant: String,
    /// The response's description, used in `Display`.
    pub description: String,
    /// The body type; `None` keeps the body as text.
    pub ty: Option<TypeRef>,
}

/// A reference to a Rust type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// `String`.
    String,
    /// A secret string (`format: password` or `x-pasarela-secret`).
    Secret,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u64` (`format: uint64` or `uint`: values above `i64::MAX` occur;
    /// or an `int64`/unformatted integer whose `minimum` is 0 or more).
    U64,
    /// `u32`: an `int32` whose `minimum` is 0 or more.
    U32,
    /// `f64` (only for `format: float|double`; money is never f64).
    F64,
    /// `rust_decimal::Decimal`; `wire_number` says whether it is written as a JSON number.
    Decimal {
        /// Written as a JSON number (else as a string).
        wire_number: bool,
    },
    /// Any JSON value.
    Json,
    /// Raw bytes (`bytes::Bytes`).
    Bytes,
    /// Rows of a CSV file (`x-pasarela-csv`).
    Csv(CsvFormat),
    /// A named type from `types`.
    Named(String),
    /// A property pinned to one string (`enum: [X]`, `const: X`): the
    /// runtime's zero-sized `Pinned` over a marker type that carries it.
    Pinned {
        /// The value as sent on the wire.
        value: String,
        /// The marker type's name (in `types::pinned`), one per value.
        marker: String,
    },
    /// A list.
    Vec(Box<TypeRef>),
    /// A string-keyed map.
    Map(Box<TypeRef>),
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Where its schema is.
    pub pos: crate::diagnostics::Pos,
    /// Rust name.
    pub name: String,
    /// Doc text.
    pub doc: Option<String>,
    /// What it is.
    pub kind: TypeKind,
    /// Made for a schema written in place (named after its use), not for
    /// a schema the document names: it may be merged into an equal type.
    pub inline: bool,
}

/// The shapes a named type can take.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// A struct with named fields.
    Struct(Vec<Field>),
    /// `pub type Name = Target;`
    Alias(TypeRef),
    /// A string enum.
    Enum {
        /// (variant name, wire value).
        values: Vec<(String, String)>,
        /// Keep an `Unknown(String)` variant.
        open: bool,
        /// Docs of some values (wire value → text): a union collapsed into
        /// one struct keeps each alternative's docs on its value.
        value_docs: Vec<(String, String)>,
    },
    /// A set of named integers (`type: integer` over `const` members, each
    /// with a `title`): a newtype over the integer with one constant per
    /// named value; any other integer the server sends is kept.
    IntegerEnum {
        /// The integer type (`I32` or `I64`).
        repr: TypeRef,
        /// (constant name, value as written).
        values: Vec<(String, String)>,
    },
    /// `oneOf`/`anyOf`: an untagged enum, first matching variant wins.
    Union(Vec<(String, TypeRef)>),
    /// `oneOf`/`anyOf` with a `discriminator`: the variant is chosen by the
    /// tag property's value, kept verbatim from the spec (`created.v1`).
    Tagged(Tagged),
    /// The success value of an operation with several 2xx responses of
    /// different shapes: one variant per status (`None`: no body).
    Responses(Vec<(String, Option<TypeRef>)>),
}

/// A discriminated union.
#[derive(Debug, Clone, PartialEq)]
pub struct Tagged {
    /// The property that holds the tag (`discriminator.propertyName`).
    pub property: String,
    /// (variant name, wire tags that select it, type).
    pub variants: Vec<(String, Vec<String>, TypeRef)>,
    /// The variants' types do not hold the tag property (they were defined
    /// for this union alone, the tag left out): encoding writes the tag.
    /// Otherwise each variant's type holds it, as the spec wrote it.
    pub tag_outside: bool,
}

/// A struct field.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Where the property is declared.
    pub pos: crate::diagnostics::Pos,
    /// Wire name.
    pub wire_name: String,
    /// Rust name.
    pub rust_name: String,
    /// Type (without the `Option`).
    pub ty: TypeRef,
    /// Required and not nullable: no `Option`.
    pub required: bool,
    /// Accept a string or a number for scalars (`x-pasarela-lenient`).
    pub lenient: bool,
    /// Boxed because the type refers back to itself.
    pub boxed: bool,
    /// Signals an error inside a 2xx response (`x-pasarela-error-code`).
    pub error_code: bool,
    /// A digit string written as a JSON number (`x-pasarela-wire-type: number`).
    pub string_as_number: bool,
    /// A CSV column that may be left out of a row (`x-pasarela-csv-omittable`).
    pub csv_omittable: bool,
    /// Checks made before sending.
    pub constraints: Constraints,
    /// Doc text.
    pub doc: Option<String>,
}

/// Checks on a value made before a request is sent (from JSON Schema keywords).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constraints {
    /// `pattern` (a regular expression the whole value must match somewhere).
    pub pattern: Option<String>,
    /// `minLength`.
    pub min_length: Option<u64>,
    /// `maxLength`.
    pub max_length: Option<u64>,
    /// `minimum` / `exclusiveMinimum`.
    pub minimum: Option<Bound>,
    /// `maximum` / `exclusiveMaximum`.
    pub maximum: Option<Bound>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `format: email`.
    pub email: bool,
    /// A `pattern` the Rust regex engine cannot run (look-around,
    /// back-references): not checked, and said so in the docs.
    pub unchecked_pattern: Option<String>,
}

impl Constraints {
    /// True when there is nothing to check.
    pub fn is_empty(&self) -> bool {
        Self {
            unchecked_pattern: None,
            ..self.clone()
        } == Self::default()
    }

    /// A doc note about what is not checked, if anything.
    pub fn note(&self) -> Option<String> {
        self.unchecked_pattern.as_ref().map(|p| {
            format!("The spec's pattern `{p}` is not checked before sending: the Rust regex engine does not support it.")
        })
    }
}

/// A numeric bound, kept as the spec's text (exact for any size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    /// The number as written.
    pub value: String,
    /// Exclusive (`>`/`<`) rather than inclusive.
    pub exclusive: bool,
}

/// What an envelope's outcome can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKind {
    /// Everything worked.
    Success,
    /// Some of it worked; the data says what.
    Partial,
    /// Nothing worked.
    Error,
}

/// A declared result envelope (`x-pasarela-envelope`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// JSON pointer to the result code.
    pub code: String,
    /// JSON pointer to the result text.
    pub text: Option<String>,
    /// JSON pointer to the payload.
    pub data: String,
    /// Documented codes: (code, outcome, meaning).
    pub codes: Vec<(String, OutcomeKind, String)>,
    /// Rules in order: (conditions, outcome).
    pub rules: Vec<(Vec<Condition>, OutcomeKind)>,
}

/// One condition of an envelope rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// JSON pointer.
    pub path: String,
    /// The scalar text it must equal.
    pub equals: Option<String>,
    /// It must be a non-empty array, object or string.
    pub non_empty: bool,
}

/// How a CSV file is written and read (`x-pasarela-csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFormat {
    /// The row type (a struct in `types`).
    pub row: String,
    /// The field separator.
    pub separator: u8,
    /// Whether the first line is a header.
    pub header: bool,
    /// Encodings to try when reading, in order; the first is used to write.
    pub encodings: Vec<TextEncoding>,
    /// File name for uploads.
    pub file_name: String,
}

/// A text encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8.
    Utf8,
    /// Windows-1252.
    Windows1252,
}

/// A text result grammar (`x-pasarela-text-result`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextResult {
    /// A body starting with this is an API error carrying the rest.
    pub error_prefix: Option<String>,
    /// An optional first line starting with this is skipped (CSV bodies).
    pub ok_prefix: Option<String>,
    /// A regex whose named groups fill the success type's fields.
    pub ok_pattern: Option<String>,
}
