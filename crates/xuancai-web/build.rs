//! Embed every file under `static/` (no download, no JavaScript build: the
//! app is plain ES modules). Writes `$OUT_DIR/assets.rs`, a sorted table of
//! `(path, bytes, etag)`; the etag is a 64-bit FNV-1a of the contents.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("static");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files)?;
    files.sort();
    let mut table = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let rel = f
            .strip_prefix(&root)?
            .to_str()
            .ok_or("non-UTF-8 file name under static/")?
            .replace('\\', "/");
        let etag = fnv1a(&std::fs::read(f)?);
        writeln!(
            table,
            "    ({rel:?}, include_bytes!({:?}), \"\\\"{etag:016x}\\\"\"),",
            f.display().to_string()
        )?;
    }
    table.push(']');
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("assets.rs");
    std::fs::write(out, table)?;
    Ok(())
}
