//! `compat bundle`: a self-contained artifact that runs on the target without Nix.
