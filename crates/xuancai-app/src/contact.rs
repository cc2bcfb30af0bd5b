//! R-7, MIN-5: how to reach the operator, and complaints without an account.
//!
//! - [`ContactConfig`] (`[contact]`): the operator's name, the service and
//!   minors' complaint e-mail addresses, the postal address for documents
//!   and the personal-information protection officer. The defaults are the
//!   published policy's example values and are reported as examples
//!   ([`ContactConfig::is_example`]) until the operator sets their own; the
//!   documents, `GET /contact` and the web app say so.
//! - [`submit`]: a complaint (a guardian about a child's information, or
//!   anyone about their own) that needs no account: parsed, bounded per
//!   client address and per day, sealed under the service's key, and put
//!   in the operators' queue with the same 15-working-day deadline as a
//!   rights request.
//! - [`queue`] and [`answer`]: the operators' side; [`purge`] erases
//!   answered complaints after `complaint_retention_days`.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use xuancai_domain::privacy::{ComplaintStatus, ComplaintText, ComplaintTopic, ReplyTo, RequestKind};
use xuancai_store::{ComplaintRecord, Store};

use crate::App;
use crate::crypto::random;
use crate::error::AppError;
use crate::privacy::requests::{deadline, hex, parse_request_id};

/// The `[contact]` section of the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ContactConfig {
    /// The operator (the personal-information handler), as registered.
    pub operator: String,
    /// 客服邮箱: questions about the policy and personal information.
    pub email: String,
    /// 未成年人投诉举报邮箱 (MIN-5).
    pub minors_email: String,
    /// 文件收寄地址: where written requests are sent.
    pub address: String,
    /// 个人信息保护负责人: name or title.
    pub officer: String,
    /// How to reach the officer directly.
    pub officer_email: String,
    /// An optional telephone line.
    pub phone: Option<String>,
    /// Days an answered complaint is kept before it is erased.
    pub complaint_retention_days: u32,
    /// Complaints accepted per client address per day, and in all per day.
    pub complaints_per_ip_day: u64,
    pub complaints_per_day: u64,
}

impl Default for ContactConfig {
    fn default() -> Self {
        Self {
            operator: "炫彩（示例运营者）".into(),
            email: EXAMPLE_EMAIL.into(),
            minors_email: EXAMPLE_EMAIL.into(),
            address: EXAMPLE_ADDRESS.into(),
            officer: "个人信息保护负责人（示例）".into(),
            officer_email: EXAMPLE_EMAIL.into(),
            phone: None,
            complaint_retention_days: 3 * 365,
            complaints_per_ip_day: 5,
            complaints_per_day: 500,
        }
    }
}

/// The published policy's example values (spec §18).
const EXAMPLE_EMAIL: &str = "xmjukehuanliu@163.com";
const EXAMPLE_ADDRESS: &str = "厦门市思明区龙山南路251号之五201室A区389单元";

/// What the documents and the app print next to an example value.
pub const EXAMPLE_MARK: &str = "（示例，运营者尚未配置）";

impl ContactConfig {
    /// Whether any channel still holds the development example: the
    /// operator has not configured where users can reach them.
    pub fn is_example(&self) -> bool {
        let example = Self::default();
        self.operator == example.operator
            || self.email == EXAMPLE_EMAIL
            || self.minors_email == EXAMPLE_EMAIL
            || self.officer_email == EXAMPLE_EMAIL
            || self.address == EXAMPLE_ADDRESS
            || self.officer == example.officer
    }
}

/// A complaint as the caller sends it (before parsing).
fn topic_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let topics: Vec<&str> = xuancai_domain::privacy::ComplaintTopic::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    schemars::json_schema!({ "type": "string", "enum": topics })
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    #[schemars(schema_with = "topic_schema")]
    pub topic: String,
    /// 5 to 2000 characters; line breaks and tabs allowed.
    #[schemars(
        length(min = 5, max = 2000),
        regex(
            pattern = r"^\s*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]){4,}\s*$"
        )
    )]
    pub message: String,
    /// An e-mail address or a mainland mobile number.
    #[schemars(
        regex(
            pattern = r"^([^\s\x00-\x1f\x7f-\x9f<>@]+@[^\s\x00-\x1f\x7f-\x9f<>.@][^\s\x00-\x1f\x7f-\x9f<>@]*\.[^\s\x00-\x1f\x7f-\x9f<>.@]+|(\+?86)?1[3-9][0-9]{9})$"
        ),
        length(max = 200)
    )]
    pub reply_to: String,
    /// For a complaint about a child: how to find the child's account (its
    /// nickname, or the number it signed up with). Optional.
    #[schemars(length(max = 100), regex(pattern = r"^[^\x00-\x1f\x7f-\x9f]*$"))]
    pub child: Option<String>,
}

/// What is sealed in `body_ciphertext`.
#[derive(Debug, Serialize, Deserialize)]
struct Body {
    message: String,
    reply_to: String,
    child: Option<String>,
}

