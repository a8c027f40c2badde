//! The buffer budget over loopback TCP, against a real server: many connections that each
//! hold a body just under the limit open are bounded by the budget, in admitted requests
//! and in the process's memory; a body without `Content-Length` is refused mid-stream when
//! the budget runs out; a request gives its bytes back when refused, cut off or dropped;
//! layers given the same budget share it.
//!
//! `cargo test --test budget_memory -- --nocapture` prints the figures. The tests take a
//! lock so that none of them runs while another measures memory.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use common::{panic_message, status_kib, PATH, SECRET};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tower_http::timeout::TimeoutLayer;
use tower_webhook::{BufferBudget, WebhookVerify};

const MIB: usize = 1 << 20;
/// How long any wait in these tests may last before it fails.
const BOUND: Duration = Duration::from_secs(10);
/// The reason of a request refused for want of budget.
const OVERLOADED: &str = "too many webhook bodies are being read; retry later";

/// Serializes the tests, so the memory figures are this binary's alone.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Resets the process's peak resident size (`VmHWM`) to its current one; false where the
/// kernel does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A thread that samples resident memory and the budget's use until stopped.
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(u64, usize)>,
}

impl Sampler {
    fn start(budget: BufferBudget) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let (mut rss, mut in_use) = (0, 0);
            loop {
                rss = rss.max(status_kib("VmRSS:"));
                in_use = in_use.max(budget.in_use());
                if stopped.load(Ordering::Relaxed) {
                    return (rss, in_use);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        Self { stop, thread }
    }

    /// The highest resident size (KiB) and budget use (bytes) seen.
    fn stop(self) -> (u64, usize) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap()
    }
}

