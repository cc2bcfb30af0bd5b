//! Push registrations (DATA-5), the inbox, service announcements that reach
//! everyone (ADS-3) and marketing messages that reach only those who agreed,
//! each with an unsubscribe link that works without signing in (ADS-2).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use xuancai_domain::Message;
use xuancai_domain::privacy::Purpose;
use xuancai_store::{BroadcastRecord, Store};

use crate::error::ApiError;
use crate::extract::AppJson;
use crate::extract::{Active, Operator};
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::broadcasts::{self, Progress, Unsubscribed};
use xuancai_app::privacy::permit;
use xuancai_app::privacy::requests::{hex, parse_request_id};

/// The Web Push application server key, if Web Push is configured.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PushKey {
    /// Empty when Web Push is not configured.
    web_push: String,
}

/// A device registered for notifications.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Registered {
    /// `registered`.
    status: &'static str,
}

/// `GET /api/v1/push/key`: the VAPID application server key.
pub async fn key<S: Store>(State(state): State<Arc<App<S>>>) -> Json<PushKey> {
    Json(PushKey {
        web_push: state.web_push_key.clone(),
    })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Register {
    /// `web_push` or a phone vendor's; which ones a server offers is its
    /// configuration (`GET /api/v1/push/key`, 422 for another).
    #[schemars(schema_with = "super::schema::push_provider")]
    provider: String,
    /// For Web Push, the browser's `PushSubscription.toJSON()`; for a phone
    /// vendor (`xiaomi_push`, `huawei_push`, `oppo_push`, `vivo_push`,
    /// `meizu_push`), the registration id its SDK gave the app, as a string.
    subscription: Value,
}

/// `PUT /api/v1/me/push`: register this device (needs the push consent).
pub async fn register<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
    AppJson(req): AppJson<Register>,
) -> Result<Response, ApiError> {
    permit(&state, &session.user, Purpose::Push).await?;
    let Some(channel) = state.push.get(&req.provider) else {
        let message = format!(
            "{:?} is not configured here; use one of: {}",
            req.provider,
            state.push.keys().join(", ")
        );
        // A push service this server could offer but does not is refused
        // by its configuration (422); a name that is none is malformed.
        return Err(if super::schema::push_providers().any(|p| p == req.provider) {
            AppError::Unprocessable {
                code: "push_provider_unavailable",
                message,
            }
        } else {
            AppError::bad_request("push_provider_unavailable", message)
        }
        .into());
    };
    // Web Push: the subscription object; a vendor: its registration id string.
    let token = match &req.subscription {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    // The subscription's form is the provider's: checked here (422).
    if token.len() > 4096 {
        return Err(AppError::Unprocessable {
            code: "invalid_subscription",
            message: "the subscription is too large".into(),
        }
        .into());
    }
    channel
        .validate(&token)
        .await
        .map_err(|e| AppError::Unprocessable {
            code: match e {
                xuancai_app::push::PushError::Refused(_) => "push_endpoint_refused",
                _ => "invalid_subscription",
            },
            message: e.to_string(),
        })?;
    xuancai_app::push::register(&state, &session.user, &req.provider, &token).await?;
    Ok((StatusCode::CREATED, Json(Registered { status: "registered" })).into_response())
}

/// `DELETE /api/v1/me/push`: forget every device of this account.
pub async fn unregister<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<StatusCode, ApiError> {
    state.store.delete_push_tokens(&session.user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The inbox: the operators' messages to this user, newest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Inbox {
    items: Vec<InboxItem>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct InboxItem {
    id: String,
    /// `service` or `marketing`.
    kind: String,
    title: String,
    body: String,
    at: i64,
}

/// What following an unsubscribe link did (for clients that ask for JSON).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct UnsubscribeAnswer {
    /// `unsubscribed`, or `no_account` when the account is gone.
    status: &'static str,
}

/// `GET /api/v1/me/inbox`: messages, newest first.
pub async fn inbox<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<Json<Inbox>, ApiError> {
    let items = state
        .store
        .inbox(&session.user, 100)
        .await?
        .iter()
        .map(|i| InboxItem {
            id: hex(&i.id),
            kind: i.kind.clone(),
            title: i.title.clone(),
            body: i.body.clone(),
            at: i.at,
        })
        .collect();
    Ok(Json(Inbox { items }))
}

/// What others did with your works (issue 22 item 14), newest first.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct ActivityPage {
    items: Vec<xuancai_app::social::Activity>,
}

/// `GET /api/v1/me/activity`: comments on your works and blessings to you.
pub async fn activity<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<Json<ActivityPage>, ApiError> {
    let items = xuancai_app::social::activity(&state, &session.user, 100).await?;
    Ok(Json(ActivityPage { items }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct Unsubscribe {
    u: String,
    t: String,
}

fn page(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>炫彩</title><p>{text}</p></html>"),
    )
        .into_response()
}

/// `GET /api/v1/unsubscribe?u=…&t=…`: no sign-in needed; records the
/// withdrawal of the marketing consent (CON-4) with the channel
/// `unsubscribe_link`. A browser (asking for `text/html`) gets a page in
/// Chinese; any other client gets JSON, errors as the typed error
/// (`invalid_link`, `invalid_query`).
pub async fn unsubscribe<S: Store>(
    State(state): State<Arc<App<S>>>,
    headers: HeaderMap,
    query: Result<Query<Unsubscribe>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let html = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/html"));
    let done = match query {
        Ok(Query(q)) => broadcasts::unsubscribe(&state, &q.u, &q.t).await,
        Err(e) => Err(AppError::bad_request("invalid_query", e.body_text())),
    };
    match (done, html) {
        (Ok(Unsubscribed::Withdrawn), true) => Ok(page(
            StatusCode::OK,
            "已退订：您将不再收到营销信息。服务通知不受影响。",
        )),
        (Ok(Unsubscribed::NoAccount), true) => {
            Ok(page(StatusCode::OK, "该账号已不存在，不会再收到营销信息。"))
        }
        (Ok(u), false) => Ok(Json(UnsubscribeAnswer {
            status: match u {
                Unsubscribed::Withdrawn => "unsubscribed",
                Unsubscribed::NoAccount => "no_account",
            },
        })
        .into_response()),
        (Err(AppError::BadRequest { .. }), true) => Ok(page(StatusCode::BAD_REQUEST, "退订链接无效。")),
        (Err(AppError::Unprocessable { .. }), true) => {
            Ok(page(StatusCode::UNPROCESSABLE_ENTITY, "退订链接无效。"))
        }
        (Err(e), _) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    kind: String,
    title: String,
    body: String,
}

/// An operator's message and how far its delivery has got.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Broadcast {
    id: String,
    kind: String,
    title: String,
    /// `queued`, `sending` or `done`.
    state: &'static str,
    delivered: u64,
    pushed: u64,
    skipped_without_consent: u64,
    created_at: i64,
    finished_at: Option<i64>,
}

fn broadcast_json(b: &BroadcastRecord) -> Broadcast {
    Broadcast {
        id: hex(&b.id),
        kind: b.kind.clone(),
        title: b.title.clone(),
        state: Progress::of(b).as_str(),
        delivered: b.delivered,
        pushed: b.pushed,
        skipped_without_consent: b.skipped,
        created_at: b.created_at,
        finished_at: b.finished_at,
    }
}

/// `POST /api/v1/ops/messages`: queue a service announcement (reaches
/// everyone, ADS-3) or a marketing message (only those with the marketing
/// consent, each with their own unsubscribe link, ADS-2). Answers `202` at
/// once; the queue delivers it to the inbox, and by push to devices whose
/// owner keeps the push consent, each push logged as a disclosure (DATA-6).
pub async fn send<S: Store + 'static>(
    State(state): State<Arc<App<S>>>,
    op: Operator,
    AppJson(msg): AppJson<MessageBody>,
) -> Result<(StatusCode, Json<Broadcast>), ApiError> {
    let message = Message::parse(&msg.kind, &msg.title, &msg.body).map_err(AppError::from)?;
    let queued = broadcasts::queue(&state, &op.user, &message).await?;
    broadcasts::kick(state.clone());
    Ok((StatusCode::ACCEPTED, Json(broadcast_json(&queued))))
}

/// `GET /api/v1/ops/messages/{id}`: how far a broadcast has got.
pub async fn progress<S: Store>(
    State(state): State<Arc<App<S>>>,
    _op: Operator,
    Path(id): Path<String>,
) -> Result<Json<Broadcast>, ApiError> {
    let id = parse_request_id(&id).map_err(|_| AppError::NotFound)?;
    Ok(Json(broadcast_json(&broadcasts::status(&state, &id).await?)))
}
