//! The provider presets: a constructor on [`WebhookVerify`](crate::WebhookVerify) per
//! provider, grouped by the shape of their schemes.

mod context;
mod header;
mod named;
#[cfg(feature = "sns")]
mod sns;
mod timestamped;

pub use self::named::preset_names;
