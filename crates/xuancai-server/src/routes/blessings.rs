//! Blessings (IMG-6, DATA-3): send one of your works — or a template — with
//! a message to another user; the recipient's inbox; a share link anyone
//! may open. A blessing whose work was deleted keeps its message and shows
//! no work.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use xuancai_domain::privacy::Purpose;
use xuancai_domain::{BlessingId, UserId};
use xuancai_store::{BlessingRecord, SealedColumn, Store, WorkRecord};

use crate::error::ApiError;
use crate::extract::Active;
use crate::extract::AppJson;
use crate::respond;
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::crypto::{MacUse, random};
use xuancai_app::privacy::permit;
use xuancai_app::works::{Author, Authors, parse_id};

/// Longest blessing message, characters.
pub const MAX_MESSAGE_CHARS: usize = 200;

fn share_hash<S>(state: &App<S>, token: &str) -> Vec<u8> {
    state
        .keys
        .mac(MacUse::BlessingShare, &format!("blessing-share:{token}"))
}

/// A blessing as its recipient (or the holder of its link) sees it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct BlessingView {
    id: String,
    from: Author,
    /// Null if it does not open.
    message: Option<String>,
    template: Option<String>,
    work: Option<SentWork>,
    /// The work it carried was deleted.
    work_deleted: bool,
    created_at: i64,
    /// For the sender: the link to share.
    #[serde(skip_serializing_if = "Option::is_none")]
    share_url: Option<String>,
}

/// The work a blessing carries.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SentWork {
    title: String,
    image: Option<String>,
}

/// The inbox, newest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Inbox {
    items: Vec<BlessingView>,
}

async fn blessing_json<S: Store>(
    state: &App<S>,
    b: &BlessingRecord,
    token: Option<&str>,
    authors: &mut Authors,
) -> BlessingView {
    let work = match b.work {
        Some(w) => state.store.work(&w).await.ok().flatten(),
        None => None,
    };
    let image = match (&work, token) {
        (Some(_), Some(t)) => Some(format!("/api/v1/blessings/shared/{t}/image")),
        (Some(w), None) => Some(format!("/api/v1/blessings/{}/image", b.id)).filter(|_| w.owner == b.sender),
        _ => None,
    };
    let message = authors.blessing_message(state, b).await;
    let work = match &work {
        Some(w) => Some(SentWork {
            title: authors.title(state, w).await,
            image,
        }),
        None => None,
    };
    BlessingView {
        id: b.id.to_string(),
        from: authors.get(state, &b.sender).await,
        message,
        template: b.template.clone(),
        work,
        work_deleted: b.work.is_none() && b.template.is_none(),
        created_at: b.created_at,
        share_url: None,
    }
}

fn message_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    super::schema::some_text(Some(MAX_MESSAGE_CHARS))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    to: String,
    work: Option<String>,
    template: Option<String>,
    #[schemars(schema_with = "message_schema")]
    message: String,
}

