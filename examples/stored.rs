//! A consumer of stored deliveries: a receiver wrote each webhook request to disk as it
//! arrived (an inbox, a dead-letter queue), and this consumer verifies each record with
//! [`WebhookVerify::verify_at`] before handling it, hours later, outside any tower stack.
//!
//! ```text
//! cargo run --example stored
//! ```
//!
//! Stripe signs a timestamp and accepts a delivery within 5 minutes of it, so a genuine
//! delivery checked an hour after it arrived is too old by the clock. `verify_at` checks it
//! as of the arrival time stored with it, the window the receiver would have applied: the
//! signature still proves that the body and the timestamp are the sender's, and the window
//! that the sender signed within 5 minutes of that arrival. The arrival time is only as
//! trustworthy as the store it is read from.
//!
//! The record format, one file per delivery (`<n>.delivery`):
//!
//! ```text
//! <arrival time, in seconds since the Unix epoch>
//! <method> <URI>
//! <header name>: <header value>       (one line per header, as received)
//!
//! <the body's bytes, exactly as received, to the end of the file>
//! ```

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderName, HeaderValue, Request};
use tower_webhook::scheme::Stripe;
use tower_webhook::WebhookVerify;

/// The endpoint secret, as Stripe shows it. For development only.
const DEVELOPMENT_SECRET: &str = "whsec_development-secret-do-not-use-in-production";

const USAGE: &str = "\
Re-verifies stored webhook deliveries before handling them, as an inbox or a dead-letter
replay would: writes three Stripe deliveries that arrived an hour ago to a temporary
directory (one genuine, one whose body was changed after it was stored, one with a forged
signature), reads them back, verifies each as of its arrival time and prints what it
handles and why it refuses the others.

usage: cargo run --example stored";

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// One stored delivery.
struct Record {
    received_at: SystemTime,
    head: Parts,
    body: Bytes,
}

impl Record {
    fn write(&self, path: &Path) -> Result<()> {
        let seconds = self.received_at.duration_since(UNIX_EPOCH)?.as_secs();
        let mut file = format!("{seconds}\n{} {}\n", self.head.method, self.head.uri).into_bytes();
        for (name, value) in &self.head.headers {
            file.extend_from_slice(name.as_str().as_bytes());
            file.extend_from_slice(b": ");
            file.extend_from_slice(value.as_bytes());
            file.push(b'\n');
        }
        file.push(b'\n');
        file.extend_from_slice(&self.body);
        Ok(fs::write(path, file)?)
    }

    fn read(path: &Path) -> Result<Self> {
        let file = fs::read(path)?;
        let end = file
            .windows(2)
            .position(|pair| pair == b"\n\n")
            .ok_or("no blank line after the headers")?;
        let head = std::str::from_utf8(&file[..end])?;
        let mut lines = head.lines();
        let seconds: u64 = lines.next().ok_or("no arrival time")?.parse()?;
        let request_line = lines.next().ok_or("no request line")?;
        let (method, uri) = request_line.split_once(' ').ok_or("no URI")?;
        let mut request = Request::builder().method(method).uri(uri).body(())?;
        for line in lines {
            let (name, value) = line.split_once(": ").ok_or("a header line without `: `")?;
            request.headers_mut().append(
                HeaderName::from_bytes(name.as_bytes())?,
                HeaderValue::from_str(value)?,
            );
        }
        Ok(Self {
            received_at: UNIX_EPOCH + Duration::from_secs(seconds),
            head: request.into_parts().0,
            body: Bytes::copy_from_slice(&file[end + 2..]),
        })
    }
}

/// A Stripe delivery signed with `signer`, as the receiver stored it when it arrived.
fn delivery(signer: &WebhookVerify<Stripe>, body: &str, received_at: SystemTime) -> Record {
    let mut request = Request::post("/webhooks/stripe")
        .header("content-type", "application/json")
        .body(())
        .unwrap();
    // Stripe signs a timestamp but no id, so the id given here is not used.
    let signed = signer.sign_at(body.as_bytes(), received_at, "unused");
    request.headers_mut().extend(signed);
    Record {
        received_at,
        head: request.into_parts().0,
        body: Bytes::copy_from_slice(body.as_bytes()),
    }
}

