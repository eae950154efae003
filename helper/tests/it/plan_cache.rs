//! `compat plan --cache`: what must be built and what can be fetched,
//! against Nix's own answer (`nix-store --realise --dry-run` with the same
//! cache as the only substituter), on derivations built here and shared
//! through a file:// binary cache (also served over HTTP on loopback, and
//! planned against a second, empty store with --store).
//!
//! The derivations (busybox scripts, a fresh nonce each run):
//!   app   -> top (refers to dep at run time, used tool only to build),
//!            nosub (allowSubstitutes = false), local, extra, multi.dev
//! In the cache: top, dep, nosub, multi.dev. Valid here: local only.
//! So Nix builds app, extra and nosub, fetches top, dep and multi.dev, and
//! needs tool not at all.

use crate::common;

use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
};

use serde_json::Value;

const NIX_CONFIG: &str =
    "sandbox = false\nsubstituters =\nbuild-users-group =\nexperimental-features = nix-command flakes";

const PACKAGES: &str = r#"{ nonce, busyboxDir }:
let
  sh = builtins.path { path = busyboxDir; name = "busybox-dir"; filter = p: _: baseNameOf p == "busybox"; };
  mk = name: script: extra: derivation ({
    inherit nonce;
    name = "plan-${name}";
    system = builtins.currentSystem;
    builder = "${sh}/busybox";
    args = [ "sh" "-c" script ];
    PATH = "${sh}";
  } // extra);
  tool = mk "tool" "busybox mkdir $out && busybox echo made-by-tool > $out/t" { };
  dep = mk "dep" "busybox mkdir $out && busybox echo dependency > $out/data" { };
  top = mk "top" "busybox mkdir $out && busybox cat ${tool}/t > $out/how && busybox echo ${dep}/data > $out/ref" { };
  nosub = mk "nosub" "busybox echo nosub > $out" { allowSubstitutes = false; };
  local = mk "local" "busybox echo local > $out" { };
  extra = mk "extra" "busybox echo extra > $out" { };
  multi = mk "multi" "busybox echo out > $out && busybox echo dev > $dev" { outputs = [ "out" "dev" ]; };
  app = mk "app" "busybox echo ${top} ${nosub} ${local} ${extra} ${multi.dev} > $out" { };
in
{ inherit app top tool dep nosub local extra multi; }
"#;

fn prerequisites() -> Option<PathBuf> {
    common::nix_tool("nix-build")?;
    let busybox = which::which("busybox").ok().or_else(|| Some(PathBuf::from("/bin/busybox")).filter(|p| p.exists()));
    if busybox.is_none() {
        common::skip(
            "no busybox to build the test derivations with (scripts/install-deps.sh installs busybox-static); \
             plan --cache not tested",
        );
    }
    busybox
}

/// Runs a Nix tool with the test's configuration; panics with its message on failure.
fn nix(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).env("NIX_CONFIG", NIX_CONFIG).env("NIX_PATH", "").output().unwrap();
    assert!(out.status.success(), "{tool} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn compat(args: &[&str]) -> Output {
    Command::new(common::compat_bin()).args(args).env("NIX_CONFIG", NIX_CONFIG).env("NIX_PATH", "").output().unwrap()
}

/// `nix-store --realise --dry-run DRV` with `substituters` as the only
/// substituters: the derivations it would build and the paths it would fetch.
fn dry_run(drv: &str, substituters: &str, store: Option<&Path>) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut cmd = Command::new("nix-store");
    if let Some(s) = store {
        cmd.arg("--store").arg(s);
    }
    let out = cmd
        .args(["--realise", "--dry-run", drv, "--option", "substituters", substituters])
        .env("NIX_CONFIG", NIX_CONFIG)
        .output()
        .unwrap();
    assert!(out.status.success(), "dry run failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stderr);
    let (mut build, mut fetch) = (BTreeSet::new(), BTreeSet::new());
    let mut section = "";
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("  ") {
            match section {
                "build" => build.insert(path.trim().to_string()),
                "fetch" => fetch.insert(path.trim().to_string()),
                _ => panic!("dry run listed {path} under an unexpected heading:\n{text}"),
            };
        } else if line.contains("will be built") {
            section = "build";
        } else if line.contains("will be fetched") {
            section = "fetch";
        } else {
            section = "other";
        }
    }
    (build, fetch)
}

