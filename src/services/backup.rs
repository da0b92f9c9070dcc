//! `baoxiao backup` and `baoxiao restore` for the embedded SQLite database.
//!
//! A backup is a consistent snapshot taken while the server keeps serving (`VACUUM INTO`, never a
//! copy of the live file and its write-ahead log), written with mode 0600 and then checked: SQLite's
//! integrity check, the ledger replayed and every claim file's hash read again, as `baoxiao verify`
//! does. The files (R17) are rows of the database, so a copy of it carries them byte for byte. A restore goes only into an
//! empty data directory, so it can never overwrite books, and is checked the same way.
//!
//! On PostgreSQL the database server owns the data, and its own tools copy it consistently: both
//! commands refuse and name the `pg_dump` / `pg_restore` command instead of pretending.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use diesel::{Connection, SqliteConnection};

use crate::db::{self, backup as files, Backend, DbConnection};
use crate::error::AppError;

use super::attachments::{self, FileMismatch};
use super::budget::{self, Mismatch};
use super::verify::{verify_vouchers_on, VoucherMismatch};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Nothing was done, for the reason given (a PostgreSQL URL, a file in the way…).
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: {source}")]
    Open {
        path: PathBuf,
        source: diesel::ConnectionError,
    },
    #[error("{path}: {source}")]
    Sql {
        path: PathBuf,
        source: diesel::result::Error,
    },
    #[error("{path} failed SQLite's integrity check: {problems}")]
    Corrupt { path: PathBuf, problems: String },
    #[error("{path}: {source}")]
    Ledger { path: PathBuf, source: AppError },
}

/// What the check of a copy found: how many budget lines were replayed, and which differ; how
/// many claim files (R17) were read again, and which no longer match their size and hash; what
/// is wrong with its vouchers (R20: balanced, gapless, agreeing with the ledger).
#[derive(Debug)]
pub struct Checked {
    pub file: PathBuf,
    pub lines: usize,
    pub mismatches: Vec<Mismatch>,
    pub files: usize,
    pub file_mismatches: Vec<FileMismatch>,
    pub voucher_mismatches: Vec<VoucherMismatch>,
}

impl Checked {
    /// Whether the copy holds nothing wrong.
    pub fn clean(&self) -> bool {
        self.mismatches.is_empty()
            && self.file_mismatches.is_empty()
            && self.voucher_mismatches.is_empty()
    }
}

const PG_BACKUP: &str =
    "baoxiao backup copies the embedded SQLite database; this one is PostgreSQL, \
whose own tool takes a consistent copy while the service runs:\n  \
pg_dump --format=custom --file=";
const PG_RESTORE: &str =
    "baoxiao restore fills an embedded SQLite database; this one is PostgreSQL. \
Restore a pg_dump archive into an empty database, then run `baoxiao verify`:\n  \
pg_restore --no-owner --exit-on-error --dbname=\"$DATABASE_URL\" ";

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn sql_at(path: &Path) -> impl FnOnce(diesel::result::Error) -> BackupError + '_ {
    move |source| BackupError::Sql {
        path: path.to_path_buf(),
        source,
    }
}

/// `path` as a SQLite URI (`file:` with `?`, `#` and `%` escaped) with the given parameters.
fn uri(path: &Path, params: &str) -> String {
    let text = path
        .to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23");
    format!("file:{text}?{params}")
}

fn open(path: &Path, params: &str) -> Result<SqliteConnection, BackupError> {
    SqliteConnection::establish(&uri(path, params)).map_err(|source| BackupError::Open {
        path: path.to_path_buf(),
        source,
    })
}

/// `FILE.partial` beside `file`: the copy is written there and renamed once complete, so `file`
/// either does not exist or is a whole database.
fn partial_of(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    file.with_file_name(name)
}

/// An empty file only its owner can read (mode 0600), for `VACUUM INTO` to fill.
fn create_private(path: &Path) -> Result<(), BackupError> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => BackupError::Refused(format!(
                "{} exists (left by an interrupted backup or restore?); remove it and retry",
                path.display()
            )),
            _ => io_at(path)(e),
        })
}

/// Makes the finished copy durable under its final name.
fn publish(partial: &Path, file: &Path) -> Result<(), BackupError> {
    File::open(partial)
        .and_then(|f| f.sync_all())
        .map_err(io_at(partial))?;
    fs::rename(partial, file).map_err(io_at(file))?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_at(dir))?;
    }
    Ok(())
}

/// Opens `file` read-only, runs SQLite's integrity check and replays the ledger.
pub fn check(file: &Path) -> Result<Checked, BackupError> {
    let mut conn = open(file, "mode=ro")?;
    let problems = files::integrity_problems(&mut conn).map_err(sql_at(file))?;
    if !problems.is_empty() {
        return Err(BackupError::Corrupt {
            path: file.to_path_buf(),
            problems: problems.join("; "),
        });
    }
    // A backup taken before files existed has no table of them (a restore adds it).
    let has_files = files::has_table(&mut conn, "claim_attachments").map_err(sql_at(file))?;
    let has_vouchers = files::has_table(&mut conn, "vouchers").map_err(sql_at(file))?;
    let mut conn = DbConnection::Sqlite(conn);
    let ledger = |source| BackupError::Ledger {
        path: file.to_path_buf(),
        source,
    };
    let (lines, mismatches) = budget::verify_on(&mut conn).map_err(ledger)?;
    let (files, file_mismatches) = if has_files {
        attachments::verify_on(&mut conn).map_err(ledger)?
    } else {
        (0, Vec::new())
    };
    let voucher_mismatches = if has_vouchers {
        verify_vouchers_on(&mut conn).map_err(ledger)?
    } else {
        Vec::new()
    };
    Ok(Checked {
        file: file.to_path_buf(),
        lines,
        mismatches,
        files,
        file_mismatches,
        voucher_mismatches,
    })
}

