//! `baoxiao verify`: the ledger replayed against the stored balances (R11).

use std::collections::HashMap;

use crate::db::budget as rows;
use crate::db::DbConnection;
use crate::db::Pool;
use crate::domain::budget::{replay, rolled_up, Balance, EntryKind};
use crate::domain::Money;
use crate::error::{AppError, AppResult};

use super::conn;
use super::ledger::balance;

/// One line whose stored balance differs from the replay of the ledger.
#[derive(Debug)]
pub struct Mismatch {
    pub org_id: i64,
    pub code: String,
    pub stored: Balance,
    pub replayed: Balance,
}

/// `baoxiao verify`: replays every organisation's ledger and compares each line's balance, with
/// descendants rolled up, against the stored one.
pub fn verify(pool: &Pool) -> AppResult<(usize, Vec<Mismatch>)> {
    verify_on(&mut *conn(pool)?)
}

/// [`verify`] on one connection: a backup file being checked, say.
pub fn verify_on(c: &mut DbConnection) -> AppResult<(usize, Vec<Mismatch>)> {
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for org in crate::db::orgs::all(c)? {
        let lines = rows::all(c, org.id)?;
        let mut own: HashMap<i64, Vec<(EntryKind, Money)>> = HashMap::new();
        for e in rows::all_entries(c, org.id)? {
            own.entry(e.line_id)
                .or_default()
                .push((e.kind, Money::from_fen(e.amount_fen)));
        }
        let mut own_balances = Vec::with_capacity(lines.len());
        for line in &lines {
            let b = replay(own.remove(&line.id).unwrap_or_default())
                .ok_or_else(|| AppError::Internal("ledger overflow".into()))?;
            own_balances.push((line.id, line.parent_id, b));
        }
        let total =
            rolled_up(&own_balances).ok_or_else(|| AppError::Internal("overflow".into()))?;
        for line in &lines {
            checked += 1;
            let stored = balance(line);
            let replayed = total.get(&line.id).copied().unwrap_or_default();
            if stored != replayed {
                mismatches.push(Mismatch {
                    org_id: org.id,
                    code: line.code.clone(),
                    stored,
                    replayed,
                });
            }
        }
    }
    Ok((checked, mismatches))
}

/// An organisation's vouchers found wrong (R20).
#[derive(Debug)]
pub struct VoucherMismatch {
    pub org_id: i64,
    pub problem: super::vouchers::VoucherProblem,
}

/// `baoxiao verify`, R20: every organisation's vouchers against its ledger and its advances.
pub fn verify_vouchers(pool: &Pool) -> AppResult<Vec<VoucherMismatch>> {
    verify_vouchers_on(&mut *conn(pool)?)
}

/// [`verify_vouchers`] on one connection.
pub fn verify_vouchers_on(c: &mut DbConnection) -> AppResult<Vec<VoucherMismatch>> {
    let mut out = Vec::new();
    for org in crate::db::orgs::all(c)? {
        // Each line's own spending (not its descendants'): what its 行政支出 must add up to.
        let codes: HashMap<i64, String> = rows::all(c, org.id)?
            .into_iter()
            .map(|l| (l.id, l.code))
            .collect();
        let mut spent: HashMap<i64, (String, Money)> = codes
            .iter()
            .map(|(id, code)| (*id, (code.clone(), Money::ZERO)))
            .collect();
        for e in rows::all_entries(c, org.id)? {
            if e.kind == EntryKind::Spend {
                if let Some((_, sum)) = spent.get_mut(&e.line_id) {
                    *sum = sum
                        .checked_add(Money::from_fen(e.amount_fen))
                        .ok_or_else(|| AppError::Internal("overflow".into()))?;
                }
            }
        }
        for problem in super::vouchers::check(c, org.id, &spent)? {
            out.push(VoucherMismatch {
                org_id: org.id,
                problem,
            });
        }
    }
    Ok(out)
}
