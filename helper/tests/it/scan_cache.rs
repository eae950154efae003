//! The fact cache of `compat scan`: a warm rescan gives the same report as a
//! cold one and as `--no-cache`, byte for byte; a changed file is read
//! again; truncated and foreign entries are ignored and rewritten; two
//! scans at once leave a valid cache. Every test has its own
//! XDG_CACHE_HOME, so none touches the user's cache or depends on another.

use crate::common;

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use serde_json::Value;
use tempfile::TempDir;

struct Env {
    xdg: TempDir,
    files: TempDir,
}

impl Env {
    fn new() -> Env {
        Env { xdg: tempfile::tempdir().unwrap(), files: tempfile::tempdir().unwrap() }
    }

    fn cache_dir(&self) -> PathBuf {
        self.xdg.path().join("compat/scan-facts")
    }

    fn compat(&self, args: &[&str]) -> Output {
        Command::new(common::compat_bin()).args(args).env("XDG_CACHE_HOME", self.xdg.path()).output().unwrap()
    }

    /// `compat scan --json --cache-stats ARGS...`: the report's bytes and the counts.
    fn scan(&self, args: &[&str]) -> (Vec<u8>, Stats) {
        let mut all = vec!["scan", "--json", "--cache-stats", "--glibc", "2.28", "--kernel", "5.10"];
        all.extend_from_slice(args);
        let out = self.compat(&all);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
        (out.stdout, Stats::parse(&String::from_utf8_lossy(&out.stderr)))
    }

