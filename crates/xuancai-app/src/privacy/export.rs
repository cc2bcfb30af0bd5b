//! The export of a user's personal information: a ZIP with
//! `personal-data.json` and the original media, built by the maintenance
//! jobs for a verified export request.

use std::io::Write as _;

use serde_json::{Value, json};
use xuancai_domain::UserId;
use xuancai_store::{Cursor, PhotoFilter, Store, Subject};

use super::requests::{hex, request_json};
use crate::App;
use crate::error::AppError;

pub fn export_key(user: &UserId, id: &[u8; 16]) -> String {
    crate::keys::export(user, &hex(id))
}

/// Build an export request's ZIP: `personal-data.json` with every
/// record about the user, decrypted, and `photos/ID.EXT` originals. Moves
/// the request verified → in progress → done; idempotent.
/// The built export `id` of `user`: not found unless it is theirs;
/// `export_not_ready` while it is being built.
pub async fn download<S: Store>(state: &App<S>, user: &UserId, id: &[u8; 16]) -> Result<Vec<u8>, AppError> {
    let r = state
        .store
        .request(id)
        .await?
        .filter(|r| r.user == *user && r.kind == "export")
        .ok_or(AppError::NotFound)?;
    if r.status != "done" {
        return Err(AppError::Conflict {
            code: "export_not_ready",
            message: "the export is still being prepared".into(),
        });
    }
    let key = state.data_key(user).await?;
    Ok(state.blobs.get(&export_key(user, id), &key).await?)
}

pub async fn build_export<S: Store>(state: &App<S>, id: &[u8; 16]) {
    let now = state.now();
    match state
        .store
        .move_request(id, "verified", "in_progress", None, now)
        .await
    {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::error!(error = %e, "export: starting failed");
            return;
        }
    }
    let result = async {
        let r = state.store.request(id).await?.ok_or(AppError::NotFound)?;
        let zip = export_zip(state, &r.user).await?;
        let key = state.data_key(&r.user).await?;
        state.blobs.put(&export_key(&r.user, id), &zip, &key).await?;
        Ok::<_, AppError>(zip.len())
    }
    .await;
    match result {
        Ok(bytes) => {
            let note = format!("export ready ({bytes} bytes)");
            if let Err(e) = state
                .store
                .move_request(id, "in_progress", "done", Some(&note), state.now())
                .await
            {
                tracing::error!(error = %e, "export: finishing failed");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "export failed; will retry");
            let _ = state
                .store
                .move_request(id, "in_progress", "verified", None, state.now())
                .await;
        }
    }
}

pub async fn export_zip<S: Store>(state: &App<S>, user: &UserId) -> Result<Vec<u8>, AppError> {
    let key = state.data_key(user).await?;
    let text = |ct: Option<&Vec<u8>>| {
        ct.and_then(|c| key.decrypt(c).ok())
            .and_then(|b| String::from_utf8(b).ok())
    };
    let account = state.store.user_by_id(user).await?.ok_or(AppError::NotFound)?;
    let profile = state.store.profile(user).await?.unwrap_or_default();
    let mut photos = Vec::new();
    for filter in [PhotoFilter::Library, PhotoFilter::Archived, PhotoFilter::Trash] {
        let mut after: Option<Cursor> = None;
        loop {
            let page = state.store.list_photos(user, filter, after, 200).await?;
            after = page.last().map(|p| Cursor {
                at: p.created_at,
                id: *p.id.as_bytes(),
            });
            let done = page.len() < 200;
            photos.extend(page);
            if done {
                break;
            }
        }
    }
    let mut albums = Vec::new();
    let mut after = None;
    loop {
        let page = state.store.list_albums(user, after, 200).await?;
        after = page.last().map(|a| Cursor {
            at: a.created_at,
            id: *a.id.as_bytes(),
        });
        let done = page.len() < 200;
        albums.extend(page);
        if done {
            break;
        }
    }
    let ledger = state.store.ledger(user, None, 10_000).await?;
    let consents = state.store.consents(&Subject::User(*user)).await?;
    let requests = state.store.requests_of(user).await?;
    let usage = state.store.usage_of(user).await?;
    let disclosures = state.store.disclosures_of(user).await?;
    let audit = state.store.audit_of(user).await?;
    let now = state.now();
    let data = json!({
        "format": "xuancai-personal-data/1",
        "generated_at": now,
        "account": {
            "user_id": user.to_string(),
            "phone": text(Some(&account.phone_ciphertext)),
            "created_at": account.created_at,
            "nickname": text(profile.nickname_ciphertext.as_ref()),
            "birth_date": text(profile.birth_date_ciphertext.as_ref()),
            "has_password": profile.password_hash.is_some(),
            "avatar": profile.avatar_version.is_some(),
            "coins": profile.coin_balance,
        },
        "photos": photos.iter().map(|p| {
            let mut v = serde_json::to_value(crate::photos::photo_view(p, &key)).unwrap_or(Value::Null);
            v["file"] = json!(format!("photos/{}", photo_file(p)));
            v
        }).collect::<Vec<_>>(),
        "albums": albums.iter().map(|a| json!({
            "id": a.id.to_string(), "name": text(Some(&a.name_ciphertext)), "created_at": a.created_at,
        })).collect::<Vec<_>>(),
        "coin_ledger": ledger.iter().map(|l| json!({
            "delta": l.delta, "reason": l.reason, "reference": l.reference, "at": l.created_at,
        })).collect::<Vec<_>>(),
        "consents": consents.iter().map(|c| json!({
            "topic": c.topic, "granted": c.granted, "version": c.version, "channel": c.channel, "at": c.at,
        })).collect::<Vec<_>>(),
        "requests": requests.iter().map(|r| request_json(r, Some(&key), now)).collect::<Vec<_>>(),
        "usage_events": usage.iter().map(|u| json!({
            "kind": u.kind, "detail": serde_json::from_str::<Value>(&u.detail).unwrap_or(Value::Null),
            "ip_prefix": u.ip_prefix, "device_ids": text(u.device_ciphertext.as_ref()), "at": u.at,
        })).collect::<Vec<_>>(),
        "disclosures": disclosures.iter().map(|d| json!({
            "recipient": d.recipient, "purpose": d.purpose, "categories": d.categories, "at": d.at,
        })).collect::<Vec<_>>(),
        "access_log": audit.iter().map(|a| json!({ "action": a.action, "at": a.at })).collect::<Vec<_>>(),
    });
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "personal-data.json".into(),
        serde_json::to_vec_pretty(&data).map_err(|e| AppError::Internal(e.to_string()))?,
    )];
    for p in &photos {
        let bytes = state
            .blobs
            .get(&crate::photos::Variant::Original.key(p), &key)
            .await?;
        files.push((format!("photos/{}", photo_file(p)), bytes));
    }
    if let Some(v) = &profile.avatar_version
        && let Ok(b) = state.blobs.get(&crate::keys::avatar(user, v), &key).await
    {
        files.push(("avatar.webp".into(), b));
    }
    tokio::task::spawn_blocking(move || zip_files(&files))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

pub fn photo_file(p: &xuancai_store::PhotoRecord) -> String {
    let ext = match p.mime.as_str() {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        _ => "bin",
    };
    format!("{}.{ext}", p.id)
}

pub fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, AppError> {
    let err = |e: &dyn std::fmt::Display| AppError::Internal(format!("zip: {e}"));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    for (name, bytes) in files {
        w.start_file(name.as_str(), opts).map_err(|e| err(&e))?;
        w.write_all(bytes).map_err(|e| err(&e))?;
    }
    Ok(w.finish().map_err(|e| err(&e))?.into_inner())
}
