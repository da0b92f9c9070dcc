//! `baoxiao demo` (web.md "Demo data"): an empty database gets the 2021 default data plus a
//! plausible year of work, made through the same services the API and the pages call, so every
//! rule holds and the ledger reconciles. Deterministic: the same staff, logins, passwords,
//! claims, amounts and moments on every run.
//!
//! The year is told as a story of dated steps (a claim submitted, approved, paid; a budget
//! adjusted; a subsidy batch made), run in the order they happened, each through its service
//! while [`crate::db::stamped_at`] gives every time the step stamps (the claim's, the audit
//! event's, the ledger entry's) the 2021 moment the story says. So waiting days, on-time rates,
//! the audit log and the ledger read as a real year, and each payment's own check (not before
//! its approval, R12) still applies. Steps happen on working days: a claim is submitted after
//! its trip, decided a few working days later and paid within two weeks of approval; the story
//! stops at [`today`].

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use serde_json::json;

use crate::auth::Role;
use crate::db::{self, budget as lines, Pool};
use crate::domain::approval::Step;
use crate::domain::budget::AdjustmentKind;
use crate::domain::payee::{check_character, BankAccount, BankName, IdNumber, PayeeDetails};
use crate::domain::subsidy::{Enrollment, Half};
use crate::domain::{Money, PositiveMoney};
use crate::error::{AppError, AppResult};
use crate::services::Context;
use crate::wire::ClaimBody;

use crate::services::claims::NewClaimSpec;
use crate::services::clock::PaymentMargin;
use crate::services::{
    adjustments, approval, attachments, claims, clock, conn, duty, lifecycle, organisation,
    sign_in, subsidy, users,
};

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

/// The demo's today: its story stops on the morning of Wednesday 2021-12-08, inside the
/// December subsidy window (R9), so the second half-year is approved and not yet paid, and the
/// claims of the last days still wait (1 to 6 days by this day). At the end of its run the demo
/// pins its organisation's books to this day ([`clock::pin`]), so the pages count waiting days,
/// payment windows and new stamps from it, not from the real today.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(YEAR, 12, 8).unwrap_or_default()
}

/// The staff: name, login, roles.
const STAFF: [(&str, &str, &[Role]); 16] = [
    ("管理员", "admin", &[Role::Admin]),
    ("王建国", "wangjianguo", &[Role::BudgetHolder]),
    ("李秀英", "lixiuying", &[Role::Finance]),
    ("赵丽华", "zhaolihua", &[Role::Finance]),
    ("张伟", "zhangwei", &[Role::Claimant]),
    ("刘洋", "liuyang", &[Role::Claimant]),
    ("陈静", "chenjing", &[Role::Claimant]),
    ("杨磊", "yanglei", &[Role::Claimant]),
    ("黄敏", "huangmin", &[Role::Claimant]),
    ("周强", "zhouqiang", &[Role::Claimant, Role::DepartmentHead]),
    ("吴霞", "wuxia", &[Role::Claimant]),
    (
        "孙志刚",
        "sunzhigang",
        &[Role::Claimant, Role::BudgetHolder, Role::DepartmentHead],
    ),
    ("郑海涛", "zhenghaitao", &[Role::Claimant]),
    ("王芳", "wangfang", &[Role::Claimant]),
    ("李军", "lijun", &[Role::Claimant]),
    ("马文斌", "mawenbin", &[Role::Leader]),
];

/// Who does what, by index into [`STAFF`].
const HOLDER: usize = 1;
const CLERK: usize = 2;
const CASHIER: usize = 3;
/// Four on the Beijing roster all year, where the 2021 document pays for three.
const BEIJING_STAFF: [usize; 4] = [4, 5, 6, 7];
/// The province roster: person, first and last quarter on duty (黄敏 hands over to 吴霞 in July).
const PROVINCE_STAFF: [(usize, usize, usize); 3] = [(8, 0, 1), (9, 0, 3), (10, 2, 3)];
/// Who travels on ordinary business and at the sensitive periods.
const TRAVELLERS: [usize; 4] = [11, 12, 13, 14];
/// R18: the unit's head (单位负责人), who signs claims of 5,000.00 and more.
const LEADER: usize = 15;
/// R18: the departments (科室): name, head, members. The Beijing roster belongs to none, so its
/// claims go to finance first.
const DEPARTMENTS: [(&str, usize, &[usize]); 2] =
    [("办公室", 11, &[12, 13, 14]), ("接待室", 9, &[8, 10])];
/// R18: the chain the demo's organisation signs its claims along, and the leader's threshold.
const CHAIN: [&str; 3] = ["department_head", "finance", "leader"];
const LEADER_THRESHOLD_YUAN: i64 = 5000;

/// The head of `claimant`'s department, if they have one.
fn head_of(claimant: usize) -> Option<usize> {
    DEPARTMENTS
        .iter()
        .find(|(_, head, members)| *head == claimant || members.contains(&claimant))
        .map(|(_, head, _)| *head)
}

