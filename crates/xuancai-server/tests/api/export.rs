//! R-1 (issue 20 item 3): the export is built from the privacy inventory.
//! The test enumerates every category the inventory declares and fails when
//! the export has no section for one; for a user with data in most of them
//! it checks the data is there (works, comments, blessings both ways, studio
//! jobs, messages, template use, sessions …) and the media are in the ZIP.

use std::io::Read;

use serde_json::{Value, json};
use xuancai_domain::privacy::CATEGORIES;

use crate::helpers::{Backend, TestApp};
use crate::privacy::OPERATOR;
use crate::rights::{app_on, fresh_code};

async fn export(app: &TestApp, token: &str, e164: &str) -> zip::ZipArchive<std::io::Cursor<Vec<u8>>> {
    let path = built_export(app, token, e164).await;
    let r = app.call("GET", &path, Some(token), None).await;
    let bytes = r.bytes().await.unwrap_or_default().to_vec();
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"))
}

fn read(zip: &mut zip::ZipArchive<std::io::Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_end(&mut out)
        .unwrap_or_else(|e| panic!("{e}"));
    out
}

async fn story(backend: Backend) {
    let app = app_on(backend).await;
    let (phone, e164) = ("13800138040", "+8613800138040");
    let token = app.login(phone, e164).await;
    let op = app.login(OPERATOR.0, OPERATOR.1).await;
    let op_id = app.json("GET", "/api/v1/me", &op, None, 200).await["user_id"].clone();
    let me_id = app.json("GET", "/api/v1/me", &token, None, 200).await["user_id"].clone();
    app.json(
        "PATCH",
        "/api/v1/me",
        &token,
        Some(&json!({ "nickname": "导出全量", "birth_date": "1990-01-02" })),
        200,
    )
    .await;
    app.json(
        "PUT",
        "/api/v1/me/consents/personalisation",
        &token,
        Some(&json!({ "granted": true })),
        200,
    )
    .await;
    let photo = crate::jobs::photo_id(&app, &token, "coffee.png").await;
    let job = app
        .json(
            "POST",
            "/api/v1/jobs",
            &token,
            Some(
                &json!({ "kind": "sticker", "photo": photo, "template": "greeting", "caption": "导出贴纸" }),
            ),
            202,
        )
        .await;
    let done = crate::jobs::settle(&app, &token, job["id"].as_str().unwrap_or_default()).await;
    assert_eq!(done["state"], "done", "{done}");
    let work = app
        .json(
            "POST",
            "/api/v1/works",
            &token,
            Some(&json!({ "photo": photo, "visibility": "public", "title": "导出作品" })),
            201,
        )
        .await;
    let work_id = work["id"].as_str().unwrap_or_default().to_string();
    app.json(
        "POST",
        &format!("/api/v1/works/{work_id}/comments"),
        &token,
        Some(&json!({ "text": "导出评论" })),
        201,
    )
    .await;
    app.json(
        "POST",
        "/api/v1/blessings",
        &token,
        Some(&json!({ "to": op_id, "work": work_id, "message": "发出的祝福" })),
        201,
    )
    .await;
    app.json(
        "POST",
        "/api/v1/blessings",
        &op,
        Some(&json!({ "to": me_id, "template": "greeting", "message": "收到的祝福" })),
        201,
    )
    .await;
    app.broadcast(
        &op,
        &json!({ "kind": "service", "title": "服务公告", "body": "导出消息" }),
    )
    .await;

    let mut zip = export(&app, &token, e164).await;
    let data: Value = serde_json::from_slice(&read(&mut zip, "personal-data.json")).unwrap_or_default();
    let index = String::from_utf8(read(&mut zip, "index.md")).unwrap_or_default();
    assert_eq!(data["format"], "xuancai-personal-data/2");
    // Every category of the inventory is a section, and the index lists it.
    let mut missing = Vec::new();
    for c in CATEGORIES {
        let s = &data["categories"][c.key];
        if s["name"] != c.name_zh || !s.as_object().is_some_and(|o| o.contains_key("data")) {
            missing.push(c.key);
        }
        if !index.contains(&format!("`{}`", c.key)) {
            missing.push(c.key);
        }
    }
    assert!(missing.is_empty(), "no export section for: {missing:?}");
    let section = |k: &str| data["categories"][k]["data"].clone();
    let text = data.to_string();
    for needle in [
        "导出作品",
        "导出评论",
        "发出的祝福",
        "收到的祝福",
        "导出消息",
        "导出贴纸",
        "greeting",
        "1990-01-02",
        e164,
    ] {
        assert!(text.contains(needle), "{needle} is not in the export");
    }
    assert!(
        section("sessions").as_array().is_some_and(|a| !a.is_empty()),
        "sessions"
    );
    assert_eq!(section("template_use")[0]["template"], "greeting");
    assert_eq!(section("studio_jobs")[0]["kind"], "sticker");
    // Issue 22 item 5: the sticker is the job's (not saved to the library),
    // and the export holds it as made.
    let sticker_url = done["result"]["urls"]["original"].as_str().unwrap_or_default();
    let made = crate::jobs::bytes(&app, &token, sticker_url).await;
    let job_id = done["id"].as_str().unwrap_or_default();
    assert!(
        read(&mut zip, &format!("results/{job_id}.webp")) == made,
        "the export holds the studio's result"
    );
    assert_eq!(section("works")["works"][0]["id"], work_id.as_str());
    // The work's image is in the ZIP, as the section names it.
    let file = section("works")["works"][0]["file"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!read(&mut zip, &file).is_empty(), "{file}");
    app.cleanup().await;
}

