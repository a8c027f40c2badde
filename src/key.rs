//! Keys and signatures: what a configured secret becomes once it is decoded, what a request
//! claims, and the check of one against the other.

use std::fmt;

#[cfg(feature = "ed25519")]
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;
#[cfg(feature = "ed25519")]
use zeroize::Zeroizing;

use crate::error::ConfigError;
use crate::scheme::SignedContent;

type HmacSha1 = Hmac<Sha1>;
type HmacSha256 = Hmac<Sha256>;
type HmacSha512 = Hmac<Sha512>;

/// A verification key: a shared secret, or a public key (with its secret key when this side
/// also signs).
///
/// A shared secret serves every symmetric algorithm a scheme may name (HMAC with SHA-1,
/// SHA-256 or SHA-512, SHA-256 keyed by a secret prefix, and a token compared as is): each
/// is keyed once, here, and cloned per request. `Debug` never shows key material.
///
/// Zeroing: the keyed hash states (derived from the secret) and each per-request copy of
/// them are zeroed when dropped (`hmac`, `sha1` and `sha2` with their `zeroize` features),
/// an ed25519 secret key too (`ed25519-dalek`), and so is every buffer this crate decodes
/// or copies a secret into while building a key (a `whsec_` secret decoded from base64, a
/// 32-byte seed). Moves may leave stack copies that nothing zeroes, and the secret you pass
/// in is yours to hold (for example in a `zeroize::Zeroizing<String>`).
#[derive(Clone)]
pub struct Key(KeyKind);

#[derive(Clone)]
enum KeyKind {
    Shared(Box<SharedSecret>),
    #[cfg(feature = "ed25519")]
    Ed25519 {
        public: VerifyingKey,
        secret: Option<Box<SigningKey>>,
    },
    #[cfg(feature = "ecdsa")]
    EcdsaP256 {
        public: p256::ecdsa::VerifyingKey,
        secret: Option<Box<p256::ecdsa::SigningKey>>,
    },
    #[cfg(feature = "sns")]
    Rsa(Box<rsa::PublicKey>),
}

/// A shared secret, keyed for each symmetric algorithm.
#[derive(Clone)]
struct SharedSecret {
    sha1: HmacSha1,
    sha256: HmacSha256,
    sha512: HmacSha512,
    /// SHA-256 fed with the secret: the state a keyed SHA-256 continues from.
    prefixed: Sha256,
    /// SHA-256 of the secret, which a token's SHA-256 is compared with, so that the
    /// comparison takes the same time whatever the token's length.
    digest: [u8; 32],
    /// The secret itself, which token schemes send when signing.
    secret: zeroize::Zeroizing<Vec<u8>>,
}

