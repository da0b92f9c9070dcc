//! The budget holder's pages (web.md "Budget holder"): 预算总览, a line's page with its R10
//! forecast chart and the rosters and events behind it, 绩效自评 and 报表. Readers are admin,
//! finance and budget holders; adding an assignment or an event is for admin and budget holders,
//! as in the API, through the same services.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use crate::db::Pool;
use crate::domain::budget::{EntryKind, SourceType};
use crate::domain::performance::execution_rate;
use crate::domain::{FieldProblem, Money};
use crate::error::AppError;
use crate::export;
use crate::routes::extract::parse_json;
use crate::services::dashboard;
use crate::services::permissions::{self, UseCase};
use crate::services::{duty, pages, reports};
use crate::wire::{AssignmentBody, EventBody, LineView, YearQuery};

use super::charts::{bar_svg, forecast_svg, ForecastChart};
use super::format::{self, yuan};
use super::session::SignedIn;
use super::{done, html, run, Nav, PageError, PageResult, Posted};

/// Ledger entries per page on a line's page.
const ENTRIES_PER_PAGE: i64 = 50;

/// A budget page's signed-in reader and the year it shows: the year asked for (`?year=`, 2000 to
/// 2100), or the latest year that has a budget.
pub struct ForYear {
    user: SignedIn,
    year: i32,
}

impl FromRequest for ForYear {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<ForYear, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (req, user) = (req.clone(), SignedIn::from_request(req, payload));
        Box::pin(async move {
            let user = user.await?;
            let asked = web::Query::<YearQuery>::extract(&req).await?.year;
            let year = match asked {
                Some(y) if (2000..=2100).contains(&y) => y,
                Some(_) => Err(PageError::Failed(AppError::field(
                    "year",
                    FieldProblem::OutOfRange {
                        min: 2000,
                        max: 2100,
                        english: "a year from 2000 to 2100",
                    },
                )))?,
                None => {
                    let pool = web::Data::<Pool>::extract(&req).await?;
                    user.run(&pool, move |p, actor| pages::budget_year(p, actor))
                        .await?
                }
            };
            Ok(ForYear { user, year })
        })
    }
}

/// One line of 预算总览.
#[derive(Clone, Debug)]
pub struct OverviewRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub indent: i32,
    pub allocated: String,
    pub committed: String,
    pub spent: String,
    pub available: String,
    pub rate: String,
    pub bar: String,
    /// What colour alone must not say: oversubscription, a line used up.
    pub warnings: Vec<String>,
}

fn rate(line: &LineView) -> String {
    execution_rate(line.spent, line.allocated)
        .map(|r| format!("{r}%"))
        .unwrap_or_else(|| "—".to_string())
}

fn warnings(line: &LineView) -> Vec<String> {
    let mut out = Vec::new();
    if !line.oversubscribed_by.is_zero() {
        out.push(format!(
            "超额 {}（下级预算合计超过本项）",
            yuan(line.oversubscribed_by)
        ));
    }
    if line.available.is_zero() && !line.allocated.is_zero() {
        out.push("已用完".to_string());
    }
    out
}

fn overview_row(depth: i32, line: &LineView) -> OverviewRow {
    OverviewRow {
        id: line.id,
        code: line.code.clone(),
        name: line.name.clone(),
        indent: depth.clamp(0, 8),
        allocated: yuan(line.allocated),
        committed: yuan(line.committed),
        spent: yuan(line.spent),
        available: yuan(line.available),
        rate: rate(line),
        bar: bar_svg(&line.name, line.allocated, line.committed, line.spent),
        warnings: warnings(line),
    }
}

#[derive(Template)]
#[template(path = "budget.html")]
struct OverviewPage {
    nav: Nav,
    year: i32,
    rows: Vec<OverviewRow>,
}

/// 预算总览: the year's tree from one query for its lines (never the ledger).
pub async fn overview(pool: web::Data<Pool>, ForYear { user, year }: ForYear) -> PageResult {
    let actor = user.actor();
    let tree = run(move || dashboard::overview(&pool, &actor, year)).await?;
    html(
        StatusCode::OK,
        &OverviewPage {
            nav: Nav::new(&user, "/budget"),
            year,
            rows: tree.iter().map(|(d, l)| overview_row(*d, l)).collect(),
        },
    )
}

