//! The privacy engine's SQL (consents, documents, requests, audit, usage,
//! disclosures, holds, cancellation and erasure — see `xuancai_store::PrivacyStore`).
//! The rows it reads are mapped in [`crate::privacy_rows`].

pub use crate::privacy_rows::*;

use xuancai_domain::privacy::RequestMove;

use crate::db::{Db, Query, query};
use crate::{PrivacyStore, RequestRecord, SqlStore};

/// Record a rights request.
fn insert_request<DB: Db>(r: &RequestRecord) -> Query<'static, DB> {
    query::<DB>(INSERT_REQUEST)
        .bind(r.id.to_vec())
        .bind(r.user.as_bytes().to_vec())
        .bind(r.kind.as_str())
        .bind(r.status.as_str())
        .bind(r.detail_ciphertext.clone())
        .bind(r.resolution.clone())
        .bind(r.received_at)
        .bind(r.deadline_at)
        .bind(r.updated_at)
        .bind(r.scope_ciphertext.clone())
}

const INSERT_REQUEST: &str = "INSERT INTO rights_requests (id, user_id, kind, status, detail_ciphertext, resolution, \
     received_at, deadline_at, updated_at, scope_ciphertext) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Move a request by `step`, if it is in `step`'s from status (compare and set).
fn move_request<DB: Db>(
    id: &[u8; 16],
    step: RequestMove,
    resolution: Option<&str>,
    at: i64,
) -> Query<'static, DB> {
    query::<DB>(
        "UPDATE rights_requests SET status = $3, resolution = COALESCE($4, resolution), updated_at = $5 \
         WHERE id = $1 AND status = $2",
    )
    .bind(id.to_vec())
    .bind(step.from().as_str())
    .bind(step.to().as_str())
    .bind(resolution.map(str::to_string))
    .bind(at)
}

