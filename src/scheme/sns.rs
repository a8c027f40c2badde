//! AWS SNS: RSA signatures over a canonical string of the JSON body's fields, checked with
//! the signing certificate the message names.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use serde::Deserialize;

use super::{
    body_field_id, decode_signature, Algorithm, Claims, Encoding, EventShape, Location,
    RequestHead, Scheme, SignedContent,
};
use crate::rejection::Rejection;

/// AWS SNS over HTTP(S): the JSON body carries the `Signature` (base64), its
/// `SignatureVersion` (`1`: RSA with SHA-1, `2`: RSA with SHA-256) and the `SigningCertURL`
/// of the certificate that verifies it. The signed string is `{name}\n{value}\n` for each of
/// these fields, in this order, where present:
///
/// - `Notification`: `Message`, `MessageId`, `Subject` (only when the message has one),
///   `Timestamp`, `TopicArn`, `Type`;
/// - `SubscriptionConfirmation` and `UnsubscribeConfirmation`: `Message`, `MessageId`,
///   `SubscribeURL`, `Timestamp`, `Token`, `TopicArn`, `Type`.
///
/// The certificate URL must be `https://sns.<region>.amazonaws.com/<name>.pem` (or
/// `.amazonaws.com.cn` in the China regions): any other scheme, host, port, user info,
/// query or path character is refused (400) before anything is fetched, and the URL is
/// never echoed. The layer then fetches the certificate from the
/// [`KeySource`](crate::key_source::KeySource) (see
/// [`SnsCertificates`](crate::key_source::SnsCertificates)) and verifies with it alone.
///
/// With [`topics`](Self::topics), a message from any other topic is refused before its
/// certificate is fetched. Configure them: anyone with an AWS account can subscribe an
/// endpoint to a topic of theirs, and their messages are signed by AWS as well as yours.
///
/// No timestamp window by default, as AWS documents none and its validators check none;
/// [`check_timestamp`](Self::check_timestamp) turns one on. The `x-amz-sns-*` headers are
/// not signed and are not read. Dedupe keys on the body's `MessageId`.
///
/// See <https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html>.
#[cfg_attr(docsrs, doc(cfg(feature = "sns")))]
#[derive(Debug, Clone, Default)]
pub struct AwsSns {
    topics: Option<Arc<[String]>>,
    check_timestamp: bool,
}

/// The fields of an SNS message this scheme reads; `null` counts as absent.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Message {
    r#type: Option<String>,
    message: Option<String>,
    message_id: Option<String>,
    subject: Option<String>,
    timestamp: Option<String>,
    topic_arn: Option<String>,
    signature_version: Option<String>,
    signature: Option<String>,
    #[serde(rename = "SigningCertURL")]
    signing_cert_url: Option<String>,
    #[serde(rename = "SubscribeURL")]
    subscribe_url: Option<String>,
    token: Option<String>,
}

/// The field, or a rejection naming it.
fn required<'a>(field: &'a Option<String>, missing: &'static str) -> Result<&'a str, Rejection> {
    field
        .as_deref()
        .ok_or_else(|| Rejection::malformed_body(missing))
}

impl AwsSns {
    /// Messages from any topic, with no timestamp window.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts only messages whose `TopicArn` is one of these (compared exactly).
    pub fn topics<I>(mut self, topics: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.topics = Some(topics.into_iter().map(Into::into).collect());
        self
    }

    /// Checks the signed `Timestamp` (when the message was published) against the layer's
    /// [`tolerance`](crate::WebhookVerify::tolerance). SNS retries a delivery with the same
    /// `Timestamp` for up to an hour, so a tolerance shorter than that refuses late retries.
    pub fn check_timestamp(mut self, check: bool) -> Self {
        self.check_timestamp = check;
        self
    }

    fn topic_allowed(&self, topic: &str) -> bool {
        self.topics
            .as_ref()
            .is_none_or(|topics| topics.iter().any(|allowed| allowed == topic))
    }
}

