//! baoxiao (报销): travel claims, retired-cadre subsidies and station duty for a county bureau,
//! against a budget ledger that cannot be overspent.

pub mod domain;
pub mod db;
pub mod auth;
pub mod error;
pub mod metrics;
pub mod services;
pub mod wire;
pub mod config;
pub mod routes;
pub mod startup;
