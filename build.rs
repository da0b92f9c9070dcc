//! Decides which tests of the HTTP suite this machine can run, so that a test that cannot run is
//! reported as ignored, with its reason, rather than passing without checking anything (libtest
//! swallows a test's own "skipped" line). Each has a `REQUIRE` switch that turns its absence into
//! a failed build; `.ci/run` sets them all.
//!
//! | cfg | set when | required by |
//! |---|---|---|
//! | `no_hledger` | `hledger` is not installed (the ledger cross-check) | `BAOXIAO_REQUIRE_HLEDGER` |
//! | `no_browser` | `chromium` or `chromedriver` is not on `PATH` (`BAOXIAO_CHROMIUM`, `BAOXIAO_CHROMEDRIVER` name others) | `BAOXIAO_REQUIRE_BROWSER` |
//! | `no_postgres` | `BAOXIAO_TEST_DATABASE_URL` is not set: the PostgreSQL-only tests | `BAOXIAO_REQUIRE_POSTGRES` |
//! | `no_tls` | `no_postgres`, or the certificate that signed the server's (`BAOXIAO_TEST_PG_ROOTCERT`, default Debian's snakeoil) is missing | `BAOXIAO_REQUIRE_TLS` |
//!
//! These are read when the tests are built: changing one of them rebuilds the crate.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's self-signed certificate, its own root, which the TLS tests trust by default.
const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";

fn main() {
    for cfg in ["no_hledger", "no_browser", "no_postgres", "no_tls"] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    println!("cargo::rerun-if-changed=build.rs");
    for env in [
        "PATH",
        "BAOXIAO_REQUIRE_HLEDGER",
        "BAOXIAO_REQUIRE_BROWSER",
        "BAOXIAO_CHROMIUM",
        "BAOXIAO_CHROMEDRIVER",
        "BAOXIAO_TEST_DATABASE_URL",
        "BAOXIAO_REQUIRE_POSTGRES",
        "BAOXIAO_REQUIRE_TLS",
        "BAOXIAO_TEST_PG_ROOTCERT",
    ] {
        println!("cargo::rerun-if-env-changed={env}");
    }

    let hledger = Command::new("hledger")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    decide(
        "no_hledger",
        hledger,
        "BAOXIAO_REQUIRE_HLEDGER",
        "hledger is not installed: the ledger cross-check test is ignored (.ci/run installs and requires it)",
    );

    let browser = tool("BAOXIAO_CHROMIUM", "chromium").is_some()
        && tool("BAOXIAO_CHROMEDRIVER", "chromedriver").is_some();
    decide(
        "no_browser",
        browser,
        "BAOXIAO_REQUIRE_BROWSER",
        "chromium or chromedriver is not on PATH: the browser tests are ignored (apt install chromium chromium-driver)",
    );

    let postgres = set("BAOXIAO_TEST_DATABASE_URL");
    decide(
        "no_postgres",
        postgres,
        "BAOXIAO_REQUIRE_POSTGRES",
        "BAOXIAO_TEST_DATABASE_URL is not set: the PostgreSQL-only tests are ignored",
    );

    let rootcert = std::env::var_os("BAOXIAO_TEST_PG_ROOTCERT")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(SNAKEOIL), PathBuf::from);
    decide(
        "no_tls",
        postgres && rootcert.is_file(),
        "BAOXIAO_REQUIRE_TLS",
        "the TLS tests are ignored: they need BAOXIAO_TEST_DATABASE_URL and the server's root certificate",
    );
}

/// True when `env` is set to something other than empty or `0`.
fn set(env: &str) -> bool {
    std::env::var(env).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Sets `cfg` when `present` is false, or fails the build if `require` is set.
fn decide(cfg: &str, present: bool, require: &str, warning: &str) {
    if present {
        return;
    }
    if set(require) {
        panic!("{require} is set but {warning}");
    }
    println!("cargo::rustc-cfg={cfg}");
    println!("cargo::warning={warning}");
}

/// The program `env` names, or `name` found on `PATH`.
fn tool(env: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| Path::new(p).is_file())
}
