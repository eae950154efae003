//! A writer for the "newc" cpio format, the one the kernel unpacks as an
//! initramfs: directories, regular files, symlinks and device nodes.

use std::collections::BTreeSet;

/// An archive being built in memory. Parent directories are added on demand.
#[derive(Default)]
pub(crate) struct Cpio {
    out: Vec<u8>,
    next_ino: u32,
    dirs: BTreeSet<String>,
}

const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;

impl Cpio {
    pub(crate) fn new() -> Cpio {
        Cpio::default()
    }

    /// A directory (and its parents).
    pub(crate) fn dir(&mut self, path: &str) {
        let path = path.trim_matches('/');
        if path.is_empty() || self.dirs.contains(path) {
            return;
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent);
        }
        self.dirs.insert(path.to_string());
        self.entry(path, S_IFDIR | 0o755, 0, &[]);
    }

    /// A regular file with `mode` permission bits.
    pub(crate) fn file(&mut self, path: &str, mode: u32, data: &[u8]) {
        self.parent(path);
        self.entry(path.trim_start_matches('/'), S_IFREG | (mode & 0o7777), 0, data);
    }

    pub(crate) fn symlink(&mut self, path: &str, target: &str) {
        self.parent(path);
        self.entry(path.trim_start_matches('/'), S_IFLNK | 0o777, 0, target.as_bytes());
    }

    /// A character device node.
    pub(crate) fn char_device(&mut self, path: &str, major: u32, minor: u32) {
        self.parent(path);
        self.entry(path.trim_start_matches('/'), S_IFCHR | 0o600, (major << 16) | minor, &[]);
    }

    /// The archive, with its trailer.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, 0, &[]);
        self.out
    }

    fn parent(&mut self, path: &str) {
        if let Some((parent, _)) = path.trim_start_matches('/').rsplit_once('/') {
            self.dir(parent);
        }
    }

    /// `rdev` packs major << 16 | minor.
    fn entry(&mut self, name: &str, mode: u32, rdev: u32, data: &[u8]) {
        self.next_ino += 1;
        let nlink = if mode & S_IFDIR != 0 { 2 } else { 1 };
        let fields = [
            self.next_ino,
            mode,
            0,
            0,
            nlink,
            0,
            data.len() as u32,
            0,
            0,
            rdev >> 16,
            rdev & 0xffff,
            name.len() as u32 + 1,
            0,
        ];
        self.out.extend_from_slice(b"070701");
        for f in fields {
            self.out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while self.out.len() % 4 != 0 {
            self.out.push(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn cpio_tool_lists_and_extracts_what_we_wrote() {
        let mut c = Cpio::new();
        c.file("/a/b/hello", 0o755, b"hi\n");
        c.symlink("/a/link", "b/hello");
        c.char_device("/dev/console", 5, 1);
        let archive = c.finish();
        let Ok(cpio) = which::which("cpio") else {
            assert!(std::env::var_os("CI").is_none(), "cpio is missing under CI");
            eprintln!("SKIP: cpio is missing");
            return;
        };
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("x.cpio");
        std::fs::write(&path, &archive).unwrap();
        let out = Command::new(&cpio).args(["-itv", "-F"]).arg(&path).output().unwrap();
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for want in ["a/b/hello", "a/link -> b/hello", "dev/console", "drwxr-xr-x"] {
            assert!(listing.contains(want), "{want} missing from\n{listing}");
        }
        let status = Command::new(&cpio)
            .current_dir(dir.path())
            .args(["-id", "--quiet", "-F"])
            .arg(&path)
            .args(["a/b/hello", "a/link"])
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(std::fs::read(dir.path().join("a/link")).unwrap(), b"hi\n");
    }
}
