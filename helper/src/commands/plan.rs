//! `compat plan`: List a package's build closure and the fixups that apply to a target.

use anyhow::{bail, Result};

/// List a package's build closure and the fixups that apply to a target.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<u8> {
    bail!("compat plan is not implemented yet")
}
