//! Why a request was refused, and the response it gets.

use std::fmt;

use bytes::Bytes;
use http::{header, HeaderName, HeaderValue, StatusCode};
use http_body_util::Full;

/// Why [`WebhookVerify`](crate::WebhookVerify) refused a request.
///
/// Every rejection has a status ([`status`](Rejection::status)) and a short reason
/// ([`Display`](fmt::Display)) that never contains the secret, the expected signature or
/// the body. The default response is that status with the reason as plain text; change it
/// with [`WebhookVerify::on_rejection`](crate::WebhookVerify::on_rejection).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejection {
    kind: RejectionKind,
    header: Option<HeaderName>,
    detail: &'static str,
    limit: u64,
}

/// The kinds of [`Rejection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectionKind {
    /// A header the scheme needs is absent (400).
    MissingHeader,
    /// A header is present but is not what the scheme expects: not hex or base64, wrong
    /// length, not ASCII, repeated, missing its prefix (400).
    MalformedHeader,
    /// The signed timestamp is not in the form the scheme expects (400).
    InvalidTimestamp,
    /// The signed timestamp is older than the tolerance allows (400).
    TimestampTooOld,
    /// The signed timestamp is further in the future than the tolerance allows (400).
    TimestampTooNew,
    /// No signature matches any configured key (400).
    SignatureMismatch,
    /// The body is larger than the configured limit (413).
    PayloadTooLarge,
    /// The body could not be read (400).
    BodyRead,
    /// The same event is being handled right now by another request (409); retry later.
    InFlight,
    /// The store that remembers handled events did not answer (503); retry later.
    StoreUnavailable,
    /// Dedupe is on but the event has no id: the scheme signs none and the body has no
    /// top-level `id` field (400).
    MissingEventId,
    /// The key the request names could not be fetched from the
    /// [`KeySource`](crate::key_source::KeySource) now (503, with `Retry-After`); retry
    /// later.
    KeyUnavailable,
    /// The body lacks what the scheme reads from it (a signature, a timestamp or a form
    /// field the provider puts there), or is not in the provider's format (400).
    MalformedBody,
    /// The bodies being read by this layer (and the layers sharing its
    /// [`BufferBudget`](crate::BufferBudget)) already take the whole budget (503, with
    /// `Retry-After`); retry later.
    Overloaded,
    /// The inbox did not confirm that it stored the verified delivery (503, with
    /// `Retry-After`); retry later. Nothing was acknowledged.
    InboxUnavailable,
}

impl RejectionKind {
    /// A short, stable name for logs and metrics labels, such as `signature_mismatch`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingHeader => "missing_header",
            Self::MalformedHeader => "malformed_header",
            Self::InvalidTimestamp => "invalid_timestamp",
            Self::TimestampTooOld => "timestamp_too_old",
            Self::TimestampTooNew => "timestamp_too_new",
            Self::SignatureMismatch => "signature_mismatch",
            Self::PayloadTooLarge => "payload_too_large",
            Self::BodyRead => "body_read",
            Self::InFlight => "in_flight",
            Self::StoreUnavailable => "store_unavailable",
            Self::MissingEventId => "missing_event_id",
            Self::Overloaded => "overloaded",
            Self::MalformedBody => "malformed_body",
            Self::KeyUnavailable => "key_unavailable",
            Self::InboxUnavailable => "inbox_unavailable",
        }
    }

    /// Every kind, in declaration order.
    pub(crate) const ALL: [Self; 15] = [
        Self::MissingHeader,
        Self::MalformedHeader,
        Self::InvalidTimestamp,
        Self::TimestampTooOld,
        Self::TimestampTooNew,
        Self::SignatureMismatch,
        Self::PayloadTooLarge,
        Self::BodyRead,
        Self::InFlight,
        Self::StoreUnavailable,
        Self::MissingEventId,
        Self::Overloaded,
        Self::MalformedBody,
        Self::KeyUnavailable,
        Self::InboxUnavailable,
    ];
}

impl Rejection {
    /// A rejection of this kind, with no header named.
    pub fn new(kind: RejectionKind) -> Self {
        Self {
            kind,
            header: None,
            detail: "",
            limit: 0,
        }
    }

    /// A header the scheme needs is absent.
    pub fn missing_header(header: HeaderName) -> Self {
        Self {
            header: Some(header),
            ..Self::new(RejectionKind::MissingHeader)
        }
    }