impl Key {
    /// A shared secret: the key of HMAC (SHA-1, SHA-256, SHA-512), keyed SHA-256 and token
    /// schemes. An empty secret is a configuration mistake.
    pub fn shared(secret: &[u8]) -> Result<Self, ConfigError> {
        if secret.is_empty() {
            return Err(ConfigError::new("the secret is empty"));
        }
        let shared = SharedSecret {
            sha1: HmacSha1::new_from_slice(secret).expect("HMAC takes keys of any length"),
            sha256: HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length"),
            sha512: HmacSha512::new_from_slice(secret).expect("HMAC takes keys of any length"),
            prefixed: Sha256::new_with_prefix(secret),
            digest: Sha256::digest(secret).into(),
            secret: zeroize::Zeroizing::new(secret.to_vec()),
        };
        Ok(Self(KeyKind::Shared(Box::new(shared))))
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

    /// An ed25519 secret key (the 32-byte seed): verifies with its public key and can also
    /// sign.
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

    /// An ECDSA P-256 public key in DER SubjectPublicKeyInfo form (what SendGrid shows, once
    /// base64-decoded), for verifying only.
    #[cfg(feature = "ecdsa")]
    pub fn ecdsa_p256_public(der: &[u8]) -> Result<Self, ConfigError> {
        use p256::pkcs8::DecodePublicKey as _;
        let public = p256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(|_| {
            ConfigError::new("not a P-256 public key in DER SubjectPublicKeyInfo form")
        })?;
        Ok(Self(KeyKind::EcdsaP256 {
            public,
            secret: None,
        }))
    }

    /// An ECDSA P-256 secret key in DER PKCS#8 form: verifies with its public key and can
    /// also sign.
    #[cfg(feature = "ecdsa")]
    pub fn ecdsa_p256_secret(der: &[u8]) -> Result<Self, ConfigError> {
        use p256::pkcs8::DecodePrivateKey as _;
        let secret = p256::ecdsa::SigningKey::from_pkcs8_der(der)
            .map_err(|_| ConfigError::new("not a P-256 secret key in DER PKCS#8 form"))?;
        Ok(Self(KeyKind::EcdsaP256 {
            public: *secret.verifying_key(),
            secret: Some(Box::new(secret)),
        }))
    }

    /// The RSA public key of an X.509 certificate in PEM (`-----BEGIN CERTIFICATE-----`),
    /// such as the signing certificate AWS SNS names, for verifying RSASSA-PKCS1-v1_5
    /// signatures with SHA-1 or SHA-256. Only the key is read: the certificate's issuer,
    /// validity and chain are not checked, so trust comes from where the certificate was
    /// fetched (for SNS, over HTTPS from an `sns.<region>.amazonaws.com` host).
    #[cfg(feature = "sns")]
    pub fn rsa_certificate_pem(pem: impl AsRef<[u8]>) -> Result<Self, ConfigError> {
        use rsa::pkcs8::DecodePublicKey as _;
        use x509_cert::der::{DecodePem as _, Encode as _};
        let certificate = x509_cert::Certificate::from_pem(pem.as_ref())
            .map_err(|_| ConfigError::new("not an X.509 certificate in PEM"))?;
        let der = certificate
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|_| ConfigError::new("the certificate's public key cannot be read"))?;
        let public = rsa::PublicKey::from_public_key_der(&der)
            .map_err(|_| ConfigError::new("the certificate's public key is not an RSA key"))?;
        Ok(Self(KeyKind::Rsa(Box::new(public))))
    }

    /// Whether any of `signatures` is a signature of `content` over `body` by this key, each
    /// compared in constant time. One MAC per algorithm, however many signatures.
    pub(crate) fn verifies(
        &self,
        signatures: &[Signature],
        content: &SignedContent,
        body: &[u8],
    ) -> bool {
        match &self.0 {
            KeyKind::Shared(shared) => shared.verifies(signatures, content, body),
            #[cfg(feature = "ed25519")]
            KeyKind::Ed25519 { public, .. } => signatures.iter().any(|signature| match signature {
                Signature::Ed25519(bytes) => ed25519_verifies(public, bytes, content, body),
                _ => false,
            }),
            #[cfg(feature = "ecdsa")]
            KeyKind::EcdsaP256 { public, .. } => {
                use p256::ecdsa::signature::DigestVerifier as _;
                signatures.iter().any(|signature| {
                    let Signature::EcdsaP256(der) = signature else {
                        return false;
                    };
                    let Ok(signature) = p256::ecdsa::Signature::from_der(der) else {
                        return false;
                    };
                    let digest = content.feed(Sha256::new(), body);
                    public
                        .verify_digest(
                            |d: &mut Sha256| {
                                *d = digest.clone();
                                Ok(())
                            },
                            &signature,
                        )
                        .is_ok()
                })
            }
            #[cfg(feature = "sns")]
            KeyKind::Rsa(public) => signatures.iter().any(|signature| {
                let (scheme, hashed) = match signature {
                    Signature::RsaSha1(_) => (
                        rsa::Pkcs1v15Sign::new::<Sha1>(),
                        content.feed(Sha1::new(), body).finalize().to_vec(),
                    ),
                    Signature::RsaSha256(_) => (
                        rsa::Pkcs1v15Sign::new::<Sha256>(),
                        content.feed(Sha256::new(), body).finalize().to_vec(),
                    ),
                    _ => return false,
                };
                public.verify(scheme, &hashed, signature.as_bytes()).is_ok()
            }),
        }
    }

