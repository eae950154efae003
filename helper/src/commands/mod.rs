//! One module per subcommand: its clap arguments (`Args`) and its `run`,
//! which returns the exit status (see [`crate::exit`]).

use clap::{Parser, Subcommand};

pub(crate) mod bundle;
pub(crate) mod cache;
mod colour;
pub(crate) mod eval;
pub(crate) mod fixups;
pub(crate) mod plan;
pub(crate) mod port;
pub(crate) mod profiles;
pub(crate) mod scan;
pub(crate) mod target;
pub(crate) mod targets;
pub(crate) mod verify;

/// Nix builds that run on older Linux: check ELF outputs against a target
/// (glibc, libstdc++, kernel), plan and port nixpkgs packages for it, and
/// bundle outputs that run without Nix.
///
/// Exit status: 0 compatible, 1 incompatibilities found, 2 usage error or
/// unreadable input.
#[derive(Debug, Parser)]
#[command(name = "compat", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Scan(scan::Args),
    Targets(targets::Args),
    Cache(cache::Args),
    Profiles(profiles::Args),
    Verify(verify::Args),
    Eval(eval::Args),
    Plan(plan::Args),
    Fixups(fixups::Args),
    Port(port::Args),
    Bundle(Box<bundle::Args>),
}

/// Runs the chosen subcommand and returns its exit status.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Targets(args) => targets::run(args),
        Command::Cache(args) => cache::run(args),
        Command::Profiles(args) => profiles::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Fixups(args) => fixups::run(args),
        Command::Port(args) => port::run(args),
        Command::Bundle(args) => bundle::run(*args),
    }
}
