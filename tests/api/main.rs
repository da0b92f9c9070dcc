//! HTTP tests through the real server. Run on SQLite by default; `.ci/run` runs them again with
//! `BAOXIAO_TEST_DATABASE_URL` set to the local PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod authorization;
mod browser;
mod budget_lines;
mod duty;
mod health;
mod helpers;
mod idempotency;
mod organisations;
mod policy;
mod reliability;
mod reports;
mod subsidy;
mod travel_claims;
mod validation;
mod web;
