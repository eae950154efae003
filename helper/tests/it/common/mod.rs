//! Shared by the integration tests: the compat binary, compiling fixtures at
//! test time, the fixture programs the scan tests build, reading a scan
//! report, and the Debian 11 sysroot that scripts/debian-bullseye.sh makes.

use serde_json::Value;
use std::{
    env,
    path::{Path, PathBuf},
    process::{Command, Output},
};

/// Path of the `compat` binary cargo built for this test run.
pub fn compat_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_compat"))
}

/// Runs `compat ARGS...` and returns its output. The fact cache goes to a
/// fresh temporary directory: tests never touch the user's cache and never
/// depend on each other.
pub fn compat(args: &[&str]) -> Output {
    let cache = tempfile::tempdir().expect("temp cache dir");
    Command::new(compat_bin()).args(args).env("XDG_CACHE_HOME", cache.path()).output().expect("run compat")
}

/// Writes an executable file that this test (or a program it starts) will
/// run. The bytes are written by a child process (`install`), never through a
/// file descriptor of this process: tests run in parallel threads, and a
/// thread forking while this process held the file open for writing would
/// carry that descriptor into its child, so exec'ing the file races with
/// ETXTBSY ("Text file busy"). A child's descriptor is gone when it exits.
pub fn write_executable(path: &Path, contents: impl AsRef<[u8]>, mode: u32) {
    let staging = tempfile::NamedTempFile::new().expect("staging file for an executable");
    std::fs::write(staging.path(), contents).expect("write the staged executable");
    let status = Command::new("install")
        .arg("-m")
        .arg(format!("{mode:o}"))
        .arg(staging.path())
        .arg(path)
        .status()
        .expect("run install");
    assert!(status.success(), "install {} failed: {status}", path.display());
}

/// A test that cannot run here says so and returns: prints `SKIP: {why}`.
/// Under CI (`CI` set) scripts/install-deps.sh and scripts/test.sh provide
/// everything such a test needs, so there a missing one is a failure.
pub fn skip(why: &str) {
    assert!(env::var_os("CI").is_none(), "under CI, where it must not be missing: {why}");
    eprintln!("SKIP: {why}");
}

/// The path an environment variable names, when it is set and not empty;
/// a path named that does not exist is a failure (a misspelt path must not
/// pass as a skipped test).
fn path_from_env(var: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env::var_os(var).filter(|v| !v.is_empty())?);
    assert!(p.exists(), "{var}={} does not exist", p.display());
    Some(p)
}

/// A prerequisite given by environment variable, which scripts/test.sh
/// always provides: when it is missing the test `skip`s (a failure under CI).
pub fn prerequisite(var: &str, what: &str) -> Option<PathBuf> {
    let p = path_from_env(var);
    if p.is_none() {
        skip(&format!("{var} is unset ({what}); run scripts/test.sh to provide it"));
    }
    p
}

/// An optional input given by environment variable, which even CI may lack
/// (so a missing one is never a failure): when it is unset the test prints a
/// SKIP line naming the variable, what it names and what is `untested`.
pub fn optional_input(var: &str, what: &str, untested: &str) -> Option<PathBuf> {
    let p = path_from_env(var);
    if p.is_none() {
        eprintln!("SKIP: {var} is unset ({what}); {untested}");
    }
    p
}

/// A nixpkgs-derived tree from `COMPAT_NIXPKGS` (none can be fetched under
/// CI, so it is optional there too).
pub fn nixpkgs_tree(untested: &str) -> Option<PathBuf> {
    optional_input("COMPAT_NIXPKGS", "a nixpkgs-derived tree, e.g. a checkout of github:auxolotl/core", untested)
}

/// A Nix program (nix-instantiate, nix-build, ...) on PATH, or a `skip`.
pub fn nix_tool(name: &str) -> Option<PathBuf> {
    tool(name, "scripts/install-deps.sh installs nix-bin")
}

/// The program `name` on PATH, or a `skip` saying how to get it.
pub fn tool(name: &str, hint: &str) -> Option<PathBuf> {
    let found = which::which(name).ok();
    if found.is_none() {
        skip(&format!("{name} not found ({hint})"));
    }
    found
}

/// The Debian 11 sysroot root dir made by scripts/debian-bullseye.sh (the
/// directory holding `sysroot/` and `cflags`), from `COMPAT_BULLSEYE`.
pub fn bullseye() -> Option<PathBuf> {
    prerequisite("COMPAT_BULLSEYE", "Debian 11 sysroot from scripts/debian-bullseye.sh")
}

