//! baoxiao (报销): travel claims, retired-cadre subsidies and station duty for a county bureau,
//! against a budget ledger that cannot be overspent.

pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod http1;
pub mod metrics;
pub mod routes;
pub mod services;
pub mod setup;
pub mod startup;
pub mod web;
pub mod wire;
