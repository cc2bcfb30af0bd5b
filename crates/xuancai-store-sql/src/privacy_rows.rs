//! The privacy engine's rows: column lists and the mapping of each row
//! tuple to its record type (used by [`crate::privacy`]'s SQL).

use xuancai_store::{
    AuditRecord, ConsentRecord, DisclosureRecord, DocumentRecord, HoldRecord, RequestRecord, Result,
    StoreError, Subject, UsageEvent,
};

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

pub type ConsentRow = (
    Vec<u8>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    String,
    bool,
    Option<String>,
    String,
    i64,
);

pub fn consent_record(r: ConsentRow) -> Result<ConsentRecord> {
    let subject = match (r.1, r.2) {
        (Some(u), None) => Subject::User(user_id(u)?),
        (None, Some(d)) => Subject::Device(d),
        _ => return Err(StoreError::Corrupt("consent without one subject".into())),
    };
    Ok(ConsentRecord {
        id: id16(r.0, "consent")?,
        subject,
        topic: r.3,
        granted: r.4,
        version: r.5,
        channel: r.6,
        at: r.7,
    })
}

pub type DocumentRow = (String, String, i64, bool, String, i64);

pub fn document_record(r: DocumentRow) -> DocumentRecord {
    DocumentRecord {
        kind: r.0,
        version: r.1,
        effective_at: r.2,
        material: r.3,
        summary: r.4,
        published_at: r.5,
    }
}

pub type RequestRow = (
    Vec<u8>,
    Option<Vec<u8>>,
    String,
    String,
    Option<Vec<u8>>,
    Option<String>,
    i64,
    i64,
    i64,
    Option<Vec<u8>>,
);

pub const REQUEST_COLUMNS: &str = "id, user_id, kind, status, detail_ciphertext, resolution, received_at, deadline_at, updated_at, scope_ciphertext";

/// `None` for a request whose account has been erased (it has no user any more).
pub fn request_record(r: RequestRow) -> Result<Option<RequestRecord>> {
    let Some(user) = r.1 else {
        return Ok(None);
    };
    Ok(Some(RequestRecord {
        id: id16(r.0, "request")?,
        user: user_id(user)?,
        kind: r.2,
        status: r.3,
        detail_ciphertext: r.4,
        resolution: r.5,
        received_at: r.6,
        deadline_at: r.7,
        updated_at: r.8,
        scope_ciphertext: r.9,
    }))
}

pub fn audit_record(r: (Vec<u8>, Vec<u8>, Vec<u8>, String, i64)) -> Result<AuditRecord> {
    Ok(AuditRecord {
        id: id16(r.0, "audit")?,
        actor: user_id(r.1)?,
        subject: user_id(r.2)?,
        action: r.3,
        at: r.4,
    })
}

pub type UsageRow = (
    Vec<u8>,
    Option<Vec<u8>>,
    String,
    String,
    Option<String>,
    Option<Vec<u8>>,
    i64,
);

pub fn usage_event(r: UsageRow) -> Result<UsageEvent> {
    Ok(UsageEvent {
        id: id16(r.0, "usage event")?,
        user: r.1.map(user_id).transpose()?,
        kind: r.2,
        detail: r.3,
        ip_prefix: r.4,
        device_ciphertext: r.5,
        at: r.6,
    })
}

pub fn disclosure_record(r: (Vec<u8>, Vec<u8>, String, String, String, i64)) -> Result<DisclosureRecord> {
    Ok(DisclosureRecord {
        id: id16(r.0, "disclosure")?,
        user: user_id(r.1)?,
        recipient: r.2,
        purpose: r.3,
        categories: r.4,
        at: r.5,
    })
}

pub fn hold_record(r: (Vec<u8>, Vec<u8>, String, i64, Option<i64>)) -> Result<HoldRecord> {
    Ok(HoldRecord {
        id: id16(r.0, "hold")?,
        user: user_id(r.1)?,
        reason: r.2,
        placed_at: r.3,
        released_at: r.4,
    })
}
