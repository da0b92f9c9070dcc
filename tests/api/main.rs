//! HTTP tests through the real server. Run on SQLite by default; `.ci/run` runs them again with
//! `BAOXIAO_TEST_DATABASE_URL` set to the local PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adjustments;
mod audit;
mod auth;
mod authorization;
mod backup;
mod browser;
mod browser_subsidy_admin;
mod browser_travel;
mod budget_lines;
mod budget_pages;
mod demo;
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
mod travel_requests;
mod validation;
mod web;
mod web_adjustments;
mod web_admin;
mod web_invoices;
mod web_subsidy;
mod web_travel;
