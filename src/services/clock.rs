//! The organisation's calendar (R12): every "today" the service assumes and every deadline it
//! counts is a day in the organisation's time zone (default `Asia/Shanghai`), never the server's
//! UTC date. In China the UTC date is the previous day until 08:00.
//!
//! An organisation's books may be pinned to a day (`organisations.as_of`, set by `baoxiao demo`
//! so that its 2021 reads as a real year): then that day is its "today", and a business stamp
//! (a submission, a decision, a payment, an audit event, a ledger entry) is that day at the real
//! local time of day. Security and housekeeping stamps (sessions, sign-in, idempotency) keep the
//! real clock ([`crate::db::now`]).

use chrono::{NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::db::{orgs, write_tx, DbConnection, Pool};
use crate::error::{AppError, AppResult};

/// The zone used when an organisation names none the service knows.
pub const DEFAULT_ZONE: Tz = chrono_tz::Asia::Shanghai;

/// The organisation's time zone.
pub fn zone(c: &mut DbConnection, org_id: i64) -> AppResult<Tz> {
    let name = orgs::time_zone(c, org_id)?;
    name.parse::<Tz>()
        .map_err(|_| AppError::Internal(format!("organisation {org_id} has time zone {name:?}")))
}

/// An IANA zone name (`Asia/Shanghai`, `UTC`); 422 naming `time_zone` otherwise.
pub fn parse_zone(name: &str) -> AppResult<Tz> {
    name.trim()
        .parse::<Tz>()
        .map_err(|_| AppError::field("time_zone", crate::domain::FieldProblem::TimeZone))
}

/// Sets the organisation's time zone.
pub fn set_zone(pool: &Pool, org_id: i64, zone: Tz) -> AppResult<()> {
    let mut c = super::conn(pool)?;
    write_tx(&mut c, |c| {
        orgs::set_time_zone(c, org_id, zone.name())?;
        Ok::<_, AppError>(())
    })
}

/// The organisation's calendar: its zone and the day its books are pinned to, if any.
fn calendar(c: &mut DbConnection, org_id: i64) -> AppResult<(Tz, Option<NaiveDate>)> {
    let (name, as_of) = orgs::calendar(c, org_id)?;
    let zone = name
        .parse::<Tz>()
        .map_err(|_| AppError::Internal(format!("organisation {org_id} has time zone {name:?}")))?;
    Ok((zone, as_of))
}

/// The organisation's local date now: the one "today" of the service; the pinned day when its
/// books are pinned.
pub fn today(c: &mut DbConnection, org_id: i64) -> AppResult<NaiveDate> {
    let (zone, as_of) = calendar(c, org_id)?;
    Ok(today_in(zone, as_of, Utc::now().naive_utc()))
}

/// The day the organisation's books are pinned to, if any (`None`: the real clock).
pub fn as_of(c: &mut DbConnection, org_id: i64) -> AppResult<Option<NaiveDate>> {
    Ok(calendar(c, org_id)?.1)
}

/// The moment (UTC, as stored) a business event of the organisation happens now: [`crate::db::now`],
/// or, when its books are pinned, the pinned day at the real local time of day.
pub fn now(c: &mut DbConnection, org_id: i64) -> AppResult<NaiveDateTime> {
    let (zone, as_of) = calendar(c, org_id)?;
    Ok(now_in(zone, as_of, crate::db::now()))
}

/// Pins the organisation's books to `day`, or back to the real clock with `None`.
pub fn pin(pool: &Pool, org_id: i64, day: Option<NaiveDate>) -> AppResult<()> {
    let mut c = super::conn(pool)?;
    write_tx(&mut c, |c| {
        orgs::set_as_of(c, org_id, day)?;
        Ok::<_, AppError>(())
    })
}

/// "Today" in `zone` at the real moment `real` (UTC), or the pinned day.
pub fn today_in(zone: Tz, as_of: Option<NaiveDate>, real: NaiveDateTime) -> NaiveDate {
    as_of.unwrap_or_else(|| local_date(zone, real))
}

/// A business moment at the real moment `real` (UTC): `real` itself, or the pinned day at
/// `real`'s local time of day in `zone`, converted back to UTC.
pub fn now_in(zone: Tz, as_of: Option<NaiveDate>, real: NaiveDateTime) -> NaiveDateTime {
    use chrono::TimeZone;
    let Some(day) = as_of else {
        return real;
    };
    let local = day.and_time(real.and_utc().with_timezone(&zone).time());
    zone.from_local_datetime(&local)
        .earliest()
        .map_or(local, |at| at.naive_utc())
}

/// The local calendar day, in `zone`, of a UTC timestamp as the database stores it.
pub fn local_date(zone: Tz, utc: NaiveDateTime) -> NaiveDate {
    utc.and_utc().with_timezone(&zone).date_naive()
}

/// How many days past the organisation's today a payment date may lie: setting
/// `app.paid_on_max_days_ahead` (config/default.toml).
#[derive(Clone, Copy, Debug)]
pub struct PaymentMargin(pub i64);

/// A payment date (`paid_on` of a claim or a batch) is not before the approval's date, in the
/// organisation's calendar, nor after its today plus the margin: 422 naming `paid_on` otherwise.
pub fn check_paid_on(
    c: &mut DbConnection,
    org_id: i64,
    approved_at: Option<NaiveDateTime>,
    paid_on: NaiveDate,
    margin: PaymentMargin,
) -> AppResult<()> {
    let (zone, as_of) = calendar(c, org_id)?;
    if let Some(approved) = approved_at.map(|at| local_date(zone, at)) {
        if paid_on < approved {
            return Err(AppError::field(
                "paid_on",
                crate::domain::FieldProblem::PaidBeforeApproval { approved },
            ));
        }
    }
    let today = today_in(zone, as_of, Utc::now().naive_utc());
    let latest = today
        .checked_add_days(chrono::Days::new(margin.0.max(0).unsigned_abs()))
        .unwrap_or(today);
    if paid_on > latest {
        return Err(AppError::field(
            "paid_on",
            crate::domain::FieldProblem::PaidTooFarAhead {
                days: margin.0,
                today,
            },
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap_or_default()
    }

    #[test]
    fn shanghai_is_a_day_ahead_of_utc_until_eight() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        assert_eq!(
            local_date(DEFAULT_ZONE, at("2021-05-31 15:59:59")),
            d("2021-05-31")
        );
        assert_eq!(
            local_date(DEFAULT_ZONE, at("2021-05-31 16:00:00")),
            d("2021-06-01")
        );
        assert_eq!(
            local_date(chrono_tz::UTC, at("2021-05-31 16:00:00")),
            d("2021-05-31")
        );
    }

    #[test]
    fn an_unpinned_calendar_reads_the_real_clock() {
        let real = at("2026-12-07 17:30:00");
        assert_eq!(
            today_in(DEFAULT_ZONE, None, real),
            NaiveDate::from_ymd_opt(2026, 12, 8).unwrap_or_default()
        );
        assert_eq!(now_in(DEFAULT_ZONE, None, real), real);
    }

    #[test]
    fn a_pinned_calendar_reads_its_day_at_the_real_time_of_day() {
        let pinned = NaiveDate::from_ymd_opt(2021, 12, 8);
        // 17:30 UTC is 01:30 the next morning in Shanghai: the pinned day at 01:30 local,
        // which is 17:30 UTC the day before.
        let real = at("2026-12-07 17:30:00");
        assert_eq!(
            today_in(DEFAULT_ZONE, pinned, real),
            NaiveDate::from_ymd_opt(2021, 12, 8).unwrap_or_default()
        );
        assert_eq!(
            now_in(DEFAULT_ZONE, pinned, real),
            at("2021-12-07 17:30:00")
        );
        assert_eq!(
            local_date(DEFAULT_ZONE, now_in(DEFAULT_ZONE, pinned, real)),
            NaiveDate::from_ymd_opt(2021, 12, 8).unwrap_or_default()
        );
        assert_eq!(
            now_in(chrono_tz::UTC, pinned, at("2026-12-07 09:15:00")),
            at("2021-12-08 09:15:00")
        );
    }
}
