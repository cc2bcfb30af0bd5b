//! The privacy engine's rows: column lists and the mapping of each row
//! tuple to its record type (used by [`crate::privacy`]'s SQL).

use xuancai_store::{
    AccountState, AuditRecord, ConsentRecord, DisclosureRecord, DocumentRecord, HoldRecord, RequestRecord,
    Result, StoreError, Subject, UsageEvent,
};

use xuancai_domain::privacy::{RequestKind, RequestStatus};

use crate::db::{Db, FromRow, Row};
use crate::user_id;

/// What a phone number leaves behind outside the account row (codes, send
/// counters, counted failures), deleted on cancellation and erasure.
pub const PHONE_TRACES: [&str; 3] = [
    "DELETE FROM one_time_codes WHERE phone_hmac = $1",
    "DELETE FROM code_sends WHERE phone_hmac = $1",
    "DELETE FROM events WHERE key = $1",
];

pub fn id16(bytes: Vec<u8>, what: &str) -> Result<[u8; 16]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} id is not 16 bytes")))
}

/// A `consents` row, by column name.
#[derive(Debug)]
pub struct ConsentRow {
    id: Vec<u8>,
    user_id: Option<Vec<u8>>,
    device_hash: Option<Vec<u8>>,
    topic: String,
    granted: bool,
    version: Option<String>,
    channel: String,
    at: i64,
}

impl FromRow for ConsentRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            device_hash: row.get("device_hash")?,
            topic: row.get("topic")?,
            granted: row.get("granted")?,
            version: row.get("version")?,
            channel: row.get("channel")?,
            at: row.get("at")?,
        })
    }
}

pub fn consent_record(r: ConsentRow) -> Result<ConsentRecord> {
    let subject = match (r.user_id, r.device_hash) {
        (Some(u), None) => Subject::User(user_id(u)?),
        (None, Some(d)) => Subject::Device(d),
        _ => return Err(StoreError::Corrupt("consent without one subject".into())),
    };
    Ok(ConsentRecord {
        id: id16(r.id, "consent")?,
        subject,
        topic: r.topic,
        granted: r.granted,
        version: r.version,
        channel: r.channel,
        at: r.at,
    })
}

/// A `documents` row, by column name.
#[derive(Debug)]
pub struct DocumentRow {
    kind: String,
    version: String,
    effective_at: i64,
    material: bool,
    summary: String,
    published_at: i64,
}

impl FromRow for DocumentRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            kind: row.get("kind")?,
            version: row.get("version")?,
            effective_at: row.get("effective_at")?,
            material: row.get("material")?,
            summary: row.get("summary")?,
            published_at: row.get("published_at")?,
        })
    }
}

pub fn document_record(r: DocumentRow) -> DocumentRecord {
    DocumentRecord {
        kind: r.kind,
        version: r.version,
        effective_at: r.effective_at,
        material: r.material,
        summary: r.summary,
        published_at: r.published_at,
    }
}

/// An account's cancellation and guardian columns, by name.
#[derive(Debug)]
pub struct AccountStateRow {
    cancelled_at: Option<i64>,
    guardian_verified_at: Option<i64>,
    guardian_required_since: Option<i64>,
    erase_after: Option<i64>,
    guardian_phone_ciphertext: Option<Vec<u8>>,
}

impl FromRow for AccountStateRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            cancelled_at: row.get("cancelled_at")?,
            guardian_verified_at: row.get("guardian_verified_at")?,
            guardian_required_since: row.get("guardian_required_since")?,
            erase_after: row.get("erase_after")?,
            guardian_phone_ciphertext: row.get("guardian_phone_ciphertext")?,
        })
    }
}

impl From<AccountStateRow> for AccountState {
    fn from(r: AccountStateRow) -> Self {
        AccountState {
            cancelled_at: r.cancelled_at,
            guardian_verified_at: r.guardian_verified_at,
            guardian_required_since: r.guardian_required_since,
            erase_after: r.erase_after,
            guardian_phone_ciphertext: r.guardian_phone_ciphertext,
        }
    }
}

/// A `rights_requests` row, by column name.
#[derive(Debug)]
pub struct RequestRow {
    id: Vec<u8>,
    user_id: Option<Vec<u8>>,
    kind: String,
    status: String,
    detail_ciphertext: Option<Vec<u8>>,
    resolution: Option<String>,
    received_at: i64,
    deadline_at: i64,
    updated_at: i64,
    scope_ciphertext: Option<Vec<u8>>,
}

