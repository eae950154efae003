//! The command-line options every Nix-facing subcommand shares.

use std::path::PathBuf;

use anyhow::Result;

use super::{installable::Installable, tools::NixTools};

/// Which Nix, and where plain attribute names come from.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct NixOptions {
    /// The `nix` binary (or its bin directory) to use; nix-instantiate and
    /// nix-store are taken from beside it. Default: found on PATH.
    #[arg(long, value_name = "PATH")]
    pub(crate) nix: Option<PathBuf>,
    /// Take INSTALLABLE as an attribute path of this Nix file or directory
    /// (called with `{ }` when it is a function), like `nix-instantiate FILE -A ATTR`.
    #[arg(long, short = 'f', value_name = "FILE", conflicts_with = "nixpkgs")]
    pub(crate) file: Option<PathBuf>,
    /// Take INSTALLABLE as an attribute of this nixpkgs tree (same as -f PATH).
    #[arg(long, value_name = "PATH")]
    pub(crate) nixpkgs: Option<PathBuf>,
    /// The attribute path, as with nix-instantiate's -A (instead of a positional INSTALLABLE).
    #[arg(long = "attr", short = 'A', value_name = "ATTR")]
    pub(crate) attr: Vec<String>,
    /// For flake references: use FLAKE for the input INPUT, without writing
    /// the lock file (e.g. --override-input nixpkgs path:/src/nixpkgs).
    #[arg(long, num_args = 2, value_names = ["INPUT", "FLAKE"])]
    pub(crate) override_input: Vec<String>,
}

impl NixOptions {
    /// The Nix tools these options name.
    pub(crate) fn tools(&self) -> Result<NixTools> {
        let mut tools = NixTools::locate(self.nix.as_deref())?;
        for pair in self.override_input.chunks(2) {
            tools.flake_args.push("--override-input".to_string());
            tools.flake_args.extend(pair.iter().cloned());
        }
        if !self.override_input.is_empty() {
            tools.flake_args.push("--no-write-lock-file".to_string());
        }
        Ok(tools)
    }

    /// The installables named: the positional ones and those given with -A.
    pub(crate) fn names(&self, positional: &[String]) -> Result<Vec<String>> {
        let all: Vec<String> = positional.iter().chain(&self.attr).cloned().collect();
        if all.is_empty() {
            anyhow::bail!("nothing to evaluate: give an INSTALLABLE (nixpkgs#bash) or -f FILE -A ATTR");
        }
        Ok(all)
    }

    /// Reads one INSTALLABLE argument.
    pub(crate) fn installable(&self, text: &str) -> Result<Installable> {
        Installable::parse(text, self.file.as_deref().or(self.nixpkgs.as_deref()))
    }
}
