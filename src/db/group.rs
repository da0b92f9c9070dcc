//! Group commit: write transactions that arrive together share one database transaction and
//! one durable commit (one fsync), each inside its own savepoint.
//!
//! There is no writer thread and no queue. Each request runs its own work, on its own thread,
//! on the lane's connection, which a mutex hands to one request at a time:
//!
//! 1. The first request to take the lane opens the batch (`BEGIN IMMEDIATE` on SQLite).
//! 2. Each request runs inside a savepoint. A request that fails (a refused approval, say) is
//!    rolled back to its savepoint: it changes nothing, and the others are unaffected.
//! 3. A request that finds nobody waiting for the lane (or the batch full) commits the batch and
//!    wakes its members; otherwise it hands the lane to the next request and waits.
//! 4. Every member returns only once the batch's commit has returned: an answer is never sent for
//!    work that is not durable. If the commit fails, every member fails, refused ones included
//!    (their refusal may have rested on work that did not commit).
//!
//! Requests that arrive while a batch commits wait for the lane, and form the next batch: the
//! busier the service, the more requests share each fsync, with no timer and no added latency
//! when it is quiet. Every request still sees the effects of those before it in the batch, as if
//! they had run one after the other, and every check stays a conditional write in the database.
//!
//! On PostgreSQL a batch also holds its row locks for the whole batch. A request that is not the
//! first of its batch therefore never waits for a lock (`lock_timeout`): if a row it needs is
//! held elsewhere, the batch is committed without it, and it runs again as the first of the
//! next. Only a first request waits for locks, holding none taken by others' work, so batches
//! of several processes cannot wait on each other in a cycle through their later members. Two
//! first requests whose own work locks the same rows in opposite orders still can (approvals
//! whose claims and travel requests cross lines of one tree): PostgreSQL ends one of them, which
//! is undone and runs again, first in the next batch, once the other has had its turn.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::ManageConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::RunQueryDsl;

use super::{DbConnection, Manager};

/// The most requests one batch takes before it commits, so that a steady stream still commits.
const MAX_BATCH: usize = 64;

/// How long a later member of a PostgreSQL batch may wait for a row lock before the batch
/// commits without it (it then runs again, first in the next batch).
const LATER_LOCK_TIMEOUT: &str = "SET LOCAL lock_timeout = '2ms'";

/// Each member's work runs after this savepoint. Savepoints of one name stack: rolling back to
/// it undoes only the latest member's work, and the savepoints of the members before it (on
/// PostgreSQL, where they are kept) stay, to be committed with the batch. They are taken by name,
/// beside diesel's own transaction depth (which stays at the batch's), so that each costs one
/// statement: on PostgreSQL sent with the one before it where there is one (`BEGIN`, the lock
/// timeout); on SQLite prepared once ([`Member`]).
const SAVEPOINT: &str = "SAVEPOINT member";
const UNDO: &str = "ROLLBACK TO SAVEPOINT member";
const RELEASE_SAVEPOINT: &str = "RELEASE SAVEPOINT member";

/// A member's savepoint taken ([`TAKE`]) or released ([`RELEASE`]) on SQLite, as a statement
/// each connection prepares once: `batch_execute` prepares its text anew on every call, and
/// every member of a batch takes and releases one.
struct Member<const WHICH: bool>;
const TAKE: bool = true;
const RELEASE: bool = false;

impl<const WHICH: bool> diesel::query_builder::QueryId for Member<WHICH> {
    type QueryId = Self;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const WHICH: bool> diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite>
    for Member<WHICH>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> diesel::QueryResult<()> {
        out.push_sql(if WHICH == TAKE {
            SAVEPOINT
        } else {
            RELEASE_SAVEPOINT
        });
        Ok(())
    }
}

impl<const WHICH: bool, C> RunQueryDsl<C> for Member<WHICH> {}

/// An error that may say the work met a row locked elsewhere and waited no longer, or was ended
/// by the database to break a cycle of lock waits.
pub trait LockWait {
    fn lock_timed_out(&self) -> bool;