/// The receipt the sender keeps.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Receipt {
    pub id: String,
    pub topic: &'static str,
    pub received_at: i64,
    pub deadline_at: i64,
}

/// A complaint in the operators' queue.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct QueuedComplaint {
    pub id: String,
    pub topic: String,
    pub status: String,
    pub message: String,
    pub reply_to: String,
    pub child: Option<String>,
    pub resolution: Option<String>,
    pub received_at: i64,
    pub deadline_at: i64,
    pub overdue: bool,
}

const PER_IP_EVENT: &str = "complaint_ip";
const ALL_EVENT: &str = "complaint_all";
const DAY_MS: i64 = 86_400_000;

/// Count this attempt against `limit` per day: the attempt is recorded
/// first and then counted, so requests that arrive at once can only be
/// refused together, never accepted beyond the limit.
async fn count_against<S: Store>(state: &App<S>, kind: &str, key: &[u8], limit: u64) -> Result<(), AppError> {
    let now = state.now();
    state.store.record_event(kind, key, now).await?;
    if state.store.count_events(kind, key, now - DAY_MS).await? > limit {
        return Err(AppError::RateLimited);
    }
    Ok(())
}

/// R-7, MIN-5: take a complaint from anyone, signed in or not.
pub async fn submit<S: Store>(
    state: &App<S>,
    client: IpAddr,
    new: NewComplaint,
) -> Result<Receipt, AppError> {
    let topic = ComplaintTopic::parse(&new.topic)?;
    let message = ComplaintText::parse(&new.message)?;
    let reply_to = ReplyTo::parse(&new.reply_to)?;
    let child = match new.child.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) if c.chars().count() <= 100 && !c.chars().any(char::is_control) => Some(c.to_string()),
        Some(_) => {
            return Err(AppError::BadRequest {
                code: "invalid_complaint",
                message: "child: at most 100 characters, one line".into(),
            });
        }
    };
    let limits = &state.config.contact;
    let ip_key = state.keys.client_key("complaint-ip", &client.to_string());
    count_against(state, PER_IP_EVENT, &ip_key, limits.complaints_per_ip_day).await?;
    count_against(state, ALL_EVENT, b"all", limits.complaints_per_day).await?;
    let body = Body {
        message: message.as_str().to_string(),
        reply_to: reply_to.as_str().to_string(),
        child,
    };
    let plain = serde_json::to_vec(&body).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = state.now();
    let record = ComplaintRecord {
        id: random::<16>().to_vec(),
        topic: topic.as_str().into(),
        status: ComplaintStatus::Open,
        body_ciphertext: state.keys.seal_service(&plain),
        resolution: None,
        received_at: now,
        deadline_at: deadline(state, RequestKind::Complaint, now),
        updated_at: now,
    };
    state.store.add_complaint(&record).await?;
    tracing::info!(topic = topic.as_str(), "complaint received");
    Ok(Receipt {
        id: hex(&record.id),
        topic: topic.as_str(),
        received_at: record.received_at,
        deadline_at: record.deadline_at,
    })
}

/// The operators' queue: complaints with `status`, oldest deadline first.
pub async fn queue<S: Store>(
    state: &App<S>,
    status: ComplaintStatus,
) -> Result<Vec<QueuedComplaint>, AppError> {
    let now = state.now();
    let rows = state.store.complaints(status, 500).await?;
    rows.into_iter()
        .map(|r| {
            let plain = state
                .keys
                .open_service(&r.body_ciphertext)
                .map_err(|e| AppError::Internal(format!("complaint {}: {e}", hex(&r.id))))?;
            let body: Body = serde_json::from_slice(&plain)
                .map_err(|e| AppError::Internal(format!("complaint {}: {e}", hex(&r.id))))?;
            Ok(QueuedComplaint {
                id: hex(&r.id),
                overdue: status == ComplaintStatus::Open && now > r.deadline_at,
                topic: r.topic,
                status: r.status.as_str().into(),
                message: body.message,
                reply_to: body.reply_to,
                child: body.child,
                resolution: r.resolution,
                received_at: r.received_at,
                deadline_at: r.deadline_at,
            })
        })
        .collect()
}

/// Record the operator's answer (what was done, how the sender was told).
pub async fn answer<S: Store>(state: &App<S>, id: &str, resolution: &str) -> Result<(), AppError> {
    let id = parse_request_id(id).map_err(|_| AppError::NotFound)?;
    let resolution = resolution.trim();
    if resolution.is_empty() || resolution.chars().count() > 2000 {
        return Err(AppError::BadRequest {
            code: "resolution_required",
            message: "say what was done (1 to 2000 characters)".into(),
        });
    }
    let done = state.store.answer_complaint(&id, resolution, state.now()).await?;
    if done { Ok(()) } else { Err(AppError::NotFound) }
}

/// Erase complaints answered more than `complaint_retention_days` ago.
pub async fn purge<S: Store>(state: &App<S>, now: i64) -> Result<u64, AppError> {
    let keep = i64::from(state.config.contact.complaint_retention_days) * DAY_MS;
    Ok(state.store.purge_complaints(now - keep).await?)
}
