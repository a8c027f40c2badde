//! The bodies the layer hands on and answers with, and the reader that gathers a request's
//! body within its limits.

use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt as _, Full};
use pin_project_lite::pin_project;

use crate::budget::{BufferBudget, Reservation};
use crate::rejection::{Rejection, RejectionKind};

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of a response made by an `on_rejection` function.
pub(crate) type BoxedBody = UnsyncBoxBody<Bytes, BoxError>;

/// The request body the inner service receives: exactly the verified bytes, in one frame.
///
/// The same bytes are in the request's [`Verified`](crate::Verified) extension, so a
/// service that wants them as [`Bytes`] takes them from there instead of collecting this.
#[derive(Debug)]
pub struct VerifiedBody(Full<Bytes>);

impl VerifiedBody {
    pub(crate) fn new(bytes: Bytes) -> Self {
        Self(Full::new(bytes))
    }
}

impl Body for VerifiedBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.0).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.0.size_hint()
    }
}

pin_project! {
    /// The response body of [`WebhookVerifyService`](crate::WebhookVerifyService): the
    /// inner service's body, or the body of a response the layer made itself (a rejection,
    /// or the answer to a duplicate).
    pub struct ResponseBody<B> {
        #[pin]
        kind: Kind<B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<B> {
        Inner { #[pin] body: B },
        Full { #[pin] body: Full<Bytes> },
        Boxed { #[pin] body: BoxedBody },
    }
}

impl<B> ResponseBody<B> {
    pub(crate) fn inner(body: B) -> Self {
        Self {
            kind: Kind::Inner { body },
        }
    }

    pub(crate) fn full(body: Full<Bytes>) -> Self {
        Self {
            kind: Kind::Full { body },
        }
    }

    pub(crate) fn boxed(body: BoxedBody) -> Self {
        Self {
            kind: Kind::Boxed { body },
        }
    }
}

/// Boxes a body made by an `on_rejection` function.
pub(crate) fn boxed<L>(body: L) -> BoxedBody
where
    L: Body<Data = Bytes> + Send + 'static,
    L::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
}

impl<B> std::fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let from = match self.kind {
            Kind::Inner { .. } => "inner",
            Kind::Full { .. } | Kind::Boxed { .. } => "layer",
        };
        f.debug_struct("ResponseBody").field("from", &from).finish()
    }
}

impl<B> Body for ResponseBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.project().kind.project() {
            KindProj::Inner { body } => body.poll_frame(cx).map_err(Into::into),
            KindProj::Full { body } => body.poll_frame(cx).map_err(|never| match never {}),
            KindProj::Boxed { body } => body.poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Inner { body } => body.is_end_stream(),
            Kind::Full { body } => body.is_end_stream(),
            Kind::Boxed { body } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Inner { body } => body.size_hint(),
            Kind::Full { body } => body.size_hint(),
            Kind::Boxed { body } => body.size_hint(),
        }
    }
}

/// Gathers a body's data, refusing it as soon as it passes the limit or the buffer budget.
/// A body that arrives in one chunk is not copied.
pub(crate) struct BodyReader {
    limit: usize,
    /// The declared length, within the limit: room to reserve once a second chunk arrives.
    capacity: usize,
    received: usize,
    gathered: Gathered,
}

enum Gathered {
    Nothing,
    OneChunk(Bytes),
    Joined(BytesMut),
}

impl BodyReader {
    /// A reader for a body of at most `limit` bytes, declared to be `declared` long.
    pub(crate) fn new(limit: usize, declared: usize) -> Self {
        Self {
            limit,
            capacity: declared,
            received: 0,
            gathered: Gathered::Nothing,
        }
    }

    /// Polls `body` to its end, gathering its data and growing `reservation` to cover it;
    /// trailers are not signed, so skipped.
    pub(crate) fn poll_read<B: Body, T: AsRef<BufferBudget>>(
        &mut self,
        mut body: Pin<&mut B>,
        cx: &mut Context<'_>,
        reservation: &mut Reservation<T>,
    ) -> Poll<Result<Bytes, Rejection>> {
        while let Some(frame) = ready!(body.as_mut().poll_frame(cx)) {
            let frame = frame.map_err(|_| Rejection::new(RejectionKind::BodyRead))?;
            if let Ok(data) = frame.into_data() {
                self.push(data, reservation)?;
            }
        }
        Poll::Ready(Ok(self.finish()))
    }

    fn push<T: AsRef<BufferBudget>>(
        &mut self,
        mut data: impl Buf,
        reservation: &mut Reservation<T>,
    ) -> Result<(), Rejection> {
        self.received = self.received.saturating_add(data.remaining());
        if self.received > self.limit {
            return Err(Rejection::payload_too_large(self.limit));
        }
        if !reservation.grow_to(self.received) {
            return Err(Rejection::new(RejectionKind::Overloaded));
        }
        let chunk = data.copy_to_bytes(data.remaining());
        if chunk.is_empty() {
            return Ok(());
        }
        let mut joined = match std::mem::replace(&mut self.gathered, Gathered::Nothing) {
            Gathered::Nothing => {
                self.gathered = Gathered::OneChunk(chunk);
                return Ok(());
            }
            Gathered::OneChunk(first) => {
                let capacity = self.capacity.clamp(self.received, self.limit);
                let mut joined = BytesMut::with_capacity(capacity);
                joined.extend_from_slice(&first);
                joined
            }
            Gathered::Joined(joined) => joined,
        };
        joined.extend_from_slice(&chunk);
        // The buffer may have grown past the bytes received: the budget holds what it takes.
        if !reservation.grow_to(joined.capacity()) {
            return Err(Rejection::new(RejectionKind::Overloaded));
        }
        self.gathered = Gathered::Joined(joined);
        Ok(())
    }

    fn finish(&mut self) -> Bytes {
        match std::mem::replace(&mut self.gathered, Gathered::Nothing) {
            Gathered::Nothing => Bytes::new(),
            Gathered::OneChunk(body) => body,
            Gathered::Joined(body) => body.freeze(),
        }
    }
}
