//! compat's integration tests, one binary with a module per subject (one
//! link step for all of them). `common` and `bundle_support` are shared by
//! the others.
//!
//! Run one subject with a module filter, e.g. `cargo test --test it scan_cache::`.
//! The slow proofs (`kernel_harness`, `real_build`) are `#[ignore]`d; scripts/test.sh
//! runs each alone: `cargo test --test it kernel_harness:: -- --ignored`.

mod bundle_support;
mod common;

mod bundle_chroot;
mod bundle_cleanup;
mod bundle_inputs;
mod bundle_kernel;
mod bundle_output_place;
mod bundle_refusal;
mod closure_paths;
mod eval_cli;
mod kernel_harness;
mod nixside_fixups;
mod nixside_nix;
mod nixside_port;
mod plan_cache;
mod real_build;
mod scan_bullseye;
mod scan_cache;
mod scan_fixtures;
mod scan_limits;
mod scan_malformed;
mod scan_no_sections;
mod scan_profiles;
mod scan_shipped;
mod scan_targets;
mod scan_walk;
mod syscall_analysis;
mod syscall_tables;
mod verify_cli;