    fn deadlocked(&self) -> bool {
        false
    }
}

/// The group committer of one pool: one lane, with a connection of its own (not the pool's: the
/// requests waiting for the lane may hold every pooled connection).
pub struct GroupCommit {
    manager: Manager,
    lane: Mutex<Lane>,
    /// Requests waiting to take the lane: while there are some, a finished request leaves the
    /// batch open for them.
    waiting: AtomicUsize,
}

#[derive(Default)]
struct Lane {
    conn: Option<DbConnection>,
    open: Option<Arc<Batch>>,
    /// What the open batch's members have kept ([`Kept`]).
    kept: Vec<(&'static str, i64)>,
    /// The open PostgreSQL batch already waits no longer than [`LATER_LOCK_TIMEOUT`] for a lock.
    later: bool,
}

/// Facts a member's work established under a lock its batch holds until it commits (that a
/// user is not revoked, say, read with a share lock on the user's row): a later member of the
/// same batch may rely on them without reading them again. Only the facts of work that stays
/// are kept; work undone to its savepoint gave up its locks with it.
pub struct Kept {
    batch: Vec<(&'static str, i64)>,
    /// How many of the last entries of `batch` this member added.
    mine: usize,
}

impl Kept {
    /// True when a member of this batch before this one kept `fact` of `id`.
    pub fn has(&self, fact: &'static str, id: i64) -> bool {
        self.batch.contains(&(fact, id))
    }

    /// Keeps `fact` of `id` for the rest of the batch, if this member's work stays.
    pub fn keep(&mut self, fact: &'static str, id: i64) {
        if !self.has(fact, id) {
            self.batch.push((fact, id));
            self.mine += 1;
        }
    }
}

/// One batch's outcome, which its members wait for.
#[derive(Default)]
struct Batch {
    members: AtomicUsize,
    outcome: Mutex<Option<Result<(), (DatabaseErrorKind, String)>>>,
    done: Condvar,
}

impl Batch {
    fn finish(&self, outcome: Result<(), (DatabaseErrorKind, String)>) {
        *lock(&self.outcome) = Some(outcome);
        self.done.notify_all();
    }

