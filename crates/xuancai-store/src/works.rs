//! Works, comments and blessings (IMG-6, DATA-3, R-8).
//!
//! A work is a copy of one of the owner's photos, saved to be shown: public
//! (the feed and the owner's page), by link (a token derived from the
//! work's `link_version`; raising the version kills old links) or private.
//! Deleting a work deletes it and its comments in one transaction and
//! queues its blobs; blessings that carried it keep their message but lose
//! the work, so nothing of the deleted work or its owner is shown.
//! Everything goes with the owner's account (RET-2).

use std::future::Future;

use xuancai_domain::{BlessingId, CommentId, UserId, WorkId};

use crate::{Millis, Result};

/// Who may see a work (§10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Link,
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Link => "link",
            Self::Private => "private",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "link" => Some(Self::Link),
            "private" => Some(Self::Private),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkRecord {
    pub id: WorkId,
    pub owner: UserId,
    /// The title, sealed under the owner's data key (`SealedColumn::WorkTitle`).
    pub title_ciphertext: Vec<u8>,
    pub visibility: Visibility,
    pub link_version: i64,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl WorkRecord {
    /// Where the work's blobs live: under the owner's prefix, so erasing
    /// the account removes them with everything else.
    pub fn blob_prefix(owner: &UserId, id: &WorkId) -> String {
        crate::keys::work_prefix(owner, id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRecord {
    pub id: CommentId,
    pub work: WorkId,
    pub author: UserId,
    /// Sealed under the author's data key (`SealedColumn::CommentText`).
    pub text_ciphertext: Vec<u8>,
    pub created_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlessingRecord {
    pub id: BlessingId,
    pub sender: UserId,
    pub recipient: UserId,
    /// The work sent; `None` once it was deleted (or when a template was sent).
    pub work: Option<WorkId>,
    pub template: Option<String>,
    /// Sealed under the sender's data key (`SealedColumn::BlessingMessage`).
    pub message_ciphertext: Vec<u8>,
    /// Keyed hash of the share link's token.
    pub share_hash: Vec<u8>,
    pub created_at: Millis,
}

/// What an account writes that a quota counts (issue 19 item 14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authored {
    Works,
    Comments,
    Blessings,
}

pub trait WorksStore: Send + Sync {
    /// How many works, comments or blessings `user` made since `since`.
    fn authored_since(
        &self,
        user: &UserId,
        what: Authored,
        since: Millis,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Store a work whose blobs are written, cancelling their clean-up
    /// entry (queued under `blob_prefix` before the write) in one transaction.
    fn insert_work(&self, work: &WorkRecord, blob_prefix: &str) -> impl Future<Output = Result<()>> + Send;
    /// Any work by id (the caller decides who may see it).
    fn work(&self, id: &WorkId) -> impl Future<Output = Result<Option<WorkRecord>>> + Send;
    /// Change the owner's work; `None` if it is not theirs.
    fn update_work(
        &self,
        owner: &UserId,
        id: &WorkId,
        title_ciphertext: &[u8],
        visibility: Visibility,
        link_version: i64,
        now: Millis,
    ) -> impl Future<Output = Result<Option<WorkRecord>>> + Send;
    /// delete the owner's work and its comments, detach it from
    /// blessings and queue its blobs, in one transaction. False if not theirs.
    fn delete_work(
        &self,
        owner: &UserId,
        id: &WorkId,
        blob_prefix: &str,
        now: Millis,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Public works, newest first, older than `before` when given.
    fn public_works(
        &self,
        before: Option<Millis>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<WorkRecord>>> + Send;
    /// One user's works, newest first (only the public ones unless `all`).
    fn user_works(
        &self,
        owner: &UserId,
        all: bool,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<WorkRecord>>> + Send;

    fn add_comment(&self, comment: &CommentRecord) -> impl Future<Output = Result<()>> + Send;
    /// A work's comments, oldest first.
    fn comments(&self, work: &WorkId, limit: u32) -> impl Future<Output = Result<Vec<CommentRecord>>> + Send;
    fn comment(
        &self,
        work: &WorkId,
        id: &CommentId,
    ) -> impl Future<Output = Result<Option<CommentRecord>>> + Send;
    fn delete_comment(&self, id: &CommentId) -> impl Future<Output = Result<bool>> + Send;
    /// Comments `author` wrote since `since` (the rate limit).
    fn count_comments_since(
        &self,
        author: &UserId,
        since: Millis,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Report a comment for moderation; one report per reporter and comment.
    fn report_comment(
        &self,
        id: &CommentId,
        reporter: &UserId,
        reason: &str,
        at: Millis,
    ) -> impl Future<Output = Result<()>> + Send;

    fn add_blessing(&self, blessing: &BlessingRecord) -> impl Future<Output = Result<()>> + Send;
    /// The recipient's inbox, newest first.
    fn blessings_received(
        &self,
        recipient: &UserId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<BlessingRecord>>> + Send;
    /// the blessings the user sent, newest first.
    fn blessings_sent(
        &self,
        sender: &UserId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<BlessingRecord>>> + Send;
    /// the comments the user wrote on any work, newest first.
    fn comments_by(
        &self,
        author: &UserId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<CommentRecord>>> + Send;
    /// Issue 22 item 14: comments others (live accounts) wrote on the
    /// owner's works, newest first — what 消息 shows the owner.
    fn comments_on_works_of(
        &self,
        owner: &UserId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<CommentRecord>>> + Send;
    /// One blessing of the recipient's inbox (anyone else's reads as `None`).
    fn blessing(
        &self,
        recipient: &UserId,
        id: &BlessingId,
    ) -> impl Future<Output = Result<Option<BlessingRecord>>> + Send;
    fn blessing_by_share(
        &self,
        share_hash: &[u8],
    ) -> impl Future<Output = Result<Option<BlessingRecord>>> + Send;
}
