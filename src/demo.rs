//! `baoxiao demo` (web.md "Demo data"): an empty database gets the 2021 default data plus a
//! plausible year of work, made through the same services the API and the pages call, so every
//! rule holds. Deterministic: the same staff, logins, passwords, claims and dates on every run.
//!
//! One demo-only step: the year lies in 2021, but an approval is stamped with the moment it is
//! made, and a payment may not precede its approval's date. So right after the service approves
//! a claim or a batch, the demo dates that approval to the 2021 day the story says it happened
//! ([`crate::db::demo`]), then pays through the service, whose check still applies.

use chrono::{Duration, NaiveDate};
use serde_json::json;

use crate::auth::Role;
use crate::db::{self, budget as lines, Pool};
use crate::domain::subsidy::{Enrollment, Half};
use crate::error::{AppError, AppResult};
use crate::services::Context;
use crate::wire::ClaimBody;

use crate::services::clock::PaymentMargin;
use crate::services::{claims, conn, duty, sign_in, subsidy, users};

/// One demo login, printed for whoever runs the demo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoLogin {
    pub name: String,
    pub roles: String,
    pub login: String,
    pub password: String,
}

/// What the demo made.
#[derive(Debug)]
pub struct DemoReport {
    pub logins: Vec<DemoLogin>,
    pub claims: usize,
}

const YEAR: i32 = 2021;

/// The staff: name, login, roles.
const STAFF: [(&str, &str, &[Role]); 12] = [
    ("管理员", "admin", &[Role::Admin]),
    ("王建国", "wangjianguo", &[Role::BudgetHolder]),
    ("李秀英", "lixiuying", &[Role::Finance]),
    ("赵丽华", "zhaolihua", &[Role::Finance]),
    ("张伟", "zhangwei", &[Role::Claimant]),
    ("刘洋", "liuyang", &[Role::Claimant]),
    ("陈静", "chenjing", &[Role::Claimant]),
    ("杨磊", "yanglei", &[Role::Claimant]),
    ("黄敏", "huangmin", &[Role::Claimant]),
    ("周强", "zhouqiang", &[Role::Claimant]),
    ("吴霞", "wuxia", &[Role::Claimant]),
    (
        "孙志刚",
        "sunzhigang",
        &[Role::Claimant, Role::BudgetHolder],
    ),
];

/// The six retired cadres (R9).
const CADRES: [&str; 6] = ["郭长林", "马玉珍", "韩德明", "冯秀兰", "曹振华", "邓桂芳"];

/// The claims' lines, in turn.
const CLAIM_LINES: [&str; 4] = [
    "dept.project.petition-work.operations",
    "dept.project.petition-work.publicity",
    "dept.project.petition-work.operations",
    "dept.basic.public",
];

/// How many travel claims the year has.
pub const CLAIMS: usize = 64;

fn date(m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(YEAR, m, d).ok_or_else(|| AppError::Internal("demo date".into()))
}