pub async fn send<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppJson(b): AppJson<SendBody>,
) -> Result<Response, ApiError> {
    let user = session.user;
    permit(&state, &user, Purpose::Works).await?;
    let message = b.message.trim().to_string();
    if message.is_empty() || message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(AppError::BadRequest {
            code: "invalid_message",
            message: format!("a blessing's message has 1 to {MAX_MESSAGE_CHARS} characters"),
        }
        .into());
    }
    let recipient =
        UserId::parse(&b.to)
            .ok()
            .filter(|r| *r != user)
            .ok_or_else(|| AppError::Unprocessable {
                code: "recipient_not_found",
                message: "send to another user's id (u_…)".into(),
            })?;
    if state.store.user_by_id(&recipient).await?.is_none() {
        return Err(AppError::Unprocessable {
            code: "recipient_not_found",
            message: "no such user".into(),
        }
        .into());
    }
    // Only your own works, or a template, may be sent.
    let work = match (&b.work, &b.template) {
        (Some(w), None) => {
            let id = parse_id(w).map_err(|_| AppError::Unprocessable {
                code: "work_not_found",
                message: format!("no work {w} of yours"),
            })?;
            state
                .store
                .work(&id)
                .await?
                .filter(|w| w.owner == user)
                .ok_or_else(|| AppError::Unprocessable {
                    code: "work_not_found",
                    message: format!("no work {w} of yours"),
                })?;
            Some(id)
        }
        (None, Some(t)) => {
            xuancai_stickers::template::builtin(t).map_err(|e| AppError::BadRequest {
                code: "template_unknown",
                message: e.to_string(),
            })?;
            None
        }
        _ => {
            return Err(AppError::BadRequest {
                code: "invalid_blessing",
                message: "send either a work or a template".into(),
            }
            .into());
        }
    };
    xuancai_app::quotas::check_authored(&state, &user, xuancai_store::Authored::Blessings).await?;
    let token: String = random::<16>().iter().map(|x| format!("{x:02x}")).collect();
    let id = BlessingId::generate();
    let key = state.data_key(&user).await?;
    let blessing = BlessingRecord {
        id,
        sender: user,
        recipient,
        work,
        template: b.template.clone(),
        message_ciphertext: key.seal(SealedColumn::BlessingMessage, id.as_bytes(), message.as_bytes()),
        share_hash: share_hash(&state, &token),
        created_at: state.now(),
    };
    state.store.add_blessing(&blessing).await?;
    let mut v = blessing_json(&state, &blessing, Some(&token), &mut Authors::default()).await;
    v.share_url = Some(format!("/api/v1/blessings/shared/{token}"));
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// The people a blessing may go to (issue 22 item 14).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct People {
    items: Vec<Author>,
}

/// `GET /api/v1/blessings/people`: the people you have interacted with,
/// most recent first — no directory of users.
pub async fn people<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<Json<People>, ApiError> {
    let items = xuancai_app::social::people(&state, &session.user, 50).await?;
    Ok(Json(People { items }))
}

/// The signed-in user's inbox of blessings, newest first.
pub async fn inbox<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<Json<Inbox>, ApiError> {
    let mut items = Vec::new();
    let mut authors = Authors::default();
    for b in state.store.blessings_received(&session.user, 200).await? {
        items.push(blessing_json(&state, &b, None, &mut authors).await);
    }
    Ok(Json(Inbox { items }))
}

async fn shared_blessing<S: Store>(state: &App<S>, token: &str) -> Result<BlessingRecord, ApiError> {
    if token.len() != 32 || !token.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::NotFound.into());
    }
    if let Some(b) = state.store.blessing_by_share(&share_hash(state, token)).await? {
        return Ok(b);
    }
    // A link made before per-use keys (issue 19 item 16) still opens.
    let legacy = state.keys.legacy_mac(&format!("blessing-share:{token}"));
    state
        .store
        .blessing_by_share(&legacy)
        .await?
        .ok_or(ApiError::NOT_FOUND)
}

/// `GET /api/v1/blessings/shared/{token}`: anyone with the link.
pub async fn shared<S: Store>(
    State(state): State<Arc<App<S>>>,
    Path(token): Path<String>,
) -> Result<Json<BlessingView>, ApiError> {
    let b = shared_blessing(&state, &token).await?;
    Ok(Json(
        blessing_json(&state, &b, Some(&token), &mut Authors::default()).await,
    ))
}

async fn work_image<S: Store>(state: &App<S>, b: &BlessingRecord) -> Result<Response, ApiError> {
    let id = b.work.ok_or(AppError::NotFound)?;
    let w = state
        .store
        .work(&id)
        .await?
        .filter(|w| w.owner == b.sender)
        .ok_or(AppError::NotFound)?;
    // The sender chose to show the work to the recipient, whatever its visibility.
    let key = state.data_key(&w.owner).await?;
    let data = state
        .blobs
        .get(
            &format!("{}image", WorkRecord::blob_prefix(&w.owner, &w.id)),
            &key,
        )
        .await?;
    respond::image(data, &w.mime, "private, no-cache")
}

pub async fn shared_image<S: Store>(
    State(state): State<Arc<App<S>>>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let b = shared_blessing(&state, &token).await?;
    work_image(&state, &b).await
}

/// The recipient's view of the image.
pub async fn image<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = BlessingId::parse(&id).map_err(|_| AppError::NotFound)?;
    let b = state
        .store
        .blessing(&session.user, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    work_image(&state, &b).await
}
