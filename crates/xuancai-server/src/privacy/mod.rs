//! The privacy engine's server side: published documents rendered from the
//! inventory (CON-2, CON-5, DATA-4, RET-1), and the gate every processing
//! handler passes through (CON-1, CON-3, CON-4, MIN-2, MIN-3).

pub mod documents;
pub mod gate;

pub use gate::{Active, Operator, consent_state, permit};
