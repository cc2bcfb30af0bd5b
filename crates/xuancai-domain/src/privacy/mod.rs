//! Privacy as code: the inventory (purposes, categories, retention,
//! processors, region — CON-5, DATA-4, RET-1), consent state derived from
//! the append-only ledger (CON-1, CON-3, CON-4, CON-6), age groups (MIN-1),
//! the working-day calendar for request deadlines and the rights
//! request life cycle (R-1..R-6, ACC-6).

mod calendar;
mod complaints;
mod consent;
mod inventory;
mod necessity;
mod requests;

pub use calendar::WorkingCalendar;
pub use complaints::{ComplaintStatus, ComplaintText, ComplaintTopic, ReplyTo};
pub use consent::{AgeGroup, ConsentDecision, ConsentState, DocumentKind};
pub use inventory::{
    CANCELLED_ACCOUNT_RETENTION_MONTHS, CATEGORIES, Category, CategorySpec, DEFAULT_REGION,
    GUARDIAN_WAIT_DAYS, LegalBasis, PROCESSORS, PURPOSES, Processor, Purpose, PurposeSpec, Retention,
    Sensitivity, processor,
};
pub use necessity::{NECESSITY, Necessity};
pub use requests::{RequestKind, RequestMove, RequestStatus};
