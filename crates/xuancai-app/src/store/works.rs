//! [`Backend`] dispatch for works, comments, blessings, notifications and the job queue: each method calls the same
//! method of the open backend (see the trait for what it does).

use xuancai_domain::{BlessingId, CommentId, JobId, UserId, WorkId};
use xuancai_store::*;

use super::{Backend, dispatch};

impl WorksStore for Backend {
    async fn authored_since(&self, user: &UserId, what: Authored, since: Millis) -> Result<u64> {
        dispatch!(self, s => s.authored_since(user, what, since))
    }

    async fn insert_work(&self, work: &WorkRecord, blob_prefix: &str) -> Result<()> {
        dispatch!(self, s => s.insert_work(work, blob_prefix))
    }

    async fn work(&self, id: &WorkId) -> Result<Option<WorkRecord>> {
        dispatch!(self, s => s.work(id))
    }

    async fn update_work(
        &self,
        owner: &UserId,
        id: &WorkId,
        title_ciphertext: &[u8],
        visibility: Visibility,
        link_version: i64,
        now: Millis,
    ) -> Result<Option<WorkRecord>> {
        dispatch!(self, s => s.update_work(owner, id, title_ciphertext, visibility, link_version, now))
    }

    async fn delete_work(&self, owner: &UserId, id: &WorkId, blob_prefix: &str, now: Millis) -> Result<bool> {
        dispatch!(self, s => s.delete_work(owner, id, blob_prefix, now))
    }

    async fn public_works(&self, before: Option<Millis>, limit: u32) -> Result<Vec<WorkRecord>> {
        dispatch!(self, s => s.public_works(before, limit))
    }

    async fn user_works(&self, owner: &UserId, all: bool, limit: u32) -> Result<Vec<WorkRecord>> {
        dispatch!(self, s => s.user_works(owner, all, limit))
    }

    async fn add_comment(&self, comment: &CommentRecord) -> Result<()> {
        dispatch!(self, s => s.add_comment(comment))
    }

    async fn comments(&self, work: &WorkId, limit: u32) -> Result<Vec<CommentRecord>> {
        dispatch!(self, s => s.comments(work, limit))
    }

    async fn comment(&self, work: &WorkId, id: &CommentId) -> Result<Option<CommentRecord>> {
        dispatch!(self, s => s.comment(work, id))
    }

    async fn delete_comment(&self, id: &CommentId) -> Result<bool> {
        dispatch!(self, s => s.delete_comment(id))
    }

    async fn count_comments_since(&self, author: &UserId, since: Millis) -> Result<u64> {
        dispatch!(self, s => s.count_comments_since(author, since))
    }

    async fn report_comment(
        &self,
        id: &CommentId,
        reporter: &UserId,
        reason: &str,
        at: Millis,
    ) -> Result<()> {
        dispatch!(self, s => s.report_comment(id, reporter, reason, at))
    }

    async fn add_blessing(&self, blessing: &BlessingRecord) -> Result<()> {
        dispatch!(self, s => s.add_blessing(blessing))
    }

    async fn blessings_received(&self, recipient: &UserId, limit: u32) -> Result<Vec<BlessingRecord>> {
        dispatch!(self, s => s.blessings_received(recipient, limit))
    }

    async fn blessings_sent(&self, sender: &UserId, limit: u32) -> Result<Vec<BlessingRecord>> {
        dispatch!(self, s => s.blessings_sent(sender, limit))
    }

    async fn comments_by(&self, author: &UserId, limit: u32) -> Result<Vec<CommentRecord>> {
        dispatch!(self, s => s.comments_by(author, limit))
    }

    async fn comments_on_works_of(&self, owner: &UserId, limit: u32) -> Result<Vec<CommentRecord>> {
        dispatch!(self, s => s.comments_on_works_of(owner, limit))
    }

    async fn blessing(&self, recipient: &UserId, id: &BlessingId) -> Result<Option<BlessingRecord>> {
        dispatch!(self, s => s.blessing(recipient, id))
    }

    async fn blessing_by_share(&self, share_hash: &[u8]) -> Result<Option<BlessingRecord>> {
        dispatch!(self, s => s.blessing_by_share(share_hash))
    }
}

impl NotifyStore for Backend {
    async fn put_push_token(&self, token: &PushToken, token_hash: &[u8]) -> Result<()> {
        dispatch!(self, s => s.put_push_token(token, token_hash))
    }

