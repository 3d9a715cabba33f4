//! How a generated request builder is sent: written once here, not once per
//! operation.
//!
//! A generated builder knows two things of its own: how to build its
//! [`Request`] (parameters, body, validation) and how to read its
//! [`Response`] (the success type, the declared errors). It hands both to
//! [`SendingWithMeta::new`]; everything else — sending through the client's
//! pipeline, and turning the answer into a value — is this module's, and it
//! is compiled once per pair of success and error types instead of once per
//! operation.
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
use crate::request::Request;
use crate::response::{Response, ResponseValue};

/// Reads an operation's response (any status) into its value or its error.
pub type Decode<T, E> = fn(Response) -> Result<ResponseValue<T>, Error<E>>;

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
        SendingWithMeta {
            call: Box::pin(async move {
                let (client, request) = prepared.await?;
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
