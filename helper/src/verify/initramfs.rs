//! The initramfs `compat verify` boots: a static busybox, the files to run,
//! the libraries they need, and an /init that runs every file and prints
//! markers [`super::report`] parses.
//!
//! Where the libraries come from is [`Libraries`]: from the target's root
//! (files under /verify/bin, their libraries under /verify/lib, the C
//! library always the target's, the target's program interpreter at the
//! path each file names), or from the files' own Nix closure, placed at its
//! own store paths ([`super::closure`]).

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    fs,
    path::{Path, PathBuf},
};

use anyhow::{bail, Context, Result};

use super::{closure::Closure, cpio::Cpio, sysroot};
use crate::{
    arch::{default_dirs, Arch},
    elf::{resolve::SearchPath, ElfInfo},
    profile::is_glibc_system_lib,
};

/// Marker lines of the /init script.
pub(crate) const BEGIN: &str = "@@compat-verify-begin";
pub(crate) const END: &str = "@@compat-verify-end";
pub(crate) const KERNEL: &str = "@@compat-verify-kernel";
pub(crate) const DONE: &str = "@@compat-verify-done";

/// One file placed in the image (or why it could not be).
pub struct Placed {
    pub(crate) file: PathBuf,
    /// Where /init runs it; `None` when it could not be prepared.
    pub inside: Option<String>,
    /// Libraries of the file that were not found (the loader will fail).
    pub missing: Vec<String>,
    pub error: Option<String>,
}

/// Where the C library, the program interpreter and the other libraries
/// of the files come from.
#[derive(Clone, Debug)]
pub enum Libraries {
    /// The target's root directory (`--sysroot`).
    Sysroot(PathBuf),
    /// The files' own closure (`--closure`, `--closure-file`).
    Closure(Closure),
}

/// Builds the archive; one entry of the result per file, in order.
pub fn build(
    files: &[PathBuf],
    libraries: &Libraries,
    busybox: &Path,
    args: &[String],
) -> Result<(Vec<u8>, Vec<Placed>)> {
    let mut cpio = Cpio::new();
    let busybox_data = fs::read(busybox).with_context(|| format!("{}: cannot read busybox", busybox.display()))?;
    match ElfInfo::parse(&busybox_data) {
        Ok(info) if info.interpreter.is_none() && info.needed.is_empty() => {}
        _ => {
            bail!("{}: not a statically linked busybox (install busybox-static, or pass --busybox)", busybox.display())
        }
    }
    cpio.file("/bin/busybox", 0o755, &busybox_data);
    cpio.symlink("/bin/sh", "busybox");
    for dir in ["/proc", "/sys", "/tmp", "/dev", "/verify/lib"] {
        cpio.dir(dir);
    }
    cpio.char_device("/dev/console", 5, 1);
    cpio.char_device("/dev/null", 1, 3);

    let mut libs: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut interpreters: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut placed = Vec::new();
    if let Libraries::Closure(closure) = libraries {
        closure.add_to(&mut cpio)?;
    }
    for (i, file) in files.iter().enumerate() {
        let name = file.file_name().map_or_else(|| format!("file{i}"), |n| n.to_string_lossy().into_owned());
        let in_closure = match libraries {
            Libraries::Closure(closure) => closure.inside_of(file),
            Libraries::Sysroot(_) => None,
        };
        let inside = match &in_closure {
            Some(path) => path.to_string_lossy().into_owned(),
            None => format!("/verify/bin/{i}-{}", name.replace(|c: char| !c.is_ascii_graphic() || c == '\'', "_")),
        };
        let data = match fs::read(file) {
            Ok(d) => d,
            Err(e) => {
                placed.push(Placed {
                    file: file.clone(),
                    inside: None,
                    missing: vec![],
                    error: Some(format!("cannot read: {e}")),
                });
                continue;
            }
        };
        let mut missing = Vec::new();
        if let Ok(info) = ElfInfo::parse(&data) {
            if info.arch != Arch::X86_64.name() {
                placed.push(Placed {
                    file: file.clone(),
                    inside: None,
                    missing,
                    error: Some(format!("{} file: compat verify boots x86_64 kernels only", info.arch)),
                });
                continue;
            }
            match libraries {
                Libraries::Sysroot(sysroot) => {
                    if let Some(interp) = &info.interpreter {
                        match sysroot::resolve(sysroot, Path::new(interp)) {
                            Ok(host) => {
                                interpreters.insert(interp.clone(), host);
                            }
                            Err(_) => missing.push(format!("{interp} (program interpreter, not in the target's root)")),
                        }
                    }
                    missing.extend(needed_closure(file, &info, sysroot, &mut libs));
                }
                Libraries::Closure(closure) => missing.extend(closure.missing(Path::new(&inside), &info)),
            }
        }
        if in_closure.is_none() {
            cpio.file(&inside, 0o755, &data);
        }
        placed.push(Placed { file: file.clone(), inside: Some(inside), missing, error: None });
    }
    for (inside, host) in &interpreters {
        let data = fs::read(host).with_context(|| format!("{}: cannot read", host.display()))?;
        cpio.file(inside, 0o755, &data);
    }
    for (soname, host) in &libs {
        let data = fs::read(host).with_context(|| format!("{}: cannot read", host.display()))?;
        cpio.file(&format!("/verify/lib/{soname}"), 0o755, &data);
    }
    let library_path = matches!(libraries, Libraries::Sysroot(_)).then_some("/verify/lib");
    cpio.file("/init", 0o755, init_script(&placed, args, library_path).as_bytes());
    Ok((cpio.finish(), placed))
}

