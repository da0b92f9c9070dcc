//! Signing in to the web pages (web.md "Signing in"): argon2id passwords, server-side sessions,
//! CSRF tokens bound to a session, and throttling of failed attempts.
//!
//! A session is a random 256-bit id in a cookie; the database keeps only its SHA-256 (like a bearer
//! token), so every server process sees the same sessions and ending one takes effect at once
//! everywhere. A session reaches the services as the same [`Actor`] a bearer token does.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};
use rand::{Rng, RngCore};

use crate::auth::{token_hash, Actor};
use crate::db::web::{self as rows, LoginRow, SessionRow};
use crate::db::{users, write_tx, Pool};
use crate::error::{AppError, AppResult};

use super::{conn, passwords};

/// Failed sign-ins for one login within [`THROTTLE_WINDOW`] before further attempts are refused.
pub const FAILURES_PER_LOGIN: usize = 5;
/// Failed sign-ins from one address within [`THROTTLE_WINDOW`] before further attempts are refused.
pub const FAILURES_PER_ADDRESS: usize = 20;
/// How far back failures count, and so how long a refusal lasts.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// How long a sign-in waits for a password-hashing turn before it is answered 503
/// ([`AppError::SignInBusy`]).
pub const SIGN_IN_WAIT: StdDuration = StdDuration::from_secs(2);

/// Session lifetimes: idle (since the last request) and absolute (since sign-in).
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            idle: Duration::hours(8),
            absolute: Duration::days(7),
        }
    }
}

/// An argon2id hash (PHC string) with the crate's default parameters and a random salt, in a
/// hashing turn ([`passwords`]). Slow on purpose: call it on the blocking pool.
pub fn hash_password(password: &str) -> AppResult<String> {
    passwords::hash(password)
}

/// Verified instead of a real hash when the login does not exist, so the answer takes as long
/// either way and timing never tells which logins exist: the parameters of every hash this
/// service writes, a salt and an output that no password is known to give.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$bm90IGEgcmVhbCBzYWx0$\
    Tm8gcGFzc3dvcmQgaXMga25vd24gdG8gZ2l2ZSBpdC4";

/// Logins are typed by people: compared without surrounding spaces and case.
pub fn normalise_login(login: &str) -> String {
    login.trim().to_lowercase()
}

/// 1 to 64 characters: ASCII letters, digits, `.`, `_`, `-`.
pub fn check_login(login: &str) -> AppResult<()> {
    let ok = (1..=64).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            "login",
            crate::domain::FieldProblem::LoginFormat,
        ))
    }
}

