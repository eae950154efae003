//! `compat bundle`: Make a self-contained artifact that runs on the target without Nix.

use anyhow::{bail, Result};

/// Make a self-contained artifact that runs on the target without Nix.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<u8> {
    bail!("compat bundle is not implemented yet")
}
