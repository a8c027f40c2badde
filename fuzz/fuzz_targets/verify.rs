//! The whole verify path: arbitrary preset, secret, headers and body through the layer.
//! A request nobody signed is never accepted, an untouched signed one always is, and
//! nothing panics or answers 5xx. Input format: see `src/lib.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tower_webhook_fuzz::verify(data);
});
