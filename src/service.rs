//! [`WebhookVerifyService`]: the layer's service around the inner service.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::Request;
use tower_layer::Layer;
use tower_service::Service;

use crate::body::{BodyReader, BoxError, ResponseBody, VerifiedBody};
use crate::budget::Reservation;
use crate::error::ConfigError;
use crate::future::{PendingRequest, ResponseFuture};
use crate::rejection::{Rejection, RejectionKind};
use crate::scheme::Scheme;
use crate::verify::{Config, WebhookVerify};

/// The service built by [`WebhookVerify`]: verifies each request, then calls `S` with a
/// [`VerifiedBody`] and the [`Verified`](crate::Verified) extension.
pub struct WebhookVerifyService<S, Sch> {
    inner: S,
    config: Arc<Config<Sch>>,
}

impl<S, Sch> WebhookVerifyService<S, Sch> {
    /// The inner service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Takes the inner service.
    pub fn into_inner(self) -> S {
        self.inner
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

impl<Sch: Scheme + Clone, I> Layer<I> for WebhookVerify<Sch> {
    type Service = WebhookVerifyService<I, Sch>;

    /// # Panics
    ///
    /// If the body limit is larger than the buffer budget, or dedupe is on for a preset
    /// whose provider sends no event id.
    fn layer(&self, inner: I) -> Self::Service {
        let config = &self.config;
        if config.max_body_size > config.budget.limit() {
            panic!("{}", ConfigError::new(format!(
                "max_body_size ({} bytes) is larger than the buffer budget ({} bytes), so no \
                 body that large could be read: raise it with .buffer_budget(BufferBudget::new(..))",
                config.max_body_size,
                config.budget.limit()
            )));
        }
        if config.dedupe.is_some() && !config.event_ids {
            let error = ConfigError::new(
                "dedupe needs an event id, and this provider sends none with its deliveries \
                 (see the preset's docs): every delivery would be refused; remove .dedupe()",
            );
            panic!("{error}");
        }
        WebhookVerifyService {
            inner,
            config: Arc::new(config.clone()),
        }
    }
}

impl<S, Sch, ReqBody, ResBody> Service<Request<ReqBody>> for WebhookVerifyService<S, Sch>
where
    S: Service<Request<VerifiedBody>, Response = http::Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
    ReqBody: http_body::Body,
    Sch: Scheme,
{
    type Response = http::Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S, Sch, ReqBody, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let (parts, body) = request.into_parts();
        let config = &self.config;
        let head = config.request_head(&parts.method, &parts.uri, &parts.headers);
        if let Some(response) = config.setup_response(&head) {
            return ResponseFuture::answered(response.map(|body| ResponseBody::full(body.into())));
        }
        let checked = config.check_head(&head, None);
        let (claims, declared) = match checked {
            Ok(checked) => checked,
            Err(rejection) => return ResponseFuture::answered(config.reject(rejection)),
        };
        let reservation = match Reservation::take(Arc::clone(config), declared) {
            Ok(reservation) => reservation,
            Err(config) => {
                let rejection = Rejection::new(RejectionKind::Overloaded);
                return ResponseFuture::answered(config.reject(rejection));
            }
        };
        // The clone is not ready; keep the service that is and leave the clone behind.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let reader = BodyReader::new(config.max_body_size, declared);
        let request = PendingRequest {
            parts,
            claims,
            inner,
            reservation,
        };
        ResponseFuture::reading(body, reader, request)
    }
}