    /// Signs `content` over `body`: with `algorithm` for a shared secret, with its own
    /// algorithm for a secret key.
    ///
    /// # Panics
    ///
    /// With a public key, which cannot sign.
    pub(crate) fn sign(
        &self,
        algorithm: Algorithm,
        content: &SignedContent,
        body: &[u8],
    ) -> Signature {
        match (&self.0, algorithm) {
            (KeyKind::Shared(shared), _) => shared.sign(algorithm, content, body),
            #[cfg(feature = "ed25519")]
            (KeyKind::Ed25519 { secret, .. }, _) => {
                let secret = secret.as_ref().expect(
                    "this key is an ed25519 public key, which can verify but not sign: \
                     configure the secret key (a whsk_ key for Standard Webhooks) to sign",
                );
                Signature::Ed25519(secret.sign(&content.to_message(body)).to_bytes())
            }
            #[cfg(feature = "ecdsa")]
            (KeyKind::EcdsaP256 { secret, .. }, _) => {
                use p256::ecdsa::signature::DigestSigner as _;
                let secret = secret.as_ref().expect(
                    "this key is an ECDSA public key, which can verify but not sign: \
                     configure the secret key to sign",
                );
                let digest = content.feed(Sha256::new(), body);
                let signature: p256::ecdsa::Signature = secret
                    .try_sign_digest(|d: &mut Sha256| {
                        *d = digest.clone();
                        Ok(())
                    })
                    .expect("ECDSA signing succeeds");
                Signature::EcdsaP256(signature.to_der().as_bytes().to_vec())
            }
            #[cfg(feature = "sns")]
            (KeyKind::Rsa(_), _) => panic!(
                "this key is an RSA public key from a certificate, which can verify but not sign"
            ),
        }
    }
}

/// Whether `signature` is `public`'s ed25519 signature of the content, with the checks of
/// `verify_strict` (a canonical `s`, neither the key nor `R` of small order), the content
/// fed in its parts rather than copied into one message.
#[cfg(feature = "ed25519")]
fn ed25519_verifies(
    public: &VerifyingKey,
    signature: &[u8; 64],
    content: &SignedContent,
    body: &[u8],
) -> bool {
    let signature = ed25519_dalek::Signature::from_bytes(signature);
    let r = curve25519_dalek::edwards::CompressedEdwardsY(*signature.r_bytes());
    let r_is_weak = r.decompress().is_none_or(|r| r.is_small_order());
    if public.is_weak() || r_is_weak {
        return false;
    }
    let Ok(mut verifier) = public.verify_stream(&signature) else {
        return false; // `s` is not canonical
    };
    content.each(body, |part| verifier.update(part));
    verifier.finalize_and_verify().is_ok()
}

impl SharedSecret {
    fn verifies(&self, signatures: &[Signature], content: &SignedContent, body: &[u8]) -> bool {
        let mut sha1 = None;
        let mut sha256 = None;
        let mut sha512 = None;
        let mut keyed = None;
        let mut matched = false;
        for signature in signatures {
            let equal = match signature {
                Signature::HmacSha1(claimed) => sha1
                    .get_or_insert_with(|| self.mac::<HmacSha1, 20>(&self.sha1, content, body))
                    .ct_eq(claimed),
                Signature::HmacSha256(claimed) => sha256
                    .get_or_insert_with(|| self.mac::<HmacSha256, 32>(&self.sha256, content, body))
                    .ct_eq(claimed),
                Signature::HmacSha512(claimed) => sha512
                    .get_or_insert_with(|| self.mac::<HmacSha512, 64>(&self.sha512, content, body))
                    .ct_eq(claimed),
                Signature::KeyedSha256(claimed) => keyed
                    .get_or_insert_with(|| self.keyed_sha256(content, body))
                    .ct_eq(claimed),
                Signature::Token(token) => self.digest.ct_eq(Sha256::digest(token).as_slice()),
                _ => continue,
            };
            matched |= bool::from(equal);
        }
        matched
    }