/// The six retired cadres (R9) and their payment details: the first 17 characters of the
/// identity number (平乡县's region code 130532, a birth date in the 1940s, a sequence number odd
/// for men and even for women; the check character is computed, GB 11643), the bank, the account.
const CADRES: [(&str, &str, &str, &str); 6] = [
    (
        "郭长林",
        "13053219410312031",
        "中国农业银行平乡县支行",
        "6228480618000310017",
    ),
    (
        "马玉珍",
        "13053219430705024",
        "中国农业银行平乡县支行",
        "6228480618000310025",
    ),
    (
        "韩德明",
        "13053219440918015",
        "中国工商银行平乡支行",
        "6222020406001230418",
    ),
    (
        "冯秀兰",
        "13053219460122042",
        "中国邮政储蓄银行平乡县支行",
        "6217991240001560213",
    ),
    (
        "曹振华",
        "13053219470830057",
        "中国农业银行平乡县支行",
        "6228480618000310033",
    ),
    (
        "邓桂芳",
        "13053219481109068",
        "中国建设银行平乡支行",
        "6217000180003210526",
    ),
];

/// A cadre's payment details, the identity number completed by its check character.
fn cadre_payee(first17: &str, bank: &str, account: &str) -> AppResult<PayeeDetails> {
    let check = check_character(first17)
        .ok_or_else(|| AppError::Internal(format!("demo: identity number {first17}")))?;
    let refused = |what: &str| AppError::Internal(format!("demo: {what} refused"));
    Ok(PayeeDetails {
        id_number: Some(
            IdNumber::parse(&format!("{first17}{check}"))
                .map_err(|_| refused("identity number"))?,
        ),
        bank_name: Some(BankName::parse(bank).map_err(|_| refused("bank"))?),
        bank_account: Some(BankAccount::parse(account).map_err(|_| refused("account"))?),
    })
}

/// How many ordinary travel claims the year has (besides the duty ones).
const ORDINARY: usize = 30;

/// The quarters a duty claim covers: first and last day (the last one runs to the end of
/// November, claimed in the first days of December).
const QUARTERS: [((u32, u32), (u32, u32)); 4] = [
    ((1, 1), (3, 31)),
    ((4, 1), (6, 30)),
    ((7, 1), (9, 30)),
    ((10, 1), (11, 30)),
];

/// The sensitive periods (R10): name, first and last day, extra staff, who went, and the day
/// the event was planned.
type EventPlan = (
    &'static str,
    (u32, u32),
    (u32, u32),
    &'static [usize],
    (u32, u32),
);
const EVENTS: [EventPlan; 4] = [
    ("两会", (3, 1), (3, 15), &[11, 12, 13, 14], (2, 22)),
    ("七一", (6, 25), (7, 5), &[11, 12, 14], (6, 15)),
    ("八一", (7, 28), (8, 3), &[13, 8], (7, 19)),
    ("十一", (9, 28), (10, 8), &[11, 12, 13, 14], (9, 17)),
];

/// The year's budget adjustments (R14), requested by the budget holder and approved by finance
/// two working days later: requested on, kind, line, source line of a transfer, yuan, reason,
/// document.
type AdjustmentPlan = (
    (u32, u32),
    AdjustmentKind,
    &'static str,
    Option<&'static str>,
    i64,
    &'static str,
    Option<&'static str>,
);
const ADJUSTMENTS: [AdjustmentPlan; 5] = [
    (
        (3, 22),
        AdjustmentKind::Supplement,
        "dept.project.petition-work",
        None,
        400_000,
        "县财政追加信访工作经费，弥补年初预算中驻京、驻省值班经费的缺口",
        Some("平财预〔2021〕9号"),
    ),
    (
        (6, 21),
        AdjustmentKind::Supplement,
        "dept.project.petition-work.beijing-duty",
        None,
        200_000,
        "驻京值班增至 4 人，追加驻京值班经费",
        Some("平财预〔2021〕21号"),
    ),
    (
        (7, 12),
        AdjustmentKind::Transfer,
        "dept.project.petition-work.beijing-duty",
        Some("dept.project.petition-work.sensitive-duty"),
        80_000,
        "敏感节点值班经费有结余，调剂用于驻京值班",
        None,
    ),
    (
        (10, 18),
        AdjustmentKind::Reduce,
        "dept.project.petition-work.operations",
        None,
        176_000,
        "压减一般性支出，调减机关日常运行保障经费",
        Some("平财预〔2021〕33号"),
    ),
    (
        (10, 18),
        AdjustmentKind::Reduce,
        "dept.project.petition-work.publicity",
        None,
        178_000,
        "压减一般性支出，调减依法治访宣传经费",
        Some("平财预〔2021〕33号"),
    ),
];

/// 2021's public holidays (国务院办公厅关于 2021 年部分节假日安排的通知): month, first and last day.
const HOLIDAYS: [(u32, u32, u32); 7] = [
    (1, 1, 1),
    (2, 11, 17),
    (4, 3, 5),
    (5, 1, 5),
    (6, 12, 14),
    (9, 19, 21),
    (10, 1, 7),
];
/// The weekends worked in exchange.
const MAKEUP_DAYS: [(u32, u32); 7] = [(2, 7), (2, 20), (4, 25), (5, 8), (9, 18), (9, 26), (10, 9)];