/// Serves `app` on a loopback port whose accept queue holds all the connections a test
/// opens at once.
async fn serve(app: Router) -> SocketAddr {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(([127, 0, 0, 1], 0).into()).unwrap();
    let listener = socket.listen(1024).unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

fn app(layer: WebhookVerify) -> Router {
    Router::new()
        .route(PATH, post(|| async { "handled" }))
        .layer(layer)
}

/// A request head for `path` with `headers` and the framing line (`content-length: N` or
/// `transfer-encoding: chunked`).
fn head(address: SocketAddr, path: &str, headers: &HeaderMap, framing: &str) -> String {
    let mut head = format!("POST {path} HTTP/1.1\r\nhost: {address}\r\n{framing}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str("\r\n");
    head
}

/// A signature header that does not match any body.
fn forged() -> HeaderMap {
    let mut headers = HeaderMap::new();
    let signature = HeaderValue::from_str(&"0".repeat(64)).unwrap();
    headers.insert("x-webhook-signature", signature);
    headers
}

/// Connects and sends a head that declares `length` bytes and carries a forged signature.
async fn declare(address: SocketAddr, path: &str, length: usize) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let framing = format!("content-length: {length}");
    let head = head(address, path, &forged(), &framing);
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// Connects and sends a chunked head with a forged signature.
async fn chunked(address: SocketAddr, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = head(address, path, &forged(), "transfer-encoding: chunked");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

async fn send_chunk(stream: &mut TcpStream, chunk: &[u8]) -> std::io::Result<()> {
    stream
        .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
        .await?;
    stream.write_all(chunk).await?;
    stream.write_all(b"\r\n").await
}

/// A response as read off the socket.
#[derive(Debug)]
struct Response {
    status: u16,
    head: String,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// 503 with `Retry-After: 1` and the reason of a full budget.
    fn is_overloaded(&self) -> bool {
        self.status == 503 && self.header("retry-after") == Some("1") && self.body == OVERLOADED
    }
}

/// Reads a response: the head, then a body of its `content-length`. What the peer sent
/// before closing or resetting the connection is kept; a response never sent has status 0.
async fn read_response(stream: &mut TcpStream) -> Response {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or(0);
    let mut response = Response {
        status,
        head,
        body: String::new(),
    };
    let length = response
        .header("content-length")
        .map_or(0, |length| length.parse().unwrap());
    let mut body = vec![0u8; length];
    if stream.read_exact(&mut body).await.is_ok() {
        response.body = String::from_utf8_lossy(&body).into_owned();
    }
    response
}

/// Sends `body` signed by `layer` to `path`, with its length, and reads the response.
async fn post_signed(
    address: SocketAddr,
    path: &str,
    layer: &WebhookVerify,
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let framing = format!("content-length: {}\r\nconnection: close", body.len());
    let head = head(address, path, &layer.sign(body), &framing);
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    tokio::time::timeout(BOUND, read_response(&mut stream))
        .await
        .expect("answered in time")
}

/// Waits until `done`, failing after [`BOUND`].
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + BOUND;
    while !done() {
        assert!(Instant::now() < deadline, "{what} within {BOUND:?}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Waits until the budget's use is `bytes`.
async fn in_use_becomes(budget: &BufferBudget, bytes: usize) {
    let what = format!("the budget's use reaches {bytes} bytes");
    eventually(&what, || budget.in_use() == bytes).await;
}

const BUDGET: usize = 16 * MIB;
const LIMIT: usize = 2 * MIB;
const CONNECTIONS: usize = 200;
const DECLARED: usize = 2_000_000;
const SENT: usize = 1_990_000;
/// How far above the budget the peak may go: the 200 connections and their tasks, and
/// hyper's read buffer on each connection a body streams through (up to about 400 KiB).
const SLACK_KIB: u64 = 8 * 1024;

#[tokio::test]
async fn near_limit_bodies_held_open_are_bounded_by_the_budget() {
    let _serial = SERIAL.lock().await;
    let budget = BufferBudget::new(BUDGET);
    let layer = WebhookVerify::new(SECRET)
        .max_body_size(LIMIT)
        .buffer_budget(budget.clone());
    let address = serve(app(layer.clone())).await;
    // The bytes every sender writes, made before the baseline is taken.
    let body = Bytes::from(vec![b'a'; SENT]);

    // Warm up the server with a signed request and a forged one.
    assert_eq!(post_signed(address, PATH, &layer, b"{}").await.status, 200);
    let mut warm = declare(address, PATH, 100).await;
    warm.write_all(&body[..100]).await.unwrap();
    assert_eq!(read_response(&mut warm).await.status, 400);
    drop(warm);
    in_use_becomes(&budget, 0).await;

    let rss_before = status_kib("VmRSS:");
    let peak_reset = reset_peak();
    let sampler = Sampler::start(budget.clone());
    let started = Instant::now();

    // Every connection sends its head alone and waits for an answer until told to stop:
    // the ones refused are answered before any of their body is sent.
    let refused = Arc::new(AtomicUsize::new(0));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let connections: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let refused = Arc::clone(&refused);
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let mut stream = declare(address, PATH, DECLARED).await;
                let sent = Instant::now();
                tokio::select! {
                    response = read_response(&mut stream) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        (stream, Some((response, sent.elapsed())))
                    }
                    _ = stopped.wait_for(|stop| *stop) => (stream, None),
                }
            })
        })
        .collect();
    eventually("every request admitted or refused", || {
        refused.load(Ordering::Relaxed) + budget.in_use() / DECLARED == CONNECTIONS
    })
    .await;
    stop.send(true).unwrap();
    let mut admitted = Vec::new();
    let mut refusals = Vec::new();
    for connection in connections {
        match connection.await.unwrap() {
            (stream, None) => admitted.push(stream),
            (_, Some(refusal)) => refusals.push(refusal),
        }
    }
    let admission = started.elapsed();
    let rss_admitted = status_kib("VmRSS:");
    let mut waits: Vec<_> = refusals.iter().map(|(_, waited)| *waited).collect();
    waits.sort();
    let (median_wait, slowest_wait) = (waits[waits.len() / 2], waits[waits.len() - 1]);
    assert_eq!(
        admitted.len(),
        BUDGET / DECLARED,
        "{} admitted",
        admitted.len()
    );
    assert_eq!(refusals.len(), CONNECTIONS - admitted.len());
    assert_eq!(budget.in_use(), admitted.len() * DECLARED);
    for (response, _) in &refusals {
        assert!(response.is_overloaded(), "{response:?}");
    }

    // The admitted ones send all but the last 10,000 bytes of their bodies, and wait.
    let senders: Vec<_> = admitted
        .into_iter()
        .map(|mut stream| {
            let body = body.clone();
            tokio::spawn(async move {
                stream.write_all(&body).await.unwrap();
                stream
            })
        })
        .collect();
    let mut admitted = Vec::new();
    for sender in senders {
        let stream = tokio::time::timeout(BOUND, sender)
            .await
            .expect("the bodies are sent in time");
        admitted.push(stream.unwrap());
    }
    // Let the server take in what is still in the sockets.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for stream in &mut admitted {
        let mut byte = [0u8; 1];
        let answer = tokio::time::timeout(Duration::from_millis(10), stream.read(&mut byte)).await;
        assert!(
            answer.is_err(),
            "a held request is still waiting for its body"
        );
    }
    let rss_held = status_kib("VmRSS:");
    let hwm = status_kib("VmHWM:");

    // Closing the connections gives their bytes back.
    let held = admitted.len();
    drop(admitted);
    in_use_becomes(&budget, 0).await;
    let (rss_sampled, in_use_peak) = sampler.stop();
    let rss_after = status_kib("VmRSS:");
    let peak = if peak_reset {
        hwm.max(rss_sampled)
    } else {
        rss_sampled
    };
    let growth = peak.saturating_sub(rss_before);

    // A signed request is served again.
    let legitimate = br#"{"id":"1","type":"message.created","payload":{}}"#;
    let response = post_signed(address, PATH, &layer, legitimate).await;

    let budget_kib = BUDGET as u64 / 1024;
    eprintln!(
        "{CONNECTIONS} connections declaring {DECLARED} bytes, budget {budget_kib} KiB, \
         limit {} KiB: {held} admitted and held with {SENT} bytes sent each, {} refused \
         with 503 on their head alone (answered {median_wait:?} after the head at the \
         median, {slowest_wait:?} at the slowest; all {CONNECTIONS} settled in \
         {admission:?}); budget use peaked at {in_use_peak} bytes; VmRSS {rss_before} KiB \
         before, {rss_admitted} KiB once admitted, {rss_held} KiB while held, {rss_after} \
         KiB after closing; peak {peak} KiB ({}): growth {growth} KiB",
        LIMIT / 1024,
        refusals.len(),
        if peak_reset {
            "VmHWM and samples"
        } else {
            "samples"
        },
    );
    assert!(in_use_peak <= BUDGET, "{in_use_peak} bytes in use");
    assert!(
        growth <= budget_kib + SLACK_KIB,
        "peak memory grew by {growth} KiB for a budget of {budget_kib} KiB"
    );
    // The bodies were held: the memory grew by at least half of what was sent.
    let sent_kib = (held * SENT / 1024) as u64;
    assert!(
        growth >= sent_kib / 2,
        "peak memory grew by {growth} KiB only, for {sent_kib} KiB held"
    );
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.body, "handled");
    assert_eq!(budget.in_use(), 0);
}

