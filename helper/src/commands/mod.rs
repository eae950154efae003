//! One module per subcommand: its clap arguments (`Args`) and its `run`,
//! which returns the exit status (see [`crate::exit`]).

use clap::{Parser, Subcommand};

pub mod bundle;
pub mod cache;
mod colour;
pub mod eval;
pub mod fixups;
pub mod plan;
pub mod port;
pub mod profiles;
pub mod scan;
pub mod target;
pub mod targets;
pub mod verify;

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
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
