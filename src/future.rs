//! [`ResponseFuture`]: reads and checks a request's body, then runs the inner service.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderValue, Request, StatusCode};
use pin_project_lite::pin_project;
use tower_service::Service;

use crate::body::{BodyReader, BoxError, ResponseBody, VerifiedBody};
use crate::budget::Reservation;
use crate::dedupe::{Outcome, DUPLICATE_HEADER};
use crate::inbox::Delivery;
use crate::key::Key;
use crate::rejection::{Rejection, RejectionKind};
use crate::scheme::{Claims, Scheme};
use crate::verify::{Config, Prepared};

type Response<B> = http::Response<ResponseBody<B>>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

pin_project! {
    /// The response future of [`WebhookVerifyService`](crate::WebhookVerifyService): reads
    /// and checks the body, then runs the inner service's future.
    pub struct ResponseFuture<S, Sch, B, ResBody>
    where
        S: Service<Request<VerifiedBody>>,
    {
        #[pin]
        state: State<S, Sch, B, ResBody>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, Sch, B, ResBody>
    where
        S: Service<Request<VerifiedBody>>,
    {
        // The headers passed; the body is being read.
        Reading {
            #[pin]
            body: B,
            reader: BodyReader,
            request: Option<PendingRequest<S, Sch>>,
        },
        // The body verified; the inner service is handling the request. The reservation
        // holds the body's bytes in the budget until the response is ready.
        Calling {
            #[pin]
            future: S::Future,
            reservation: Option<Reservation<Config<Sch>>>,
        },
        // The rest runs in a boxed future: the inner service once the event is claimed
        // (dedupe), or everything after the body once the key it names is fetched.
        Continuing {
            future: BoxFuture<Result<Response<ResBody>, S::Error>>,
        },
        // Answered by the layer (a refusal or a setup request); the response is ready.
        Answered {
            response: Option<Response<ResBody>>,
        },
    }
}

/// What a request whose headers passed carries while its body is read. Its reservation
/// in the budget holds the layer's configuration.
pub(crate) struct PendingRequest<S, Sch> {
    pub(crate) parts: Parts,
    pub(crate) claims: Claims,
    pub(crate) inner: S,
    pub(crate) reservation: Reservation<Config<Sch>>,
}

impl<S, Sch, B, ResBody> fmt::Debug for ResponseFuture<S, Sch, B, ResBody>
where
    S: Service<Request<VerifiedBody>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<S, Sch, B, ResBody> ResponseFuture<S, Sch, B, ResBody>
where
    S: Service<Request<VerifiedBody>, Response = http::Response<ResBody>>,
{
    pub(crate) fn answered(response: Response<ResBody>) -> Self {
        Self {
            state: State::Answered {
                response: Some(response),
            },
        }
    }

    pub(crate) fn reading(body: B, reader: BodyReader, request: PendingRequest<S, Sch>) -> Self {
        Self {
            state: State::Reading {
                body,
                reader,
                request: Some(request),
            },
        }
    }
}

impl<S, Sch, B, ResBody> Future for ResponseFuture<S, Sch, B, ResBody>
where
    S: Service<Request<VerifiedBody>, Response = http::Response<ResBody>> + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
    B: http_body::Body,
    Sch: Scheme,
{
    type Output = Result<Response<ResBody>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let next = match this.state.as_mut().project() {
                StateProj::Reading {
                    body,
                    reader,
                    request,
                } => {
                    let pending = request.as_mut().expect("polled after completion");
                    let read = ready!(reader.poll_read(body, cx, &mut pending.reservation));
                    let request = request.take().expect("polled after completion");
                    match read {
                        Ok(body) => request.verified(body),
                        Err(rejection) => State::Answered {
                            response: Some(request.reservation.owner().reject(rejection)),
                        },
                    }
                }
                StateProj::Calling {
                    future,
                    reservation,
                } => {
                    let response = ready!(future.poll(cx));
                    reservation.take();
                    return Poll::Ready(response.map(|response| response.map(ResponseBody::inner)));
                }
                StateProj::Continuing { future } => return future.as_mut().poll(cx),
                StateProj::Answered { response } => {
                    return Poll::Ready(Ok(response.take().expect("polled after completion")));
                }
            };
            this.state.set(next);
        }
    }
}

