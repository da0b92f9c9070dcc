//! Looks for hledger, the independent check of the ledger in the HTTP suite
//! (`reports::hledger_agrees_with_our_balances_to_the_fen`). Without it that test is reported as
//! ignored, with the reason, rather than passing without checking anything; with
//! `BAOXIAO_REQUIRE_HLEDGER` set (as `.ci/run` does) a missing hledger fails the build.

use std::process::Command;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_hledger)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");
    println!("cargo::rerun-if-env-changed=BAOXIAO_REQUIRE_HLEDGER");
    let found = Command::new("hledger")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return;
    }
    if std::env::var_os("BAOXIAO_REQUIRE_HLEDGER").is_some() {
        panic!("BAOXIAO_REQUIRE_HLEDGER is set but hledger is not installed");
    }
    println!("cargo::rustc-cfg=no_hledger");
    println!("cargo::warning=hledger is not installed: the ledger cross-check test is ignored (.ci/run installs and requires it)");
}
