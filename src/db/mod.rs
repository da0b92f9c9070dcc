//! The database: one connection type over SQLite and PostgreSQL, the pool, transactions and
//! migrations. Queries live in the submodules, one per table group, and return `QueryResult`.

/// Runs a query on the backend's own connection instead of through [`DbConnection`]: diesel's
/// multi-connection writes a query's SQL out anew on every run (twice: to check that it may be
/// cached, and to pass it on), even when the statement is already prepared, where the backend's
/// own connection finds a prepared statement by the query's type alone. For the queries that
/// every request makes (the token lookup, a budget line with its children, an approval's
/// statements): on SQLite, writing the SQL out was a sizeable part of a line read (BENCHMARKS.md,
/// "Figures behind the code"). The query is
/// written once, and typed for each backend. Also how a transaction-manager call reaches the
/// backend's connection ([`group`]).
///
/// `direct!(conn, c => query.load(c))`
macro_rules! direct {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Postgres($c) => $body,
        }
    };
}

/// The condition that picks row `id` of organisation `org_id` in `table` (a table with both
/// columns): `.filter(picks!(travel_requests, org_id, id))`.
macro_rules! picks {
    ($table:ident, $org_id:expr, $id:expr) => {
        $table::org_id.eq($org_id).and($table::id.eq($id))
    };
}

