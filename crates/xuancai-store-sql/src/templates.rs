//! Template use counts (see `xuancai_store::TemplateStore`).

use crate::db::{Db, FromRow, Row, query};
use crate::{SqlStore, TemplateStore};

/// A template and how often it was used.
#[derive(Debug)]
pub struct TemplateUses {
    template: String,
    uses: i64,
}

impl FromRow for TemplateUses {
    fn from_row<DB: Db>(row: &Row<'_, DB>) -> sqlx::Result<Self> {
        Ok(Self {
            template: row.get("template")?,
            uses: row.get("uses")?,
        })
    }
}

impl TemplateUses {
    fn pair(self) -> (String, u64) {
        (self.template, u64::try_from(self.uses).unwrap_or(0))
    }
}

impl<DB: Db> TemplateStore for SqlStore<DB> {
    async fn record_template_use(
        &self,
        template: &str,
        user: Option<&crate::UserId>,
        at: crate::Millis,
    ) -> crate::Result<()> {
        let mut tx = self.pool.begin().await.map_err(crate::backend)?;
        query(
            "INSERT INTO template_popularity (template, uses) VALUES ($1, 1) \
             ON CONFLICT (template) DO UPDATE SET uses = template_popularity.uses + 1",
        )
        .bind(template)
        .execute(&mut tx)
        .await?;
        if let Some(u) = user {
            query(
                "INSERT INTO template_use (user_id, template, uses, last_used_at) VALUES ($1, $2, 1, $3) \
                 ON CONFLICT (user_id, template) DO UPDATE SET uses = template_use.uses + 1, last_used_at = $3",
            )
            .bind(u.as_bytes().as_slice())
            .bind(template)
            .bind(at)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await.map_err(crate::backend)?;
        Ok(())
    }

    async fn template_popularity(&self) -> crate::Result<Vec<(String, u64)>> {
        let rows: Vec<TemplateUses> =
            query("SELECT template, uses FROM template_popularity ORDER BY uses DESC, template")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(TemplateUses::pair).collect())
    }

    async fn user_template_use(&self, user: &crate::UserId) -> crate::Result<Vec<(String, u64)>> {
        let rows: Vec<TemplateUses> = query(
            "SELECT template, uses FROM template_use WHERE user_id = $1 ORDER BY uses DESC, last_used_at DESC, template",
        )
        .bind(user.as_bytes().as_slice())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(TemplateUses::pair).collect())
    }

    async fn delete_template_use(&self, user: &crate::UserId) -> crate::Result<u64> {
        let r = query("DELETE FROM template_use WHERE user_id = $1")
            .bind(user.as_bytes().as_slice())
            .execute(&self.pool)
            .await?;
        Ok(r)
    }
}
