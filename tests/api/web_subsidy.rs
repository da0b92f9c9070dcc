//! 老干部补助's pages over plain HTTP: recipients, the half-year batch from making to paid, four
//! eyes, refusals in Chinese in place, roles and organisations, on SQLite and PostgreSQL.

use crate::helpers::{spawn_app, TestApp, R};
use crate::web::{signed_in, Visitor};

const SUBSIDY: &str = "dept.project.cadre-subsidy";

/// The batch id a "make batch" redirect goes to.
fn batch_id(location: &str) -> i64 {
    location
        .strip_prefix("/subsidy/batches/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not a batch page: {location:?}"))
}

async fn add_recipient(v: &mut Visitor, name: &str, from: &str) {
    let csrf = v.csrf("/subsidy").await;
    let r = v
        .post(
            "/subsidy/recipients",
            &[("csrf", &csrf), ("name", name), ("enrolled_from", from)],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location, "/subsidy");
}

async fn make_batch(v: &mut Visitor, line: i64, half: &str, supplementary: bool) -> (u16, String) {
    let csrf = v.csrf("/subsidy").await;
    let line = line.to_string();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("budget_line_id", line.as_str()),
        ("year", "2021"),
        ("half", half),
    ];
    if supplementary {
        form.push(("supplementary", "yes"));
    }
    let r = v.post("/subsidy/batches", &form).await;
    (r.status, r.location)
}

/// The one-time message the next page shows.
async fn flash_after(v: &mut Visitor, path: &str) -> String {
    let page = v.get(path).await;
    assert_eq!(page.status, 200);
    let start = page.body.find("class=\"flash").expect("a message");
    let end = page.body[start..].find("</p>").unwrap() + start;
    page.body[start..end].to_string()
}

async fn clerks(app: &TestApp) -> (Visitor, Visitor, i64) {
    let maker = signed_in(app, "出纳 甲", &[R::Finance], "maker").await;
    let checker = signed_in(app, "会计 乙", &[R::Finance], "checker").await;
    (maker, checker, app.line_id(SUBSIDY).await)
}

