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
use crate::key::{HmacSha256, KeyKind};
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
                        let body = Body::from(verified.body().clone());
                        parts.extensions.insert(verified);
                        let response = inner.call(Request::from_parts(parts, body)).await?;
                        Ok(response.map(Body::new))
                    }
                    Err(rejection) => Ok(config.reject(rejection)),
                }
            }),
        }
    }
}

/// Checks the headers, reads the body up to the limit while computing the MACs, and
/// compares them with the claimed signatures.
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
    let has_hmac = claims
        .signatures
        .iter()
        .any(|s| matches!(s, Signature::HmacSha256(_)));
    let mut macs: Vec<(usize, HmacSha256)> = Vec::new();
    if has_hmac {
        for (index, key) in config.keys.iter().enumerate() {
            if let KeyKind::Hmac(mac) = key.kind() {
                let mut mac = mac.clone();
                mac.update(&prefix);
                macs.push((index, mac));
            }
        }
    }

    let capacity = declared.map_or(0, |length| length as usize);
    let body = read_body(body, limit, capacity, |chunk| {
        for (_, mac) in &mut macs {
            mac.update(chunk);
        }
    })
    .await?;

    let key_index = match_hmac(macs, &claims.signatures)
        .or_else(|| match_ed25519(config, &claims.signatures, &prefix, &body))
        .ok_or_else(|| Rejection::new(RejectionKind::SignatureMismatch))?;
    Ok(Verified::new(body, key_index, claims.id, claims.timestamp))
}

/// The index of the first key whose MAC equals one of the signatures, compared in
/// constant time.
fn match_hmac(macs: Vec<(usize, HmacSha256)>, signatures: &[Signature]) -> Option<usize> {
    macs.into_iter().find_map(|(index, mac)| {
        let tag = mac.finalize().into_bytes();
        let matched = signatures.iter().any(|signature| match signature {
            Signature::HmacSha256(claimed) => bool::from(tag.as_slice().ct_eq(claimed)),
            _ => false,
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

/// Reads the whole body, refusing it as soon as it passes `limit`, and shows each chunk
/// to `on_chunk` as it arrives. A body that arrives in one chunk is not copied.
async fn read_body<B: http_body::Body>(
    body: B,
    limit: usize,
    capacity: usize,
    mut on_chunk: impl FnMut(&[u8]),
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
        on_chunk(&chunk);
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
