//! Password hashing (ACC-3, SEC-2): Argon2id at OWASP's recommended
//! parameters (19 MiB, 2 passes, 1 lane), salted, stored as a PHC string,
//! and re-hashed at the next successful login when the parameters change.
//!
//! Every hash the server computes runs in a [`Pool`]: a fixed number of
//! workers, each with its own reused Argon2 memory, and a short queue. When
//! the queue is full the caller is told at once ([`Busy`]), so a flood of
//! anonymous logins costs at most `workers × m_cost` of memory, allocated
//! once and never grown (issue 19 item 3).

use std::sync::{Arc, Mutex};

use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Block, Params, Version};
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

/// The largest Argon2 memory a stored hash may ask for (64 MiB): a hash
/// made with more is treated as unreadable rather than allowed to grow a
/// worker's memory.
const MAX_M_COST_KIB: u32 = 64 * 1024;

/// Check a password against a stored PHC string, with a worker's memory.
/// An unparsable hash is "wrong" (and logged), never a panic.
pub fn verify(password: &str, phc: &str, current: HashParams, memory: &mut Vec<Block>) -> Verdict {
    let Some(matches) = recompute(password, phc, current, memory) else {
        tracing::error!("a stored password hash does not parse");
        return Verdict::Wrong;
    };
    if !matches {
        return Verdict::Wrong;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return Verdict::Wrong;
    };
    let same = Params::try_from(&parsed).is_ok_and(|p| {
        (p.m_cost(), p.t_cost(), p.p_cost()) == (current.m_cost_kib, current.t_cost, current.p_cost)
    }) && parsed.algorithm.as_str() == "argon2id";
    if same {
        Verdict::Right
    } else {
        Verdict::RightNeedsRehash
    }
}

/// Hash `password` with the parameters and salt of `phc` in `memory` and
/// say whether the result equals the stored one (in constant time).
/// `None` when the stored string is not a usable Argon2 hash.
fn recompute(password: &str, phc: &str, current: HashParams, memory: &mut Vec<Block>) -> Option<bool> {
    let parsed = PasswordHash::new(phc).ok()?;
    let algorithm = Algorithm::try_from(parsed.algorithm.as_str()).ok()?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::V0x13,
    };
    let params = Params::try_from(&parsed).ok()?;
    if params.m_cost() > MAX_M_COST_KIB.max(current.m_cost_kib) {
        return None;
    }
    let (salt, expected) = (parsed.salt?, parsed.hash?);
    let mut out = vec![0u8; expected.as_bytes().len()];
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, &mut memory[..blocks])
        .ok()?;
    let diff = out
        .iter()
        .zip(expected.as_bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    Some(diff == 0)
}

/// Spend the same work as a real check when there is no account or no
/// password, so timing does not tell whether a number is registered.
pub fn waste_time(p: HashParams, memory: &mut Vec<Block>) {
    let Ok(h) = hasher(p) else { return };
    let Ok(params) = Params::new(p.m_cost_kib, p.t_cost, p.p_cost, None) else {
        return;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut out = [0u8; 32];
    let _ = h.hash_password_into_with_memory(
        b"xuancai-dummy",
        b"xuancai-dummy-salt",
        &mut out,
        &mut memory[..blocks],
    );
}

/// Told when every hashing worker is busy and the queue is full: answer
/// "busy, try again" at once rather than wait or allocate more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("every password worker is busy")]
pub struct Busy;

/// A fixed set of hashing workers with reused memory and a bounded queue.
#[derive(Debug)]
pub struct Pool {
    /// One per worker: held while a hash runs.
    running: Arc<tokio::sync::Semaphore>,
    /// Workers plus queue places: taken on arrival, `Busy` when none is left.
    admitted: Arc<tokio::sync::Semaphore>,
    /// Argon2 memory of idle workers, reused so bursts never grow the heap.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl Pool {
    /// `workers` hashes at once (at least one), `queue` more waiting.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self {
            running: Arc::new(tokio::sync::Semaphore::new(workers)),
            admitted: Arc::new(tokio::sync::Semaphore::new(workers + queue)),
            memory: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Run `work` on a worker's memory, on a blocking thread.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Busy>
    where
        T: Send + 'static,
        F: FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    {
        let _admitted = self.admitted.clone().try_acquire_owned().map_err(|_| Busy)?;
        let _running = self.running.clone().acquire_owned().await.map_err(|_| Busy)?;
        let mut memory = self
            .memory
            .lock()
            .map(|mut free| free.pop().unwrap_or_default())
            .unwrap_or_default();
        let (out, memory) = tokio::task::spawn_blocking(move || {
            let out = work(&mut memory);
            (out, memory)
        })
        .await
        .map_err(|_| Busy)?;
        if let Ok(mut free) = self.memory.lock() {
            free.push(memory);
        }
        Ok(out)
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
        let mut memory = Vec::new();
        assert_eq!(
            verify("correct horse battery", &a, p, &mut memory),
            Verdict::Right
        );
        assert_eq!(
            verify("correct horse batterx", &a, p, &mut memory),
            Verdict::Wrong
        );
        let weaker = HashParams {
            m_cost_kib: 8 * 1024,
            t_cost: 1,
            p_cost: 1,
        };
        let old = hash(&pw, weaker)?;
        assert_eq!(
            verify("correct horse battery", &old, p, &mut memory),
            Verdict::RightNeedsRehash
        );
        assert_eq!(verify("x", "not a phc string", p, &mut memory), Verdict::Wrong);
        // A stored hash may not ask for more memory than the bound.
        let huge = hash(
            &pw,
            HashParams {
                m_cost_kib: 65 * 1024,
                t_cost: 1,
                p_cost: 1,
            },
        )?;
        assert_eq!(
            verify("correct horse battery", &huge, p, &mut memory),
            Verdict::Wrong
        );
        assert_eq!(memory.len(), 19 * 1024, "the worker's memory did not grow");
        Ok(())
    }
}