/// What the receiver stored an hour ago: three deliveries, two of which are not genuine.
fn store(directory: &Path, now: SystemTime) -> Result<()> {
    let arrived = now - Duration::from_secs(3600);
    let stripe = WebhookVerify::stripe(DEVELOPMENT_SECRET);
    let genuine = delivery(
        &stripe,
        r#"{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"amount":2000}}}"#,
        arrived,
    );
    genuine.write(&directory.join("1.delivery"))?;

    // Changed in the store after it arrived: a larger amount.
    let mut changed = delivery(
        &stripe,
        r#"{"id":"evt_2","type":"payment_intent.succeeded","data":{"object":{"amount":3000}}}"#,
        arrived,
    );
    changed.body = Bytes::from_static(
        br#"{"id":"evt_2","type":"payment_intent.succeeded","data":{"object":{"amount":300000}}}"#,
    );
    changed.write(&directory.join("2.delivery"))?;

    // Signed by someone who does not know the secret.
    let forger = WebhookVerify::stripe("whsec_a-guess");
    let forged = delivery(
        &forger,
        r#"{"id":"evt_3","type":"charge.refunded","data":{"object":{"amount":2000}}}"#,
        arrived,
    );
    forged.write(&directory.join("3.delivery"))?;
    Ok(())
}

/// What a replay did.
#[derive(Default)]
struct Replayed {
    /// The ids of the events handled.
    handled: Vec<String>,
    /// Each refused file, with the reason.
    refused: Vec<(String, String)>,
}

/// Verifies every stored delivery as of its arrival, handling the genuine ones.
fn replay(directory: &Path, verify: &WebhookVerify<Stripe>) -> Result<Replayed> {
    let mut paths: Vec<PathBuf> = fs::read_dir(directory)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<std::io::Result<_>>()?;
    paths.sort();
    let mut replayed = Replayed::default();
    for path in paths {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let record = Record::read(&path)?;
        match verify.verify_at(&record.head, record.body.clone(), record.received_at) {
            Ok(verified) => {
                let event: serde_json::Value = serde_json::from_slice(verified.body())?;
                let signed = UNIX_EPOCH + Duration::from_secs(verified.timestamp().unwrap_or(0));
                let age = SystemTime::now().duration_since(signed).unwrap_or_default();
                println!(
                    "{file}: handle {} {} (signed {} s ago, when it arrived)",
                    event["id"].as_str().unwrap_or("?"),
                    event["type"].as_str().unwrap_or("?"),
                    age.as_secs(),
                );
                // Checked against the clock instead, the same delivery is refused.
                if let Err(late) = verify.verify(&record.head, record.body) {
                    println!("{file}:   (verified against now instead: refused, {late})");
                }
                replayed
                    .handled
                    .push(event["id"].as_str().unwrap_or_default().to_owned());
            }
            Err(rejection) => {
                println!("{file}: refuse: {rejection}");
                replayed.refused.push((file, rejection.to_string()));
            }
        }
    }
    Ok(replayed)
}

fn main() -> Result<()> {
    if std::env::args()
        .skip(1)
        .any(|arg| arg == "--help" || arg == "-h")
    {
        println!("{USAGE}");
        return Ok(());
    }
    let directory =
        std::env::temp_dir().join(format!("tower-webhook-stored-{}", std::process::id()));
    fs::create_dir_all(&directory)?;
    store(&directory, SystemTime::now())?;
    println!("deliveries stored in {}\n", directory.display());
    let replayed = replay(&directory, &WebhookVerify::stripe(DEVELOPMENT_SECRET));
    fs::remove_dir_all(&directory)?;
    let replayed = replayed?;
    println!(
        "\nhandled {}, refused {}",
        replayed.handled.len(),
        replayed.refused.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_genuine_delivery_is_handled() {
        let directory =
            std::env::temp_dir().join(format!("tower-webhook-stored-test-{}", std::process::id()));
        fs::create_dir_all(&directory).unwrap();
        store(&directory, SystemTime::now()).unwrap();
        let replayed = replay(&directory, &WebhookVerify::stripe(DEVELOPMENT_SECRET));
        fs::remove_dir_all(&directory).unwrap();
        let replayed = replayed.unwrap();
        assert_eq!(replayed.handled, ["evt_1"]);
        assert_eq!(
            replayed.refused,
            [
                ("2.delivery".into(), "signature does not match".into()),
                ("3.delivery".into(), "signature does not match".into()),
            ]
        );
    }

    #[test]
    fn main_runs() {
        main().unwrap();
    }
}
