//! Blob stores reached over the network: an S3-compatible bucket.

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use xuancai_app::blobs::{BlobError, Blobs};
use xuancai_app::settings::S3Settings;

/// `None` → `DATA_DIR/blobs`; `file:///PATH`; or `s3://BUCKET[/…]` with
/// the endpoint and credentials of the settings' `s3` (the usual `AWS_…`
/// variables: `AWS_ENDPOINT_URL` for an S3-compatible server; plain
/// `http://` endpoints are allowed for loopback test servers; without keys
/// the instance's role) and the bucket's declared `region` (RET-1: checked
/// at start; never a default).
pub fn open(
    url: Option<&str>,
    s3: &S3Settings,
    region: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<Blobs, BlobError> {
    let Some(u) = url.filter(|u| u.starts_with("s3://")) else {
        return Blobs::open_local(url, data_dir);
    };
    let mut b = AmazonS3Builder::new().with_url(u);
    if let Some(id) = &s3.access_key_id {
        b = b.with_access_key_id(id);
    }
    if let Some(secret) = &s3.secret_access_key {
        b = b.with_secret_access_key(String::from_utf8_lossy(secret.expose()));
    }
    if let Some(token) = &s3.session_token {
        b = b.with_token(String::from_utf8_lossy(token.expose()));
    }
    let endpoint = s3.endpoint.clone();
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