fn date(m: u32, d: u32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(YEAR, m, d).ok_or_else(|| AppError::Internal("demo date".into()))
}

/// A working day of the bureau in 2021.
pub fn is_working_day(day: NaiveDate) -> bool {
    let (m, d) = (day.month(), day.day());
    if MAKEUP_DAYS.contains(&(m, d)) {
        return true;
    }
    if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    !HOLIDAYS
        .iter()
        .any(|&(hm, from, to)| hm == m && (from..=to).contains(&d))
}

fn working_on_or_after(day: NaiveDate) -> NaiveDate {
    let mut day = day;
    while !is_working_day(day) {
        day += Duration::days(1);
    }
    day
}

fn working_days_after(day: NaiveDate, n: usize) -> NaiveDate {
    let mut day = working_on_or_after(day);
    for _ in 0..n {
        day = working_on_or_after(day + Duration::days(1));
    }
    day
}

/// When the year begins: the default data (budget, policy, stations) loaded and the staff
/// given their logins on the first working morning, Monday 2021-01-04 at 08:30.
pub fn first_morning() -> NaiveDateTime {
    moment(NaiveDate::from_ymd_opt(YEAR, 1, 4).unwrap_or_default(), 0)
}

/// `minutes` after 08:30 on `day` in Asia/Shanghai (the demo organisation's zone), as stored:
/// in UTC, eight hours earlier.
fn moment(day: NaiveDate, minutes: usize) -> NaiveDateTime {
    let minutes = i64::try_from(minutes % 480).unwrap_or_default();
    day.and_time(NaiveTime::default()) + Duration::minutes(30 + minutes)
}

