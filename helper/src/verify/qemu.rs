//! Booting a kernel with an initramfs under qemu (TCG), serial console on
//! stdout, and collecting what it prints until it powers off or time runs out.

use std::{
    io::Read,
    path::Path,
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};

/// What one boot printed, and whether it ended by itself.
pub(crate) struct Boot {
    pub(crate) serial: String,
    pub(crate) timed_out: bool,
    pub(crate) seconds: f64,
}

pub(crate) fn boot(qemu: &Path, kernel: &Path, initrd: &Path, memory_mib: u32, timeout: Duration) -> Result<Boot> {
    let started = Instant::now();
    let mut child = Command::new(qemu)
        .args(["-accel", "tcg", "-cpu", "max", "-smp", "1", "-nographic", "-no-reboot", "-nodefaults"])
        .args(["-serial", "stdio", "-m"])
        .arg(memory_mib.to_string())
        .arg("-kernel")
        .arg(kernel)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", qemu.display()))?;
    let mut stdout = child.stdout.take().context("qemu stdout")?;
    let mut stderr = child.stderr.take().context("qemu stderr")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = String::new();
        let _ = stderr.read_to_string(&mut buf);
        buf
    });
    let (serial, timed_out) = match rx.recv_timeout(timeout) {
        Ok(buf) => (buf, false),
        Err(_) => {
            let _ = child.kill();
            (rx.recv().unwrap_or_default(), true)
        }
    };
    let status = child.wait().context("waiting for qemu")?;
    let errors = err_thread.join().unwrap_or_default();
    if !status.success() && !timed_out && serial.is_empty() {
        bail!("{} failed ({status}): {}", qemu.display(), errors.trim());
    }
    Ok(Boot {
        serial: String::from_utf8_lossy(&serial).replace('\r', ""),
        timed_out,
        seconds: started.elapsed().as_secs_f64(),
    })
}
