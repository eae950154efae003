//! The human-readable report: files with findings, worst first, each
//! finding on its own line with the symbols that cause it, then a summary.

use std::io::{self, Write};

use super::report::Report;
use crate::finding::{Finding, Severity};

/// How to print.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Style {
    /// ANSI colours (the CLI decides, in `commands::colour`).
    pub(crate) colour: bool,
    /// Only errors: files without errors and all warnings and notes are left out.
    pub(crate) quiet: bool,
}

/// Symbols listed per finding before "and N more".
const SYMBOLS_SHOWN: usize = 6;

fn paint(style: Style, code: &str, text: &str) -> String {
    if style.colour {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn severity_label(style: Style, finding: &Finding) -> String {
    match (finding.severity, finding.kind) {
        (_, crate::finding::FindingKind::Unreadable) => paint(style, "1;31", "unreadable"),
        (Severity::Error, _) => paint(style, "1;31", "error"),
        (Severity::Warning, _) => paint(style, "33", "warning"),
        (Severity::Note, _) => paint(style, "36", "note"),
    }
}

/// Writes `report` for a person to read.
pub(crate) fn write(out: &mut impl Write, report: &Report, style: Style) -> io::Result<()> {
    for file in &report.files {
        let shown: Vec<&Finding> =
            file.findings.iter().filter(|f| !style.quiet || f.severity == Severity::Error).collect();
        if shown.is_empty() {
            continue;
        }
        let what = match (&file.kind, &file.arch) {
            (Some(kind), Some(arch)) => format!(" ({}, {arch})", kind.describe()),
            _ => String::new(),
        };
        writeln!(out, "{}{what}", paint(style, "1", file.shown_path()))?;
        for finding in shown {
            writeln!(out, "  {}: {}", severity_label(style, finding), finding.message)?;
            if !finding.symbols.is_empty() {
                let mut list = finding.symbols.iter().take(SYMBOLS_SHOWN).cloned().collect::<Vec<_>>().join(", ");
                if finding.symbols.len() > SYMBOLS_SHOWN {
                    list.push_str(&format!(" and {} more", finding.symbols.len() - SYMBOLS_SHOWN));
                }
                writeln!(out, "      for: {list}")?;
            }
            if !finding.locations.is_empty() {
                let list = finding.locations.iter().take(SYMBOLS_SHOWN).cloned().collect::<Vec<_>>().join(", ");
                writeln!(out, "      at: {list}")?;
            }
        }
    }
    write_summary(out, report, style)
}

fn write_summary(out: &mut impl Write, report: &Report, style: Style) -> io::Result<()> {
    let s = &report.summary;
    let t = &report.target;
    let mut parts = vec![format!("{} file{} checked", s.files, if s.files == 1 { "" } else { "s" })];
    for (count, label) in [(s.error, "with errors"), (s.warning, "with warnings only"), (s.unreadable, "unreadable")] {
        if count > 0 {
            parts.push(format!("{count} {label}"));
        }
    }
    parts.push(format!("{} ok", s.ok));
    let verdict = if s.unreadable > 0 {
        paint(style, "1;31", "SOME INPUT UNREADABLE")
    } else if s.compatible {
        paint(style, "1;32", "compatible")
    } else {
        paint(style, "1;31", "NOT compatible")
    };
    let mode = if report.portable { ", portable" } else { "" };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut skipped = format!("{} non-ELF file{} skipped", s.skipped_non_elf, plural(s.skipped_non_elf));
    if s.skipped_special > 0 {
        skipped.push_str(&format!(
            ", {} device{}/FIFO{}/socket{} not opened",
            s.skipped_special,
            plural(s.skipped_special),
            plural(s.skipped_special),
            plural(s.skipped_special)
        ));
    }
    if s.skipped_dangling > 0 {
        skipped.push_str(&format!(", {} dangling symlink{} skipped", s.skipped_dangling, plural(s.skipped_dangling)));
    }
    writeln!(
        out,
        "{} (glibc {}, Linux {}{mode}): {}; {skipped}: {verdict}",
        t.label(),
        t.glibc,
        t.kernel,
        parts.join(", ")
    )?;
    if !report.syscalls {
        writeln!(out, "(system calls not analysed: --no-syscalls)")?;
    }
    Ok(())
}