#[tokio::test]
async fn the_h2_batch_goes_from_making_to_paid_with_four_eyes() {
    let app = spawn_app().await;
    let (mut maker, mut checker, line) = clerks(&app).await;
    let menu = maker.get("/subsidy").await;
    assert!(menu.body.contains("href=\"/subsidy\""), "in finance's menu");
    add_recipient(&mut maker, "郭老", "2021-01-01").await;
    assert!(flash_after(&mut maker, "/subsidy")
        .await
        .contains("已添加 郭老"));
    add_recipient(&mut maker, "王老", "2021-09-16").await;

    let (status, location) = make_batch(&mut maker, line, "2", false).await;
    assert_eq!(status, 303);
    let id = batch_id(&location);
    let page = maker.get(&location).await;
    assert_eq!(page.status, 200);
    // 郭老: six full months; 王老: 15/30 of September, then October to December.
    assert!(
        page.body.contains("2021-07（31/31 天）¥1,100.00"),
        "{}",
        page.body
    );
    assert!(page.body.contains("2021-09（15/30 天）¥550.00"));
    assert!(page.body.contains("¥6,600.00") && page.body.contains("¥3,850.00"));
    assert!(page.body.contains("¥10,450.00"));
    assert!(page.body.contains("人民币壹万零肆佰伍拾元整"));
    assert!(page.body.contains("草稿"));
    // The maker is told why there is no approve button, and a forged approval is refused.
    assert!(page.body.contains("id=\"why-no-approve\""));
    assert!(!page
        .body
        .contains(&format!("/subsidy/batches/{id}/approve")));
    let csrf = page.csrf();
    let r = maker
        .post(
            &format!("/subsidy/batches/{id}/approve"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(flash_after(&mut maker, &location)
        .await
        .contains("不能批准自己制作"));
    // Not approved yet: no payment file.
    let file = maker
        .get(&format!("/subsidy/batches/{id}/payment-file"))
        .await;
    assert_eq!(file.status, 303);
    assert!(flash_after(&mut maker, &location)
        .await
        .contains("无法下载代发文件"));

    let page = checker.get(&location).await;
    assert!(!page.body.contains("why-no-approve"));
    // The button that commits the money says how much.
    assert!(
        page.body
            .contains("id=\"approve-batch\">批准 ¥10,450.00</button>"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let r = checker
        .post(
            &format!("/subsidy/batches/{id}/approve"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!((r.status, r.location.as_str()), (303, location.as_str()));
    let flash = flash_after(&mut checker, &location).await;
    assert!(
        flash.contains("批次已批准") && flash.contains("¥10,450.00"),
        "{flash}"
    );
    let batch = app
        .get(&app.admin, &format!("/api/v1/subsidy-batches/{id}"))
        .await;
    assert_eq!(batch.body["status"], "approved");
    // Approved: paying it names the amount that will leave the account.
    let page = checker.get(&location).await;
    assert!(
        page.body
            .contains("id=\"pay-batch\">登记支付 ¥10,450.00</button>"),
        "{}",
        page.body
    );

    let file = checker
        .get(&format!("/subsidy/batches/{id}/payment-file"))
        .await;
    assert_eq!(file.status, 200);
    assert!(file.body.contains("郭老") && file.body.contains("6600.00"));
    assert!(file.body.contains("王老") && file.body.contains("3850.00"));

    // A second regular H2 batch is refused in place.
    let (status, back) = make_batch(&mut maker, line, "2", false).await;
    assert_eq!((status, back.as_str()), (303, "/subsidy"));
    assert!(flash_after(&mut maker, "/subsidy")
        .await
        .contains("常规批次已经有了"));
    // A supplementary one has nothing left to pay.
    make_batch(&mut maker, line, "2", true).await;
    assert!(flash_after(&mut maker, "/subsidy")
        .await
        .contains("没有要发放的月份"));

    let csrf = maker.csrf(&location).await;
    let r = maker
        .post(
            &format!("/subsidy/batches/{id}/pay"),
            &[("csrf", &csrf), ("paid_on", "2021/12/05")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(flash_after(&mut maker, &location)
        .await
        .contains("支付日期"));
    app.approvals_dated_2021_05_01();
    let r = maker
        .post(
            &format!("/subsidy/batches/{id}/pay"),
            &[("csrf", &csrf), ("paid_on", "2021-12-05")],
        )
        .await;
    assert_eq!(r.status, 303);
    let flash = flash_after(&mut maker, &location).await;
    assert!(
        flash.contains("批次已支付") && flash.contains("在发放期内"),
        "{flash}"
    );
    let page = maker.get(&location).await;
    assert!(page.body.contains("已支付的批次不能再更改"));
    let r = maker
        .post(&format!("/subsidy/batches/{id}/void"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 303);
    assert!(flash_after(&mut maker, &location)
        .await
        .contains("无法作废：这个批次当前是「已支付」"));
    let line = app.line(line).await;
    assert_eq!(line["spent"], "10450.00");
}

#[tokio::test]
async fn ending_an_enrollment_with_paid_months_is_refused_in_chinese() {
    let app = spawn_app().await;
    let (mut maker, mut checker, line) = clerks(&app).await;
    add_recipient(&mut maker, "郭老", "2021-01-01").await;
    let (_, location) = make_batch(&mut maker, line, "1", false).await;
    let id = batch_id(&location);
    let csrf = checker.csrf(&location).await;
    checker
        .post(
            &format!("/subsidy/batches/{id}/approve"),
            &[("csrf", &csrf)],
        )
        .await;
    let recipients = app.get(&app.admin, "/api/v1/subsidy-recipients").await;
    let rid = recipients.body[0]["id"].as_i64().unwrap();
    let csrf = maker.csrf("/subsidy").await;
    let r = maker
        .post(
            &format!("/subsidy/recipients/{rid}/end"),
            &[("csrf", &csrf), ("enrolled_until", "2021-03-15")],
        )
        .await;
    assert_eq!((r.status, r.location.as_str()), (303, "/subsidy"));
    let flash = flash_after(&mut maker, "/subsidy").await;
    assert!(flash.contains("不能这样结束享受期"), "{flash}");
    assert!(
        flash.contains("2021-03、2021-04、2021-05、2021-06"),
        "{flash}"
    );
    let after = app.get(&app.admin, "/api/v1/subsidy-recipients").await;
    assert_eq!(after.body[0]["enrolled_until"], serde_json::Value::Null);

    // A bad date is named in Chinese; the end of June is accepted.
    maker
        .post(
            &format!("/subsidy/recipients/{rid}/end"),
            &[("csrf", &csrf), ("enrolled_until", "2021-6-30")],
        )
        .await;
    assert!(flash_after(&mut maker, "/subsidy")
        .await
        .contains("「享受截止日期」"));
    maker
        .post(
            &format!("/subsidy/recipients/{rid}/end"),
            &[("csrf", &csrf), ("enrolled_until", "2021-06-30")],
        )
        .await;
    assert!(flash_after(&mut maker, "/subsidy")
        .await
        .contains("享受期截止到 2021-06-30"));
    // An enrollment ending before it starts, and a missing name, are refused beside their
    // fields, the form shown again as typed.
    let refused = maker
        .post(
            "/subsidy/recipients",
            &[
                ("csrf", &csrf),
                ("name", "李老"),
                ("enrolled_from", "2021-05-01"),
                ("enrolled_until", "2021-04-01"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        note_beside(&refused.body, "r-until"),
        "不能早于享受开始日期（2021-05-01）"
    );
    assert!(refused.body.contains("value=\"李老\""));
    let refused = maker
        .post(
            "/subsidy/recipients",
            &[
                ("csrf", &csrf),
                ("name", ""),
                ("enrolled_from", "2021-05-01"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(note_beside(&refused.body, "r-name"), "必填，最多 200 个字");
    assert!(refused.body.contains("value=\"2021-05-01\""));
    // Without the form's CSRF token nothing changes.
    let r = maker
        .post(
            "/subsidy/recipients",
            &[("name", "赵老"), ("enrolled_from", "2021-05-01")],
        )
        .await;
    assert_eq!(r.status, 403);
    let all = app.get(&app.admin, "/api/v1/subsidy-recipients").await;
    assert_eq!(all.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn subsidy_pages_are_finances_and_batches_stay_in_their_organisation() {
    let app = spawn_app().await;
    let (mut maker, _, line) = clerks(&app).await;
    add_recipient(&mut maker, "郭老", "2021-01-01").await;
    let (_, location) = make_batch(&mut maker, line, "1", false).await;
    let id = batch_id(&location);

    let mut claimant = signed_in(&app, "报销人", &[R::Claimant], "claimant").await;
    let home = claimant.get("/claims").await;
    assert!(
        !home.body.contains("href=\"/subsidy\""),
        "not in a claimant's menu"
    );
    for path in ["/subsidy".to_string(), location.clone()] {
        assert_eq!(claimant.get(&path).await.status, 403, "{path}");
    }
    let csrf = claimant.csrf("/claims").await;
    let r = claimant
        .post(&format!("/subsidy/batches/{id}/void"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, 403);
    let mut holder = signed_in(&app, "预算负责人", &[R::BudgetHolder], "holder").await;
    // A budget holder reads the batches as the API lets them (api.md: `GET
    // /subsidy-batches/{id}` admits budget holders), without the forms they may not use.
    let read_only = holder.get("/subsidy").await;
    assert_eq!(read_only.status, 200);
    assert!(!read_only.body.contains("action=\"/subsidy/batches\""));
    assert!(!read_only.body.contains("action=\"/subsidy/recipients\""));

    let org = baoxiao::services::users::add_org(&app.pool, "other", "另一个单位").unwrap();
    let (user, _) =
        baoxiao::services::users::add_user(&app.pool, Some("other"), "外单位财务", &[R::Finance])
            .unwrap();
    baoxiao::services::sign_in::add_login(&app.pool, org, user, "outsider", "outsider-pw", false)
        .unwrap();
    let mut outsider = Visitor::new(&app.address);
    assert_eq!(
        outsider.sign_in("outsider", "outsider-pw").await.status,
        303
    );
    for path in [location.clone(), format!("{location}/payment-file")] {
        let page = outsider.get(&path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(page.body.contains("没有找到"));
    }
    let csrf = outsider.csrf("/subsidy").await;
    let r = outsider
        .post(
            &format!("/subsidy/batches/{id}/approve"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("没有找到"));
    let page = outsider.get("/subsidy").await;
    assert!(
        !page.body.contains("郭老"),
        "another organisation's recipients"
    );
    let batch = app
        .get(&app.admin, &format!("/api/v1/subsidy-batches/{id}"))
        .await;
    assert_eq!(batch.body["status"], "draft");
}

/// The text of the note beside the input `id`, as the page renders it.
fn note_beside(body: &str, id: &str) -> String {
    let marker = format!("id=\"{id}-error\">");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no note beside {id}: {body}"))
        + marker.len();
    let end = body[start..].find("</p>").unwrap() + start;
    body[start..end].to_string()
}

/// 代发信息 on the pages: typed on enrollment or added later, refused beside the field with the
/// typed work kept, shown masked, and the batch page's warning for whoever still lacks them; the
/// download link offered to finance alone.
#[tokio::test]
async fn payment_details_are_typed_checked_masked_and_warned_about() {
    let app = spawn_app().await;
    let (mut maker, mut checker, line) = clerks(&app).await;

    // A wrong check character: the form comes back as typed, the note beside the field.
    let csrf = maker.csrf("/subsidy").await;
    let typed = [
        ("csrf", csrf.as_str()),
        ("name", "郭老"),
        ("enrolled_from", "2021-01-01"),
        ("id_number", "110105194912310021"),
        ("bank_name", "中国农业银行邢台分行"),
        ("bank_account", "6222 0202 0001 2345"),
    ];
    let refused = maker.post("/subsidy/recipients", &typed).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(
        note_beside(&refused.body, "r-id"),
        "身份证号的校验位与前 17 位不符，请逐位核对"
    );
    for kept in [
        "value=\"郭老\"",
        "value=\"110105194912310021\"",
        "value=\"中国农业银行邢台分行\"",
        "value=\"6222 0202 0001 2345\"",
    ] {
        assert!(refused.body.contains(kept), "{kept} lost");
    }
    let none = app.get(&app.admin, "/api/v1/subsidy-recipients").await;
    assert_eq!(none.body.as_array().unwrap().len(), 0);

    // Put right, it is added and shown masked: the whole numbers appear on no page.
    let mut fixed = typed.to_vec();
    fixed[3] = ("id_number", "11010519491231002x");
    let added = maker.post("/subsidy/recipients", &fixed).await;
    assert_eq!(added.status, 303, "{}", added.body);
    add_recipient(&mut maker, "王老", "2021-09-16").await;
    let list = maker.get("/subsidy").await;
    assert!(list.body.contains("**************002X"), "{}", list.body);
    assert!(list.body.contains("**** 2345"));
    assert!(!list.body.contains("11010519491231002") && !list.body.contains("62220202"));
    assert!(list.body.contains("补填代发信息"));

    // The batch says who the file cannot pay yet, and still offers it once approved.
    let (_, location) = make_batch(&mut maker, line, "2", false).await;
    let id = batch_id(&location);
    let page = maker.get(&location).await;
    assert!(
        page.body.contains(
            "1 人缺少身份证号或银行账号：请在老干部名单中补齐，再按现在的名单重新生成本批次。"
        ),
        "{}",
        page.body
    );
    let csrf = checker.csrf(&location).await;
    let r = checker
        .post(
            &format!("/subsidy/batches/{id}/approve"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = checker.get(&location).await;
    assert!(page
        .body
        .contains("1 人缺少身份证号或银行账号：请在老干部名单中补齐，再作废本批次后重新制作。"));
    assert!(page.body.contains("下载代发文件（CSV）"));
    let file = checker
        .get(&format!("/subsidy/batches/{id}/payment-file"))
        .await;
    assert_eq!(file.status, 200);
    assert!(file.body.contains(
        "1,郭老,11010519491231002X,中国农业银行邢台分行,6222020200012345,6600.00,2021-07至2021-12"
    ));

    // Admin and budget holder read the batch, and are offered no file.
    let mut admin = signed_in(&app, "管理员 丙", &[R::Admin], "admin-c").await;
    let mut holder = signed_in(&app, "负责人 丁", &[R::BudgetHolder], "holder-d").await;
    for v in [&mut admin, &mut holder] {
        let page = v.get(&location).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("1 人缺少身份证号或银行账号"));
        assert!(!page.body.contains("下载代发文件"), "{}", page.body);
        assert!(!page.body.contains("payment-file"));
    }

    // 王老's details added on their own page: a short account refused beside its field, kept.
    let wang = app.get(&app.admin, "/api/v1/subsidy-recipients").await.body[1]["id"]
        .as_i64()
        .unwrap();
    let form_path = format!("/subsidy/recipients/{wang}/payee");
    let csrf = maker.csrf(&form_path).await;
    let short = maker
        .post(
            &form_path,
            &[
                ("csrf", &csrf),
                ("id_number", "440524188001010014"),
                ("bank_account", "1234 567"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    assert_eq!(
        note_beside(&short.body, "r-account"),
        "账号应为 8 到 32 位数字"
    );
    assert!(short.body.contains("value=\"440524188001010014\""));
    let empty = maker.post(&form_path, &[("csrf", &csrf)]).await;
    assert_eq!(empty.status, 422);
    assert!(empty
        .body
        .contains("请至少填写身份证号、开户行、账号中的一项。"));
    let saved = maker
        .post(
            &form_path,
            &[
                ("csrf", &csrf),
                ("id_number", "440524188001010014"),
                ("bank_name", "邢台银行"),
                ("bank_account", "1234 5678"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(flash_after(&mut maker, "/subsidy")
        .await
        .contains("已保存 王老 的代发信息。"));
    // The approved batch keeps paying what it was approved with, and says the details changed.
    let page = maker.get(&location).await;
    assert!(
        page.body.contains(
            "<p>王老的代发信息在本批次制作后有改动；如需按新信息发放，请作废本批次后重新制作。</p>"
        ),
        "{}",
        page.body
    );
    let shown = maker.get(&form_path).await;
    assert!(shown.body.contains("**************0014") && shown.body.contains("**** 5678"));
}