    fn info(&self) -> Value {
        let out = self.compat(&["cache", "info", "--json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The bucket files (the cache directory holds nothing else).
    fn entries(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = fs::read_dir(self.cache_dir()).unwrap().map(|f| f.unwrap().path()).collect();
        assert!(out.iter().all(|p| p.is_file()), "{out:?}");
        out.sort();
        out
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Stats {
    hits: usize,
    misses: usize,
    refused: usize,
    written: usize,
}

impl Stats {
    fn parse(stderr: &str) -> Stats {
        if stderr.contains("cache: not used") {
            return Stats::default();
        }
        let line = stderr.lines().find(|l| l.starts_with("cache: ")).unwrap_or_else(|| panic!("no counts: {stderr}"));
        let n = |what: &str| -> usize {
            let words: Vec<&str> = line.split([' ', ',']).filter(|w| !w.is_empty()).collect();
            let i = words.iter().position(|w| *w == what).unwrap_or_else(|| panic!("{what} in {line}"));
            words[i - 1].parse().unwrap()
        };
        Stats { hits: n("hits"), misses: n("misses"), refused: n("refused"), written: n("written") }
    }
}

fn stats(hits: usize, misses: usize, refused: usize, written: usize) -> Stats {
    Stats { hits, misses, refused, written }
}

fn build(dir: &Path, name: &str, source: &str) -> PathBuf {
    let out = dir.join(name);
    common::compile(source, &out, false, &[]);
    out
}

#[test]
fn a_warm_rescan_reads_no_file_and_reports_the_same_bytes() {
    let env = Env::new();
    build(env.files.path(), "gettid", common::GETTID);
    build(env.files.path(), "arc4random", common::ARC4RANDOM);
    fs::write(env.files.path().join("notes.txt"), "not ELF").unwrap();
    let dir = env.files.path().to_str().unwrap();

    let (uncached, _) = env.scan(&["--no-cache", dir]);
    assert!(!env.cache_dir().exists(), "--no-cache wrote a cache");
    let (cold, cold_stats) = env.scan(&[dir]);
    assert_eq!(cold_stats, stats(0, 2, 0, 2));
    let (warm, warm_stats) = env.scan(&[dir]);
    assert_eq!(warm_stats, stats(2, 0, 0, 0));
    assert_eq!(String::from_utf8_lossy(&cold), String::from_utf8_lossy(&uncached));
    assert_eq!(String::from_utf8_lossy(&warm), String::from_utf8_lossy(&uncached));
    // The verdicts are recomputed from the facts for each target.
    let (newer, newer_stats) = {
        let out = env.compat(&["scan", "--json", "--cache-stats", "--profile", "debian-12", dir]);
        (out.stdout, Stats::parse(&String::from_utf8_lossy(&out.stderr)))
    };
    assert_eq!(newer_stats.hits, 2);
    let uncached_newer = env.compat(&["scan", "--json", "--no-cache", "--profile", "debian-12", dir]).stdout;
    assert_eq!(String::from_utf8_lossy(&newer), String::from_utf8_lossy(&uncached_newer));
    // A cold scan without the syscall analysis leaves facts a full scan cannot use.
    let env2 = Env::new();
    env2.scan(&["--no-syscalls", dir]);
    let (full, full_stats) = env2.scan(&[dir]);
    assert_eq!(full_stats, stats(0, 0, 0, 2), "entries without syscall facts are read again");
    assert_eq!(String::from_utf8_lossy(&full), String::from_utf8_lossy(&uncached));
    let (_, again) = env2.scan(&["--no-syscalls", dir]);
    assert_eq!(again, stats(2, 0, 0, 0));
}

#[test]
fn scan_and_targets_write_the_cache_without_being_asked_for_counts() {
    let env = Env::new();
    let prog = build(env.files.path(), "gettid", common::GETTID);
    let path = prog.to_str().unwrap();
    for (command, entries) in [(vec!["scan", "--quiet", "--profile", "debian-11"], 1), (vec!["targets"], 1)] {
        let mut args = command.clone();
        args.push(path);
        let out = env.compat(&args);
        assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(env.info()["entries"]["valid"], entries, "after {command:?}");
        let (_, stats) = env.scan(&[path]);
        assert_eq!(stats.hits, 1, "after {command:?}");
        fs::remove_dir_all(env.cache_dir()).unwrap();
    }
}

#[test]
fn a_changed_file_is_read_again() {
    let env = Env::new();
    let prog = build(env.files.path(), "prog", common::GETTID);
    let other = build(env.xdg.path(), "other", common::ARC4RANDOM);
    let path = prog.to_str().unwrap();
    let needs = |report: &[u8]| -> Vec<String> {
        let report: Value = serde_json::from_slice(report).unwrap();
        let file = common::report_file(&report, &prog);
        file["findings"].as_array().unwrap().iter().filter_map(|f| f["needs"].as_str().map(str::to_string)).collect()
    };
    let (before, _) = env.scan(&[path]);
    assert!(needs(&before).contains(&"GLIBC_2.30".to_string()), "{:?}", needs(&before));
    fs::copy(&other, &prog).unwrap();
    let (after, after_stats) = env.scan(&[path]);
    assert_eq!(after_stats, stats(0, 0, 1, 1), "the stale entry is refused and rewritten");
    assert!(needs(&after).contains(&"GLIBC_2.36".to_string()), "{:?}", needs(&after));
    assert!(!needs(&after).contains(&"GLIBC_2.30".to_string()), "old facts used: {:?}", needs(&after));
}

#[test]
fn truncated_and_foreign_entries_are_ignored_and_rewritten() {
    let env = Env::new();
    build(env.files.path(), "gettid", common::GETTID);
    let dir = env.files.path().to_str().unwrap();
    let (cold, _) = env.scan(&[dir]);
    let entry = env.entries().pop().unwrap();
    let whole = fs::read(&entry).unwrap();

    fs::write(&entry, &whole[..whole.len() / 2]).unwrap();
    assert_eq!(env.info()["entries"]["corrupt"], 1);
    let (again, again_stats) = env.scan(&[dir]);
    assert_eq!(again_stats, stats(0, 0, 1, 1));
    assert_eq!(again, cold);
    assert_eq!(fs::read(&entry).unwrap(), whole, "the entry was rewritten whole");

    // Written by another compat: its facts may mean something else.
    let text = String::from_utf8(whole.clone()).unwrap();
    let forged = text.replacen("\"writer\":\"compat ", "\"writer\":\"compat 0.0.0-other ", 1);
    assert_ne!(forged, text);
    fs::write(&entry, forged).unwrap();
    assert_eq!(env.info()["entries"]["foreign"], 1);
    let (third, third_stats) = env.scan(&[dir]);
    assert_eq!(third_stats, stats(0, 0, 1, 1));
    assert_eq!(third, cold);
    assert_eq!(env.info()["entries"]["valid"], 1);
    // Garbage in the cache directory is no entry of any file and breaks nothing.
    fs::write(entry.parent().unwrap().join("junk"), b"\x00\x01").unwrap();
    let (fourth, fourth_stats) = env.scan(&[dir]);
    assert_eq!((fourth, fourth_stats.hits), (cold, 1));
}

#[test]
fn two_scans_at_once_leave_a_valid_cache() {
    let env = Env::new();
    let first = build(env.files.path(), "p0", common::GETTID);
    for i in 1..40 {
        fs::copy(&first, env.files.path().join(format!("p{i}"))).unwrap();
    }
    let dir = env.files.path().to_str().unwrap();
    let spawn = || {
        Command::new(common::compat_bin())
            .args(["scan", "--json", "--glibc", "2.28", "--kernel", "5.10", dir])
            .env("XDG_CACHE_HOME", env.xdg.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(a.stdout, b.stdout);
    let info = env.info();
    assert_eq!(info["entries"]["valid"], 40, "{info:#}");
    assert_eq!(info["entries"]["entries"], 40, "no temporary file left behind: {info:#}");
    let (warm, warm_stats) = env.scan(&[dir]);
    assert_eq!(warm_stats, stats(40, 0, 0, 0));
    assert_eq!(warm, a.stdout);
}

#[test]
fn cache_clean_removes_every_entry_and_only_the_cache() {
    let env = Env::new();
    build(env.files.path(), "gettid", common::GETTID);
    let beside = env.xdg.path().join("compat/other-data");
    fs::create_dir_all(&beside).unwrap();
    env.scan(&[env.files.path().to_str().unwrap()]);
    assert_eq!(env.entries().len(), 1);
    let out = env.compat(&["cache", "clean"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("removed 1 entries"), "{out:?}");
    assert!(!env.cache_dir().exists());
    assert!(beside.exists(), "clean removed more than the fact cache");
    let (_, cold) = env.scan(&[env.files.path().to_str().unwrap()]);
    assert_eq!(cold, stats(0, 1, 0, 1));
}
