//! AWS SNS: signatures checked with the certificate each message names.

use std::time::Duration;

use crate::key_source::KeySource;
use crate::scheme::{AwsSns, HmacScheme};
use crate::WebhookVerify;

impl WebhookVerify<HmacScheme> {
    /// AWS SNS over HTTP(S): the body's base64 `Signature`, RSA with SHA-1
    /// (`SignatureVersion` 1) or SHA-256 (2), over `{name}\n{value}\n` of `Message`,
    /// `MessageId`, `Subject` (if any), `Timestamp`, `TopicArn` and `Type` (for
    /// confirmations: `Message`, `MessageId`, `SubscribeURL`, `Timestamp`, `Token`,
    /// `TopicArn`, `Type`), verified with the certificate at the body's `SigningCertURL`,
    /// which must be on an `sns.<region>.amazonaws.com` host and is fetched from
    /// `certificates` (see [`SnsCertificates`](crate::key_source::SnsCertificates)). No
    /// timestamp window (AWS documents none; see [`timestamp_window`](Self::timestamp_window)).
    /// Dedupe keys on `MessageId` and remembers it for an hour, SNS's longest retry. See
    /// [`AwsSns`] and
    /// <https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html>.
    ///
    /// Limit the layer to your [`topics`](WebhookVerify::topics): anyone can subscribe your
    /// endpoint to a topic of theirs, and AWS signs their messages too. Raw message delivery
    /// must be off (raw deliveries are not signed).
    ///
    /// A verified `SubscriptionConfirmation` reaches your handler: the layer has no HTTP
    /// client, so confirming the subscription (a `GET` of its `SubscribeURL`) is the
    /// handler's job. SNS sends `Content-Type: text/plain`, so read the body as bytes (or
    /// with [`WebhookEvent`](crate::WebhookEvent), whose payload is the `Message` string),
    /// not with a JSON extractor that insists on `application/json`.
    ///
    /// # Panics
    ///
    /// Never: the keys come from `certificates`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use axum::{body::Bytes, http::StatusCode, routing::post, Router};
    /// use tower_webhook::key_source::{CachedKeys, KeyError, SnsCertificates};
    /// use tower_webhook::WebhookVerify;
    ///
    /// // Your HTTP client's GET, over HTTPS, with a timeout and a size limit.
    /// async fn get(url: String) -> Result<Vec<u8>, KeyError> {
    /// #   let _ = url;
    ///     Err(KeyError::Unavailable)
    /// }
    ///
    /// async fn sns(body: Bytes) -> StatusCode {
    ///     let message: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    ///     match message["Type"].as_str() {
    ///         Some("SubscriptionConfirmation") => {
    ///             // Signed by AWS, for one of the topics below: confirm the subscription.
    ///             let subscribe_url = message["SubscribeURL"].as_str().unwrap_or_default();
    ///             // http_client.get(subscribe_url).send().await ...
    /// #           let _ = subscribe_url;
    ///         }
    ///         Some("Notification") => println!("{}", message["Message"]),
    ///         _ => {}
    ///     }
    ///     StatusCode::OK
    /// }
    ///
    /// let certificates = CachedKeys::new(SnsCertificates::new(get)).ttl(Duration::from_secs(86_400));
    /// let app: Router = Router::new().route("/sns", post(sns)).layer(
    ///     WebhookVerify::aws_sns(certificates).topics(["arn:aws:sns:us-east-1:123456789012:orders"]),
    /// );
    /// ```
    #[cfg(feature = "sns")]
    #[cfg_attr(docsrs, doc(cfg(feature = "sns")))]
    pub fn aws_sns(certificates: impl KeySource) -> WebhookVerify<AwsSns> {
        // The configured secret is never used: every SNS message names its certificate.
        WebhookVerify::with_scheme(AwsSns::new(), "unused: keys come from certificates")
            .key_source(certificates)
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "sns")))]
impl WebhookVerify<AwsSns> {
    /// Accepts only messages whose `TopicArn` is one of these (compared exactly); others
    /// are refused (400) before their certificate is fetched.
    ///
    /// ```
    /// # use tower_webhook::key_source::{KeyError, SnsCertificates};
    /// # async fn get(_: String) -> Result<Vec<u8>, KeyError> { Err(KeyError::Unavailable) }
    /// let layer = tower_webhook::WebhookVerify::aws_sns(SnsCertificates::new(get))
    ///     .topics(["arn:aws:sns:eu-west-1:123456789012:billing"]);
    /// ```
    pub fn topics<I>(mut self, topics: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.config.scheme = self.config.scheme.topics(topics);
        self
    }

    /// Refuses a message whose signed `Timestamp` (when it was published) is further than
    /// `tolerance` from now. Off by default: AWS documents no window and its validators
    /// check none. SNS retries a delivery with the same `Timestamp` for up to an hour, so
    /// give at least that, plus the clock skew you allow; with dedupe on (which remembers a
    /// `MessageId` as long as the tolerance), a captured message can then never be
    /// replayed.
    ///
    /// ```
    /// # use tower_webhook::key_source::{KeyError, SnsCertificates};
    /// # async fn get(_: String) -> Result<Vec<u8>, KeyError> { Err(KeyError::Unavailable) }
    /// use std::time::Duration;
    /// let layer = tower_webhook::WebhookVerify::aws_sns(SnsCertificates::new(get))
    ///     .timestamp_window(Duration::from_secs(3600 + 300));
    /// ```
    pub fn timestamp_window(mut self, tolerance: Duration) -> Self {
        self.config.scheme = self.config.scheme.check_timestamp(true);
        self.tolerance(tolerance)
    }
}
