//! Writing outputs atomically: a temporary file in the destination folder,
//! renamed into place only when complete, so a failure leaves nothing behind.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

pub fn write_atomic(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".xuancai-")
        .suffix(".part")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(data)?;
    // Temporary files are created private (0600); a finished output gets the
    // usual permissions, as if it had been created directly.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// A batch of inputs: a progress bar (hidden for one input or JSON Lines),
/// failures reported as they happen with their stable code, and the exit
/// code at the end (1 when any input failed).
pub struct Batch {
    bar: indicatif::ProgressBar,
    json: bool,
    total: usize,
    failures: usize,
}

impl Batch {
    pub fn new(total: usize, json: bool) -> Self {
        let bar = if json || total < 2 {
            indicatif::ProgressBar::hidden()
        } else {
            let b = indicatif::ProgressBar::new(total as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {wide_msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b
        };
        Self {
            bar,
            json,
            total,
            failures: 0,
        }
    }

    /// One input is starting.
    pub fn start(&self, input: &Path) {
        self.bar.set_message(input.display().to_string());
    }

    /// One input finished.
    pub fn done(&self) {
        self.bar.inc(1);
    }

    /// One input failed: a JSON line or a message above the bar.
    pub fn failed(&mut self, input: &Path, code: &str, message: &str) {
        self.failures += 1;
        if self.json {
            println!(
                "{}",
                serde_json::json!({"input": input, "ok": false, "error": {"code": code, "message": message}})
            );
        } else {
            self.bar
                .suspend(|| eprintln!("xuancai: {}: {message} [{code}]", input.display()));
        }
    }

    pub fn finish(self) -> std::process::ExitCode {
        self.bar.finish_and_clear();
        if self.failures == 0 {
            return std::process::ExitCode::SUCCESS;
        }
        if !self.json {
            eprintln!("xuancai: {} of {} inputs failed", self.failures, self.total);
        }
        std::process::ExitCode::FAILURE
    }
}
