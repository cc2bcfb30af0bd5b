//! Helpers shared by the CLI tests: run the real binary, find test photos.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn xuancai(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xuancai"))
        .args(args)
        .env("XUANCAI_THREADS", "2")
        .output()
        .unwrap_or_else(|e| panic!("running xuancai: {e}"))
}

pub fn testdata(name: &str) -> PathBuf {
    xuancai_vision::AssetDir::from_env()
        .root()
        .join("testdata")
        .join(name)
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap_or_else(|| panic!("utf-8 path"))
}

/// The JSON Lines a command printed on stdout.
pub fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// The address a `xuancai serve` child announces on its stderr
/// (`listening on URL`); its stderr is drained on a thread from then on.
pub fn announced(child: &mut std::process::Child) -> String {
    use std::io::{BufRead, BufReader};
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("stderr"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on ").nth(1) {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    rx.recv_timeout(std::time::Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("the server did not start: {e}"))
}