/// `baoxiao backup --to FILE`: a consistent copy of the database at `url` while it serves.
pub fn backup(url: &str, busy_timeout_ms: u32, to: &Path) -> Result<Checked, BackupError> {
    if Backend::of_url(url) == Backend::Postgres {
        return Err(BackupError::Refused(format!(
            "{PG_BACKUP}{} \"$DATABASE_URL\"",
            to.display()
        )));
    }
    let source = Path::new(url);
    if !source.is_file() {
        return Err(BackupError::Refused(format!(
            "there is no database at {url} to back up"
        )));
    }
    if to.exists() {
        return Err(BackupError::Refused(format!(
            "{} exists; a backup never overwrites a file",
            to.display()
        )));
    }
    let partial = partial_of(to);
    create_private(&partial)?;
    let result = (|| {
        let mut conn = open(source, "mode=ro")?;
        files::busy_timeout(&mut conn, busy_timeout_ms).map_err(sql_at(source))?;
        files::vacuum_into(&mut conn, &partial.to_string_lossy()).map_err(sql_at(&partial))?;
        drop(conn);
        check(&partial)?;
        publish(&partial, to)?;
        check(to)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
}

/// True when `dir` does not exist or has no entries.
fn is_empty_dir(dir: &Path) -> Result<bool, BackupError> {
    match fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io_at(dir)(e)),
    }
}

/// `baoxiao restore --from FILE`: the backup becomes the database at `url`, in the empty data
/// directory `data_dir`; pending migrations are applied (as a start would) and the result checked.
pub fn restore(url: &str, data_dir: &Path, from: &Path) -> Result<Checked, BackupError> {
    if Backend::of_url(url) == Backend::Postgres {
        return Err(BackupError::Refused(format!(
            "{PG_RESTORE}{}",
            from.display()
        )));
    }
    if !from.is_file() {
        return Err(BackupError::Refused(format!(
            "there is no backup file at {}",
            from.display()
        )));
    }
    if !is_empty_dir(data_dir)? {
        return Err(BackupError::Refused(format!(
            "the data directory {} is not empty; restore only into an empty one, so that no \
             books are overwritten (move it aside first)",
            data_dir.display()
        )));
    }
    let target = Path::new(url);
    if target.exists() {
        return Err(BackupError::Refused(format!(
            "a database already exists at {url}; restore only where there is none"
        )));
    }
    // SQLite would replay a log left by an earlier database at this path into the restored one,
    // and corrupt it. The log may hold that database's last changes, so it is not removed here.
    if let Some(leftover) = sidecars(target).into_iter().find(|f| f.exists()) {
        return Err(BackupError::Refused(format!(
            "{} is left from an earlier database at {url}: SQLite would replay it into the \
             restored one. Move it aside (it may hold that database's last changes) and retry",
            leftover.display()
        )));
    }
    check(from)?;
    fs::create_dir_all(data_dir).map_err(io_at(data_dir))?;
    fs::set_permissions(data_dir, fs::Permissions::from_mode(0o700)).map_err(io_at(data_dir))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io_at(dir))?;
    }
    // The copy is made whole (migrated and checked) under its partial name, and only then
    // renamed into place: a failure at any step leaves nothing at `url`, and a retry may begin.
    let partial = partial_of(target);
    create_private(&partial)?;
    // The logs of a partial copy that no longer exists can only be an interrupted restore's.
    remove_sidecars(&partial);
    let result = (|| {
        let mut conn = open(from, "mode=ro")?;
        files::vacuum_into(&mut conn, &partial.to_string_lossy()).map_err(sql_at(&partial))?;
        drop(conn);
        let mut conn = DbConnection::Sqlite(open(&partial, "mode=rw")?);
        db::migrate(&mut conn).map_err(|e| BackupError::Refused(format!("migrations: {e}")))?;
        drop(conn);
        let checked = check(&partial)?;
        // Every change is in the file itself once its last connection has closed; an index of
        // the log may remain, which must not sit beside the file under another name.
        let [wal, ..] = sidecars(&partial);
        if fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
            return Err(BackupError::Refused(format!(
                "{} was not folded into the restored copy",
                wal.display()
            )));
        }
        remove_sidecars(&partial);
        publish(&partial, target)?;
        Ok(Checked {
            file: target.to_path_buf(),
            ..checked
        })
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
        remove_sidecars(&partial);
    }
    result
}

/// SQLite's logs beside a database file: `FILE-wal`, `FILE-shm` and `FILE-journal`.
fn sidecars(file: &Path) -> [PathBuf; 3] {
    ["-wal", "-shm", "-journal"].map(|suffix| {
        let mut name = file.file_name().unwrap_or_default().to_os_string();
        name.push(suffix);
        file.with_file_name(name)
    })
}

fn remove_sidecars(file: &Path) {
    for log in sidecars(file) {
        let _ = fs::remove_file(log);
    }
}
