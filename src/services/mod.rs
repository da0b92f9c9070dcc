//! One function per use case. Each takes the pool, owns its transaction, calls the domain for the
//! rules and `db` for the rows, and returns a view or an [`AppError`].

pub mod audit;
pub mod budget;
pub mod claims;
pub mod duty;
pub mod idempotency;
pub mod pages;
pub mod policy;
pub mod reports;
pub mod setup;
pub mod sign_in;
pub mod subsidy;
pub mod users;

use crate::db::{Conn, Pool};
use crate::error::AppResult;

pub fn conn(pool: &Pool) -> AppResult<Conn> {
    Ok(pool.get()?)
}
