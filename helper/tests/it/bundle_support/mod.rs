//! Shared by the bundle_* integration tests: a Nix-store-like layout made at
//! test time, the zlib demo program, and reading the bundle back.

use std::{
    collections::hash_map::DefaultHasher,
    fs,
    hash::{Hash, Hasher},
    os::unix::fs::symlink,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::atomic::{AtomicU64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

/// A program using zlib: its version, a compress/uncompress round trip, and
/// (when ZDEMO_DATA names a file) that file's first line.
pub const ZDEMO_C: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
int main(void) {
    const char *msg = "compat bundle round trip";
    unsigned char packed[256], unpacked[256];
    uLongf packed_len = sizeof packed, unpacked_len = sizeof unpacked;
    if (compress(packed, &packed_len, (const Bytef *)msg, strlen(msg) + 1) != Z_OK) return 3;
    if (uncompress(unpacked, &unpacked_len, packed, packed_len) != Z_OK) return 4;
    printf("zlib %s\n", zlibVersion());
    printf("round trip %s: %s (%lu -> %lu bytes)\n", strcmp((char *)unpacked, msg) == 0 ? "ok" : "BROKEN",
           (char *)unpacked, (unsigned long)(strlen(msg) + 1), (unsigned long)packed_len);
    const char *data = getenv("ZDEMO_DATA");
    if (data) {
        char line[256] = "";
        FILE *f = fopen(data, "r");
        if (!f || !fgets(line, sizeof line, f)) { printf("data: cannot read %s\n", data); return 5; }
        printf("data: %s", line);
    }
    return 0;
}
"#;

/// A store-path hash (32 chars of Nix's base-32 alphabet), unique per call.
pub fn nix_hash(seed: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdfghijklmnpqrsvwxyz";
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut out = String::new();
    for round in 0u64..4 {
        let mut h = DefaultHasher::new();
        (seed, std::process::id(), nanos, call, round).hash(&mut h);
        let mut v = h.finish();
        for _ in 0..8 {
            out.push(ALPHABET[(v & 31) as usize] as char);
            v >>= 5;
        }
    }
    out
}

/// Store paths made by a test. When this process may write /nix/store (root,
/// as in CI) they are made there for real, so the inputs look exactly like
/// Nix outputs: absolute /nix/store interpreters and RUNPATHs. Otherwise they
/// go to TMP/nix/store, which compat detects the same way (a store path is
/// found by its `/nix/store/<hash>-` part wherever it is). Removed on drop.
pub struct FakeStore {
    pub dir: PathBuf,
    made: Vec<PathBuf>,
    made_store_dir: bool,
}

impl FakeStore {
    pub fn new(tmp: &Path) -> FakeStore {
        let real = Path::new("/nix/store");
        let existed = real.is_dir();
        if fs::create_dir_all(real).is_ok() {
            let probe = real.join(format!("{}-compat-bundle-probe", nix_hash("probe")));
            if fs::create_dir(&probe).is_ok() {
                let _ = fs::remove_dir(&probe);
                return FakeStore { dir: real.to_path_buf(), made: Vec::new(), made_store_dir: !existed };
            }
        }
        let dir = tmp.join("nix/store");
        fs::create_dir_all(&dir).unwrap();
        eprintln!("note: /nix/store is not writable; the fake store is {}", dir.display());
        FakeStore { dir, made: Vec::new(), made_store_dir: false }
    }

    /// Makes the store path `<hash>-<name>` and returns it.
    pub fn path(&mut self, name: &str) -> PathBuf {
        let p = self.dir.join(format!("{}-{name}", nix_hash(name)));
        fs::create_dir_all(&p).unwrap();
        self.made.push(p.clone());
        p
    }
}

impl Drop for FakeStore {
    fn drop(&mut self) {
        for p in &self.made {
            let _ = fs::remove_dir_all(p);
        }
        if self.made_store_dir {
            // Only when empty: someone else may have started to use it.
            let _ = fs::remove_dir(&self.dir);
            let _ = fs::remove_dir("/nix");
        }
    }
}

/// Copies a file (following symlinks), creating the parent dirs.
pub fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    fs::copy(from, to).unwrap_or_else(|e| panic!("copy {} -> {}: {e}", from.display(), to.display()));
}

pub fn patchelf(args: &[&str], file: &Path) -> String {
    let out = Command::new("patchelf").args(args).arg(file).output().expect("run patchelf");
    assert!(out.status.success(), "patchelf {args:?} {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim_end().to_string()
}

/// The Nix-like layout of the zlib demo: glibc 2.31 and zlib 1.2.11 from the
/// Debian 11 sysroot as store paths, and the demo's own output with the
/// program (interpreter and RUNPATH pointing into those store paths), a
/// makeWrapper-style wrapper and a data file.
pub struct ZdemoStore {
    pub zlib: PathBuf,
    pub out: PathBuf,
}

pub fn make_zdemo_store(store: &mut FakeStore, bullseye: &Path, work: &Path, cflags: &[String]) -> ZdemoStore {
    let sysroot_lib = bullseye.join("sysroot/lib/x86_64-linux-gnu");
    let glibc = store.path("glibc-2.31");
    copy(&sysroot_lib.join("ld-2.31.so"), &glibc.join("lib/ld-linux-x86-64.so.2"));
    copy(&sysroot_lib.join("libc-2.31.so"), &glibc.join("lib/libc.so.6"));
    let zlib = store.path("zlib-1.2.11");
    copy(&sysroot_lib.join("libz.so.1.2.11"), &zlib.join("lib/libz.so.1.2.11"));
    symlink("libz.so.1.2.11", zlib.join("lib/libz.so.1")).unwrap();

    let out = store.path("zdemo-1.0");
    let program = work.join("zdemo");
    let mut flags: Vec<&str> = cflags.iter().map(String::as_str).collect();
    flags.push("-lz");
    crate::common::compile(ZDEMO_C, &program, false, &flags);
    let wrapped = out.join("bin/.zdemo-wrapped");
    copy(&program, &wrapped);
    let interp = glibc.join("lib/ld-linux-x86-64.so.2");
    let runpath = format!("{}:{}", zlib.join("lib").display(), glibc.join("lib").display());
    patchelf(&["--set-interpreter", interp.to_str().unwrap(), "--set-rpath", &runpath], &wrapped);

    fs::create_dir_all(out.join("share/zdemo")).unwrap();
    fs::write(out.join("share/zdemo/message.txt"), "hello from the bundle's share dir\n").unwrap();
    let bash = store.dir.join(format!("{}-bash-5.2p26/bin/bash", nix_hash("bash")));
    let wrapper = format!(
        "#! {bash} -e\nexport ZDEMO_DATA='{data}'\nexec -a \"$0\" \"{wrapped}\"  \"$@\"\n",
        bash = bash.display(),
        data = out.join("share/zdemo/message.txt").display(),
        wrapped = wrapped.display()
    );
    let wrapper_path = out.join("bin/zdemo");
    crate::common::write_executable(&wrapper_path, wrapper, 0o555);
    ZdemoStore { zlib, out }
}

/// A temp dir holding a FakeStore with the zlib demo in it
/// (`make_zdemo_store`, built against the Debian 11 sysroot at `bullseye`).
/// Bind all three (`let (tmp, _store, z) = ...`): the store paths go when
/// the store is dropped, the temp dir after it.
pub fn zdemo_in_temp_store(bullseye: &Path) -> (tempfile::TempDir, FakeStore, ZdemoStore) {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = FakeStore::new(tmp.path());
    let z = make_zdemo_store(&mut store, bullseye, tmp.path(), &crate::common::bullseye_cflags(bullseye));
    (tmp, store, z)
}

/// Runs `compat bundle --glibc 2.31 --kernel 5.10 ARGS...`: an ad-hoc
/// target of Debian 11's glibc and kernel, whose base libraries are glibc's
/// only (so zlib is vendored).
pub fn bundle_for_glibc_2_31(args: &[&str]) -> Output {
    crate::common::compat(&[&["bundle", "--glibc", "2.31", "--kernel", "5.10"], args].concat())
}

/// Every regular file under `root` whose bytes hold `needle`.
pub fn files_containing(root: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let t = entry.file_type().unwrap();
            if t.is_dir() {
                stack.push(entry.path());
            } else if t.is_file() {
                let bytes = fs::read(entry.path()).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle) {
                    hits.push(entry.path());
                }
            }
        }
    }
    hits
}

/// True when this process runs as root (chroot needs it).
pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// Unpacks Debian 11's libc6 .deb (from the sysroot's package cache) into `root`.
pub fn libc6_root(bullseye: &Path, root: &Path) {
    let deb = fs::read_dir(bullseye.join("debs"))
        .expect("the Debian 11 package cache")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("libc6_"))
        .expect("libc6_*.deb in COMPAT_BULLSEYE/debs");
    let out = Command::new("dpkg-deb").arg("-x").arg(&deb).arg(root).output().expect("run dpkg-deb");
    assert!(out.status.success(), "dpkg-deb -x {}: {}", deb.display(), String::from_utf8_lossy(&out.stderr));
    assert!(root.join("lib64/ld-linux-x86-64.so.2").symlink_metadata().is_ok(), "libc6 has the loader");
    assert!(!root.join("lib/x86_64-linux-gnu/libz.so.1").exists(), "the chroot must not provide zlib");
}