/// Whether `url` is where AWS SNS publishes its signing certificates:
/// `https://sns.<region>.amazonaws.com[.cn]/<path>.pem`, with no user info, port, query or
/// fragment, and a path of letters, digits, `-`, `_`, `.` and `/` only.
pub(crate) fn is_certificate_url(url: &str) -> bool {
    if url.len() > 512 {
        return false;
    }
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let Some(slash) = rest.find('/') else {
        return false;
    };
    let (host, path) = rest.split_at(slash);
    let region = host.strip_prefix("sns.").and_then(|host| {
        host.strip_suffix(".amazonaws.com")
            .or_else(|| host.strip_suffix(".amazonaws.com.cn"))
    });
    let region_ok = region.is_some_and(|region| {
        region.len() >= 3
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    let path_ok = path.len() > "/.pem".len()
        && path.ends_with(".pem")
        && !path.contains("..")
        && !path.contains("//")
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    region_ok && path_ok
}

impl Scheme for AwsSns {
    /// Nothing: everything SNS signs, and the signature, are in the body.
    fn parse(&self, _request: &RequestHead<'_>) -> Result<Claims, Rejection> {
        Ok(Claims::default())
    }

    fn signed_content(
        &self,
        _request: &RequestHead<'_>,
        claims: &mut Claims,
        body: &[u8],
        content: &mut SignedContent,
    ) -> Result<(), Rejection> {
        let message: Message = serde_json::from_slice(body).map_err(|_| {
            Rejection::malformed_body("not an SNS message: a JSON object of string fields")
        })?;
        let kind = required(&message.r#type, "no Type")?;
        let confirmation = match kind {
            "Notification" => false,
            "SubscriptionConfirmation" | "UnsubscribeConfirmation" => true,
            _ => {
                return Err(Rejection::malformed_body(
                    "Type is not Notification, SubscriptionConfirmation or \
                     UnsubscribeConfirmation",
                ))
            }
        };
        let topic = required(&message.topic_arn, "no TopicArn")?;
        if !self.topic_allowed(topic) {
            return Err(Rejection::malformed_body(
                "TopicArn is not one of the configured topics",
            ));
        }
        let url = required(&message.signing_cert_url, "no SigningCertURL")?;
        if !is_certificate_url(url) {
            return Err(Rejection::malformed_body(
                "SigningCertURL is not an https://sns.<region>.amazonaws.com/....pem URL",
            ));
        }
        let algorithm = match required(&message.signature_version, "no SignatureVersion")? {
            "1" => Algorithm::RsaSha1,
            "2" => Algorithm::RsaSha256,
            _ => return Err(Rejection::malformed_body("SignatureVersion is not 1 or 2")),
        };
        let signature = required(&message.signature, "no Signature")?;
        let signature = decode_signature(algorithm, Encoding::Base64, signature)
            .map_err(|_| Rejection::malformed_body("Signature is not a base64 RSA signature"))?;
        let timestamp = required(&message.timestamp, "no Timestamp")?;
        let mut fields = vec![
            ("Message", required(&message.message, "no Message")?),
            ("MessageId", required(&message.message_id, "no MessageId")?),
        ];
        if confirmation {
            let subscribe_url = required(&message.subscribe_url, "no SubscribeURL")?;
            let token = required(&message.token, "no Token")?;
            fields.extend([
                ("SubscribeURL", subscribe_url),
                ("Timestamp", timestamp),
                ("Token", token),
            ]);
        } else {
            if let Some(subject) = &message.subject {
                fields.push(("Subject", subject));
            }
            fields.push(("Timestamp", timestamp));
        }
        fields.extend([("TopicArn", topic), ("Type", kind)]);
        for (name, value) in fields {
            content.push(name);
            content.push("\n");
            content.push(value);
            content.push("\n");
        }
        if self.check_timestamp {
            let published = time::OffsetDateTime::parse(
                timestamp,
                &time::format_description::well_known::Rfc3339,
            )
            .map_err(|_| Rejection::malformed_body("Timestamp is not an RFC 3339 date and time"))?;
            claims.timestamp = Some(published.into());
        }
        claims.signatures = vec![signature];
        claims.key_id = Some(url.to_owned());
        Ok(())
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::RsaSha256
    }

    /// Nothing: SNS puts its signature in the body, and only AWS signs SNS messages.
    fn write_headers(&self, _claims: &Claims, _headers: &mut HeaderMap) {}

    /// The body's `MessageId`.
    fn event_id(&self, _headers: &HeaderMap, body: &[u8]) -> Option<String> {
        body_field_id(body, "MessageId")
    }

    /// `MessageId`, `Type` and `Message` (a string: the published message as is).
    fn event_shape(&self) -> EventShape {
        EventShape::new(
            Location::Body("MessageId"),
            Location::Body("Type"),
            Location::Body("Message"),
        )
    }

    /// SNS retries an HTTP(S) delivery for at most an hour (a hard limit of its delivery
    /// policies).
    fn retry_period(&self) -> Duration {
        Duration::from_secs(3600)
    }
}

#[cfg(test)]
mod tests {
    use super::is_certificate_url;

    #[test]
    fn only_sns_hosts_serve_certificates() {
        for good in [
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123abcd.pem",
            "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-0123abcd.pem",
            "https://sns.us-gov-west-1.amazonaws.com/a/b_c.pem",
        ] {
            assert!(is_certificate_url(good), "{good}");
        }
        for bad in [
            "http://sns.us-east-1.amazonaws.com/cert.pem",
            "https://sns.us-east-1.amazonaws.com/cert.pem?x=1",
            "https://sns.us-east-1.amazonaws.com/cert.pem#x",
            "https://sns.us-east-1.amazonaws.com/cert.txt",
            "https://sns.us-east-1.amazonaws.com/.pem",
            "https://sns.us-east-1.amazonaws.com:443/cert.pem",
            "https://user@sns.us-east-1.amazonaws.com/cert.pem",
            "https://sns.us-east-1.amazonaws.com@evil.example/cert.pem",
            "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
            "https://s3.us-east-1.amazonaws.com/cert.pem",
            "https://sns.evil.example.amazonaws.com/cert.pem",
            "https://sns.ab.amazonaws.com/cert.pem",
            "https://sns.US-EAST-1.amazonaws.com/cert.pem",
            "https://sns.us-east-1.amazonaws.com",
            "https://sns.us-east-1.amazonaws.com/../cert.pem",
            "https://sns.us-east-1.amazonaws.com//evil.example/cert.pem",
            "https://sns.us-east-1.amazonaws.com/a%2Fb.pem",
            "https://sns.us-east-1.amazonaws.com/a\\b.pem",
            "HTTPS://sns.us-east-1.amazonaws.com/cert.pem",
            "",
        ] {
            assert!(!is_certificate_url(bad), "{bad}");
        }
    }
}
