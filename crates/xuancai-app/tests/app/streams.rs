//! Issue 19 item 9 (R-1, SEC-4): exports are written and read as streamed
//! blobs — sealed in chunks bound to their key, so memory stays bounded
//! whatever the size, and a blob cut short, reordered or moved does not
//! open.

use std::io::Read as _;

use futures_util::TryStreamExt as _;
use xuancai_app::blobs::{BlobError, Blobs, STREAM_CHUNK};
use xuancai_app::crypto::DataKey;
use xuancai_domain::{PhotoId, UserId};
use xuancai_store::{PhotoRecord, PhotoStore};

use crate::support::{TestApp, spawn};

/// Bytes that do not repeat (a xorshift), so nothing compresses or dedupes.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

async fn write_streamed(blobs: &Blobs, key: &str, data_key: &DataKey, data: &[u8], piece: usize) {
    let mut up = blobs
        .put_stream(key, data_key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for p in data.chunks(piece.max(1)) {
        up.write(p).await.unwrap_or_else(|e| panic!("{e}"));
    }
    up.finish().await.unwrap_or_else(|e| panic!("{e}"));
}

async fn read_streamed(blobs: &Blobs, key: &str, data_key: &DataKey) -> Result<Vec<u8>, BlobError> {
    let pieces: Vec<bytes::Bytes> = blobs.get_stream(key, data_key).await?.try_collect().await?;
    Ok(pieces.concat())
}

fn file(t: &TestApp, key: &str) -> std::path::PathBuf {
    t.app.config.data_dir.join("blobs").join(key)
}

#[tokio::test]
async fn sec4_streamed_blobs_round_trip_and_refuse_cut_reordered_or_moved_ones_whole_blobs_too() {
    let t = spawn(|_| {}).await;
    let (key, _) = t.app.keys.new_data_key(&xuancai_domain::UserId::generate());
    let blobs = &t.app.blobs;
    for (i, len) in [
        0,
        1,
        STREAM_CHUNK - 1,
        STREAM_CHUNK,
        STREAM_CHUNK + 1,
        3 * STREAM_CHUNK + 5,
    ]
    .into_iter()
    .enumerate()
    {
        let data = noise(len, i as u64 + 1);
        let k = format!("u/test/streams/{i}");
        write_streamed(blobs, &k, &key, &data, 1000 + i * 777).await;
        assert_eq!(
            read_streamed(blobs, &k, &key).await.ok(),
            Some(data.clone()),
            "{len} bytes, streamed"
        );
        assert_eq!(blobs.get(&k, &key).await.ok(), Some(data), "{len} bytes, whole");
    }
    // A blob written whole reads as a stream too.
    blobs
        .put("u/test/whole", b"whole", &key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        read_streamed(blobs, "u/test/whole", &key).await.ok(),
        Some(b"whole".to_vec())
    );
    // Issue 19 item 16: a whole blob is bound to its key too. Two photos'
    // originals swapped in storage do not open; one written before binding
    // (no associated data) still does.
    for (k, data) in [
        ("u/test/p/1/original", b"photo one"),
        ("u/test/p/2/original", b"photo two"),
    ] {
        blobs.put(k, data, &key).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let (one, two) = (file(&t, "u/test/p/1/original"), file(&t, "u/test/p/2/original"));
    let first = std::fs::read(&one).unwrap_or_else(|e| panic!("{e}"));
    let second = std::fs::read(&two).unwrap_or_else(|e| panic!("{e}"));
    assert!(!first.windows(9).any(|w| w == b"photo one"), "sealed at rest");
    std::fs::write(&one, &second).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&two, &first).unwrap_or_else(|e| panic!("{e}"));
    for k in ["u/test/p/1/original", "u/test/p/2/original"] {
        assert!(
            matches!(blobs.get(k, &key).await, Err(BlobError::Decrypt)),
            "{k} holds the other photo's blob and must not open"
        );
        assert!(read_streamed(blobs, k, &key).await.is_err(), "{k} streamed");
    }
    std::fs::write(&one, key.seal_unbound(b"written before")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        blobs.get("u/test/p/1/original", &key).await.ok(),
        Some(b"written before".to_vec())
    );

    let k = "u/test/streams/5";
    let sealed = std::fs::read(file(&t, k)).unwrap_or_else(|e| panic!("{e}"));
    let (header, sealed_chunk) = (4 + 7, STREAM_CHUNK + 16);
    let tampered = |bytes: Vec<u8>, name: &str| {
        let path = file(&t, &format!("u/test/tampered/{name}"));
        std::fs::create_dir_all(path.parent().unwrap_or(&path)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
        format!("u/test/tampered/{name}")
    };
    // Cut after three whole chunks: the third was not sealed as the last.
    let cut = tampered(sealed[..header + 3 * sealed_chunk].to_vec(), "cut");
    // The first two chunks swapped.
    let mut swapped = sealed[..header].to_vec();
    swapped.extend_from_slice(&sealed[header + sealed_chunk..header + 2 * sealed_chunk]);
    swapped.extend_from_slice(&sealed[header..header + sealed_chunk]);
    swapped.extend_from_slice(&sealed[header + 2 * sealed_chunk..]);
    let swapped = tampered(swapped, "swapped");
    // The same bytes under another key (another user's place).
    let moved = tampered(sealed.clone(), "moved");
    for k in [cut, swapped, moved] {
        assert!(
            matches!(read_streamed(blobs, &k, &key).await, Err(BlobError::Decrypt)),
            "{k} must not open as a stream"
        );
        assert!(blobs.get(&k, &key).await.is_err(), "{k} must not open whole");
    }
    let (other, _) = t.app.keys.new_data_key(&xuancai_domain::UserId::generate());
    assert!(
        read_streamed(blobs, k, &other).await.is_err(),
        "another user's key"
    );
    assert!(matches!(
        blobs.get_stream("u/test/none", &key).await.err(),
        Some(BlobError::NotFound)
    ));
}

/// `n` photos of `size` bytes each, stored as uploads are.
async fn photos(t: &TestApp, owner: &UserId, n: usize, size: usize) -> Vec<(PhotoId, Vec<u8>)> {
    let key = t.app.data_key(owner).await.unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for i in 0..n {
        let id = PhotoId::generate();
        let photo = PhotoRecord {
            id,
            owner: *owner,
            content_hash: id.as_bytes().to_vec(),
            mime: "image/jpeg".into(),
            width: 4000,
            height: 3000,
            bytes: size as i64,
            meta_ciphertext: key.seal(xuancai_store::SealedColumn::PhotoMeta, id.as_bytes(), b"{}"),
            created_at: t.app.now() + i as i64,
            favourite: false,
            archived: false,
            trashed_at: None,
        };
        let prefix = xuancai_app::keys::photo_prefix(owner, &id);
        t.app
            .store
            .insert_photo(&photo, &prefix)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let bytes = noise(size, i as u64 + 7);
        t.app
            .blobs
            .put(&xuancai_app::photos::Variant::Original.key(&photo), &bytes, &key)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        out.push((id, sha(&bytes)));
    }
    out
}

fn sha(b: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(b).to_vec()
}

/// This process's memory from `/proc/self/status`, KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Issue 19 item 9: 96 MiB of photos are exported while the process grows
/// by a fraction of that (the archive was built in memory before: every
/// photo, the ZIP and its sealed copy at once), and the archive holds each
/// photo byte for byte. Memory is the process's, so run it alone
/// (nextest runs each test in its own process).
#[tokio::test]
async fn r1_sec_an_export_is_written_streaming_in_bounded_memory_and_holds_every_photo() {
    let t = spawn(|_| {}).await;
    let user = t.sign_up("13800138030", None).await;
    let stored = photos(&t, &user, 24, 4 << 20).await;
    let blob = xuancai_app::keys::export(&user, "streamed");

    std::fs::write("/proc/self/clear_refs", "5").unwrap_or_else(|e| panic!("clear_refs: {e}"));
    let before = status_kib("VmRSS:");
    let size = xuancai_app::privacy::export::write_export(&t.app, &user, &blob)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let grown_mib = status_kib("VmHWM:").saturating_sub(before) / 1024;
    println!("export of {} MiB: peak +{grown_mib} MiB", size >> 20);
    assert!(size > 96 << 20, "{size}");
    assert!(
        grown_mib < 40,
        "building a 96 MiB export grew the process by {grown_mib} MiB"
    );

    let key = t.app.data_key(&user).await.unwrap_or_else(|e| panic!("{e}"));
    let zip = read_streamed(&t.app.blobs, &blob, &key)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap_or_else(|e| panic!("{e}"));
    for (id, digest) in &stored {
        let mut f = archive
            .by_name(&format!("photos/{id}.jpg"))
            .unwrap_or_else(|e| panic!("photos/{id}.jpg: {e}"));
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&sha(&bytes), digest, "photo {id}");
    }
    assert!(archive.by_name("personal-data.json").is_ok());
    assert!(archive.by_name("index.md").is_ok());
}