fn roles_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| match r {
            Role::Admin => "管理员",
            Role::Finance => "财务",
            Role::BudgetHolder => "预算负责人",
            Role::Claimant => "报销人",
            Role::DepartmentHead => "科室负责人",
            Role::Leader => "单位负责人",
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The demo's password for a login: fixed, so every run prints the same.
pub fn password_for(login: &str) -> String {
    format!("{login}-demo-2021")
}

/// One trip as its claim describes it.
struct Trip {
    purpose: String,
    city: &'static str,
    fare: &'static str,
    from: NaiveDate,
    to: NaiveDate,
    /// Lodging paid per night, in yuan.
    per_night: i64,
    invoice: bool,
    lunch_provided: bool,
}

impl Trip {
    fn body(&self, line_id: i64, invoice_no: Option<&str>) -> AppResult<ClaimBody> {
        let d = |x: NaiveDate| x.format("%Y-%m-%d").to_string();
        let nights = (self.to - self.from).num_days().max(1);
        let lodging = self.per_night * nights;
        let body = json!({
            "budget_line_id": line_id,
            "purpose": self.purpose,
            "destination": self.city,
            "departure_date": d(self.from),
            "return_date": d(self.to),
            "stays": [{"city": self.city, "check_in": d(self.from), "check_out": d(self.to),
                       "lodging_amount": format!("{lodging}.00"), "invoice": self.invoice,
                       "invoice_no": invoice_no}],
            "tickets": [{"description": format!("平乡—{}", self.city), "amount": self.fare},
                        {"description": format!("{}—平乡", self.city), "amount": self.fare}],
            "meals_provided": if self.lunch_provided {
                json!([{"date": d(self.from + Duration::days(1)), "breakfast": false, "lunch": true, "dinner": false}])
            } else { json!([]) },
            "vehicle_provided_dates": [],
        });
        serde_json::from_value(body).map_err(|e| AppError::Internal(format!("demo claim: {e}")))
    }
}

/// One claim of the story: who, on which line, the trip, and how it goes.
struct Planned {
    claimant: usize,
    line: &'static str,
    trip: Trip,
    submitted: NaiveDate,
    /// Working days from submission to decision.
    decided_after: usize,
    /// Working days from approval to payment.
    paid_after: usize,
    /// Refused with this reason instead of approved.
    refused: Option<&'static str>,
}

const NO_INVOICE: &str = "住宿未取得发票，按规定住宿费、城市间交通费和补助均不予报销";
const WRONG_TITLE: &str = "住宿发票抬头不是本单位，请更换后重新提交";

fn city_of(line: &str, i: usize) -> (&'static str, &'static str, &'static str) {
    match (line, i % 3) {
        ("dept.project.petition-work.operations", 0) => {
            ("北京", "128.00", "赴京协调信访事项并劝返")
        }
        ("dept.project.petition-work.operations", _) => ("石家庄", "65.50", "赴省信访局汇报工作"),
        ("dept.project.petition-work.publicity", 0) => ("北京", "128.00", "参加国家信访局业务培训"),
        ("dept.project.petition-work.publicity", _) => {
            ("石家庄", "65.50", "参加全省依法治访宣传培训")
        }
        _ => ("邢台", "22.00", "参加市信访工作会议"),
    }
}

fn cap(city: &str) -> i64 {
    match city {
        "北京" => 400,
        "石家庄" => 300,
        _ => 200,
    }
}

/// The year's claims, in no particular order.
fn plan() -> AppResult<Vec<Planned>> {
    let mut out = Vec::new();
    let events = EVENTS
        .iter()
        .map(|&(_, from, to, who, _)| Ok((date(from.0, from.1)?, date(to.0, to.1)?, who)))
        .collect::<AppResult<Vec<_>>>()?;
    // Ordinary business, about every eleven days from mid-January to the end of November.
    for i in 0..ORDINARY {
        let line = match i % 5 {
            0 | 2 => "dept.project.petition-work.operations",
            1 | 3 => "dept.project.petition-work.publicity",
            _ => "dept.basic.public",
        };
        let claimant = TRAVELLERS[i % TRAVELLERS.len()];
        let (city, fare, purpose) = city_of(line, i);
        let nights = i64::try_from(1 + (i * 7) % 4).unwrap_or(1) + i64::from(city == "北京");
        let offset = i64::try_from(i * 323 / (ORDINARY - 1)).unwrap_or_default();
        let mut from = working_on_or_after(date(1, 11)? + Duration::days(offset));
        // Nobody is on two trips at once: a trip that would cross the traveller's duty at a
        // sensitive period starts after it.
        for (first, last, who) in &events {
            if who.contains(&claimant) && from <= *last && from + Duration::days(nights) >= *first {
                from = working_on_or_after(*last + Duration::days(1));
            }
        }
        let to = from + Duration::days(nights);
        let excess = [-40, 0, 20, 0, 40][i % 5];
        let invoice = i % 9 != 4;
        out.push(Planned {
            claimant,
            line,
            trip: Trip {
                purpose: purpose.to_string(),
                city,
                fare,
                from,
                to,
                per_night: cap(city) + excess,
                invoice,
                lunch_provided: i % 2 == 0,
            },
            submitted: working_on_or_after(to + Duration::days(i64::try_from(i % 3).unwrap_or(0))),
            decided_after: 1 + i % 3,
            paid_after: 2 + (i * 5) % 7,
            refused: if !invoice {
                Some(NO_INVOICE)
            } else if i % 8 == 3 {
                Some(WRONG_TITLE)
            } else {
                None
            },
        });
    }
    // Station duty, claimed a quarter at a time (R10: duty spending is travel claims charged
    // to the station's line).
    let duty = |claimant: usize,
                line: &'static str,
                city: &'static str,
                fare: &'static str,
                q: usize,
                offset: usize,
                first: bool|
     -> AppResult<Planned> {
        let ((m1, d1), (m2, d2)) = QUARTERS[q];
        let (from, to) = (date(m1, d1)?, date(m2, d2)?);
        let station = if city == "北京" {
            "驻京值班"
        } else {
            "驻省值班"
        };
        Ok(Planned {
            claimant,
            line,
            trip: Trip {
                purpose: format!("{station}（{m1}—{m2} 月）"),
                city,
                fare,
                from,
                to,
                per_night: cap(city),
                invoice: true,
                lunch_provided: false,
            },
            submitted: working_days_after(to + Duration::days(1), offset),
            // The autumn's claims arrive in the year-end rush: the first of each station is
            // approved, the others are still being checked.
            decided_after: match (q, first) {
                (3, true) => 3,
                (3, false) => 5,
                _ => 1 + (offset + q) % 3,
            },
            paid_after: 3 + (offset + q) % 4,
            refused: None,
        })
    };
    for (j, person) in BEIJING_STAFF.into_iter().enumerate() {
        for q in 0..QUARTERS.len() {
            out.push(duty(
                person,
                "dept.project.petition-work.beijing-duty",
                "北京",
                "128.00",
                q,
                j,
                j == 0,
            )?);
        }
    }
    for (k, (person, first, last)) in PROVINCE_STAFF.into_iter().enumerate() {
        for q in first..=last {
            out.push(duty(
                person,
                "dept.project.petition-work.province-duty",
                "石家庄",
                "65.50",
                q,
                // After the Beijing four, so no day gathers a crowd of duty claims; December's
                // fall in its first days, before the story stops.
                if q < 3 { 4 + k } else { [1, 3, 4][k] },
                k == 0,
            )?);
        }
    }
    // The extra staff of each sensitive period, each claiming their days in Beijing.
    for (e, (name, ..)) in EVENTS.iter().enumerate() {
        let (from, to, who) = events[e];
        for (p, person) in who.iter().enumerate() {
            out.push(Planned {
                claimant: *person,
                line: "dept.project.petition-work.sensitive-duty",
                trip: Trip {
                    purpose: format!("{name}期间赴京值班"),
                    city: "北京",
                    fare: "128.00",
                    from,
                    to,
                    per_night: cap("北京"),
                    invoice: true,
                    lunch_provided: false,
                },
                submitted: working_days_after(to + Duration::days(1), p),
                decided_after: 1 + (e + p) % 2,
                paid_after: 2 + (e + p) % 5,
                refused: None,
            });
        }
    }
    Ok(out)
}

/// One dated step of the story.
enum Act {
    Submit(usize),
    /// The claimant takes the claim back to replace its invoice, and starts the amendment.
    Withdraw(usize),
    /// A trip written down and saved, to be finished later.
    SaveDraft(usize),
    Approve(usize),
    Refuse(usize, &'static str),
    Pay(usize, NaiveDate),
    RequestAdjustment(usize),
    ApproveAdjustment(usize),
    PlanEvent(usize),
    MakeBatch(Half),
    ApproveBatch(Half),
    PayBatch(Half, NaiveDate),
}

/// The story's steps before [`today`], in the order they happened.
fn story(planned: &[Planned]) -> AppResult<Vec<(NaiveDateTime, Act)>> {
    let today = today();
    let last_payment_run = date(12, 3)?;
    let mut steps = Vec::new();
    for (i, p) in planned.iter().enumerate() {
        if p.submitted >= today {
            return Err(AppError::Internal(format!(
                "demo: claim {i} after the story"
            )));
        }
        steps.push((moment(p.submitted, 37 * i + 15), Act::Submit(i)));
        if p.refused == Some(WRONG_TITLE) && i % 16 == 11 {
            let next = working_days_after(p.submitted + Duration::days(1), 0);
            steps.push((moment(next, 11 * i), Act::Withdraw(i)));
            continue;
        }
        let decided = working_days_after(p.submitted + Duration::days(1), p.decided_after - 1);
        if decided >= today {
            continue;
        }
        let at = moment(decided, 23 * i + 60);
        if let Some(reason) = p.refused {
            steps.push((at, Act::Refuse(i, reason)));
            continue;
        }
        steps.push((at, Act::Approve(i)));
        let paid = working_days_after(decided + Duration::days(1), p.paid_after - 1);
        // The year's last payment run was on Friday 3 December: later approvals wait for the next.
        if paid <= last_payment_run {
            steps.push((moment(paid, 13 * i + 330), Act::Pay(i, paid)));
        }
    }
    for (k, (requested, ..)) in ADJUSTMENTS.iter().enumerate() {
        let on = working_on_or_after(date(requested.0, requested.1)?);
        steps.push((moment(on, 60 + 30 * k), Act::RequestAdjustment(k)));
        let approved = working_days_after(on + Duration::days(1), 1);
        steps.push((moment(approved, 90 + 30 * k), Act::ApproveAdjustment(k)));
    }
    for (e, (.., planned_on)) in EVENTS.iter().enumerate() {
        let on = working_on_or_after(date(planned_on.0, planned_on.1)?);
        steps.push((moment(on, 120), Act::PlanEvent(e)));
    }
    steps.push((moment(date(5, 24)?, 90), Act::MakeBatch(Half::H1)));
    steps.push((moment(date(5, 28)?, 150), Act::ApproveBatch(Half::H1)));
    let paid = date(6, 4)?;
    steps.push((moment(paid, 360), Act::PayBatch(Half::H1, paid)));
    for (k, &(traveller, ..)) in DRAFTS.iter().enumerate() {
        steps.push((
            moment(date(12, 6)?, 200 + 45 * k),
            Act::SaveDraft(traveller),
        ));
    }
    steps.push((moment(date(11, 22)?, 90), Act::MakeBatch(Half::H2)));
    steps.push((moment(date(11, 26)?, 150), Act::ApproveBatch(Half::H2)));
    // Stable: steps at the same moment keep the order above.
    steps.sort_by_key(|(at, _)| *at);
    Ok(steps)
}

/// Fills an empty database; refuses one with any user in it.
pub fn run(pool: &Pool) -> AppResult<DemoReport> {
    if users::count(pool)? > 0 {
        return Err(AppError::Internal(
            "the database is not empty: `baoxiao demo` only fills a new one".into(),
        ));
    }
    let org = users::resolve_org(&mut *conn(pool)?, None)?;
    // The staff, the rosters and the cadres: the first working morning of the year.
    let (logins, actors) = db::stamped_at(first_morning(), || setup(pool, org.id))?;
    let (holder, clerk, cashier) = (&actors[HOLDER], &actors[CLERK], &actors[CASHIER]);
    let line = |code: &str| -> AppResult<i64> {
        lines::find_by_code(&mut *conn(pool)?, org.id, YEAR, code)?
            .map(|l| l.id)
            .ok_or_else(|| AppError::Internal(format!("demo: no line {code}")))
    };
    let planned = plan()?;
    let margin = PaymentMargin(30);
    let mut ids: Vec<Option<i64>> = vec![None; planned.len()];
    let mut approved = vec![false; planned.len()];
    let mut adjustment_ids: Vec<Option<i64>> = vec![None; ADJUSTMENTS.len()];
    let mut batches: Vec<(Half, i64)> = Vec::new();
    let cadre_line = line("dept.project.cadre-subsidy")?;
    let batch_of = |batches: &[(Half, i64)], half: Half| {
        batches
            .iter()
            .find(|(h, _)| *h == half)
            .map(|(_, id)| *id)
            .ok_or_else(|| AppError::Internal("demo: no batch".into()))
    };
    let claim_of = |ids: &[Option<i64>], i: usize| {
        ids[i].ok_or_else(|| AppError::Internal("demo: a step before its claim".into()))
    };
    for (at, act) in story(&planned)? {
        db::stamped_at(at, || -> AppResult<()> {
            match act {
                Act::Submit(i) => {
                    let p = &planned[i];
                    ids[i] = Some(submit_with_paper(
                        pool,
                        &actors[p.claimant],
                        i,
                        p,
                        line(p.line)?,
                    )?);
                }
                Act::Withdraw(i) => {
                    let actor = &actors[planned[i].claimant];
                    claims::withdraw(pool, actor, claim_of(&ids, i)?)?;
                    lifecycle::amend(pool, actor, claim_of(&ids, i)?)?;
                }
                Act::SaveDraft(traveller) => {
                    let (_, purpose, city, from, to) = DRAFTS
                        .iter()
                        .find(|d| d.0 == traveller)
                        .copied()
                        .ok_or_else(|| AppError::Internal("demo: no draft".into()))?;
                    let body = json!({
                        "budget_line_id": line("dept.project.petition-work.operations")?,
                        "purpose": purpose,
                        "destination": city,
                        "departure_date": date(from.0, from.1)?.to_string(),
                        "return_date": date(to.0, to.1)?.to_string(),
                    });
                    lifecycle::save(pool, &actors[traveller], Ok(body.to_string()))?;
                }
                Act::Approve(i) => {
                    // R18: each step of the chain in turn, the same morning.
                    let id = claim_of(&ids, i)?;
                    let mut step = claims::get(pool, clerk, id)?.step;
                    while let Some(at) = step {
                        let by = approver(&actors, clerk, planned[i].claimant, at)?;
                        match claims::approve(pool, by, id) {
                            Ok(claim) => step = claim.step,
                            // A line that cannot cover it keeps the claim waiting, as in real
                            // life.
                            Err(AppError::InsufficientBudget(_)) => break,
                            Err(other) => return Err(other),
                        }
                    }
                    approved[i] = step.is_none();
                }
                Act::Refuse(i, reason) => {
                    // The department head lets it through; finance refuses it.
                    let id = claim_of(&ids, i)?;
                    if claims::get(pool, clerk, id)?.step == Some(Step::DepartmentHead) {
                        let by =
                            approver(&actors, clerk, planned[i].claimant, Step::DepartmentHead)?;
                        claims::approve(pool, by, id)?;
                    }
                    claims::reject(pool, clerk, id, Ok(reason.to_string()))?;
                }
                Act::Pay(i, on) => {
                    if approved[i] {
                        claims::pay(pool, cashier, claim_of(&ids, i)?, Ok(on), margin)?;
                    }
                }
                Act::RequestAdjustment(k) => {
                    let (_, kind, to, from, yuan, reason, document) = ADJUSTMENTS[k];
                    let amount = PositiveMoney::new(Money::yuan(yuan))
                        .ok_or_else(|| AppError::Internal("demo adjustment".into()))?;
                    let made = adjustments::request(
                        pool,
                        holder,
                        Ok(adjustments::Request {
                            kind,
                            line_id: line(to)?,
                            from_line_id: from.map(line).transpose()?,
                            amount,
                            reason: reason.to_string(),
                            document_no: document.map(str::to_string),
                        }),
                    )?;
                    adjustment_ids[k] = Some(made.id);
                }
                Act::ApproveAdjustment(k) => {
                    let id = adjustment_ids[k]
                        .ok_or_else(|| AppError::Internal("demo: no adjustment".into()))?;
                    adjustments::approve(pool, clerk, id)?;
                }
                Act::PlanEvent(e) => {
                    let (name, from, to, who, _) = EVENTS[e];
                    duty::create_event(
                        pool,
                        holder,
                        Ok(duty::NewDutyEvent {
                            name: name.to_string(),
                            city: "北京".to_string(),
                            budget_line_id: line("dept.project.petition-work.sensitive-duty")?,
                            from: date(from.0, from.1)?,
                            to: date(to.0, to.1)?,
                            extra_staff: i32::try_from(who.len()).unwrap_or_default(),
                        }),
                    )?;
                }
                Act::MakeBatch(half) => {
                    let batch = subsidy::create_batch(
                        pool,
                        clerk,
                        Ok(subsidy::NewBatchSpec {
                            budget_line_id: cadre_line,
                            year: YEAR,
                            half,
                            supplementary: false,
                        }),
                    )?;
                    batches.push((half, batch.id));
                }
                Act::ApproveBatch(half) => {
                    subsidy::approve(pool, cashier, batch_of(&batches, half)?)?;
                }
                Act::PayBatch(half, on) => {
                    subsidy::pay(pool, clerk, batch_of(&batches, half)?, Ok(on), margin)?;
                }
            }
            Ok(())
        })?;
    }
    clock::pin(pool, org.id, Some(today()))?;

    Ok(DemoReport {
        logins,
        claims: planned.len(),
    })
}

/// The bureau's 统一社会信用代码: the buyer its hotels' 数电发票 name (R19).
const TAX_ID: &str = "11130532MB0000001C";

/// A trip written down and saved as a draft (R17): the traveller, the purpose, the city, the first
/// and last day (month, day).
type DraftPlan = (usize, &'static str, &'static str, (u32, u32), (u32, u32));

/// Trips of early December, saved as drafts on the 6th.
const DRAFTS: [DraftPlan; 2] = [
    (12, "赴市信访局参加业务培训", "邢台", (12, 2), (12, 3)),
    (14, "赴省信访局汇报年度工作", "石家庄", (12, 1), (12, 3)),
];

/// A claim submitted with its paper (R17): the hotel's invoice, as its 数电发票 file for every
/// fourth claim (read again at submission, R19, its number on the stay) and as a scan of the
/// paper invoice otherwise. A claim without an invoice has no paper to attach. Returns the id.
fn submit_with_paper(
    pool: &Pool,
    actor: &Context,
    i: usize,
    p: &Planned,
    line_id: i64,
) -> AppResult<i64> {
    let electronic = p.trip.invoice && i % 4 == 0;
    let number = electronic.then(|| format!("2113200000{:010}", 4_200_000 + i));
    let body = p.trip.body(line_id, number.as_deref())?;
    let sent = serde_json::to_string(&body).map_err(|e| AppError::Internal(e.to_string()))?;
    if !p.trip.invoice {
        return Ok(claims::submit(pool, actor, Ok((body.try_into()?, sent)), None)?.id);
    }
    let draft = lifecycle::save(pool, actor, Ok(sent))?;
    match number {
        Some(number) => {
            let xml = hotel_einvoice(&number, &p.trip)?;
            attachments::add(pool, actor, draft.id, "住宿费电子发票.xml", xml.as_bytes())?
        }
        None => attachments::add(pool, actor, draft.id, "住宿费发票.pdf", &scanned_invoice())?,
    };
    let parse = |text: &str| -> AppResult<NewClaimSpec> {
        serde_json::from_str::<ClaimBody>(text)
            .map_err(|e| AppError::Internal(format!("demo draft: {e}")))?
            .try_into()
    };
    Ok(lifecycle::submit(pool, actor, draft.id, parse)?.id)
}

/// The hotel's 数电发票 for a trip's stay: the lodging paid, 6% VAT included, issued on the day
/// of check-out to the bureau.
fn hotel_einvoice(number: &str, trip: &Trip) -> AppResult<String> {
    let nights = (trip.to - trip.from).num_days().max(1);
    let total = rust_decimal::Decimal::from(trip.per_night * nights);
    let net = (total / rust_decimal::Decimal::new(106, 2)).round_dp(2);
    let (seller, region) = match trip.city {
        "北京" => ("北京信通宾馆有限公司", "110101"),
        "石家庄" => ("石家庄燕赵宾馆有限公司", "130102"),
        _ => ("邢台牛城宾馆有限公司", "130502"),
    };
    let first17 = format!("91{region}MA0{:06}", nights * 7919);
    let check = crate::domain::credit_code::check_character(first17.as_bytes())
        .ok_or_else(|| AppError::Internal("demo: seller code".into()))?;
    let seller_id = format!("{first17}{}", char::from(check));
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<EInvoice>
  <Header><EInvoiceTag>SWEI1300</EInvoiceTag><Version>0.1</Version></Header>
  <EInvoiceData>
    <SellerInformation><SellerIdNum>{seller_id}</SellerIdNum><SellerName>{seller}</SellerName></SellerInformation>
    <BuyerInformation><BuyerIdNum>{TAX_ID}</BuyerIdNum><BuyerName>平乡县信访局</BuyerName></BuyerInformation>
    <BasicInformation>
      <TotalAmWithoutTax>{net:.2}</TotalAmWithoutTax>
      <TotalTaxAm>{tax:.2}</TotalTaxAm>
      <TotalTax-includedAmount>{total:.2}</TotalTax-includedAmount>
      <Drawer>前台</Drawer>
    </BasicInformation>
    <IssuItemInformation>
      <ItemName>*住宿服务*住宿费</ItemName><MeaUnits>天</MeaUnits><Quantity>{nights}</Quantity>
      <Amount>{net:.2}</Amount><TaxRate>0.06</TaxRate><ComTaxAm>{tax:.2}</ComTaxAm>
      <TotaltaxIncludedAmount>{total:.2}</TotaltaxIncludedAmount>
    </IssuItemInformation>
  </EInvoiceData>
  <TaxSupervisionInfo>
    <InvoiceNumber>{number}</InvoiceNumber>
    <IssueTime>{issued} 10:31:05</IssueTime>
  </TaxSupervisionInfo>
</EInvoice>
"#,
        tax = total - net,
        issued = trip.to.format("%Y-%m-%d"),
    ))
}

