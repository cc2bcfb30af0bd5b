//! Shared helpers for the vision integration tests.

use std::path::PathBuf;
use std::sync::OnceLock;

use xuancai_imaging::decode::{DecodeLimits, decode};
use xuancai_imaging::{GrayImage, RgbaImage};
use xuancai_vision::{AssetDir, GeneralWeights, Studio};

pub fn studio() -> &'static Studio {
    static STUDIO: OnceLock<Studio> = OnceLock::new();
    STUDIO.get_or_init(|| {
        Studio::with_onnxruntime(AssetDir::from_env(), 2)
            .unwrap_or_else(|e| panic!("ONNX Runtime must be installed by `make setup`: {e}"))
    })
}

/// A studio whose `general` runs the fp32 reference weights.
pub fn studio_fp32() -> &'static Studio {
    static STUDIO: OnceLock<Studio> = OnceLock::new();
    STUDIO.get_or_init(|| {
        Studio::with_onnxruntime(AssetDir::from_env(), 2)
            .unwrap_or_else(|e| panic!("ONNX Runtime must be installed by `make setup`: {e}"))
            .with_general_weights(GeneralWeights::Fp32)
    })
}

/// Every photo of the asset cache's test data, by file name.
pub fn all_photos() -> Vec<String> {
    let dir = AssetDir::from_env().root().join("testdata");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} (run `make setup`): {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| {
            [".jpg", ".jpeg", ".png"]
                .iter()
                .any(|x| n.to_lowercase().ends_with(x))
        })
        .collect();
    names.sort();
    names
}

pub fn general_skipped() -> bool {
    std::env::var("XUANCAI_SKIP_AGPL_MODELS").as_deref() == Ok("1")
}

pub fn testdata(name: &str) -> PathBuf {
    AssetDir::from_env().root().join("testdata").join(name)
}

pub fn photo(name: &str) -> RgbaImage {
    let path = testdata(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{} (run `make setup`): {e}", path.display()));
    decode(&bytes, &DecodeLimits::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .image
}

pub fn reference_mask(name: &str) -> GrayImage {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.ref-mask.png"));
    image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_luma8()
}

/// Intersection over union of two masks thresholded at 50 %, after scaling
/// `mask` to the reference's size.
pub fn iou(mask: &GrayImage, reference: &GrayImage) -> f64 {
    let scaled = image::imageops::resize(
        mask,
        reference.width(),
        reference.height(),
        image::imageops::FilterType::Triangle,
    );
    let (mut inter, mut union) = (0u64, 0u64);
    for (a, b) in scaled.pixels().zip(reference.pixels()) {
        let (a, b) = (a.0[0] >= 128, b.0[0] >= 128);
        inter += u64::from(a && b);
        union += u64::from(a || b);
    }
    inter as f64 / union.max(1) as f64
}
