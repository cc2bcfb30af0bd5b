//! Template use, for recommendations (IMG-4, CON-6, ADS-1): an anonymous
//! count per template (global popularity, always kept) and, only while the
//! user's personalisation consent stands, a count per user and template —
//! deleted when that consent is withdrawn (CON-4) or the account goes (RET-2).

use std::future::Future;

use xuancai_domain::UserId;

use crate::{Millis, Result};

pub trait TemplateStore: Send + Sync {
    /// Count one use of `template`: globally, and for `user` when given
    /// (the caller passes a user only with personalisation consent).
    fn record_template_use(
        &self,
        template: &str,
        user: Option<&UserId>,
        at: Millis,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Every template's global count, most used first.
    fn template_popularity(&self) -> impl Future<Output = Result<Vec<(String, u64)>>> + Send;
    /// The user's own counts, most used first.
    fn user_template_use(&self, user: &UserId) -> impl Future<Output = Result<Vec<(String, u64)>>> + Send;
    /// CON-4: forget the user's own counts; returns how many rows went.
    fn delete_template_use(&self, user: &UserId) -> impl Future<Output = Result<u64>> + Send;
}
