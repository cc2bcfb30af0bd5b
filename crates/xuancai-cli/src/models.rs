//! `xuancai models`: what is in the asset cache.

use std::process::ExitCode;

use xuancai_vision::AssetDir;

use crate::cli::ModelsArgs;

pub fn run(args: ModelsArgs) -> anyhow::Result<ExitCode> {
    let dir = AssetDir::from_env();
    let mut ok = true;
    let mut rows = Vec::new();
    for id in AssetDir::ids() {
        let Some(info) = dir.info(&id) else { continue };
        let present = info.path.is_file();
        let verified = if args.verify && present {
            Some(dir.verify(&id)?)
        } else {
            None
        };
        if verified == Some(false) {
            ok = false;
        }
        rows.push(serde_json::json!({
            "id": id,
            "present": present,
            "verified": verified,
            "path": info.path,
            "package": format!("{} {}@{}", info.package.registry, info.package.name, info.package.version),
            "license": info.package.license,
            "sha256": info.sha256,
        }));
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({ "assets_dir": dir.root(), "assets": rows })
        );
    } else {
        println!("asset cache: {}", dir.root().display());
        for r in &rows {
            let state = match (r["present"].as_bool(), r["verified"].as_bool()) {
                (Some(false), _) => "missing",
                (_, Some(true)) => "ok (sha256 verified)",
                (_, Some(false)) => "CORRUPT (sha256 mismatch)",
                _ => "present",
            };
            println!(
                "{:<22} {:<26} {}  [{}]",
                r["id"].as_str().unwrap_or_default(),
                state,
                r["package"].as_str().unwrap_or_default(),
                r["license"].as_str().unwrap_or_default()
            );
        }
    }
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