    fn wait(&self) -> Result<(), DieselError> {
        let guard = lock(&self.outcome);
        let guard = self
            .done
            .wait_while(guard, |o| o.is_none())
            .unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            Some(Err((kind, message))) => {
                Err(DieselError::DatabaseError(*kind, Box::new(message.clone())))
            }
            _ => Ok(()),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn failure(error: &DieselError) -> (DatabaseErrorKind, String) {
    match error {
        DieselError::DatabaseError(kind, info) => (*kind, info.message().to_string()),
        other => (DatabaseErrorKind::Unknown, other.to_string()),
    }
}

/// What became of one request's work in the batch.
enum Ran<T, E> {
    Done(Result<T, E>),
    /// A later member found a row locked elsewhere, or a first one was ended to break a lock
    /// cycle: run it again in the next batch.
    Again,
}

impl GroupCommit {
    pub fn backend(&self) -> super::Backend {
        self.manager.backend
    }

    pub fn new(manager: Manager) -> GroupCommit {
        GroupCommit {
            manager,
            lane: Mutex::new(Lane::default()),
            waiting: AtomicUsize::new(0),
        }
    }

    /// Runs `f` in a write transaction shared with the requests that arrive with it, and returns
    /// its result once that transaction has committed (or failed).
    pub fn run<T, E, F>(&self, mut f: F) -> Result<T, E>
    where
        F: FnMut(&mut DbConnection, &mut Kept) -> Result<T, E>,
        E: From<DieselError> + LockWait,
    {
        loop {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let mut lane = lock(&self.lane);
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            let (batch, ran) = self.run_in(&mut lane, &mut f)?;
            let last = self.waiting.load(Ordering::SeqCst) == 0
                || batch.members.load(Ordering::SeqCst) >= MAX_BATCH
                || matches!(ran, Ran::Again);
            if last {
                self.commit(&mut lane, &batch);
            }
            drop(lane);
            let committed = batch.wait();
            match ran {
                Ran::Again => continue,
                Ran::Done(Err(error)) => return Err(committed.err().map_or(error, E::from)),
                Ran::Done(Ok(value)) => return committed.map(|()| value).map_err(E::from),
            }
        }
    }

    /// A new connection for the lane. One that cannot be opened is treated as a lost one: 503,
    /// and a retry.
    fn open_lane(&self) -> Result<DbConnection, DieselError> {
        let opened = self.manager.connect().and_then(|mut conn| {
            // SQLite copies each page a member writes again into its savepoint's statement
            // journal, which spills to a temporary file past 64 KiB unless temporary data stays
            // in memory: about 4% of an approval's time, in the lane. The journal only undoes a
            // savepoint; crash recovery is the WAL's.
            if let DbConnection::Sqlite(c) = &mut conn {
                c.batch_execute("PRAGMA temp_store = MEMORY")
                    .map_err(diesel::r2d2::Error::QueryError)?;
            }
            Ok(conn)
        });
        opened.map_err(|e| {
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, Box::new(e.to_string()))
        })
    }

    /// Runs `f` inside a savepoint of the open batch, opening one if there is none.
    #[allow(clippy::type_complexity)]
    fn run_in<T, E, F>(&self, lane: &mut Lane, f: &mut F) -> Result<(Arc<Batch>, Ran<T, E>), E>
    where
        F: FnMut(&mut DbConnection, &mut Kept) -> Result<T, E>,
        E: From<DieselError> + LockWait,
    {
        if lane.conn.is_none() {
            lane.conn = Some(self.open_lane()?);
        }
        let Some(conn) = lane.conn.as_mut() else {
            unreachable!("the lane's connection was just set")
        };
        let first = lane.open.is_none();
        if first {
            if let Err(error) = begin(conn) {
                lane.conn = None;
                return Err(error.into());
            }
            lane.open = Some(Arc::new(Batch::default()));
            lane.later = false;
            lane.kept.clear();
        }
        let batch = lane.open.clone().unwrap_or_default();
        batch.members.fetch_add(1, Ordering::SeqCst);
        // A later PostgreSQL member's lock timeout is set once per batch, before the savepoint of
        // the first member that needs it, so that it holds for every later member whatever
        // becomes of this one's work.
        let savepoint = match conn {
            DbConnection::Postgres(c) if !first && !lane.later => {
                c.batch_execute(&format!("{LATER_LOCK_TIMEOUT}; {SAVEPOINT}"))
            }
            _ if first => Ok(()), // `begin` took it
            DbConnection::Postgres(c) => c.batch_execute(SAVEPOINT),
            DbConnection::Sqlite(c) => Member::<TAKE>.execute(c).map(drop),
        };
        lane.later |= !first;
        if let Err(error) = savepoint {
            self.abandon(lane, &batch, &error);
            return Ok((batch, Ran::Done(Err(error.into()))));
        }
        let mut kept = Kept {
            batch: std::mem::take(&mut lane.kept),
            mine: 0,
        };
        let result = catch_unwind(AssertUnwindSafe(|| f(conn, &mut kept)));
        // What the work kept stays kept only if the work stays: undone, it holds no lock.
        if !matches!(result, Ok(Ok(_))) {
            kept.batch.truncate(kept.batch.len() - kept.mine);
        }
        lane.kept = kept.batch;
        // Work that failed is undone. Work that succeeded keeps its savepoint on PostgreSQL until
        // the batch commits: releasing it would cost a round trip, and change nothing. SQLite
        // releases it, in process: while a savepoint is open, each page written again is copied
        // to a statement journal, which spills to a file past 64 KiB (BENCHMARKS.md, "Figures
        // behind the code": kept savepoints slowed approvals).
        let kept = match (&result, &mut *conn) {
            (Ok(Ok(_)), DbConnection::Postgres(_)) => Ok(()),
            (Ok(Ok(_)), DbConnection::Sqlite(c)) => Member::<RELEASE>.execute(c).map(drop),
            _ => conn.batch_execute(UNDO),
        };
        if let Err(error) = kept {
            self.abandon(lane, &batch, &error);
        }
        match result {
            // A later member that met a lock runs again, first in the next batch; so does a first
            // member that PostgreSQL ended to break a lock cycle (only a first member waits for
            // locks long enough to be in one), once the other side has had its turn.
            Ok(Err(error)) if error.deadlocked() || (!first && error.lock_timed_out()) => {
                Ok((batch, Ran::Again))
            }
            Ok(Err(error)) => Ok((batch, Ran::Done(Err(error)))),
            Ok(Ok(value)) => Ok((batch, Ran::Done(Ok(value)))),
            Err(panic) => {
                // The work is undone; the batch goes on without it.
                self.commit(lane, &batch);
                resume_unwind(panic)
            }
        }
    }

    /// Commits the open batch and wakes its members.
    fn commit(&self, lane: &mut Lane, batch: &Batch) {
        if lane.open.is_none() {
            return;
        }
        let outcome = match lane.conn.as_mut() {
            Some(conn) => direct!(conn, c => AnsiTransactionManager::commit_transaction(c)),
            None => Err(DieselError::BrokenTransactionManager),
        };
        lane.open = None;
        if outcome.is_err() {
            lane.conn = None;
        }
        batch.finish(outcome.map_err(|e| failure(&e)));
    }

    /// The batch cannot go on (a savepoint could not be taken or undone): everything in it is
    /// rolled back, its members fail, and the connection is not used again.
    fn abandon(&self, lane: &mut Lane, batch: &Batch, error: &DieselError) {
        if let Some(conn) = lane.conn.as_mut() {
            while direct!(&mut *conn, c => AnsiTransactionManager::transaction_manager_status_mut(c)
                .transaction_depth())
            .ok()
            .flatten()
            .is_some()
            {
                if direct!(&mut *conn, c => AnsiTransactionManager::rollback_transaction(c))
                    .is_err()
                {
                    break;
                }
            }
        }
        lane.conn = None;
        lane.open = None;
        batch.finish(Err(failure(error)));
    }
}

/// Opens a batch with its first member's savepoint, in one round trip.
fn begin(conn: &mut DbConnection) -> Result<(), DieselError> {
    let begin = match conn {
        DbConnection::Sqlite(_) => "BEGIN IMMEDIATE",
        DbConnection::Postgres(_) => "BEGIN",
    };
    let sql = format!("{begin}; {SAVEPOINT}");
    direct!(conn, c => AnsiTransactionManager::begin_transaction_sql(c, &sql))
}

#[cfg(test)]
mod tests {
    use std::sync::Barrier;

