use crate::helpers::*;

fn policy_2021_07(beijing_cap: &str) -> serde_json::Value {
    json!({
        "effective_from": "2021-07-01",
        "cities": [
            {"code": "xingtai", "names": ["邢台", "邢台市", "Xingtai"], "lodging_cap_per_night": "200.00",
             "meal_allowance_per_day": "100.00", "transport_allowance_per_day": "80.00"},
            {"code": "shijiazhuang", "names": ["石家庄", "石家庄市", "Shijiazhuang"], "lodging_cap_per_night": "300.00",
             "meal_allowance_per_day": "100.00", "transport_allowance_per_day": "80.00"},
            {"code": "beijing", "names": ["北京", "北京市", "Beijing"], "lodging_cap_per_night": beijing_cap,
             "meal_allowance_per_day": "100.00", "transport_allowance_per_day": "80.00"},
            {"code": "qinhuangdao", "names": ["秦皇岛"], "lodging_cap_per_night": "250.00",
             "meal_allowance_per_day": "100.00", "transport_allowance_per_day": "80.00"}
        ],
        "host_meal_deduction": {"breakfast": "0.20", "lunch": "0.40", "dinner": "0.40"},
        "subsidy_monthly_amount": "1100.00"
    })
}

/// R8's trip, to Beijing instead: two nights at 1000.00 in all (the 2021 cap allows 800.00).
fn beijing_trip(line: i64) -> serde_json::Value {
    let mut trip = r8_claim(line);
    trip["destination"] = json!("北京");
    trip["stays"][0]["city"] = json!("北京");
    trip["stays"][0]["lodging_amount"] = json!("1000.00");
    trip
}

/// The same trip in July 2021, after [`policy_2021_07`] takes effect.
fn in_july(mut trip: serde_json::Value) -> serde_json::Value {
    for (field, value) in [
        ("departure_date", "2021-07-10"),
        ("return_date", "2021-07-12"),
    ] {
        trip[field] = json!(value);
    }
    trip["stays"][0]["check_in"] = json!("2021-07-10");
    trip["stays"][0]["check_out"] = json!("2021-07-12");
    trip["meals_provided"][0]["date"] = json!("2021-07-11");
    trip
}

#[tokio::test]
async fn the_2021_policy_is_in_force() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let p = app.get(&claimant, "/api/v1/policy?date=2021-05-10").await;
    assert_eq!(p.status, Status::OK);
    assert_eq!(p.body["version"], 1);
    assert_eq!(p.body["effective_from"], "2021-01-01");
    let caps: Vec<_> = p.body["cities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["code"].clone(), c["lodging_cap_per_night"].clone()))
        .collect();
    assert_eq!(
        caps,
        [
            (json!("xingtai"), json!("200.00")),
            (json!("shijiazhuang"), json!("300.00")),
            (json!("beijing"), json!("400.00"))
        ]
    );
    assert_eq!(
        p.body["host_meal_deduction"],
        json!({"breakfast": "0.20", "lunch": "0.40", "dinner": "0.40"})
    );
    assert_eq!(p.body["subsidy_monthly_amount"], "1100.00");
    app.get(&claimant, "/api/v1/policy?date=2020-12-31")
        .await
        .assert(422, "invalid_request");
    app.get(&claimant, "/api/v1/policy?date=yesterday")
        .await
        .assert(422, "invalid_request");
}

