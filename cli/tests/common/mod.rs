//! Helpers for running the `webhook` binary: a listener process, signing, captures.

#![allow(dead_code, unreachable_pub)] // Each test file uses some of them.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};

/// The binary under test.
pub fn webhook() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("webhook").unwrap()
}

/// A `webhook listen` process on a free loopback port, stopped when dropped.
pub struct Listener {
    child: Child,
    lines: Receiver<String>,
    /// Its address, `http://127.0.0.1:<port>`.
    pub url: String,
}

impl Listener {
    /// Starts `webhook listen --port 0` with `args`, and waits for its address.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("webhook"))
            .args(["listen", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting webhook listen");
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(Duration::from_secs(20))
            .expect("webhook listen printed its address");
        let url = first
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        Self { child, lines, url }
    }

    /// What it printed about the next delivery, up to its `→ <status>` line and the line
    /// saying where it saved it, if any.
    pub fn next_delivery(&self) -> String {
        let mut text = String::new();
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no complete delivery printed; so far:\n{text}"));
            if line.is_empty() && text.contains("\n→ ") {
                return text;
            }
            text.push_str(&line);
            text.push('\n');
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The headers `webhook sign` prints for `body`, with `args` after the provider's.
pub fn sign(provider: &str, secret: &str, body: &str, args: &[&str]) -> Vec<(String, String)> {
    let output = webhook()
        .args(["sign", "--provider", provider, "--secret", secret])
        .args(args)
        .arg(body)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (name, value) = line.split_once(": ").expect("name: value");
            (name.to_owned(), value.to_owned())
        })
        .collect()
}

/// Writes a capture file of a POST to `uri` with these headers and body into `dir`.
pub fn write_capture(dir: &Path, headers: &[(String, String)], uri: &str, body: &[u8]) -> PathBuf {
    let headers: Vec<Value> = headers.iter().map(|(n, v)| json!([n, v])).collect();
    let capture = json!({
        "format": "webhook-capture/1",
        "received_at": 0,
        "method": "POST",
        "uri": uri,
        "headers": headers,
        "body_base64": BASE64.encode(body),
    });
    let path = dir.join(format!("capture-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec_pretty(&capture).unwrap()).unwrap();
    path
}

/// The capture files in `dir`, oldest first.
pub fn captures_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}