    use diesel::prelude::*;

    use super::*;
    use crate::db::{pool, Pool};

    #[derive(Debug)]
    enum Refused {
        Db(String),
        No,
    }

    impl From<DieselError> for Refused {
        fn from(e: DieselError) -> Self {
            Refused::Db(e.to_string())
        }
    }

    impl LockWait for Refused {
        fn lock_timed_out(&self) -> bool {
            false
        }
    }

    fn database() -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("group.db").to_string_lossy().to_string();
        let pool = pool(&url, 4, 30_000).unwrap();
        pool.get()
            .unwrap()
            .batch_execute("CREATE TABLE done (n INTEGER PRIMARY KEY)")
            .unwrap();
        (dir, pool)
    }

    fn insert(c: &mut DbConnection, n: i64) -> Result<(), Refused> {
        diesel::sql_query(format!("INSERT INTO done (n) VALUES ({n})")).execute(c)?;
        Ok(())
    }

    /// The `n` column of the rows `query` selects.
    fn numbers(c: &mut DbConnection, query: &str) -> Vec<i64> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(query)
            .load::<Row>(c)
            .unwrap()
            .into_iter()
            .map(|r| r.n)
            .collect()
    }

    fn stored(pool: &Pool) -> Vec<i64> {
        let mut c = pool.get().unwrap();
        numbers(&mut c, "SELECT n FROM done ORDER BY n")
    }

