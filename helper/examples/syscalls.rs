//! The syscall analysis alone, over files and directories: what
//! bench/syscalls.sh times against `objdump -d`, and a way to look at the
//! sites the analysis sees.
//!
//!     cargo run --release --example syscalls -- [--sites] [--profile NAME] PATH...

use std::{fs, path::Path, time::Instant};

use compat::{profile::Profile, scan::syscall_findings, syscalls};

fn walk(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            if let Ok(entries) = fs::read_dir(path) {
                for e in entries.flatten() {
                    walk(&e.path(), out);
                }
            }
        }
        Ok(m) if m.is_file() => out.push(path.to_path_buf()),
        _ => {}
    }
}

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let sites = args.first().is_some_and(|a| a == "--sites");
    if sites {
        args.remove(0);
    }
    let mut profile = Profile::lookup("debian-11")?;
    if args.first().is_some_and(|a| a == "--profile") && args.len() > 1 {
        profile = Profile::lookup(&args[1])?;
        args.drain(..2);
    }
    let mut files = Vec::new();
    for a in &args {
        walk(Path::new(a), &mut files);
    }
    let started = Instant::now();
    let (mut elves, mut findings, mut bytes) = (0usize, 0usize, 0u64);
    for file in &files {
        let Ok(data) = fs::read(file) else { continue };
        if data.get(..4) != Some(b"\x7fELF") {
            continue;
        }
        elves += 1;
        bytes += data.len() as u64;
        if sites {
            if let Ok(Some((arch, list))) = syscalls::sites(&data) {
                for s in list {
                    println!(
                        "{} {} {:#x} {:?} {} {:?}",
                        file.display(),
                        arch.name(),
                        s.addr,
                        s.via,
                        s.number,
                        s.function
                    );
                }
            }
        }
        match syscall_findings::analyze(&data, &profile) {
            Ok(list) => {
                for f in &list {
                    println!("{}: {:?} {}", file.display(), f.severity, f.message);
                    for l in &f.locations {
                        println!("    at {l}");
                    }
                }
                findings += list.len();
            }
            Err(e) => eprintln!("{}: {e:#}", file.display()),
        }
    }
    eprintln!(
        "analyzed {elves} ELF files ({} MiB), {findings} findings, in {:.3}s",
        bytes >> 20,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
