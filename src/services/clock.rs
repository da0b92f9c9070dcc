//! The organisation's calendar (R12): every "today" the service assumes and every deadline it
//! counts is a day in the organisation's time zone (default `Asia/Shanghai`), never the server's
//! UTC date. In China the UTC date is the previous day until 08:00.

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

/// The organisation's local date now: the one "today" of the service.
pub fn today(c: &mut DbConnection, org_id: i64) -> AppResult<NaiveDate> {
    Ok(local_date(zone(c, org_id)?, Utc::now().naive_utc()))
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
    let zone = zone(c, org_id)?;
    if let Some(approved) = approved_at.map(|at| local_date(zone, at)) {
        if paid_on < approved {
            return Err(AppError::field(
                "paid_on",
                crate::domain::FieldProblem::PaidBeforeApproval { approved },
            ));
        }
    }
    let today = local_date(zone, Utc::now().naive_utc());
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
}