    /// The suite's PostgreSQL database (`BAOXIAO_TEST_DATABASE_URL`), or `None` after saying
    /// loudly that `what` goes untested: SQLite has no row locks.
    fn postgres(what: &str) -> Option<String> {
        let url = std::env::var("BAOXIAO_TEST_DATABASE_URL").ok();
        if url.is_none() {
            eprintln!("SKIPPED: {what} needs BAOXIAO_TEST_DATABASE_URL (PostgreSQL)");
        }
        url
    }

    /// A table of two rows `(id, n)`, `(1, 0)` and `(2, 0)`, named for its test and this process.
    struct TwoRows(String);

    impl TwoRows {
        fn new(c: &mut DbConnection, name: &str) -> TwoRows {
            let rows = TwoRows(format!("{name}_{}", std::process::id()));
            for statement in [
                "DROP TABLE IF EXISTS {t}",
                "CREATE TABLE {t} (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)",
                "INSERT INTO {t} VALUES (1, 0), (2, 0)",
            ] {
                rows.sql(c, statement).unwrap();
            }
            rows
        }

        /// Runs `text`, in which `{t}` names the table.
        fn sql(&self, c: &mut DbConnection, text: &str) -> Result<usize, crate::error::AppError> {
            Ok(diesel::sql_query(text.replace("{t}", &self.0)).execute(c)?)
        }

        /// `n` of row 1 and of row 2; the table is dropped.
        fn end(self, c: &mut DbConnection) -> Vec<i64> {
            let n = numbers(c, &format!("SELECT n FROM {} ORDER BY id", self.0));
            self.sql(c, "DROP TABLE {t}").unwrap();
            n
        }
    }

    /// SQLite: the lane's connection keeps temporary data, and so each member's savepoint
    /// journal, in memory; the pool's readers keep the default, and may spill a large sort.
    #[test]
    fn the_lane_keeps_its_savepoint_journals_in_memory() {
        let (_dir, pool) = database();
        let query = "SELECT temp_store AS n FROM pragma_temp_store()";
        let lane = pool
            .write(|c, _| Ok::<_, Refused>(numbers(c, query)))
            .unwrap();
        assert_eq!(lane, [2], "MEMORY");
        let mut reader = pool.get().unwrap();
        assert_eq!(numbers(&mut reader, query), [0], "the default");
    }