/// A scan of a paper invoice, as a one-page PDF (a blank A5 page with a frame).
fn scanned_invoice() -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 420] /Contents 4 0 R >>".to_string(),
        {
            let frame = "2 w 40 40 515 340 re S";
            format!("<< /Length {} >>\nstream\n{frame}\nendstream", frame.len())
        },
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", n + 1).as_bytes());
    }
    let xref = pdf.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        tail.push_str(&format!("{offset:010} 00000 n \n"));
    }
    tail.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.extend_from_slice(tail.as_bytes());
    pdf
}

/// Who decides step `step` of a claim of `claimant`: the head of their department, finance's
/// clerk, or the leader.
fn approver<'a>(
    actors: &'a [Context],
    clerk: &'a Context,
    claimant: usize,
    step: Step,
) -> AppResult<&'a Context> {
    match step {
        Step::DepartmentHead => head_of(claimant)
            .map(|head| &actors[head])
            .ok_or_else(|| AppError::Internal("demo: a department step without a head".into())),
        Step::Leader => Ok(&actors[LEADER]),
        Step::Finance => Ok(clerk),
    }
}

/// R18: the departments with their people, and the three-step chain.
fn approval_chain(pool: &Pool, org_id: i64, ids: &[i64]) -> AppResult<()> {
    let mut c = conn(pool)?;
    for (name, head, members) in DEPARTMENTS {
        let department = approval::add_department_on(&mut c, org_id, name)?;
        for person in std::iter::once(head).chain(members.iter().copied()) {
            approval::put_in_department_on(&mut c, org_id, ids[person], Some(department))?;
        }
    }
    drop(c);
    let steps: Vec<String> = CHAIN.iter().map(|s| s.to_string()).collect();
    let org = users::resolve_org(&mut *conn(pool)?, None)?;
    approval::set_chain_cli(
        pool,
        Some(&org.code),
        &steps,
        Money::yuan(LEADER_THRESHOLD_YUAN),
    )?;
    Ok(())
}

