//! Xuancai's AI-content labels.
//!
//! Every image Xuancai makes with a face model carries three labels, as the
//! deep-synthesis provisions, the 2025 AI-content labelling measures and the
//! national standard GB 45438-2025 ask (IMG-3):
//!
//! - a visible one ([`visible`]): "AI生成" in a corner, at least 5 % of the
//!   shorter side high, drawn into the pixels;
//! - an implicit one ([`xmp`]): the standard's `AIGC` metadata entry in the
//!   file's XMP (PNG, JPEG, WebP);
//! - content credentials ([`credentials`]): a signed C2PA manifest declaring
//!   the AI-edited digital source type.
//!
//! [`inspect`] reads the implicit labels back (`xuancai inspect`). This
//! crate depends on the imaging core and the `c2pa` SDK only; the CLI and
//! the server call [`Labeller`] on every output path.

pub mod credentials;
pub mod error;
pub mod visible;
pub mod xmp;

pub use error::{AigcError, Result};
pub use visible::{Corner, Placement};
pub use xmp::{Aigc, Container};

use std::sync::Arc;

pub use credentials::Credentials;
use xuancai_imaging::RgbaImage;
use xuancai_imaging::text::Font;

/// Who makes and who spreads a labelled file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The service provider (ContentProducer), e.g. the operator's name or code.
    pub producer: String,
    /// This output's unique id (ProduceID).
    pub produce_id: String,
    /// The publishing platform and its id, when the output is spread.
    pub propagator: Option<(String, String)>,
    /// What was done, for the manifest ("face swap").
    pub action: String,
}

/// Labels outputs: the visible mark on pixels, then metadata and manifest on
/// the encoded file.
#[derive(Debug, Clone)]
pub struct Labeller {
    font: Font,
    text: String,
    corner: Corner,
    credentials: Arc<Credentials>,
}

impl Labeller {
    /// A labeller signing with the ephemeral development chain; give it the
    /// operator's with [`Labeller::with_credentials`].
    pub fn new(font: Font) -> Self {
        Self {
            font,
            text: visible::TEXT.into(),
            corner: Corner::default(),
            credentials: Arc::new(Credentials::ephemeral()),
        }
    }

    /// Sign with these credentials.
    pub fn with_credentials(mut self, credentials: Arc<Credentials>) -> Self {
        self.credentials = credentials;
        self
    }

    /// Load the font from a file (the CJK font of the asset cache).
    pub fn from_font_file(path: &std::path::Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| {
            AigcError::Imaging(xuancai_imaging::ImagingError::Font(format!(
                "{}: {e}",
                path.display()
            )))
        })?;
        Ok(Self::new(Font::from_bytes(bytes)?))
    }

    pub fn with_corner(mut self, corner: Corner) -> Self {
        self.corner = corner;
        self
    }

    /// Draw the visible label.
    pub fn mark(&self, img: &mut RgbaImage) -> Result<Placement> {
        visible::draw(img, &self.font, &self.text, self.corner)
    }

    /// Write the implicit label and sign the content credentials of a new
    /// image (`c2pa.created`).
    pub fn finish(&self, encoded: &[u8], p: &Provenance) -> Result<Vec<u8>> {
        self.label(encoded, p, None)
    }

    /// As [`Labeller::finish`] for an edit of `original` (the file it was
    /// made from): `c2pa.opened` with the original as parent ingredient,
    /// then `c2pa.edited`.
    pub fn finish_edit(&self, encoded: &[u8], p: &Provenance, original: &[u8]) -> Result<Vec<u8>> {
        self.label(encoded, p, Some(original))
    }

    fn label(&self, encoded: &[u8], p: &Provenance, original: Option<&[u8]>) -> Result<Vec<u8>> {
        let (propagator, propagate_id) = p.propagator.clone().unwrap_or_default();
        let aigc = Aigc {
            label: "1".into(),
            content_producer: p.producer.clone(),
            produce_id: p.produce_id.clone(),
            reserved_code1: String::new(),
            content_propagator: propagator,
            propagate_id,
            reserved_code2: String::new(),
        };
        let with_xmp = xmp::embed(encoded, &aigc)?;
        credentials::sign(
            &with_xmp,
            &credentials::Claim {
                generator: "xuancai",
                version: env!("CARGO_PKG_VERSION"),
                title: &p.produce_id,
                description: &p.action,
            },
            &self.credentials,
            original,
        )
    }
}

/// The labels a file carries.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub format: &'static str,
    /// The GB 45438-2025 `AIGC` entry.
    pub aigc: Option<Aigc>,
    /// The C2PA manifest.
    pub c2pa: Option<credentials::Summary>,
}

impl Report {
    /// Both implicit labels are present and say "AI".
    pub fn is_labelled(&self) -> bool {
        self.aigc.as_ref().is_some_and(|a| a.label == "1")
            && self.c2pa.as_ref().is_some_and(credentials::Summary::declares_ai)
    }
}

/// Read a file's implicit labels.
pub fn inspect(bytes: &[u8]) -> Result<Report> {
    let container = Container::sniff(bytes).ok_or(AigcError::UnsupportedFormat)?;
    Ok(Report {
        format: container.mime(),
        aigc: xmp::read(bytes),
        c2pa: credentials::read(bytes)?,
    })
}
