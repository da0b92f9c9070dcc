//! The database: one connection type over SQLite and PostgreSQL, the pool, transactions and
//! migrations. Queries live in the submodules, one per table group, and return `QueryResult`.

pub mod audit;
pub mod budget;
pub mod claims;
pub mod duty;
pub mod idempotency;
pub mod orgs;
pub mod pages;
pub mod policy;
pub mod reports;
pub mod schema;
pub mod subsidy;
pub mod users;
pub mod web;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// A connection to either backend; queries written once against it run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type Pool = r2d2::Pool<Manager>;
pub type Conn = r2d2::PooledConnection<Manager>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs select PostgreSQL; anything else is a SQLite path.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Opens connections for the pool, choosing the backend from the URL (never by trying one after
/// the other: an unreachable PostgreSQL must fail, not quietly become a SQLite file).
#[derive(Clone, Debug)]
pub struct Manager {
    url: String,
    backend: Backend,
    busy_timeout_ms: u32,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => diesel::PgConnection::establish(&self.url)
                .map(DbConnection::Postgres)
                .map_err(r2d2::Error::ConnectionError),
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.url)
                    .map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the one writer; FULL makes every commit durable;
                // writers wait for the lock (busy_timeout) instead of failing.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                    self.busy_timeout_ms
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        <DbConnection as r2d2::R2D2Connection>::is_broken(conn)
    }
}

/// The pool for `url`. SQLite files get their parent directory created.
pub fn pool(url: &str, size: u32, busy_timeout_ms: u32) -> Result<Pool, r2d2::PoolError> {
    let backend = Backend::of_url(url);
    if backend == Backend::Sqlite {
        if let Some(dir) = std::path::Path::new(url)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            let _ = std::fs::create_dir_all(dir);
        }
    }
    r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(30))
        // A broken connection is caught by `has_broken` and by the failing query itself; testing
        // every checkout would cost a round trip per request.
        .test_on_check_out(false)
        .build(Manager {
            url: url.to_string(),
            backend,
            busy_timeout_ms,
        })
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Postgres(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so the write lock is taken (and
/// waited for) up front rather than failing mid-transaction; a plain `BEGIN` (read committed) on
/// PostgreSQL, where every money check is a conditional `UPDATE` that re-reads the locked row.
/// Commits when `f` succeeds, rolls back when it fails.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            match conn {
                DbConnection::Sqlite(c) => AnsiTransactionManager::commit_transaction(c)?,
                DbConnection::Postgres(c) => AnsiTransactionManager::commit_transaction(c)?,
            }
            Ok(value)
        }
        Err(e) => {
            let rolled_back = match conn {
                DbConnection::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
                DbConnection::Postgres(c) => AnsiTransactionManager::rollback_transaction(c),
            };
            if let Err(rollback_error) = rolled_back {
                tracing::error!(error = %rollback_error, "rollback failed");
            }
            Err(e)
        }
    }
}

/// Applies the backend's pending migrations.
pub fn migrate(conn: &mut DbConnection) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    match conn {
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    }
}

/// True when the error is a refused write that waiting did not cure (SQLite busy).
pub fn is_busy(error: &diesel::result::Error) -> bool {
    let text = error.to_string();
    text.contains("database is locked") || text.contains("database is busy")
}

pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
