//! Travel policy versions (R2): the version in force on a date, and publishing a new one.

use std::sync::Arc;
use std::time::Instant;

use chrono::NaiveDate;

use super::views::PolicyView;
use super::Context;
use crate::auth::Actor;
use crate::db::policy::{self as rows, CityRow, NewPolicy, PolicyRow, PolicyTerms};
use crate::db::policy::{deduction_bp, from_bp};
use crate::db::recent::Settling;
use crate::db::{self, now, DbConnection, Pool};
use crate::domain::policy::{CityRates, HostMealDeduction, Policy};
use crate::domain::Money;
use crate::error::{AppError, AppResult};

use super::permissions::{self, UseCase};
use super::{answer, conn};

/// A stored version: its row (id and number) and the policy it holds.
pub struct Version {
    pub id: i64,
    pub number: i32,
    pub policy: Arc<Policy>,
}

/// The version in force on `date` (R2), from what this process read of the organisation's
/// versions a moment ago ([`crate::db::recent`]), reading them again when that is too old, and
/// the policy from the database's cache by version id when this version was loaded before (a
/// version never changes). A quote or a claim usually needs no query for its policy at all.
/// Before the first version, a 422 naming `field`, the request field the date came from.
///
/// What is read here is kept for other requests only when `c` is outside a transaction: inside
/// one (a duty station created in the shared write transaction, say), it may see a version that
/// the transaction itself has not committed.
pub fn in_force(
    pool: &Pool,
    c: &mut DbConnection,
    org_id: i64,
    date: NaiveDate,
    field: &'static str,
) -> AppResult<Version> {
    let keep = !db::in_transaction(c);
    let versions = match pool.versions().get(&org_id) {
        Some(versions) => versions,
        None => {
            let began = Instant::now();
            let versions: Arc<[PolicyRow]> = rows::all(c, org_id)?.into();
            if keep {
                pool.versions().keep(org_id, began, versions.clone());
            }
            versions
        }
    };
    let row = version_on(&versions, date, field)?;
    if let Some(policy) = pool.policies().get(row.id) {
        return Ok(Version {
            id: row.id,
            number: row.terms.version,
            policy,
        });
    }
    let version = load(c, org_id, row.clone())?;
    if keep {
        pool.policies().keep(version.id, version.policy.clone());
    }
    Ok(version)
}

/// [`in_force`] without a connection: `None` when this process has not read the organisation's
/// versions within [`crate::db::recent::TRUSTED_FOR`], or has not loaded the version in force.
pub fn in_force_recent(
    pool: &Pool,
    org_id: i64,
    date: NaiveDate,
    field: &'static str,
) -> Option<AppResult<Version>> {
    let versions = pool.versions().get(&org_id)?;
    let row = match version_on(&versions, date, field) {
        Ok(row) => row,
        Err(error) => return Some(Err(error)),
    };
    let policy = pool.policies().get(row.id)?;
    Some(Ok(Version {
        id: row.id,
        number: row.terms.version,
        policy,
    }))
}

/// Of an organisation's versions, the one in force on `date` (R2); before the first, a 422
/// naming `field`.
fn version_on<'a>(
    versions: &'a [PolicyRow],
    date: NaiveDate,
    field: &'static str,
) -> AppResult<&'a PolicyRow> {
    crate::domain::policy::in_force(versions, date, |v| v.terms.effective_from)
        .ok_or(AppError::NoPolicyInForce { date, field })
}

fn load(c: &mut DbConnection, org_id: i64, row: PolicyRow) -> AppResult<Version> {
    let cities = rows::cities(c, org_id, row.id)?
        .into_iter()
        .map(|city| CityRates {
            code: city.code.into(),
            names: city.names.lines().map(str::to_string).collect(),
            lodging_cap_per_night: Money::from_fen(city.lodging_cap_fen),
            meal_allowance_per_day: Money::from_fen(city.meal_fen),
            transport_allowance_per_day: Money::from_fen(city.transport_fen),
        })
        .collect();
    Ok(Version {
        id: row.id,
        number: row.terms.version,
        policy: Arc::new(Policy {
            effective_from: row.terms.effective_from,
            cities,
            host_meal_deduction: HostMealDeduction {
                breakfast: from_bp(row.terms.breakfast_bp),
                lunch: from_bp(row.terms.lunch_bp),
                dinner: from_bp(row.terms.dinner_bp),
            },
            subsidy_monthly_amount: Money::from_fen(row.terms.subsidy_monthly_fen),
        }),
    })
}

/// Every version, oldest first.
pub fn all(c: &mut DbConnection, org_id: i64) -> AppResult<Vec<Version>> {
    rows::all(c, org_id)?
        .into_iter()
        .map(|row| load(c, org_id, row))
        .collect()
}

