//! The `baoxiao` command: serve (the default), migrate, manage organisations and users, verify
//! the ledger.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use baoxiao::auth::Role;
use baoxiao::config::{self, Settings};
use baoxiao::services::{attachments, budget, idempotency, sign_in, users};
use baoxiao::setup;
use baoxiao::startup::Application;

#[derive(Parser)]
#[command(
    name = "baoxiao",
    version,
    about = "差旅费报销 and budget ledger service"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply migrations and, on an empty database, load the default data.
    Migrate,
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage organisations.
    Orgs {
        #[command(subcommand)]
        command: OrgsCommand,
    },
    /// Replay the ledger and compare every line's balances; exits 1 on any difference.
    Verify,
    /// Copy the embedded SQLite database to FILE (mode 0600) while it serves, then check the copy.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// Fill an empty data directory from a backup FILE, then check it.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Fill an empty database with the 2021 data and a year of demo work; prints the logins.
    Demo,
    /// Vouchers (记账凭证, R20).
    Vouchers {
        #[command(subcommand)]
        command: VouchersCommand,
    },
    /// Budget holders' reports.
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
}

#[derive(Subcommand)]
enum VouchersCommand {
    /// Book the vouchers of payments recorded before vouchers were written (start-up does this
    /// too); prints how many were written.
    Backfill,
}

#[derive(Subcommand)]
enum ReportCommand {
    /// The budget execution report (预算执行情况).
    BudgetExecution {
        #[arg(long)]
        year: i32,
        #[arg(long, value_parser = ["csv", "xlsx", "json"], default_value = "csv")]
        format: String,
        /// Output file; standard output when absent (not for xlsx).
        #[arg(short = 'o', long)]
        output: Option<std::path::PathBuf>,
        #[arg(long)]
        org: Option<String>,
    },
    /// The performance indicators (绩效自评).
    Performance {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        org: Option<String>,
    },
    /// Every status change from one day to another, both included (UTC), oldest first: who did
    /// what to which claim or batch, and when — for the auditor.
    Audit {
        #[command(flatten)]
        period: Period,
        #[arg(long, value_parser = ["json", "csv"], default_value = "json")]
        format: String,
    },
    /// R20: the vouchers (记账凭证) dated from one day to another, both included: CSV or xlsx
    /// one row per line, or an hledger journal with the two ledgers as top-level accounts.
    Vouchers {
        #[command(flatten)]
        period: Period,
        #[arg(long, value_parser = ["csv", "xlsx", "journal"], default_value = "csv")]
        format: String,
    },
    /// The year's ledger as an hledger/ledger journal.
    Journal {
        #[arg(long)]
        year: i32,
        #[arg(short = 'o', long)]
        output: Option<std::path::PathBuf>,
        #[arg(long)]
        org: Option<String>,
    },
}

/// A report's days, from one to another (both included), where it is written and for which
/// organisation.
#[derive(clap::Args)]
struct Period {
    #[arg(long, value_parser = cli_date)]
    from: chrono::NaiveDate,
    #[arg(long, value_parser = cli_date)]
    to: chrono::NaiveDate,
    #[arg(short = 'o', long)]
    output: Option<std::path::PathBuf>,
    #[arg(long)]
    org: Option<String>,
}

impl Period {
    /// The first and last day, refused when the last is before the first.
    fn days(&self) -> CliResult<(chrono::NaiveDate, chrono::NaiveDate)> {
        if self.to < self.from {
            return Err("--to is before --from".into());
        }
        Ok((self.from, self.to))
    }
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create a user; prints the token (shown once) as the last line.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long = "role", required = true, value_enum)]
        roles: Vec<Role>,
        /// Organisation code; defaults to the only organisation.
        #[arg(long)]
        org: Option<String>,
        /// Also give the user this web login; the password is read from standard input (one
        /// line) when it is not a terminal, or asked for twice without echo.
        #[arg(long)]
        login: Option<String>,
        /// Put the user in this department (科室) of the organisation (R18).
        #[arg(long)]
        department: Option<String>,
    },
    /// Set a web login's password (read like `users add --login`); ends the user's sessions.
    SetPassword {
        #[arg(long)]
        login: String,
        /// Organisation code the login must belong to.
        #[arg(long)]
        org: Option<String>,
    },
    /// Revoke a user's token.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand)]