#[tokio::test]
async fn a_body_without_length_is_refused_mid_stream_and_dropped_requests_give_back() {
    let _serial = SERIAL.lock().await;
    let budget = BufferBudget::new(MIB);
    let layer = WebhookVerify::new(SECRET)
        .max_body_size(MIB)
        .buffer_budget(budget.clone());
    // `/timed` drops the layer's request future after 300 ms.
    let timed = Router::new()
        .route("/timed", post(|| async { "handled" }))
        .layer(layer.clone())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_millis(300),
        ));
    let address = serve(app(layer.clone()).merge(timed)).await;
    const HELD: usize = 1_000_000;
    const CHUNK: usize = 16 * 1024;
    let chunk = vec![b'a'; CHUNK];

    // A request that declares 1,000,000 bytes and sends none leaves 48,576 of the budget.
    let holder = declare(address, PATH, HELD).await;
    in_use_becomes(&budget, HELD).await;

    // A chunked body takes its bytes as they arrive, and is refused with 503 once they no
    // longer fit: two chunks fit, the third does not.
    let mut stream = chunked(address, PATH).await;
    for sent in 1..=2 {
        send_chunk(&mut stream, &chunk).await.unwrap();
        in_use_becomes(&budget, HELD + sent * CHUNK).await;
    }
    send_chunk(&mut stream, &chunk).await.unwrap();
    let response = tokio::time::timeout(BOUND, read_response(&mut stream))
        .await
        .expect("refused in time");
    assert!(response.is_overloaded(), "{response:?}");
    in_use_becomes(&budget, HELD).await;
    drop(stream);

    // A client that goes away mid-body.
    let mut stream = chunked(address, "/webhook").await;
    send_chunk(&mut stream, &chunk).await.unwrap();
    in_use_becomes(&budget, HELD + CHUNK).await;
    drop(stream);
    in_use_becomes(&budget, HELD).await;

    // A request whose future is dropped by the timeout in front of the layer.
    let mut stream = chunked(address, "/timed").await;
    send_chunk(&mut stream, &chunk).await.unwrap();
    in_use_becomes(&budget, HELD + CHUNK).await;
    let response = tokio::time::timeout(BOUND, read_response(&mut stream))
        .await
        .expect("timed out in time");
    assert_eq!(response.status, 408, "{response:?}");
    in_use_becomes(&budget, HELD).await;

    drop(holder);
    in_use_becomes(&budget, 0).await;
    let response = post_signed(address, PATH, &layer, &vec![b'a'; 3 * CHUNK]).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(budget.in_use(), 0);
}

