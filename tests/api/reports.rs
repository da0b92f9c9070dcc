use crate::helpers::*;
use calamine::{Data, Reader, Xlsx};
use serde_json::Value;
use std::collections::HashMap;

/// A scripted year: claims approved, paid and rejected; two subsidy batches, the second paid late.
async fn scripted_year(app: &TestApp) {
    let claimant = app.user("张三", &[R::Claimant]);
    let finance = app.user("李四", &[R::Finance]);
    let checker = app.user("王五", &[R::Finance]);
    let ops = app.line_id("dept.project.petition-work.operations").await;
    let beijing = app.line_id("dept.project.petition-work.beijing-duty").await;
    for (line, action) in [
        (ops, "pay"),
        (ops, "approve"),
        (beijing, "pay"),
        (beijing, "reject"),
        (ops, "none"),
    ] {
        let id = app.submit(&claimant, &r8_claim(line)).await;
        if action == "none" {
            continue;
        }
        let path = |a: &str| format!("/api/v1/travel-claims/{id}/{a}");
        if action == "reject" {
            app.post(&finance, &path("approve"), &json!({}))
                .await
                .assert(200, "");
            app.post(&finance, &path("reject"), &json!({"reason": "重复报销"}))
                .await
                .assert(200, "");
            continue;
        }
        app.post(&finance, &path("approve"), &json!({}))
            .await
            .assert(200, "");
        if action == "pay" {
            app.approvals_dated_2021_05_01();
            app.post(&finance, &path("pay"), &json!({"paid_on": "2021-05-20"}))
                .await
                .assert(200, "");
        }
    }
    let subsidy = app.line_id("dept.project.cadre-subsidy").await;
    for n in 1..=6 {
        app.post(
            &finance,
            "/api/v1/subsidy-recipients",
            &json!({"name": format!("老干部{n}"), "enrolled_from": "2021-01-01"}),
        )
        .await
        .assert(201, "");
    }
    for (half, paid_on) in [(1, "2021-06-03"), (2, "2021-12-20")] {
        let b = app
            .post(
                &finance,
                "/api/v1/subsidy-batches",
                &json!({"budget_line_id": subsidy, "year": 2021, "half": half}),
            )
            .await;
        let id = b.body["id"].as_i64().unwrap();
        app.post(
            &checker,
            &format!("/api/v1/subsidy-batches/{id}/approve"),
            &json!({}),
        )
        .await
        .assert(200, "");
        app.approvals_dated_2021_05_01();
        app.post(
            &finance,
            &format!("/api/v1/subsidy-batches/{id}/pay"),
            &json!({"paid_on": paid_on}),
        )
        .await
        .assert(200, "");
    }
}

