//! Keys: what a configured secret becomes once it is decoded.

use std::fmt;

#[cfg(feature = "ed25519")]
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
#[cfg(feature = "ed25519")]
use zeroize::Zeroizing;

use crate::error::ConfigError;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// A verification key: an HMAC-SHA256 secret or an ed25519 public key (with its secret key
/// when this side also signs).
///
/// The HMAC is keyed once, here, and cloned per request. `Debug` never shows key material.
///
/// Zeroing: the keyed HMAC state (the inner and outer SHA-256 states derived from the
/// secret) and each per-request copy of it are zeroed when dropped (`hmac` and `sha2` with
/// their `zeroize` features), an ed25519 secret key too (`ed25519-dalek`), and so is every
/// buffer this crate decodes or copies a secret into while building a key (a
/// `whsec_`/`whsk_` secret decoded from base64, the 32-byte seed). Moves may leave stack
/// copies that nothing zeroes, and the secret you pass in is yours to hold (for example in
/// a `zeroize::Zeroizing<String>`).
#[derive(Clone)]
pub struct Key(KeyKind);

#[derive(Clone)]
pub(crate) enum KeyKind {
    Hmac(HmacSha256),
    #[cfg(feature = "ed25519")]
    Ed25519 {
        public: VerifyingKey,
        secret: Option<Box<SigningKey>>,
    },
}

impl Key {
    /// An HMAC-SHA256 key over these bytes. An empty secret is a configuration mistake.
    pub fn hmac_sha256(secret: &[u8]) -> Result<Self, ConfigError> {
        if secret.is_empty() {
            return Err(ConfigError::new("the secret is empty"));
        }
        let mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        Ok(Self(KeyKind::Hmac(mac)))
    }

    /// An ed25519 public key (32 bytes), for verifying only.
    #[cfg(feature = "ed25519")]
    pub fn ed25519_public(public_key: &[u8]) -> Result<Self, ConfigError> {
        let bytes: [u8; 32] = public_key
            .try_into()
            .map_err(|_| ConfigError::new("an ed25519 public key is 32 bytes"))?;
        let public = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| ConfigError::new("not a valid ed25519 public key"))?;
        Ok(Self(KeyKind::Ed25519 {
            public,
            secret: None,
        }))
    }

    /// An ed25519 secret key (32 bytes): verifies with its public key and can also sign.
    #[cfg(feature = "ed25519")]
    pub fn ed25519_secret(secret_key: &[u8]) -> Result<Self, ConfigError> {
        if secret_key.len() != 32 {
            return Err(ConfigError::new("an ed25519 secret key is 32 bytes"));
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(secret_key);
        let secret = SigningKey::from_bytes(&bytes);
        Ok(Self(KeyKind::Ed25519 {
            public: secret.verifying_key(),
            secret: Some(Box::new(secret)),
        }))
    }

    pub(crate) fn kind(&self) -> &KeyKind {
        &self.0
    }

    /// Signs `prefix` followed by `body`.
    ///
    /// # Panics
    ///
    /// With an ed25519 public key: it cannot sign.
    pub(crate) fn sign(&self, prefix: &[u8], body: &[u8]) -> Signature {
        match &self.0 {
            KeyKind::Hmac(mac) => {
                let mut mac = mac.clone();
                mac.update(prefix);
                mac.update(body);
                Signature::HmacSha256(mac.finalize().into_bytes().into())
            }
            #[cfg(feature = "ed25519")]
            KeyKind::Ed25519 { secret, .. } => {
                let secret = secret.as_ref().expect(
                    "this key is an ed25519 public key, which can verify but not sign: \
                     configure the `whsk_` secret key to sign",
                );
                let message = [prefix, body].concat();
                Signature::Ed25519(secret.sign(&message).to_bytes())
            }
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            KeyKind::Hmac(_) => f.write_str("Key::HmacSha256(<redacted>)"),
            #[cfg(feature = "ed25519")]
            KeyKind::Ed25519 { secret: None, .. } => f.write_str("Key::Ed25519Public(..)"),
            #[cfg(feature = "ed25519")]
            KeyKind::Ed25519 {
                secret: Some(_), ..
            } => f.write_str("Key::Ed25519Secret(<redacted>)"),
        }
    }
}

/// One signature from a request, decoded to bytes.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Signature {
    /// An HMAC-SHA256 tag.
    HmacSha256([u8; 32]),
    /// An ed25519 signature (verified with the `ed25519` feature).
    Ed25519([u8; 64]),
}

impl fmt::Debug for Signature {
    // Signatures are public (they travel in headers), but printing them invites comparing
    // them as strings, so show only their kind.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HmacSha256(_) => f.write_str("HmacSha256(..)"),
            Self::Ed25519(_) => f.write_str("Ed25519(..)"),
        }
    }
}
