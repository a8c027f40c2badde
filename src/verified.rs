//! [`Verified`]: the proof that a request's signature held.

use std::fmt;

use bytes::Bytes;

use crate::scheme::EventShape;

/// Proof that [`WebhookVerify`](crate::WebhookVerify) verified this request: a request
/// extension set by the layer, the value [`WebhookVerify::verify`](crate::WebhookVerify::verify)
/// returns, and (feature `axum`) an extractor.
///
/// It holds the verified body and what the scheme proved about it: the event id and the
/// timestamp where the scheme signs them, and which configured secret matched.
#[derive(Clone)]
pub struct Verified {
    body: Bytes,
    key_index: usize,
    id: Option<String>,
    timestamp: Option<u64>,
    shape: EventShape,
}

impl Verified {
    pub(crate) fn new(
        body: Bytes,
        key_index: usize,
        id: Option<String>,
        timestamp: Option<u64>,
        shape: EventShape,
    ) -> Self {
        Self {
            body,
            key_index,
            id,
            timestamp,
            shape,
        }
    }

    /// Where the provider puts the event's id, type and payload.
    pub fn event_shape(&self) -> EventShape {
        self.shape
    }

    /// The verified body: exactly the bytes the signature covers.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Which secret matched: 0 for the first, 1 for the first
    /// [`also_accept`](crate::WebhookVerify::also_accept), and so on.
    pub fn key_index(&self) -> usize {
        self.key_index
    }

    /// The event id the scheme signed (such as `webhook-id`), if it signs one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The signed timestamp in seconds since the Unix epoch, if the scheme signs one.
    pub fn timestamp(&self) -> Option<u64> {
        self.timestamp
    }
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("body_len", &self.body.len())
            .field("key_index", &self.key_index)
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .finish()
    }
}
