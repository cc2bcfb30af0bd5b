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

/// The first bytes of a blob written by [`Blobs::put_stream`].
const STREAM_MAGIC: &[u8; 4] = b"XCS1";

/// The first bytes of a whole blob sealed bound to its key (issue 19 item
/// 16): moved to another key, it does not open. Blobs written before it
/// (no magic, no associated data) still open.
const BOUND_MAGIC: &[u8; 4] = b"XCB1";

/// Open a whole blob stored under `key`: bound if it says so, else in the
/// format written before binding.
fn open_whole(data_key: &DataKey, key: &str, sealed: &[u8]) -> Result<Vec<u8>, BlobError> {
    if let Some(body) = sealed.strip_prefix(BOUND_MAGIC.as_slice())
        && let Ok(plain) = data_key.decrypt_bound(body, key.as_bytes())
    {
        return Ok(plain);
    }
    data_key.open_blob(sealed).map_err(|_| BlobError::Decrypt)
}

/// Plaintext bytes per sealed chunk of a streamed blob.
pub const STREAM_CHUNK: usize = 64 * 1024;

/// Sealed chunk: plaintext and the AES-GCM tag.
const SEALED_CHUNK: usize = STREAM_CHUNK + 16;

/// Decrypted pieces of a blob, in order.
pub type PlainStream =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, BlobError>> + Send + 'static>>;

/// A streamed write in progress; see [`Blobs::put_stream`].
pub struct SealedUpload {
    out: object_store::WriteMultipart,
    key: DataKey,
    aad: Vec<u8>,
    prefix: [u8; 7],
    counter: u32,
    /// Plaintext not sealed yet. A chunk is sealed only once more follows,
    /// so the last chunk (flagged as such) is sealed by `finish`.
    pending: Vec<u8>,
}

impl std::fmt::Debug for SealedUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedUpload(chunk {})", self.counter)
    }
}

impl SealedUpload {
    fn nonce(&self, last: bool) -> crate::crypto::ChunkNonce {
        crate::crypto::ChunkNonce {
            prefix: self.prefix,
            counter: self.counter,
            last,
        }
    }

    /// Add plaintext; waits while the upload has too many parts in flight.
    pub async fn write(&mut self, mut data: &[u8]) -> Result<(), BlobError> {
        while !data.is_empty() {
            let room = STREAM_CHUNK + 1 - self.pending.len();
            let take = room.min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() > STREAM_CHUNK {
                let rest = self.pending.split_off(STREAM_CHUNK);
                let sealed = self.key.seal_chunk(&self.nonce(false), &self.pending, &self.aad);
                self.counter = self
                    .counter
                    .checked_add(1)
                    .ok_or_else(|| BlobError::Backend("a streamed blob of over 256 TiB".into()))?;
                self.pending = rest;
                self.out.wait_for_capacity(2).await?;
                self.out.write(&sealed);
            }
        }
        Ok(())
    }

    /// Seal the last chunk and make the blob visible.
    pub async fn finish(mut self) -> Result<(), BlobError> {
        let sealed = self.key.seal_chunk(&self.nonce(true), &self.pending, &self.aad);
        self.out.write(&sealed);
        self.out.finish().await?;
        Ok(())
    }

    /// Give up: nothing is left under the key.
    pub async fn abort(self) {
        if let Err(e) = self.out.abort().await {
            tracing::warn!(error = %e, "aborting a streamed blob upload failed");
        }
    }
}

/// The reading side of a streamed blob.
struct Opening {
    source: Option<futures_util::stream::BoxStream<'static, object_store::Result<Bytes>>>,
    buffer: Vec<u8>,
    key: DataKey,
    aad: Vec<u8>,
    prefix: [u8; 7],
    counter: u32,
}

impl Opening {
    fn open(&mut self, sealed: &[u8], last: bool) -> Result<Bytes, BlobError> {
        let nonce = crate::crypto::ChunkNonce {
            prefix: self.prefix,
            counter: self.counter,
            last,
        };
        let plain = self
            .key
            .open_chunk(&nonce, sealed, &self.aad)
            .map_err(|_| BlobError::Decrypt)?;
        self.counter = self.counter.checked_add(1).ok_or(BlobError::Decrypt)?;
        Ok(Bytes::from(plain))
    }

    /// The next plaintext chunk, or `None` after the last.
    async fn next(mut self) -> Result<Option<(Bytes, Self)>, BlobError> {
        loop {
            // A full chunk with more bytes after it is not the last.
            if self.buffer.len() > SEALED_CHUNK {
                let rest = self.buffer.split_off(SEALED_CHUNK);
                let sealed = std::mem::replace(&mut self.buffer, rest);
                let plain = self.open(&sealed, false)?;
                return Ok(Some((plain, self)));
            }
            let Some(source) = self.source.as_mut() else {
                return Ok(None);
            };
            match source.try_next().await? {
                Some(b) => self.buffer.extend_from_slice(&b),
                None => {
                    // The end: what is left is the last chunk, flagged so.
                    self.source = None;
                    let sealed = std::mem::take(&mut self.buffer);
                    let plain = self.open(&sealed, true)?;
                    return Ok(Some((plain, self)));
                }
            }
        }
    }
}

