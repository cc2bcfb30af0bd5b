//! Blob stores reached over the network: an S3-compatible bucket.

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use xuancai_app::blobs::{BlobError, Blobs};

/// `None` → `DATA_DIR/blobs`; `file:///PATH`; or `s3://BUCKET[/…]` with
/// credentials and endpoint from the usual `AWS_…` variables
/// (`AWS_ENDPOINT_URL` for an S3-compatible server; plain `http://`
/// endpoints are allowed for loopback test servers) and the bucket's
/// declared `region` (RET-1: checked at start; never a default).
pub fn open(url: Option<&str>, region: Option<&str>, data_dir: &std::path::Path) -> Result<Blobs, BlobError> {
    let Some(u) = url.filter(|u| u.starts_with("s3://")) else {
        return Blobs::open_local(url, data_dir);
    };
    let mut b = AmazonS3Builder::from_env().with_url(u);
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .or_else(|_| std::env::var("AWS_ENDPOINT"))
        .ok();
    if let Some(ep) = &endpoint {
        b = b.with_endpoint(ep).with_allow_http(ep.starts_with("http://"));
    }
    if let Some(r) = region {
        b = b.with_region(r);
    }
    let store = b.build().map_err(BlobError::from)?;
    Ok(Blobs::new(
        Arc::new(store),
        format!("{u} via {}", endpoint.as_deref().unwrap_or("AWS")),
    ))
}