/// One ledger entry on a line's page.
#[derive(Clone, Debug)]
pub struct EntryItem {
    pub id: i64,
    pub at: String,
    pub kind: &'static str,
    pub amount: String,
    pub source: String,
    pub link: Option<String>,
    pub actor: String,
}

fn entry_kind(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Allocate => "下达",
        EntryKind::Commit => "承诺",
        EntryKind::Release => "释放",
        EntryKind::Spend => "支出",
        EntryKind::Adjust => "调整",
    }
}

/// Where an entry's document lives, and how to say it.
fn entry_source(source_type: SourceType, id: Option<i64>) -> (String, Option<String>) {
    let (what, link) = match source_type {
        SourceType::BudgetLine => return ("预算下达".to_string(), None),
        SourceType::TravelClaim => ("差旅报销", id.map(|id| format!("/claims/{id}"))),
        SourceType::SubsidyBatch => (
            "老干部补助批次",
            id.map(|id| format!("/subsidy/batches/{id}")),
        ),
        // R14: the adjustment is in the history above the ledger on the same page.
        SourceType::BudgetAdjustment => (
            "预算调整",
            id.map(|_| "#line-adjustments-title".to_string()),
        ),
        SourceType::TravelRequest => ("出差申请", None),
    };
    match id {
        Some(id) => (format!("{what} #{id}"), link),
        None => (what.to_string(), link),
    }
}

#[derive(Clone, Debug)]
pub struct AssignmentItem {
    pub person: String,
    pub dates: String,
    pub person_days: i64,
    pub cost: String,
}

#[derive(Clone, Debug)]
pub struct RosterItem {
    pub id: i64,
    pub name: String,
    pub city: String,
    pub daily_cost: String,
    pub assignments: Vec<AssignmentItem>,
}

#[derive(Clone, Debug)]
pub struct EventItem {
    pub name: String,
    pub city: String,
    pub dates: String,
    pub extra_staff: i32,
    pub person_days: i64,
    pub cost: String,
}

/// The R10 figures beside the chart.
#[derive(Clone, Debug)]
pub struct ForecastFigures {
    pub as_of: String,
    pub projected_remaining: String,
    pub projected_total: String,
    pub shortfall: Option<String>,
    pub exhaustion: Option<String>,
    pub svg: String,
}

#[derive(Template)]
#[template(path = "budget_line.html")]
struct LinePageView {
    nav: Nav,
    line: OverviewRow,
    year: i32,
    path: Vec<(i64, String)>,
    children: Vec<OverviewRow>,
    entries: Vec<EntryItem>,
    older: Option<String>,
    first_page: bool,
    forecast: Option<ForecastFigures>,
    rosters: Vec<RosterItem>,
    events: Vec<EventItem>,
    can_plan: bool,
    today: String,
    /// The line's 预算调整记录 (R14), rendered by the adjustments pages' own partial.
    adjustments: String,
    may_request_adjustment: bool,
}

#[derive(Deserialize)]
pub struct LineQuery {
    before: Option<i64>,
    /// Entries per page, 1–200.
    per_page: Option<i64>,
    /// The forecast's date (as the API's `as_of`); today when absent.
    as_of: Option<String>,
}

