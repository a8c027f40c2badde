//! Sending a request over HTTP and printing the response, for `send` and `replay`.

use anyhow::Context as _;
use http::header;

/// The headers not sent as captured: the client writes them for the new connection.
const CONNECTION_HEADERS: [header::HeaderName; 4] = [
    header::HOST,
    header::CONTENT_LENGTH,
    header::CONNECTION,
    header::TRANSFER_ENCODING,
];

/// A response: its status, headers and body.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The status.
    pub(crate) status: http::StatusCode,
    /// The headers.
    pub(crate) headers: http::HeaderMap,
    /// The body.
    pub(crate) body: bytes::Bytes,
}

impl Answer {
    /// Prints the status, the headers and the body.
    pub(crate) fn print(&self) {
        say!("{}", self.status);
        for (name, value) in &self.headers {
            say!("{name}: {}", String::from_utf8_lossy(value.as_bytes()));
        }
        say!();
        say!("{}", String::from_utf8_lossy(&self.body));
    }
}

/// Sends `request`'s method, headers (but those of the connection) and body to `url`.
pub(crate) async fn send(url: &str, request: http::Request<Vec<u8>>) -> anyhow::Result<Answer> {
    let (head, body) = request.into_parts();
    let mut headers = head.headers;
    for name in &CONNECTION_HEADERS {
        headers.remove(name);
    }
    let client = reqwest::Client::new();
    let response = client
        .request(head.method, url)
        .headers(headers)
        .body(body)
        .send()
        .await
        .with_context(|| format!("sending to {url}"))?;
    Ok(Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.bytes().await.context("reading the response")?,
    })
}