/// Adds every library `file` needs, transitively, to `libs` (soname ->
/// host path); returns the sonames that were not found.
fn needed_closure(file: &Path, info: &ElfInfo, sysroot: &Path, libs: &mut BTreeMap<String, PathBuf>) -> Vec<String> {
    let target_dirs: Vec<PathBuf> =
        default_dirs(&info.arch).iter().filter_map(|d| sysroot::resolve(sysroot, d).ok()).collect();
    let mut missing = BTreeSet::new();
    let mut queue: VecDeque<(PathBuf, ElfInfo)> = VecDeque::from([(file.to_path_buf(), info.clone())]);
    let mut seen = BTreeSet::new();
    while let Some((path, info)) = queue.pop_front() {
        let search = SearchPath::for_file(&path, &info, &[], &target_dirs);
        for soname in &info.needed {
            if libs.contains_key(soname) || !seen.insert(soname.clone()) {
                continue;
            }
            // The C library always comes from the target, whatever RPATH says.
            let found = if is_glibc_system_lib(soname) {
                SearchPath { dirs: target_dirs.clone() }.find(soname, &info)
            } else {
                search.find(soname, &info)
            };
            let Some(host) = found else {
                missing.insert(soname.clone());
                continue;
            };
            let Ok(data) = fs::read(&host) else {
                missing.insert(soname.clone());
                continue;
            };
            libs.insert(soname.clone(), host.clone());
            if let Ok(lib_info) = ElfInfo::parse(&data) {
                queue.push_back((host, lib_info));
            }
        }
    }
    missing.into_iter().collect()
}

fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', "'\\''"))
}

/// `library_path`: the LD_LIBRARY_PATH the files run with, if any (none
/// in closure mode: they find their libraries as on a Nix system).
fn init_script(placed: &[Placed], args: &[String], library_path: Option<&str>) -> String {
    let args: Vec<String> = args.iter().map(|a| quote(a)).collect();
    let mut s = String::from(
        "#!/bin/busybox sh\n\
         /bin/busybox mount -t proc proc /proc\n\
         /bin/busybox mount -t sysfs sys /sys\n\
         export PATH=/bin\n",
    );
    if let Some(dir) = library_path {
        s.push_str(&format!("export LD_LIBRARY_PATH={dir}\n"));
    }
    s.push_str(&format!("echo \"{KERNEL} $(/bin/busybox uname -r)\"\n"));
    for (i, p) in placed.iter().enumerate() {
        let Some(inside) = &p.inside else { continue };
        s.push_str(&format!(
            "echo {BEGIN} {i}\n{} {} </dev/null >/tmp/out 2>&1\nst=$?\n/bin/busybox cat /tmp/out\necho\necho {END} {i} $st\n",
            quote(inside),
            args.join(" ")
        ));
    }
    s.push_str(&format!("echo {DONE}\n/bin/busybox poweroff -f\n"));
    s
}
