//! External image processors (IMG-5): an adapter trait for third-party
//! image APIs, off by default. When the operator configures one
//! (`studio_processor`, `studio_processor_url`), cutout jobs send the photo
//! to it instead of running the local models; every call is logged as a
//! disclosure (DATA-6) and the processor shows as enabled in the published
//! register (DATA-4). Without one, no image leaves the server. The HTTP
//! adapter is `xuancai_outbound::processor::HttpProcessor`.

use std::future::Future;
use std::pin::Pin;

use xuancai_domain::privacy::Processor;

use super::JobError;

pub type ProcessFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, JobError>> + Send + 'a>>;

/// A third-party image API.
pub trait ImageProcessor: Send + Sync + std::fmt::Debug {
    /// Its entry in the register of processors.
    fn register(&self) -> &'static Processor;
    /// The subject of the photo cut out: an image with alpha (PNG, WebP).
    fn cutout<'a>(&'a self, photo: &'a [u8], file_name: &'a str) -> ProcessFuture<'a>;
}
