//! Blob storage through `object_store`: a local folder by default, an
//! S3-compatible bucket for scale (built by `xuancai-outbound`). Every blob is encrypted with its owner's
//! data key before it leaves the process (SEC-4), and every failure is
//! normalised here into a [`BlobError`].

use std::sync::Arc;

use bytes::Bytes;
use futures_util::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};

use crate::crypto::DataKey;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob not found")]
    NotFound,
    #[error("blob storage failed: {0}")]
    Backend(String),
    #[error("blob does not decrypt")]
    Decrypt,
    #[error("blob URL {0:?}: use file:///PATH or s3://BUCKET")]
    BadUrl(String),
}

impl From<object_store::Error> for BlobError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => Self::NotFound,
            other => Self::Backend(other.to_string()),
        }
    }
}

/// The blob store.
#[derive(Clone)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    description: String,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Blobs({})", self.description)
    }
}

impl Blobs {
    /// `None` → `DATA_DIR/blobs`; `file:///PATH`. Cloud stores (`s3://…`)
    /// are built by `xuancai_outbound::blobs::open`, which hands the store
    /// to [`Blobs::new`].
    pub fn open_local(url: Option<&str>, data_dir: &std::path::Path) -> Result<Self, BlobError> {
        match url {
            None => Self::local(&data_dir.join("blobs")),
            Some(u) if u.starts_with("file://") => Self::local(std::path::Path::new(&u["file://".len()..])),
            Some(other) => Err(BlobError::BadUrl(
                other.split(':').next().unwrap_or_default().to_string(),
            )),
        }
    }

    /// Blobs on any `object_store` backend; `description` names it in logs.
    pub fn new(store: Arc<dyn ObjectStore>, description: String) -> Self {
        Self { store, description }
    }

    fn local(dir: &std::path::Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(dir).map_err(|e| BlobError::Backend(format!("{}: {e}", dir.display())))?;
        // a deletion removes the directories it leaves empty, so after
        // erasure no directory still names the user, a photo or a work.
        let store = LocalFileSystem::new_with_prefix(dir)?.with_automatic_cleanup(true);
        Ok(Self {
            store: Arc::new(store),
            description: format!("file://{}", dir.display()),
        })
    }

    /// Encrypt and store. The write is atomic: readers see the whole blob or none.
    pub async fn put(&self, key: &str, plaintext: &[u8], data_key: &DataKey) -> Result<(), BlobError> {
        let sealed = data_key.encrypt(plaintext);
        self.store
            .put(&ObjectPath::from(key), PutPayload::from(Bytes::from(sealed)))
            .await?;
        Ok(())
    }

    /// Read and decrypt.
    pub async fn get(&self, key: &str, data_key: &DataKey) -> Result<Vec<u8>, BlobError> {
        let sealed = self.store.get(&ObjectPath::from(key)).await?.bytes().await?;
        data_key.decrypt(&sealed).map_err(|_| BlobError::Decrypt)
    }

    /// The stored (encrypted) bytes, for tests and audits.
    pub async fn raw(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        Ok(self
            .store
            .get(&ObjectPath::from(key))
            .await?
            .bytes()
            .await?
            .to_vec())
    }

    /// Delete every blob under a prefix; returns how many. Idempotent.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<usize, BlobError> {
        // `object_store` lists by whole path segments: a prefix that names
        // one blob (`…/avatar/v1.webp`) lists nothing, so it is deleted by
        // its own key then. (Deleting a directory's own path on local files
        // is an error, so the exact key is tried only when nothing is under it.)
        let mut deleted = 0;
        let keys: Vec<ObjectPath> = self
            .store
            .list(Some(&ObjectPath::from(prefix)))
            .map_ok(|m| m.location)
            .try_collect()
            .await?;
        for k in &keys {
            match self.store.delete(k).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if keys.is_empty() && !prefix.ends_with('/') {
            match self.store.delete(&ObjectPath::from(prefix)).await {
                Ok(()) => deleted += 1,
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(deleted + keys.len())
    }

    /// Every key under a prefix.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, BlobError> {
        let keys: Vec<String> = self
            .store
            .list(Some(&ObjectPath::from(prefix)))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await?;
        Ok(keys)
    }

    /// Readiness: the store answers a listing.
    pub async fn check(&self) -> Result<(), BlobError> {
        self.list("health/").await.map(|_| ())
    }
}