#[tokio::test]
async fn layers_given_the_same_budget_share_it() {
    let _serial = SERIAL.lock().await;
    let budget = BufferBudget::new(MIB);
    let first = WebhookVerify::new(SECRET)
        .max_body_size(MIB)
        .buffer_budget(budget.clone());
    let second = WebhookVerify::new("another secret")
        .max_body_size(MIB)
        .buffer_budget(budget.clone());
    let app = Router::new()
        .route("/first", post(|| async { "first" }))
        .layer(first)
        .merge(
            Router::new()
                .route("/second", post(|| async { "second" }))
                .layer(second.clone()),
        );
    let address = serve(app).await;

    // A request on the first route holds 1,000,000 bytes of the budget...
    let holder = declare(address, "/first", 1_000_000).await;
    in_use_becomes(&budget, 1_000_000).await;

    // ...so the second route refuses 100,000 at once, and still serves a small body.
    let mut refused = declare(address, "/second", 100_000).await;
    let response = tokio::time::timeout(BOUND, read_response(&mut refused))
        .await
        .expect("refused in time");
    assert!(response.is_overloaded(), "{response:?}");
    let response = post_signed(address, "/second", &second, b"{}").await;
    assert_eq!((response.status, response.body.as_str()), (200, "second"));

    // Once the first request is gone, the second route has the budget for itself.
    drop(holder);
    in_use_becomes(&budget, 0).await;
    let response = post_signed(address, "/second", &second, &vec![b'a'; 100_000]).await;
    assert_eq!((response.status, response.body.as_str()), (200, "second"));
    assert_eq!(budget.in_use(), 0);
}

#[test]
fn a_limit_larger_than_the_budget_panics_when_applied() {
    // Printing the panic can load debug info, which would show in the memory figures.
    let _serial = SERIAL.blocking_lock();
    let layer = WebhookVerify::new(SECRET).max_body_size(100 << 20);
    let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        Router::<()>::new()
            .route(PATH, post(|| async { "handled" }))
            .layer(layer)
    }));
    let message = panic_message(applied.expect_err("the layer refuses to be applied"));
    assert!(
        message.contains("max_body_size") && message.contains("buffer budget"),
        "{message}"
    );
    assert!(message.contains(&(100 << 20).to_string()), "{message}");
    assert!(
        message.contains(&tower_webhook::DEFAULT_BUFFER_BUDGET.to_string()),
        "{message}"
    );
}
