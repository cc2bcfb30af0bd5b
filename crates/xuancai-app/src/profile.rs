//! The profile's personal fields, decrypted, and the password hashing
//! parameters from the configuration.

use crate::passwords::HashParams;

/// One of the account's own text fields (`column` of the `users` row of the
/// key's owner), opened; `None` if unset or it does not open.
pub fn decrypt_text(
    key: &crate::crypto::DataKey,
    column: xuancai_store::SealedColumn,
    ct: Option<&Vec<u8>>,
) -> Option<String> {
    ct.and_then(|c| key.open_text(column, key.owner().as_bytes(), c))
}

pub fn hash_params(config: &crate::config::Config) -> HashParams {
    HashParams {
        m_cost_kib: config.argon2_m_cost_kib,
        t_cost: config.argon2_t_cost,
        p_cost: 1,
    }
}
