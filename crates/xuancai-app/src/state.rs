//! The application state: what every use case can reach.

use std::sync::Arc;

use xuancai_store::Store;

use crate::blobs::Blobs;
use crate::config::Config;
use crate::crypto::{DataKey, Keys};
use crate::error::AppError;
use crate::sms::SmsSender;

/// The application: what every use case can reach. Built by [`crate::startup`].
#[derive(Debug)]
pub struct App<S> {
    pub store: S,
    /// This process's name among the nodes sharing the database (leases).
    pub node: String,
    pub keys: Keys,
    pub blobs: Blobs,
    pub sms: Arc<dyn SmsSender>,
    pub config: Config,
    /// Failure injection for crash tests (`XUANCAI_FAULT`); `None` in production.
    pub fault: Option<String>,
    pub clock: Arc<crate::clock::Clock>,
    /// Keyed hashes of the operators' phone numbers (SEC-6).
    pub operators: Vec<Vec<u8>>,
    /// Request deadlines.
    pub calendar: xuancai_domain::privacy::WorkingCalendar,
    /// RET-3: the announced shutdown, if any.
    pub shutdown: Option<Shutdown>,
    /// Push channels (DATA-5); Web Push is always there.
    /// The Web Push application server key browsers subscribe with.
    pub web_push_key: String,
    /// Every push channel by register key: Web Push and the configured
    /// phone vendors (DATA-5).
    pub push: Arc<crate::push::Channels>,
    /// The studio's models and font, shared by every worker of the process.
    pub engines: Arc<crate::studio::Engines>,
    /// Wakes an idle worker of this process when a job is queued.
    pub job_wake: Arc<tokio::sync::Notify>,
    /// Every password hash runs here: bounded workers, reused memory.
    pub passwords: Arc<crate::passwords::Pool>,
    /// The decoding memory budget, in MiB permits (`photos::reserve_decode`).
    pub decodes: Arc<tokio::sync::Semaphore>,
    /// Open job event streams (`security.streams_per_user`, `streams_total`).
    pub streams: Arc<crate::streams::Streams>,
}

/// RET-3: when the service stops, and when every account is erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shutdown {
    pub at: i64,
    pub erase_at: i64,
}

impl<S: Store> App<S> {
    /// The signed-in user's data key (SEC-4).
    pub async fn data_key(&self, user: &xuancai_domain::UserId) -> Result<DataKey, AppError> {
        let record = self
            .store
            .user_by_id(user)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        self.keys
            .unwrap_data_key(user, &record.wrapped_data_key)
            .map_err(|e| AppError::Internal(format!("data key of {user}: {e}")))
    }

    /// Now, by the server's clock (tests can move it).
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Today's date in the configured time zone.
    pub fn today(&self) -> xuancai_domain::Date {
        xuancai_domain::Date::from_unix_ms(self.now(), self.config.utc_offset_minutes)
    }

    /// Crash here if the crash test asked for it.
    pub fn fault_point(&self, name: &str) {
        if self.fault.as_deref() == Some(name) {
            tracing::error!(point = name, "XUANCAI_FAULT: aborting the process");
            std::process::abort();
        }
    }

    /// Take a quarter of a second here if the test asked for it (the
    /// cluster test's `slow-maintenance`: runs long enough that two nodes
    /// would overlap if the lease let them).
    pub async fn fault_pause(&self, name: &str) {
        if self.fault.as_deref() == Some(name) {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }
}