/// `GET /api/v1/policy?date=D`; without a date, the organisation's today (R12).
pub fn get(pool: &Pool, actor: &Actor, date: Option<NaiveDate>) -> AppResult<PolicyView> {
    permissions::check(actor, UseCase::ReadPolicy)?;
    let mut c = conn(pool)?;
    let date = match date {
        Some(d) => d,
        None => super::clock::today(&mut c, actor.org_id)?,
    };
    let v = in_force(pool, &mut c, actor.org_id, date, "date")?;
    Ok(PolicyView::new(v.number, &v.policy))
}

/// Stores a new version; it must take effect after every existing one (409 `policy_not_later`),
/// so versions already used by claims are never changed. The [`Settling`] is to be consumed once
/// the caller's transaction has committed.
pub fn insert(
    c: &mut DbConnection,
    org_id: i64,
    actor: Option<i64>,
    policy: &Policy,
) -> AppResult<(PolicyView, Settling)> {
    let latest = rows::latest(c, org_id)?;
    if let Some(latest) = &latest {
        if policy.effective_from <= latest.terms.effective_from {
            return Err(AppError::PolicyNotLater(latest.terms.effective_from));
        }
    }
    let number = latest.map_or(1, |l| l.terms.version + 1);
    let (breakfast_bp, lunch_bp, dinner_bp) = deduction_bp(&policy.host_meal_deduction);
    let (id, settling) = rows::insert(
        c,
        &NewPolicy {
            org_id,
            terms: PolicyTerms {
                version: number,
                effective_from: policy.effective_from,
                breakfast_bp,
                lunch_bp,
                dinner_bp,
                subsidy_monthly_fen: policy.subsidy_monthly_amount.fen(),
            },
            created_by: actor,
            created_at: now(),
        },
    );
    let id = id?;
    for (position, city) in policy.cities.iter().enumerate() {
        rows::insert_city(
            c,
            &CityRow {
                org_id,
                policy_id: id,
                position: i32::try_from(position).unwrap_or(i32::MAX),
                code: city.code.to_string(),
                names: city.names.join("\n"),
                lodging_cap_fen: city.lodging_cap_per_night.fen(),
                meal_fen: city.meal_allowance_per_day.fen(),
                transport_fen: city.transport_allowance_per_day.fen(),
            },
        )?;
    }
    Ok((PolicyView::new(number, policy), settling))
}

/// `POST /api/v1/policy`. Returns once no process quotes from the versions it replaced
/// ([`Settling`]), also when the version was written but the commit failed; a replay of it
/// under its Idempotency-Key waits the same way ([`super::idempotency`]).
pub fn publish(pool: &Pool, actor: &Context, policy: AppResult<Policy>) -> AppResult<PolicyView> {
    permissions::check(actor, UseCase::PublishPolicy)?;
    let policy = policy?;
    let mut written = None;
    let published = answer(pool, actor, 201, |c| {
        let (view, settling) = insert(c, actor.org_id, Some(actor.user_id), &policy)?;
        written = Some(settling);
        Ok(view)
    });
    if let Some(settling) = written {
        settling.settle();
    }
    published
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::orgs;
    use crate::domain::policy::tests::{date, policy_2021};

    /// A version that a transaction reads back before it commits is seen by that transaction only:
    /// nothing read inside it is kept for other requests, so a rolled-back version is never used.
    #[test]
    fn what_a_transaction_reads_of_its_own_versions_is_not_kept() {
        let (_dir, pool) = db::scratch(2);
        let mut c = pool.get().unwrap();
        let org = orgs::insert(&mut c, "test", "测试").unwrap();
        let (_, settling) = insert(&mut c, org, None, &policy_2021()).unwrap();
        settling.settle();
        let mut july = policy_2021();
        july.effective_from = date("2021-07-01");
        let trip = date("2021-07-10");
        assert!(!db::in_transaction(&mut c));

        let mut unpublished = None;
        let rolled_back = db::write_tx(&mut c, |c| {
            assert!(db::in_transaction(c));
            let (_, settling) = insert(c, org, None, &july)?;
            settling.settle();
            let seen = in_force(&pool, c, org, trip, "date")?;
            assert_eq!(seen.number, 2, "the transaction sees its own version");
            unpublished = Some(seen.id);
            Err::<(), _>(AppError::Internal("not published after all".into()))
        });
        assert!(rolled_back.is_err());
        let unpublished = unpublished.expect("the version was read");
        assert!(
            pool.policies().get(unpublished).is_none(),
            "a version nobody committed is not kept"
        );
        let version = in_force(&pool, &mut c, org, trip, "date").unwrap();
        assert_eq!(version.number, 1);
        assert!(
            pool.policies().get(version.id).is_some(),
            "read outside, it is kept"
        );
    }
}
