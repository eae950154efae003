//! `compat port`: Lift an old nixpkgs expression into current nixpkgs.

use anyhow::{bail, Result};

/// Lift an old nixpkgs expression into current nixpkgs.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<u8> {
    bail!("compat port is not implemented yet")
}