/// A line's page: figures, entries newest first, the R10 chart, rosters and events.
pub async fn line(
    pool: web::Data<Pool>,
    user: SignedIn,
    id: web::Path<i64>,
    query: web::Query<LineQuery>,
) -> PageResult {
    let (id, before) = (id.into_inner(), query.before);
    let size = query.per_page.unwrap_or(ENTRIES_PER_PAGE).clamp(1, 200);
    let as_of = match query
        .as_of
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(text) => Some(
            crate::wire::iso::parse(text)
                .ok_or_else(|| AppError::field("as_of", crate::wire::iso::problem(text)))?,
        ),
        None => None,
    };
    let (page, today, adjustments, cities) = user
        .run(&pool, move |p, actor| {
            Ok((
                dashboard::line_page(p, actor, id, before, size, as_of)?,
                pages::today(p, actor)?,
                super::adjustments::line_partial(p, actor, id)?
                    .render()
                    .map_err(|e| AppError::Internal(format!("template: {e}")))?,
                pages::city_names(p, actor)?,
            ))
        })
        .await?;
    let line = &page.line;
    let view = LinePageView {
        nav: Nav::new(&user, "/budget"),
        line: overview_row(0, line),
        year: line.year,
        path: page.path.clone(),
        children: page.children.iter().map(|c| overview_row(0, c)).collect(),
        entries: entry_items(&page),
        older: page.older.map(|b| {
            let mut href = format!("/budget/lines/{}?before={b}", line.id);
            if let Some(n) = query.per_page {
                href.push_str(&format!("&per_page={n}"));
            }
            href
        }),
        first_page: before.is_none(),
        forecast: forecast_figures(&page),
        rosters: roster_items(&page, &cities),
        events: event_items(&page, &cities),
        can_plan: permissions::allows(&user.actor, UseCase::AddAssignment),
        today: format::date(today),
        adjustments,
        may_request_adjustment: crate::services::adjustments::may_request(&user.actor),
    };
    html(StatusCode::OK, &view)
}

/// The R10 forecast of a line's page: its figures and its chart.
fn forecast_figures(page: &dashboard::LinePage) -> Option<ForecastFigures> {
    let (f, segments) = page.forecast.as_ref()?;
    let used = f.committed.checked_add(f.spent).unwrap_or(Money::ZERO);
    Some(ForecastFigures {
        as_of: format::date(f.as_of),
        projected_remaining: yuan(f.projected_remaining),
        projected_total: yuan(f.projected_total),
        shortfall: (!f.shortfall.is_zero()).then(|| yuan(f.shortfall)),
        exhaustion: f.exhaustion_date.map(format::date),
        svg: forecast_svg(&ForecastChart {
            year: page.line.year,
            as_of: f.as_of,
            allocated: f.allocated,
            used,
            segments,
            projected_total: f.projected_total,
            shortfall: f.shortfall,
            exhaustion_date: f.exhaustion_date,
        }),
    })
}

/// A line's ledger entries, dated in the organisation's time zone, each naming its document.
fn entry_items(page: &dashboard::LinePage) -> Vec<EntryItem> {
    page.entries
        .iter()
        .map(|line| {
            let e = &line.entry;
            let (source, link) = entry_source(e.source_type, e.source_id);
            EntryItem {
                id: e.id,
                at: format::date(crate::services::clock::local_date(page.zone, e.at)),
                kind: entry_kind(e.kind),
                amount: yuan(Money::from_fen(e.amount_fen)),
                source,
                link,
                actor: line.actor.clone().unwrap_or_else(|| "系统".to_string()),
            }
        })
        .collect()
}

/// A city as people name it (北京), never by its code.
fn city_name(cities: &HashMap<String, String>, code: &str) -> String {
    cities
        .get(code)
        .cloned()
        .unwrap_or_else(|| code.to_string())
}

/// A line's duty stations and who is on duty there.
fn roster_items(page: &dashboard::LinePage, cities: &HashMap<String, String>) -> Vec<RosterItem> {
    page.rosters
        .iter()
        .map(|r| RosterItem {
            id: r.station.id,
            // The default stations are named by their city's code (budget-2021.md): a
            // clerk reads them by the city's name.
            name: match cities.get(&r.station.name) {
                Some(city_name) => format!("{city_name}值班点"),
                None => r.station.name.clone(),
            },
            city: city_name(cities, &r.station.city),
            daily_cost: yuan(r.station.daily_cost),
            assignments: r
                .assignments
                .iter()
                .map(|a| AssignmentItem {
                    person: a.person.clone(),
                    dates: format::dates(a.from, a.to),
                    person_days: a.person_days,
                    cost: yuan(a.estimated_cost),
                })
                .collect(),
        })
        .collect()
}

