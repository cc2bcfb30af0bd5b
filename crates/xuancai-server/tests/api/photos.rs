//! IMG-1, SEC-4, SEC-6: the photo library on SQLite + local blobs and on
//! PostgreSQL + S3 — upload, de-duplication, location stripping, renditions,
//! listings, flags, trash, purge, and bad input that loses nothing.

use serde_json::{Value, json};
use xuancai_imaging::decode::{DecodeLimits, decode, sniff};
use xuancai_imaging::metadata::photo_info;

use crate::helpers::{Backend, TestApp, jpeg, spawn_app, spawn_with, testdata};

/// A 640×480 JPEG with EXIF orientation 6 (shown 480×640), a camera and a GPS position.
pub fn jpeg_with_gps() -> Vec<u8> {
    use xuancai_imaging::metadata::samples::{exif_block, insert_exif};
    insert_exif(&jpeg(640, 480, 99), &exif_block(false))
}

/// A PNG whose header claims 100000×100000 pixels (a decompression bomb).
pub fn png_bomb() -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32fast::hash(&ihdr).to_be_bytes());
    // A little data, as a real bomb has (the decoder reads the header first).
    let idat = [b"IDAT".as_slice(), &[0x78, 0x9c, 0xed, 0xc1, 0x01, 0x0d, 0, 0, 0]].concat();
    png.extend_from_slice(&9u32.to_be_bytes());
    png.extend_from_slice(&idat);
    png.extend_from_slice(&crc32fast::hash(&idat).to_be_bytes());
    png.extend_from_slice(&[0, 0, 0, 0]);
    png.extend_from_slice(b"IEND");
    png.extend_from_slice(&crc32fast::hash(b"IEND").to_be_bytes());
    png
}

async fn bytes_of(app: &TestApp, token: &str, path: &str) -> (u16, Vec<u8>) {
    let r = app.call("GET", path, Some(token), None).await;
    let status = r.status().as_u16();
    (status, r.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
}

/// Every stored blob, as the store holds it (ciphertext), for the local backend.
fn local_blobs(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if let Ok(b) = std::fs::read(&p) {
                out.push((p.display().to_string(), b));
            }
        }
    }
    let mut out = Vec::new();
    walk(&app.data_dir.join("blobs"), &mut out);
    out
}

