//! Push registrations (DATA-5), the inbox, service announcements that reach
//! everyone (ADS-3) and marketing messages that reach only those who agreed,
//! each with an unsubscribe link that works without signing in (ADS-2).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use xuancai_domain::UserId;
use xuancai_domain::privacy::Purpose;
use xuancai_store::{ConsentRecord, InboxItem, Store, Subject};

use crate::error::ApiError;
use crate::extract::AppJson;
use crate::extract::{Active, Operator};
use xuancai_app::App;
use xuancai_app::AppError;
use xuancai_app::crypto::random;
use xuancai_app::privacy::gate::consent_state;
use xuancai_app::privacy::permit;
use xuancai_app::privacy::requests::hex;
use xuancai_app::push::Outgoing;

/// `GET /api/v1/push/key`: the VAPID application server key.
pub async fn key<S: Store>(State(state): State<Arc<App<S>>>) -> Json<Value> {
    Json(json!({ "web_push": state.web_push_key.clone() }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
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
        return Err(AppError::BadRequest {
            code: "push_provider_unavailable",
            message: format!(
                "{:?} is not configured here; use one of: {}",
                req.provider,
                state.push.keys().join(", ")
            ),
        }
        .into());
    };
    // Web Push: the subscription object; a vendor: its registration id string.
    let token = match &req.subscription {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if token.len() > 4096 {
        return Err(AppError::BadRequest {
            code: "invalid_subscription",
            message: "the subscription is too large".into(),
        }
        .into());
    }
    channel.validate(&token).await.map_err(|e| AppError::BadRequest {
        code: match e {
            xuancai_app::push::PushError::Refused(_) => "push_endpoint_refused",
            _ => "invalid_subscription",
        },
        message: e.to_string(),
    })?;
    xuancai_app::push::register(&state, &session.user, &req.provider, &token).await?;
    Ok((StatusCode::CREATED, Json(json!({ "status": "registered" }))).into_response())
}

/// `DELETE /api/v1/me/push`: forget every device of this account.
pub async fn unregister<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<StatusCode, ApiError> {
    state.store.delete_push_tokens(&session.user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me/inbox`: messages, newest first.
pub async fn inbox<S: Store>(
    State(state): State<Arc<App<S>>>,
    session: Active,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = state
        .store
        .inbox(&session.user, 100)
        .await?
        .iter()
        .map(|i| json!({ "id": hex(&i.id), "kind": i.kind, "title": i.title, "body": i.body, "at": i.at }))
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// The unsubscribe link of a user's marketing messages (ADS-2).
pub fn unsubscribe_path<S: Store>(state: &App<S>, user: &UserId) -> String {
    format!(
        "/api/v1/unsubscribe?u={user}&t={}",
        hex(&state.keys.unsubscribe_tag(user.as_bytes()))
    )
}

#[derive(Debug, Deserialize)]
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
/// withdrawal of the marketing consent (CON-4) with the channel `unsubscribe_link`.
pub async fn unsubscribe<S: Store>(
    State(state): State<Arc<App<S>>>,
    query: Result<Query<Unsubscribe>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Ok(Query(q)) = query else {
        return Ok(page(StatusCode::BAD_REQUEST, "退订链接不完整。"));
    };
    let Ok(user) = UserId::parse(&q.u) else {
        return Ok(page(StatusCode::BAD_REQUEST, "退订链接无效。"));
    };
    if !state.keys.unsubscribe_tag_matches(user.as_bytes(), &q.t) {
        return Ok(page(StatusCode::BAD_REQUEST, "退订链接无效。"));
    }
    if state.store.user_by_id(&user).await?.is_none() {
        return Ok(page(StatusCode::OK, "该账号已不存在，不会再收到营销信息。"));
    }
    state
        .store
        .append_consent(&ConsentRecord {
            id: xuancai_app::privacy::agreements::ledger_id(state.now()),
            subject: Subject::User(user),
            topic: Purpose::Marketing.key().into(),
            granted: false,
            version: None,
            channel: "unsubscribe_link".into(),
            at: state.now(),
        })
        .await?;
    Ok(page(
        StatusCode::OK,
        "已退订：您将不再收到营销信息。服务通知不受影响。",
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    kind: String,
    title: String,
    body: String,
}

/// `POST /api/v1/ops/messages`: a service announcement reaches everyone
/// (ADS-3); a marketing message only those with the marketing consent, each
/// with their own unsubscribe link (ADS-2). Both go to the inbox, and by
/// push to devices whose owner keeps the push consent; each push is logged
/// as a disclosure to the push service (DATA-6).
pub async fn send<S: Store>(
    State(state): State<Arc<App<S>>>,
    op: Operator,
    AppJson(msg): AppJson<Message>,
) -> Result<Json<Value>, ApiError> {
    let marketing = match msg.kind.as_str() {
        "service" => false,
        "marketing" => true,
        _ => {
            return Err(AppError::BadRequest {
                code: "invalid_message_kind",
                message: "kind is service or marketing".into(),
            }
            .into());
        }
    };
    let title: String = msg.title.trim().chars().take(100).collect();
    let text: String = msg.body.trim().chars().take(2000).collect();
    if title.is_empty() {
        return Err(AppError::BadRequest {
            code: "invalid_message",
            message: "a message has a title".into(),
        }
        .into());
    }
    let now = state.now();
    let (mut delivered, mut pushed, mut skipped) = (0u64, 0u64, 0u64);
    let mut batch = Vec::new();
    let mut after = None;
    loop {
        let page = state.store.user_ids(after, 200).await?;
        let Some(last) = page.last().copied() else { break };
        for user in page {
            let Some(account) = state.store.account_state(&user).await? else {
                continue;
            };
            if account.cancelled_at.is_some() {
                continue;
            }
            let consents = consent_state(&state, &user).await?;
            if marketing && !consents.allows(Purpose::Marketing) {
                skipped += 1;
                continue;
            }
            let unsubscribe = marketing.then(|| unsubscribe_path(&state, &user));
            let body = match &unsubscribe {
                Some(link) => format!("{text}\n\n退订：{link}"),
                None => text.clone(),
            };
            state
                .store
                .deliver(&InboxItem {
                    id: random::<16>(),
                    user,
                    kind: msg.kind.clone(),
                    title: title.clone(),
                    body,
                    at: now,
                })
                .await?;
            delivered += 1;
            if !consents.allows(Purpose::Push) {
                continue;
            }
            let tokens = state.store.push_tokens(&user).await?;
            if tokens.is_empty() {
                continue;
            }
            let key = state.data_key(&user).await?;
            let payload: Arc<str> =
                json!({ "title": title, "body": text, "kind": msg.kind, "unsubscribe": unsubscribe })
                    .to_string()
                    .into();
            for t in tokens {
                let Some(token) = key
                    .decrypt(&t.token_ciphertext)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                else {
                    continue;
                };
                batch.push(Outgoing {
                    user,
                    device: t.id,
                    provider: t.provider,
                    token,
                    payload: payload.clone(),
                });
            }
        }
        // The page's pushes go out at once, each within its timeout.
        pushed += xuancai_app::push::send_all(&state, std::mem::take(&mut batch)).await?;
        after = Some(last);
    }
    tracing::info!(operator = %op.user, kind = %msg.kind, delivered, pushed, skipped, "message sent");
    Ok(Json(
        json!({ "delivered": delivered, "pushed": pushed, "skipped_without_consent": skipped }),
    ))
}
