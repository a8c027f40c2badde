//! The whole verify path: arbitrary preset (byte 0 picks among 64, with at least one of
//! every scheme, ed25519 and ECDSA included), secret, headers and body through the layer.
//! A request nobody signed never reaches the handler, an untouched signed one always
//! passes, and nothing panics or answers other than 200, 400 or 413. Input format: see
//! `src/lib.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tower_webhook_fuzz::verify(data);
});
