//! [`ConfigError`]: a configuration mistake.

use std::fmt;

/// A configuration mistake, found when the layer is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    message: String,
}

impl ConfigError {
    /// A mistake, named in a few words (for a [`Scheme::key`](crate::scheme::Scheme::key)
    /// that refuses a secret, say why, never echo it).
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookVerify: {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The value of a configuration step, or a panic whose message names the mistake.
pub(crate) fn configured<T>(result: Result<T, ConfigError>) -> T {
    result.unwrap_or_else(|error| panic!("{error}"))
}
