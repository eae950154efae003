//! `compat verify`: boot a target kernel under qemu and run files on it.
