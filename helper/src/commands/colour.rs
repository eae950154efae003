//! Whether a report is coloured, decided here for every command: only on a
//! terminal, and never with `NO_COLOR` set to anything but the empty string
//! (as README.md says).

use std::io::IsTerminal;

use crate::scan::human::Style;

/// Whether what is written to `stream` gets colours.
fn wanted(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The style of a human-readable report written to `stream`.
pub(crate) fn report_style(stream: &impl IsTerminal, quiet: bool) -> Style {
    Style { colour: wanted(stream), quiet }
}
