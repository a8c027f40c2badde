#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod budget;
pub mod dedupe;
mod error;
mod event;
#[cfg(feature = "axum")]
mod extract;
mod future;
pub mod inbox;
mod key;
pub mod key_source;
mod presets;
mod rejection;
mod report;
pub mod scheme;
mod service;
mod sign;
mod verified;
mod verify;

pub use crate::body::{ResponseBody, VerifiedBody};
pub use crate::budget::{BufferBudget, DEFAULT_BUFFER_BUDGET};
pub use crate::error::ConfigError;
pub use crate::event::{EventRejection, Webhook, WebhookEvent};
pub use crate::future::ResponseFuture;
pub use crate::presets::preset_names;
pub use crate::rejection::{Rejection, RejectionKind};
pub use crate::service::WebhookVerifyService;
pub use crate::sign::sign;
pub use crate::verified::Verified;
pub use crate::verify::{
    WebhookVerify, DEFAULT_MAX_BODY_SIZE, DEFAULT_TOLERANCE, GITHUB_MAX_BODY_SIZE,
};
