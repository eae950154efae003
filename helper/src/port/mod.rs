//! Lossless rewriting of old nixpkgs expressions for current nixpkgs.

pub mod syntax;
