//! `compat scan`: judging ELF files against a target profile.