impl<S, Sch, ResBody> PendingRequest<S, Sch>
where
    S: Service<Request<VerifiedBody>, Response = http::Response<ResBody>> + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
    Sch: Scheme,
{
    /// Checks the body's signatures, first fetching the key the request names (in its head
    /// or its body) where it names one; if they hold, hands the request on (see
    /// [`verified_with`]).
    ///
    /// [`verified_with`]: Self::verified_with
    fn verified<B>(mut self, body: Bytes) -> State<S, Sch, B, ResBody> {
        let config = Arc::clone(self.reservation.owner());
        let claims = std::mem::take(&mut self.claims);
        let head = config.request_head(&self.parts.method, &self.parts.uri, &self.parts.headers);
        let prepared = match config.prepare(&head, claims, &body) {
            Ok(prepared) => prepared,
            Err(rejection) => {
                return State::Answered {
                    response: Some(config.reject(rejection)),
                }
            }
        };
        let Some(id) = prepared.key_id().map(str::to_owned) else {
            return self.verified_with(&config.keys, prepared, body);
        };
        let Some(source) = config.key_source.clone() else {
            let rejection = Rejection::signature_mismatch(
                "the request names a key to fetch, and no key source is configured",
            );
            return State::Answered {
                response: Some(config.reject(rejection)),
            };
        };
        // The key is fetched, then the rest runs as without one: the same states, driven
        // inside this future.
        State::Continuing {
            future: Box::pin(async move {
                match source.key(&id).await {
                    Ok(key) => {
                        let state = self.verified_with::<http_body_util::Empty<Bytes>>(
                            &[key],
                            prepared,
                            body,
                        );
                        ResponseFuture { state }.await
                    }
                    Err(error) => {
                        let config = self.reservation.owner();
                        Ok(config.reject(Rejection::key_unavailable(error)))
                    }
                }
            }),
        }
    }

    /// Checks the prepared signatures against `keys`; if they hold, hands the request to
    /// the inner service (through dedupe when it is on), with the body and the
    /// [`Verified`](crate::Verified) extension.
    fn verified_with<B>(
        self,
        keys: &[Key],
        prepared: Prepared,
        body: Bytes,
    ) -> State<S, Sch, B, ResBody> {
        let Self {
            mut parts,
            mut inner,
            reservation,
            ..
        } = self;
        let config = reservation.owner();
        let rejected = |rejection| State::Answered {
            response: Some(config.reject(rejection)),
        };
        let head = config.request_head(&parts.method, &parts.uri, &parts.headers);
        let verified = match config.check_prepared(keys, prepared, body, None) {
            Ok(verified) => verified,
            Err(rejection) => return rejected(rejection),
        };
        if let Some(response) = config.verified_response(keys, &head, &verified) {
            return State::Answered {
                response: Some(response.map(|body| ResponseBody::full(body.into()))),
            };
        }
        let event_id = config.event_id(&parts.headers, &verified);
        let dedupe_key = match &config.dedupe {
            None => None,
            Some(dedupe) => match dedupe.key(event_id.as_deref()) {
                Ok(key) => Some(key),
                Err(rejection) => return rejected(rejection),
            },
        };
        let handle = match &config.inbox {
            // The delivery is stored instead of handled.
            Some(inbox) => {
                let headers = inbox.kept_headers(&parts.headers, verified.event_shape());
                let delivery = Delivery::new(event_id, &parts, headers, &verified);
                Handle::Store(delivery)
            }
            None => {
                let body = VerifiedBody::new(verified.body().clone());
                #[cfg(feature = "axum")]
                let len = verified.body().len();
                parts.extensions.insert(verified);
                let request = Request::from_parts(parts, body);
                #[cfg(feature = "axum")]
                let request = crate::extract::allow_verified_body(request, len);
                match dedupe_key {
                    None => {
                        return State::Calling {
                            future: inner.call(request),
                            reservation: Some(reservation),
                        }
                    }
                    Some(_) => Handle::Call(inner, request),
                }
            }
        };
        State::Continuing {
            future: Box::pin(async move {
                let config = reservation.owner();
                let Some(key) = dedupe_key else {
                    return handle.run(config).await;
                };
                // The event is handled (or stored) only once it is claimed.
                let dedupe = config.dedupe.as_ref().expect("a dedupe key needs dedupe");
                let remember = config.tolerance.max(config.retry_period);
                let outcome = dedupe.run_once(key, remember, handle.run(config)).await?;
                Ok(match outcome {
                    Outcome::Handled(response) => response,
                    Outcome::Duplicate => duplicate_response(),
                    Outcome::Refused(rejection) => config.reject(rejection),
                })
            }),
        }
    }
}

/// What is done with a verified request once it is claimed: stored in the inbox, or handed
/// to the inner service.
enum Handle<S> {
    Store(Delivery),
    Call(S, Request<VerifiedBody>),
}

impl<S> Handle<S> {
    async fn run<Sch, ResBody>(self, config: &Config<Sch>) -> Result<Response<ResBody>, S::Error>
    where
        S: Service<Request<VerifiedBody>, Response = http::Response<ResBody>>,
        Sch: Scheme,
    {
        match self {
            Self::Call(mut inner, request) => {
                let response = inner.call(request).await?;
                Ok(response.map(ResponseBody::inner))
            }
            Self::Store(delivery) => {
                let inbox = config
                    .inbox
                    .as_ref()
                    .expect("a delivery to store needs an inbox");
                Ok(match inbox.store().append(&delivery).await {
                    Ok(()) => {
                        crate::report::stored();
                        let mut response =
                            http::Response::new(ResponseBody::full(Default::default()));
                        *response.status_mut() = inbox.acknowledged();
                        response
                    }
                    Err(error) => {
                        tracing::debug!(%error, "webhook inbox did not store a delivery");
                        config.reject(Rejection::new(RejectionKind::InboxUnavailable))
                    }
                })
            }
        }
    }
}

/// 200, with [`DUPLICATE_HEADER`] and no body.
fn duplicate_response<B>() -> Response<B> {
    let mut response = http::Response::new(ResponseBody::full(Default::default()));
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(DUPLICATE_HEADER, HeaderValue::from_static("true"));
    response
}
