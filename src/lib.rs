//! baoxiao (报销): travel claims, retired-cadre subsidies and station duty for a county bureau,
//! against a budget ledger that cannot be overspent.

pub mod domain;
