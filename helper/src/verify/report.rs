//! Reading the serial console back into one [`Outcome`] per file.

use super::{
    initramfs::{Placed, BEGIN, DONE, END, KERNEL},
    qemu::Boot,
    Outcome, Verification,
};

/// What glibc's loader (and a static glibc's startup) prints, before exiting,
/// when the running kernel is older than the minimum it was built for
/// (`--enable-kernel`).
pub(crate) const KERNEL_TOO_OLD: &str = "FATAL: kernel too old";

pub(crate) fn parse(boot: &Boot, placed: &[Placed]) -> Verification {
    let mut kernel = None;
    let mut outputs: Vec<(Vec<String>, Option<i32>, bool)> = vec![(Vec::new(), None, false); placed.len()];
    let mut current: Option<usize> = None;
    let mut done = false;
    for line in boot.serial.lines() {
        // Firmware escape sequences may precede a marker on its line.
        let after = |marker: &str| line.find(marker).map(|at| &line[at + marker.len()..]);
        if let Some(rest) = after(KERNEL) {
            kernel = Some(rest.trim().to_string());
        } else if let Some(rest) = after(BEGIN) {
            current = rest.trim().parse().ok().filter(|i| *i < placed.len());
            if let Some(i) = current {
                outputs[i].2 = true;
            }
        } else if let Some(rest) = after(END) {
            let mut parts = rest.split_whitespace();
            if let (Some(Ok(i)), Some(Ok(status))) =
                (parts.next().map(str::parse::<usize>), parts.next().map(str::parse))
            {
                if let Some(slot) = outputs.get_mut(i) {
                    slot.1 = Some(status);
                }
            }
            current = None;
        } else if after(DONE).is_some() {
            done = true;
        } else if let Some(i) = current {
            outputs[i].0.push(line.to_string());
        }
    }
    let files = placed
        .iter()
        .zip(outputs)
        .map(|(p, (mut lines, status, started))| {
            while lines.last().is_some_and(|l| l.is_empty()) {
                lines.pop();
            }
            let error = p.error.clone().or_else(|| match status {
                Some(_) => None,
                None if boot.timed_out && started => Some("timed out while it ran".to_string()),
                None if boot.timed_out => Some("the boot timed out before it ran".to_string()),
                None if !done => Some("the kernel stopped before it ran (see the boot log with --verbose)".to_string()),
                None => Some("no exit status on the console".to_string()),
            });
            let output = lines.join("\n");
            Outcome {
                file: p.file.display().to_string(),
                status,
                kernel_too_old: output.contains(KERNEL_TOO_OLD),
                output,
                missing: p.missing.clone(),
                error,
            }
        })
        .collect();
    Verification {
        kernel,
        boot_seconds: boot.seconds,
        timed_out: boot.timed_out,
        finished: done,
        files,
        log: boot.serial.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn placed(n: usize) -> Vec<Placed> {
        (0..n)
            .map(|i| Placed {
                file: PathBuf::from(format!("f{i}")),
                inside: Some(format!("/verify/bin/{i}")),
                missing: vec![],
                error: None,
            })
            .collect()
    }

    #[test]
    fn markers_are_found_after_firmware_noise() {
        let serial = format!(
            "\x1bc\x1b[2J{KERNEL} 5.10.0-32-amd64\n{BEGIN} 0\nhello\n\n{END} 0 0\n{BEGIN} 1\nno\n{END} 1 1\n{DONE}\n"
        );
        let v = parse(&Boot { serial, timed_out: false, seconds: 1.0 }, &placed(3));
        assert_eq!(v.kernel.as_deref(), Some("5.10.0-32-amd64"));
        assert_eq!((v.files[0].status, v.files[0].output.as_str()), (Some(0), "hello"));
        assert_eq!((v.files[1].status, v.files[1].output.as_str()), (Some(1), "no"));
        assert_eq!(v.files[2].status, None);
        assert!(v.files[2].error.is_some());
        assert!(v.finished && !v.timed_out);
        assert!(v.files.iter().all(|f| !f.kernel_too_old));
    }

    #[test]
    fn a_loader_refusing_the_kernel_is_reported_as_such() {
        let serial = format!("{KERNEL} 5.10.0-32-amd64\n{BEGIN} 0\nFATAL: kernel too old\n{END} 0 127\n{DONE}\n");
        let v = parse(&Boot { serial, timed_out: false, seconds: 1.0 }, &placed(1));
        assert_eq!(v.files[0].status, Some(127));
        assert!(v.files[0].kernel_too_old);
        assert!(v.finished && !v.timed_out);
    }

    #[test]
    fn a_timed_out_boot_is_not_finished() {
        let v = parse(&Boot { serial: String::new(), timed_out: true, seconds: 1.0 }, &placed(1));
        assert!(v.timed_out && !v.finished && v.kernel.is_none());
        assert_eq!(v.files[0].error.as_deref(), Some("the boot timed out before it ran"));
    }
}
