//! The studio on the server (issue 7): cutout, background replacement
//! (IMG-2) and stickers (IMG-4) run as jobs on the user's stored photos.
//!
//! - [`spec`]: what a client may ask for, parsed before it is queued;
//! - [`worker`]: the workers that claim jobs from the database queue under
//!   a lease, run them with bounded concurrency and store the results as
//!   new photos in the user's library;
//! - [`Engines`]: the models and the font, loaded once per process on first
//!   use and shared by every worker.

use std::sync::{Arc, Mutex};

use xuancai_imaging::text::Font;
use xuancai_stickers::Maker;
use xuancai_vision::{AssetDir, Studio};

pub mod spec;
pub mod worker;

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
}

impl Engines {
    pub fn new(assets: AssetDir, threads: usize) -> Self {
        Self {
            assets,
            threads: threads.max(1),
            studio: Mutex::new(None),
            maker: Mutex::new(None),
        }
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
        let path = self.assets.font().map_err(JobError::from)?;
        let bytes = std::fs::read(&path)
            .map_err(|e| JobError::internal(format!("reading the font {}: {e}", path.display())))?;
        let font = Font::from_bytes(bytes).map_err(|e| JobError::internal(format!("the font: {e}")))?;
        let maker = Arc::new(Maker::new(font, Some(self.studio()?)));
        *slot = Some(maker.clone());
        Ok(maker)
    }
}
