//! The names generated code gives its own members, in one place: the
//! emitter writes them from these constants, and lowering reserves the same
//! lists so that a spec's parameter, part or operation never takes one of
//! them (a parameter named `options` becomes `options_2`, not a second
//! field `options`). A test builds a client whose spec names nothing and
//! checks that every member the emitter wrote is listed here.

/// A request builder's client field.
pub const CLIENT: &str = "client";
/// A request builder's per-call options field.
pub const OPTIONS: &str = "options";
/// A request builder's request body field.
pub const BODY: &str = "body";
/// Builds the request (private).
pub const PREPARE: &str = "prepare";
/// Decodes the response (private).
pub const DECODE: &str = "decode";
/// `Call::options_mut`, the runtime's way to the per-call options.
pub const OPTIONS_MUT: &str = "options_mut";
/// Sets per-call options.
pub const WITH_OPTIONS: &str = "with_options";
/// Sends and decodes.
pub const SEND: &str = "send";
/// Sends and decodes, keeping the response's metadata.
pub const SEND_WITH_META: &str = "send_with_meta";
/// Sends and returns the raw bytes (CSV responses).
pub const SEND_BYTES: &str = "send_bytes";
/// Sends and streams rows (CSV responses).
pub const SEND_STREAM: &str = "send_stream";
/// `IntoFuture::into_future`.
pub const INTO_FUTURE: &str = "into_future";
/// Sets the call's idempotency key (operations that declare one).
pub const IDEMPOTENCY_KEY: &str = "idempotency_key";
/// The pages of a paginated answer, as a stream.
pub const PAGES: &str = "pages";
/// The items of a paginated answer, as a stream.
pub const ITEMS: &str = "items";

/// Every member a request builder has besides the spec's parameters, and
/// method names clippy would read as a standard trait's.
pub const BUILDER_MEMBERS: &[&str] = &[
    CLIENT,
    OPTIONS,
    BODY,
    PREPARE,
    DECODE,
    OPTIONS_MUT,
    WITH_OPTIONS,
    SEND,
    SEND_WITH_META,
    SEND_BYTES,
    SEND_STREAM,
    INTO_FUTURE,
    IDEMPOTENCY_KEY,
    PAGES,
    ITEMS,
    "clone",
    "hook",
];

/// Names the generated `Client` already uses, and method names clippy
/// (`should_implement_trait`, `new_ret_no_self`) would take for a standard
/// trait's or a constructor.
pub const CLIENT_MEMBERS: &[&str] = &[
    "builder",
    "runtime",
    "api",
    "new",
    "clone",
    "default",
    "from_str",
    "next",
    "eq",
    "cmp",
    "hash",
    "deref",
    "drop",
    "as_ref",
    "as_mut",
    "borrow",
    "into_iter",
    "not",
    "neg",
];
