//! Talking to Nix through its command-line tools.
//!
//! [`tools::NixTools`] finds `nix`, `nix-instantiate` and `nix-store` (on
//! PATH, or beside a `--nix` path) and their version; [`run`] runs them with
//! a NIX_CONFIG that enables the `nix` command on Nix 2.8 and later, and
//! turns a failure into an error carrying Nix's own message;
//! [`installable::Installable`] is what the user names (a flake reference,
//! or an attribute of a Nix file); [`derivation`] reads store derivations;
//! [`package`] asks Nix about one package; [`closure`] walks a build closure.
//! What realising it needs: [`config`] reads the user's substituters and
//! store, [`store`] asks which paths are valid, [`narinfo`] and [`cache`]
//! ask binary caches, [`missing`] decides what is built or fetched as Nix
//! does, and [`availability`] sums it up per derivation.

pub(crate) mod availability;
pub(crate) mod cache;
pub(crate) mod closure;
pub(crate) mod config;
pub(crate) mod derivation;
pub(crate) mod drv_name;
pub(crate) mod installable;
pub(crate) mod missing;
pub(crate) mod narinfo;
pub(crate) mod options;
pub(crate) mod package;
pub(crate) mod run;
pub(crate) mod store;
pub(crate) mod tools;

pub use tools::NixTools;
