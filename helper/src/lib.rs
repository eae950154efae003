//! compat: check, plan, port and bundle Nix outputs so they run on older Linux.
//!
//! The binary's subcommands live in [`commands`]; each job's machinery is a
//! module of its own, and what they share (targets, versions, findings) too.

pub mod arch;
pub(crate) mod bundle;
pub(crate) mod cache;
pub mod commands;
pub mod elf;
pub mod exit;
pub mod finding;
pub mod fixups;
pub mod nix;
pub(crate) mod nix_syntax;
pub(crate) mod path_text;
pub mod port;
pub mod profile;
pub mod scan;
pub mod syscalls;
pub mod verify;
pub mod version;
