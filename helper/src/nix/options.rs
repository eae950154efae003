//! The command-line options every Nix-facing subcommand shares.

use std::path::PathBuf;

use anyhow::Result;

use super::{installable::Installable, tools::NixTools};

/// Which Nix, and where plain attribute names come from.
#[derive(Debug, Clone, clap::Args)]
pub struct NixOptions {
    /// The `nix` binary (or its bin directory) to use; nix-instantiate and
    /// nix-store are taken from beside it. Default: found on PATH.
    #[arg(long, value_name = "PATH")]
    pub nix: Option<PathBuf>,
    /// Take INSTALLABLE as an attribute path of this Nix file or directory
    /// (called with `{ }` when it is a function), like `nix-instantiate FILE -A ATTR`.
    #[arg(long, short = 'f', value_name = "FILE", conflicts_with = "nixpkgs")]
    pub file: Option<PathBuf>,
    /// Take INSTALLABLE as an attribute of this nixpkgs tree (same as -f PATH).
    #[arg(long, value_name = "PATH")]
    pub nixpkgs: Option<PathBuf>,
}

impl NixOptions {
    /// The Nix tools these options name.
    pub fn tools(&self) -> Result<NixTools> {
        NixTools::locate(self.nix.as_deref())
    }

    /// Reads one INSTALLABLE argument.
    pub fn installable(&self, text: &str) -> Result<Installable> {
        Installable::parse(text, self.file.as_deref().or(self.nixpkgs.as_deref()))
    }
}
