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

/// The initramfs of a program built against Debian 11: the target's loader
/// at the path the program names, its libc from the sysroot (not the host's).
#[test]
fn initramfs_takes_the_c_library_from_the_sysroot() {
    use compat::verify::initramfs;
    let Some(root) = common::bullseye() else { return };
    let dir = tempfile::TempDir::new().unwrap();
    let program = dir.path().join("hello");
    let flags = common::bullseye_cflags(&root);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    common::compile("#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n", &program, false, &flags);
    let busybox = std::path::Path::new("/bin/busybox");
    if !busybox.exists() {
        assert!(std::env::var_os("CI").is_none(), "busybox-static is missing under CI");
        eprintln!("SKIP: /bin/busybox is missing (apt install busybox-static)");
        return;
    }
    let sysroot = root.join("sysroot");
    let missing = dir.path().join("does-not-exist");
    let (archive, placed) =
        initramfs::build(&[program.clone(), missing], &sysroot, busybox, &["a b".to_string()]).unwrap();
    assert!(placed[0].missing.is_empty(), "{:?}", placed[0].missing);
    assert!(placed[1].error.as_deref().is_some_and(|e| e.contains("cannot read")));
    let cpio = dir.path().join("initramfs.cpio");
    std::fs::write(&cpio, archive).unwrap();
    let out = std::process::Command::new("cpio")
        .current_dir(dir.path())
        .args(["-idm", "--quiet", "-F"])
        .arg(&cpio)
        .args(["init", "verify/lib/libc.so.6", "lib64/ld-linux-x86-64.so.2"]) // no device nodes: works unprivileged
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let libc = std::fs::read(dir.path().join("verify/lib/libc.so.6")).unwrap();
    let target_libc =
        std::fs::read(compat::verify::sysroot::resolve(&sysroot, "/lib/x86_64-linux-gnu/libc.so.6".as_ref()).unwrap())
            .unwrap();
    assert!(libc == target_libc, "libc.so.6 in the initramfs is not Debian 11's");
    assert!(dir.path().join("lib64/ld-linux-x86-64.so.2").is_file());
    let init = std::fs::read_to_string(dir.path().join("init")).unwrap();
    assert!(init.contains("'a b'"), "ARGS are quoted: {init}");
}
