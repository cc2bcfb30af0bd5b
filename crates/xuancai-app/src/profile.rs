//! The profile's personal fields, decrypted, and the password hashing
//! parameters from the configuration.

use crate::passwords::HashParams;

pub fn decrypt_text(key: &crate::crypto::DataKey, ct: Option<&Vec<u8>>) -> Option<String> {
    ct.and_then(|c| key.decrypt(c).ok())
        .and_then(|b| String::from_utf8(b).ok())
}

pub fn hash_params(config: &crate::config::Config) -> HashParams {
    HashParams {
        m_cost_kib: config.argon2_m_cost_kib,
        t_cost: config.argon2_t_cost,
        p_cost: 1,
    }
}
