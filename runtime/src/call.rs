//! How a generated request builder is sent: written once here, not once per
//! operation.
//!
//! A generated builder knows two things of its own, which it says by
//! implementing [`Call`]: how to build its [`Request`] (parameters, body,
//! validation) and how to read its [`Response`] (the success type, the
//! declared errors). Everything else — `send()`, `send_with_meta()`,
//! `with_options()`, `.await`, sending through the client's pipeline, and
//! turning the answer into a value — is this module's: the methods come from
//! [`request_methods!`](crate::request_methods), and the sending is compiled
//! once per pair of success and error types instead of once per operation.
//!
//! ```
//! use pasarela_runtime::{Client, Error, Request, Response, ResponseValue, SendingWithMeta};
//!
//! fn decode(response: Response) -> Result<ResponseValue<String>, Error<()>> {
//!     let text = response.text()?;
//!     Ok(response.into_value(text))
//! }
//!
//! fn send(client: Client, request: Request) -> SendingWithMeta<String, ()> {
//!     SendingWithMeta::new(std::future::ready(Ok((client, request))), decode)
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::client::Client;
use crate::error::Error;
use crate::options::CallOptions;
use crate::request::Request;
use crate::response::{Response, ResponseValue};

/// Reads an operation's response (any status) into its value or its error.
pub type Decode<T, E> = fn(Response) -> Result<ResponseValue<T>, Error<E>>;

/// What [`Call::prepare`] gives: the request and the client it is sent on,
/// or why nothing is sent (a parameter that fails validation, a body that
/// cannot be encoded).
pub type Prepared<E> = Result<(Client, Request), Error<E>>;

/// What [`Call::decode`] gives for the call `C`.
pub type Decoded<C> = Result<ResponseValue<<C as Call>::Output>, Error<<C as Call>::Error>>;

/// An operation's error type, read from a response outside 2xx. Generated
/// error enums implement it from the error responses the spec declares
/// (one implementation per distinct set of them).
pub trait FromResponse: Sized {
    /// The error the spec's error responses make of `response`: a declared
    /// error, or [`Error::UnexpectedStatus`] (generated).
    fn from_declared(response: Response) -> Error<Self>;

    /// The error a response outside 2xx means: the server refusing a reuse
    /// of the call's idempotency key ([`Error::IdempotencyConflict`], for
    /// the statuses its operation declares for that), else
    /// [`from_declared`](FromResponse::from_declared).
    fn from_response(response: Response) -> Error<Self> {
        match response.idempotency_conflict() {
            Some(conflict) => conflict,
            None => Self::from_declared(response),
        }
    }
}

/// Reads any response of the call `C`: [`Call::decode`] for 2xx, else
/// the operation's error.
fn decode_any<C: Call>(response: Response) -> Decoded<C> {
    if (200..=299).contains(&response.status()) {
        C::decode(response)
    } else {
        Err(C::Error::from_response(response))
    }
}

/// One operation's request builder, as the runtime sees it: what it sends
/// and how it reads the answer. Generated code implements it; users call the
/// methods [`request_methods!`](crate::request_methods) gives every builder
/// (`send`, `send_with_meta`, `with_options`, `.await`).
pub trait Call: CallOptionsField + Sized + Send + 'static {
    /// The decoded success value.
    type Output: Send + 'static;
    /// The operation's declared error (its error enum).
    type Error: FromResponse + Send + 'static;

    /// Checks the parameters and body, then builds the request. An error
    /// here is returned without sending anything. The call's own options
    /// are applied to the request afterwards ([`prepare`]).
    fn prepare(self) -> impl Future<Output = Prepared<Self::Error>> + Send + 'static;

    /// Reads a 2xx response: the success value (or the operation's error,
    /// when a 2xx body says the call failed). A response outside 2xx is
    /// [`FromResponse::from_response`]'s.
    fn decode(response: Response) -> Decoded<Self>;
}

/// Where a request builder keeps its own options (timeout, retry policy,
/// extra headers): [`request_methods!`](crate::request_methods) implements
/// it from the builder's field named `options`.
pub trait CallOptionsField {
    /// The builder's per-call options.
    fn options_mut(&mut self) -> &mut CallOptions;
}

/// Builds the request of `call` ([`Call::prepare`]) with the call's own
/// options applied: what sending does first.
pub fn prepare<C: Call>(mut call: C) -> impl Future<Output = Prepared<C::Error>> + Send + 'static {
    let options = std::mem::take(call.options_mut());
    let prepared = call.prepare();
    async move {
        let (client, mut request) = prepared.await?;
        request.set_options(options);
        Ok((client, request))
    }
}

/// A request being built, boxed.
type PreparedFuture<E> = Pin<Box<dyn Future<Output = Prepared<E>> + Send>>;

type BoxedCall<T, E> = Pin<Box<dyn Future<Output = Result<ResponseValue<T>, Error<E>>> + Send>>;

/// A request on its way, returned by a generated builder's
/// `send_with_meta()`: awaiting it gives the decoded value together with
/// the response's status and headers ([`ResponseValue`]).
#[must_use = "a request does nothing until it is awaited"]
pub struct SendingWithMeta<T, E> {
    call: BoxedCall<T, E>,
}

impl<T: Send + 'static, E: Send + 'static> SendingWithMeta<T, E> {
    /// Sends the request that `prepared` builds (on the client it names)
    /// and reads the answer with `decode`. An error from `prepared` (a
    /// parameter that fails validation, a body that cannot be encoded) is
    /// returned without sending anything.
    pub fn new<P>(prepared: P, decode: Decode<T, E>) -> Self
    where
        P: Future<Output = Result<(Client, Request), Error<E>>> + Send + 'static,
    {
        Self::start(Box::pin(prepared), None, decode)
    }

