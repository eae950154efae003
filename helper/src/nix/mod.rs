//! Talking to Nix through its command-line tools.
//!
//! [`tools::NixTools`] finds `nix`, `nix-instantiate` and `nix-store` (on
//! PATH, or beside a `--nix` path) and their version; [`run`] runs them with
//! a NIX_CONFIG that enables the `nix` command on Nix 2.8 and later, and
//! turns a failure into an error carrying Nix's own message;
//! [`installable::Installable`] is what the user names (a flake reference,
//! or an attribute of a Nix file); [`derivation`] reads store derivations;
//! [`package`] asks Nix about one package; [`closure`] walks a build closure.

pub mod closure;
pub mod derivation;
pub mod drv_name;
pub mod installable;
pub mod options;
pub mod package;
pub mod run;
pub mod tools;

pub use installable::Installable;
pub use tools::NixTools;
