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

pub mod availability;
pub mod cache;
pub mod closure;
pub mod config;
pub mod derivation;
pub mod drv_name;
pub mod installable;
pub mod missing;
pub mod narinfo;
pub mod options;
pub mod package;
pub mod run;
pub mod store;
pub mod tools;

pub use installable::Installable;
pub use tools::NixTools;