    /// Sends `call`: [`Call::prepare`], then the client's pipeline, then
    /// [`Call::decode`].
    pub fn of<C: Call<Output = T, Error = E>>(mut call: C) -> Self {
        let options = std::mem::take(call.options_mut());
        // Boxed here, so that the sending future below is one type per
        // success and error type, compiled once for all the operations
        // that share them, not once per operation.
        let prepared: PreparedFuture<E> = Box::pin(call.prepare());
        Self::start(prepared, Some(options), decode_any::<C>)
    }

    /// The sending future: `prepared`, the call's `options` applied, the
    /// client's pipeline, then `decode`.
    fn start(
        prepared: PreparedFuture<E>,
        options: Option<CallOptions>,
        decode: Decode<T, E>,
    ) -> Self {
        SendingWithMeta {
            call: Box::pin(async move {
                let (client, mut request) = prepared.await?;
                if let Some(options) = options {
                    request.set_options(options);
                }
                let response = client.send_any(request).await.map_err(Error::widen)?;
                decode(response)
            }),
        }
    }

    /// Drops the response's status and headers from the result: what a
    /// builder's `send()` and `.await` return.
    pub fn without_meta(self) -> Sending<T, E> {
        Sending { with_meta: self }
    }
}

impl<T, E> Future for SendingWithMeta<T, E> {
    type Output = Result<ResponseValue<T>, Error<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.call.as_mut().poll(cx)
    }
}

impl<T, E> fmt::Debug for SendingWithMeta<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendingWithMeta")
    }
}

/// A request on its way, returned by a generated builder's `send()` (and
/// what `.await` on the builder drives): awaiting it gives the decoded
/// value.
#[must_use = "a request does nothing until it is awaited"]
pub struct Sending<T, E> {
    with_meta: SendingWithMeta<T, E>,
}

impl<T, E> Future for Sending<T, E> {
    type Output = Result<T, Error<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.with_meta)
            .poll(cx)
            .map(|result| result.map(ResponseValue::into_inner))
    }
}

impl<T, E> fmt::Debug for Sending<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sending")
    }
}

/// The methods every generated request builder has, written once: `send()`,
/// `send_with_meta()`, `with_options()` and `IntoFuture` (so the builder can
/// be `.await`ed), for a type that implements [`Call`] with success type
/// `$output` and error `$error`, and keeps its options in a field named
/// `options` (this implements [`CallOptionsField`] from it).
///
/// ```
/// use pasarela_runtime::{
///     Call, CallOptions, Client, Decoded, Error, FromResponse, HttpMethod, Operation, Prepared,
///     Request, Response,
/// };
///
/// /// `ping` declares no error responses.
/// #[derive(Debug)]
/// pub struct PingError;
///
/// impl FromResponse for PingError {
///     fn from_declared(response: Response) -> Error<Self> {
///         response.unexpected()
///     }
/// }
///
/// pub struct Ping {
///     client: Client,
///     options: CallOptions,
/// }
///
/// impl Call for Ping {
///     type Output = String;
///     type Error = PingError;
///     async fn prepare(self) -> Prepared<PingError> {
///         static OPERATION: Operation = Operation::new("ping", HttpMethod::Get, "/ping");
///         Ok((self.client, Request::new(&OPERATION)))
///     }
///     fn decode(response: Response) -> Decoded<Self> {
///         let text = response.text()?;
///         Ok(response.into_value(text))
///     }
/// }
///
/// pasarela_runtime::request_methods!(Ping => String, PingError);
///
/// async fn ping(client: Client) -> Result<String, Error<PingError>> {
///     Ping { client, options: CallOptions::new() }.await
/// }
/// ```
#[macro_export]
macro_rules! request_methods {
    ($builder:ty => $output:ty, $error:ty) => {
        impl $crate::call::CallOptionsField for $builder {
            fn options_mut(&mut self) -> &mut $crate::CallOptions {
                &mut self.options
            }
        }

        impl $builder {
            /// Options for this call only (timeout, retry policy, extra
            /// headers), overriding the client's configuration.
            pub fn with_options(mut self, options: $crate::CallOptions) -> Self {
                self.options = options;
                self
            }

            /// Sends the request and decodes the response.
            pub fn send(self) -> $crate::Sending<$output, $error> {
                $crate::SendingWithMeta::of(self).without_meta()
            }

            /// Like [`send`](Self::send), keeping the response's status and
            /// headers (and request id) with the decoded value.
            pub fn send_with_meta(self) -> $crate::SendingWithMeta<$output, $error> {
                $crate::SendingWithMeta::of(self)
            }
        }

        impl ::std::future::IntoFuture for $builder {
            type Output = ::std::result::Result<$output, $crate::Error<$error>>;
            type IntoFuture = $crate::Sending<$output, $error>;

            fn into_future(self) -> Self::IntoFuture {
                $crate::SendingWithMeta::of(self).without_meta()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<F: Future + Send>(_: &F) {}

    #[test]
    fn futures_are_send_and_unpin() {
        fn unpin<F: Unpin>() {}
        unpin::<Sending<String, ()>>();
        unpin::<SendingWithMeta<String, ()>>();
    }

    #[tokio::test]
    async fn a_preparation_error_is_returned_without_sending() {
        fn never(_: Response) -> Result<ResponseValue<()>, Error<()>> {
            unreachable!("nothing is sent")
        }
        let prepared =
            std::future::ready(Err(Error::Validation(crate::validate::ValidationError {
                problems: vec![],
            })));
        let sending = SendingWithMeta::new(prepared, never).without_meta();
        assert_send(&sending);
        let err = sending.await.unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "{err:?}");
    }
}
