//! Per-package fixup rules for a target, and the Nix overlay made from them.