/// 8 to 128 characters.
pub fn check_password(password: &str) -> AppResult<()> {
    if (8..=128).contains(&password.chars().count()) {
        Ok(())
    } else {
        Err(AppError::field(
            "password",
            crate::domain::FieldProblem::PasswordLength,
        ))
    }
}

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A password for the first admin: 16 characters from an alphabet without look-alikes (no 0/O,
/// 1/l/I), about 90 bits.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// Gives an existing user a login. Refuses a login already taken (422 naming `login`).
pub fn add_login(
    pool: &Pool,
    org_id: i64,
    user_id: i64,
    login: &str,
    password: &str,
    must_change: bool,
) -> AppResult<()> {
    let login = normalise_login(login);
    check_login(&login)?;
    check_password(password)?;
    let hash = hash_password(password)?;
    let mut c = conn(pool)?;
    write_tx(&mut c, |c| {
        if rows::find_login(c, &login)?.is_some() {
            return Err(AppError::field(
                "login",
                crate::domain::FieldProblem::LoginTaken,
            ));
        }
        rows::insert_login(
            c,
            &LoginRow {
                org_id,
                user_id,
                login: login.clone(),
                password_hash: hash.clone(),
                must_change_password: must_change,
            },
            crate::db::now(),
        )?;
        Ok(())
    })
}

/// Checks a new user's login and password before the user is created, so a bad one creates
/// nothing.
pub fn check_new_login(pool: &Pool, login: &str, password: &str) -> AppResult<()> {
    let login = normalise_login(login);
    check_login(&login)?;
    check_password(password)?;
    if rows::find_login(&mut *conn(pool)?, &login)?.is_some() {
        return Err(AppError::field(
            "login",
            crate::domain::FieldProblem::LoginTaken,
        ));
    }
    Ok(())
}

/// `baoxiao users set-password`: a new password, chosen by its owner; every session of the user
/// ends. With `org`, the login must belong to that organisation.
pub fn set_password(pool: &Pool, org: Option<&str>, login: &str, password: &str) -> AppResult<()> {
    check_password(password)?;
    let login = normalise_login(login);
    let hash = hash_password(password)?;
    let mut c = conn(pool)?;
    write_tx(&mut c, |c| {
        let row = rows::find_login(c, &login)?.ok_or(AppError::NotFound("login"))?;
        if let Some(code) = org {
            let org = super::users::resolve_org(c, Some(code))?;
            if org.id != row.org_id {
                return Err(AppError::NotFound("login"));
            }
        }
        rows::set_password(c, row.org_id, row.user_id, &hash, false, crate::db::now())?;
        rows::delete_user_sessions(c, row.org_id, row.user_id)?;
        Ok(())
    })
}

/// The signed-in user changes their own password (required after a printed one) in the session
/// `session` (the hash of its id): every other session of theirs ends, in every process, and
/// this one goes on.
pub fn change_password(
    pool: &Pool,
    actor: &Actor,
    session: &str,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let row = rows::login_of(&mut *conn(pool)?, actor.org_id, actor.user_id)?
        .ok_or(AppError::NotFound("login"))?;
    let mut turn =
        passwords::turn(None).ok_or_else(|| AppError::Internal("no hashing turn".into()))?;
    if !turn.verify(&row.password_hash, current) {
        return Err(AppError::field(
            "current",
            crate::domain::FieldProblem::WrongPassword,
        ));
    }
    check_password(new)?;
    if new == current {
        return Err(AppError::field(
            "password",
            crate::domain::FieldProblem::SamePassword,
        ));
    }
    let hash = turn.hash(new)?;
    drop(turn);
    write_tx(&mut *conn(pool)?, |c| {
        rows::set_password(
            c,
            actor.org_id,
            actor.user_id,
            &hash,
            false,
            crate::db::now(),
        )?;
        rows::delete_other_sessions(c, actor.org_id, actor.user_id, session)?;
        Ok(())
    })
}

/// The answer to a sign-in attempt.
#[derive(Debug)]
pub enum SignIn {
    /// The new session's id, for the cookie (shown once, stored hashed).
    Started { session_id: String },
    /// Wrong login or password: which, is never said.
    Refused,
    /// Too many failures: try again after this many minutes.
    Throttled { retry_after_minutes: i64 },
}

/// When a throttle lifts: `limit` failures in the window, the oldest of them leaving it.
fn throttled_until(recent: &[NaiveDateTime], limit: usize) -> Option<NaiveDateTime> {
    (recent.len() >= limit)
        .then(|| recent.last().map(|oldest| *oldest + THROTTLE_WINDOW))
        .flatten()
}

/// Whole minutes until `until`, at least one.
fn minutes_until(until: NaiveDateTime, now: NaiveDateTime) -> i64 {
    let seconds = (until - now).num_seconds().max(1);
    (seconds + 59) / 60
}

/// What [`sign_in`] found before checking the password.
enum Reserved {
    /// The attempt is recorded as a failure (`attempt`, its id) until the password proves right.
    Attempt {
        attempt: i64,
        found: Option<LoginRow>,
    },
    Throttled {
        until: NaiveDateTime,
    },
}

/// Signs in with a login and password from `address`. The attempt is first recorded as a
/// failure, in the same step that counts the failures before it and refuses past a limit
/// ([`rows::lock_failures`]): however many attempts arrive at once, at most the limit is ever
/// checked. Only then is the password checked, holding no database connection, in a hashing turn
/// waited for at most [`SIGN_IN_WAIT`] (else 503 [`AppError::SignInBusy`], the attempt not
/// counted). A success forgets the login's failures, this one included. Failures are counted
/// whether or not the login exists.
pub fn sign_in(pool: &Pool, login: &str, password: &str, address: &str) -> AppResult<SignIn> {
    let login = normalise_login(login);
    let now = crate::db::now();
    let since = now - THROTTLE_WINDOW;
    let limit = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let reserved = pool.write(|c, _| {
        rows::lock_failures(c, &login, address)?;
        let by_login = rows::failures_for_login(c, &login, since, limit(FAILURES_PER_LOGIN))?;
        let by_address =
            rows::failures_from_address(c, address, since, limit(FAILURES_PER_ADDRESS))?;
        let until = [
            throttled_until(&by_login, FAILURES_PER_LOGIN),
            throttled_until(&by_address, FAILURES_PER_ADDRESS),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(until) = until {
            return Ok::<_, AppError>(Reserved::Throttled { until });
        }
        Ok(Reserved::Attempt {
            attempt: rows::record_failure(c, &login, address, now)?,
            found: rows::find_login(c, &login)?,
        })
    })?;
    let (attempt, found) = match reserved {
        Reserved::Throttled { until } => {
            return Ok(SignIn::Throttled {
                retry_after_minutes: minutes_until(until, now),
            })
        }
        Reserved::Attempt { attempt, found } => (attempt, found),
    };
    let Some(mut turn) = passwords::turn(Some(SIGN_IN_WAIT)) else {
        pool.write(|c, _| Ok::<_, AppError>(rows::forget_failure(c, attempt)?))?;
        return Err(AppError::SignInBusy);
    };
    let hash = found
        .as_ref()
        .map_or(DUMMY_HASH, |row| row.password_hash.as_str());
    let password_ok = turn.verify(hash, password);
    drop(turn);
    let Some(row) = found.filter(|_| password_ok) else {
        return Ok(SignIn::Refused);
    };
    let session_id = random_hex();
    let started = pool.write(|c, _| {
        let user = users::find(c, row.org_id, row.user_id)?.filter(|u| u.revoked_at.is_none());
        let Some(user) = user else {
            // A revoked user's right password is refused like a wrong one, and counted.
            return Ok::<_, AppError>(false);
        };
        rows::clear_failures(c, &login, since)?;
        rows::insert_session(
            c,
            &SessionRow {
                id_hash: token_hash(&session_id),
                org_id: user.org_id,
                user_id: user.id,
                csrf_token: random_hex(),
                created_at: now,
                last_seen_at: now,
                flash: None,
            },
        )?;
        Ok(true)
    })?;
    Ok(if started {
        SignIn::Started { session_id }
    } else {
        SignIn::Refused
    })
}

/// A live session: who it is, and what its pages need.
#[derive(Clone, Debug)]
pub struct Session {
    pub actor: Actor,
    pub name: String,
    pub id_hash: String,
    pub csrf_token: String,
    pub must_change_password: bool,
    /// The one-time message for this page, already taken away from the session.
    pub flash: Option<String>,
    /// The day the organisation's books are pinned to, if any ([`super::clock::as_of`]).
    pub as_of: Option<chrono::NaiveDate>,
}

/// How often a session's `last_seen_at` is written: idle time is measured to this precision.
const TOUCH_EVERY: Duration = Duration::minutes(1);

fn is_live(row: &SessionRow, now: NaiveDateTime, lifetimes: Lifetimes) -> bool {
    now - row.created_at < lifetimes.absolute && now - row.last_seen_at < lifetimes.idle
}

/// The session a cookie names, if it is live and its user is not revoked. A dead session is
/// deleted on sight.
pub fn session(pool: &Pool, session_id: &str, lifetimes: Lifetimes) -> AppResult<Option<Session>> {
    let id_hash = token_hash(session_id);
    let mut c = conn(pool)?;
    let Some(row) = rows::find_session(&mut c, &id_hash)? else {
        return Ok(None);
    };
    let now = crate::db::now();
    let user = users::find(&mut c, row.org_id, row.user_id)?.filter(|u| u.revoked_at.is_none());
    let (Some(user), true) = (user, is_live(&row, now, lifetimes)) else {
        rows::delete_session(&mut c, &id_hash)?;
        return Ok(None);
    };
    let login = rows::login_of(&mut c, row.org_id, row.user_id)?;
    let as_of = super::clock::as_of(&mut c, row.org_id)?;
    if row.flash.is_some() || now - row.last_seen_at >= TOUCH_EVERY {
        rows::touch_session(&mut c, &id_hash, now, row.flash.is_some())?;
    }
    Ok(Some(Session {
        actor: super::users::actor_of(&user),
        name: user.name,
        id_hash,
        csrf_token: row.csrf_token,
        must_change_password: login.is_some_and(|l| l.must_change_password),
        flash: row.flash,
        as_of,
    }))
}

/// Removes dead sessions and old failed attempts (they are refused anyway; this keeps the tables
/// small). Returns how many sessions went.
pub fn purge(pool: &Pool, lifetimes: Lifetimes) -> AppResult<usize> {
    let now = crate::db::now();
    Ok(rows::purge(
        &mut *conn(pool)?,
        now - lifetimes.idle,
        now - lifetimes.absolute,
        now - THROTTLE_WINDOW,
    )?)
}

/// Sign-out: the session ends now, in every process.
pub fn sign_out(pool: &Pool, id_hash: &str) -> AppResult<()> {
    rows::delete_session(&mut *conn(pool)?, id_hash)?;
    Ok(())
}

/// The organisation the sign-in page names: the only one this service serves, or none when it
/// serves several (the page must not guess).
pub fn org_name(pool: &Pool) -> AppResult<String> {
    let orgs = crate::db::orgs::all(&mut *conn(pool)?)?;
    Ok(match orgs.as_slice() {
        [only] => only.name.clone(),
        _ => String::new(),
    })
}

/// A message for the session's next page.
pub fn flash(pool: &Pool, id_hash: &str, text: &str) -> AppResult<()> {
    rows::set_flash(&mut *conn(pool)?, id_hash, text)?;
    Ok(())
}

/// Ends every session of a revoked user (the revocation itself already refuses them).
pub fn end_sessions_of(pool: &Pool, user_id: i64) -> AppResult<usize> {
    Ok(rows::delete_sessions_of(&mut *conn(pool)?, user_id)?)
}

/// The first admin's login `admin` with a random password that must be changed at first sign-in;
/// returns the password to show once. `admin_token` is the first admin's token, just created.
pub fn ensure_admin_login(pool: &Pool, admin_token: &str) -> AppResult<String> {
    let admin = super::users::authenticate(pool, admin_token)?;
    let password = random_password();
    add_login(pool, admin.org_id, admin.user_id, "admin", &password, true)?;
    Ok(password)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "a random salt each time");
        let mut turn = passwords::turn(None).unwrap();
        assert!(turn.verify(&a, "correct horse"));
        assert!(!turn.verify(&a, "correct horse "));
        assert!(!turn.verify(DUMMY_HASH, ""));
    }

    /// The dummy costs what a real hash costs: it parses, with the parameters hashes are made with.
    #[test]
    fn the_dummy_hash_has_the_parameters_of_real_ones() {
        let real = hash_password("correct horse").unwrap();
        let params = |phc: &str| phc.split('$').nth(3).unwrap().to_string();
        assert_eq!(params(DUMMY_HASH), params(&real));
        let parsed = argon2::password_hash::PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(parsed.hash.unwrap().len(), 32);
    }

    #[test]
    fn throttle_lifts_when_the_oldest_counted_failure_leaves_the_window() {
        let t = |m: u32| {
            chrono::NaiveDate::from_ymd_opt(2021, 5, 10)
                .unwrap()
                .and_hms_opt(9, m, 0)
                .unwrap()
        };
        let newest_first = [t(10), t(8), t(6), t(4), t(2)];
        assert_eq!(throttled_until(&newest_first[..4], 5), None);
        assert_eq!(throttled_until(&newest_first, 5), Some(t(17)));
        assert_eq!(minutes_until(t(17), t(10)), 7);
        assert_eq!(minutes_until(t(17), t(17)), 1);
    }

    #[test]
    fn logins_and_passwords_are_checked() {
        assert!(check_login("zhang.san-2").is_ok());
        assert!(check_login("").is_err());
        assert!(check_login("张三").is_err());
        assert!(check_password("1234567").is_err());
        assert!(check_password("12345678").is_ok());
        assert_eq!(normalise_login("  Admin "), "admin");
        let p = random_password();
        assert_eq!(p.chars().count(), 16);
        assert!(p.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