#[tokio::test]
async fn r1_the_export_has_a_section_for_every_inventory_category_on_sqlite() {
    story(Backend::SqliteLocal).await;
}

#[tokio::test]
async fn r1_the_export_has_a_section_for_every_inventory_category_on_postgres() {
    story(Backend::PostgresS3).await;
}

/// The export archives in the local blob store.
fn archives(app: &TestApp) -> usize {
    let mut stack = vec![app.data_dir.join("blobs")];
    let mut found = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().contains("/exports/") {
                found += 1;
            }
        }
    }
    found
}

/// Ask for an export and wait until it is built; its download path.
async fn built_export(app: &TestApp, token: &str, e164: &str) -> String {
    let code = fresh_code(app, token, e164).await;
    let req = app
        .json(
            "POST",
            "/api/v1/me/requests",
            token,
            Some(&json!({ "kind": "export", "code": code })),
            201,
        )
        .await;
    let path = format!(
        "/api/v1/me/requests/{}/download",
        req["id"].as_str().unwrap_or_default()
    );
    for _ in 0..200 {
        if app.call("GET", &path, Some(token), None).await.status() == 200 {
            return path;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the export was not built")
}

#[tokio::test]
async fn r1_sec_an_export_archive_ends_with_its_window_and_with_the_data_deleted() {
    let app = app_on(Backend::SqliteLocal).await;
    let (phone, e164) = ("13800138000", "+8613800138000");
    let token = app.login(phone, e164).await;
    let r = app
        .upload(&token, "beach.jpg", crate::helpers::jpeg(64, 48, 1))
        .await;
    assert_eq!(r.status(), 201);
    let photo = r.json::<Value>().await.unwrap_or_default()["photo"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let expired = |path: String| {
        let (app, token) = (&app, &token);
        async move {
            let r = app.call("GET", &path, Some(token), None).await;
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or_default()["code"].clone(),
            )
        }
    };

    // Seven days to download it; on the eighth the archive is gone.
    let path = built_export(&app, &token, e164).await;
    assert_eq!(archives(&app), 1);
    app.control.advance(6 * 86_400_000);
    app.control.run_jobs_once().await;
    assert_eq!(
        app.call("GET", &path, Some(&token), None).await.status(),
        200,
        "day 6"
    );
    app.control.advance(2 * 86_400_000);
    app.control.run_jobs_once().await;
    assert_eq!(archives(&app), 0, "the archive was deleted");
    assert_eq!(expired(path).await, (409, json!("export_expired")));

    // An archive built before a deletion does not hand the photo back.
    let path = built_export(&app, &token, e164).await;
    assert_eq!(archives(&app), 1);
    let r = app
        .call(
            "DELETE",
            &format!("/api/v1/photos/{photo}?permanent=true"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    app.control.run_jobs_once().await;
    assert_eq!(archives(&app), 0);
    assert_eq!(expired(path).await, (409, json!("export_expired")));
}
