//! Talking to Nix through its command-line tools.