    /// Writes that arrive together: each odd one writes and then refuses. Every even one is
    /// committed and visible once its call returns; no odd one leaves anything behind.
    #[test]
    fn a_refused_write_changes_nothing_and_the_others_commit() {
        let (_dir, pool) = database();
        let start = Barrier::new(16);
        let results: Vec<(i64, bool)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..16i64)
                .map(|n| {
                    let (pool, start) = (&pool, &start);
                    s.spawn(move || {
                        start.wait();
                        let result = pool.write(|c, _| {
                            insert(c, n)?;
                            if n % 2 == 1 {
                                return Err(Refused::No);
                            }
                            Ok(())
                        });
                        // What a caller was told is already durable and visible to others.
                        if result.is_ok() {
                            assert!(stored(pool).contains(&n));
                        }
                        if let Err(Refused::Db(e)) = &result {
                            panic!("write {n}: {e}");
                        }
                        (n, result.is_ok())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a writer panicked"))
                .collect()
        });
        for (n, ok) in &results {
            assert_eq!(*ok, n % 2 == 0, "write {n}");
        }
        assert_eq!(stored(&pool), (0..16).step_by(2).collect::<Vec<_>>());
    }

    /// Each write sees those before it in its batch, as if they had run one after the other: a
    /// second write of the same key is refused by the unique key, and only that write is undone.
    #[test]
    fn later_writes_see_earlier_ones_in_the_same_batch() {
        let (_dir, pool) = database();
        let start = Barrier::new(8);
        let accepted: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (pool, start) = (&pool, &start);
                    s.spawn(move || {
                        start.wait();
                        pool.write(|c, _| insert(c, 7)).is_ok()
                    })
                })
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().ok())
                .filter(|ok| *ok)
                .count()
        });
        assert_eq!(accepted, 1);
        assert_eq!(stored(&pool), vec![7]);
    }

    /// What a member keeps is seen by the later members of its batch, unless its work was undone,
    /// and by no member of a later batch.
    #[test]
    fn a_kept_fact_lasts_while_its_work_and_its_batch_do() {
        let (_dir, pool) = database();
        let inside = AtomicUsize::new(0);
        // The `n`th write starts once the one before it is inside the lane, and all but the last
        // hold the batch open until the next one waits for it: the three share one batch.
        let write = |n: usize, fact: &'static str| {
            while inside.load(Ordering::SeqCst) < n {
                std::thread::yield_now();
            }
            pool.write(|c, kept| {
                inside.fetch_add(1, Ordering::SeqCst);
                let seen = (kept.has("kept", 1), kept.has("undone", 1));
                insert(c, i64::try_from(n).unwrap_or(i64::MAX))?;
                kept.keep(fact, 1);
                if n < 2 {
                    while pool.group.waiting.load(Ordering::SeqCst) == 0 {
                        std::thread::yield_now();
                    }
                }
                match fact {
                    "undone" => Err(Refused::No),
                    _ => Ok(seen),
                }
            })
        };
        let (first, undone, last) = std::thread::scope(|s| {
            let first = s.spawn(|| write(0, "kept"));
            let undone = s.spawn(|| write(1, "undone"));
            let last = s.spawn(|| write(2, "last"));
            let join =
                |h: std::thread::ScopedJoinHandle<'_, _>| h.join().expect("a writer panicked");
            (join(first), join(undone), join(last))
        });
        assert!(matches!(first, Ok((false, false))), "{first:?}");
        assert!(matches!(undone, Err(Refused::No)), "{undone:?}");
        assert!(
            matches!(last, Ok((true, false))),
            "the last write saw the fact of the work that stayed, not of the work undone: {last:?}"
        );
        assert_eq!(stored(&pool), vec![0, 2]);
        let later = pool.write(|_, kept| Ok::<_, Refused>(kept.has("kept", 1)));
        assert!(
            matches!(later, Ok(false)),
            "a later batch starts with nothing kept"
        );
    }

    /// A write that panics is undone; the lane goes on serving the next ones.
    #[test]
    fn a_panicking_write_is_undone_and_the_lane_goes_on() {
        let (_dir, pool) = database();
        let panicked = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let _ = pool.write(|c, _| -> Result<(), Refused> {
                insert(c, 1)?;
                panic!("a bug in a use case");
            });
        }));
        assert!(panicked.is_err());
        pool.write(|c, _| insert(c, 2)).unwrap();
        assert_eq!(stored(&pool), vec![2]);
    }

    /// PostgreSQL: the first writes of two processes' batches lock two rows in opposite orders.
    /// PostgreSQL ends one of them to break the cycle; it is undone and runs again once the
    /// other has committed, and both commit, instead of one failing. Needs
    /// `BAOXIAO_TEST_DATABASE_URL`; on SQLite, which has no row locks, it says so and passes.
    #[test]
    fn a_write_ended_to_break_a_lock_cycle_runs_again() {
        let Some(url) = postgres("the lock-cycle re-run") else {
            return;
        };
        // Two server processes on one database: a pool, and so a lane, each.
        let (one, other) = (
            pool(&url, 2, 30_000).unwrap(),
            pool(&url, 2, 30_000).unwrap(),
        );
        let mut setup = one.get().unwrap();
        let rows = TwoRows::new(&mut setup, "group_cycle");
        let sql = |c: &mut DbConnection, text: &str| rows.sql(c, text);
        let both_hold_one = Barrier::new(2);
        let runs = AtomicUsize::new(0);
        // Each locks one row, waits until the other holds the other row, then takes it.
        let crossed = |pool: &Pool, first: i64, second: i64| {
            let mut waited = false;
            pool.write(|c, _| {
                runs.fetch_add(1, Ordering::SeqCst);
                sql(c, &format!("UPDATE {{t}} SET n = n + 1 WHERE id = {first}"))?;
                if !std::mem::replace(&mut waited, true) {
                    both_hold_one.wait();
                }
                sql(
                    c,
                    &format!("UPDATE {{t}} SET n = n + 1 WHERE id = {second}"),
                )
            })
        };
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| crossed(&one, 1, 2));
            let b = s.spawn(|| crossed(&other, 2, 1));
            (a.join().expect("a panicked"), b.join().expect("b panicked"))
        });
        assert_eq!((a.ok(), b.ok()), (Some(1), Some(1)), "both commit");
        // At least one ran again; a write run again may meet the other in a cycle once more (its
        // first lock taken before the other's wait was granted), and run once more.
        assert!(runs.load(Ordering::SeqCst) >= 3, "one of them ran again");
        assert_eq!(
            rows.end(&mut setup),
            vec![2, 2],
            "each row moved once per write, not by the undone run"
        );
    }

    /// PostgreSQL: a later member of a batch that meets a row locked elsewhere does not wait. The
    /// batch commits without it, and it runs again, first in the next batch, where it waits for
    /// the lock like any single transaction, and commits. Needs `BAOXIAO_TEST_DATABASE_URL` (the
    /// PostgreSQL suite); on SQLite, which has no row locks, it says so and passes.
    #[test]
    fn a_later_member_meeting_a_lock_runs_again_first_in_the_next_batch() {
        let Some(url) = postgres("the lock-timeout re-run") else {
            return;
        };
        use crate::error::AppError;
        let pool = pool(&url, 4, 30_000).unwrap();
        let mut other = pool.get().unwrap();
        let rows = TwoRows::new(&mut other, "group_again");
        let sql = |c: &mut DbConnection, text: &str| rows.sql(c, text);
        // Another session (another instance, say) holds row 1. Were the later write to wait for
        // it, the test would fail rather than hang: the server ends that session after 10 s.
        sql(
            &mut other,
            "SET idle_in_transaction_session_timeout = '10s'",
        )
        .and_then(|_| sql(&mut other, "BEGIN"))
        .and_then(|_| sql(&mut other, "UPDATE {t} SET n = n + 1 WHERE id = 1"))
        .unwrap();
        let attempts = AtomicUsize::new(0);
        let inside = std::sync::atomic::AtomicBool::new(false);
        let (first, later) = std::thread::scope(|s| {
            let first = s.spawn(|| {
                pool.write(|c, _| {
                    sql(c, "UPDATE {t} SET n = n + 1 WHERE id = 2")?;
                    inside.store(true, Ordering::SeqCst);
                    // Keep the batch open until the later write waits for the lane.
                    while pool.group.waiting.load(Ordering::SeqCst) == 0 {
                        std::thread::yield_now();
                    }
                    Ok::<_, AppError>(())
                })
            });
            let later = s.spawn(|| {
                while !inside.load(Ordering::SeqCst) {
                    std::thread::yield_now();
                }
                pool.write(|c, _| {
                    attempts.fetch_add(1, Ordering::SeqCst);
                    sql(c, "UPDATE {t} SET n = n + 10 WHERE id = 1")
                })
            });
            let first = first.join().expect("first panicked");
            // The first batch has committed, without the later write: the lock may go now.
            sql(&mut other, "COMMIT").unwrap();
            (first, later.join().expect("later panicked"))
        });
        assert!(first.is_ok(), "{first:?}");
        assert_eq!(
            later.ok(),
            Some(1),
            "the later write commits on its second run"
        );
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            2,
            "timed out once, then ran again"
        );
        assert_eq!(rows.end(&mut other), vec![11, 1]);
    }
}
