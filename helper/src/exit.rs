//! The exit-status contract shared by every subcommand.

use std::process::ExitCode;

/// Everything compatible / the command did what was asked.
pub(crate) const OK: u8 = 0;
/// Incompatibilities found (scan, bundle refusal, verify disagreement).
pub(crate) const FOUND: u8 = 1;
/// Usage error, or an input that could not be read (the rest is still processed).
pub const ERROR: u8 = 2;

/// Converts a status byte into a process exit code.
pub fn code(status: u8) -> ExitCode {
    ExitCode::from(status)
}