/// Open a whole streamed blob held in memory (after its magic).
fn open_stream(key: &DataKey, blob_key: &str, body: &[u8]) -> Result<Vec<u8>, BlobError> {
    let (prefix, mut rest) = body.split_first_chunk::<7>().ok_or(BlobError::Decrypt)?;
    let mut out = Vec::with_capacity(rest.len());
    let mut counter = 0u32;
    loop {
        let last = rest.len() <= SEALED_CHUNK;
        let (sealed, after) = rest.split_at(if last { rest.len() } else { SEALED_CHUNK });
        let nonce = crate::crypto::ChunkNonce {
            prefix: *prefix,
            counter,
            last,
        };
        out.extend(
            key.open_chunk(&nonce, sealed, blob_key.as_bytes())
                .map_err(|_| BlobError::Decrypt)?,
        );
        if last {
            return Ok(out);
        }
        rest = after;
        counter = counter.checked_add(1).ok_or(BlobError::Decrypt)?;
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
        let mut sealed = BOUND_MAGIC.to_vec();
        sealed.extend(data_key.encrypt_bound(plaintext, key.as_bytes()));
        self.store
            .put(&ObjectPath::from(key), PutPayload::from(Bytes::from(sealed)))
            .await?;
        Ok(())
    }

    /// Read and decrypt (either format: whole, or streamed).
    pub async fn get(&self, key: &str, data_key: &DataKey) -> Result<Vec<u8>, BlobError> {
        let sealed = self.store.get(&ObjectPath::from(key)).await?.bytes().await?;
        if let Some(body) = sealed.strip_prefix(STREAM_MAGIC.as_slice())
            && let Ok(plain) = open_stream(data_key, key, body)
        {
            return Ok(plain);
        }
        open_whole(data_key, key, &sealed)
    }

    /// Start a streamed, encrypted write of `key` (issue 19 item 9): the
    /// plaintext goes in piece by piece and is sealed in chunks bound to
    /// the key; memory stays at a chunk plus the upload's part buffer
    /// whatever the size. Nothing is visible under `key` until
    /// [`SealedUpload::finish`].
    pub async fn put_stream(&self, key: &str, data_key: &DataKey) -> Result<SealedUpload, BlobError> {
        let upload = self.store.put_multipart(&ObjectPath::from(key)).await?;
        let mut out = object_store::WriteMultipart::new(upload);
        let prefix = crate::crypto::random::<7>();
        let mut header = STREAM_MAGIC.to_vec();
        header.extend_from_slice(&prefix);
        out.write(&header);
        Ok(SealedUpload {
            out,
            key: data_key.clone(),
            aad: key.as_bytes().to_vec(),
            prefix,
            counter: 0,
            pending: Vec::with_capacity(STREAM_CHUNK + 1),
        })
    }

    /// Read and decrypt `key` as a stream of plaintext pieces; a blob in
    /// the whole format comes as one piece. A chunk that fails to open (a
    /// tampered, reordered or cut-off blob) ends the stream with
    /// [`BlobError::Decrypt`]. Not found is reported before any piece.
    pub async fn get_stream(&self, key: &str, data_key: &DataKey) -> Result<PlainStream, BlobError> {
        let mut source = self.store.get(&ObjectPath::from(key)).await?.into_stream();
        // The first bytes tell the format.
        let mut head = Vec::new();
        while head.len() < STREAM_MAGIC.len() + 7 {
            match source.try_next().await? {
                Some(b) => head.extend_from_slice(&b),
                None => break,
            }
        }
        if !head.starts_with(STREAM_MAGIC.as_slice()) || head.len() < STREAM_MAGIC.len() + 7 {
            let mut whole = head;
            while let Some(b) = source.try_next().await? {
                whole.extend_from_slice(&b);
            }
            let plain = open_whole(data_key, key, &whole)?;
            return Ok(Box::pin(futures_util::stream::once(async move {
                Ok(Bytes::from(plain))
            })));
        }
        let mut prefix = [0u8; 7];
        prefix.copy_from_slice(&head[STREAM_MAGIC.len()..STREAM_MAGIC.len() + 7]);
        let state = Opening {
            source: Some(source),
            buffer: head[STREAM_MAGIC.len() + 7..].to_vec(),
            key: data_key.clone(),
            aad: key.as_bytes().to_vec(),
            prefix,
            counter: 0,
        };
        Ok(Box::pin(futures_util::stream::try_unfold(state, Opening::next)))
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

    /// Store bytes as they are (already sealed, or not personal: a restore,
    /// the erasure log). Atomic like [`Self::put`].
    pub async fn put_raw(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        self.store
            .put(
                &ObjectPath::from(key),
                PutPayload::from(Bytes::copy_from_slice(bytes)),
            )
            .await?;
        Ok(())
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
