//! Open event streams, counted per account and in all (issue 19 item 12).
//! A stream holds a [`Slot`] for as long as it is open; dropping the slot
//! (the stream ended, or the client went away) frees it. The limits are
//! per process, as the streams are.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use xuancai_domain::UserId;

use crate::error::AppError;

/// The open streams of this process.
#[derive(Debug, Default)]
pub struct Streams {
    open: Mutex<HashMap<UserId, usize>>,
}

/// One open stream; frees its place when dropped.
#[derive(Debug)]
pub struct Slot {
    streams: Arc<Streams>,
    user: UserId,
}

impl Streams {
    /// Take a place for `user`, within `per_user` streams each and `total`
    /// in all; `RateLimited` when either is full.
    pub fn open(self: &Arc<Self>, user: UserId, per_user: usize, total: usize) -> Result<Slot, AppError> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let all: usize = open.values().sum();
        let mine = open.get(&user).copied().unwrap_or(0);
        if mine >= per_user || all >= total {
            return Err(AppError::RateLimited);
        }
        open.insert(user, mine + 1);
        Ok(Slot {
            streams: self.clone(),
            user,
        })
    }

    /// Streams open now, in all.
    pub fn count(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .sum()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.user);
            }
        }
    }
}