    fn mac<M: Mac + Clone, const N: usize>(
        &self,
        keyed: &M,
        content: &SignedContent,
        body: &[u8],
    ) -> [u8; N] {
        let mut mac = keyed.clone();
        content.each(body, |part| mac.update(part));
        mac.finalize()
            .into_bytes()
            .as_slice()
            .try_into()
            .expect("the tag length of the algorithm")
    }

    fn keyed_sha256(&self, content: &SignedContent, body: &[u8]) -> [u8; 32] {
        content.feed(self.prefixed.clone(), body).finalize().into()
    }

    fn sign(&self, algorithm: Algorithm, content: &SignedContent, body: &[u8]) -> Signature {
        match algorithm {
            Algorithm::HmacSha1 => Signature::HmacSha1(self.mac(&self.sha1, content, body)),
            Algorithm::HmacSha256 => Signature::HmacSha256(self.mac(&self.sha256, content, body)),
            Algorithm::HmacSha512 => Signature::HmacSha512(self.mac(&self.sha512, content, body)),
            Algorithm::KeyedSha256 => Signature::KeyedSha256(self.keyed_sha256(content, body)),
            Algorithm::Token => Signature::Token(self.secret.to_vec()),
            Algorithm::Ed25519
            | Algorithm::EcdsaP256
            | Algorithm::RsaSha1
            | Algorithm::RsaSha256 => {
                panic!("a shared secret cannot sign with {algorithm:?}")
            }
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            KeyKind::Shared(_) => f.write_str("Key::Shared(<redacted>)"),
            #[cfg(feature = "ed25519")]
            KeyKind::Ed25519 { secret: None, .. } => f.write_str("Key::Ed25519Public(..)"),
            #[cfg(feature = "ed25519")]
            KeyKind::Ed25519 {
                secret: Some(_), ..
            } => f.write_str("Key::Ed25519Secret(<redacted>)"),
            #[cfg(feature = "ecdsa")]
            KeyKind::EcdsaP256 { secret: None, .. } => f.write_str("Key::EcdsaP256Public(..)"),
            #[cfg(feature = "ecdsa")]
            KeyKind::EcdsaP256 {
                secret: Some(_), ..
            } => f.write_str("Key::EcdsaP256Secret(<redacted>)"),
            #[cfg(feature = "sns")]
            KeyKind::Rsa(_) => f.write_str("Key::RsaPublic(..)"),
        }
    }
}

/// A signature algorithm, as a scheme names it for signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA1 (Twilio, Intercom, Vercel, Segment, Trello).
    HmacSha1,
    /// HMAC-SHA256, the common case.
    HmacSha256,
    /// HMAC-SHA512 (Paystack).
    HmacSha512,
    /// SHA-256 over the secret followed by the signed content (HubSpot v1 and v2).
    KeyedSha256,
    /// ed25519 (Standard Webhooks `v1a`, Discord, Telnyx; feature `ed25519`).
    Ed25519,
    /// ECDSA P-256 with SHA-256 (SendGrid; feature `ecdsa`).
    EcdsaP256,
    /// RSASSA-PKCS1-v1_5 with SHA-1 (AWS SNS `SignatureVersion` 1; feature `sns`).
    RsaSha1,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (AWS SNS `SignatureVersion` 2; feature `sns`).
    RsaSha256,
    /// The shared secret itself, sent as a token (Telegram, GitLab, Okta, Cloudflare).
    Token,
}

