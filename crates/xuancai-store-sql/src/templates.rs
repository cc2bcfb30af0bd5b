//! Template use counts (see `xuancai_store::TemplateStore`).

/// Implement `xuancai_store::TemplateStore` for a type with a `pool` field.
#[macro_export]
macro_rules! impl_template_store {
    ($store:ty) => {
impl $crate::TemplateStore for $store {
    async fn record_template_use(&self, template: &str, user: Option<&$crate::UserId>, at: $crate::Millis) -> $crate::Result<()> {
        let mut tx = self.pool.begin().await.map_err($crate::backend)?;
        $crate::sqlx::query(
            "INSERT INTO template_popularity (template, uses) VALUES ($1, 1) \
             ON CONFLICT (template) DO UPDATE SET uses = template_popularity.uses + 1",
        )
        .bind(template)
        .execute(&mut *tx)
        .await
        .map_err($crate::backend)?;
        if let Some(u) = user {
            $crate::sqlx::query(
                "INSERT INTO template_use (user_id, template, uses, last_used_at) VALUES ($1, $2, 1, $3) \
                 ON CONFLICT (user_id, template) DO UPDATE SET uses = template_use.uses + 1, last_used_at = $3",
            )
            .bind(u.as_bytes().as_slice())
            .bind(template)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err($crate::backend)?;
        }
        tx.commit().await.map_err($crate::backend)?;
        Ok(())
    }

    async fn template_popularity(&self) -> $crate::Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> =
            $crate::sqlx::query_as("SELECT template, uses FROM template_popularity ORDER BY uses DESC, template")
                .fetch_all(&self.pool)
                .await
                .map_err($crate::backend)?;
        Ok(rows.into_iter().map(|(t, n)| (t, u64::try_from(n).unwrap_or(0))).collect())
    }

    async fn user_template_use(&self, user: &$crate::UserId) -> $crate::Result<Vec<(String, u64)>> {
        let rows: Vec<(String, i64)> = $crate::sqlx::query_as(
            "SELECT template, uses FROM template_use WHERE user_id = $1 ORDER BY uses DESC, last_used_at DESC, template",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await
        .map_err($crate::backend)?;
        Ok(rows.into_iter().map(|(t, n)| (t, u64::try_from(n).unwrap_or(0))).collect())
    }

    async fn delete_template_use(&self, user: &$crate::UserId) -> $crate::Result<u64> {
        let r = $crate::sqlx::query("DELETE FROM template_use WHERE user_id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&self.pool)
            .await
            .map_err($crate::backend)?;
        Ok(r.rows_affected())
    }
}
    };
}