/// The sensitive periods charged to a line.
fn event_items(page: &dashboard::LinePage, cities: &HashMap<String, String>) -> Vec<EventItem> {
    page.events
        .iter()
        .map(|e| EventItem {
            name: e.name.clone(),
            city: city_name(cities, &e.city),
            dates: format::dates(e.from, e.to),
            extra_staff: e.extra_staff,
            person_days: e.person_days,
            cost: yuan(e.estimated_cost),
        })
        .collect()
}

#[derive(Deserialize)]
pub struct AssignmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    station_id: i64,
    #[serde(default)]
    person: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// What a duty plan (an assignment or a sensitive period) comes to, as its confirmation says:
/// its days, person-days and estimated cost.
fn plan(from: chrono::NaiveDate, to: chrono::NaiveDate, person_days: i64, cost: Money) -> String {
    let dates = format::dates(from, to);
    format!("{dates}，{person_days} 人天，预计 {}", yuan(cost))
}

/// Says how an addition went on the line's page, and goes back there.
async fn back_to_line(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    line_id: i64,
    result: Result<String, PageError>,
) -> PageResult {
    let back = format!("/budget/lines/{line_id}#plans");
    done(pool, user, result, format::refusal, &back).await
}

/// 添加值守人员: `POST /api/v1/duty-stations/{id}/assignments` from the line's page.
pub async fn add_assignment((pool, user, line_id, form): Posted<AssignmentForm>) -> PageResult {
    let line_id = user.checked(line_id, &form.csrf)?;
    let body = parse_json::<AssignmentBody>(
        json!({"person": form.person.trim(), "from": form.from.trim(), "to": form.to.trim()})
            .to_string()
            .as_bytes(),
    )
    .and_then(duty::NewAssignment::try_from);
    let station_id = form.station_id;
    let result = user
        .run(&pool, move |p, actor| {
            duty::add_assignment(p, actor, station_id, body)
        })
        .await
        .map(|a| {
            let plan = plan(a.from, a.to, a.person_days, a.estimated_cost);
            format!("已安排 {} 值守 {plan}。", a.person)
        });
    back_to_line(&pool, &user, line_id, result).await
}

#[derive(Deserialize)]
pub struct EventForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    extra_staff: String,
}

/// 添加敏感时期: `POST /api/v1/duty-events` charged to this line.
pub async fn add_event((pool, user, line_id, form): Posted<EventForm>) -> PageResult {
    let line_id = user.checked(line_id, &form.csrf)?;
    let staff: Result<i32, _> = form.extra_staff.trim().parse();
    let body = match staff {
        Ok(staff) => parse_json::<EventBody>(
            json!({
                "name": form.name.trim(), "city": form.city.trim(), "budget_line_id": line_id,
                "from": form.from.trim(), "to": form.to.trim(), "extra_staff": staff,
            })
            .to_string()
            .as_bytes(),
        ),
        Err(_) => Err(AppError::field(
            "extra_staff",
            FieldProblem::OutOfRange {
                min: 1,
                max: 1000,
                english: "a number from 1 to 1000",
            },
        )),
    }
    .and_then(duty::NewDutyEvent::try_from);
    let result = user
        .run(&pool, move |p, actor| duty::create_event(p, actor, body))
        .await
        .map(|e| {
            let plan = plan(e.from, e.to, e.person_days, e.estimated_cost);
            format!("已添加 {}（{plan}）。", e.name)
        });
    back_to_line(&pool, &user, line_id, result).await
}

/// One R12 indicator as 绩效自评 shows it.
#[derive(Clone, Debug)]
pub struct IndicatorItem {
    /// The line's name (its code where the year has no such line).
    pub line_name: String,
    pub name: String,
    pub unit: String,
    pub target: String,
    pub actual: String,
    /// `达成`, `未达成` or `—` (no target): words, not only a colour.
    pub met: &'static str,
    pub met_class: &'static str,
}

#[derive(Template)]
#[template(path = "performance.html")]
struct PerformancePage {
    nav: Nav,
    year: i32,
    indicators: Vec<IndicatorItem>,
}

