//! `compat eval`: Evaluate nixpkgs attributes through the nix CLI.

use anyhow::{bail, Result};

/// Evaluate nixpkgs attributes through the nix CLI.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<u8> {
    bail!("compat eval is not implemented yet")
}
