//! Password hashing, bounded. argon2id with OWASP's parameters (the crate's defaults: 19 MiB,
//! two passes, one lane) needs 19 MiB of working memory a hash. At most one hash per core runs at
//! a time, in a turn ([`Turn`]) that owns its working memory: allocated on the turn's first use
//! and kept for the next one, never freed and allocated again. However many sign-ins arrive at
//! once, hashing holds `cores × 19 MiB`, and the others wait for a turn instead of piling up.
//!
//! A building block, not a use case: [`super::sign_in`] takes a turn with a short wait (a sign-in
//! that cannot have one soon is answered 503); setting a password waits as long as it takes.

use std::num::NonZeroUsize;
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::{AppError, AppResult};

/// The most working memory one hash may ask for (a stored hash's `m`): 256 MiB. The hashes this
/// service writes ask for 19 MiB.
const MAX_BLOCKS: usize = 256 * 1024;

/// The turns not in use: one working memory each (empty until its first hash).
struct Turns {
    free: Mutex<Vec<Vec<Block>>>,
    freed: Condvar,
}

impl Turns {
    fn lock(&self) -> MutexGuard<'_, Vec<Vec<Block>>> {
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One turn per core of this machine.
static TURNS: LazyLock<Turns> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    Turns {
        free: Mutex::new((0..cores).map(|_| Vec::new()).collect()),
        freed: Condvar::new(),
    }
});

/// How many hashes may run at once: the machine's cores.
pub fn turns() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// The right to run password hashes, with the working memory to run them in. Given back when
/// dropped.
pub struct Turn {
    memory: Vec<Block>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        let memory = std::mem::take(&mut self.memory);
        TURNS.lock().push(memory);
        TURNS.freed.notify_one();
    }
}

/// Waits for a turn: at most `wait`, or as long as it takes when `None`. `None` when the wait
/// ran out.
pub fn turn(wait: Option<Duration>) -> Option<Turn> {
    let deadline = wait.map(|w| Instant::now() + w);
    let mut free = TURNS.lock();
    loop {
        if let Some(memory) = free.pop() {
            return Some(Turn { memory });
        }
        free = match deadline {
            None => TURNS
                .freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner),
            Some(deadline) => {
                let left = deadline.checked_duration_since(Instant::now())?;
                TURNS
                    .freed
                    .wait_timeout(free, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
    }
}

/// An argon2id hash (PHC string) with the default parameters and a random salt, in a turn waited
/// for as long as it takes. Slow on purpose: call it on the blocking pool.
pub fn hash(password: &str) -> AppResult<String> {
    turn(None)
        .ok_or_else(|| AppError::Internal("no hashing turn".into()))?
        .hash(password)
}

impl Turn {
    /// argon2 into `out`, in this turn's memory.
    fn run(
        &mut self,
        algorithm: Algorithm,
        version: Version,
        params: Params,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> Result<(), argon2::Error> {
        let blocks = params.block_count();
        if blocks > MAX_BLOCKS {
            return Err(argon2::Error::MemoryTooMuch);
        }
        if self.memory.len() < blocks {
            self.memory.resize(blocks, Block::default());
        }
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password,
            salt,
            out,
            &mut self.memory[..blocks],
        )
    }

    /// An argon2id hash (PHC string) with the default parameters and a random salt.
    pub fn hash(&mut self, password: &str) -> AppResult<String> {
        let failed = |e: argon2::password_hash::Error| AppError::Internal(format!("argon2: {e}"));
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let mut salt_bytes = [0u8; 64];
        let raw_salt = salt.as_salt().decode_b64(&mut salt_bytes).map_err(failed)?;
        let params = Params::default();
        let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = Output::init_with(length, |out| {
            self.run(
                Algorithm::Argon2id,
                Version::V0x13,
                params.clone(),
                password.as_bytes(),
                raw_salt,
                out,
            )
            .map_err(Into::into)
        })
        .map_err(failed)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(failed)?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(phc.to_string())
    }

    /// True when `password` is the one `phc` was made from (compared in constant time). A hash
    /// that does not parse matches nothing.
    pub fn verify(&mut self, phc: &str, password: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return false;
        };
        let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
            return false;
        };
        let version = match parsed.version.map(Version::try_from).transpose() {
            Ok(version) => version.unwrap_or_default(),
            Err(_) => return false,
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return false;
        };
        let mut salt_bytes = [0u8; 64];
        let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else {
            return false;
        };
        let computed = Output::init_with(expected.len(), |out| {
            self.run(
                algorithm,
                version,
                params,
                password.as_bytes(),
                raw_salt,
                out,
            )
            .map_err(Into::into)
        });
        computed.is_ok_and(|computed| computed == expected)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn hashes_agree_with_the_argon2_crate_both_ways() {
        let mut turn = turn(None).unwrap();
        let ours = turn.hash("correct horse").unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        assert!(turn.verify(&theirs, "correct horse"));
        assert!(!turn.verify(&theirs, "correct horse "));
        assert!(!turn.verify("not a hash", "correct horse"));
    }

    #[test]
    fn a_turn_waited_for_in_vain_is_none() {
        let held: Vec<Turn> = (0..turns()).filter_map(|_| turn(None)).collect();
        assert_eq!(held.len(), turns());
        assert!(turn(Some(Duration::from_millis(10))).is_none());
        drop(held);
        assert!(turn(Some(Duration::from_millis(10))).is_some());
    }
}