#[tokio::test]
async fn a_new_version_applies_to_later_trips_and_never_changes_old_claims() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.beijing-duty").await;
    let early = beijing_trip(line);
    let early_id = app.submit(&claimant, &early).await;
    let before = app
        .get(&claimant, &format!("/api/v1/travel-claims/{early_id}"))
        .await;
    assert_eq!(
        before.body["breakdown"]["stays"][0]["lodging_allowed"],
        "800.00"
    );

    let published = app
        .post(&app.admin, "/api/v1/policy", &policy_2021_07("500.00"))
        .await;
    published.assert(201, "");
    assert_eq!(published.body["version"], 2);

    let after = app
        .get(&claimant, &format!("/api/v1/travel-claims/{early_id}"))
        .await;
    assert_eq!(
        after.body["breakdown"], before.body["breakdown"],
        "a stored claim never changes"
    );

    let late = in_july(early);
    let quote = app
        .post(&claimant, "/api/v1/travel-claims/quote", &late)
        .await;
    assert_eq!(quote.body["policy_version"], 2);
    assert_eq!(quote.body["stays"][0]["lodging_allowed"], "1000.00");
    let qhd = app.get(&claimant, "/api/v1/policy?date=2021-07-01").await;
    assert_eq!(qhd.body["cities"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn publishing_rules() {
    let app = spawn_app().await;
    let finance = app.user("李四", &[R::Finance]);
    app.post(&finance, "/api/v1/policy", &policy_2021_07("500.00"))
        .await
        .assert(403, "forbidden");
    let mut not_later = policy_2021_07("500.00");
    not_later["effective_from"] = json!("2021-01-01");
    app.post(&app.admin, "/api/v1/policy", &not_later)
        .await
        .assert(409, "policy_not_later");
    let bad = app
        .post(&app.admin, "/api/v1/policy", &policy_2021_07("500.005"))
        .await;
    bad.assert(422, "invalid_request");
    assert_eq!(bad.fields(), ["cities[2].lodging_cap_per_night"]);
    let mut share = policy_2021_07("500.00");
    share["host_meal_deduction"]["lunch"] = json!("1.5");
    let bad = app.post(&app.admin, "/api/v1/policy", &share).await;
    bad.assert(422, "invalid_request");
    assert_eq!(bad.fields(), ["host_meal_deduction.lunch"]);
    app.post(&app.admin, "/api/v1/policy", &policy_2021_07("500.00"))
        .await
        .assert(201, "");
    app.post(&app.admin, "/api/v1/policy", &policy_2021_07("500.00"))
        .await
        .assert(409, "policy_not_later");
}

#[tokio::test]
async fn what_get_answers_can_be_posted_back_unchanged() {
    let app = spawn_app().await;
    let mut policy = policy_2021_07("500.00");
    policy["host_meal_deduction"]["breakfast"] = json!("0.3333");
    app.post(&app.admin, "/api/v1/policy", &policy)
        .await
        .assert(201, "");
    let mut read = app
        .get(&app.admin, "/api/v1/policy?date=2021-07-01")
        .await
        .body;
    assert_eq!(read["host_meal_deduction"]["breakfast"], "0.3333");
    read.as_object_mut().unwrap().remove("version");
    read["effective_from"] = json!("2022-01-01");
    let again = app.post(&app.admin, "/api/v1/policy", &read).await;
    again.assert(201, "");
    assert_eq!(
        again.body["host_meal_deduction"],
        read["host_meal_deduction"]
    );
}

/// Quotes come from what each server process read of the policy versions a moment ago; once a
/// publication has returned, every process quotes with the new version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_published_a_version_is_quoted_by_every_server_process() {
    let app = spawn_app().await;
    let second = ServerProcess::start(&app).await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.beijing-duty").await;
    let trip = in_july(beijing_trip(line));
    let quote = |address: String| {
        let request = app
            .client
            .post(format!("{address}/api/v1/travel-claims/quote"))
            .bearer_auth(&claimant)
            .json(&trip);
        app.send(request)
    };
    for address in [&app.address, &second.address] {
        let before = quote(address.clone()).await;
        before.assert(200, "");
        assert_eq!(before.body["policy_version"], 1);
        assert_eq!(before.body["stays"][0]["lodging_allowed"], "800.00");
    }
    app.post(&app.admin, "/api/v1/policy", &policy_2021_07("500.00"))
        .await
        .assert(201, "");
    for address in [&app.address, &second.address] {
        let after = quote(address.clone()).await;
        after.assert(200, "");
        assert_eq!(after.body["policy_version"], 2, "{address}");
        assert_eq!(after.body["stays"][0]["lodging_allowed"], "1000.00");
    }
}

/// A retry of a publication under its Idempotency-Key, answered by another server process from
/// the stored answer while the publication may still be settling, returns only once that process
/// quotes with the new version, as the publication itself does (issue 28, item 8).
///
/// The second process quotes without pause, so that when a version commits it holds the versions
/// it read a moment before (kept for 100 ms); the retry is sent as soon as the version is in the
/// database. A retry answered without waiting would leave that older read in force for the quote
/// that follows in most rounds; five rounds make a miss of every one of them unlikely.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_publication_returns_only_once_the_new_version_is_quoted() {
    use diesel::prelude::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let app = spawn_app().await;
    let second = ServerProcess::start(&app).await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.beijing-duty").await;
    let trip = in_july(beijing_trip(line));
    let quote = |address: String| {
        let request = app
            .client
            .post(format!("{address}/api/v1/travel-claims/quote"))
            .bearer_auth(&claimant)
            .json(&trip);
        request.send()
    };
    let publish = |address: &str, round: u32| {
        let mut policy = policy_2021_07("500.00");
        policy["effective_from"] = json!(format!("2021-07-0{}", round + 1));
        app.client
            .post(format!("{address}/api/v1/policy"))
            .bearer_auth(&app.admin)
            .header("Idempotency-Key", format!("july-2021-{round}"))
            .json(&policy)
            .send()
    };
    let versions = |pool: baoxiao::db::Pool| {
        tokio::task::spawn_blocking(move || {
            use baoxiao::db::schema::policy_versions;
            let mut c = pool.get().unwrap();
            policy_versions::table
                .count()
                .get_result::<i64>(&mut c)
                .unwrap()
        })
    };

    // The second process keeps reading the versions in force, as a busy office's would.
    let stop = Arc::new(AtomicBool::new(false));
    let busy = {
        let (stop, client) = (stop.clone(), app.client.clone());
        let (url, token, trip) = (
            format!("{}/api/v1/travel-claims/quote", second.address),
            claimant.clone(),
            trip.clone(),
        );
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let answer = client.post(&url).bearer_auth(&token).json(&trip).send();
                assert_eq!(answer.await.unwrap().status(), 200);
            }
        })
    };
    for round in 0..5u32 {
        let version = i64::from(round) + 2;
        // The first process publishes; once its version has committed, and before it has
        // necessarily answered, the client's retry reaches the second process.
        let first = tokio::spawn(publish(&app.address, round));
        while versions(app.pool.clone()).await.unwrap() < version {}
        let retry = publish(&second.address, round).await.unwrap();
        assert_eq!(retry.status(), 201);
        assert_eq!(retry.headers()["idempotent-replayed"], "true");
        let after: serde_json::Value = quote(second.address.clone())
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            after["policy_version"], version,
            "round {round}: the second process quoted with an older version after the retry"
        );
        assert_eq!(after["stays"][0]["lodging_allowed"], "1000.00");
        assert_eq!(first.await.unwrap().unwrap().status(), 201);
    }
    stop.store(true, Ordering::Relaxed);
    busy.await.unwrap();
}
