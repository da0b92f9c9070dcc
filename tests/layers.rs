//! The layers import only downwards: domain < db < services < wire < the doors (the API's
//! routes, the pages, start-up and the command line). A module that names a module of a layer
//! above its own (`crate::wire` in a service, `crate::services` in a query) fails this test,
//! with the file and line. Doc comments may mention any layer; test modules (after
//! `#[cfg(test)]`) may use any layer for their fixtures. Also: nothing below the doors names
//! actix, and no view lives in `src/wire`.
//!
//! Run alone with `cargo test --test layers`.

// Its helpers, outside `#[test]` functions, fail as the tests do: by panicking.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};

/// The layer of a top-level module of the crate, lowest first.
fn layer(module: &str) -> Option<u8> {
    Some(match module {
        // Leaves: they name no other module of the crate.
        "domain" | "config" | "metrics" => 0,
        "db" => 1,
        "services" | "auth" | "error" | "export" => 2,
        "wire" => 3,
        "routes" | "web" | "startup" | "http1" | "setup" | "demo" | "main" | "lib" => 4,
        _ => return None,
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/services/views/mod.rs` → `services`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("a file under src");
    let first = relative
        .components()
        .next()
        .expect("a path with a component")
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// The crate's modules a line of code names: `crate::db::…` and each name of `crate::{db, wire}`.
fn named_modules(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        // `baoxiao_crate::` or `mycrate::` is no path of this crate.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name = part.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    names.push(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.push(name);
        }
    }
    names
}

/// Each line of code of `text` before its test module, with its number; comments left out.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .take_while(|(_, line)| line.trim() != "#[cfg(test)]")
        .map(|(i, line)| (i + 1, line.split("//").next().unwrap_or("")))
        .filter(|(_, code)| !code.trim().is_empty())
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 50, "the source tree is read: {files:?}");
    let mut violations = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let own = layer(&module).unwrap_or_else(|| {
            panic!(
                "{}: a module with no layer: add it to `layer`",
                file.display()
            )
        });
        let text = std::fs::read_to_string(file).expect("a source file is readable");
        for (number, code) in code_lines(&text) {
            for named in named_modules(code) {
                let Some(theirs) = layer(&named) else {
                    continue;
                };
                // Within the lowest layer, each module stands alone: domain names only domain.
                let leaf_names_another = own == 0 && named != module;
                if theirs > own || leaf_names_another {
                    violations.push(format!(
                        "{}:{number}: {module} names {named}: {}",
                        file.display(),
                        code.trim()
                    ));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn nothing_below_the_doors_names_actix() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for below in ["domain", "db", "services"] {
        let mut files = Vec::new();
        rust_files(&src.join(below), &mut files);
        assert!(!files.is_empty(), "src/{below} is read");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a source file is readable");
            for (number, code) in code_lines(&text) {
                if code.contains("actix") {
                    violations.push(format!("{}:{number}: {}", file.display(), code.trim()));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "actix below the doors:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_a_violation_and_a_grouped_import() {
    assert_eq!(named_modules("use crate::wire::ClaimView;"), ["wire"]);
    assert_eq!(
        named_modules("use crate::{db::Pool, services};"),
        ["db", "services"]
    );
    assert_eq!(
        named_modules("let x = baoxiao_crate::a;"),
        Vec::<String>::new()
    );
    let lines: Vec<_> =
        code_lines("use crate::a; // crate::b\n/// crate::c\n#[cfg(test)]\nuse crate::d;")
            .flat_map(|(_, code)| named_modules(code))
            .collect();
    assert_eq!(lines, ["a"]);
}
