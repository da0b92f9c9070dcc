//! HTTP tests through the real server. Run on SQLite by default; `.ci/run` runs them again with
//! `BAOXIAO_TEST_DATABASE_URL` set to the local PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adjustments;
mod audit;
mod auth;
mod authorization;
mod backup;
mod browser;
mod budget_lines;
mod duty;
mod hardening;
mod health;
mod helpers;
mod idempotency;
mod invoices;
mod organisations;
mod outage;
mod policy;
mod reliability;
mod reports;
mod rule_fixes;
mod subsidy;
mod tls;
mod travel_claims;
mod validation;
mod web;
mod web_adjustments;