/// The staff with their logins, the rosters and the cadres.
fn setup(pool: &Pool, org_id: i64) -> AppResult<(Vec<DemoLogin>, Vec<Context>)> {
    let mut logins = Vec::new();
    let mut actors: Vec<Context> = Vec::new();
    let mut ids = Vec::new();
    for (name, login, roles) in STAFF {
        let (id, token) = users::add_user(pool, None, name, roles)?;
        ids.push(id);
        let password = password_for(login);
        sign_in::add_login(pool, org_id, id, login, &password, false)?;
        actors.push(Context::from(users::authenticate(pool, &token)?));
        logins.push(DemoLogin {
            name: name.to_string(),
            roles: roles_text(roles),
            login: login.to_string(),
            password,
        });
    }
    organisation::set_from_command_line(
        pool,
        None,
        organisation::Changes {
            name: None,
            tax_id: Some(TAX_ID.to_string()),
        },
    )?;
    approval_chain(pool, org_id, &ids)?;
    rosters(pool, &actors[HOLDER])?;
    // The cadres (R9), enrolled for years.
    for (name, first17, bank, account) in CADRES {
        subsidy::create_recipient(
            pool,
            &actors[CLERK],
            Ok(subsidy::NewRecipientSpec {
                name: name.to_string(),
                monthly: None,
                enrollment: Enrollment::open(date(1, 1)?),
                payee: cadre_payee(first17, bank, account)?,
            }),
        )?;
    }

    Ok((logins, actors))
}