fn plan_json(out: &Output) -> Value {
    assert!(out.status.code() == Some(0), "compat plan failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The availability report's derivations to build (checked against its
/// counts), and its count of paths to fetch.
fn planned(plan: &Value) -> (BTreeSet<String>, usize) {
    let a = &plan["availability"];
    let build: BTreeSet<String> = a["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "build")
        .map(|s| s["drvPath"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(a["build"].as_u64().unwrap() as usize, build.len(), "{a}");
    assert_eq!(a["derivations"]["build"].as_u64().unwrap() as usize, build.len(), "{a}");
    (build, a["fetch"].as_u64().unwrap() as usize)
}

fn status_of(plan: &Value, name: &str) -> String {
    let statuses = plan["availability"]["statuses"].as_array().unwrap();
    let found: Vec<&Value> = statuses.iter().filter(|s| s["name"] == format!("plan-{name}")).collect();
    assert_eq!(found.len(), 1, "plan-{name} in {statuses:?}");
    found[0]["status"].as_str().unwrap().to_string()
}

/// A static file server on 127.0.0.1 for `dir`, stopped when dropped.
struct Http {
    child: Child,
    port: u16,
}
impl Drop for Http {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
fn serve(dir: &Path) -> Option<Http> {
    let mut child = Command::new("python3")
        .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory"])
        .arg(dir)
        .arg("0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?).read_line(&mut line).ok()?;
    // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
    let port = line.split(" port ").nth(1)?.split_whitespace().next()?.parse().ok()?;
    Some(Http { child, port })
}

#[test]
fn plan_counts_match_nix_dry_run_against_a_file_cache() {
    let Some(busybox) = prerequisites() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("default.nix");
    std::fs::write(&file, PACKAGES).unwrap();
    let nonce = dir.path().file_name().unwrap().to_string_lossy().into_owned();
    let file = file.to_str().unwrap();
    let busybox_dir = busybox.parent().unwrap().to_str().unwrap().to_string();
    let args = |attr: &str| -> Vec<String> {
        vec![
            file.into(),
            "-A".into(),
            attr.into(),
            "--argstr".into(),
            "nonce".into(),
            nonce.clone(),
            "--arg".into(),
            "busyboxDir".into(),
            busybox_dir.clone(),
        ]
    };
    let build = |attr: &str| -> Vec<String> {
        let mut a = args(attr);
        a.push("--no-out-link".into());
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        nix("nix-build", &a).lines().map(str::to_string).collect()
    };
    let outputs = |attr: &str| -> Vec<String> {
        let mut a = args(attr);
        a.insert(0, "--eval".into());
        a.push("--strict".into());
        a.push("--json".into());
        a[3] = format!("{attr}.all");
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let json: Value = serde_json::from_str(&nix("nix-instantiate", &a)).unwrap();
        json.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };

    // Build what the cache will hold, copy it there, and remove it here.
    let top = build("top");
    let nosub = build("nosub");
    let multi = outputs("multi");
    build("multi");
    let multi_dev = multi.iter().find(|p| p.ends_with("-dev")).unwrap().clone();
    let cache_dir = dir.path().join("cache");
    let cache = format!("file://{}?compression=none", cache_dir.display());
    let mut copy = vec!["copy", "--to", cache.as_str()];
    copy.extend(top.iter().chain(&nosub).map(String::as_str));
    copy.push(&multi_dev);
    nix("nix", &copy);
    let mut gone: Vec<String> = top.clone();
    gone.extend(outputs("dep"));
    gone.extend(outputs("tool"));
    gone.extend(nosub.clone());
    gone.extend(multi.clone());
    build("tool");
    let mut delete = vec!["--delete"];
    delete.extend(gone.iter().map(String::as_str));
    nix("nix-store", &delete);
    build("local");
    let app_args = args("app");
    let app_args: Vec<&str> = app_args.iter().map(String::as_str).collect();
    let app = nix("nix-instantiate", &app_args).trim().to_string();

    // 1. The file:// cache. (compat plan calls the file with { }: a wrapper gives the arguments.)
    let wrapper = dir.path().join("wrapper.nix");
    std::fs::write(&wrapper, format!("{{ }}: import {file} {{ nonce = \"{nonce}\"; busyboxDir = {busybox_dir}; }}\n"))
        .unwrap();
    let wrapper = wrapper.to_str().unwrap();
    let plan = |extra: &[&str]| -> Output {
        let mut a = vec!["plan", "-f", wrapper, "app", "--json"];
        a.extend(extra);
        compat(&a)
    };

    let json = plan_json(&plan(&["--cache", &cache]));
    assert_eq!(json["drvPath"], app);
    let (nix_build, nix_fetch) = dry_run(&app, &cache, None);
    let (build_set, fetch_count) = planned(&json);
    let a = &json["availability"];
    eprintln!(
        "file:// cache: compat plan says build {} fetch {}; nix-store --realise --dry-run says build {} fetch {}",
        a["build"],
        a["fetch"],
        nix_build.len(),
        nix_fetch.len()
    );
    assert_eq!(build_set, nix_build, "derivations to build");
    assert_eq!(fetch_count, nix_fetch.len(), "paths to fetch: {a}");
    assert_eq!(nix_build.len(), 3, "app, extra and nosub: {nix_build:?}");
    assert_eq!(nix_fetch.len(), 3, "top, dep and multi.dev: {nix_fetch:?}");
    for (name, status) in [
        ("app", "build"),
        ("extra", "build"),
        ("nosub", "build"),
        ("top", "fetch"),
        ("dep", "fetch"),
        ("multi", "fetch"),
        ("local", "valid"),
        ("tool", "unneeded"),
    ] {
        assert_eq!(status_of(&json, name), status, "plan-{name}");
    }
    assert_eq!(a["caches"][0]["fetch"], 3);
    assert_eq!(a["caches"][0]["error"], Value::Null);
    assert!(a["narSize"].as_u64().unwrap() > 0);

    // 2. No cache: the configuration's substituters (none) -- all built but local.
    let json = plan_json(&plan(&[]));
    let (nix_build, nix_fetch) = dry_run(&app, "", None);
    assert_eq!(planned(&json).0, nix_build);
    assert!(nix_fetch.is_empty());
    assert_eq!(json["availability"]["fetch"], 0);
    assert_eq!(nix_build.len(), 7, "{nix_build:?}");
    assert_eq!(status_of(&json, "local"), "valid");
    assert_eq!(json["availability"]["caches"], serde_json::json!([]));

    // 3. The same cache over HTTP, asked through `nix path-info --store`.
    match serve(&cache_dir) {
        Some(http) => {
            let url = format!("http://127.0.0.1:{}", http.port);
            let json = plan_json(&plan(&["--cache", &url]));
            let (nix_build, nix_fetch) = dry_run(&app, &url, None);
            assert_eq!(planned(&json).0, nix_build, "over HTTP");
            assert_eq!(planned(&json).1, nix_fetch.len(), "over HTTP");
            assert_eq!(nix_fetch.len(), 3);
        }
        None => {
            common::skip("python3 -m http.server did not start; the HTTP cache is not tested");
        }
    }

    // 4. A second, empty store (--store DIR): there nothing is valid.
    let store = dir.path().join("other-store");
    let json = plan_json(&plan(&["--store", store.to_str().unwrap(), "--cache", &cache]));
    let (nix_build, nix_fetch) = dry_run(&app, &cache, Some(&store));
    assert_eq!(planned(&json).0, nix_build, "in the second store");
    assert_eq!(planned(&json).1, nix_fetch.len());
    assert_eq!(nix_build.len(), 4, "local must be built there too: {nix_build:?}");
    assert_eq!(status_of(&json, "local"), "build");

    // 5. A cache that is not there: named, the rest still planned, exit 2.
    let missing = format!("file://{}/no-such-cache", dir.path().display());
    let out = plan(&["--cache", &missing, "--cache", &cache]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-cache: no such directory"), "{stderr}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["availability"]["fetch"], 3, "the second cache still answers");
    assert!(json["availability"]["caches"][0]["error"].as_str().unwrap().contains("no such directory"));

    // The table shows the same.
    let out = compat(&["plan", "-f", wrapper, "app", "--cache", &cache]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("To build: 3 derivations. To fetch: 3 store paths"), "{text}");
    assert!(text.contains("1 already valid in the store, 1 not needed"), "{text}");
}
