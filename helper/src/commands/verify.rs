//! `compat verify`: Run files on a real target kernel under qemu and report what happened.

use anyhow::{bail, Result};

/// Run files on a real target kernel under qemu and report what happened.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<u8> {
    bail!("compat verify is not implemented yet")
}