/// The Beijing and Shijiazhuang rosters, as the year begins.
fn rosters(pool: &Pool, holder: &Context) -> AppResult<()> {
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(YEAR, m, day).unwrap_or_default()
    }

    #[test]
    fn the_2021_calendar_of_working_days() {
        assert!(is_working_day(d(1, 4)), "a Monday");
        assert!(!is_working_day(d(1, 1)), "New Year's Day");
        assert!(!is_working_day(d(2, 12)), "Spring Festival");
        assert!(is_working_day(d(2, 7)), "the Sunday worked before it");
        assert!(!is_working_day(d(10, 4)), "National Day week");
        assert!(is_working_day(d(10, 9)), "the Saturday worked after it");
        assert!(!is_working_day(d(12, 4)), "a Saturday");
        assert_eq!(working_days_after(d(9, 30), 1), d(10, 8));
        assert_eq!(working_days_after(d(12, 3), 1), d(12, 6));
    }

    #[test]
    fn every_step_lies_in_the_year_before_today_and_in_order() {
        let planned = plan().unwrap_or_default();
        let steps = story(&planned).unwrap_or_default();
        assert!(steps.len() > planned.len() * 2, "{}", steps.len());
        let first = first_morning();
        let stop = today().and_time(NaiveTime::default());
        let mut last = first;
        for (at, _) in &steps {
            assert!(*at > first && *at < stop, "{at}");
            assert!(*at >= last, "in order");
            // 08:30 to 16:30 in Shanghai.
            assert!(is_working_day((*at + Duration::hours(8)).date()), "{at}");
            last = *at;
        }
        for p in &planned {
            assert!(p.submitted >= p.trip.to);
        }
    }
}
