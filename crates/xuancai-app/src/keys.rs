//! The blob key layout, written once in `xuancai_store::keys` (the store
//! queues photo and work prefixes for deletion itself) and used from here
//! by every use case: erasure and crypto-shredding rely on one rule.

pub use xuancai_store::keys::*;
