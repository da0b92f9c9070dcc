//! Start-up: migrations, the default data on an empty database, and the first admin.
//!
//! A door, like the API: it reads files shaped as the API's request bodies, parses them with
//! [`crate::wire`] and hands the services their inputs.
//!
//! The default data (budget-2021.md) comes from files under `config/default-data/`; a copy of
//! those files is built into the binary for when it runs away from the source tree. It is loaded
//! only into a database with no organisation, so it never overwrites live data.

use std::path::Path;

use serde::Deserialize;
use validator::Validate;

use crate::auth::{new_token, token_hash, Role};
use crate::db::{self, duty as stations, orgs, users, write_tx, DbConnection, Pool};
use crate::domain::policy::Policy;
use crate::error::{AppError, AppResult};
use crate::wire::{flatten_validation, AmountInput, LineBody, PolicyBody, TargetBody};

use crate::services::budget::{insert_line, NewLineSpec};
use crate::services::{conn, policy};

#[derive(Deserialize)]
struct OrgFile {
    code: String,
    name: String,
}

#[derive(Deserialize)]
struct BudgetFile {
    year: i32,
    lines: Vec<BudgetLineSeed>,
}

#[derive(Deserialize)]
struct BudgetLineSeed {
    code: String,
    name: String,
    parent_code: Option<String>,
    allocated: AmountInput,
}

#[derive(Deserialize)]
struct StationsFile {
    stations: Vec<StationSeed>,
}

#[derive(Deserialize)]
struct StationSeed {
    name: String,
    city: String,
    budget_line_code: String,
    year: i32,
}

const FILES: [(&str, &str); 5] = [
    (
        "organisation.toml",
        include_str!("../config/default-data/organisation.toml"),
    ),
    (
        "budget-2021.toml",
        include_str!("../config/default-data/budget-2021.toml"),
    ),
    (
        "policy-2021.toml",
        include_str!("../config/default-data/policy-2021.toml"),
    ),
    (
        "duty-stations.toml",
        include_str!("../config/default-data/duty-stations.toml"),
    ),
    (
        "performance-2021.toml",
        include_str!("../config/default-data/performance-2021.toml"),
    ),
];

#[derive(Deserialize)]
struct TargetsFile {
    year: i32,
    targets: Vec<TargetBody>,
}

/// Loads the default performance targets for the default organisation when it has none (so a
/// database made before targets existed gets them too; stored targets are never overwritten).
fn load_default_targets(c: &mut DbConnection, dir: &Path) -> AppResult<()> {
    let org: OrgFile = parse(dir, "organisation.toml")?;
    let Some(org) = orgs::find_by_code(c, &org.code)? else {
        return Ok(());
    };
    let file: TargetsFile = parse(dir, "performance-2021.toml")?;
    if !db::reports::targets(c, org.id, file.year)?.is_empty() {
        return Ok(());
    }
    let targets = crate::services::reports::Targets::try_from(file.targets)?;
    let rows = crate::services::reports::target_rows(org.id, file.year, &targets);
    write_tx(c, |c| {
        Ok::<_, AppError>(db::reports::replace_targets(c, org.id, file.year, &rows)?)
    })
}

fn read(dir: &Path, name: &str) -> AppResult<String> {
    match std::fs::read_to_string(dir.join(name)) {
        Ok(text) => Ok(text),
        Err(_) => FILES
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, text)| text.to_string())
            .ok_or_else(|| AppError::Internal(format!("default data file {name} missing"))),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(dir: &Path, name: &str) -> AppResult<T> {
    toml::from_str(&read(dir, name)?).map_err(|e| AppError::Internal(format!("{name}: {e}")))
}