/// `pub fn $name(conn, org_id, id) -> QueryResult<Option<$row>>`: row `id` of `$table` if it
/// belongs to organisation `org_id` (another organisation's id finds nothing).
/// `find_row!(/// doc
/// find, vouchers, VoucherRow);`
macro_rules! find_row {
    ($(#[$doc:meta])* $name:ident, $table:ident, $row:ty) => {
        $(#[$doc])*
        pub fn $name(
            conn: &mut $crate::db::DbConnection,
            org_id: i64,
            id: i64,
        ) -> diesel::QueryResult<Option<$row>> {
            $table::table
                .filter(picks!($table, org_id, id))
                .select(<$row>::as_select())
                .first(conn)
                .optional()
        }
    };
}

/// The organisation's rows of `$table` as `$row`, newest first, `limit` of them, older than row
/// `before` when given: a boxed query that lists take further filters on.
/// `newest_page!(travel_claims, ClaimRow, org_id, before, limit)`
macro_rules! newest_page {
    ($table:ident, $row:ty, $org_id:expr, $before:expr, $limit:expr) => {{
        let mut query = $table::table
            .filter($table::org_id.eq($org_id))
            .select(<$row>::as_select())
            .order($table::id.desc())
            .limit($limit)
            .into_boxed();
        if let Some(before) = $before {
            query = query.filter($table::id.lt(before));
        }
        query
    }};
}

/// `pub fn $name(conn, org_id) -> QueryResult<Vec<$row>>`: every row of `$table` that belongs to
/// organisation `org_id`, in id order. `all_rows!(departments, departments, DepartmentRow);`
macro_rules! all_rows {
    ($(#[$doc:meta])* $name:ident, $table:ident, $row:ty) => {
        $(#[$doc])*
        pub fn $name(conn: &mut $crate::db::DbConnection, org_id: i64) -> diesel::QueryResult<Vec<$row>> {
            $table::table
                .filter($table::org_id.eq(org_id))
                .order($table::id)
                .select(<$row>::as_select())
                .load(conn)
        }
    };
}

/// `pub fn $name(conn, row: &$new) -> QueryResult<i64>`: inserts `row` into `$table` and returns
/// the id the database gave it. `insert_row!(insert, vouchers, NewVoucher<'_>);`
macro_rules! insert_row {
    ($(#[$doc:meta])* $name:ident, $table:ident, $new:ty) => {
        $(#[$doc])*
        pub fn $name(conn: &mut $crate::db::DbConnection, row: &$new) -> diesel::QueryResult<i64> {
            diesel::insert_into($table::table)
                .values(row)
                .returning($table::id)
                .get_result(conn)
        }
    };
}

/// A written-out statement whose text never varies: each connection finds its prepared
/// statement by the marker type `$id`, without writing the SQL out to look it up (PostgreSQL
/// prepares it once per connection). `fixed_text!(NewEvent<'_>, NewEventId);`
macro_rules! fixed_text {
    ($ty:ty, $id:ident) => {
        #[doc = concat!("The prepared statement of [`", stringify!($ty), "`].")]
        pub struct $id;

        impl diesel::query_builder::QueryId for $ty {
            type QueryId = $id;
            const HAS_STATIC_QUERY_ID: bool = true;
        }
    };
}

/// A written-out insert as a statement of its own: `$ty::walk_insert` with one row of `VALUES`,
/// its text fixed ([`fixed_text!`]) and bound with the value types the inserts use.
macro_rules! insert_statement {
    ($ty:ty, $id:ident) => {
        fixed_text!($ty, $id);

        impl<DB: $crate::db::BindsRow> diesel::query_builder::QueryFragment<DB> for $ty {
            fn walk_ast<'b>(
                &'b self,
                out: diesel::query_builder::AstPass<'_, 'b, DB>,
            ) -> QueryResult<()> {
                self.walk_insert(out, $crate::db::Rows::Values)
            }
        }

        impl<C> RunQueryDsl<C> for &$ty {}
    };
}

pub mod adjustments;
pub mod approvals;
pub mod attachments;
pub mod audit;
pub mod backup;
pub mod budget;
pub mod claims;
pub mod dashboard;
pub mod drafts;
pub mod duty;
pub mod group;
pub mod idempotency;
pub mod invoices;
pub mod moves;
pub mod orgs;
pub mod pages;
pub mod policy;
pub mod recent;
pub mod reports;
pub mod schema;
pub mod subsidy;
pub mod travel_requests;
pub mod users;
pub mod vouchers;
pub mod web;

use std::sync::Mutex;
use std::time::{Duration, Instant};

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

pub type Conn = r2d2::PooledConnection<Manager>;

/// The database as the service holds it: pooled connections for reading and for work of its own
/// transaction, and the group committer that state-changing requests share ([`group`]).
#[derive(Clone)]
pub struct Pool {
    conns: r2d2::Pool<Manager>,
    group: std::sync::Arc<group::GroupCommit>,
    policies: std::sync::Arc<policy::Cache>,
    paths: std::sync::Arc<budget::Paths>,
    /// Users by the hash of their bearer token, as read a moment ago ([`recent`]).
    token_users: std::sync::Arc<recent::Recent<String, std::sync::Arc<users::UserRow>>>,
    /// Each organisation's policy versions, as read a moment ago ([`recent`]).
    versions: std::sync::Arc<recent::Recent<i64, std::sync::Arc<[policy::PolicyRow]>>>,
    /// One turn per pooled connection, for reads sent to the blocking pool
    /// ([`crate::routes::extract::read`]).
    read_turns: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Pool {
    /// A pooled connection, waiting at most the pool's checkout timeout.
    pub fn get(&self) -> Result<Conn, r2d2::PoolError> {
        self.conns.get()
    }

    /// A SQLite connection that is free right now, if there is one. A SQLite read is an index
    /// walk in this process that does not wait for the writer (WAL); see [`crate::routes::extract::read`].
    /// How long a request may take in all before it is answered 503: bounded on PostgreSQL
    /// ([`POSTGRES_REQUEST_LIMIT`]); on SQLite a request waits for the write lock as long as
    /// `busy_timeout` says, and a file does not freeze.
    pub fn request_limit(&self) -> Option<Duration> {
        (self.group.backend() == Backend::Postgres).then_some(POSTGRES_REQUEST_LIMIT)
    }

    pub fn idle_sqlite(&self) -> Option<Conn> {
        if self.group.backend() != Backend::Sqlite {
            return None;
        }
        self.conns.try_get()
    }

    pub fn get_timeout(&self, timeout: Duration) -> Result<Conn, r2d2::PoolError> {
        self.conns.get_timeout(timeout)
    }

    /// Turns for reads to take a pooled connection, one per connection, given in the order
    /// asked for.
    pub fn read_turns(&self) -> &tokio::sync::Semaphore {
        &self.read_turns
    }

    /// The policy versions this database's requests have loaded.
    pub fn policies(&self) -> &policy::Cache {
        &self.policies
    }

    /// The paths up the budget tree this database's requests have read.
    pub fn paths(&self) -> &budget::Paths {
        &self.paths
    }

    /// Users by the hash of their bearer token, as this process read them a moment ago.
    pub fn token_users(&self) -> &recent::Recent<String, std::sync::Arc<users::UserRow>> {
        &self.token_users
    }

    /// Each organisation's policy versions (by id), as this process read them a moment ago.
    pub fn versions(&self) -> &recent::Recent<i64, std::sync::Arc<[policy::PolicyRow]>> {
        &self.versions
    }

    /// Runs `f` in a write transaction shared with the writes that arrive with it, returning once
    /// that transaction is durable ([`group::GroupCommit::run`]). `f` may run more than once (on
    /// PostgreSQL, when it met a row locked by another batch), each time on a clean savepoint.
    pub fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnMut(&mut DbConnection, &mut group::Kept) -> Result<T, E>,
        E: From<diesel::result::Error> + group::LockWait,
    {
        self.group.run(f)
    }
}

/// Where a written-out insert's row comes from ([`audit::NewEvent`], [`budget::NewEntry`]).
#[derive(Clone, Copy)]
pub enum Rows {
    /// `VALUES (…)`: one row.
    Values,
    /// `SELECT … FROM name`: one row per row of `name` (a CTE of the same statement).
    SelectFrom(&'static str),
}

/// A written-out `INSERT` being written: its head, then each value bound in column order, then
/// [`InsertRow::finish`] closes the row as [`Rows`] says.
pub struct InsertRow<'a, 'b, DB: diesel::backend::Backend> {
    out: diesel::query_builder::AstPass<'a, 'b, DB>,
    rows: Rows,
    first: bool,
}

impl<'a, 'b, DB: diesel::backend::Backend> InsertRow<'a, 'b, DB> {
    /// Writes `head` (`INSERT INTO table (columns) `) and the start of the row.
    pub fn start(
        mut out: diesel::query_builder::AstPass<'a, 'b, DB>,
        head: &'static str,
        rows: Rows,
    ) -> Self {
        out.push_sql(head);
        out.push_sql(match rows {
            Rows::Values => "VALUES (",
            Rows::SelectFrom(_) => "SELECT ",
        });
        InsertRow {
            out,
            rows,
            first: true,
        }
    }

    /// Binds the next column's value.
    pub fn bind(mut self, value: impl Into<RowValue<'b>>) -> QueryResult<Self>
    where
        DB: BindsRow,
    {
        if !self.first {
            self.out.push_sql(", ");
        }
        self.first = false;
        DB::push_value(&mut self.out, value.into())?;
        Ok(self)
    }

    /// Closes the row: `)` after `VALUES (…`, ` FROM name` after `SELECT …`.
    pub fn finish(mut self) -> QueryResult<()> {
        match self.rows {
            Rows::Values => self.out.push_sql(")"),
            Rows::SelectFrom(name) => {
                self.out.push_sql(" FROM ");
                self.out.push_sql(name);
            }
        }
        Ok(())
    }
}

/// A value of a written-out row, by its SQL type.
pub enum RowValue<'b> {
    BigInt(&'b i64),
    OptBigInt(&'b Option<i64>),
    Text(&'b str),
    OptText(&'b Option<&'b str>),
    Timestamp(&'b chrono::NaiveDateTime),
    Date(&'b chrono::NaiveDate),
    Bool(&'b bool),
}

impl<'b> From<&'b i64> for RowValue<'b> {
    fn from(v: &'b i64) -> Self {
        RowValue::BigInt(v)
    }
}
impl<'b> From<&'b Option<i64>> for RowValue<'b> {
    fn from(v: &'b Option<i64>) -> Self {
        RowValue::OptBigInt(v)
    }
}
impl<'b> From<&'b str> for RowValue<'b> {
    fn from(v: &'b str) -> Self {
        RowValue::Text(v)
    }
}
impl<'b> From<&'b Option<&'b str>> for RowValue<'b> {
    fn from(v: &'b Option<&'b str>) -> Self {
        RowValue::OptText(v)
    }
}
impl<'b> From<&'b chrono::NaiveDateTime> for RowValue<'b> {
    fn from(v: &'b chrono::NaiveDateTime) -> Self {
        RowValue::Timestamp(v)
    }
}

impl<'b, 'a: 'b> From<&'b moves::Value<'a>> for RowValue<'b> {
    fn from(v: &'b moves::Value<'a>) -> Self {
        match v {
            moves::Value::Id(v) => RowValue::BigInt(v),
            moves::Value::Text(v) => RowValue::Text(v),
            moves::Value::MaybeText(v) => RowValue::OptText(v),
            moves::Value::At(v) => RowValue::Timestamp(v),
            moves::Value::Day(v) => RowValue::Date(v),
            moves::Value::Flag(v) => RowValue::Bool(v),
        }
    }
}

/// A backend that binds every [`RowValue`]: both of ours. The bounds are stated here once, so a
/// row's writer asks only `DB: BindsRow`.
pub trait BindsRow: diesel::backend::Backend {
    fn push_value<'b>(
        out: &mut diesel::query_builder::AstPass<'_, 'b, Self>,
        value: RowValue<'b>,
    ) -> QueryResult<()>;
}

impl<DB> BindsRow for DB
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<diesel::sql_types::Bool>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
    str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    Option<i64>:
        diesel::serialize::ToSql<diesel::sql_types::Nullable<diesel::sql_types::BigInt>, DB>,
    for<'s> Option<&'s str>:
        diesel::serialize::ToSql<diesel::sql_types::Nullable<diesel::sql_types::Text>, DB>,
    chrono::NaiveDateTime: diesel::serialize::ToSql<diesel::sql_types::Timestamp, DB>,
    chrono::NaiveDate: diesel::serialize::ToSql<diesel::sql_types::Date, DB>,
    bool: diesel::serialize::ToSql<diesel::sql_types::Bool, DB>,
{
    fn push_value<'b>(
        out: &mut diesel::query_builder::AstPass<'_, 'b, Self>,
        value: RowValue<'b>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Bool, Date, Nullable, Text, Timestamp};
        match value {
            RowValue::BigInt(v) => out.push_bind_param::<BigInt, _>(v),
            RowValue::OptBigInt(v) => out.push_bind_param::<Nullable<BigInt>, _>(v),
            RowValue::Text(v) => out.push_bind_param::<Text, _>(v),
            RowValue::OptText(v) => out.push_bind_param::<Nullable<Text>, _>(v),
            RowValue::Timestamp(v) => out.push_bind_param::<Timestamp, _>(v),
            RowValue::Date(v) => out.push_bind_param::<Date, _>(v),
            RowValue::Bool(v) => out.push_bind_param::<Bool, _>(v),
        }
    }
}

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

/// Opens a PostgreSQL connection (every one the service makes comes through here).
///
/// OpenSSL is set up first, by its own crate, which asks it to register no clean-up at exit.
/// Set up by libpq instead, OpenSSL tears itself down when the process exits while other threads
/// (the pool's, a worker's) may still be closing or checking a TLS session: the process then
/// dies of a segfault on its way out, so a clean stop of the service or a passing test run ends
/// as a crash. The first set-up decides, so it comes before libpq's.
pub fn connect_postgres(url: &str) -> ConnectionResult<diesel::PgConnection> {
    openssl_sys::init();
    diesel::PgConnection::establish(url)
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
            Backend::Postgres => connect_postgres(&self.url)
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

    /// Besides a broken transaction, a connection is dropped when a lost connection was seen
    /// lately and this one does not answer either: after a database restart the pool then
    /// empties itself of dead connections instead of handing each out again.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        <DbConnection as r2d2::R2D2Connection>::is_broken(conn)
            || (lost_lately() && conn.batch_execute("SELECT 1").is_err())
    }
}

/// When a connection was last seen lost. For [`SUSPICION`] after that, connections are tested
/// as they return to the pool.
static LOST_AT: Mutex<Option<Instant>> = Mutex::new(None);
const SUSPICION: Duration = Duration::from_secs(60);

fn lost_lately() -> bool {
    LOST_AT
        .lock()
        .ok()
        .and_then(|at| *at)
        .is_some_and(|at| at.elapsed() < SUSPICION)
}

/// Notes that a connection to the database was found lost.
pub fn connection_lost() {
    if let Ok(mut at) = LOST_AT.lock() {
        *at = Some(Instant::now());
    }
}

/// How long a request waits for a pooled connection before answering 503: short, so that a
/// database that is away makes requests fail fast instead of hanging. SQLite connections wait for
/// the write lock (busy_timeout) while checked out, so a SQLite pool may be waited on longer.
const POSTGRES_CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);
const SQLITE_CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// libpq's own limit for opening a connection, unless the URL sets one.
const POSTGRES_CONNECT_TIMEOUT_SECS: u32 = 2;

/// How long PostgreSQL runs one statement (a lock wait included) before it cancels it: the
/// request is then answered 503 `busy`, as a lock wait on SQLite is.
const POSTGRES_STATEMENT_TIMEOUT_MS: u32 = 8_000;

/// How long a request may take, in all, while the database is PostgreSQL, before it is answered
/// 503 ([`Pool::request_limit`]): a server that stops answering without closing its connections
/// (a frozen host or proxy) would otherwise hold every request that reaches it for the whole
/// outage. TCP keepalives and `tcp_user_timeout` end a connection whose peer has gone silent,
/// but not one whose peer still acknowledges what it is sent and never answers.
pub const POSTGRES_REQUEST_LIMIT: Duration = Duration::from_secs(10);

/// The libpq settings a PostgreSQL URL gets unless it names them itself: a connection is opened
/// within [`POSTGRES_CONNECT_TIMEOUT_SECS`]; an idle one is probed every few seconds and dropped
/// when its peer stops answering; sent data unacknowledged for 5 s ends the connection
/// (`tcp_user_timeout`, in ms); and each statement is limited by
/// [`POSTGRES_STATEMENT_TIMEOUT_MS`] (a URL with its own `options` keeps them, and its own
/// statement limit, if any).
fn postgres_url(url: &str) -> String {
    let statement_timeout = format!("-c%20statement_timeout%3D{POSTGRES_STATEMENT_TIMEOUT_MS}");
    let connect_timeout = POSTGRES_CONNECT_TIMEOUT_SECS.to_string();
    let defaults = [
        ("connect_timeout", connect_timeout.as_str()),
        ("keepalives", "1"),
        ("keepalives_idle", "5"),
        ("keepalives_interval", "2"),
        ("keepalives_count", "3"),
        ("tcp_user_timeout", "5000"),
        ("options", statement_timeout.as_str()),
    ];
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let named = |key: &str| {
        query
            .split('&')
            .any(|pair| pair.split('=').next() == Some(key))
    };
    let mut out = url.to_string();
    for (key, value) in defaults {
        if !named(key) {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{key}={value}"));
        }
    }
    out
}

/// True when the error means the connection to the database is gone (server restarted or
/// unreachable), as opposed to a refused statement.
pub fn is_connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    let lost = match error {
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => true,
        Error::DatabaseError(_, info) => {
            let text = info.message();
            text.contains("server closed the connection")
                || text.contains("terminating connection")
                || text.contains("no connection to the server")
                || text.contains("could not send data to server")
                || text.contains("could not receive data from server")
        }
        _ => false,
    };
    if lost {
        connection_lost();
    }
    lost
}

/// A SQLite database holds every claim and token hash: its directory, when this creates it, is
/// 0700, and the database file is 0600 (SQLite gives its -wal and -shm files the database
/// file's mode). An existing database file readable by others is made private.
fn private_sqlite_files(path: &std::path::Path) -> std::io::Result<()> {
    if path.as_os_str() == ":memory:" || path.to_string_lossy().starts_with("file:") {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)?;
            }
        }
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if let Ok(meta) = std::fs::metadata(&file) {
                if meta.permissions().mode() & 0o077 != 0 {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
                }
            }
        }
    }
    #[cfg(not(unix))]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    Ok(())
}

