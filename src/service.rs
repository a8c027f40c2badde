//! The service [`WebhookVerify`](crate::WebhookVerify) wraps around the inner service.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use axum::body::Body;
use axum::response::Response;
use bytes::{Buf, Bytes, BytesMut};
use hmac::Mac;
use http::request::Parts;
use http::{header, HeaderMap, Request};
use pin_project_lite::pin_project;
use subtle::ConstantTimeEq;
use tower_service::Service;

use crate::extract::Verified;
use crate::key::KeyKind;
use crate::layer::Config;
use crate::rejection::{Rejection, RejectionKind};
use crate::scheme::{Claims, Scheme, Signature};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The service built by [`WebhookVerify`](crate::WebhookVerify): verifies, then calls `S`.
pub struct WebhookVerifyService<S, Sch> {
    inner: S,
    config: Arc<Config<Sch>>,
}

impl<S, Sch> WebhookVerifyService<S, Sch> {
    pub(crate) fn new(inner: S, config: Arc<Config<Sch>>) -> Self {
        Self { inner, config }
    }
}

impl<S: Clone, Sch> Clone for WebhookVerifyService<S, Sch> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            config: Arc::clone(&self.config),
        }
    }
}

impl<S: fmt::Debug, Sch> fmt::Debug for WebhookVerifyService<S, Sch> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifyService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

pin_project! {
    /// The response future of [`WebhookVerifyService`]: reads and checks the body, then
    /// runs the inner service's future.
    pub struct ResponseFuture<S, Sch, B>
    where
        S: Service<Request<Body>>,
    {
        #[pin]
        state: State<S, Sch, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, Sch, B>
    where
        S: Service<Request<Body>>,
    {
        // The headers passed; the body is being read.
        Reading {
            #[pin]
            body: B,
            reader: BodyReader,
            request: Option<PendingRequest<S, Sch>>,
        },
        // The body verified; the inner service is handling the request.
        Calling {
            #[pin]
            future: S::Future,
        },
        // The body verified; the inner service runs once the event is claimed.
        Deduping {
            future: Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>,
        },
        // Refused; the response is ready.
        Rejected {
            response: Option<Response>,
        },
    }
}

/// What a request whose headers passed carries while its body is read.
struct PendingRequest<S, Sch> {
    parts: Parts,
    claims: Claims,
    inner: S,
    config: Arc<Config<Sch>>,
}

impl<S, Sch, B> fmt::Debug for ResponseFuture<S, Sch, B>
where
    S: Service<Request<Body>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<S, Sch, ReqBody, ResBody> Service<Request<ReqBody>> for WebhookVerifyService<S, Sch>
where
    S: Service<Request<Body>, Response = http::Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
    ReqBody: http_body::Body,
    Sch: Scheme,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S, Sch, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (parts, body) = request.into_parts();
        let state = match check_headers(&self.config, &parts.headers) {
            Ok((claims, reader)) => {
                // The clone is not ready; keep the service that is and leave the clone behind.
                let clone = self.inner.clone();
                let inner = std::mem::replace(&mut self.inner, clone);
                let config = Arc::clone(&self.config);
                State::Reading {
                    body,
                    reader,
                    request: Some(PendingRequest {
                        parts,
                        claims,
                        inner,
                        config,
                    }),
                }
            }
            Err(rejection) => State::rejected(self.config.reject(rejection)),
        };
        ResponseFuture { state }
    }
}

impl<S, Sch, B, ResBody> Future for ResponseFuture<S, Sch, B>
where
    S: Service<Request<Body>, Response = http::Response<ResBody>> + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
    B: http_body::Body,
    Sch: Scheme,
{
    type Output = Result<Response, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let next = match this.state.as_mut().project() {
                StateProj::Reading {
                    body,
                    reader,
                    request,
                } => {
                    let read = ready!(reader.poll_read(body, cx));
                    let request = request.take().expect("polled after completion");
                    match read {
                        Ok(body) => request.verified(body),
                        Err(rejection) => State::rejected(request.config.reject(rejection)),
                    }
                }
                StateProj::Calling { future } => {
                    return future.poll(cx).map_ok(|response| response.map(Body::new));
                }
                StateProj::Deduping { future } => return future.as_mut().poll(cx),
                StateProj::Rejected { response } => {
                    return Poll::Ready(Ok(response.take().expect("polled after completion")));
                }
            };
            this.state.set(next);
        }
    }
}

impl<S, Sch, B> State<S, Sch, B>
where
    S: Service<Request<Body>>,
{
    fn rejected(response: Response) -> Self {
        Self::Rejected {
            response: Some(response),
        }
    }
}

impl<S, Sch, ResBody> PendingRequest<S, Sch>
where
    S: Service<Request<Body>, Response = http::Response<ResBody>> + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
    Sch: Scheme,
{
    /// Checks the body's signatures; if they hold, hands the request to the inner service
    /// (through dedupe when it is on), with the body and the [`Verified`] extension.
    fn verified<B>(self, body: Bytes) -> State<S, Sch, B> {
        let Self {
            mut parts,
            claims,
            mut inner,
            config,
        } = self;
        let verified = match check_signatures(&config, claims, body) {
            Ok(verified) => verified,
            Err(rejection) => return State::rejected(config.reject(rejection)),
        };
        let dedupe_key = match crate::dedupe::key(&config, &parts.headers, &verified) {
            Ok(key) => key,
            Err(rejection) => return State::rejected(config.reject(rejection)),
        };
        let body = Body::from(verified.body().clone());
        parts.extensions.insert(verified);
        let request = Request::from_parts(parts, body);
        match dedupe_key {
            None => State::Calling {
                future: inner.call(request),
            },
            // The inner service is only called once the event is claimed.
            Some(key) => State::Deduping {
                future: Box::pin(async move {
                    let handler = async move {
                        let response = inner.call(request).await?;
                        Ok(response.map(Body::new))
                    };
                    crate::dedupe::run_once(&config, key, handler).await
                }),
            },
        }
    }
}

