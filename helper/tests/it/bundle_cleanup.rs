//! An unfinished `compat bundle` leaves nothing behind: not on an error, not
//! on SIGINT or SIGTERM. No output directory, no staging directory (next to
//! the output, or in TMPDIR), no partial archive; and what the user had
//! before (an empty --dir, an archive being replaced) is untouched.
//!
//! The bundle is stopped at a known point without racing it: the patchelf it
//! is given is a stand-in that records its pid and then blocks (a tool that
//! is slow), so the bundle cannot finish before the signal arrives, whether
//! the signal lands during the copy or while patchelf runs.

use crate::common;

use std::{
    fs,
    os::unix::process::CommandExt,
    path::PathBuf,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

/// The work area of one test: the input, the output's parent, TMPDIR and
/// the stand-in patchelf.
struct Work {
    _tmp: tempfile::TempDir,
    app: PathBuf,
    out: PathBuf,
    tmpdir: PathBuf,
    patchelf: PathBuf,
    /// Where the stand-in patchelf writes its pid when it runs.
    mark: PathBuf,
}

impl Drop for Work {
    fn drop(&mut self) {
        // The blocking stand-in outlives compat when compat was interrupted.
        if let Ok(pid) = fs::read_to_string(&self.mark) {
            let _ = Command::new("kill").arg("-KILL").arg(pid.trim()).status();
        }
    }
}

/// `app/bin/hello` (built here, with an RPATH so patchelf is needed to remove
/// it) and 48 MiB of data in 48 files, so copying takes a while.
fn work(patchelf_body: &str) -> Work {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let app = root.join("app");
    fs::create_dir_all(app.join("bin")).unwrap();
    let hello = app.join("bin/hello");
    common::compile(
        "#include <stdio.h>\nint main(void){puts(\"hello\");return 0;}\n",
        &hello,
        false,
        &["-Wl,-rpath,/opt/compat-test-nowhere"],
    );
    fs::remove_file(app.join("bin/hello.c")).unwrap();
    fs::create_dir_all(app.join("share/data")).unwrap();
    let blob: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    for i in 0..48 {
        fs::write(app.join(format!("share/data/blob-{i:02}")), &blob).unwrap();
    }
    let (out, tmpdir, tools) = (root.join("out"), root.join("tmpdir"), root.join("tools"));
    for d in [&out, &tmpdir, &tools] {
        fs::create_dir_all(d).unwrap();
    }
    let mark = tools.join("patchelf-pid");
    let patchelf = tools.join("patchelf");
    let script = format!("#!/bin/sh\n{}\n", patchelf_body.replace("MARK", mark.to_str().unwrap()));
    common::write_executable(&patchelf, script, 0o755);
    Work { _tmp: tmp, app, out, tmpdir, patchelf, mark }
}

/// A patchelf that records its pid, then blocks until killed (at most 10 minutes).
const BLOCKING: &str = "echo $$ > MARK.tmp && mv MARK.tmp MARK\nexec sleep 600 </dev/null >/dev/null 2>&1";
/// A patchelf that fails.
const FAILING: &str = "echo 'patchelf: simulated failure' >&2\nexit 1";

impl Work {
    fn command(&self, outputs: &[&str]) -> Command {
        let mut cmd = Command::new(common::compat_bin());
        cmd.args(["bundle", "--glibc", "2.36", "--kernel", "5.10"])
            .arg(&self.app)
            .args(outputs)
            .arg("--patchelf")
            .arg(&self.patchelf)
            .env("TMPDIR", &self.tmpdir)
            .current_dir(&self.out)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // compat keeps a signal ignored when it was ignored at its start (as
        // under nohup, or a shell's `&` without job control), and the test
        // runner may have been started so. The signals these tests send must
        // reach compat's own handlers: give it the default dispositions.
        // SAFETY: signal(2) is async-signal-safe; the closure touches nothing else.
        unsafe {
            cmd.pre_exec(|| {
                for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                    libc::signal(sig, libc::SIG_DFL);
                }
                Ok(())
            });
        }
        cmd
    }

    /// Everything in the output's parent and in TMPDIR.
    fn left_over(&self) -> Vec<PathBuf> {
        let mut all = Vec::new();
        for dir in [&self.out, &self.tmpdir] {
            all.extend(fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()));
        }
        all.sort();
        all
    }

    fn started_writing(&self) -> bool {
        !self.left_over().is_empty()
    }

    fn patchelf_runs(&self) -> bool {
        self.mark.exists()
    }
}