/// The pool for `url`. SQLite files are made private ([`private_sqlite_files`]).
pub fn pool(url: &str, size: u32, busy_timeout_ms: u32) -> Result<Pool, r2d2::PoolError> {
    let backend = Backend::of_url(url);
    if backend == Backend::Sqlite {
        if let Err(error) = private_sqlite_files(std::path::Path::new(url)) {
            tracing::warn!(%error, "could not make the database files private");
        }
    }
    let (url, checkout_timeout) = match backend {
        Backend::Postgres => (postgres_url(url), POSTGRES_CHECKOUT_TIMEOUT),
        Backend::Sqlite => (url.to_string(), SQLITE_CHECKOUT_TIMEOUT),
    };
    let manager = Manager {
        url,
        backend,
        busy_timeout_ms,
    };
    let conns = r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(checkout_timeout)
        // A broken connection is caught by `has_broken` and by the failing query itself; testing
        // every checkout would cost a round trip per request.
        .test_on_check_out(false)
        .build(manager.clone())?;
    Ok(Pool {
        conns,
        group: std::sync::Arc::new(group::GroupCommit::new(manager)),
        policies: Default::default(),
        paths: Default::default(),
        token_users: Default::default(),
        versions: Default::default(),
        read_turns: std::sync::Arc::new(tokio::sync::Semaphore::new(
            usize::try_from(size).unwrap_or(1),
        )),
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

/// True when `conn` is inside a transaction (or its state is unknown): what it reads may include
/// that transaction's own writes, not yet committed.
pub fn in_transaction(conn: &mut DbConnection) -> bool {
    direct!(conn, c => AnsiTransactionManager::transaction_manager_status_mut(c)
        .transaction_depth())
    .map_or(true, |depth| depth.is_some())
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
            direct!(&mut *conn, c => AnsiTransactionManager::commit_transaction(c))?;
            Ok(value)
        }
        Err(e) => {
            let rolled_back =
                direct!(&mut *conn, c => AnsiTransactionManager::rollback_transaction(c));
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

/// True when the error is a refused write that waiting did not cure (SQLite busy), or a row
/// lock waited for no longer ([`group`]'s PostgreSQL `lock_timeout`).
pub fn is_busy(error: &diesel::result::Error) -> bool {
    let text = error.to_string();
    text.contains("database is locked")
        || text.contains("database is busy")
        || text.contains("lock timeout")
        || text.contains("statement timeout")
}

/// True when PostgreSQL ended the work to break a cycle of lock waits (SQLSTATE 40P01), as it
/// may when two transactions lock the same lines in opposite orders: a claim's approval
/// releases its travel request's path and commits along its own, and another approval crosses
/// those paths the other way. Nothing of the work remains; run again, it goes through.
pub fn is_deadlock(error: &diesel::result::Error) -> bool {
    error.to_string().contains("deadlock detected")
}

/// The time now, to the microsecond: what PostgreSQL's `timestamp` keeps (and SQLite's text
/// keeps anything), so that a time the service holds is the time it stored, and an answer built
/// from it agrees with every later read.
///
/// On a thread inside [`stamped_at`], the moment given there instead.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{DurationRound, TimeDelta};
    if let Some(at) = STAMP.with(std::cell::Cell::get) {
        return at;
    }
    let now = chrono::Utc::now().naive_utc();
    now.duration_trunc(TimeDelta::microseconds(1))
        .unwrap_or(now)
}

thread_local! {
    /// The moment this thread's writes are stamped with, while [`stamped_at`] runs.
    static STAMP: std::cell::Cell<Option<chrono::NaiveDateTime>> =
        const { std::cell::Cell::new(None) };
}

/// Runs `f` with every time this thread stamps ([`now`]: a submission, a decision, an audit
/// event, a ledger entry) set to `at` (UTC, as stored). Only the demo calls it
/// (`crate::demo`), to tell a past year step by step at the moments it happened; a write
/// runs on its caller's thread ([`group`]), so no other thread's stamps change.
pub fn stamped_at<T>(at: chrono::NaiveDateTime, f: impl FnOnce() -> T) -> T {
    struct Reset(Option<chrono::NaiveDateTime>);
    impl Drop for Reset {
        fn drop(&mut self) {
            STAMP.with(|s| s.set(self.0));
        }
    }
    let _reset = Reset(STAMP.with(|s| s.replace(Some(at))));
    f()
}

/// A migrated SQLite database of `size` connections in a directory of its own, for unit tests.
#[cfg(test)]
pub(crate) fn scratch(size: u32) -> (tempfile::TempDir, Pool) {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("scratch.db").to_string_lossy().to_string();
    let pool = pool(&url, size, 30_000).unwrap();
    migrate(&mut pool.get().unwrap()).unwrap();
    (dir, pool)
}

/// A write a unique index may refuse: `Err(Taken)` when it did, so the service names the
/// refusal (a second organisation of a code, an invoice already held) without matching diesel's
/// errors itself.
pub fn unique<T>(written: QueryResult<T>) -> QueryResult<Result<T, Taken>> {
    match written {
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(Err(Taken)),
        other => other.map(Ok),
    }
}

/// A unique index refused the write: the value is held by another row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken;

/// The database answers: the readiness probe's one statement.
pub fn ping(c: &mut DbConnection) -> QueryResult<()> {
    c.batch_execute("SELECT 1")
}

/// The PostgreSQL advisory lock start-up holds: a key no other code takes (the date of the first
/// migration, 2021-01-01, so it reads as this service's).
const STARTUP_LOCK: i64 = 20210101;

/// Takes (`hold`) or gives back the start-up lock, so instances starting together take turns
/// (PostgreSQL only; on SQLite this does nothing).
pub fn startup_lock(c: &mut DbConnection, hold: bool) -> QueryResult<()> {
    if c.backend() != Backend::Postgres {
        return Ok(());
    }
    let call = if hold {
        "pg_advisory_lock"
    } else {
        "pg_advisory_unlock"
    };
    c.batch_execute(&format!("SELECT {call}({STARTUP_LOCK})"))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use diesel::connection::InstrumentationEvent;

    use crate::domain::status::ClaimStatus;

    use super::*;

    /// A PostgreSQL URL gets the connection's time limits unless it sets them itself.
    #[test]
    fn postgres_urls_get_time_limits_they_do_not_set() {
        let plain = postgres_url("postgres://app@db:5432/baoxiao");
        assert_eq!(
            plain,
            "postgres://app@db:5432/baoxiao?connect_timeout=2&keepalives=1&keepalives_idle=5\
             &keepalives_interval=2&keepalives_count=3&tcp_user_timeout=5000\
             &options=-c%20statement_timeout%3D8000"
        );
        let own = postgres_url(
            "postgres://app@db/baoxiao?sslmode=require&connect_timeout=9&tcp_user_timeout=1000\
             &options=-c%20search_path%3Dx",
        );
        assert!(own.starts_with("postgres://app@db/baoxiao?sslmode=require&connect_timeout=9&"));
        assert_eq!(own.matches("connect_timeout=").count(), 1, "{own}");
        assert_eq!(own.matches("tcp_user_timeout=").count(), 1, "{own}");
        assert_eq!(own.matches("options=").count(), 1, "{own}");
        assert!(own.contains("&keepalives=1&"), "{own}");
    }

    /// A move of money on a line, and a claim's decision, are prepared once per connection, not
    /// once per run.
    #[test]
    fn money_writes_are_prepared_once_per_connection() {
        let (_dir, pool) = scratch(1);
        let mut c = pool.get().unwrap();
        let prepared = Arc::new(AtomicUsize::new(0));
        let counter = prepared.clone();
        c.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                if sql.starts_with("UPDATE") {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        for _ in 0..3 {
            budget::try_commit(&mut c, 1, 999_999, 100).unwrap();
        }
        assert_eq!(prepared.load(Ordering::SeqCst), 1);
        for _ in 0..3 {
            let change = (ClaimStatus::Submitted, ClaimStatus::Approved);
            let event = audit::NewEvent {
                org_id: 1,
                entity_type: "travel_claim",
                entity_id: 999_999,
                action: "approve",
                from_status: Some("submitted"),
                to_status: "approved",
                actor_id: 1,
                at: now(),
                note: None,
            };
            claims::mark(
                &mut c,
                999_999,
                change,
                &claims::Decided::Approved {
                    from: "finance",
                    to: None,
                },
                &event,
            )
            .unwrap();
        }
        assert_eq!(prepared.load(Ordering::SeqCst), 2);
    }
}
