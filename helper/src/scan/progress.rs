//! Progress on stderr for long scans, only when stderr is a terminal (the
//! caller decides); one line, rewritten in place, erased at the end.

use std::{
    io::Write,
    sync::atomic::{AtomicUsize, Ordering},
    time::Instant,
};

/// Scans shorter than this many files show no progress.
const MIN_FILES: usize = 500;

pub(crate) struct Progress {
    enabled: bool,
    total: usize,
    done: AtomicUsize,
    start: Instant,
}

impl Progress {
    pub(crate) fn new(enabled: bool, total: usize) -> Progress {
        Progress { enabled: enabled && total >= MIN_FILES, total, done: AtomicUsize::new(0), start: Instant::now() }
    }

    /// One more file done; redraws every 256 files once a second has passed.
    pub(crate) fn tick(&self) {
        if !self.enabled {
            return;
        }
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if done % 256 == 0 && self.start.elapsed().as_secs() >= 1 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\rcompat scan: {done}/{} files", self.total);
            let _ = err.flush();
        }
    }

    /// Erases the progress line.
    pub(crate) fn finish(&self) {
        if self.enabled && self.start.elapsed().as_secs() >= 1 {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
