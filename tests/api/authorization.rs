//! Every route × every role, and no token: 401 without a token, 403 for a role the route does not
//! admit, and for an admitted role anything but 401/403 (and never a 5xx).
use crate::helpers::*;
use serde_json::Value;

const ALL: &[&str] = &["admin", "claimant", "finance", "budget_holder"];
const READERS: &[&str] = &["admin", "finance", "budget_holder"];

#[tokio::test]
async fn every_route_for_every_role() {
    let app = spawn_app().await;
    let owner = app.user("报销人", &[R::Claimant]);
    let maker = app.user("出纳", &[R::Finance]);
    let tokens: Vec<(&str, String)> = vec![
        ("admin", app.admin.clone()),
        ("claimant", app.user("甲", &[R::Claimant])),
        ("finance", app.user("乙", &[R::Finance])),
        ("budget_holder", app.user("丙", &[R::BudgetHolder])),
    ];
    let line = app.line_id("dept.project.petition-work.operations").await;
    let subsidy = app.line_id("dept.project.cadre-subsidy").await;
    let claim = app.submit(&owner, &r8_claim(line)).await;
    let recipient = app
        .post(
            &maker,
            "/api/v1/subsidy-recipients",
            &json!({"name": "老干部", "enrolled_from": "2021-01-01"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let batch = app
        .post(
            &maker,
            "/api/v1/subsidy-batches",
            &json!({"budget_line_id": subsidy, "year": 2021, "half": 1}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let stations = app.get(&app.admin, "/api/v1/duty-stations").await;
    let station = stations.body[0]["id"].as_i64().unwrap();
    let policy = {
        let mut p = app
            .get(&app.admin, "/api/v1/policy?date=2021-01-01")
            .await
            .body;
        p.as_object_mut().unwrap().remove("version");
        p["effective_from"] = json!("2030-01-01");
        p
    };

    let routes: Vec<(&str, String, Value, &[&str])> = vec![
        (
            "GET",
            "/api/v1/policy?date=2021-05-01".into(),
            json!(null),
            ALL,
        ),
        ("POST", "/api/v1/policy".into(), policy, &["admin"]),
        (
            "GET",
            "/api/v1/budget-lines?year=2021".into(),
            json!(null),
            ALL,
        ),
        (
            "GET",
            format!("/api/v1/budget-lines/{line}"),
            json!(null),
            ALL,
        ),
        (
            "GET",
            format!("/api/v1/budget-lines/{line}/entries"),
            json!(null),
            ALL,
        ),
        (
            "GET",
            format!("/api/v1/budget-lines/{line}/forecast?as_of=2021-01-01"),
            json!(null),
            READERS,
        ),
        (
            "POST",
            "/api/v1/budget-lines".into(),
            json!({"year": 2021, "code": "dept.project.m", "name": "m", "parent_code": "dept.project", "allocated": "1.00"}),
            &["admin"],
        ),
        (
            "POST",
            "/api/v1/travel-claims/quote".into(),
            r8_claim(line),
            ALL,
        ),
        (
            "POST",
            "/api/v1/travel-claims".into(),
            r8_claim(line),
            &["claimant"],
        ),
        ("GET", "/api/v1/travel-claims".into(), json!(null), ALL),
        (
            "GET",
            format!("/api/v1/travel-claims/{claim}"),
            json!(null),
            ALL,
        ),
        (
            "POST",
            format!("/api/v1/travel-claims/{claim}/approve"),
            json!({}),
            &["finance"],
        ),
        (
            "POST",
            format!("/api/v1/travel-claims/{claim}/pay"),
            json!({"paid_on": "2021-05-20"}),
            &["finance"],
        ),
        (
            "POST",
            format!("/api/v1/travel-claims/{claim}/reject"),
            json!({"reason": "x"}),
            &["finance"],
        ),
        (
            "POST",
            "/api/v1/subsidy-recipients".into(),
            json!({"name": "x", "enrolled_from": "2021-01-01"}),
            &["admin", "finance"],
        ),
        (
            "GET",
            "/api/v1/subsidy-recipients".into(),
            json!(null),
            READERS,
        ),
        (
            "PATCH",
            format!("/api/v1/subsidy-recipients/{recipient}"),
            json!({"enrolled_until": null}),
            &["admin", "finance"],
        ),
        (
            "POST",
            "/api/v1/subsidy-batches".into(),
            json!({"budget_line_id": subsidy, "year": 2021, "half": 2}),
            &["finance"],
        ),
        (
            "GET",
            "/api/v1/subsidy-batches".into(),
            json!(null),
            READERS,
        ),
        (
            "GET",
            format!("/api/v1/subsidy-batches/{batch}"),
            json!(null),
            READERS,
        ),
        (
            "POST",
            format!("/api/v1/subsidy-batches/{batch}/regenerate"),
            json!({}),
            &["finance"],
        ),
        (
            "POST",
            format!("/api/v1/subsidy-batches/{batch}/approve"),
            json!({}),
            &["finance"],
        ),
        (
            "GET",
            format!("/api/v1/subsidy-batches/{batch}/payment-file"),
            json!(null),
            &["admin", "finance"],
        ),
        (
            "POST",
            format!("/api/v1/subsidy-batches/{batch}/pay"),
            json!({"paid_on": "2021-06-05"}),
            &["finance"],
        ),
        (
            "POST",
            format!("/api/v1/subsidy-batches/{batch}/void"),
            json!({}),
            &["finance"],
        ),
        ("GET", "/api/v1/duty-stations".into(), json!(null), ALL),
        (
            "POST",
            "/api/v1/duty-stations".into(),
            json!({"name": "s", "city": "beijing", "budget_line_id": line}),
            &["admin", "budget_holder"],
        ),
        (
            "GET",
            format!("/api/v1/duty-stations/{station}/assignments"),
            json!(null),
            ALL,
        ),
        (
            "POST",
            format!("/api/v1/duty-stations/{station}/assignments"),
            json!({"person": "p", "from": "2021-01-01", "to": "2021-01-02"}),
            &["admin", "budget_holder"],
        ),
        ("GET", "/api/v1/duty-events".into(), json!(null), ALL),
        (
            "POST",
            "/api/v1/duty-events".into(),
            json!({"name": "e", "city": "beijing", "budget_line_id": line, "from": "2021-01-01", "to": "2021-01-02", "extra_staff": 1}),
            &["admin", "budget_holder"],
        ),
        (
            "GET",
            "/api/v1/reports/budget-execution?year=2021".into(),
            json!(null),
            READERS,
        ),
        (
            "GET",
            "/api/v1/reports/performance?year=2021".into(),
            json!(null),
            READERS,
        ),
        (
            "GET",
            "/api/v1/reports/performance/targets?year=2021".into(),
            json!(null),
            READERS,
        ),
        (
            "PUT",
            "/api/v1/reports/performance/targets?year=2030".into(),
            json!([]),
            &["admin"],
        ),
        (
            "POST",
            "/api/v1/invoices/read".into(),
            json!({}),
            &["claimant"],
        ),
        ("PUT", "/api/v1/organisation".into(), json!({}), &["admin"]),
        (
            "GET",
            "/api/v1/reports/journal?year=2021".into(),
            json!(null),
            READERS,
        ),
    ];

    let mut failures = Vec::new();
    for (method, path, body, admitted) in &routes {
        let request = |token: Option<&str>| {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut r = app.client.request(method, app.url(path));
            if !body.is_null() {
                r = r.json(body);
            }
            if let Some(t) = token {
                r = r.bearer_auth(t);
            }
            r
        };
        let anonymous = app.send(request(None)).await;
        if anonymous.status != Status::UNAUTHORIZED {
            failures.push(format!(
                "{method} {path} without a token: {}",
                anonymous.status
            ));
        }
        for (role, token) in &tokens {
            let reply = app.send(request(Some(token))).await;
            let status = reply.status.as_u16();
            let expected_forbidden = !admitted.contains(role);
            if expected_forbidden && (status != 403 || reply.code() != "forbidden") {
                failures.push(format!(
                    "{method} {path} as {role}: expected 403, got {status} {}",
                    reply.body
                ));
            }
            // The finance user who regenerated the batch just before is one of its makers: four
            // eyes, not the role, refuses its approval.
            let four_eyes = reply.code() == "self_approval_forbidden" && path.ends_with("/approve");
            if !expected_forbidden && (status == 401 || status == 403) && !four_eyes {
                failures.push(format!(
                    "{method} {path} as {role}: expected access, got {status} {}",
                    reply.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One use case through both doors: the API request and the page (or form) that performs it.
struct BothDoors {
    use_case: baoxiao::services::permissions::UseCase,
    api: (&'static str, String, Value),
    page: (&'static str, String, Vec<(&'static str, &'static str)>),
}

/// Every use case the API and the pages both offer, for every role: each door refuses (403) exactly
/// the roles the table of use cases refuses, so the two doors give the same answer. The requests
/// name records that do not exist, or carry a body or form that cannot be read, so an admitted role
/// gets 404, 422 or the page's message, and nothing changes.
#[tokio::test]
async fn both_doors_give_every_role_the_same_answer() {
    use baoxiao::auth::Actor;
    use baoxiao::services::permissions::{allows, UseCase};

    let app = spawn_app().await;
    let line = app.line_id("dept.project.petition-work.operations").await;
    let org = {
        let mut c = app.pool.get().unwrap();
        baoxiao::services::users::resolve_org(&mut c, None).unwrap()
    };
    // One user per role, with a token and a web login.
    let mut people = Vec::new();
    for (role, login) in [
        (R::Admin, "door-admin"),
        (R::Claimant, "door-claimant"),
        (R::Finance, "door-finance"),
        (R::BudgetHolder, "door-holder"),
    ] {
        let (id, token) =
            baoxiao::services::users::add_user(&app.pool, None, login, &[role]).unwrap();
        let password = format!("{login}-password");
        baoxiao::services::sign_in::add_login(&app.pool, org.id, id, login, &password, false)
            .unwrap();
        let mut visitor = crate::web::Visitor::new(&app.address);
        assert_eq!(visitor.sign_in(login, &password).await.status, 303);
        let csrf = visitor.csrf("/password").await;
        people.push((role, token, visitor, csrf));
    }

    let none = 999_999;
    let api_post = |path: String, body: Value| ("POST", path, body);
    let api_get = |path: String| ("GET", path, json!(null));
    let form =
        |path: String, fields: &[(&'static str, &'static str)]| ("POST", path, fields.to_vec());
    let page = |path: String| ("GET", path, Vec::new());
    let cases = vec![
        BothDoors {
            use_case: UseCase::SubmitClaim,
            api: api_post("/api/v1/travel-claims".into(), json!({})),
            page: form("/claims/new".into(), &[("action", "submit")]),
        },
        BothDoors {
            use_case: UseCase::ReadClaims,
            api: api_get(format!("/api/v1/travel-claims/{none}")),
            page: page(format!("/claims/{none}")),
        },
        BothDoors {
            use_case: UseCase::ApproveClaim,
            api: api_post(format!("/api/v1/travel-claims/{none}/approve"), json!({})),
            page: form(format!("/finance/claims/{none}/approve"), &[]),
        },
        BothDoors {
            use_case: UseCase::RejectClaim,
            api: api_post(
                format!("/api/v1/travel-claims/{none}/reject"),
                json!({"reason": "x"}),
            ),
            page: form(format!("/finance/claims/{none}/reject"), &[("reason", "x")]),
        },
        BothDoors {
            use_case: UseCase::PayClaim,
            api: api_post(
                format!("/api/v1/travel-claims/{none}/pay"),
                json!({"paid_on": "2021-05-20"}),
            ),
            page: form(
                format!("/finance/claims/{none}/pay"),
                &[("paid_on", "2021-05-20")],
            ),
        },
        BothDoors {
            use_case: UseCase::RecordAdvanceReturned,
            api: api_post(
                format!("/api/v1/travel-claims/{none}/advance-returned"),
                json!({"returned_on": "2021-05-20"}),
            ),
            page: form(
                format!("/advances/claims/{none}/returned"),
                &[("returned_on", "2021-05-20")],
            ),
        },
        BothDoors {
            use_case: UseCase::AddRecipient,
            api: api_post("/api/v1/subsidy-recipients".into(), json!({})),
            page: form("/subsidy/recipients".into(), &[]),
        },
        BothDoors {
            use_case: UseCase::ListRecipients,
            api: api_get("/api/v1/subsidy-recipients".into()),
            page: page("/subsidy".into()),
        },
        BothDoors {
            use_case: UseCase::ChangeEnrollment,
            api: (
                "PATCH",
                format!("/api/v1/subsidy-recipients/{none}"),
                json!({"enrolled_until": null}),
            ),
            page: form(format!("/subsidy/recipients/{none}/end"), &[]),
        },
        BothDoors {
            use_case: UseCase::MakeBatch,
            api: api_post("/api/v1/subsidy-batches".into(), json!({})),
            page: form("/subsidy/batches".into(), &[]),
        },
        BothDoors {
            use_case: UseCase::ReadBatches,
            api: api_get(format!("/api/v1/subsidy-batches/{none}")),
            page: page(format!("/subsidy/batches/{none}")),
        },
        BothDoors {
            use_case: UseCase::RegenerateBatch,
            api: api_post(
                format!("/api/v1/subsidy-batches/{none}/regenerate"),
                json!({}),
            ),
            page: form(format!("/subsidy/batches/{none}/regenerate"), &[]),
        },
        BothDoors {
            use_case: UseCase::ApproveBatch,
            api: api_post(format!("/api/v1/subsidy-batches/{none}/approve"), json!({})),
            page: form(format!("/subsidy/batches/{none}/approve"), &[]),
        },
        BothDoors {
            use_case: UseCase::PayBatch,
            api: api_post(
                format!("/api/v1/subsidy-batches/{none}/pay"),
                json!({"paid_on": "2021-06-05"}),
            ),
            page: form(
                format!("/subsidy/batches/{none}/pay"),
                &[("paid_on", "2021-06-05")],
            ),
        },
        BothDoors {
            use_case: UseCase::VoidBatch,
            api: api_post(format!("/api/v1/subsidy-batches/{none}/void"), json!({})),
            page: form(format!("/subsidy/batches/{none}/void"), &[]),
        },
        BothDoors {
            use_case: UseCase::PaymentFile,
            api: api_get(format!("/api/v1/subsidy-batches/{none}/payment-file")),
            page: page(format!("/subsidy/batches/{none}/payment-file")),
        },
        BothDoors {
            use_case: UseCase::CreateLine,
            api: api_post("/api/v1/budget-lines".into(), json!({})),
            page: form("/admin/budget-lines".into(), &[]),
        },
        BothDoors {
            use_case: UseCase::Forecast,
            api: api_get(format!("/api/v1/budget-lines/{line}/forecast")),
            page: page(format!("/budget/lines/{line}")),
        },
        BothDoors {
            use_case: UseCase::AddAssignment,
            api: api_post(
                format!("/api/v1/duty-stations/{none}/assignments"),
                json!({}),
            ),
            page: form(format!("/budget/lines/{line}/assignments"), &[]),
        },
        BothDoors {
            use_case: UseCase::CreateEvent,
            api: api_post("/api/v1/duty-events".into(), json!({})),
            page: form(format!("/budget/lines/{line}/events"), &[]),
        },
        BothDoors {
            use_case: UseCase::ExecutionReport,
            api: api_get("/api/v1/reports/budget-execution?year=2021&format=csv".into()),
            page: page("/reports/execution.csv?year=2021".into()),
        },
        BothDoors {
            use_case: UseCase::BudgetOverview,
            api: api_get("/api/v1/reports/budget-execution?year=2021".into()),
            page: page("/budget?year=2021".into()),
        },
        BothDoors {
            use_case: UseCase::Journal,
            api: api_get("/api/v1/reports/journal?year=2021".into()),
            page: page("/reports/journal?year=2021".into()),
        },
        BothDoors {
            use_case: UseCase::Performance,
            api: api_get("/api/v1/reports/performance?year=2021".into()),
            page: page("/performance?year=2021".into()),
        },
        BothDoors {
            use_case: UseCase::RequestAdjustment,
            api: api_post("/api/v1/budget-adjustments".into(), json!({})),
            page: form("/adjustments".into(), &[]),
        },
        BothDoors {
            use_case: UseCase::ReadAdjustments,
            api: api_get("/api/v1/budget-adjustments".into()),
            page: page("/adjustments".into()),
        },
        BothDoors {
            use_case: UseCase::ApproveAdjustment,
            api: api_post(
                format!("/api/v1/budget-adjustments/{none}/approve"),
                json!({}),
            ),
            page: form(format!("/adjustments/{none}/approve"), &[]),
        },
        BothDoors {
            use_case: UseCase::RejectAdjustment,
            api: api_post(
                format!("/api/v1/budget-adjustments/{none}/reject"),
                json!({"reason": "x"}),
            ),
            page: form(format!("/adjustments/{none}/reject"), &[("reason", "x")]),
        },
        BothDoors {
            use_case: UseCase::RequestTrip,
            api: api_post("/api/v1/travel-requests".into(), json!({})),
            page: form("/travel-requests".into(), &[("action", "submit")]),
        },
        BothDoors {
            use_case: UseCase::CancelTrip,
            api: api_post(format!("/api/v1/travel-requests/{none}/cancel"), json!({})),
            page: form(format!("/travel-requests/{none}/cancel"), &[]),
        },
        BothDoors {
            use_case: UseCase::DecideTrip,
            api: api_post(format!("/api/v1/travel-requests/{none}/approve"), json!({})),
            page: form(format!("/travel-requests/{none}/approve"), &[]),
        },
        BothDoors {
            use_case: UseCase::DecideTrip,
            api: api_post(
                format!("/api/v1/travel-requests/{none}/reject"),
                json!({"reason": "x"}),
            ),
            page: form(
                format!("/travel-requests/{none}/reject"),
                &[("reason", "x")],
            ),
        },
        BothDoors {
            use_case: UseCase::PayAdvance,
            api: api_post(
                format!("/api/v1/travel-requests/{none}/pay-advance"),
                json!({"amount": "1.00", "paid_on": "2021-05-20"}),
            ),
            page: form(
                format!("/advances/requests/{none}/pay"),
                &[("amount", "1.00"), ("paid_on", "2021-05-20")],
            ),
        },
        BothDoors {
            use_case: UseCase::OutstandingAdvances,
            api: api_get("/api/v1/advances/outstanding".into()),
            page: page("/advances".into()),
        },
        BothDoors {
            use_case: UseCase::PublishPolicy,
            api: api_post("/api/v1/policy".into(), json!({})),
            page: form("/admin/policy".into(), &[]),
        },
    ];

    let mut failures = Vec::new();
    for case in &cases {
        for (role, token, visitor, csrf) in people.iter_mut() {
            let actor = Actor {
                org_id: org.id,
                user_id: 0,
                roles: vec![*role],
            };
            let admitted = allows(&actor, case.use_case);
            let (method, path, body) = &case.api;
            let mut request = app
                .client
                .request(
                    reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                    app.url(path),
                )
                .bearer_auth(token.as_str());
            if !body.is_null() {
                request = request.json(body);
            }
            let api = app.send(request).await;
            let api_refused = api.status == Status::FORBIDDEN && api.code() == "forbidden";
            let (method, path, fields) = &case.page;
            let shown = if *method == "GET" {
                visitor.get(path).await
            } else {
                let mut fields = fields.clone();
                fields.push(("csrf", csrf.as_str()));
                visitor.post(path, &fields).await
            };
            let page_refused = shown.status == 403 && shown.body.contains("无权访问");
            let role = role.as_str();
            if api_refused == admitted || page_refused == admitted {
                failures.push(format!(
                    "{:?} as {role}: the table {}, the API answered {} {}, the page {} ({})",
                    case.use_case,
                    if admitted { "admits" } else { "refuses" },
                    api.status,
                    api.code(),
                    shown.status,
                    path
                ));
            }
            if !admitted {
                assert!(
                    !(200..300).contains(&api.status.as_u16()),
                    "{:?} as {role}",
                    case.use_case
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