    /// A header is malformed; `detail` says how in a few words (never echo the value).
    pub fn malformed_header(header: HeaderName, detail: &'static str) -> Self {
        Self {
            header: Some(header),
            detail,
            ..Self::new(RejectionKind::MalformedHeader)
        }
    }

    /// The body lacks what the scheme reads from it, or is not in the provider's format;
    /// `detail` says what in a few words (never echo the body).
    pub fn malformed_body(detail: &'static str) -> Self {
        Self {
            detail,
            ..Self::new(RejectionKind::MalformedBody)
        }
    }

    /// No signature matched; `detail` says what the check assumed, where that is the
    /// likely cause (never the expected signature).
    pub fn signature_mismatch(detail: &'static str) -> Self {
        Self {
            detail,
            ..Self::new(RejectionKind::SignatureMismatch)
        }
    }

    /// The key the request names could not be had from the key source: unknown (400) or
    /// unavailable for now (503, retry later).
    pub(crate) fn key_unavailable(error: crate::key_source::KeyError) -> Self {
        match error {
            crate::key_source::KeyError::Unknown => {
                Self::signature_mismatch("the key the request names is unknown")
            }
            _ => Self::new(RejectionKind::KeyUnavailable),
        }
    }

    /// A timestamp header is not in the form the scheme expects.
    pub fn invalid_timestamp(header: HeaderName) -> Self {
        Self {
            header: Some(header),
            ..Self::new(RejectionKind::InvalidTimestamp)
        }
    }

    pub(crate) fn payload_too_large(limit: usize) -> Self {
        Self {
            limit: limit as u64,
            ..Self::new(RejectionKind::PayloadTooLarge)
        }
    }

    /// What kind of rejection this is.
    pub fn kind(&self) -> RejectionKind {
        self.kind
    }

    /// The header the rejection is about, if any.
    pub fn header(&self) -> Option<&HeaderName> {
        self.header.as_ref()
    }

    /// The status code of the default response.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            RejectionKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            RejectionKind::InFlight => StatusCode::CONFLICT,
            RejectionKind::StoreUnavailable
            | RejectionKind::Overloaded
            | RejectionKind::KeyUnavailable
            | RejectionKind::InboxUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The reason, as the default response's plain-text body.
    pub fn body_text(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = self.header.as_ref().map_or("", HeaderName::as_str);
        match self.kind {
            RejectionKind::MissingHeader => write!(f, "missing header `{header}`"),
            RejectionKind::MalformedHeader => {
                write!(f, "malformed header `{header}`: {}", self.detail)
            }
            RejectionKind::InvalidTimestamp => write!(f, "unparsable timestamp in `{header}`"),
            RejectionKind::TimestampTooOld => f.write_str("timestamp too old"),
            RejectionKind::TimestampTooNew => f.write_str("timestamp too far in the future"),
            RejectionKind::SignatureMismatch if self.detail.is_empty() => {
                f.write_str("signature does not match")
            }
            RejectionKind::SignatureMismatch => {
                write!(f, "signature does not match ({})", self.detail)
            }
            RejectionKind::MalformedBody => write!(f, "malformed body: {}", self.detail),
            RejectionKind::KeyUnavailable => {
                f.write_str("the key this request names could not be fetched; retry later")
            }
            RejectionKind::PayloadTooLarge => {
                write!(f, "body larger than the limit of {} bytes", self.limit)
            }
            RejectionKind::BodyRead => f.write_str("failed to read the request body"),
            RejectionKind::InFlight => {
                f.write_str("this event is being handled by another request; retry later")
            }
            RejectionKind::StoreUnavailable => {
                f.write_str("the event store is unavailable; retry later")
            }
            RejectionKind::MissingEventId => f.write_str("no event id to deduplicate on"),
            RejectionKind::InboxUnavailable => {
                f.write_str("the inbox did not store the delivery; retry later")
            }
            RejectionKind::Overloaded => {
                f.write_str("too many webhook bodies are being read; retry later")
            }
        }
    }
}

impl std::error::Error for Rejection {}

impl Rejection {
    /// The default response: the status, the reason as plain text, and `Retry-After: 1`
    /// where the sender should retry soon (503).
    pub fn to_response(&self) -> http::Response<Full<Bytes>> {
        let mut response = http::Response::new(Full::new(Bytes::from(self.body_text())));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        if self.status() == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(feature = "axum")]
impl axum_core::response::IntoResponse for Rejection {
    fn into_response(self) -> axum_core::response::Response {
        self.to_response().map(axum_core::body::Body::new)
    }
}
