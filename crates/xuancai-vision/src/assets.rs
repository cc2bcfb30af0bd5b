//! The asset manifest (embedded from `assets/manifest.json`) and the asset
//! cache where `tools/assets/fetch.py` puts models and the ONNX Runtime
//! library.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Result, VisionError};

const MANIFEST: &str = include_str!("../../../assets/manifest.json");

/// The manifest id of the CJK font.
pub const FONT_CJK: &str = "font_cjk_bold";

/// Models Xuancai ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelId {
    /// MediaPipe selfie segmentation (Apache-2.0), 256×256, people.
    Portrait,
    /// ISNet general-use (AGPL-3.0 package), 1024×1024, any salient object:
    /// the static int8 graph the set-up step quantizes (issue 21 item 3).
    General,
    /// The same ISNet in fp32, the reference the int8 graph is measured
    /// against (and what `--general-weights fp32` runs).
    GeneralFp32,
    /// BlazeFace short range.
    FaceDetectionShort,
    /// BlazeFace full range.
    FaceDetectionFull,
    /// FaceMesh 468 landmarks.
    FaceLandmark,
    /// Yahoo open_nsfw (BSD-2 weights), the content-safety classifier.
    Nsfw,
}

impl ModelId {
    pub const ALL: [ModelId; 7] = [
        Self::Portrait,
        Self::General,
        Self::GeneralFp32,
        Self::FaceDetectionShort,
        Self::FaceDetectionFull,
        Self::FaceLandmark,
        Self::Nsfw,
    ];

    /// The id used in the manifest and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Portrait => "portrait",
            Self::General => "general",
            Self::GeneralFp32 => "general_fp32",
            Self::FaceDetectionShort => "face_detection_short",
            Self::FaceDetectionFull => "face_detection_full",
            Self::FaceLandmark => "face_landmark",
            Self::Nsfw => "nsfw",
        }
    }
}

#[derive(Debug, Deserialize)]
struct Manifest {
    packages: std::collections::BTreeMap<String, Package>,
    files: Vec<FileEntry>,
}

/// A registry package named in the manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    pub registry: String,
    pub name: String,
    pub version: String,
    pub sha256: String,
    pub license: String,
}

#[derive(Debug, Clone, Deserialize)]
struct FileEntry {
    id: String,
    package: String,
    dest: String,
    sha256: String,
}

/// One file of the asset cache, as the manifest describes it.
#[derive(Debug, Clone)]
pub struct AssetInfo {
    pub id: String,
    pub path: PathBuf,
    pub sha256: String,
    pub package: Package,
}

/// The asset cache: `$XUANCAI_ASSETS_DIR`, else `$XDG_CACHE_HOME/xuancai`,
/// else `~/.cache/xuancai`; and the ONNX Runtime library in it, unless one
/// is named (`$ORT_DYLIB_PATH`).
#[derive(Debug, Clone)]
pub struct AssetDir {
    root: PathBuf,
    runtime: Option<PathBuf>,
}