impl<DB: Db> PrivacyStore for SqlStore<DB> {
    async fn append_consent(&self, r: &crate::ConsentRecord) -> crate::Result<()> {
        let (user, device): (Option<Vec<u8>>, Option<Vec<u8>>) = match &r.subject {
            crate::Subject::User(u) => (Some(u.as_bytes().to_vec()), None),
            crate::Subject::Device(d) => (None, Some(d.clone())),
        };
        query(
            "INSERT INTO consents (id, user_id, device_hash, topic, granted, version, channel, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(r.id.as_slice())
        .bind(user)
        .bind(device)
        .bind(&r.topic)
        .bind(r.granted)
        .bind(&r.version)
        .bind(&r.channel)
        .bind(r.at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn consents(&self, subject: &crate::Subject) -> crate::Result<Vec<crate::ConsentRecord>> {
        let (column, key) = match subject {
            crate::Subject::User(u) => ("user_id", u.as_bytes().to_vec()),
            crate::Subject::Device(d) => ("device_hash", d.clone()),
        };
        let rows: Vec<ConsentRow> = query(&format!(
            "SELECT id, user_id, device_hash, topic, granted, version, channel, at FROM consents \
             WHERE {column} = $1 ORDER BY at, id"
        ))
        .bind(key)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(consent_record).collect()
    }

    async fn publish_document(&self, d: &crate::DocumentRecord) -> crate::Result<()> {
        query(
            "INSERT INTO documents (kind, version, effective_at, material, summary, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&d.kind)
        .bind(&d.version)
        .bind(d.effective_at)
        .bind(d.material)
        .bind(&d.summary)
        .bind(d.published_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn documents(&self) -> crate::Result<Vec<crate::DocumentRecord>> {
        let rows: Vec<DocumentRow> = query(
            "SELECT kind, version, effective_at, material, summary, published_at FROM documents \
             ORDER BY effective_at, published_at",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(document_record).collect())
    }

    async fn account_state(&self, user: &crate::UserId) -> crate::Result<Option<crate::AccountState>> {
        let row: Option<AccountStateRow> = query(
            "SELECT cancelled_at, guardian_verified_at, guardian_required_since, erase_after, \
             guardian_phone_ciphertext FROM users WHERE id = $1",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(crate::AccountState::from))
    }

    async fn cancel_account(
        &self,
        user: &crate::UserId,
        tombstone: &[u8],
        at: crate::Millis,
        erase_after: crate::Millis,
        request: Option<crate::CancellationRequest<'_>>,
    ) -> crate::Result<bool> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        let phone: Option<Vec<u8>> =
            query("SELECT phone_hmac FROM users WHERE id = $1 AND cancelled_at IS NULL")
                .bind(user.as_bytes().as_slice())
                .fetch_scalar(&mut tx)
                .await?;
        let Some(phone) = phone else {
            return Ok(false);
        };
        for sql in PHONE_TRACES {
            query(sql).bind(&phone).execute(&mut tx).await?;
        }
        query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&mut tx)
            .await?;
        query("UPDATE users SET cancelled_at = $2, phone_hmac = $3, erase_after = $4 WHERE id = $1")
            .bind(user.as_bytes().as_slice())
            .bind(at)
            .bind(tombstone)
            .bind(erase_after)
            .execute(&mut tx)
            .await?;
        if let Some(r) = request {
            insert_request(r.record).execute(&mut tx).await?;
            for (step, resolution) in [
                (RequestMove::VERIFY, None),
                (RequestMove::COMPLETE, Some(r.resolution)),
            ] {
                if move_request(&r.record.id, step, resolution, at)
                    .execute(&mut tx)
                    .await?
                    != 1
                {
                    return Err(crate::StoreError::Conflict);
                }
            }
        }
        tx.commit().await.map_err(crate::backend)?;
        Ok(true)
    }

    async fn set_guardian(
        &self,
        user: &crate::UserId,
        phone_ciphertext: &[u8],
        phone_hmac: &[u8],
        at: crate::Millis,
    ) -> crate::Result<bool> {
        let r = query(
            "UPDATE users SET guardian_phone_ciphertext = $2, guardian_phone_hmac = $3, \
             guardian_verified_at = $4, guardian_required_since = NULL WHERE id = $1",
        )
        .bind(user.as_bytes().as_slice())
        .bind(phone_ciphertext)
        .bind(phone_hmac)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(r == 1)
    }

    async fn withdraw_guardian(&self, user: &crate::UserId, at: crate::Millis) -> crate::Result<bool> {
        let r = query(
            "UPDATE users SET guardian_verified_at = NULL, guardian_required_since = $2 \
             WHERE id = $1 AND guardian_verified_at IS NOT NULL",
        )
        .bind(user.as_bytes().as_slice())
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(r == 1)
    }

    async fn set_guardian_wait(
        &self,
        user: &crate::UserId,
        since: Option<crate::Millis>,
    ) -> crate::Result<()> {
        let sql = if since.is_some() {
            "UPDATE users SET guardian_required_since = $2 \
             WHERE id = $1 AND guardian_verified_at IS NULL AND guardian_required_since IS NULL"
        } else {
            "UPDATE users SET guardian_required_since = $2 WHERE id = $1"
        };
        query(sql)
            .bind(user.as_bytes().as_slice())
            .bind(since)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn wards_of(&self, guardian_hmac: &[u8]) -> crate::Result<Vec<crate::UserId>> {
        let rows: Vec<Vec<u8>> = query(
            "SELECT id FROM users WHERE guardian_phone_hmac = $1 AND cancelled_at IS NULL ORDER BY created_at, id",
        )
        .bind(guardian_hmac)
        .fetch_column(&self.pool)
            .await?;
        rows.into_iter().map(crate::user_id).collect()
    }

    async fn waiting_for_guardian_before(
        &self,
        cutoff: crate::Millis,
        limit: u32,
    ) -> crate::Result<Vec<crate::UserId>> {
        let rows: Vec<Vec<u8>> = query(
            "SELECT id FROM users \
             WHERE guardian_required_since < $1 AND guardian_verified_at IS NULL AND cancelled_at IS NULL \
             ORDER BY guardian_required_since LIMIT $2",
        )
        .bind(cutoff)
        .bind(i64::from(limit))
        .fetch_column(&self.pool)
        .await?;
        rows.into_iter().map(crate::user_id).collect()
    }

    async fn insert_request(&self, r: &crate::RequestRecord) -> crate::Result<()> {
        insert_request(r).execute(&self.pool).await?;
        Ok(())
    }

    async fn request(&self, id: &[u8; 16]) -> crate::Result<Option<crate::RequestRecord>> {
        let row: Option<RequestRow> = query(&format!(
            "SELECT {} FROM rights_requests WHERE id = $1",
            REQUEST_COLUMNS
        ))
        .bind(id.as_slice())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(request_record).transpose()?.flatten())
    }

    async fn requests_of(&self, user: &crate::UserId) -> crate::Result<Vec<crate::RequestRecord>> {
        let rows: Vec<RequestRow> = query(&format!(
            "SELECT {} FROM rights_requests WHERE user_id = $1 ORDER BY received_at DESC, id DESC",
            REQUEST_COLUMNS
        ))
        .bind(user.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(request_record)
            .collect::<crate::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect())
    }

    async fn open_requests(&self, limit: u32) -> crate::Result<Vec<crate::RequestRecord>> {
        let rows: Vec<RequestRow> = query(&format!(
            "SELECT {} FROM rights_requests WHERE status NOT IN ('done', 'refused') AND user_id IS NOT NULL \
             ORDER BY deadline_at, id LIMIT $1",
            REQUEST_COLUMNS
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(request_record)
            .collect::<crate::Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect())
    }

    async fn move_request(
        &self,
        id: &[u8; 16],
        step: RequestMove,
        resolution: Option<&str>,
        at: crate::Millis,
    ) -> crate::Result<bool> {
        Ok(move_request(id, step, resolution, at).execute(&self.pool).await? == 1)
    }

    async fn append_audit(&self, a: &crate::AuditRecord) -> crate::Result<()> {
        query("INSERT INTO audit_log (id, actor_id, subject_id, action, at) VALUES ($1, $2, $3, $4, $5)")
            .bind(a.id.as_slice())
            .bind(a.actor.as_bytes().as_slice())
            .bind(a.subject.as_bytes().as_slice())
            .bind(&a.action)
            .bind(a.at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn audit_of(&self, subject: &crate::UserId) -> crate::Result<Vec<crate::AuditRecord>> {
        let rows: Vec<AuditRow> = query(
            "SELECT id, actor_id, subject_id, action, at FROM audit_log WHERE subject_id = $1 ORDER BY at, id",
        )
        .bind(subject.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(audit_record).collect()
    }

    async fn record_usage(&self, e: &crate::UsageEvent) -> crate::Result<()> {
        query(
            "INSERT INTO usage_events (id, user_id, kind, detail, ip_prefix, device_ciphertext, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(e.id.as_slice())
        .bind(e.user.map(|u| u.as_bytes().to_vec()))
        .bind(&e.kind)
        .bind(&e.detail)
        .bind(&e.ip_prefix)
        .bind(&e.device_ciphertext)
        .bind(e.at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn usage_of(&self, user: &crate::UserId) -> crate::Result<Vec<crate::UsageEvent>> {
        let rows: Vec<UsageRow> = query(
            "SELECT id, user_id, kind, detail, ip_prefix, device_ciphertext, at FROM usage_events \
             WHERE user_id = $1 ORDER BY at, id",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(usage_event).collect()
    }

    async fn expire_device_consents(&self, before: crate::Millis) -> crate::Result<u64> {
        let r = query("DELETE FROM consents WHERE device_hash IS NOT NULL AND at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(r)
    }

    async fn expire_usage(&self, before: crate::Millis) -> crate::Result<u64> {
        let mut n = 0;
        for sql in [
            "DELETE FROM usage_events WHERE at < $1",
            "DELETE FROM code_sends WHERE sent_at < $1",
            "DELETE FROM events WHERE at < $1",
        ] {
            n += query(sql).bind(before).execute(&self.pool).await?;
        }
        Ok(n)
    }

    async fn delete_usage_of(&self, user: &crate::UserId, device_only: bool) -> crate::Result<u64> {
        let sql = if device_only {
            "UPDATE usage_events SET device_ciphertext = NULL WHERE user_id = $1 AND device_ciphertext IS NOT NULL"
        } else {
            "DELETE FROM usage_events WHERE user_id = $1"
        };
        let r = query(sql)
            .bind(user.as_bytes().as_slice())
            .execute(&self.pool)
            .await?;
        Ok(r)
    }

    async fn record_disclosure(&self, d: &crate::DisclosureRecord) -> crate::Result<()> {
        query(
            "INSERT INTO disclosures (id, user_id, recipient, purpose, categories, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(d.id.as_slice())
        .bind(d.user.as_bytes().as_slice())
        .bind(&d.recipient)
        .bind(&d.purpose)
        .bind(&d.categories)
        .bind(d.at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn disclosures_of(&self, user: &crate::UserId) -> crate::Result<Vec<crate::DisclosureRecord>> {
        let rows: Vec<DisclosureRow> = query(
            "SELECT id, user_id, recipient, purpose, categories, at FROM disclosures WHERE user_id = $1 ORDER BY at, id",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(disclosure_record).collect()
    }

    async fn place_hold(&self, h: &crate::HoldRecord) -> crate::Result<()> {
        query(
            "INSERT INTO legal_holds (id, user_id, reason, placed_at, released_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(h.id.as_slice())
        .bind(h.user.as_bytes().as_slice())
        .bind(&h.reason)
        .bind(h.placed_at)
        .bind(h.released_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn release_hold(&self, id: &[u8; 16], at: crate::Millis) -> crate::Result<bool> {
        let r = query("UPDATE legal_holds SET released_at = $2 WHERE id = $1 AND released_at IS NULL")
            .bind(id.as_slice())
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(r == 1)
    }

    async fn holds_of(&self, user: &crate::UserId) -> crate::Result<Vec<crate::HoldRecord>> {
        let rows: Vec<HoldRow> = query(
            "SELECT id, user_id, reason, placed_at, released_at FROM legal_holds WHERE user_id = $1 ORDER BY placed_at, id",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(hold_record).collect()
    }

    async fn due_for_erasure(&self, now: crate::Millis, limit: u32) -> crate::Result<Vec<crate::UserId>> {
        let rows: Vec<Vec<u8>> = query(
            "SELECT id FROM users u WHERE u.erase_after <= $1 \
             AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.user_id = u.id AND h.released_at IS NULL) \
             ORDER BY u.erase_after, u.id LIMIT $2",
        )
        .bind(now)
        .bind(i64::from(limit))
        .fetch_column(&self.pool)
        .await?;
        rows.into_iter().map(crate::user_id).collect()
    }

    async fn held_from_erasure(&self, now: crate::Millis) -> crate::Result<u64> {
        query(
            "SELECT COUNT(*) FROM users u WHERE u.erase_after <= $1 \
             AND EXISTS (SELECT 1 FROM legal_holds h WHERE h.user_id = u.id AND h.released_at IS NULL)",
        )
        .bind(now)
        .fetch_count(&self.pool)
        .await
    }

    async fn erase_account(
        &self,
        user: &crate::UserId,
        blob_prefix: &str,
        now: crate::Millis,
    ) -> crate::Result<bool> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        let uid = user.as_bytes().as_slice();
        let phone: Option<Vec<u8>> = query("SELECT phone_hmac FROM users WHERE id = $1")
            .bind(uid)
            .fetch_scalar(&mut tx)
            .await?;
        let Some(phone) = phone else {
            return Ok(false);
        };
        for sql in PHONE_TRACES {
            query(sql).bind(&phone).execute(&mut tx).await?;
        }
        query(
            "INSERT INTO blob_gc (prefix, due_at) VALUES ($1, $2) ON CONFLICT (prefix) DO UPDATE SET due_at = excluded.due_at",
        )
        .bind(blob_prefix)
        .bind(now)
        .execute(&mut tx)
        .await?;
        query(
            "UPDATE rights_requests SET detail_ciphertext = NULL, scope_ciphertext = NULL WHERE user_id = $1",
        )
        .bind(uid)
        .execute(&mut tx)
        .await?;
        // A broadcast paused right after this account moves its cursor back
        // to the account before (resuming reaches the same next account),
        // so no cursor names the erased one.
        query(
            "UPDATE broadcasts \
             SET cursor = (SELECT id FROM users WHERE id < $1 ORDER BY id DESC LIMIT 1) \
             WHERE cursor = $1",
        )
        .bind(uid)
        .execute(&mut tx)
        .await?;
        // Sessions, photos, albums, ledger, consents, audit lines, usage and
        // disclosures go with the row (ON DELETE CASCADE); requests lose their user.
        query("DELETE FROM users WHERE id = $1")
            .bind(uid)
            .execute(&mut tx)
            .await?;
        let day = crate::Date::from_unix_ms(now, 0).to_string();
        query(
            "INSERT INTO erasure_counts (day, count) VALUES ($1, 1) \
             ON CONFLICT (day) DO UPDATE SET count = erasure_counts.count + 1",
        )
        .bind(day)
        .execute(&mut tx)
        .await?;
        tx.commit().await.map_err(crate::backend)?;
        Ok(true)
    }

    async fn user_ids(&self, after: Option<crate::UserId>, limit: u32) -> crate::Result<Vec<crate::UserId>> {
        let after = after.map(|u| u.as_bytes().to_vec()).unwrap_or_default();
        let rows: Vec<Vec<u8>> = query("SELECT id FROM users WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_column(&self.pool)
            .await?;
        rows.into_iter().map(crate::user_id).collect()
    }

    async fn erasure_counts(&self) -> crate::Result<Vec<(String, i64)>> {
        let rows: Vec<ErasureCount> = query("SELECT day, count FROM erasure_counts ORDER BY day")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|r| (r.day, r.count)).collect())
    }
}