/// One signature from a request, decoded to bytes.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Signature {
    /// An HMAC-SHA1 tag.
    HmacSha1([u8; 20]),
    /// An HMAC-SHA256 tag.
    HmacSha256([u8; 32]),
    /// An HMAC-SHA512 tag.
    HmacSha512([u8; 64]),
    /// SHA-256 over the secret followed by the signed content.
    KeyedSha256([u8; 32]),
    /// An ed25519 signature (verified with the `ed25519` feature).
    Ed25519([u8; 64]),
    /// An ECDSA P-256 signature in ASN.1 DER (verified with the `ecdsa` feature).
    EcdsaP256(Vec<u8>),
    /// An RSASSA-PKCS1-v1_5 signature over the SHA-1 of the content (verified with the
    /// `sns` feature).
    RsaSha1(Vec<u8>),
    /// An RSASSA-PKCS1-v1_5 signature over the SHA-256 of the content (verified with the
    /// `sns` feature).
    RsaSha256(Vec<u8>),
    /// A token sent as is (a shared secret in a header or a body field). It is compared
    /// by its SHA-256 with the secret's, so the comparison takes the same time whatever its
    /// length.
    Token(Vec<u8>),
}

impl Signature {
    /// The algorithm this signature is made with.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::HmacSha1(_) => Algorithm::HmacSha1,
            Self::HmacSha256(_) => Algorithm::HmacSha256,
            Self::HmacSha512(_) => Algorithm::HmacSha512,
            Self::KeyedSha256(_) => Algorithm::KeyedSha256,
            Self::Ed25519(_) => Algorithm::Ed25519,
            Self::EcdsaP256(_) => Algorithm::EcdsaP256,
            Self::RsaSha1(_) => Algorithm::RsaSha1,
            Self::RsaSha256(_) => Algorithm::RsaSha256,
            Self::Token(_) => Algorithm::Token,
        }
    }

    /// The signature's bytes, as a sender encodes them.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::HmacSha1(bytes) => bytes,
            Self::HmacSha256(bytes) | Self::KeyedSha256(bytes) => bytes,
            Self::HmacSha512(bytes) | Self::Ed25519(bytes) => bytes,
            Self::EcdsaP256(bytes) | Self::Token(bytes) => bytes,
            Self::RsaSha1(bytes) | Self::RsaSha256(bytes) => bytes,
        }
    }
}

impl fmt::Debug for Signature {
    // Signatures are public (they travel in headers), but printing them invites comparing
    // them as strings, so show only their kind.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}(..)", self.algorithm())
    }
}

#[cfg(all(test, feature = "ed25519"))]
mod tests {
    use ed25519_dalek::Signer as _;

    use super::{Key, Signature};
    use crate::scheme::SignedContent;

    fn content(prefix: &str) -> SignedContent {
        let mut content = SignedContent::default();
        content.push(prefix);
        content.push_body();
        content
    }

    #[test]
    fn ed25519_accepts_a_real_signature_of_the_content_in_parts() {
        let secret = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let signature = secret.sign(b"msg_1.1700000000.{\"a\":1}").to_bytes();
        let key = Key::ed25519_public(secret.verifying_key().as_bytes()).unwrap();
        let signatures = [Signature::Ed25519(signature)];
        assert!(key.verifies(&signatures, &content("msg_1.1700000000."), b"{\"a\":1}"));
        assert!(!key.verifies(&signatures, &content("msg_1.1700000000."), b"{\"a\":2}"));
    }

    /// The identity as public key and as `R`, with `s = 0`, satisfies the unstrict equation
    /// for every message; `verify_strict`'s checks refuse it, and so must the layer.
    #[test]
    fn ed25519_refuses_small_order_keys_and_points() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let key = Key::ed25519_public(&identity).unwrap();
        let mut forged = [0u8; 64];
        forged[..32].copy_from_slice(&identity);
        let signatures = [Signature::Ed25519(forged)];
        assert!(!key.verifies(&signatures, &content("any."), b"message"));

        // A sound key, with a forged small-order `R`, is refused too.
        let secret = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let key = Key::ed25519_public(secret.verifying_key().as_bytes()).unwrap();
        assert!(!key.verifies(&signatures, &content("any."), b"message"));
    }
}