impl AssetDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            runtime: None,
        }
    }

    /// The cache in the user's cache directory (`$XDG_CACHE_HOME/xuancai`,
    /// else `~/.cache/xuancai`), where `fetch.py` puts it by default.
    pub fn in_user_cache() -> Self {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(|| PathBuf::from(".cache"));
        Self::new(cache.join("xuancai"))
    }

    /// The directory and runtime from the environment, as `fetch.py`
    /// chooses them (the CLI's tools; the server takes both from its
    /// settings instead).
    pub fn from_env() -> Self {
        let dir = match std::env::var_os("XUANCAI_ASSETS_DIR").filter(|d| !d.is_empty()) {
            Some(d) => Self::new(d),
            None => Self::in_user_cache(),
        };
        dir.with_runtime(
            std::env::var_os("ORT_DYLIB_PATH")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
        )
    }

    /// Use this ONNX Runtime library instead of the cached one.
    #[must_use]
    pub fn with_runtime(mut self, library: Option<PathBuf>) -> Self {
        self.runtime = library;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Manifest facts and the cache path of the file with this id.
    pub fn info(&self, id: &str) -> Option<AssetInfo> {
        let m: Manifest = serde_json::from_str(MANIFEST).ok()?;
        let f = m.files.into_iter().find(|f| f.id == id)?;
        let package = m.packages.get(&f.package)?.clone();
        Some(AssetInfo {
            id: f.id,
            path: self.root.join(&f.dest),
            sha256: f.sha256,
            package,
        })
    }

    /// The path of a model, if it is present.
    pub fn model(&self, id: ModelId) -> Result<PathBuf> {
        let info = self
            .info(id.as_str())
            .ok_or_else(|| VisionError::ModelUnavailable {
                model: id.as_str(),
                reason: "not in the manifest".into(),
            })?;
        if !info.path.is_file() {
            return Err(VisionError::ModelUnavailable {
                model: id.as_str(),
                reason: format!(
                    "{} is missing; run `python3 tools/assets/fetch.py` (or `make setup`){}",
                    info.path.display(),
                    if matches!(id, ModelId::General | ModelId::GeneralFp32) {
                        " without --skip-agpl"
                    } else {
                        ""
                    }
                ),
            });
        }
        Ok(info.path)
    }

    /// The path of any other cached file (a font, test data) by manifest id.
    pub fn file(&self, id: &'static str) -> Result<PathBuf> {
        let info = self.info(id).ok_or_else(|| VisionError::ModelUnavailable {
            model: id,
            reason: "not in the manifest".into(),
        })?;
        if !info.path.is_file() {
            return Err(VisionError::ModelUnavailable {
                model: id,
                reason: format!(
                    "{} is missing; run `python3 tools/assets/fetch.py` (or `make setup`)",
                    info.path.display()
                ),
            });
        }
        Ok(info.path)
    }

    /// The CJK font (Source Han Sans SC Bold) used for labels and captions.
    pub fn font(&self) -> Result<PathBuf> {
        self.file(FONT_CJK)
    }

    /// The ONNX Runtime shared library: the one named (`with_runtime`),
    /// else the one from the asset cache.
    pub fn onnxruntime_library(&self) -> Result<PathBuf> {
        if let Some(p) = &self.runtime {
            return Ok(p.clone());
        }
        let info = self
            .info("onnxruntime")
            .ok_or_else(|| VisionError::RuntimeUnavailable("not in the manifest".into()))?;
        if !info.path.is_file() {
            return Err(VisionError::RuntimeUnavailable(format!(
                "{} is missing; run `python3 tools/assets/fetch.py` (or `make setup`)",
                info.path.display()
            )));
        }
        Ok(info.path)
    }

    /// Check a cached file against the manifest's sha256.
    pub fn verify(&self, id: &str) -> Result<bool> {
        let info = self.info(id).ok_or_else(|| VisionError::ModelUnavailable {
            model: "unknown",
            reason: format!("{id} is not in the manifest"),
        })?;
        let bytes = std::fs::read(&info.path).map_err(|e| VisionError::ModelUnavailable {
            model: "asset",
            reason: format!("{}: {e}", info.path.display()),
        })?;
        let digest = Sha256::digest(&bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok(hex == info.sha256)
    }

    /// Every id in the manifest.
    pub fn ids() -> Vec<String> {
        serde_json::from_str::<Manifest>(MANIFEST)
            .map(|m| m.files.into_iter().map(|f| f.id).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_parses_and_names_every_model() {
        let dir = AssetDir::new("/nonexistent");
        for id in ModelId::ALL {
            let info = dir.info(id.as_str()).expect("in manifest");
            assert_eq!(info.sha256.len(), 64);
            assert!(!info.package.license.is_empty());
        }
        assert!(AssetDir::ids().len() >= 6);
    }

    #[test]
    fn a_missing_model_is_a_typed_error() {
        let dir = AssetDir::new("/nonexistent");
        let err = dir.model(ModelId::General).expect_err("missing");
        assert_eq!(err.code(), "model_unavailable");
        assert!(err.to_string().contains("fetch.py"));
    }
}
