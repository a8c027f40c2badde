//! Keys that a provider publishes and a receiver fetches: AWS SNS's and PayPal's signing
//! certificates (named by a URL in the request), Plaid's JSON Web Keys (named by a key id).
//!
//! A scheme for such a provider names the key a request was signed with in
//! [`Claims::key_id`](crate::scheme::Claims::key_id), after checking that the name is one
//! the provider could have sent (a certificate URL on the provider's own host, say). The
//! layer then asks the [`KeySource`] configured with
//! [`WebhookVerify::key_source`](crate::WebhookVerify::key_source) for that key, after the
//! body is read and before the signature is checked, and verifies with it alone.
//! [`CachedKeys`] keeps fetched keys, so a key is fetched once, not once per request.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::key::Key;

#[cfg(feature = "sns")]
pub use self::sns::SnsCertificates;

/// The future a [`KeySource`] returns.
pub type KeyFuture<'a> = Pin<Box<dyn Future<Output = Result<Key, KeyError>> + Send + 'a>>;

/// Where the keys named by requests come from.
///
/// ```
/// use tower_webhook::key_source::{KeyError, KeyFuture, KeySource};
/// use tower_webhook::scheme::Key;
///
/// /// Keys known in advance, by id.
/// #[derive(Debug)]
/// struct Known(Vec<(String, Key)>);
///
/// impl KeySource for Known {
///     fn key<'a>(&'a self, id: &'a str) -> KeyFuture<'a> {
///         let found = self.0.iter().find(|(known, _)| known == id).map(|(_, key)| key.clone());
///         Box::pin(async move { found.ok_or(KeyError::Unknown) })
///     }
/// }
/// ```
pub trait KeySource: fmt::Debug + Send + Sync + 'static {
    /// The key named `id` (already checked by the scheme).
    fn key<'a>(&'a self, id: &'a str) -> KeyFuture<'a>;
}

/// Why a [`KeySource`] has no key for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// No such key: the request is refused (400).
    Unknown,
    /// The key could not be fetched now: the sender should retry (503).
    Unavailable,
}

/// A [`KeySource`] that keeps each key it fetched for a while, and at most so many keys.
///
/// ```
/// use std::time::Duration;
/// use tower_webhook::key_source::CachedKeys;
/// # use tower_webhook::key_source::{KeyError, KeyFuture, KeySource};
/// # #[derive(Debug)] struct Fetch;
/// # impl KeySource for Fetch {
/// #     fn key<'a>(&'a self, _: &'a str) -> KeyFuture<'a> { Box::pin(async { Err(KeyError::Unknown) }) }
/// # }
/// let keys = CachedKeys::new(Fetch).ttl(Duration::from_secs(3600)).capacity(64);
/// ```
#[derive(Debug)]
pub struct CachedKeys<S> {
    source: S,
    ttl: Duration,
    capacity: usize,
    cached: Mutex<HashMap<String, (Key, Instant)>>,
}

impl<S: KeySource> CachedKeys<S> {
    /// Keeps the keys `source` fetches for an hour, at most 64 of them.
    pub fn new(source: S) -> Self {
        Self {
            source,
            ttl: Duration::from_secs(3600),
            capacity: 64,
            cached: Mutex::default(),
        }
    }

    /// How long a fetched key is kept (default an hour).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How many keys are kept at most (default 64); when full, expired keys are dropped,
    /// then all of them.
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    fn cached(&self, id: &str) -> Option<Key> {
        let cached = self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (key, fetched) = cached.get(id)?;
        (fetched.elapsed() < self.ttl).then(|| key.clone())
    }

    fn keep(&self, id: &str, key: &Key) {
        let mut cached = self
            .cached
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if cached.len() >= self.capacity {
            cached.retain(|_, (_, fetched)| fetched.elapsed() < self.ttl);
            if cached.len() >= self.capacity {
                cached.clear();
            }
        }
        cached.insert(id.to_owned(), (key.clone(), Instant::now()));
    }
}

impl<S: KeySource> KeySource for CachedKeys<S> {
    fn key<'a>(&'a self, id: &'a str) -> KeyFuture<'a> {
        Box::pin(async move {
            if let Some(key) = self.cached(id) {
                return Ok(key);
            }
            let key = self.source.key(id).await?;
            self.keep(id, &key);
            Ok(key)
        })
    }
}

#[cfg(feature = "sns")]
mod sns {
    use std::fmt;
    use std::future::Future;

    use super::{KeyError, KeyFuture, KeySource};
    use crate::key::Key;
    use crate::scheme::sns::is_certificate_url;

    /// AWS SNS's signing certificates, fetched through your own HTTP client: a
    /// [`KeySource`] for [`WebhookVerify::aws_sns`](crate::WebhookVerify::aws_sns).
    ///
    /// `fetch` gets the PEM at a URL the [`AwsSns`](crate::scheme::AwsSns) scheme has
    /// checked (`https://sns.<region>.amazonaws.com/....pem`, checked again here) and
    /// answers [`KeyError::Unavailable`] when it cannot (the message is refused with 503, so
    /// SNS retries it). Fetch over HTTPS with the server's certificate checked, which is what
    /// makes the certificate AWS's, with a timeout and a limit on the size of the answer. A
    /// PEM that is not an RSA certificate counts as unavailable too. Wrap it in
    /// [`CachedKeys`](super::CachedKeys), so each certificate is fetched once, not once per
    /// message.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tower_webhook::key_source::{CachedKeys, KeyError, SnsCertificates};
    ///
    /// // With your HTTP client (here reqwest, which needs a TLS feature for https URLs).
    /// async fn get(url: String) -> Result<Vec<u8>, KeyError> {
    ///     let client = reqwest::Client::new();
    ///     let response = client
    ///         .get(&url)
    ///         .timeout(Duration::from_secs(5))
    ///         .send()
    ///         .await
    ///         .map_err(|_| KeyError::Unavailable)?;
    ///     if !response.status().is_success() {
    ///         return Err(KeyError::Unavailable);
    ///     }
    ///     let pem = response.bytes().await.map_err(|_| KeyError::Unavailable)?;
    ///     Ok(pem.to_vec())
    /// }
    ///
    /// let certificates = CachedKeys::new(SnsCertificates::new(get)).ttl(Duration::from_secs(86_400));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "sns")))]
    pub struct SnsCertificates<F> {
        fetch: F,
    }

    impl<F, Fut, Pem> SnsCertificates<F>
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Pem, KeyError>> + Send + 'static,
        Pem: AsRef<[u8]>,
    {
        /// Certificates fetched with `fetch`, which gets the PEM at a URL.
        pub fn new(fetch: F) -> Self {
            Self { fetch }
        }
    }

    impl<F, Fut, Pem> KeySource for SnsCertificates<F>
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Pem, KeyError>> + Send + 'static,
        Pem: AsRef<[u8]>,
    {
        fn key<'a>(&'a self, url: &'a str) -> KeyFuture<'a> {
            Box::pin(async move {
                if !is_certificate_url(url) {
                    return Err(KeyError::Unknown);
                }
                let pem = (self.fetch)(url.to_owned()).await?;
                Key::rsa_certificate_pem(pem).map_err(|_| KeyError::Unavailable)
            })
        }
    }

    impl<F> fmt::Debug for SnsCertificates<F> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SnsCertificates").finish_non_exhaustive()
        }
    }
}
