//! System calls a file makes and the kernel that first has each.

use crate::{finding::Finding, profile::Profile};

/// Findings for the system calls in one ELF image (`data`) that the
/// target kernel may lack. Integration point for `compat scan`.
pub fn analyze(_data: &[u8], _profile: &Profile) -> anyhow::Result<Vec<Finding>> {
    Ok(Vec::new())
}
