//! Signing, for senders and for tests.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The lowercase hex HMAC-SHA256 of `body` under `secret`: the value of the
/// `x-<platform>-signature` header that [`WebhookVerify::new`](crate::WebhookVerify::new)
/// checks.
///
/// ```
/// let signature = tower_webhook::sign("It's a Secret to Everybody", "Hello, World!");
/// assert_eq!(signature, "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
/// ```
///
/// For any other scheme, use [`WebhookVerify::sign`](crate::WebhookVerify::sign), which
/// returns the complete headers.
pub fn sign(secret: impl AsRef<[u8]>, body: impl AsRef<[u8]>) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_ref()).expect("HMAC takes keys of any length");
    mac.update(body.as_ref());
    hex::encode(mac.finalize().into_bytes())
}

/// A fresh event id for schemes that sign one: `msg_` and 24 random hex digits.
pub(crate) fn fresh_id() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    format!("msg_{}", hex::encode(bytes))
}
