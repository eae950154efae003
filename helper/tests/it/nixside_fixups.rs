//! Fixup rules fire exactly where their conditions hold; the overlays made
//! from them parse, are checked in up to date, and (with a nixpkgs tree in
//! COMPAT_NIXPKGS) evaluate and change what they say they change.

use crate::common;

use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use compat::{
    fixups::{overlay, RuleSet},
    port::syntax::parse_errors,
    profile::Profile,
    version::Version,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A target with the glibc and kernel of a real release. Built here so the
/// test does not depend on which profile files have landed.
fn release(name: &str, glibc: &str, kernel: &str) -> Profile {
    let mut p = Profile::ad_hoc(Version::parse(glibc).unwrap(), Version::parse(kernel).unwrap());
    p.name = name.to_string();
    p
}

fn releases() -> Vec<Profile> {
    vec![
        release("rhel-7", "2.17", "3.10"),
        release("amazonlinux-2", "2.26", "4.14"),
        release("rhel-8", "2.28", "4.18"),
        release("debian-10", "2.28", "4.19"),
        release("ubuntu-20.04", "2.31", "5.4"),
        release("debian-11", "2.31", "5.10"),
        release("rhel-9", "2.34", "5.14"),
        release("ubuntu-22.04", "2.35", "5.15"),
        release("debian-12", "2.36", "6.1"),
        release("ubuntu-24.04", "2.39", "6.8"),
        release("amazonlinux-2023", "2.34", "6.1"),
        release("debian-13", "2.41", "6.12"),
    ]
}

fn fires(rules: &RuleSet, id: &str, profile: &Profile) -> bool {
    assert!(rules.rules.iter().any(|r| r.id == id), "no rule {id}");
    rules.for_profile(profile).iter().any(|r| r.id == id)
}

/// Each rule against each release: exactly the expected ones fire.
#[test]
fn every_rule_fires_exactly_where_its_condition_holds() {
    let rules = RuleSet::builtin().unwrap();
    let expected: BTreeMap<&str, &[&str]> = BTreeMap::from([
        // kernel < 5.11: headers without TLS_CIPHER_CHACHA20_POLY1305
        ("gnutls-no-ktls", &["rhel-7", "amazonlinux-2", "rhel-8", "debian-10", "ubuntu-20.04", "debian-11"][..]),
        // glibc < 2.29: the glibc 2.28 generation and older
        ("audit-2.8.5", &["rhel-7", "amazonlinux-2", "rhel-8", "debian-10"][..]),
        ("getent-from-stdenv-libc", &["rhel-7", "amazonlinux-2", "rhel-8", "debian-10"][..]),
        ("linux-pam-stdio", &["rhel-7", "amazonlinux-2", "rhel-8", "debian-10"][..]),
        ("ffmpeg-no-openmpt", &["rhel-7", "amazonlinux-2", "rhel-8", "debian-10"][..]),
        // kernel < 4.20: the 4.19 generation and older
        ("llvm-no-check", &["rhel-7", "amazonlinux-2", "rhel-8", "debian-10"][..]),
    ]);
    for rule in &rules.rules {
        assert!(expected.contains_key(rule.id.as_str()), "rule {} has no firing test here", rule.id);
    }
    // The table's releases, each replaced by the built-in profile of that
    // name when there is one, plus any built-in profile the table lacks.
    let mut targets_all = releases();
    for profile in Profile::builtin().unwrap() {
        match targets_all.iter_mut().find(|r| r.name == profile.name) {
            Some(slot) => *slot = profile,
            None => panic!("built-in profile {} is missing from the release table of this test", profile.name),
        }
    }
    for (id, targets) in expected {
        for profile in &targets_all {
            let want = targets.contains(&profile.name.as_str());
            assert_eq!(fires(&rules, id, profile), want, "{id} on {} should fire: {want}", profile.name);
        }
    }
}

/// The built-in profiles that exist agree with the release table above.
#[test]
fn builtin_profiles_get_the_rules_of_their_release() {
    let rules = RuleSet::builtin().unwrap();
    let table = releases();
    for profile in Profile::builtin().unwrap() {
        let Some(same) = table.iter().find(|r| r.name == profile.name) else { continue };
        assert_eq!((&profile.glibc, &profile.kernel), (&same.glibc, &same.kernel), "{} changed", profile.name);
        let got: Vec<&str> = rules.for_profile(&profile).iter().map(|r| r.id.as_str()).collect();
        let want: Vec<&str> = rules.for_profile(same).iter().map(|r| r.id.as_str()).collect();
        assert_eq!(got, want, "{}", profile.name);
    }
}

/// A rule's package version bound is honoured when matching a closure.
#[test]
fn package_version_bounds_select_versions() {
    let rules = RuleSet::builtin().unwrap();
    let buster = release("debian-10", "2.28", "4.19");
    let ids = |v: &str| -> Vec<String> {
        rules.matching(&buster, "audit", v, Some("x86_64")).iter().map(|r| r.id.clone()).collect()
    };
    assert_eq!(ids("3.1.2"), vec!["audit-2.8.5"]);
    assert!(ids("2.8.5").is_empty(), "the pinned version itself needs no pin");
    assert!(rules.matching(&release("debian-12", "2.36", "6.1"), "audit", "3.1.2", None).is_empty());
}

/// Every overlay (built-in profiles and every release above) parses with rnix.
#[test]
fn overlays_parse_with_rnix() {
    let rules = RuleSet::builtin().unwrap();
    let mut profiles = releases();
    profiles.extend(Profile::builtin().unwrap());
    for (name, text) in overlay::render_all(&profiles, &rules) {
        let errors = parse_errors(&text);
        assert!(errors.is_empty(), "{name} does not parse: {errors:?}\n{text}");
    }
}

/// The overlay says what the rules say.
#[test]
fn overlay_for_buster_carries_each_action() {
    let rules = RuleSet::builtin().unwrap();
    let buster = release("debian-10", "2.28", "4.19");
    let text = overlay::render(&buster, &rules.for_profile(&buster));
    assert!(text.starts_with("# Generated by `compat fixups`"));
    assert!(text.contains("final: prev:"));
    assert!(text.contains(r#"lib.subtractLists [ "--enable-ktls" ] (old.configureFlags or [ ])"#), "{text}");
    assert!(text.contains(r#"++ [ "--disable-ktls" ]"#), "{text}");
    assert!(text.contains(r#"if lib.versionAtLeast prev.audit.version "3" then"#), "{text}");
    assert!(text.contains(r#"sha256 = "1dzcwb2q78q7x41shcachn7f4aksxbxd470yk38zh03fch1l2p8f";"#), "{text}");
    assert!(text.contains("getent = final.stdenv.cc.libc.getent;"), "{text}");
    assert!(text.contains("llvm = prev.llvm.overrideAttrs { doCheck = false; };"), "{text}");
    assert!(text.contains("ffmpeg = prev.ffmpeg.override { withOpenmpt = false; };"), "{text}");
    assert!(text.contains(r#"linux-pam = prev.linux-pam.overrideAttrs (appendCFlags [ "-include" "stdio.h" ]);"#));
    let bookworm = release("debian-12", "2.36", "6.1");
    let text = overlay::render(&bookworm, &rules.for_profile(&bookworm));
    assert!(text.ends_with("final: prev: { }\n"), "{text}");
}

/// Patches, arch guards and several rules on one package render and parse.
#[test]
fn patch_arch_and_stacked_rules_render() {
    let json = r#"{"rules": [
      {"id": "p1", "package": "foo", "when": {"arches": ["aarch64"]},
       "actions": [{"type": "patch", "file": "foo-fix.patch"}], "reason": "r", "reference": "x", "evidence": "checked"},
      {"id": "p2", "package": "foo", "actions": [{"type": "disableChecks"}], "reason": "r", "reference": "x", "evidence": "checked"},
      {"id": "b", "package": "bar", "actions": [{"type": "broken"}], "reason": "needs io_uring", "reference": "x", "evidence": "checked"}
    ]}"#;
    let rules = RuleSet::from_json(json, "test rules").unwrap();
    let profile = release("debian-11", "2.31", "5.10");
    let text = overlay::render(&profile, &rules.for_profile(&profile));
    assert!(text.contains("(old.patches or [ ]) ++ [ ./patches/foo-fix.patch ]"), "{text}");
    assert!(text.contains(r#"lib.elem final.stdenv.hostPlatform.parsed.cpu.name [ "aarch64" ]"#), "{text}");
    assert!(text.contains("lib.pipe prev.foo"), "{text}");
    assert!(text.contains("# Known broken: bar (b): needs io_uring"), "{text}");
    assert!(!text.contains("bar ="), "{text}");
    assert!(parse_errors(&text).is_empty(), "{text}");
    // A patch outside the patches dir is refused.
    let bad = json.replace("foo-fix.patch", "../../etc/x.patch");
    assert!(RuleSet::from_json(&bad, "bad").is_err());
}

/// The checked-in overlays are what `compat fixups --write-all` makes now,
/// for every built-in profile, and nothing else is in the directory.
#[test]
fn checked_in_overlays_are_not_stale() {
    let dir = repo().join(overlay::OVERLAY_DIR);
    let profiles = Profile::builtin().unwrap();
    let files = overlay::render_all(&profiles, &RuleSet::builtin().unwrap());
    for (name, text) in &files {
        let path = dir.join(name);
        let current = fs::read_to_string(&path).unwrap_or_default();
        assert!(
            &current == text,
            "{} is stale or missing: run `cargo run -- fixups --write-all overlays/fixups`",
            path.display()
        );
    }
    for entry in fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".nix") {
            assert!(files.iter().any(|(f, _)| *f == name), "{name} in {} belongs to no profile", dir.display());
        }
    }
    // The command's own check agrees.
    let out = common::compat(&["fixups", "--write-all", dir.to_str().unwrap(), "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `--check` fails on a stale directory and names the file.
#[test]
fn check_mode_reports_stale_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(common::compat(&["fixups", "--write-all", dir]).status.code(), Some(0));
    let files = overlay::render_all(&Profile::builtin().unwrap(), &RuleSet::builtin().unwrap());
    let first = &files.iter().find(|(name, _)| name != "default.nix").unwrap().0;
    fs::write(tmp.path().join(first), "final: prev: { }\n").unwrap();
    let out = common::compat(&["fixups", "--write-all", dir, "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(first.as_str()));
}

/// Profiles that need the same changes share one overlay; an overlay written
/// earlier that no profile uses now is named by `--check` and removed by
/// `--write-all`, and files compat did not write are left alone.
#[test]
fn identical_overlays_are_one_file_and_old_ones_go() {
    let files = overlay::render_all(&Profile::builtin().unwrap(), &RuleSet::builtin().unwrap());
    let texts: Vec<&String> = files.iter().map(|(_, text)| text).collect();
    for (i, (name, text)) in files.iter().enumerate() {
        let body = |t: &str| t.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
        assert!(
            !texts[..i].iter().any(|other| body(other) == body(text)),
            "{name} repeats the overlay of another file"
        );
    }
    assert!(
        files.len() < Profile::builtin_names().len(),
        "one file per profile: {:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let old = tmp.path().join("debian-10.nix");
    let mine = tmp.path().join("mine.nix");
    fs::write(&old, format!("{}# Target debian-10: an older layout.\nfinal: prev: {{ }}\n", overlay::GENERATED))
        .unwrap();
    fs::write(&mine, "final: prev: { }\n").unwrap();
    let out = common::compat(&["fixups", "--write-all", dir, "--check"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("debian-10.nix (an overlay no profile uses now)"), "{stderr}");
    assert!(!stderr.contains("mine.nix"), "{stderr}");
    assert_eq!(common::compat(&["fixups", "--write-all", dir]).status.code(), Some(0));
    assert!(!old.exists(), "the old overlay is still there");
    assert!(mine.exists(), "a file compat did not write was removed");
}

/// `--write-all` writes every file or none: a read-only file (or a
/// directory) in the way stops it before anything is written.
#[test]
fn write_all_writes_everything_or_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let files = overlay::render_all(&Profile::builtin().unwrap(), &RuleSet::builtin().unwrap());
    let last = &files.last().unwrap().0;
    for blocker in ["read-only", "directory"] {
        let tmp = tempfile::tempdir().unwrap();
        let blocked = tmp.path().join(last);
        if blocker == "read-only" {
            fs::write(&blocked, "old\n").unwrap();
            fs::set_permissions(&blocked, fs::Permissions::from_mode(0o444)).unwrap();
        } else {
            fs::create_dir(&blocked).unwrap();
        }
        let out = common::compat(&["fixups", "--write-all", tmp.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{blocker}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(last.as_str()) && stderr.contains("wrote nothing"), "{stderr}");
        let written: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(written.len(), 1, "{blocker}: wrote {written:?}");
    }
    // Nothing in the way: every file, readable by all.
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(common::compat(&["fixups", "--write-all", tmp.path().to_str().unwrap()]).status.code(), Some(0));
    for (name, text) in &files {
        let path = tmp.path().join(name);
        assert_eq!(&fs::read_to_string(&path).unwrap(), text);
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);
    }
}

/// The CLI prints the overlay, and the firing rules as JSON.
#[test]
fn cli_prints_overlay_and_json() {
    let out = common::compat(&["fixups", "--glibc", "2.28", "--kernel", "4.19"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("gnutls = prev.gnutls.overrideAttrs"));
    let out = common::compat(&["fixups", "--glibc", "2.36", "--kernel", "6.1", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(0));
    let out = common::compat(&["fixups", "--glibc", "2.31", "--kernel", "5.10", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["id"], "gnutls-no-ktls");
    let out = common::compat(&["fixups", "--profile", "no-such-profile"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown profile 'no-such-profile'"));
}

fn nix_config() -> &'static str {
    "sandbox = false\nbuild-users-group =\nsubstituters =\nexperimental-features = nix-command flakes"
}

/// `nix-instantiate --eval --strict --json --read-write-mode -E EXPR`, which
/// must succeed. Read-write: a nixpkgs tree imports files from paths it adds
/// to the store while evaluating, which Nix 2.8's read-only `--eval` cannot do
/// on an empty store ("path '/nix/store/...' is not valid").
fn eval_json(nix_instantiate: &Path, expr: &str) -> serde_json::Value {
    let out = Command::new(nix_instantiate)
        .args(["--eval", "--strict", "--json", "--read-write-mode", "-E", expr])
        .env("NIX_CONFIG", nix_config())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Nix's own parser accepts every checked-in overlay and the index.
#[test]
fn nix_parses_the_checked_in_overlays() {
    let Some(nix_instantiate) = common::nix_tool("nix-instantiate") else { return };
    let dir = repo().join(overlay::OVERLAY_DIR);
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "nix") {
            let out = Command::new(&nix_instantiate)
                .arg("--parse")
                .arg(&path)
                .env("NIX_CONFIG", nix_config())
                .output()
                .unwrap();
            assert!(out.status.success(), "{}: {}", path.display(), String::from_utf8_lossy(&out.stderr));
        }
    }
    // default.nix maps each profile name to a function (an overlay).
    let expr =
        format!("builtins.mapAttrs (n: o: builtins.isFunction o) (import {})", dir.join("default.nix").display());
    let v = eval_json(&nix_instantiate, &expr);
    for name in Profile::builtin_names() {
        assert_eq!(v[name], true, "default.nix lacks {name}: {v}");
    }
}

/// Against a real nixpkgs tree: the glibc 2.28 overlay pins audit, forces
/// the flags, takes getent from the stdenv's libc, and strips ktls from a
/// gnutls-like derivation built with the tree's own stdenv.
#[test]
fn overlay_evaluates_against_a_real_nixpkgs_tree() {
    let Some(tree) = common::nixpkgs_tree("overlay evaluation not tested") else { return };
    let Some(nix_instantiate) = common::nix_tool("nix-instantiate") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let rules = RuleSet::builtin().unwrap();
    let buster = release("debian-10", "2.28", "4.19");
    let file = tmp.path().join("overlay.nix");
    fs::write(&file, overlay::render(&buster, &rules.for_profile(&buster))).unwrap();
    let expr = format!(
        r#"let
          tree = {tree};
          overlay = import {file};
          base = import tree {{ }};
          fakeGnutls = base.stdenv.mkDerivation {{
            pname = "gnutls"; version = "3.8.6"; builder = "/bin/sh";
            configureFlags = [ "--enable-ktls" "--with-p11-kit" ];
          }};
          pkgs = import tree {{ overlays = [ (final: prev: {{ gnutls = fakeGnutls; }}) overlay ]; }};
        in {{
          audit = pkgs.audit.name;
          auditUrl = pkgs.audit.src.url;
          auditCflags = pkgs.audit.drvAttrs.NIX_CFLAGS_COMPILE;
          auditPatches = pkgs.audit.patches;
          auditDrv = pkgs.audit.drvPath;
          pam = pkgs.linux-pam.drvAttrs.NIX_CFLAGS_COMPILE;
          llvmCheck = pkgs.llvm.doCheck;
          getent = pkgs.getent.outPath == pkgs.stdenv.cc.libc.getent.outPath;
          gnutls = pkgs.gnutls.configureFlags;
        }}"#,
        tree = Path::new(&tree).display(),
        file = file.display()
    );
    let v = eval_json(&nix_instantiate, &expr);
    assert_eq!(v["audit"], "audit-2.8.5", "{v}");
    assert_eq!(v["auditUrl"], "https://people.redhat.com/sgrubb/audit/audit-2.8.5.tar.gz");
    assert!(v["auditCflags"].as_str().unwrap().contains("-fcommon"), "{v}");
    assert_eq!(v["auditPatches"], serde_json::json!([]));
    assert!(v["pam"].as_str().unwrap().contains("-include stdio.h"), "{v}");
    assert_eq!(v["llvmCheck"], false);
    assert_eq!(v["getent"], true);
    assert_eq!(v["gnutls"], serde_json::json!(["--with-p11-kit", "--disable-ktls"]));
}