/// Checks what the headers say before the body is read: the signatures parse, the
/// timestamp is in the window, and `Content-Length` is within the limit.
fn check_headers<Sch: Scheme>(
    config: &Config<Sch>,
    headers: &HeaderMap,
) -> Result<(Claims, BodyReader), Rejection> {
    let claims = config.scheme.parse(headers)?;
    config.check_timestamp(claims.timestamp)?;
    let limit = config.max_body_size;
    let declared = content_length(headers);
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(Rejection::payload_too_large(limit));
    }
    let capacity = declared.map_or(0, |length| length as usize);
    Ok((claims, BodyReader::new(limit, capacity)))
}

/// Checks the signatures over the signed prefix and the body.
fn check_signatures<Sch: Scheme>(
    config: &Config<Sch>,
    claims: Claims,
    body: Bytes,
) -> Result<Verified, Rejection> {
    let mut prefix = Vec::new();
    config.scheme.signed_prefix(&claims, &mut prefix);
    let key_index = match_hmac(config, &claims.signatures, &prefix, &body)
        .or_else(|| match_ed25519(config, &claims.signatures, &prefix, &body))
        .ok_or_else(|| Rejection::new(RejectionKind::SignatureMismatch))?;
    Ok(Verified::new(body, key_index, claims.id, claims.timestamp))
}

/// The index of the first HMAC key whose MAC over `prefix` and `body` equals one of the
/// signatures, each compared in constant time. One MAC per key, however many signatures.
fn match_hmac<Sch>(
    config: &Config<Sch>,
    signatures: &[Signature],
    prefix: &[u8],
    body: &[u8],
) -> Option<usize> {
    if !signatures
        .iter()
        .any(|signature| matches!(signature, Signature::HmacSha256(_)))
    {
        return None;
    }
    config.keys.iter().enumerate().find_map(|(index, key)| {
        let KeyKind::Hmac(mac) = key.kind() else {
            return None;
        };
        let mut mac = mac.clone();
        mac.update(prefix);
        mac.update(body);
        let tag = mac.finalize().into_bytes();
        let matched = signatures.iter().any(|signature| match signature {
            Signature::HmacSha256(claimed) => bool::from(tag.as_slice().ct_eq(claimed)),
            Signature::Ed25519(_) => false,
        });
        matched.then_some(index)
    })
}

/// The index of the first ed25519 key that verifies one of the signatures.
fn match_ed25519<Sch>(
    config: &Config<Sch>,
    signatures: &[Signature],
    prefix: &[u8],
    body: &[u8],
) -> Option<usize> {
    let claimed: Vec<ed25519_dalek::Signature> = signatures
        .iter()
        .filter_map(|signature| match signature {
            Signature::Ed25519(bytes) => Some(ed25519_dalek::Signature::from_bytes(bytes)),
            _ => None,
        })
        .collect();
    if claimed.is_empty() {
        return None;
    }
    let message = [prefix, body].concat();
    config
        .keys
        .iter()
        .enumerate()
        .find_map(|(index, key)| match key.kind() {
            KeyKind::Ed25519 { public, .. } => claimed
                .iter()
                .any(|signature| public.verify_strict(&message, signature).is_ok())
                .then_some(index),
            KeyKind::Hmac(_) => None,
        })
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Gathers a body's data, refusing it as soon as it passes the limit. A body that arrives
/// in one chunk is not copied.
struct BodyReader {
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
    fn new(limit: usize, capacity: usize) -> Self {
        Self {
            limit,
            capacity,
            received: 0,
            gathered: Gathered::Nothing,
        }
    }

    /// Polls `body` to its end, gathering its data; trailers are not signed, so skipped.
    fn poll_read<B: http_body::Body>(
        &mut self,
        mut body: Pin<&mut B>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Bytes, Rejection>> {
        while let Some(frame) = ready!(body.as_mut().poll_frame(cx)) {
            let frame = frame.map_err(|_| Rejection::new(RejectionKind::BodyRead))?;
            if let Ok(data) = frame.into_data() {
                self.push(data)?;
            }
        }
        Poll::Ready(Ok(self.finish()))
    }

    fn push(&mut self, mut data: impl Buf) -> Result<(), Rejection> {
        self.received = self.received.saturating_add(data.remaining());
        if self.received > self.limit {
            return Err(Rejection::payload_too_large(self.limit));
        }
        let chunk = data.copy_to_bytes(data.remaining());
        if chunk.is_empty() {
            return Ok(());
        }
        self.gathered = match std::mem::replace(&mut self.gathered, Gathered::Nothing) {
            Gathered::Nothing => Gathered::OneChunk(chunk),
            Gathered::OneChunk(first) => {
                let capacity = self.capacity.clamp(self.received, self.limit);
                let mut joined = BytesMut::with_capacity(capacity);
                joined.extend_from_slice(&first);
                joined.extend_from_slice(&chunk);
                Gathered::Joined(joined)
            }
            Gathered::Joined(mut joined) => {
                joined.extend_from_slice(&chunk);
                Gathered::Joined(joined)
            }
        };
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