enum OrgsCommand {
    /// Create an empty organisation.
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// The organisation's time zone (IANA name): its "today" and every deadline.
        #[arg(long, default_value = "Asia/Shanghai")]
        time_zone: String,
    },
    /// Pin the organisation's books to a day (its "today", as the demo does), or `--clear` to
    /// return it to the real clock.
    AsOf {
        /// Organisation code; defaults to the only organisation.
        #[arg(long)]
        org: Option<String>,
        /// The day, YYYY-MM-DD.
        #[arg(value_parser = cli_date, required_unless_present = "clear", conflicts_with = "clear")]
        day: Option<chrono::NaiveDate>,
        #[arg(long)]
        clear: bool,
    },
    /// Set the organisation's 统一社会信用代码 (R19: the buyer every e-invoice must name).
    Set {
        /// Organisation code; defaults to the only organisation.
        #[arg(long)]
        org: Option<String>,
        /// 18 characters with the GB 32100-2015 check character.
        #[arg(long)]
        tax_id: String,
    },
    /// Set the approval chain (R18): `--steps department_head,finance,leader
    /// --leader-threshold 5000.00`; claims submitted before keep theirs.
    SetApproval {
        /// Organisation code; defaults to the only organisation.
        #[arg(long)]
        org: Option<String>,
        /// The steps in order, separated by commas; finance must be among them.
        #[arg(long, value_delimiter = ',', required = true)]
        steps: Vec<String>,
        /// The leader's step applies to claims of at least this amount (0.00: always).
        #[arg(long, default_value = "0.00")]
        leader_threshold: String,
    },
    /// Add a department (科室) to the organisation (R18).
    AddDepartment {
        /// Organisation code; defaults to the only organisation.
        #[arg(long)]
        org: Option<String>,
        #[arg(long)]
        name: String,
    },
}

/// A day exactly as `YYYY-MM-DD`.
fn cli_date(text: &str) -> Result<chrono::NaiveDate, String> {
    baoxiao::wire::iso::parse(text)
        .ok_or_else(|| format!("expected a date YYYY-MM-DD, got {text:?}"))
}

