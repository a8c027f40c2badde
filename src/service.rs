//! The service [`WebhookVerify`](crate::WebhookVerify) wraps around the inner service.

use std::fmt;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::Response;
use bytes::{Buf, Bytes, BytesMut};
use hmac::Mac;
use http::{header, HeaderMap, Request};
use http_body_util::BodyExt;
use subtle::ConstantTimeEq;
use tower_service::Service;

use crate::extract::Verified;
use crate::key::KeyKind;
use crate::layer::Config;
use crate::rejection::{Rejection, RejectionKind};
use crate::scheme::{Scheme, Signature};

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

/// The response future of [`WebhookVerifyService`].
pub struct ResponseFuture<E> {
    inner: Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>,
}

impl<E> Future for ResponseFuture<E> {
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.inner.as_mut().poll(cx)
    }
}

impl<E> fmt::Debug for ResponseFuture<E> {
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
    ReqBody: http_body::Body + Send + 'static,
    ReqBody::Data: Send,
    Sch: Scheme,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clone is not ready; keep the service that is and leave the clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = Arc::clone(&self.config);
        ResponseFuture {
            inner: Box::pin(async move {
                let (mut parts, body) = request.into_parts();
                match verify(&config, &parts.headers, body).await {
                    Ok(verified) => {
                        let dedupe_key = match crate::dedupe::key(&config, &verified) {
                            Ok(key) => key,
                            Err(rejection) => return Ok(config.reject(rejection)),
                        };
                        let body = Body::from(verified.body().clone());
                        parts.extensions.insert(verified);
                        let handler = async move {
                            let response = inner.call(Request::from_parts(parts, body)).await?;
                            Ok(response.map(Body::new))
                        };
                        match dedupe_key {
                            // Boxed so that its state does not enlarge (and slow down) every
                            // request's future when dedupe is off.
                            Some(key) => {
                                Box::pin(crate::dedupe::run_once(&config, key, handler)).await
                            }
                            None => handler.await,
                        }
                    }
                    Err(rejection) => Ok(config.reject(rejection)),
                }
            }),
        }
    }
}

/// Checks the headers (and the window and `Content-Length`) before reading the body, reads
/// the body up to the limit, and checks its signatures.
async fn verify<Sch, B>(
    config: &Config<Sch>,
    headers: &HeaderMap,
    body: B,
) -> Result<Verified, Rejection>
where
    Sch: Scheme,
    B: http_body::Body,
{
    let claims = config.scheme.parse(headers)?;
    config.check_timestamp(claims.timestamp)?;
    let limit = config.max_body_size;
    let declared = content_length(headers);
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(Rejection::payload_too_large(limit));
    }

    let mut prefix = Vec::new();
    config.scheme.signed_prefix(&claims, &mut prefix);
    let capacity = declared.map_or(0, |length| length as usize);
    let body = read_body(body, limit, capacity).await?;

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

/// Reads the whole body, refusing it as soon as it passes `limit`. A body that arrives in
/// one chunk is not copied.
async fn read_body<B: http_body::Body>(
    body: B,
    limit: usize,
    capacity: usize,
) -> Result<Bytes, Rejection> {
    let mut body = pin!(body);
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    let mut received = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| Rejection::new(RejectionKind::BodyRead))?;
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers are not signed
        };
        received = received.saturating_add(data.remaining());
        if received > limit {
            return Err(Rejection::payload_too_large(limit));
        }
        let chunk = data.copy_to_bytes(data.remaining());
        if chunk.is_empty() {
            continue;
        }
        match (&mut first, &mut joined) {
            (None, None) => first = Some(chunk),
            (Some(_), None) => {
                let mut buffer = BytesMut::with_capacity(capacity.clamp(received, limit));
                buffer.extend_from_slice(&first.take().unwrap_or_default());
                buffer.extend_from_slice(&chunk);
                joined = Some(buffer);
            }
            (_, Some(buffer)) => buffer.extend_from_slice(&chunk),
        }
    }
    Ok(match joined {
        Some(buffer) => buffer.freeze(),
        None => first.unwrap_or_default(),
    })
}