fn roles_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| match r {
            Role::Admin => "管理员",
            Role::Finance => "财务",
            Role::BudgetHolder => "预算负责人",
            Role::Claimant => "报销人",
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The demo's password for a login: fixed, so every run prints the same.
pub fn password_for(login: &str) -> String {
    format!("{login}-demo-2021")
}

/// Claim `i` of the year: where, when, how much, deterministically from `i`.
fn claim_body(i: usize, line_id: i64) -> AppResult<ClaimBody> {
    let n = u32::try_from(i).map_err(|_| AppError::Internal("demo claim".into()))?;
    // Spread over January–mid December, about five days apart.
    let start = date(1, 4)? + Duration::days(i64::from(n) * 5);
    let nights = i64::from(n % 3) + 1;
    let back = start + Duration::days(nights);
    let (city, fare, purpose) = match n % 4 {
        0 => ("石家庄", "65.50", "赴省信访局汇报工作"),
        1 => ("北京", "128.00", "赴京协调信访事项"),
        2 => ("邢台", "22.00", "参加市信访工作会议"),
        _ => ("石家庄", "65.50", "参加全省信访业务培训"),
    };
    let lodging = 280 + (n % 5) * 40;
    let total_lodging = i64::from(lodging) * nights;
    let d = |x: NaiveDate| x.format("%Y-%m-%d").to_string();
    let body = json!({
        "budget_line_id": line_id,
        "purpose": purpose,
        "destination": city,
        "departure_date": d(start),
        "return_date": d(back),
        "stays": [{"city": city, "check_in": d(start), "check_out": d(back),
                   "lodging_amount": format!("{total_lodging}.00"), "invoice": n % 9 != 4}],
        "tickets": [{"description": format!("平乡—{city}"), "amount": fare},
                    {"description": format!("{city}—平乡"), "amount": fare}],
        "meals_provided": if n % 2 == 0 {
            json!([{"date": d(start + Duration::days(1)), "breakfast": false, "lunch": true, "dinner": false}])
        } else { json!([]) },
        "vehicle_provided_dates": [],
    });
    serde_json::from_value(body).map_err(|e| AppError::Internal(format!("demo claim: {e}")))
}

/// Fills an empty database; refuses one with any user in it (409-like `Conflict`).
pub fn run(pool: &Pool) -> AppResult<DemoReport> {
    if users::count(pool)? > 0 {
        return Err(AppError::Internal(
            "the database is not empty: `baoxiao demo` only fills a new one".into(),
        ));
    }
    let org = users::resolve_org(&mut *conn(pool)?, None)?;
    let mut logins = Vec::new();
    let mut actors: Vec<Context> = Vec::new();
    for (name, login, roles) in STAFF {
        let (id, token) = users::add_user(pool, None, name, roles)?;
        let password = password_for(login);
        sign_in::add_login(pool, org.id, id, login, &password, false)?;
        actors.push(Context::from(users::authenticate(pool, &token)?));
        logins.push(DemoLogin {
            name: name.to_string(),
            roles: roles_text(roles),
            login: login.to_string(),
            password,
        });
    }
    let (holder, clerk, cashier) = (&actors[1], &actors[2], &actors[3]);
    let claimants = &actors[4..];
    let line = |code: &str| -> AppResult<i64> {
        lines::find_by_code(&mut *conn(pool)?, org.id, YEAR, code)?
            .map(|l| l.id)
            .ok_or_else(|| AppError::Internal(format!("demo: no line {code}")))
    };

    rosters(
        pool,
        holder,
        &line("dept.project.petition-work.sensitive-duty")?,
    )?;

    // The travel claims: every fourth waits, some are refused, the rest approved and most paid.
    let margin = PaymentMargin(30);
    for i in 0..CLAIMS {
        let claimant = &claimants[i % claimants.len()];
        let line_id = line(CLAIM_LINES[i % CLAIM_LINES.len()])?;
        let body = claim_body(i, line_id)?;
        let back = body.return_date;
        let sent = serde_json::to_string(&body).map_err(|e| AppError::Internal(e.to_string()))?;
        let claim = claims::submit(pool, claimant, Ok((body.try_into()?, sent)))?;
        // The last weeks' claims are still waiting; before that, one in eight is refused.
        if i >= CLAIMS - 6 || i % 11 == 5 {
            continue;
        }
        if i % 8 == 3 {
            claims::reject(
                pool,
                clerk,
                claim.id,
                Ok("住宿发票抬头不是本单位，请更换后重新提交".to_string()),
            )?;
            continue;
        }
        match claims::approve(pool, clerk, claim.id) {
            Ok(_) => {}
            // A line that cannot cover it keeps the claim waiting, as in real life.
            Err(AppError::InsufficientBudget(_)) => continue,
            Err(other) => return Err(other),
        }
        let approved = back + Duration::days(3);
        db::demo::date_claim_decision(&mut *conn(pool)?, org.id, claim.id, approved)?;
        if i % 7 == 2 || i >= CLAIMS - 12 {
            continue; // approved, not yet paid
        }
        claims::pay(
            pool,
            cashier,
            claim.id,
            Ok(approved + Duration::days(4)),
            margin,
        )?;
    }

    // The cadres' subsidy (R9): H1 paid in its window, H2 approved.
    for name in CADRES {
        subsidy::create_recipient(
            pool,
            clerk,
            Ok(subsidy::NewRecipientSpec {
                name: name.to_string(),
                monthly: None,
                enrollment: Enrollment::open(date(1, 1)?),
            }),
        )?;
    }
    let cadre_line = line("dept.project.cadre-subsidy")?;
    let batch = |half| subsidy::NewBatchSpec {
        budget_line_id: cadre_line,
        year: YEAR,
        half,
        supplementary: false,
    };
    let h1 = subsidy::create_batch(pool, clerk, Ok(batch(Half::H1)))?;
    subsidy::approve(pool, cashier, h1.id)?;
    db::demo::date_batch_approval(&mut *conn(pool)?, org.id, h1.id, date(5, 28)?)?;
    subsidy::pay(pool, clerk, h1.id, date(6, 5), margin)?;
    let h2 = subsidy::create_batch(pool, clerk, Ok(batch(Half::H2)))?;
    subsidy::approve(pool, cashier, h2.id)?;
    db::demo::date_batch_approval(&mut *conn(pool)?, org.id, h2.id, date(11, 26)?)?;

    Ok(DemoReport {
        logins,
        claims: CLAIMS,
    })
}

/// The Beijing and Shijiazhuang rosters and the sensitive periods (两会, 七一, 八一, 十一).
fn rosters(pool: &Pool, holder: &Context, sensitive_line: &i64) -> AppResult<()> {
    let stations = duty::list_stations(pool, holder, Some(date(1, 1)?))?;
    let find = |name: &str| {
        stations
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.id)
            .ok_or_else(|| AppError::Internal(format!("demo: no station {name}")))
    };
    let (beijing, shijiazhuang) = (find("beijing")?, find("shijiazhuang")?);
    let assignment = |person: &str, from, to| duty::NewAssignment {
        person: person.to_string(),
        from,
        to,
    };
    // Beijing: four people all year where the line pays for three, so it runs out in the autumn.
    for (person, from, to) in [
        ("张伟", date(1, 1)?, date(12, 31)?),
        ("刘洋", date(1, 1)?, date(12, 31)?),
        ("陈静", date(1, 1)?, date(12, 31)?),
        ("杨磊", date(1, 1)?, date(12, 31)?),
    ] {
        duty::add_assignment(pool, holder, beijing, Ok(assignment(person, from, to)))?;
    }
    for (person, from, to) in [
        ("黄敏", date(1, 1)?, date(6, 30)?),
        ("周强", date(1, 1)?, date(12, 31)?),
        ("吴霞", date(7, 1)?, date(12, 31)?),
    ] {
        duty::add_assignment(pool, holder, shijiazhuang, Ok(assignment(person, from, to)))?;
    }
    for (name, from, to, staff) in [
        ("两会", date(3, 1)?, date(3, 15)?, 4),
        ("七一", date(6, 25)?, date(7, 5)?, 3),
        ("八一", date(7, 28)?, date(8, 3)?, 2),
        ("十一", date(9, 28)?, date(10, 8)?, 4),
    ] {
        duty::create_event(
            pool,
            holder,
            Ok(duty::NewDutyEvent {
                name: name.to_string(),
                city: "北京".to_string(),
                budget_line_id: *sensitive_line,
                from,
                to,
                extra_staff: staff,
            }),
        )?;
    }
    Ok(())
}