/// Loads the default data into an empty database; returns whether it did.
fn load_default_data(c: &mut DbConnection, dir: &Path) -> AppResult<bool> {
    if !orgs::all(c)?.is_empty() {
        return Ok(false);
    }
    let org: OrgFile = parse(dir, "organisation.toml")?;
    let budget: BudgetFile = parse(dir, "budget-2021.toml")?;
    let policy_body: PolicyBody = parse(dir, "policy-2021.toml")?;
    let stations_file: StationsFile = parse(dir, "duty-stations.toml")?;
    policy_body
        .validate()
        .map_err(|e| AppError::Validation(flatten_validation(&e)))?;
    let policy = Policy::try_from(policy_body)?;
    let mut written = None;
    let loaded = write_tx(c, |c| {
        let org_id = orgs::insert(c, &org.code, &org.name)?;
        let (_, settling) = policy::insert(c, org_id, None, &policy)?;
        written = Some(settling);
        for line in &budget.lines {
            let body = LineBody {
                year: budget.year,
                code: line.code.clone(),
                name: line.name.clone(),
                parent_code: line.parent_code.clone(),
                allocated: line.allocated.clone(),
                function_class: None,
                economic_class: None,
            };
            body.validate()
                .map_err(|e| AppError::Validation(flatten_validation(&e)))?;
            insert_line(c, org_id, None, &NewLineSpec::try_from(body)?)?;
        }
        for s in &stations_file.stations {
            let line = db::budget::find_by_code(c, org_id, s.year, &s.budget_line_code)?
                .ok_or_else(|| {
                    AppError::Internal(format!(
                        "station {}: no line {}",
                        s.name, s.budget_line_code
                    ))
                })?;
            if policy.city_by_code(&s.city).is_none() {
                return Err(AppError::Internal(format!(
                    "station {}: unknown city {}",
                    s.name, s.city
                )));
            }
            stations::insert(
                c,
                &stations::NewStation {
                    org_id,
                    name: &s.name,
                    city: &s.city,
                    budget_line_id: line.id,
                    daily_cost_override_fen: None,
                    created_at: crate::db::now(),
                },
            )?;
        }
        Ok(true)
    });
    if let Some(settling) = written {
        settling.settle();
    }
    loaded
}

/// Creates the first admin when there are no users; returns the token to show once.
fn ensure_admin(c: &mut DbConnection) -> AppResult<Option<String>> {
    if users::count(c)? > 0 {
        return Ok(None);
    }
    let token = new_token();
    write_tx(c, |c| {
        let org = crate::services::users::resolve_org(c, None)?;
        users::insert(
            c,
            org.id,
            "admin",
            Role::Admin.as_str(),
            &token_hash(&token),
        )?;
        Ok::<_, AppError>(())
    })?;
    Ok(Some(token))
}

/// What start-up did.
pub struct Prepared {
    pub loaded_default_data: bool,
    pub admin_token: Option<String>,
}

/// Migrations, default data and (when `create_admin`) the first admin, in that order. On
/// PostgreSQL the whole sequence holds an advisory lock, so instances starting together take turns.
pub fn prepare(pool: &Pool, default_data_dir: &Path, create_admin: bool) -> AppResult<Prepared> {
    let mut c = conn(pool)?;
    db::startup_lock(&mut c, true)?;
    let result = (|| {
        db::migrate(&mut c).map_err(|e| AppError::Internal(format!("migrations: {e}")))?;
        let loaded_default_data = load_default_data(&mut c, default_data_dir)?;
        load_default_targets(&mut c, default_data_dir)?;
        let admin_token = if create_admin {
            ensure_admin(&mut c)?
        } else {
            None
        };
        Ok(Prepared {
            loaded_default_data,
            admin_token,
        })
    })();
    db::startup_lock(&mut c, false)?;
    result
}

/// Writes the admin token where only its owner can read it (mode 0600).
pub fn write_token_file(dir: &Path, token: &str) -> std::io::Result<std::path::PathBuf> {
    use std::io::Write;
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir)?;
    }
    let path = dir.join("admin.token");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path)?;
    writeln!(file, "{token}")?;
    Ok(path)
}
