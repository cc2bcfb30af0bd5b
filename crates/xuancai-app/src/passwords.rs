//! Password hashing (ACC-3, SEC-2): Argon2id at OWASP's recommended
//! parameters (19 MiB, 2 passes, 1 lane), salted, stored as a PHC string,
//! and re-hashed at the next successful login when the parameters change.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use xuancai_domain::Password;

/// Argon2id parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for HashParams {
    /// OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1.
    fn default() -> Self {
        Self {
            m_cost_kib: 19 * 1024,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("argon2: {0}")]
    Hash(String),
}

fn hasher(p: HashParams) -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(p.m_cost_kib, p.t_cost, p.p_cost, None)
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hash with a fresh random salt, as a PHC string (`$argon2id$v=19$m=…`).
pub fn hash(password: &Password, p: HashParams) -> Result<String, PasswordError> {
    hasher(p)?
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// The result of checking a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Wrong,
    Right,
    /// Right, and the stored hash uses other parameters: store a new one.
    RightNeedsRehash,
}

/// Check a password against a stored PHC string. An unparsable hash is
/// "wrong" (and logged), never a panic.
pub fn verify(password: &str, phc: &str, current: HashParams) -> Verdict {
    let Ok(parsed) = PasswordHash::new(phc) else {
        tracing::error!("a stored password hash does not parse");
        return Verdict::Wrong;
    };
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verdict::Wrong;
    }
    let same = Params::try_from(&parsed).is_ok_and(|p| {
        (p.m_cost(), p.t_cost(), p.p_cost()) == (current.m_cost_kib, current.t_cost, current.p_cost)
    }) && parsed.algorithm.as_str() == "argon2id";
    if same {
        Verdict::Right
    } else {
        Verdict::RightNeedsRehash
    }
}

/// Spend the same time as a real check when there is no account or no
/// password, so timing does not tell whether a number is registered.
pub fn waste_time(p: HashParams) {
    if let Ok(h) = hasher(p) {
        let _ = h.hash_password_with_salt(b"xuancai-dummy", b"xuancai-dummy-salt");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec2_argon2id_phc_salted_and_rehashed_on_parameter_change() -> Result<(), Box<dyn std::error::Error>> {
        let pw = Password::parse("correct horse battery")?;
        let p = HashParams::default();
        let a = hash(&pw, p)?;
        let b = hash(&pw, p)?;
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "salted");
        assert!(!a.contains("correct"));
        assert_eq!(verify("correct horse battery", &a, p), Verdict::Right);
        assert_eq!(verify("correct horse batterx", &a, p), Verdict::Wrong);
        let weaker = HashParams {
            m_cost_kib: 8 * 1024,
            t_cost: 1,
            p_cost: 1,
        };
        let old = hash(&pw, weaker)?;
        assert_eq!(
            verify("correct horse battery", &old, p),
            Verdict::RightNeedsRehash
        );
        assert_eq!(verify("x", "not a phc string", p), Verdict::Wrong);
        Ok(())
    }
}
