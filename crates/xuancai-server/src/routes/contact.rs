//! R-7, MIN-5: the contact channels and complaints without an account
//! (the use cases are `xuancai_app::contact`), and the operators' queue.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use xuancai_app::App;
use xuancai_app::contact::{self, ContactConfig, NewComplaint};
use xuancai_domain::privacy::{ComplaintStatus, RequestKind};
use xuancai_store::Store;

use crate::error::ApiError;
use crate::extract::{AppJson, AppQuery, ClientIp, Operator};

/// How to reach the operator (R-7, MIN-5).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Contact {
    #[serde(flatten)]
    channels: Channels,
    /// The operator has not configured their own channels yet.
    example: bool,
    answer_within_working_days: u32,
}

/// The channels of the `[contact]` settings, and only those (its limits
/// and retention are the operator's business).
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Channels {
    /// The operator (the personal-information handler), as registered.
    operator: String,
    /// 客服邮箱: questions about the policy and personal information.
    email: String,
    /// 未成年人投诉举报邮箱 (MIN-5).
    minors_email: String,
    /// 文件收寄地址: where written requests are sent.
    address: String,
    /// 个人信息保护负责人: name or title.
    officer: String,
    /// How to reach the officer directly.
    officer_email: String,
    /// An optional telephone line.
    phone: Option<String>,
}

impl From<&ContactConfig> for Channels {
    fn from(c: &ContactConfig) -> Self {
        Self {
            operator: c.operator.clone(),
            email: c.email.clone(),
            minors_email: c.minors_email.clone(),
            address: c.address.clone(),
            officer: c.officer.clone(),
            officer_email: c.officer_email.clone(),
            phone: c.phone.clone(),
        }
    }
}

/// `GET /api/v1/contact`: how to reach the operator; `example` is true
/// while the operator has not configured their own channels.
pub async fn show<S: Store>(State(state): State<Arc<App<S>>>) -> Json<Contact> {
    let c = &state.config.contact;
    Json(Contact {
        channels: Channels::from(c),
        example: c.is_example(),
        answer_within_working_days: RequestKind::Complaint.deadline_working_days(),
    })
}

/// `POST /api/v1/complaints`: anyone, signed in or not.
pub async fn submit<S: Store>(
    State(state): State<Arc<App<S>>>,
    ClientIp(client): ClientIp,
    AppJson(new): AppJson<NewComplaint>,
) -> Result<(StatusCode, Json<contact::Receipt>), ApiError> {
    let receipt = contact::submit(&state, client, new).await?;
    Ok((StatusCode::CREATED, Json(receipt)))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    status: Option<String>,
}

/// The complaints queue, and how many are overdue.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Queue {
    items: Vec<contact::QueuedComplaint>,
    overdue: usize,
}

/// A complaint answered.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Answered {
    id: String,
    /// `answered`.
    status: &'static str,
}

/// `GET /api/v1/ops/complaints`: open complaints, oldest deadline first
/// (`?status=answered` for the answered ones).
pub async fn queue<S: Store>(
    State(state): State<Arc<App<S>>>,
    _op: Operator,
    AppQuery(q): AppQuery<QueueQuery>,
) -> Result<Json<Queue>, ApiError> {
    let status = ComplaintStatus::parse(q.status.as_deref().unwrap_or("open"))?;
    let items = contact::queue(&state, status).await?;
    let overdue = items.iter().filter(|c| c.overdue).count();
    Ok(Json(Queue { items, overdue }))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    resolution: String,
}

/// `POST /api/v1/ops/complaints/{id}`: record the answer.
pub async fn answer<S: Store>(
    State(state): State<Arc<App<S>>>,
    op: Operator,
    Path(id): Path<String>,
    AppJson(a): AppJson<Answer>,
) -> Result<Json<Answered>, ApiError> {
    contact::answer(&state, &id, &a.resolution).await?;
    tracing::info!(operator = %op.user, "complaint answered");
    Ok(Json(Answered {
        id,
        status: ComplaintStatus::Answered.as_str(),
    }))
}