/// Waits until `ready` holds (polling), failing with compat's output if it exits first.
fn wait_until(child: &mut Child, what: &str, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !ready() {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut err).unwrap();
            }
            panic!("compat ended ({status}) before {what}: {err}");
        }
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal(child: &Child, sig: libc::c_int) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on the pid of our own child, which has not been reaped yet.
    assert_eq!(unsafe { libc::kill(pid, sig) }, 0);
}

fn assert_interrupted(out: &Output, code: i32, work: &Work) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "exit status 128+signal: {:?} {err}", out.status);
    assert!(err.contains("interrupted"), "{err}");
    assert_eq!(work.left_over(), Vec::<PathBuf>::new(), "nothing is left behind: {err}");
    assert_eq!(fs::read_dir(work.app.join("share/data")).unwrap().count(), 48, "the input is untouched");
}

/// Starts a bundle with `args` (its patchelf blocks), waits until `ready`,
/// sends `sig`, and checks the bundle ended interrupted with exit status
/// `code`, leaving nothing behind.
fn interrupt(args: &[&str], what: &str, ready: fn(&Work) -> bool, sig: libc::c_int, code: i32) {
    let w = work(BLOCKING);
    let mut child = w.command(args).spawn().unwrap();
    wait_until(&mut child, what, || ready(&w));
    assert!(w.started_writing(), "the bundle is half-made when the signal comes");
    signal(&child, sig);
    let out = child.wait_with_output().unwrap();
    assert_interrupted(&out, code, &w);
}

#[test]
fn sigint_during_the_copy_leaves_no_directory() {
    interrupt(&["--dir", "dist"], "the bundle started writing", Work::started_writing, libc::SIGINT, 130);
}

#[test]
fn sigterm_while_patchelf_runs_leaves_no_staging_dir_and_no_partial_archive() {
    interrupt(&["-o", "app.tar.gz", "--dir", "dist"], "patchelf runs", Work::patchelf_runs, libc::SIGTERM, 143);
}

#[test]
fn sigint_with_only_an_archive_leaves_nothing_in_tmpdir() {
    interrupt(&["-o", "app.tar.gz"], "patchelf runs", Work::patchelf_runs, libc::SIGINT, 130);
}

#[test]
fn a_failing_bundle_leaves_nothing_and_keeps_what_was_there() {
    let w = work(FAILING);
    let out = w.command(&["-o", "app.tar.gz", "--dir", "dist"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("simulated failure"), "{err}");
    assert_eq!(w.left_over(), Vec::<PathBuf>::new(), "{err}");

    // An empty --dir the user made stays, empty; an archive being replaced stays as it was.
    fs::create_dir(w.out.join("dist")).unwrap();
    fs::write(w.out.join("app.tar.gz"), "the previous archive").unwrap();
    let out = w.command(&["-o", "app.tar.gz", "--dir", "dist"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(w.left_over(), vec![w.out.join("app.tar.gz"), w.out.join("dist")]);
    assert_eq!(fs::read_dir(w.out.join("dist")).unwrap().count(), 0);
    assert_eq!(fs::read_to_string(w.out.join("app.tar.gz")).unwrap(), "the previous archive");
}

#[test]
fn an_archive_onto_an_existing_directory_is_refused_up_front() {
    let w = work(FAILING);
    let target = w.out.join("app.tar.gz");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("keep"), "mine").unwrap();
    let out = w.command(&["-o", "app.tar.gz"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("-o app.tar.gz: is a directory"), "{err}");
    assert!(!err.contains("simulated failure"), "refused before any work: {err}");
    assert_eq!(w.left_over(), vec![target.clone()], "no partial file: {err}");
    assert_eq!(fs::read_to_string(target.join("keep")).unwrap(), "mine");
}

#[test]
fn a_finished_bundle_is_moved_into_place_and_tmpdir_is_not_used() {
    let w = work("exec patchelf \"$@\"");
    let out = w.command(&["-o", "app.tar.gz", "--dir", "dist"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(w.left_over(), vec![w.out.join("app.tar.gz"), w.out.join("dist")]);
    assert!(w.out.join("dist/compat-manifest.json").is_file());
    assert_eq!(fs::read_dir(w.out.join("dist/share/data")).unwrap().count(), 48);
    let run = Command::new(w.out.join("dist/bin/hello")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "hello\n");
    let list = Command::new("tar").arg("tzf").arg(w.out.join("app.tar.gz")).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(list.lines().any(|l| l == "app/bin/hello"), "{list}");
    assert!(!list.contains("partial") && !list.contains("staging"), "{list}");
}
