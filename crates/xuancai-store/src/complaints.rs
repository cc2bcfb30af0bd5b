//! R-7, MIN-5: complaints sent through the contact channel, without an
//! account. The text and the reply address are sealed by the service
//! before they get here; the operators' queue reads them oldest deadline
//! first, and answered complaints are erased after their retention period.

use std::future::Future;

use xuancai_domain::privacy::ComplaintStatus;

use crate::{Millis, Result};

/// One complaint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintRecord {
    pub id: Vec<u8>,
    /// `xuancai_domain::privacy::ComplaintTopic::as_str`.
    pub topic: String,
    pub status: ComplaintStatus,
    /// The sealed message, reply address and (for a minor) the child's account.
    pub body_ciphertext: Vec<u8>,
    pub resolution: Option<String>,
    pub received_at: Millis,
    pub deadline_at: Millis,
    pub updated_at: Millis,
}

pub trait ComplaintStore: Send + Sync {
    fn add_complaint(&self, c: &ComplaintRecord) -> impl Future<Output = Result<()>> + Send;
    /// Complaints with `status`, oldest deadline first.
    fn complaints(
        &self,
        status: ComplaintStatus,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<ComplaintRecord>>> + Send;
    /// Answer an open complaint (open → answered) with the operator's
    /// `resolution`; false when it does not exist or is no longer open.
    fn answer_complaint(
        &self,
        id: &[u8],
        resolution: &str,
        at: Millis,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Erase complaints answered before `before`; returns how many.
    fn purge_complaints(&self, before: Millis) -> impl Future<Output = Result<u64>> + Send;
}
