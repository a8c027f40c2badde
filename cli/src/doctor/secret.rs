//! The forms a secret is mistaken in: each gives a secret the sender may have used, from
//! one given.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;

use crate::provider::fingerprint;

/// A secret the sender may have used, and how it differs from the one given.
pub(crate) struct SecretCandidate {
    /// The mistake, in plain words.
    pub(crate) cause: String,
    /// The secret the sender would have used.
    pub(crate) secret: Vec<u8>,
}

const WHSEC: &str = "whsec_";

/// The secrets the sender may have used instead of `given`, each different from it.
pub(crate) fn candidates(given: &[u8]) -> Vec<SecretCandidate> {
    let mut all = Vec::new();
    let mut add = |cause: &str, secret: Option<Vec<u8>>| {
        if let Some(secret) = secret.filter(|secret| !secret.is_empty() && secret != given) {
            all.push(SecretCandidate {
                cause: cause.to_owned(),
                secret,
            });
        }
    };
    let text = String::from_utf8_lossy(given).into_owned();
    add(
        "the secret has surrounding whitespace or a newline (a newline in the file or variable it came from): the sender's has none",
        Some(text.trim().as_bytes().to_vec()),
    );
    let text = text.trim();
    match text.strip_prefix(WHSEC) {
        Some(rest) => {
            add(
                "the sender used the secret without its whsec_ prefix",
                Some(rest.as_bytes().to_vec()),
            );
            add(
                "the sender used the base64-decoded bytes of the whsec_ secret as the key",
                decode_base64(rest),
            );
            add(
                "the sender used the whole whsec_ text as the key, not its decoded bytes",
                Some(format!("{WHSEC}{}", STANDARD.encode(text)).into_bytes()),
            );
        }
        None => {
            add(
                "the sender used the base64-decoded secret as the key",
                decode_base64(text),
            );
            add(
                "the sender used the secret base64-encoded",
                Some(STANDARD.encode(text).into_bytes()),
            );
            add(
                "the sender used the hex-decoded secret as the key",
                hex::decode(text).ok(),
            );
        }
    }
    all
}

/// A secret that was rotated away: one of the others given.
pub(crate) fn rotated(other: &[u8]) -> SecretCandidate {
    SecretCandidate {
        cause: format!(
            "the request was signed with another secret you gave, {}: the secret was rotated (accept both while the change lasts: also_accept)",
            fingerprint(other)
        ),
        secret: other.to_vec(),
    }
}

/// The bytes `text` encodes in base64 (with or without padding), if it does.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(text)
        .or_else(|_| STANDARD_NO_PAD.decode(text))
        .ok()
}