impl FromRow for RequestRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            kind: row.get("kind")?,
            status: row.get("status")?,
            detail_ciphertext: row.get("detail_ciphertext")?,
            resolution: row.get("resolution")?,
            received_at: row.get("received_at")?,
            deadline_at: row.get("deadline_at")?,
            updated_at: row.get("updated_at")?,
            scope_ciphertext: row.get("scope_ciphertext")?,
        })
    }
}

pub const REQUEST_COLUMNS: &str = "id, user_id, kind, status, detail_ciphertext, resolution, received_at, deadline_at, updated_at, scope_ciphertext";

/// `None` for a request whose account has been erased (it has no user any more).
pub fn request_record(r: RequestRow) -> Result<Option<RequestRecord>> {
    let Some(user) = r.user_id else {
        return Ok(None);
    };
    Ok(Some(RequestRecord {
        id: id16(r.id, "request")?,
        user: user_id(user)?,
        kind: RequestKind::parse(&r.kind)
            .map_err(|_| StoreError::Corrupt(format!("request kind {:?}", r.kind)))?,
        status: RequestStatus::parse(&r.status)
            .map_err(|_| StoreError::Corrupt(format!("request status {:?}", r.status)))?,
        detail_ciphertext: r.detail_ciphertext,
        resolution: r.resolution,
        received_at: r.received_at,
        deadline_at: r.deadline_at,
        updated_at: r.updated_at,
        scope_ciphertext: r.scope_ciphertext,
    }))
}

/// An `audit_log` row, by column name.
#[derive(Debug)]
pub struct AuditRow {
    id: Vec<u8>,
    actor_id: Vec<u8>,
    subject_id: Vec<u8>,
    action: String,
    at: i64,
}

impl FromRow for AuditRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            actor_id: row.get("actor_id")?,
            subject_id: row.get("subject_id")?,
            action: row.get("action")?,
            at: row.get("at")?,
        })
    }
}

pub fn audit_record(r: AuditRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        id: id16(r.id, "audit")?,
        actor: user_id(r.actor_id)?,
        subject: user_id(r.subject_id)?,
        action: r.action,
        at: r.at,
    })
}

/// A `usage_events` row, by column name.
#[derive(Debug)]
pub struct UsageRow {
    id: Vec<u8>,
    user_id: Option<Vec<u8>>,
    kind: String,
    detail: String,
    ip_prefix: Option<String>,
    device_ciphertext: Option<Vec<u8>>,
    at: i64,
}

impl FromRow for UsageRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            kind: row.get("kind")?,
            detail: row.get("detail")?,
            ip_prefix: row.get("ip_prefix")?,
            device_ciphertext: row.get("device_ciphertext")?,
            at: row.get("at")?,
        })
    }
}

pub fn usage_event(r: UsageRow) -> Result<UsageEvent> {
    Ok(UsageEvent {
        id: id16(r.id, "usage event")?,
        user: r.user_id.map(user_id).transpose()?,
        kind: r.kind,
        detail: r.detail,
        ip_prefix: r.ip_prefix,
        device_ciphertext: r.device_ciphertext,
        at: r.at,
    })
}

/// A `disclosures` row, by column name.
#[derive(Debug)]
pub struct DisclosureRow {
    id: Vec<u8>,
    user_id: Vec<u8>,
    recipient: String,
    purpose: String,
    categories: String,
    at: i64,
}

impl FromRow for DisclosureRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            recipient: row.get("recipient")?,
            purpose: row.get("purpose")?,
            categories: row.get("categories")?,
            at: row.get("at")?,
        })
    }
}

pub fn disclosure_record(r: DisclosureRow) -> Result<DisclosureRecord> {
    Ok(DisclosureRecord {
        id: id16(r.id, "disclosure")?,
        user: user_id(r.user_id)?,
        recipient: r.recipient,
        purpose: r.purpose,
        categories: r.categories,
        at: r.at,
    })
}

/// A `legal_holds` row, by column name.
#[derive(Debug)]
pub struct HoldRow {
    id: Vec<u8>,
    user_id: Vec<u8>,
    reason: String,
    placed_at: i64,
    released_at: Option<i64>,
}

impl FromRow for HoldRow {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            reason: row.get("reason")?,
            placed_at: row.get("placed_at")?,
            released_at: row.get("released_at")?,
        })
    }
}

pub fn hold_record(r: HoldRow) -> Result<HoldRecord> {
    Ok(HoldRecord {
        id: id16(r.id, "hold")?,
        user: user_id(r.user_id)?,
        reason: r.reason,
        placed_at: r.placed_at,
        released_at: r.released_at,
    })
}

/// Erasures counted on one day.
#[derive(Debug)]
pub struct ErasureCount {
    pub day: String,
    pub count: i64,
}

impl FromRow for ErasureCount {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            day: row.get("day")?,
            count: row.get("count")?,
        })
    }
}
