//! Turning the paths a user gives into the files to read: directories are
//! walked (sorted, so reports are stable), symlinks followed, each directory
//! and file visited once (so symlink loops end), and FIFOs, sockets and
//! devices never opened.
//!
//! The rule for what is not a regular file or directory:
//!
//! - met inside a directory, a device, FIFO or socket, or a symlink to one,
//!   is skipped without being opened and counted ([`Walk::special`]), as is a
//!   dangling symlink ([`Walk::dangling`]): none of them is an ELF file
//!   (systemd's masked units are symlinks to /dev/null under /usr/lib);
//! - named on the command line, each is an error naming it: the user asked
//!   for a file that cannot be scanned;
//! - a symlink loop, or a path that cannot be read (permission denied), is
//!   an error wherever it is met.

use std::{
    collections::HashSet,
    fs,
    io::ErrorKind,
    os::unix::fs::{DirEntryExt, FileTypeExt, MetadataExt},
    path::{Path, PathBuf},
};

use rayon::prelude::*;

/// A regular file to read, under the path it was reached by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Input {
    pub(crate) path: PathBuf,
    /// The path's last component is a symlink (or could not be told apart
    /// from one): its real path must be resolved in full.
    pub(crate) symlink: bool,
}

/// A path that could not be walked or is not a regular file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WalkError {
    pub(crate) path: PathBuf,
    pub(crate) message: String,
}

/// The files found under the given paths, and what went wrong on the way.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    pub(crate) files: Vec<Input>,
    pub(crate) errors: Vec<WalkError>,
    /// The given paths that are directories.
    pub(crate) root_dirs: Vec<PathBuf>,
    /// Devices, FIFOs and sockets (or symlinks to them) met inside a
    /// directory: skipped, never opened.
    pub(crate) special: usize,
    /// Dangling symlinks met inside a directory: skipped.
    pub(crate) dangling: usize,
}

/// Walks `roots` in order, by the rule in the module documentation.
pub(crate) fn walk(roots: &[PathBuf]) -> Walk {
    let mut walk = Walk::default();
    let mut seen_dirs = HashSet::new();
    let mut seen_files = HashSet::new();
    // The given paths are looked up on all cores first: a scan given
    // thousands of files (xargs) otherwise spends its first milliseconds
    // on one core, one stat after another.
    let stats: Vec<Stat> = roots.par_iter().map(|root| stat(root)).collect();
    for (root, looked_up) in roots.iter().zip(stats) {
        // Depth-first with an explicit stack: deep trees cannot overflow ours.
        let mut stack = vec![Pending { path: root.clone(), explicit: true, known: None, stat: Some(looked_up) }];
        while let Some(Pending { path, explicit, known, stat: given }) = stack.pop() {
            // A regular file met in a directory is known from the directory
            // entry itself (type and inode): no stat needed.
            if let Some((dev, ino)) = known {
                if seen_files.insert((dev, ino)) {
                    walk.files.push(Input { path, symlink: false });
                }
                continue;
            }
            let (symlink, meta) = given.unwrap_or_else(|| stat(&path));
            let meta = match meta {
                Ok(meta) => meta,
                Err(err) if symlink && err.kind() == ErrorKind::NotFound => {
                    if explicit {
                        let target = fs::read_link(&path).map_or(String::new(), |t| format!(" to {}", t.display()));
                        walk.errors.push(WalkError { message: format!("dangling symlink{target}"), path });
                    } else {
                        walk.dangling += 1;
                    }
                    continue;
                }
                Err(err) => {
                    walk.errors.push(WalkError { message: describe_error(&err), path });
                    continue;
                }
            };
            let id = (meta.dev(), meta.ino());
            let file_type = meta.file_type();
            if file_type.is_dir() {
                if explicit {
                    walk.root_dirs.push(path.clone());
                }
                if !seen_dirs.insert(id) {
                    continue;
                }
                match sorted_entries(&path, meta.dev()) {
                    Ok(entries) => stack.extend(entries.into_iter().rev()),
                    Err(err) => walk.errors.push(WalkError { message: describe_error(&err), path }),
                }
            } else if file_type.is_file() {
                if seen_files.insert(id) {
                    walk.files.push(Input { path, symlink });
                }
            } else if !explicit {
                walk.special += 1;
            } else {
                let what = if file_type.is_fifo() {
                    "a FIFO"
                } else if file_type.is_socket() {
                    "a socket"
                } else if file_type.is_char_device() || file_type.is_block_device() {
                    "a device"
                } else {
                    "not a regular file"
                };
                walk.errors.push(WalkError { message: format!("{what}; not opened"), path });
            }
        }
    }
    walk
}