    async fn push_tokens(&self, user: &UserId) -> Result<Vec<PushToken>> {
        dispatch!(self, s => s.push_tokens(user))
    }

    async fn trim_push_tokens(&self, user: &UserId, keep: u32) -> Result<u64> {
        dispatch!(self, s => s.trim_push_tokens(user, keep))
    }

    async fn push_failed(&self, id: &[u8; 16], limit: u32) -> Result<u32> {
        dispatch!(self, s => s.push_failed(id, limit))
    }

    async fn push_succeeded(&self, id: &[u8; 16]) -> Result<()> {
        dispatch!(self, s => s.push_succeeded(id))
    }

    async fn delete_push_token(&self, id: &[u8; 16]) -> Result<()> {
        dispatch!(self, s => s.delete_push_token(id))
    }

    async fn delete_push_tokens(&self, user: &UserId) -> Result<u64> {
        dispatch!(self, s => s.delete_push_tokens(user))
    }

    async fn deliver(&self, item: &InboxItem) -> Result<()> {
        dispatch!(self, s => s.deliver(item))
    }

    async fn inbox(&self, user: &UserId, limit: u32) -> Result<Vec<InboxItem>> {
        dispatch!(self, s => s.inbox(user, limit))
    }

    async fn create_broadcast(&self, b: &BroadcastRecord) -> Result<()> {
        dispatch!(self, s => s.create_broadcast(b))
    }

    async fn broadcast(&self, id: &[u8; 16]) -> Result<Option<BroadcastRecord>> {
        dispatch!(self, s => s.broadcast(id))
    }

    async fn claim_broadcast(&self, now: Millis, until: Millis) -> Result<Option<BroadcastRecord>> {
        dispatch!(self, s => s.claim_broadcast(now, until))
    }

    async fn advance_broadcast(
        &self,
        id: &[u8; 16],
        held: Millis,
        page: &BroadcastPage,
        until: Millis,
        finished_at: Option<Millis>,
    ) -> Result<bool> {
        dispatch!(self, s => s.advance_broadcast(id, held, page, until, finished_at))
    }
}

impl JobStore for Backend {
    async fn enqueue(&self, job: &NewJob) -> Result<()> {
        dispatch!(self, s => s.enqueue(job))
    }

    async fn claim(&self, worker: &str, now: Millis, lease_ms: i64) -> Result<Option<JobRecord>> {
        dispatch!(self, s => s.claim(worker, now, lease_ms))
    }

    async fn heartbeat(
        &self,
        id: &JobId,
        worker: &str,
        progress: u8,
        now: Millis,
        lease_ms: i64,
    ) -> Result<bool> {
        dispatch!(self, s => s.heartbeat(id, worker, progress, now, lease_ms))
    }

    async fn complete(&self, id: &JobId, worker: &str, result: &[u8], now: Millis) -> Result<bool> {
        dispatch!(self, s => s.complete(id, worker, result, now))
    }

    async fn fail(&self, id: &JobId, worker: &str, failure: &JobFailure<'_>, now: Millis) -> Result<bool> {
        dispatch!(self, s => s.fail(id, worker, failure, now))
    }

    async fn cancel_face_jobs(&self, user: &UserId, failure: &JobFailure<'_>, now: Millis) -> Result<u64> {
        dispatch!(self, s => s.cancel_face_jobs(user, failure, now))
    }

    async fn job(&self, user: &UserId, id: &JobId) -> Result<Option<JobRecord>> {
        dispatch!(self, s => s.job(user, id))
    }

    async fn user_jobs(&self, user: &UserId, limit: u32) -> Result<Vec<JobRecord>> {
        dispatch!(self, s => s.user_jobs(user, limit))
    }

    async fn delete_job(&self, user: &UserId, id: &JobId) -> Result<bool> {
        dispatch!(self, s => s.delete_job(user, id))
    }

    async fn pending_jobs(&self, user: &UserId) -> Result<u64> {
        dispatch!(self, s => s.pending_jobs(user))
    }

    async fn count_jobs(&self, state: JobState) -> Result<u64> {
        dispatch!(self, s => s.count_jobs(state))
    }

    async fn queue_stats(&self) -> Result<Vec<QueueStat>> {
        dispatch!(self, s => s.queue_stats())
    }

    async fn take_lease(&self, name: &str, holder: &str, now: Millis, until: Millis) -> Result<bool> {
        dispatch!(self, s => s.take_lease(name, holder, now, until))
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        dispatch!(self, s => s.release_lease(name, holder))
    }
}
