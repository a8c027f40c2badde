//! The presets of this family, for the interop check and the README's table.

use crate::providers::Provider;

pub(crate) fn providers() -> Vec<Provider> {
    vec![]
}
