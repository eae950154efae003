//! The bundled zlib program on Debian 11's own 5.10 kernel: `compat verify`
//! boots it under qemu with an initramfs whose C library and loader come from
//! a root made only of Debian 11's libc6 package, and the program's libz only
//! from the bundle (through its $ORIGIN RUNPATH).

use crate::common;

use std::{fs, path::PathBuf};

use crate::bundle_support::*;
use serde_json::Value;

#[test]
fn the_bundled_program_runs_on_debian_11s_5_10_kernel() {
    let Some(bullseye) = common::bullseye() else { return };
    let kernel = fs::read_dir(bullseye.join("sysroot/boot"))
        .expect("the bullseye sysroot has boot/ (scripts/test.sh fetches linux-image-amd64)")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("vmlinuz-5.10"))
        .expect("vmlinuz-5.10.* in the bullseye sysroot");
    if common::tool("qemu-system-x86_64", "scripts/install-deps.sh installs qemu-system-x86").is_none() {
        return;
    }
    let (tmp, _store, z) = zdemo_in_temp_store(&bullseye);
    let work = tmp.path();
    let dist = work.join("dist");
    let out = bundle_for_glibc_2_31(&[z.out.to_str().unwrap(), "--dir", dist.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let root = work.join("libc6-root");
    libc6_root(&bullseye, &root);
    let program: PathBuf = dist.join("bin/.zdemo-wrapped");
    let out = common::compat(&[
        "verify",
        "--kernel-image",
        kernel.to_str().unwrap(),
        "--sysroot",
        root.to_str().unwrap(),
        "--json",
        program.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let run: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(run["kernel"].as_str().unwrap().starts_with("5.10."), "{run}");
    let file = &run["files"][0];
    assert_eq!(file["status"], 0, "{run}");
    let output = file["output"].as_str().unwrap();
    assert!(output.contains("zlib 1.2.11"), "{output}");
    assert!(output.contains("round trip ok: compat bundle round trip"), "{output}");
}
