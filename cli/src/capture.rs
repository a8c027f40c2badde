//! The capture file: one request exactly as received, as JSON.
//!
//! ```json
//! {
//!   "format": "webhook-capture/1",
//!   "received_at": 1767225600,
//!   "method": "POST",
//!   "uri": "/webhook?team=7",
//!   "headers": [["host", "127.0.0.1:8080"], ["x-hub-signature-256", "sha256=..."]],
//!   "body_base64": "eyJhY3Rpb24iOiJvcGVuZWQifQ=="
//! }
//! ```
//!
//! `headers` keeps their order and repeats, with names in lower case as HTTP/1 servers
//! see them; a value that is not UTF-8 is written `{"base64": "..."}`. The body is the
//! bytes received, in standard base64.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};

/// The `format` every capture file states.
const FORMAT: &str = "webhook-capture/1";

/// One request as received.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Capture {
    /// Always [`FORMAT`].
    pub(crate) format: String,
    /// When it was received, in seconds since the Unix epoch.
    pub(crate) received_at: u64,
    /// The method.
    pub(crate) method: String,
    /// The request target as received: the path and query.
    pub(crate) uri: String,
    /// Every header in the order received.
    pub(crate) headers: Vec<(String, HeaderText)>,
    /// The body, in standard base64.
    pub(crate) body_base64: String,
}

/// A header value: text, or base64 of bytes that are not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum HeaderText {
    /// A UTF-8 value.
    Text(String),
    /// Any other bytes.
    Bytes {
        /// The value's bytes in standard base64.
        base64: String,
    },
}

impl HeaderText {
    fn of(value: &HeaderValue) -> Self {
        match std::str::from_utf8(value.as_bytes()) {
            Ok(text) => Self::Text(text.to_owned()),
            Err(_) => Self::Bytes {
                base64: BASE64.encode(value.as_bytes()),
            },
        }
    }

    fn to_value(&self) -> anyhow::Result<HeaderValue> {
        let bytes = match self {
            Self::Text(text) => text.as_bytes().to_vec(),
            Self::Bytes { base64 } => BASE64.decode(base64)?,
        };
        Ok(HeaderValue::from_bytes(&bytes)?)
    }
}

impl Capture {
    /// The capture of a request's head and body, received now.
    pub(crate) fn new(head: &http::request::Parts, body: &[u8]) -> Self {
        Self {
            format: FORMAT.to_owned(),
            received_at: unix_now(),
            method: head.method.to_string(),
            uri: head.uri.to_string(),
            headers: head
                .headers
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), HeaderText::of(value)))
                .collect(),
            body_base64: BASE64.encode(body),
        }
    }

    /// Reads a capture file.
    pub(crate) fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the capture {}", path.display()))?;
        let capture: Self = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a capture file", path.display()))?;
        anyhow::ensure!(
            capture.format == FORMAT,
            "{} is in format {:?}, not {FORMAT:?}",
            path.display(),
            capture.format
        );
        Ok(capture)
    }

    /// Writes the capture to `path`.
    pub(crate) fn write(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
    }

    /// The body's bytes.
    pub(crate) fn body(&self) -> anyhow::Result<Vec<u8>> {
        BASE64
            .decode(&self.body_base64)
            .context("the capture's body_base64 is not base64")
    }

    /// The headers, in order, repeats kept.
    pub(crate) fn header_map(&self) -> anyhow::Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .with_context(|| format!("{name:?} is not a header name"))?;
            headers.append(name, value.to_value()?);
        }
        Ok(headers)
    }

    /// The request as the receiver saw it.
    pub(crate) fn to_request(&self) -> anyhow::Result<http::Request<Vec<u8>>> {
        let mut request = http::Request::builder()
            .method(self.method.as_str())
            .uri(self.uri.as_str())
            .body(self.body()?)?;
        *request.headers_mut() = self.header_map()?;
        Ok(request)
    }
}

/// Seconds since the Unix epoch, now.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}