fn init_tracing(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal: a journal or a log file gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if settings.app.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match config::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration: {error}");
            return ExitCode::FAILURE;
        }
    };
    init_tracing(&settings);
    let result = match cli.command.unwrap_or(Command::Serve { bind: None }) {
        Command::Serve { bind } => serve(settings, bind),
        Command::Migrate => migrate(&settings),
        Command::Users { command } => users_command(&settings, command),
        Command::Orgs {
            command:
                OrgsCommand::Add {
                    code,
                    name,
                    time_zone,
                },
        } => add_org(&settings, &code, &name, &time_zone),
        Command::Orgs {
            command: OrgsCommand::AsOf { org, day, .. },
        } => pin_org(&settings, org.as_deref(), day),
        Command::Orgs {
            command: OrgsCommand::Set { org, tax_id },
        } => set_org(&settings, org.as_deref(), tax_id),
        Command::Orgs {
            command:
                OrgsCommand::SetApproval {
                    org,
                    steps,
                    leader_threshold,
                },
        } => set_approval(&settings, org.as_deref(), &steps, &leader_threshold),
        Command::Orgs {
            command: OrgsCommand::AddDepartment { org, name },
        } => add_department(&settings, org.as_deref(), &name),
        Command::Verify => verify(&settings),
        Command::Backup { to } => backup(&settings, &to),
        Command::Restore { from } => restore(&settings, &from),
        Command::Vouchers {
            command: VouchersCommand::Backfill,
        } => backfill_vouchers(&settings),
        Command::Report { command } => report(&settings, command),
        Command::Demo => demo(&settings),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

type CliResult<T = ExitCode> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn with_pool(settings: &Settings) -> CliResult<baoxiao::db::Pool> {
    let pool = baoxiao::db::pool(&settings.database.url, 2, settings.database.busy_timeout_ms)?;
    setup::prepare(&pool, Path::new(&settings.app.default_data_dir), false)?;
    Ok(pool)
}

fn migrate(settings: &Settings) -> CliResult {
    with_pool(settings)?;
    println!("migrations applied; database ready");
    Ok(ExitCode::SUCCESS)
}

fn demo(settings: &Settings) -> CliResult {
    // A new database's budget, policy and stations are loaded as the demo year begins.
    let pool = baoxiao::db::stamped_at(baoxiao::demo::first_morning(), || with_pool(settings))?;
    if users::count(&pool)? > 0 {
        eprintln!(
            "error: the database is not empty; `baoxiao demo` only fills a new one (point DATABASE_URL at a new file)"
        );
        return Ok(ExitCode::FAILURE);
    }
    let report = baoxiao::demo::run(&pool)?;
    println!(
        "demo year 2021 loaded up to {}: {} travel claims, duty rosters, events, budget adjustments and the cadres' subsidy",
        baoxiao::demo::today(),
        report.claims
    );
    println!("demo logins (sign in at /login):");
    for l in &report.logins {
        println!(
            "  {:<14} {:<22} {} ({})",
            l.login, l.password, l.name, l.roles
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn pin_org(settings: &Settings, code: Option<&str>, day: Option<chrono::NaiveDate>) -> CliResult {
    let pool = with_pool(settings)?;
    let org = users::resolve_org(&mut *pool.get()?, code)?;
    baoxiao::services::clock::pin(&pool, org.id, day)?;
    match day {
        Some(day) => println!("organisation {} pinned to {day}", org.code),
        None => println!("organisation {} follows the real clock", org.code),
    }
    Ok(ExitCode::SUCCESS)
}

fn set_org(settings: &Settings, code: Option<&str>, tax_id: String) -> CliResult {
    let pool = with_pool(settings)?;
    let changes = baoxiao::services::organisation::Changes {
        name: None,
        tax_id: Some(tax_id),
    };
    let org = baoxiao::services::organisation::set_from_command_line(&pool, code, changes)?;
    println!(
        "organisation {} ({}): 统一社会信用代码 {}",
        org.code,
        org.name,
        org.tax_id.unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

fn add_org(settings: &Settings, code: &str, name: &str, time_zone: &str) -> CliResult {
    let zone = baoxiao::services::clock::parse_zone(time_zone).map_err(|_| {
        format!("--time-zone {time_zone:?} is not an IANA time zone such as Asia/Shanghai")
    })?;
    let pool = with_pool(settings)?;
    let id = users::add_org(&pool, code, name)?;
    baoxiao::services::clock::set_zone(&pool, id, zone)?;
    println!("organisation {code} created (id {id}, time zone {zone})");
    Ok(ExitCode::SUCCESS)
}

/// `baoxiao orgs set-approval`.
fn set_approval(
    settings: &Settings,
    org: Option<&str>,
    steps: &[String],
    threshold: &str,
) -> CliResult {
    let threshold = baoxiao::domain::Money::parse_input(threshold).map_err(|e| {
        baoxiao::error::AppError::Validation(vec![baoxiao::domain::FieldError::new(
            "leader_threshold",
            e,
        )])
    })?;
    let pool = with_pool(settings)?;
    let chain = baoxiao::services::approval::set_chain_cli(&pool, org, steps, threshold)?;
    println!(
        "approval chain: {}; leader threshold {}",
        chain.steps.join(" → "),
        chain.leader_threshold
    );
    Ok(ExitCode::SUCCESS)
}

/// `baoxiao orgs add-department`.
fn add_department(settings: &Settings, org: Option<&str>, name: &str) -> CliResult {
    let pool = with_pool(settings)?;
    let mut c = pool.get()?;
    let org = users::resolve_org(&mut c, org)?;
    let id = baoxiao::services::approval::add_department_on(&mut c, org.id, name)?;
    println!("department {} added (id {id})", name.trim());
    Ok(ExitCode::SUCCESS)
}

fn users_command(settings: &Settings, command: UsersCommand) -> CliResult {
    let pool = with_pool(settings)?;
    match command {
        UsersCommand::Add {
            name,
            roles,
            org,
            login,
            department,
        } => {
            let password = match &login {
                Some(login) => {
                    let password = read_password()?;
                    sign_in::check_new_login(&pool, login, &password)?;
                    Some(password)
                }
                None => None,
            };
            let (id, token) =
                users::add_user_in(&pool, org.as_deref(), &name, &roles, department.as_deref())?;
            if let (Some(login), Some(password)) = (&login, &password) {
                let mut c = pool.get()?;
                let org = users::resolve_org(&mut c, org.as_deref())?;
                drop(c);
                sign_in::add_login(&pool, org.id, id, login, password, false)?;
                println!("web login: {}", sign_in::normalise_login(login));
            }
            println!(
                "user {name} created (id {id}) with roles {}; token (shown once):",
                Role::join(&roles)
            );
            println!("{token}");
        }
        UsersCommand::SetPassword { login, org } => {
            let password = read_password()?;
            sign_in::set_password(&pool, org.as_deref(), &login, &password)?;
            println!(
                "password of {} changed; their sessions have ended",
                sign_in::normalise_login(&login)
            );
        }
        UsersCommand::Revoke { id } => {
            users::revoke(&pool, id)?;
            sign_in::end_sessions_of(&pool, id)?;
            println!("user {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A password from standard input: one line when it is not a terminal (scripts, tests), or asked
/// for twice without echo when it is.
fn read_password() -> CliResult<String> {
    use std::io::{BufRead, IsTerminal};
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_string();
        sign_in::check_password(&password)?;
        return Ok(password);
    }
    let first = rpassword::prompt_password("Password (at least 8 characters): ")?;
    sign_in::check_password(&first)?;
    let second = rpassword::prompt_password("Password again: ")?;
    if first != second {
        return Err("the two passwords differ; nothing changed".into());
    }
    Ok(first)
}

fn verify(settings: &Settings) -> CliResult {
    let pool = with_pool(settings)?;
    let (checked, mismatches) = budget::verify(&pool)?;
    for m in &mismatches {
        println!(
            "MISMATCH org {} line {}: stored {:?}, replayed {:?}",
            m.org_id, m.code, m.stored, m.replayed
        );
    }
    println!(
        "{checked} lines checked, {} differ from the ledger",
        mismatches.len()
    );
    let (files, file_mismatches) = attachments::verify(&pool)?;
    print_file_mismatches(&file_mismatches);
    println!(
        "{files} files checked, {} differ from their size or SHA-256",
        file_mismatches.len()
    );
    // R20: the vouchers balance, and agree with the ledger and the advances.
    let voucher_mismatches = budget::verify_vouchers(&pool)?;
    print_voucher_mismatches(&voucher_mismatches);
    Ok(
        if mismatches.is_empty() && file_mismatches.is_empty() && voucher_mismatches.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}

/// R20: the vouchers of payments recorded before vouchers were written.
fn backfill_vouchers(settings: &Settings) -> CliResult {
    let pool = with_pool(settings)?;
    let written = baoxiao::services::vouchers::backfill(&pool)?;
    println!("{written} vouchers written for earlier payments");
    Ok(ExitCode::SUCCESS)
}

/// R17: each claim file whose bytes no longer match the size and hash stored with them.
fn print_file_mismatches(mismatches: &[baoxiao::services::attachments::FileMismatch]) {
    for m in mismatches {
        println!(
            "FILE MISMATCH org {} claim {} attachment {} {:?}: {} differ",
            m.org_id,
            m.claim_id,
            m.id,
            m.name,
            m.problems.join(" and ")
        );
    }
}

/// R20: what is wrong with the vouchers, and how many problems.
fn print_voucher_mismatches(mismatches: &[baoxiao::services::verify::VoucherMismatch]) {
    for m in mismatches {
        println!("VOUCHER MISMATCH org {}: {}", m.org_id, m.problem);
    }
    println!("vouchers checked, {} problems", mismatches.len());
}

fn report_check(what: &str, checked: &baoxiao::services::backup::Checked) -> ExitCode {
    for m in &checked.mismatches {
        println!(
            "MISMATCH org {} line {}: stored {:?}, replayed {:?}",
            m.org_id, m.code, m.stored, m.replayed
        );
    }
    println!(
        "{what} {}: integrity ok; {} lines checked, {} differ from the ledger",
        checked.file.display(),
        checked.lines,
        checked.mismatches.len()
    );
    print_file_mismatches(&checked.file_mismatches);
    println!(
        "{} files checked, {} differ from their size or SHA-256",
        checked.files,
        checked.file_mismatches.len()
    );
    print_voucher_mismatches(&checked.voucher_mismatches);
    if checked.clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn backup(settings: &Settings, to: &Path) -> CliResult {
    let checked = baoxiao::services::backup::backup(
        &settings.database.url,
        settings.database.busy_timeout_ms,
        to,
    )?;
    Ok(report_check("backup written to", &checked))
}

fn restore(settings: &Settings, from: &Path) -> CliResult {
    let checked = baoxiao::services::backup::restore(
        &settings.database.url,
        Path::new(&settings.app.data_dir),
        from,
    )?;
    Ok(report_check("restored into", &checked))
}

/// The organisation's reports, read as its admin would.
fn report(settings: &Settings, command: ReportCommand) -> CliResult {
    use baoxiao::services::reports;
    let pool = with_pool(settings)?;
    let org_of = |org: &Option<String>| -> CliResult<baoxiao::auth::Actor> {
        let mut c = pool.get()?;
        let org = users::resolve_org(&mut c, org.as_deref())?;
        Ok(baoxiao::auth::Actor {
            org_id: org.id,
            user_id: 0,
            roles: vec![Role::Admin],
        })
    };
    let write = |output: &Option<std::path::PathBuf>, bytes: &[u8]| -> CliResult<()> {
        use std::io::Write;
        match output {
            Some(path) => std::fs::write(path, bytes)?,
            None => std::io::stdout().write_all(bytes)?,
        }
        Ok(())
    };
    match command {
        ReportCommand::BudgetExecution {
            year,
            format,
            output,
            org,
        } => {
            let view = reports::execution(&pool, &org_of(&org)?, year)?;
            let bytes = match format.as_str() {
                "xlsx" if output.is_none() => return Err("xlsx needs -o FILE".into()),
                "xlsx" => baoxiao::export::execution_xlsx(&view)?,
                "json" => serde_json::to_vec_pretty(&view)?,
                _ => baoxiao::export::execution_csv(&view)?,
            };
            write(&output, &bytes)?;
        }
        ReportCommand::Performance { year, org } => {
            let list = reports::performance(&pool, &org_of(&org)?, year)?;
            write(&None, &serde_json::to_vec_pretty(&list)?)?;
            println!();
        }
        ReportCommand::Audit { period, format } => {
            let (from, to) = period.days()?;
            let Period { output, org, .. } = period;
            let period = baoxiao::services::audit::Period {
                from: Some(from),
                to: Some(to),
            };
            let events = baoxiao::services::audit::export(&pool, &org_of(&org)?, period)?;
            let bytes = match format.as_str() {
                "csv" => baoxiao::export::audit_csv(&events)?,
                _ => serde_json::to_vec_pretty(&events)?,
            };
            write(&output, &bytes)?;
        }
        ReportCommand::Vouchers { period, format } => {
            let (from, to) = period.days()?;
            let Period { output, org, .. } = period;
            let actor = org_of(&org)?;
            let list =
                baoxiao::services::vouchers::list(&pool, &actor, Some(from), Some(to), None)?;
            let bytes = match format.as_str() {
                "xlsx" if output.is_none() => return Err("xlsx needs -o FILE".into()),
                "xlsx" => baoxiao::export::vouchers_xlsx(&list)?,
                "journal" => {
                    let code = org.clone().unwrap_or_default();
                    baoxiao::export::vouchers_journal(&code, &list)?.into_bytes()
                }
                _ => baoxiao::export::vouchers_csv(&list)?,
            };
            write(&output, &bytes)?;
        }
        ReportCommand::Journal { year, output, org } => {
            let text = reports::journal(&pool, &org_of(&org)?, year)?;
            write(&output, text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn serve(mut settings: Settings, bind: Option<String>) -> CliResult {
    if let Some(bind) = bind {
        settings.server.bind = bind;
    }
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings)?;
        if app.loaded_default_data {
            tracing::info!("loaded the default data (平乡县信访局 2021) into an empty database");
        }
        if let (Some(token), Some(path)) = (&app.admin_token, &app.admin_token_file) {
            println!("Created the first admin. Token (shown once, also written to {}):", path.display());
            println!("{token}");
        }
        if let Some(password) = &app.admin_password {
            let path = write_secret_file(Path::new(&settings.app.data_dir), "admin.password", password)?;
            println!(
                "Web sign-in at {}/login: login admin, password (shown once, also written to {}; change it at first sign-in):",
                app.public_url,
                path.display()
            );
            println!("{password}");
        }
        let pool = app.pool.clone();
        let retention = settings.app.idempotency_retention_hours;
        let lifetimes = baoxiao::web::WebConfig::from_settings(&settings.web).lifetimes;
        actix_web::rt::spawn(async move {
            let mut hourly = actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
            loop {
                hourly.tick().await;
                let pool = pool.clone();
                let sessions = pool.clone();
                match actix_web::web::block(move || idempotency::purge(&pool, retention)).await {
                    Ok(Ok(n)) if n > 0 => tracing::info!(purged = n, "expired idempotency keys removed"),
                    Ok(Err(error)) => tracing::warn!(%error, "idempotency purge failed"),
                    _ => {}
                }
                match actix_web::web::block(move || sign_in::purge(&sessions, lifetimes)).await {
                    Ok(Ok(n)) if n > 0 => tracing::info!(purged = n, "ended web sessions removed"),
                    Ok(Err(error)) => tracing::warn!(%error, "session purge failed"),
                    _ => {}
                }
            }
        });
        tracing::info!(address = %settings.server.bind, port = app.port(), database = %redact(&settings.database.url), "serving");
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Writes a secret where only its owner can read it (mode 0600).
fn write_secret_file(dir: &Path, name: &str, secret: &str) -> std::io::Result<std::path::PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path)?;
    writeln!(file, "{secret}")?;
    Ok(path)
}

/// A database URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}