async fn library_story(app: &TestApp) {
    let token = app.login("13800138000", "+8613800138000").await;
    let src = jpeg_with_gps();
    assert!(photo_info(&src).has_location);

    // Upload: EXIF orientation applied to the reported size, location stripped.
    let r = app.upload(&token, "beach.jpg", src.clone()).await;
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(v["duplicate"], false);
    let photo = &v["photo"];
    let id = photo["id"].as_str().unwrap_or_default().to_string();
    assert!(id.starts_with("p_"), "{photo}");
    assert_eq!(
        (photo["width"].as_u64(), photo["height"].as_u64()),
        (Some(480), Some(640))
    );
    assert_eq!(photo["mime"], "image/jpeg");
    assert_eq!(photo["file_name"], "beach.jpg");
    assert_eq!(photo["camera"], "Xuancai Cam");
    assert_eq!(photo["taken_at"], "2024-05-01 12:34:56");
    assert_eq!(photo["location_removed"], true);

    let (s, original) = bytes_of(app, &token, &format!("/api/v1/photos/{id}/original")).await;
    assert_eq!(s, 200);
    let info = photo_info(&original);
    assert!(!info.has_location, "IMG-1: GPS stripped from the stored original");
    assert_eq!(info.camera.as_deref(), Some("Xuancai Cam"), "other tags kept");
    let limits = DecodeLimits::default();
    let (d0, d1) = (decode(&src, &limits), decode(&original, &limits));
    assert_eq!(
        d0.ok().map(|d| d.image),
        d1.ok().map(|d| d.image),
        "pixels unchanged"
    );

    let (s, thumb) = bytes_of(app, &token, &format!("/api/v1/photos/{id}/thumbnail")).await;
    assert_eq!(s, 200);
    assert_eq!(sniff(&thumb).ok().map(|f| f.as_str()), Some("webp"));
    let t = decode(&thumb, &limits).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.image.dimensions(), (188, 250), "upright, fits 250");
    let (s, preview) = bytes_of(app, &token, &format!("/api/v1/photos/{id}/preview")).await;
    assert_eq!(s, 200);
    let p = decode(&preview, &limits).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.image.dimensions(), (480, 640), "previews never enlarge");
    assert_eq!(
        bytes_of(app, &token, &format!("/api/v1/photos/{id}/poster"))
            .await
            .0,
        404
    );

    // SEC-4: what the store holds is ciphertext.
    if app.config.blob_url.is_none() {
        let blobs = local_blobs(app);
        assert_eq!(blobs.len(), 3, "original, preview, thumbnail");
        for (path, b) in &blobs {
            assert!(sniff(b).is_err(), "{path} is not readable as an image");
            assert!(!b.windows(11).any(|w| w == b"Xuancai Cam"), "{path} leaks EXIF");
        }
    }

    // De-duplication: the same bytes answer with the same photo.
    let r = app.upload(&token, "again.jpg", src.clone()).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap_or_default();
    assert_eq!(
        (v["duplicate"].as_bool(), v["photo"]["id"].as_str()),
        (Some(true), Some(id.as_str()))
    );

    // A real photo (scikit-image's astronaut, PNG) and more JPEGs; pages newest first.
    let r = app
        .upload(&token, "astronaut.png", testdata("astronaut.png"))
        .await;
    assert_eq!(r.status(), 201);
    let mut ids = vec![id.clone()];
    ids.push(
        r.json::<Value>().await.unwrap_or_default()["photo"]["id"]
            .as_str()
            .unwrap_or_default()
            .into(),
    );
    for seed in 1..=3u8 {
        // Listings are newest first by millisecond: keep creation times distinct.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        let r = app.upload(&token, "g.jpg", jpeg(300, 200, seed)).await;
        assert_eq!(r.status(), 201);
        ids.push(
            r.json::<Value>().await.unwrap_or_default()["photo"]["id"]
                .as_str()
                .unwrap_or_default()
                .into(),
        );
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/photos?limit=2&cursor={c}"),
            None => "/api/v1/photos?limit=2".into(),
        };
        let page = app.json("GET", &path, &token, None, 200).await;
        for item in page["items"].as_array().into_iter().flatten() {
            seen.push(item["id"].as_str().unwrap_or_default().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    // Favourite, archive, trash, restore.
    let fav = app
        .json(
            "PATCH",
            &format!("/api/v1/photos/{}", ids[1]),
            &token,
            Some(&json!({ "favourite": true })),
            200,
        )
        .await;
    assert_eq!(fav["favourite"], true);
    app.json(
        "PATCH",
        &format!("/api/v1/photos/{}", ids[2]),
        &token,
        Some(&json!({ "archived": true })),
        200,
    )
    .await;
    let count = |filter: &'static str| {
        let token = token.clone();
        async move {
            let v = app
                .json(
                    "GET",
                    &format!("/api/v1/photos?filter={filter}"),
                    &token,
                    None,
                    200,
                )
                .await;
            v["items"].as_array().map(Vec::len).unwrap_or(0)
        }
    };
    assert_eq!(
        (
            count("favourites").await,
            count("archived").await,
            count("library").await
        ),
        (1, 1, 4)
    );
    assert_eq!(
        app.call(
            "DELETE",
            &format!("/api/v1/photos/{}", ids[3]),
            Some(&token),
            None
        )
        .await
        .status(),
        204
    );
    assert_eq!((count("trash").await, count("library").await), (1, 3));
    app.json(
        "POST",
        &format!("/api/v1/photos/{}/restore", ids[3]),
        &token,
        None,
        200,
    )
    .await;
    assert_eq!((count("trash").await, count("library").await), (0, 4));

    // Permanent deletion: the photo and its blobs are gone.
    let gone = &ids[4];
    let r = app
        .call(
            "DELETE",
            &format!("/api/v1/photos/{gone}?permanent=true"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        app.call("GET", &format!("/api/v1/photos/{gone}"), Some(&token), None)
            .await
            .status(),
        404
    );
    assert_eq!(
        bytes_of(app, &token, &format!("/api/v1/photos/{gone}/original"))
            .await
            .0,
        404
    );
    if app.config.blob_url.is_none() {
        assert_eq!(local_blobs(app).len(), 4 * 3, "its three blobs were deleted");
    }
}

#[tokio::test]
async fn img1_photo_library_on_sqlite_and_local_files() {
    library_story(&spawn_app().await).await;
}

#[tokio::test]
async fn img1_photo_library_on_postgres_and_s3() {
    let app = spawn_with(Backend::PostgresS3, |_| {}).await;
    library_story(&app).await;
    app.cleanup().await;
}

#[tokio::test]
async fn bad_uploads_get_typed_errors_and_leave_nothing_behind() {
    let app = spawn_with(Backend::SqliteLocal, |c| c.max_upload_bytes = 1024 * 1024).await;
    let token = app.login("13800138000", "+8613800138000").await;
    let mut truncated = jpeg(400, 300, 1);
    truncated.truncate(truncated.len() / 3);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty.jpg", Vec::new(), 415, "image_empty"),
        (
            "notes.txt",
            b"just some text, not an image".to_vec(),
            415,
            "image_unsupported_format",
        ),
        ("bomb.png", png_bomb(), 422, "image_too_many_pixels"),
        ("cut.jpg", truncated, 422, "image_truncated"),
        ("huge.jpg", vec![0xFF; 2 * 1024 * 1024], 413, "payload_too_large"),
    ];
    for (name, bytes, status, code) in cases {
        let r = app.upload(&token, name, bytes).await;
        assert_eq!(r.status().as_u16(), status, "{name}");
        let v: Value = r.json().await.unwrap_or_default();
        assert_eq!(v["code"], code, "{name}: {v}");
        assert!(v["request_id"].as_str().is_some_and(|s| !s.is_empty()));
    }
    // No file field, and a body that is not multipart at all.
    let form = reqwest::multipart::Form::new().text("note", "hello");
    let r = app
        .client
        .post(app.url("/api/v1/photos"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await;
    let v: Value = r
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    assert_eq!(v["code"], "missing_file");
    // A body that is not multipart gets the JSON error like any other bad
    // input (issue 18 item 7), on both uploads, never axum's plain text.
    for (method, path) in [("POST", "/api/v1/photos"), ("PUT", "/api/v1/me/avatar")] {
        let r = app
            .call(method, path, Some(&token), Some(&json!({ "file": "x" })))
            .await;
        assert_eq!(r.status(), 400, "{path}");
        let kind = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(kind.starts_with("application/json"), "{path}: {kind}");
        let v: Value = r.json().await.unwrap_or_default();
        assert_eq!(v["code"], "invalid_multipart", "{path}: {v}");
    }
    // Nothing was stored.
    let v = app
        .json("GET", "/api/v1/photos?filter=library", &token, None, 200)
        .await;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(0));
    assert!(local_blobs(&app).is_empty(), "no blob was written");
    // Malformed query input.
    let v = app
        .json("GET", "/api/v1/photos?cursor=zz", &token, None, 400)
        .await;
    assert_eq!(v["code"], "invalid_cursor");
    let v = app
        .json("GET", "/api/v1/photos?filter=everything", &token, None, 400)
        .await;
    assert_eq!(v["code"], "invalid_filter");
}

#[tokio::test]
async fn img1_trash_is_purged_after_the_retention_period() {
    let app = spawn_with(Backend::SqliteLocal, |c| {
        c.trash_retention_secs = 1;
        c.job_interval_secs = 1;
    })
    .await;
    let token = app.login("13800138000", "+8613800138000").await;
    let keep = app
        .upload(&token, "a.jpg", jpeg(300, 200, 1))
        .await
        .json::<Value>()
        .await
        .unwrap_or_default();
    let trash = app
        .upload(&token, "b.jpg", jpeg(300, 200, 2))
        .await
        .json::<Value>()
        .await
        .unwrap_or_default();
    let id = trash["photo"]["id"].as_str().unwrap_or_default();
    assert_eq!(
        app.call("DELETE", &format!("/api/v1/photos/{id}"), Some(&token), None)
            .await
            .status(),
        204
    );
    assert_eq!(local_blobs(&app).len(), 6);
    let mut purged = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let v = app
            .json("GET", "/api/v1/photos?filter=trash", &token, None, 200)
            .await;
        if v["items"].as_array().is_some_and(Vec::is_empty) && local_blobs(&app).len() == 3 {
            purged = true;
            break;
        }
    }
    assert!(purged, "the trashed photo and its blobs were purged");
    let kept = keep["photo"]["id"].as_str().unwrap_or_default();
    assert_eq!(
        app.call("GET", &format!("/api/v1/photos/{kept}"), Some(&token), None)
            .await
            .status(),
        200
    );
}
