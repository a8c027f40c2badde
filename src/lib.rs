#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

pub mod dedupe;
mod extract;
mod key;
mod layer;
mod rejection;
pub mod scheme;
mod service;
mod sign;

pub use crate::extract::{EventRejection, Verified, Webhook, WebhookEvent};
pub use crate::layer::{ConfigError, WebhookVerify, DEFAULT_MAX_BODY_SIZE, DEFAULT_TOLERANCE};
pub use crate::rejection::{Rejection, RejectionKind};
pub use crate::service::{ResponseFuture, WebhookVerifyService};
pub use crate::sign::sign;