/// A path still to visit; `known` is (device, inode) of a regular file whose
/// type the directory entry already told; `stat`, what [`stat`] gave for it
/// if it was called already.
struct Pending {
    path: PathBuf,
    explicit: bool,
    known: Option<(u64, u64)>,
    stat: Option<Stat>,
}

/// Whether a path is a symlink, and the metadata of what it leads to.
type Stat = (bool, std::io::Result<fs::Metadata>);

fn stat(path: &Path) -> Stat {
    match fs::symlink_metadata(path) {
        Ok(link) if link.file_type().is_symlink() => (true, fs::metadata(path)),
        Ok(meta) => (false, Ok(meta)),
        Err(err) => (false, Err(err)),
    }
}

fn sorted_entries(dir: &Path, dev: u64) -> std::io::Result<Vec<Pending>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        // d_type and d_ino come with the entry; a regular file (not a
        // symlink) cannot be a mount point of another device.
        let known = match entry.file_type() {
            Ok(t) if t.is_file() => Some((dev, entry.ino())),
            _ => None,
        };
        entries.push(Pending { path: entry.path(), explicit: false, known, stat: None });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}

/// An I/O error in words, with ELOOP spelt out.
pub(crate) fn describe_error(err: &std::io::Error) -> String {
    if err.raw_os_error() == Some(40) {
        return "symlink loop (too many levels of symbolic links)".into();
    }
    match err.kind() {
        ErrorKind::NotFound => "no such file or directory".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn follows_symlinks_once_and_reports_loops_and_fifos() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("sub")).unwrap();
        fs::write(root.join("sub/a"), b"a").unwrap();
        symlink(root.join("sub/a"), root.join("link-to-a")).unwrap();
        symlink(root, root.join("sub/up")).unwrap();
        symlink(root.join("loop2"), root.join("loop1")).unwrap();
        symlink(root.join("loop1"), root.join("loop2")).unwrap();
        symlink(root.join("missing"), root.join("dangling")).unwrap();
        let fifo = root.join("fifo");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());

        symlink(&fifo, root.join("link-to-fifo")).unwrap();
        symlink("/dev/null", root.join("masked.service")).unwrap();

        let found = walk(&[root.to_path_buf(), root.join("nope")]);
        // The file is listed once, under the first path that reaches it.
        assert_eq!(found.files, vec![Input { path: root.join("link-to-a"), symlink: true }]);
        let errors: Vec<(PathBuf, String)> = found.errors.into_iter().map(|e| (e.path, e.message)).collect();
        assert!(errors.iter().any(|(p, m)| p.ends_with("loop1") && m.contains("symlink loop")), "{errors:?}");
        assert!(errors.iter().any(|(p, m)| p.ends_with("nope") && m.contains("no such file")), "{errors:?}");
        // Inside a directory: the FIFO, the symlinks to it and to /dev/null are
        // skipped and counted, and so is the dangling symlink.
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!((found.special, found.dangling), (3, 1));

        // Named on the command line, each is an error naming it.
        let named = walk(&[fifo.clone(), root.join("masked.service"), root.join("dangling")]);
        let errors: Vec<(PathBuf, String)> = named.errors.into_iter().map(|e| (e.path, e.message)).collect();
        assert_eq!(
            errors,
            vec![
                (fifo, "a FIFO; not opened".to_string()),
                (root.join("masked.service"), "a device; not opened".to_string()),
                (root.join("dangling"), format!("dangling symlink to {}", root.join("missing").display())),
            ]
        );
        assert_eq!((named.special, named.dangling), (0, 0));
    }
}
