//! compat: check, plan, port and bundle Nix outputs so they run on older Linux.
//!
//! The binary's subcommands live in [`commands`]; everything they share
//! (targets, versions, findings) is a module of its own.

pub mod commands;
pub mod exit;
pub mod finding;
pub mod profile;
pub mod version;
