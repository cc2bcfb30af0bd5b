//! Push tokens and the inbox (see `xuancai_store::NotifyStore`).

/// Implement `xuancai_store::NotifyStore` for a type with a `pool` field.
#[macro_export]
macro_rules! impl_notify_store {
    ($store:ty) => {
impl $crate::NotifyStore for $store {
    async fn put_push_token(&self, t: &$crate::PushToken, token_hash: &[u8]) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO push_tokens (id, user_id, provider, token_hash, token_ciphertext, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, token_hash) DO NOTHING",
        )
        .bind(t.id.as_slice())
        .bind(t.user.as_bytes().as_slice())
        .bind(&t.provider)
        .bind(token_hash)
        .bind(&t.token_ciphertext)
        .bind(t.created_at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn push_tokens(&self, user: &$crate::UserId) -> $crate::Result<Vec<$crate::PushToken>> {
        let rows: Vec<(Vec<u8>, Vec<u8>, String, Vec<u8>, i64)> = $crate::sqlx::query_as(
            "SELECT id, user_id, provider, token_ciphertext, created_at FROM push_tokens WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        rows.into_iter()
            .map(|r| {
                Ok($crate::PushToken {
                    id: $crate::privacy::id16(r.0, "push token")?,
                    user: $crate::user_id(r.1)?,
                    provider: r.2,
                    token_ciphertext: r.3,
                    created_at: r.4,
                })
            })
            .collect()
    }

    async fn trim_push_tokens(&self, user: &$crate::UserId, keep: u32) -> $crate::Result<u64> {
        let r = $crate::sqlx::query(
            "DELETE FROM push_tokens \
             WHERE user_id = $1 \
               AND id NOT IN ( \
                   SELECT id FROM push_tokens WHERE user_id = $1 \
                   ORDER BY created_at DESC, id DESC LIMIT $2 \
               )",
        )
        .bind(user.as_bytes().as_slice())
        .bind(i64::from(keep))
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(r.rows_affected())
    }

    async fn push_failed(&self, id: &[u8; 16], limit: u32) -> $crate::Result<u32> {
        let failures: Option<(i64,)> = $crate::sqlx::query_as(
            "UPDATE push_tokens SET failures = failures + 1 WHERE id = $1 RETURNING failures",
        )
        .bind(id.as_slice())
        .fetch_optional(&self.pool)
        .await
        .map_err($crate::backend)?;
        let failures = failures.map_or(0, |(n,)| u32::try_from(n).unwrap_or(u32::MAX));
        if failures >= limit {
            <Self as $crate::NotifyStore>::delete_push_token(self, id).await?;
        }
        Ok(failures)
    }

    async fn push_succeeded(&self, id: &[u8; 16]) -> $crate::Result<()> {
        $crate::sqlx::query("UPDATE push_tokens SET failures = 0 WHERE id = $1")
            .bind(id.as_slice())
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(())
    }

    async fn delete_push_token(&self, id: &[u8; 16]) -> $crate::Result<()> {
        $crate::sqlx::query("DELETE FROM push_tokens WHERE id = $1")
            .bind(id.as_slice())
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(())
    }

    async fn delete_push_tokens(&self, user: &$crate::UserId) -> $crate::Result<u64> {
        let r = $crate::sqlx::query("DELETE FROM push_tokens WHERE user_id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(r.rows_affected())
    }

    async fn deliver(&self, i: &$crate::InboxItem) -> $crate::Result<()> {
        $crate::sqlx::query(
            "INSERT INTO inbox (id, user_id, kind, title, body, at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(i.id.as_slice())
        .bind(i.user.as_bytes().as_slice())
        .bind(&i.kind)
        .bind(&i.title)
        .bind(&i.body)
        .bind(i.at)
        .execute(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(())
    }

    async fn inbox(&self, user: &$crate::UserId, limit: u32) -> $crate::Result<Vec<$crate::InboxItem>> {
        let rows: Vec<(Vec<u8>, Vec<u8>, String, String, String, i64)> = $crate::sqlx::query_as(
            "SELECT id, user_id, kind, title, body, at FROM inbox WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(user.as_bytes().as_slice())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        rows.into_iter()
            .map(|r| {
                Ok($crate::InboxItem {
                    id: $crate::privacy::id16(r.0, "inbox item")?,
                    user: $crate::user_id(r.1)?,
                    kind: r.2,
                    title: r.3,
                    body: r.4,
                    at: r.5,
                })
            })
            .collect()
    }
}
    };
}
