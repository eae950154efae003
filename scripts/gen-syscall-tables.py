#!/usr/bin/env python3
"""Regenerates data/syscalls/{x86_64,aarch64}.tsv.

Numbers come from the installed Linux UAPI headers (linux-libc-dev for
x86_64, linux-libc-dev-arm64-cross for aarch64); the first kernel version of
each call from the table in the syscalls(2) manual page (man-pages), with
the calls newer than that page listed in NEWER below (from the kernel
release each was merged in). See data/syscalls/README.md for the rules.

Usage: scripts/gen-syscall-tables.py [OUTDIR]   (default data/syscalls)
"""
import gzip
import re
import subprocess
import sys
from pathlib import Path

X86_HEADER = Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
ARM64_INCLUDE = Path("/usr/aarch64-linux-gnu/include")
MANPAGE = Path("/usr/share/man/man2/syscalls.2.gz")

# Calls the manual page does not list (newer than it, or listed under
# another name), with the release that merged them.
NEWER = {
    "mount_setattr": "5.12",
    "process_mrelease": "5.15",
    "futex_waitv": "5.16",
    "set_mempolicy_home_node": "5.17",
    "cachestat": "6.5",
    "fchmodat2": "6.6",
    "map_shadow_stack": "6.6",
    "futex_wake": "6.7",
    "futex_wait": "6.7",
    "futex_requeue": "6.7",
    "statmount": "6.8",
    "listmount": "6.8",
    "lsm_get_self_attr": "6.8",
    "lsm_set_self_attr": "6.8",
    "lsm_list_modules": "6.8",
    "mseal": "6.10",
}
# Where syscalls(2) is wrong: the pkey calls were wired up in 4.9 (their own
# manual page, pkey_alloc(2), says 4.9; syscalls(2) says 4.8).
CORRECTIONS = {"pkey_alloc": "4.9", "pkey_free": "4.9", "pkey_mprotect": "4.9"}
# Rows past the installed headers (x86_64 numbers), so binaries built
# against newer headers are still named.
X86_EXTRA = {
    451: "cachestat",
    452: "fchmodat2",
    453: "map_shadow_stack",
    454: "futex_wake",
    455: "futex_wait",
    456: "futex_requeue",
    457: "statmount",
    458: "listmount",
    459: "lsm_get_self_attr",
    460: "lsm_set_self_attr",
    461: "lsm_list_modules",
    462: "mseal",
}
# asm-generic numbers (aarch64) past the installed headers.
GENERIC_EXTRA = {
    451: "cachestat",
    452: "fchmodat2",
    454: "futex_wake",
    455: "futex_wait",
    456: "futex_requeue",
    457: "statmount",
    458: "listmount",
    459: "lsm_get_self_attr",
    460: "lsm_set_self_attr",
    461: "lsm_list_modules",
    462: "mseal",
}
# Reserved numbers no kernel implements: every kernel answers ENOSYS.
UNIMPLEMENTED = {"getpmsg", "putpmsg", "afs_syscall", "tuxcall", "security", "vserver",
                 "epoll_ctl_old", "epoll_wait_old"}
# Per-architecture corrections: the call reached the architecture later
# than it reached the kernel.
ARCH_LATER = {
    "aarch64": {"kexec_file_load": "5.0"},
}
# Macros of the headers that are not system calls.
NOT_CALLS = {"__NR_syscalls", "__NR_arch_specific_syscall"}
FLOOR = {"x86_64": "2.6", "aarch64": "3.7"}


def vkey(v):
    return tuple(int(x) for x in v.split("."))


def manpage_versions():
    text = gzip.open(MANPAGE, "rt").read()
    table = text[text.index(".TS"):text.index(".TE")]
    rows = {}
    lines = table.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"\\fB(\w+)\\fP\(2\)\t([^\t]*)(?:\t(.*))?$", lines[i])
        if m:
            name, ver, note = m.group(1), m.group(2), m.group(3) or ""
            if note == "T{":
                j = i + 1
                parts = []
                while lines[j] != "T}":
                    parts.append(lines[j])
                    j += 1
                note = " ".join(parts)
                i = j
            if not ver and "2.2" in note:
                ver = "2.2"  # pread64 / pwrite64: "Used for pread; renamed pread64 in 2.6"
            versions = re.findall(r"\d+(?:\.\d+)+", ver)
            if versions:
                removed = re.search(r"Removed in ([\d.]+)", note)
                rows[name] = (min(versions, key=vkey), removed.group(1) if removed else "")
        i += 1
    return rows


def header_numbers(defines):
    macros = {}
    for line in defines.splitlines():
        m = re.match(r"#define (\w+) (\w+)$", line.strip())
        if m:
            macros[m.group(1)] = m.group(2)
    out = {}
    for macro, value in macros.items():
        if not macro.startswith("__NR_") or macro in NOT_CALLS:
            continue
        seen = 0
        while value in macros and seen < 8:  # __NR_fcntl -> __NR3264_fcntl -> 25
            value, seen = macros[value], seen + 1
        if value.isdigit():
            out[int(value)] = macro[len("__NR_"):]
    return out


def arm64_defines():
    return subprocess.run(
        ["cpp", "-nostdinc", "-dM", "-I", str(ARM64_INCLUDE), "-include", "asm/unistd.h", "/dev/null"],
        check=True, capture_output=True, text=True).stdout


def write(arch, numbers, extra, man, outdir):
    numbers = dict(numbers)
    for num, name in extra.items():
        numbers.setdefault(num, name)
    lines = [f"# {arch} system calls: number, name, first kernel with it on {arch}, note.",
             "# Generated by scripts/gen-syscall-tables.py; sources in data/syscalls/README.md."]
    floor = FLOOR[arch]
    for num in sorted(numbers):
        name = numbers[num]
        note = ""
        if name in UNIMPLEMENTED:
            ver, note = floor, "unimplemented"
        elif name in NEWER:
            ver = NEWER[name]
        elif name in CORRECTIONS:
            ver = CORRECTIONS[name]
        elif name in man:
            ver, removed = man[name]
            if removed:
                note = f"removed in {removed}"
        else:
            sys.exit(f"{arch}: no first version known for {name} ({num}); add it to NEWER")
        ver = ARCH_LATER.get(arch, {}).get(name, ver)
        if vkey(ver) < vkey(floor):
            ver = floor
        lines.append(f"{num}\t{name}\t{ver}\t{note}".rstrip("\t"))
    (outdir / f"{arch}.tsv").write_text("\n".join(lines) + "\n")


def main():
    outdir = Path(sys.argv[1] if len(sys.argv) > 1 else "data/syscalls")
    man = manpage_versions()
    write("x86_64", header_numbers(X86_HEADER.read_text()), X86_EXTRA, man, outdir)
    write("aarch64", header_numbers(arm64_defines()), GENERIC_EXTRA, man, outdir)


if __name__ == "__main__":
    main()
