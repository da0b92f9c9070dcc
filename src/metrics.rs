//! Prometheus metrics beyond the per-route request counts and latencies that `actix-web-prom`
//! records: approvals by kind and refusals by error code.

use std::sync::LazyLock;

use prometheus::{IntCounterVec, Opts, Registry};

static APPROVALS: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    IntCounterVec::new(
        Opts::new(
            "baoxiao_approvals_total",
            "Approvals that committed money, by kind",
        ),
        &["kind"],
    )
    .ok()
});

static REFUSALS: LazyLock<Option<IntCounterVec>> = LazyLock::new(|| {
    IntCounterVec::new(
        Opts::new(
            "baoxiao_refusals_total",
            "Requests refused, by problem code",
        ),
        &["code"],
    )
    .ok()
});

/// A registry with the service's own counters; the HTTP metrics are added by the middleware.
pub fn registry() -> Registry {
    let registry = Registry::new();
    for counter in [&*APPROVALS, &*REFUSALS].into_iter().flatten() {
        if let Err(error) = registry.register(Box::new(counter.clone())) {
            tracing::warn!(%error, "metric not registered");
        }
    }
    registry
}

pub fn record_approval(kind: &str) {
    if let Some(c) = APPROVALS.as_ref() {
        c.with_label_values(&[kind]).inc();
    }
}

pub fn record_refusal(code: &str) {
    if let Some(c) = REFUSALS.as_ref() {
        c.with_label_values(&[code]).inc();
    }
}