/// 绩效自评: the R12 indicators with target, actual and met.
pub async fn performance(pool: web::Data<Pool>, ForYear { user, year }: ForYear) -> PageResult {
    let actor = user.actor();
    let (list, lines) = run(move || {
        Ok((reports::performance(&pool, &actor, year)?, {
            // Each indicator's line by name: this year's, or the latest year's that has it.
            let mut lines = crate::services::budget::list(&pool, &actor, year)?;
            for earlier in (year - 10..year).rev() {
                if !lines.is_empty() {
                    break;
                }
                lines = crate::services::budget::list(&pool, &actor, earlier)?;
            }
            lines
        }))
    })
    .await?;
    let indicators = list
        .into_iter()
        .map(|i| {
            let (met, met_class) = match i.met {
                Some(true) => ("✓ 达成", "ok"),
                Some(false) => ("✗ 未达成", "no"),
                None => ("—（未设目标）", "muted"),
            };
            IndicatorItem {
                line_name: lines
                    .iter()
                    .find(|l| l.code == i.line_code)
                    .map_or(i.line_code, |l| l.name.clone()),
                name: i.name,
                unit: i.unit,
                target: i.target.unwrap_or_else(|| "—".to_string()),
                actual: i.actual.unwrap_or_else(|| "尚无数据".to_string()),
                met,
                met_class,
            }
        })
        .collect();
    html(
        StatusCode::OK,
        &PerformancePage {
            nav: Nav::new(&user, "/performance"),
            year,
            indicators,
        },
    )
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    nav: Nav,
    year: i32,
}

/// 报表: the downloads of the execution report and the journal.
pub async fn reports_page(ForYear { user, year }: ForYear) -> PageResult {
    reports::downloads(&user.actor)?;
    html(
        StatusCode::OK,
        &ReportsPage {
            nav: Nav::new(&user, "/reports"),
            year,
        },
    )
}

/// A file to save, never kept in a cache.
pub fn attachment(content_type: &str, name: String, bytes: Vec<u8>) -> HttpResponse {
    crate::routes::extract::attachment(content_type, &name)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

/// A download for the signed-in user: `execution.csv`, `execution.xlsx` or `journal`.
pub async fn download(
    pool: web::Data<Pool>,
    ForYear { user, year }: ForYear,
    what: web::Path<String>,
) -> PageResult {
    reports::downloads(&user.actor)?;
    let actor = user.actor();
    let what = what.into_inner();
    let internal =
        |kind: &str, e: String| PageError::Failed(AppError::Internal(format!("{kind}: {e}")));
    match what.as_str() {
        "execution.csv" | "execution.xlsx" => {
            let report = run(move || reports::execution(&pool, &actor, year)).await?;
            let (kind, content_type, made) = if what == "execution.csv" {
                let made = export::execution_csv(&report).map_err(|e| e.to_string());
                ("csv", "text/csv; charset=utf-8", made)
            } else {
                let made = export::execution_xlsx(&report).map_err(|e| e.to_string());
                let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
                ("xlsx", xlsx, made)
            };
            let bytes = made.map_err(|e| internal(kind, e))?;
            Ok(attachment(
                content_type,
                format!("budget-execution-{year}.{kind}"),
                bytes,
            ))
        }
        "journal" => {
            let text = run(move || reports::journal(&pool, &actor, year)).await?;
            Ok(attachment(
                "text/plain; charset=utf-8",
                format!("budget-{year}.journal"),
                text.into_bytes(),
            ))
        }
        _ => Err(PageError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_say_what_they_are_and_link_to_their_document() {
        assert_eq!(
            entry_source(SourceType::TravelClaim, Some(7)),
            ("差旅报销 #7".to_string(), Some("/claims/7".to_string()))
        );
        assert_eq!(
            entry_source(SourceType::SubsidyBatch, Some(3)).1.as_deref(),
            Some("/subsidy/batches/3")
        );
        assert_eq!(
            entry_source(SourceType::BudgetAdjustment, Some(2)).0,
            "预算调整 #2"
        );
        assert_eq!(
            entry_source(SourceType::TravelRequest, Some(4)).0,
            "出差申请 #4"
        );
        assert_eq!(entry_kind(EntryKind::Spend), "支出");
    }
}