/// gcc flags that compile and link against the Debian 11 sysroot.
pub fn bullseye_cflags(root: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(root.join("cflags")).expect("read cflags of the bullseye sysroot");
    text.split_whitespace().map(str::to_string).collect()
}

/// Compiles `source` (C, or C++ when `cxx`) into `out` with extra `flags`.
/// Panics with the compiler's message when it fails: a fixture that does not
/// build is a broken test, never a pass.
pub fn compile(source: &str, out: &Path, cxx: bool, flags: &[&str]) {
    let dir = out.parent().expect("output has a parent dir");
    let stem = out.file_name().expect("output has a name").to_string_lossy().into_owned();
    let src = dir.join(format!("{stem}.{}", if cxx { "cc" } else { "c" }));
    std::fs::write(&src, source).expect("write fixture source");
    let compiler = if cxx { "g++" } else { "gcc" };
    let output =
        Command::new(compiler).arg("-o").arg(out).arg(&src).args(flags).output().expect("run the system compiler");
    assert!(
        output.status.success(),
        "{compiler} failed on fixture {stem}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

// Fixture programs the scan tests build, each needing a known version:
// gettid (GLIBC_2.30), sigabbrev_np and __libc_single_threaded (GLIBC_2.32),
// arc4random (GLIBC_2.36), RELR (GLIBC_ABI_DT_RELR when linked with
// -z pack-relative-relocs), CONDVAR (condition_variable::wait, GLIBCXX_3.4.30
// when built with GCC 12).
pub const GETTID: &str =
    "#define _GNU_SOURCE\n#include <unistd.h>\n#include <stdio.h>\nint main(void){printf(\"%d\\n\", (int)gettid());return 0;}\n";
pub const ARC4RANDOM: &str =
    "#include <stdlib.h>\n#include <stdio.h>\nint main(void){printf(\"%u\\n\", arc4random());return 0;}\n";
pub const SIGABBREV: &str =
    "#define _GNU_SOURCE\n#include <string.h>\n#include <stdio.h>\nint main(void){puts(sigabbrev_np(2));return 0;}\n";
pub const SINGLE_THREADED: &str =
    "#include <sys/single_threaded.h>\nint main(void){return __libc_single_threaded ? 0 : 1;}\n";
pub const RELR: &str = "#include <stdio.h>\nstatic const char *t[] = {\"a\", \"b\", \"c\"};\n\
                    int main(int c, char **v){(void)v; puts(t[c % 3]);return 0;}\n";
pub const CONDVAR: &str = "#include <condition_variable>\n#include <mutex>\n#include <iostream>\n\
    std::mutex m; std::condition_variable cv; bool ready = true;\n\
    int main(){ std::unique_lock<std::mutex> lk(m); cv.wait(lk, []{ return ready; }); std::cout << \"ok\" << std::endl; return 0; }\n";

/// The entry for `path` in the `files` of a `compat scan --json` report.
pub fn report_file<'r>(report: &'r Value, path: &Path) -> &'r Value {
    report["files"]
        .as_array()
        .expect("the report has files")
        .iter()
        .find(|f| f["path"] == path.display().to_string())
        .unwrap_or_else(|| panic!("{} not in report {report:#}", path.display()))
}

/// The aarch64 cross compiler, when it can build a program: probed by
/// compiling and linking a tiny C program against its C library, since the
/// compiler alone (gcc-aarch64-linux-gnu installed without its recommended
/// libc6-dev-arm64-cross) finds no headers. When it cannot, the test prints
/// a SKIP line and gets `None` -- except under CI (`CI` set), where
/// scripts/install-deps.sh installs both, so it is a failure.
pub fn aarch64_gcc() -> Option<PathBuf> {
    let hint = "scripts/install-deps.sh installs gcc-aarch64-linux-gnu and libc6-dev-arm64-cross";
    let gcc = tool("aarch64-linux-gnu-gcc", hint)?;
    let dir = tempfile::tempdir().expect("temp dir for the aarch64 probe");
    let src = dir.path().join("probe.c");
    std::fs::write(&src, "#include <unistd.h>\nint main(void) { return (int)getpid(); }\n")
        .expect("write probe source");
    let out = Command::new(&gcc).arg("-o").arg(dir.path().join("probe")).arg(&src).output().expect("run aarch64 gcc");
    if out.status.success() {
        return Some(gcc);
    }
    let why = String::from_utf8_lossy(&out.stderr);
    skip(&format!(
        "aarch64-linux-gnu-gcc cannot build a program ({hint}): {}",
        why.lines().find(|l| l.contains("error")).unwrap_or(why.trim())
    ));
    None
}
