//! `compat verify` argument handling (the boot itself is proven by kernel_harness.rs).

mod common;

#[test]
fn a_missing_kernel_is_a_usage_error_naming_it() {
    let out = common::compat(&["verify", "--kernel-image", "/nonexistent/vmlinuz", "--sysroot", "/", "/bin/true"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/vmlinuz"), "{stderr}");
}

#[test]
fn help_teaches_with_examples() {
    let out = common::compat(&["verify", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for want in
        ["--kernel-image", "--sysroot", "--json", "--timeout", "--qemu", "--memory", "compat verify --kernel-image"]
    {
        assert!(help.contains(want), "{want} missing from\n{help}");
    }
}