pub async fn execution(app: &TestApp) -> Vec<Value> {
    let r = app
        .get(&app.admin, "/api/v1/reports/budget-execution?year=2021")
        .await;
    r.assert(200, "");
    r.body["lines"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_execution_report_in_json() {
    let app = spawn_app().await;
    scripted_year(&app).await;
    let lines = execution(&app).await;
    assert_eq!(lines.len(), 13);
    let codes: Vec<&str> = lines.iter().map(|l| l["code"].as_str().unwrap()).collect();
    assert_eq!(
        &codes[..6],
        [
            "dept",
            "dept.basic",
            "dept.basic.personnel",
            "dept.basic.public",
            "dept.basic.public.vehicle",
            "dept.project"
        ]
    );
    let by = |code: &str| lines.iter().find(|l| l["code"] == code).unwrap().clone();
    let subsidy = by("dept.project.cadre-subsidy");
    assert_eq!(
        (
            subsidy["spent"].as_str(),
            subsidy["execution_rate"].as_str()
        ),
        (Some("79200.00"), Some("100.00"))
    );
    let ops = by("dept.project.petition-work.operations");
    assert_eq!(
        (ops["committed"].as_str(), ops["spent"].as_str()),
        (Some("1231.00"), Some("1231.00"))
    );
    assert_eq!(ops["execution_rate"], "0.62");
    assert_eq!(
        by("dept.project.petition-work")["oversubscribed_by"],
        "650000.00"
    );
    assert_eq!(by("dept")["spent"], "81662.00");
    assert_eq!(by("dept.project")["depth"], 1);
    let holder = app.user("预算负责人", &[R::BudgetHolder]);
    app.get(&holder, "/api/v1/reports/budget-execution?year=2021")
        .await
        .assert(200, "");
    let claimant = app.user("甲", &[R::Claimant]);
    app.get(&claimant, "/api/v1/reports/budget-execution?year=2021")
        .await
        .assert(403, "forbidden");
    app.get(
        &app.admin,
        "/api/v1/reports/budget-execution?year=2021&format=pdf",
    )
    .await
    .assert(422, "invalid_request");
    app.get(&app.admin, "/api/v1/reports/budget-execution?year=1999")
        .await
        .assert(422, "invalid_request");
}

#[tokio::test]
async fn the_execution_report_in_csv_with_a_bom() {
    let app = spawn_app().await;
    scripted_year(&app).await;
    let response = app
        .client
        .get(app.url("/api/v1/reports/budget-execution?year=2021&format=csv"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), Status::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let bytes = response.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(
        rows[0],
        "编码,项目名称,层级,年初预算数,调整后预算数,已承诺,已支出,可用余额,执行率(%),超额分配"
    );
    assert_eq!(rows.len(), 14);
    assert!(rows.contains(&"dept.project.cadre-subsidy,疑难信访问题服务中心老干部下乡费用,2,79200.00,79200.00,0.00,79200.00,0.00,100.00,0.00"), "{text}");
}

#[tokio::test]
async fn the_execution_report_as_a_real_workbook() {
    let app = spawn_app().await;
    scripted_year(&app).await;
    let response = app
        .client
        .get(app.url("/api/v1/reports/budget-execution?year=2021&format=xlsx"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), Status::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("预算执行情况").unwrap();
    assert_eq!(
        sheet.get_value((0, 0)),
        Some(&Data::String("平乡县信访局 2021 年预算执行情况表".into()))
    );
    let headers: Vec<String> = (0..10)
        .map(|c| {
            sheet
                .get_value((2, c))
                .map(|d| d.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        headers,
        [
            "编码",
            "项目名称",
            "层级",
            "年初预算数",
            "调整后预算数",
            "已承诺",
            "已支出",
            "可用余额",
            "执行率(%)",
            "超额分配"
        ]
    );
    let row_of = |code: &str| {
        (3..16)
            .find(|r| sheet.get_value((*r, 0)) == Some(&Data::String(code.into())))
            .unwrap()
    };
    let subsidy = row_of("dept.project.cadre-subsidy");
    // Amounts are numbers, not text.
    assert_eq!(sheet.get_value((subsidy, 3)), Some(&Data::Float(79200.0)));
    assert_eq!(sheet.get_value((subsidy, 4)), Some(&Data::Float(79200.0)));
    assert_eq!(sheet.get_value((subsidy, 6)), Some(&Data::Float(79200.0)));
    assert_eq!(sheet.get_value((subsidy, 8)), Some(&Data::Float(100.0)));
    let ops = row_of("dept.project.petition-work.operations");
    assert_eq!(sheet.get_value((ops, 5)), Some(&Data::Float(1231.0)));
    // The totals row (the top-level line) and its balance check.
    assert_eq!(
        sheet.get_value((16, 1)),
        Some(&Data::String("合计（一级项目）".into()))
    );
    assert_eq!(
        sheet
            .get_value((16, 3))
            .and_then(|d| d.to_string().parse::<f64>().ok()),
        Some(3294800.0)
    );
    assert_eq!(
        sheet.get_value((17, 4)).map(|d| d.to_string()),
        Some("平衡".into())
    );
}

#[tokio::test]
async fn performance_indicators_for_a_year_with_a_late_batch() {
    let app = spawn_app().await;
    scripted_year(&app).await;
    let r = app
        .get(&app.admin, "/api/v1/reports/performance?year=2021")
        .await;
    r.assert(200, "");
    let got: HashMap<String, (Value, Value, Value)> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                format!(
                    "{}/{}",
                    i["line_code"].as_str().unwrap(),
                    i["indicator"].as_str().unwrap()
                ),
                (i["target"].clone(), i["actual"].clone(), i["met"].clone()),
            )
        })
        .collect();
    let s = "dept.project.cadre-subsidy";
    assert_eq!(
        got[&format!("{s}/recipients_paid")],
        (json!("≥ 6"), json!("6"), json!(true))
    );
    assert_eq!(
        got[&format!("{s}/payout_rate")],
        (json!("≥ 100.00"), json!("100.00"), json!(true))
    );
    assert_eq!(
        got[&format!("{s}/paid_on_time")],
        (json!("≥ 100.00"), json!("50.00"), json!(false))
    );
    assert_eq!(
        got[&format!("{s}/average_per_recipient_month")],
        (json!("= 1100.00"), json!("1100.00"), json!(true))
    );
    let p = "dept.project.petition-work";
    // Four of the five claims were decided at once; the fifth is still inside its 5 days.
    assert_eq!(
        got[&format!("{p}/decided_on_time")],
        (json!("≥ 95.00"), json!("100.00"), json!(true))
    );
    // Every R8 claim has 80.00 self-borne; monitored without a target.
    assert_eq!(
        got[&format!("{p}/self_borne_share")],
        (json!(null), json!("100.00"), json!(null))
    );
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["name"] == "补助人数"));
}

#[tokio::test]
async fn targets_are_editable_per_year() {
    let app = spawn_app().await;
    let targets = app
        .get(&app.admin, "/api/v1/reports/performance/targets?year=2021")
        .await;
    assert_eq!(targets.body.as_array().unwrap().len(), 6);
    let put = |token: String, body: Value| {
        let app = &app;
        async move {
            app.send(
                app.client
                    .put(app.url("/api/v1/reports/performance/targets?year=2022"))
                    .bearer_auth(token)
                    .json(&body),
            )
            .await
        }
    };
    let mine = json!([{"line_code": "dept.project.cadre-subsidy", "indicator": "recipients_paid", "comparator": ">=", "target": "7"}]);
    put(app.user("李四", &[R::Finance]), mine.clone())
        .await
        .assert(403, "forbidden");
    put(app.admin.clone(), mine).await.assert(200, "");
    // 2022 uses its own targets; 2021 keeps the document's.
    assert_eq!(
        app.get(&app.admin, "/api/v1/reports/performance/targets?year=2022")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get(&app.admin, "/api/v1/reports/performance/targets?year=2023")
            .await
            .body[0]["target"],
        "7"
    );
    assert_eq!(
        app.get(&app.admin, "/api/v1/reports/performance/targets?year=2021")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        6
    );
    let bad = put(
        app.admin.clone(),
        json!([{"line_code": "x", "indicator": "happiness", "comparator": "~", "target": "1"}]),
    )
    .await;
    bad.assert(422, "invalid_request");
    assert_eq!(bad.fields(), ["[0].indicator", "[0].comparator"]);
    // A field the body's own checks refuse is named by its item's index too.
    let out_of_range = put(
        app.admin.clone(),
        json!([
            {"line_code": "dept.project.cadre-subsidy", "indicator": "recipients_paid", "comparator": ">=", "target": "7"},
            {"line_code": "", "indicator": "decided_on_time", "comparator": ">=", "deadline_days": 0}
        ]),
    )
    .await;
    out_of_range.assert(422, "invalid_request");
    assert_eq!(
        out_of_range.fields(),
        ["[1].deadline_days", "[1].line_code"]
    );
}

/// hledger's balances of the journal; panics when hledger cannot run (the test that calls it is
/// ignored at build time when hledger is missing).
pub fn hledger_balances(journal: &str) -> HashMap<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("hledger")
        .args([
            "-f",
            "-",
            "bal",
            "--tree",
            "--no-elide",
            "-E",
            "--no-total",
            "-O",
            "csv",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("hledger cannot run ({e}); it is required for this test"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(journal.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "hledger failed: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let (account, balance) = line.split_once("\",\"")?;
            let amount = balance
                .trim_end_matches('"')
                .trim_end_matches(" CNY")
                .replace(',', "");
            let amount = if amount == "0" {
                "0.00".to_string()
            } else {
                amount
            };
            Some((account.trim_start_matches('"').to_string(), amount))
        })
        .collect()
}

#[tokio::test]
#[cfg_attr(
    no_hledger,
    ignore = "hledger is not installed (build.rs found none); .ci/run installs and requires it"
)]
async fn hledger_agrees_with_our_balances_to_the_fen() {
    let app = spawn_app().await;
    scripted_year(&app).await;
    let journal = app
        .send(
            app.client
                .get(app.url("/api/v1/reports/journal?year=2021"))
                .bearer_auth(&app.admin),
        )
        .await;
    assert_eq!(journal.status, Status::OK);
    let text = app
        .client
        .get(app.url("/api/v1/reports/journal?year=2021"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("allocated:dept.project.cadre-subsidy"),
        "{text}"
    );
    assert!(text.contains("spent:dept:project:cadre-subsidy"), "{text}");
    let balances = hledger_balances(&text);
    let zero = "0.00".to_string();
    for line in execution(&app).await {
        let code = line["code"].as_str().unwrap();
        let path = code.replace('.', ":");
        for (account, ours) in [
            (format!("allocated:{code}"), &line["allocated"]),
            (format!("committed:{path}"), &line["committed"]),
            (format!("spent:{path}"), &line["spent"]),
        ] {
            let theirs = balances.get(&account).unwrap_or(&zero);
            assert_eq!(Some(theirs.as_str()), ours.as_str(), "{account}");
        }
    }
}

#[tokio::test]
async fn the_same_reports_from_the_command_line() {
    let app = spawn_app().await;
    scripted_year(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_baoxiao"))
            .args(args)
            .env("DATABASE_URL", &app.db_url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let xlsx = dir.path().join("execution.xlsx");
    cli(&[
        "report",
        "budget-execution",
        "--year",
        "2021",
        "--format",
        "xlsx",
        "-o",
        xlsx.to_str().unwrap(),
    ]);
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert!(book.worksheet_range("预算执行情况").is_ok());
    let csv = cli(&[
        "report",
        "budget-execution",
        "--year",
        "2021",
        "--format",
        "csv",
    ]);
    assert!(
        csv.contains("dept.project.cadre-subsidy,疑难信访问题服务中心老干部下乡费用"),
        "{csv}"
    );
    let performance: Value =
        serde_json::from_str(&cli(&["report", "performance", "--year", "2021"])).unwrap();
    assert_eq!(performance.as_array().unwrap().len(), 6);
    let journal = cli(&["report", "journal", "--year", "2021"]);
    assert!(journal.contains("allocated:dept "), "{journal}");
    let verified = cli(&["verify"]);
    assert!(verified.contains("0 differ"), "{verified}");
}
