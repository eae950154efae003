//! Nothing of an unfinished bundle stays behind: not on an error, not on
//! SIGINT, SIGTERM or SIGHUP.
//!
//! Every path a bundle run makes outside its staging directory's contents
//! (the staging directory itself, missing parents of the destination, the
//! partial archive) is a [`Made`]: registered when it is made, removed with
//! everything under it when dropped unless kept. Every change to the
//! filesystem runs under one lock ([`writing`], [`hold`]); the registry is
//! that lock's data.
//!
//! With [`remove_on_signals`] (the CLI calls it), a signal handler records
//! the signal and wakes a thread, which takes the lock -- waiting for the
//! change in progress to finish; no new one starts once the signal is
//! recorded -- removes everything registered and exits with 128 + the
//! signal number (130 for SIGINT, 143 for SIGTERM). A second signal while
//! that runs ends the process at once.

use std::{
    fs::{self, File},
    io::{self, Read},
    os::unix::io::FromRawFd,
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, AtomicI32, Ordering},
        Mutex, MutexGuard,
    },
};

/// Paths made by this run that go when it does not finish.
static MADE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// The signal that interrupted the run; 0 while none did.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// The write end of the pipe that wakes the cleaning thread.
static WAKE: AtomicI32 = AtomicI32::new(-1);
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The registry, locked: no interruption cleans up while it is held.
pub(crate) struct Held(MutexGuard<'static, Vec<PathBuf>>);

/// Takes the lock, for a change to the filesystem that must not be split by
/// an interruption. Once a signal is recorded this never returns: the
/// process is about to end, and nothing more may be written.
pub(crate) fn hold() -> Held {
    let guard = MADE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if SIGNAL.load(Ordering::SeqCst) != 0 {
        drop(guard);
        loop {
            std::thread::park();
        }
    }
    Held(guard)
}

/// Runs `change` (a write into the bundle being made) under the lock.
pub(crate) fn writing<T>(change: impl FnOnce() -> T) -> T {
    let _held = hold();
    change()
}

/// A path this run made: removed, with everything under it, when dropped
/// (or when the run is interrupted) unless kept.
#[derive(Debug)]
pub(crate) struct Made {
    path: PathBuf,
    kept: bool,
}

impl Made {
    /// Makes the directory `path` (its parent must exist).
    pub(crate) fn dir(path: &Path) -> io::Result<Made> {
        let mut held = hold();
        fs::create_dir(path)?;
        Ok(held.register(path))
    }

    /// Makes `path` and its missing parents; the topmost one made is
    /// registered. `None` when `path` exists already.
    pub(crate) fn dir_all(path: &Path) -> io::Result<Option<Made>> {
        let mut held = hold();
        let missing = |a: &&Path| !a.as_os_str().is_empty() && fs::symlink_metadata(a).is_err();
        let Some(top) = path.ancestors().take_while(missing).last() else {
            return Ok(None);
        };
        let top = top.to_path_buf();
        let made = fs::create_dir_all(path);
        // Registered even when only part of the chain could be made.
        let registered = held.register(&top);
        made.map(|()| Some(registered))
    }

    /// Creates the new file `path` (it must not exist).
    pub(crate) fn file(path: &Path) -> io::Result<(File, Made)> {
        let mut held = hold();
        let file = File::options().write(true).create_new(true).open(path)?;
        Ok((file, held.register(path)))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Leaves it where it is (or where it was renamed to, under `held`).
    pub(crate) fn keep(mut self, held: &mut Held) {
        held.0.retain(|p| p != &self.path);
        self.kept = true;
    }
}

impl Held {
    fn register(&mut self, path: &Path) -> Made {
        self.0.push(path.to_path_buf());
        Made { path: path.to_path_buf(), kept: false }
    }
}

impl Drop for Made {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        let mut held = hold();
        remove(&self.path);
        held.0.retain(|p| p != &self.path);
    }
}

fn remove(path: &Path) {
    let is_dir = fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
    let _ = if is_dir { fs::remove_dir_all(path) } else { fs::remove_file(path) };
}

/// Makes SIGINT, SIGTERM and SIGHUP remove what this run made and exit
/// with 128 + the signal number. A signal ignored when compat started
/// (`nohup`) stays ignored. Once per process.
pub(crate) fn remove_on_signals() -> io::Result<()> {
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills the two-element array we own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    WAKE.store(fds[1], Ordering::SeqCst);
    // SAFETY: fds[0] was just opened and belongs to nothing else.
    let mut wake = unsafe { File::from_raw_fd(fds[0]) };
    std::thread::Builder::new().name("compat-cleanup".into()).spawn(move || {
        let mut byte = [0u8];
        if wake.read_exact(&mut byte).is_ok() {
            clean_up_and_exit(SIGNAL.load(Ordering::SeqCst));
        }
    })?;
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: sigaction with zero-initialised structs (a valid "no flags,
        // empty mask" value); the handler only touches atomics and write(2),
        // which are async-signal-safe.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &mut old) != 0 {
                return Err(io::Error::last_os_error());
            }
            if old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

extern "C" fn on_signal(signal: libc::c_int) {
    if SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst).is_err() {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + signal) };
    }
    let byte = [signal as u8];
    // SAFETY: write(2) on the pipe's write end, from a buffer we own; async-signal-safe.
    unsafe { libc::write(WAKE.load(Ordering::SeqCst), byte.as_ptr().cast(), 1) };
}

fn clean_up_and_exit(signal: i32) -> ! {
    // Waits for the change in progress; none starts after it (see `hold`).
    let mut made = MADE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let removed = !made.is_empty();
    for path in made.drain(..).rev() {
        remove(&path);
    }
    let name = match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    };
    if removed {
        eprintln!("compat bundle: interrupted by {name}; the unfinished bundle is removed");
    } else {
        eprintln!("compat bundle: interrupted by {name}");
    }
    std::process::exit(128 + signal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_paths_go_unless_kept() {
        let dir = tempfile::tempdir().unwrap();
        let staging = Made::dir(&dir.path().join("staging")).unwrap();
        writing(|| fs::write(staging.path().join("f"), "x")).unwrap();
        let parents = Made::dir_all(&dir.path().join("a/b/c")).unwrap().unwrap();
        assert_eq!(parents.path(), dir.path().join("a"), "the topmost dir made is registered");
        assert!(Made::dir_all(&dir.path().join("a/b")).unwrap().is_none(), "nothing made");
        let (_, partial) = Made::file(&dir.path().join("partial")).unwrap();
        assert!(Made::file(&dir.path().join("partial")).is_err(), "never an existing file");
        drop(staging);
        drop(parents);
        let kept = Made::dir(&dir.path().join("kept")).unwrap();
        kept.keep(&mut hold());
        drop(partial);
        let mut left: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        left.sort();
        assert_eq!(left, vec!["kept"]);
        assert!(!hold().0.iter().any(|p| p.starts_with(dir.path())), "nothing left registered");
    }
}
