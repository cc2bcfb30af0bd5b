//! The privacy engine's server side: published documents rendered from the
//! inventory (CON-2, CON-5, DATA-4, RET-1), and the gate every processing
//! handler passes through (CON-1, CON-3, CON-4, MIN-2, MIN-3).

pub mod agreements;
pub mod cookies;
pub mod deletion;
pub mod documents;
pub mod export;
pub mod export_sections;
pub mod gate;
pub mod minors;
pub mod requests;

pub use gate::{Active, active, consent_state, operator, permit};

use xuancai_domain::UserId;
use xuancai_domain::privacy::{Category, Purpose};
use xuancai_store::{DisclosureRecord, Store};

use crate::App;
use crate::error::AppError;

/// DATA-6: log that `categories` of `user`'s personal information went to
/// the third party `recipient` (its register key) for `purpose`.
pub async fn disclose<S: Store>(
    state: &App<S>,
    user: UserId,
    recipient: &str,
    purpose: Purpose,
    categories: &[Category],
) -> Result<(), AppError> {
    let categories: Vec<&str> = categories.iter().map(|c| c.key()).collect();
    state
        .store
        .record_disclosure(&DisclosureRecord {
            id: crate::crypto::random::<16>(),
            user,
            recipient: recipient.into(),
            purpose: purpose.key().into(),
            categories: categories.join(" "),
            at: state.now(),
        })
        .await?;
    Ok(())
}
