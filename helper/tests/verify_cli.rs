//! `compat verify` argument handling (the boot itself is proven by kernel_harness.rs).

mod common;

#[test]
fn a_missing_kernel_is_a_usage_error_naming_it() {
    let out = common::compat(&["verify", "--kernel-image", "/nonexistent/vmlinuz", "--sysroot", "/", "/bin/true"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/vmlinuz"), "{stderr}");
}

/// A file that does not exist is a usage error before anything boots: the
/// qemu named here does not exist, so a boot would fail differently.
#[test]
fn a_missing_file_is_a_usage_error_before_any_boot() {
    let out = common::compat(&[
        "verify",
        "--kernel-image",
        "/bin/true",
        "--qemu",
        "/nonexistent/qemu",
        "--sysroot",
        "/",
        "/nonexistent/program",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("file /nonexistent/program"), "{stderr}");
    assert!(!stderr.contains("qemu"), "it tried to boot: {stderr}");
}

#[test]
fn a_closure_path_that_does_not_exist_is_a_usage_error() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = common::compat(&[
        "verify",
        "--kernel-image",
        "/bin/true",
        "--qemu",
        "/nonexistent/qemu",
        "--store-root",
        dir.path().to_str().unwrap(),
        "--closure",
        "/nix/store/00000000000000000000000000000000-gone",
        "/bin/true",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("closure path /nix/store/00000000000000000000000000000000-gone"), "{stderr}");
}

#[test]
fn sysroot_or_closure_is_required_and_not_both() {
    let none = common::compat(&["verify", "--kernel-image", "/bin/true", "/bin/true"]);
    assert_eq!(none.status.code(), Some(2));
    let both =
        common::compat(&["verify", "--kernel-image", "/bin/true", "--sysroot", "/", "--closure", "/nix", "/bin/true"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
}

/// The own-closure layout: a program built against Debian 11's glibc but
/// pointing, like a Nix output, at a loader and libc in a store path. The
/// image holds them at their store paths, from the closure, and runs the
/// program at its own path without LD_LIBRARY_PATH; a closure without the
/// glibc path reports the loader and libc as missing.
#[test]
fn initramfs_places_a_nix_closure_at_its_store_paths() {
    use compat::verify::{closure::Closure, initramfs};
    let Some(root) = common::bullseye() else { return };
    let busybox = std::path::Path::new("/bin/busybox");
    if !busybox.exists() {
        assert!(std::env::var_os("CI").is_none(), "busybox-static is missing under CI");
        eprintln!("SKIP: /bin/busybox is missing (apt install busybox-static)");
        return;
    }
    let dir = tempfile::TempDir::new().unwrap();
    let store = dir.path().join("store-root");
    let glibc = "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-glibc-2.31";
    let prog = "/nix/store/zyxwvsrqpnmlkjihgfdcba9876543210-hello-1";
    let host = |inside: &str| store.join(inside.trim_start_matches('/'));
    std::fs::create_dir_all(host(glibc).join("lib")).unwrap();
    std::fs::create_dir_all(host(prog).join("bin")).unwrap();
    let sysroot = root.join("sysroot");
    for (name, from) in
        [("ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2"), ("libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6")]
    {
        let real = compat::verify::sysroot::resolve(&sysroot, from.as_ref()).unwrap();
        std::fs::copy(real, host(glibc).join("lib").join(name)).unwrap();
    }
    let program = host(prog).join("bin/hello");
    let mut flags = common::bullseye_cflags(&root);
    flags.push(format!("-Wl,--dynamic-linker={glibc}/lib/ld-linux-x86-64.so.2"));
    flags.push(format!("-Wl,-rpath,{glibc}/lib"));
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    common::compile("#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n", &program, false, &flags);

    let closure = Closure::new(&store, vec![glibc.into(), prog.into()]).unwrap();
    let (archive, placed) =
        initramfs::build(std::slice::from_ref(&program), &initramfs::Layout::Closure(&closure), busybox, &[]).unwrap();
    assert!(placed[0].missing.is_empty(), "{:?}", placed[0].missing);
    assert_eq!(placed[0].inside.as_deref(), Some(format!("{prog}/bin/hello").as_str()));
    let out_dir = dir.path().join("unpacked");
    std::fs::create_dir_all(&out_dir).unwrap();
    let cpio = dir.path().join("initramfs.cpio");
    std::fs::write(&cpio, archive).unwrap();
    let out = std::process::Command::new("cpio")
        .current_dir(&out_dir)
        .args(["-idm", "--quiet", "-F"])
        .arg(&cpio)
        .args(["init", "nix/*"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for inside in
        [format!("{glibc}/lib/libc.so.6"), format!("{glibc}/lib/ld-linux-x86-64.so.2"), format!("{prog}/bin/hello")]
    {
        let placed =
            std::fs::read(out_dir.join(inside.trim_start_matches('/'))).unwrap_or_else(|e| panic!("{inside}: {e}"));
        assert!(placed == std::fs::read(host(&inside)).unwrap(), "{inside} differs from the closure's");
    }
    assert!(
        !out_dir.join("verify/lib").exists() || std::fs::read_dir(out_dir.join("verify/lib")).unwrap().next().is_none()
    );
    let init = std::fs::read_to_string(out_dir.join("init")).unwrap();
    assert!(!init.contains("LD_LIBRARY_PATH"), "own-closure runs use no LD_LIBRARY_PATH: {init}");
    assert!(init.contains(&format!("{prog}/bin/hello")), "{init}");

    // Without the glibc path, the loader and libc are missing, not taken from elsewhere.
    let without = Closure::new(&store, vec![prog.into()]).unwrap();
    let (_, placed) =
        initramfs::build(std::slice::from_ref(&program), &initramfs::Layout::Closure(&without), busybox, &[]).unwrap();
    let missing = placed[0].missing.join("\n");
    assert!(missing.contains("ld-linux-x86-64.so.2 (program interpreter, not in the closure)"), "{missing}");
    assert!(missing.contains("libc.so.6 (not found in the closure"), "{missing}");
}

#[test]
fn help_teaches_with_examples() {
    let out = common::compat(&["verify", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for want in [
        "--kernel-image",
        "--sysroot",
        "--closure-file",
        "--store-root",
        "--json",
        "--timeout",
        "--qemu",
        "--memory",
        "compat verify --kernel-image",
        "nix-store -qR",
    ] {
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
    let (archive, placed) = initramfs::build(
        &[program.clone(), missing],
        &initramfs::Layout::Sysroot(&sysroot),
        busybox,
        &["a b".to_string()],
    )
    .unwrap();
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
