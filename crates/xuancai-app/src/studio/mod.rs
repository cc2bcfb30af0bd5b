//! The studio on the server (issue 7): cutout, background replacement
//! (IMG-2), face swap (IMG-3), stickers and packs (IMG-4) run as jobs on
//! the user's stored photos.
//!
//! - [`spec`]: what a client may ask for, parsed before it is queued;
//! - [`worker`]: the workers that claim jobs from the database queue under
//!   a lease, with bounded concurrency;
//! - [`run`]: one job — its inputs read from the owner's library, the
//!   engine run on a blocking thread, the result stored with the job (or,
//!   for a pack, a ZIP to download);
//! - [`results`]: a result read, saved to the library when the user asks,
//!   or its cut-out reused for another background (issue 22 items 3, 5);
//! - [`touchup`]: erase/restore strokes as a client sends them (item 4);
//! - [`external`]: third-party image APIs (IMG-5), off by default;
//! - [`Engines`]: the models, the font and the labeller, loaded once per
//!   process on first use and shared by every worker.

use std::sync::{Arc, Mutex};

use xuancai_aigc::Labeller;
use xuancai_imaging::text::Font;
use xuancai_stickers::Maker;
use xuancai_vision::{AssetDir, Studio};

pub mod external;
pub mod faces;
pub mod portrait;
pub mod results;
pub mod run;
pub mod spec;
pub mod touchup;
pub mod worker;

pub use external::ImageProcessor;

pub use spec::{Job, JobRequest};
pub use worker::JobError;

/// The models and the font, loaded on first use and kept for the life of
/// the process.
#[derive(Debug)]
pub struct Engines {
    assets: AssetDir,
    threads: usize,
    studio: Mutex<Option<Arc<Studio>>>,
    maker: Mutex<Option<Arc<Maker>>>,
    labeller: Mutex<Option<Arc<Labeller>>>,
    processor: Option<Arc<dyn ImageProcessor>>,
    credentials: Arc<xuancai_aigc::Credentials>,
}

impl Engines {
    pub fn new(
        assets: AssetDir,
        threads: usize,
        processor: Option<Arc<dyn ImageProcessor>>,
        credentials: Arc<xuancai_aigc::Credentials>,
    ) -> Self {
        Self {
            assets,
            threads: threads.max(1),
            studio: Mutex::new(None),
            maker: Mutex::new(None),
            labeller: Mutex::new(None),
            processor,
            credentials,
        }
    }

    /// The external image API cutouts go to, if the operator configured one (IMG-5).
    pub fn processor(&self) -> Option<&Arc<dyn ImageProcessor>> {
        self.processor.as_ref()
    }

    fn font(&self) -> Result<Font, JobError> {
        let path = self.assets.font().map_err(JobError::from)?;
        let bytes = std::fs::read(&path)
            .map_err(|e| JobError::internal(format!("reading the font {}: {e}", path.display())))?;
        Font::from_bytes(bytes).map_err(|e| JobError::internal(format!("the font: {e}")))
    }

    /// The AI-content labeller (IMG-3). Blocking.
    pub fn labeller(&self) -> Result<Arc<Labeller>, JobError> {
        let mut slot = self.labeller.lock().map_err(|_| Self::poisoned())?;
        if let Some(l) = slot.as_ref() {
            return Ok(l.clone());
        }
        let labeller = Arc::new(Labeller::new(self.font()?).with_credentials(self.credentials.clone()));
        *slot = Some(labeller.clone());
        Ok(labeller)
    }

    fn poisoned() -> JobError {
        JobError::internal("the engine cache is poisoned")
    }

    /// The cutout studio (ONNX Runtime from the asset cache). Blocking: call
    /// from a blocking thread.
    pub fn studio(&self) -> Result<Arc<Studio>, JobError> {
        let mut slot = self.studio.lock().map_err(|_| Self::poisoned())?;
        if let Some(s) = slot.as_ref() {
            return Ok(s.clone());
        }
        let studio =
            Arc::new(Studio::with_onnxruntime(self.assets.clone(), self.threads).map_err(JobError::from)?);
        tracing::info!(engine = %studio.engine_name(), threads = self.threads, "studio engines loaded");
        *slot = Some(studio.clone());
        Ok(studio)
    }

    /// The sticker maker (the font and the cutout studio). Blocking.
    pub fn maker(&self) -> Result<Arc<Maker>, JobError> {
        let mut slot = self.maker.lock().map_err(|_| Self::poisoned())?;
        if let Some(m) = slot.as_ref() {
            return Ok(m.clone());
        }
        let maker =
            Arc::new(Maker::new(self.font()?, Some(self.studio()?)).with_assets_encoders(&self.assets));
        *slot = Some(maker.clone());
        Ok(maker)
    }
}
