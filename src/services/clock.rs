//! The organisation's calendar (R12): every "today" the service assumes and every deadline it
//! counts is a day in the organisation's time zone (default `Asia/Shanghai`), never the server's
//! UTC date. In China the UTC date is the previous day until 08:00.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::db::{orgs, DbConnection};
use crate::error::{AppError, AppResult};

/// The zone used when an organisation names none the service knows.
pub const DEFAULT_ZONE: Tz = chrono_tz::Asia::Shanghai;

/// The organisation's time zone.
pub fn zone(c: &mut DbConnection, org_id: i64) -> AppResult<Tz> {
    let name = orgs::time_zone(c, org_id)?;
    name.parse::<Tz>()
        .map_err(|_| AppError::Internal(format!("organisation {org_id} has time zone {name:?}")))
}

/// The organisation's local date now: the one "today" of the service.
pub fn today(c: &mut DbConnection, org_id: i64) -> AppResult<NaiveDate> {
    Ok(local_date(zone(c, org_id)?, Utc::now().naive_utc()))
}

/// The local calendar day, in `zone`, of a UTC timestamp as the database stores it.
pub fn local_date(zone: Tz, utc: NaiveDateTime) -> NaiveDate {
    utc.and_utc().with_timezone(&zone).date_naive()
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
