use crate::helpers::*;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

#[tokio::test]
async fn missing_unknown_and_revoked_tokens_are_401() {
    let app = spawn_app().await;
    app.send(app.client.get(app.url("/api/v1/budget-lines?year=2021")))
        .await
        .assert(401, "unauthenticated");
    app.get("bx_not_a_token", "/api/v1/budget-lines?year=2021")
        .await
        .assert(401, "unauthenticated");
    let (id, token) =
        baoxiao::services::users::add_user(&app.pool, None, "王五", &[R::Claimant]).unwrap();
    app.get(&token, "/api/v1/policy?date=2021-05-01")
        .await
        .assert(200, "");
    baoxiao::services::users::revoke(&app.pool, id).unwrap();
    app.get(&token, "/api/v1/policy?date=2021-05-01")
        .await
        .assert(401, "unauthenticated");
}

#[tokio::test]
async fn wrong_role_is_403() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    app.post(
        &claimant,
        &format!("/api/v1/travel-claims/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(403, "forbidden");
    app.post(&app.admin, "/api/v1/travel-claims", &r8_claim(line))
        .await
        .assert(403, "forbidden");
    let line_body = json!({"year": 2021, "code": "x", "name": "x", "allocated": "1.00"});
    app.post(&claimant, "/api/v1/budget-lines", &line_body)
        .await
        .assert(403, "forbidden");
}

#[tokio::test]
async fn tokens_are_stored_hashed() {
    let app = spawn_app().await;
    let token = app.user("张三", &[R::Claimant]);
    let mut c = app.pool.get().unwrap();
    use baoxiao::db::schema::users::dsl::*;
    let hashes: Vec<String> = users.select(token_hash).load(&mut *c).unwrap();
    assert!(!hashes
        .iter()
        .any(|h| h.contains(&token) || token.contains(h.as_str())));
    assert!(hashes.contains(&baoxiao::auth::token_hash(&token)));
    assert!(token.len() >= 32, "at least 128 bits");
}

#[tokio::test]
async fn nobody_approves_their_own_claim() {
    let app = spawn_app().await;
    let both = app.user("赵六", &[R::Claimant, R::Finance]);
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&both, &r8_claim(line)).await;
    app.post(
        &both,
        &format!("/api/v1/travel-claims/{id}/approve"),
        &json!({}),
    )
    .await
    .assert(403, "self_approval_forbidden");
    let line_after = app.line(line).await;
    assert_eq!(line_after["committed"], "0.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_refused_at_once_by_every_server_process() {
    let app = spawn_app().await;
    let second = ServerProcess::start(&app).await;
    let claimant = app.user("张三", &[R::Claimant]);
    let (finance_id, finance) =
        baoxiao::services::users::add_user(&app.pool, None, "李四", &[R::Finance]).unwrap();
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    // Both processes have just seen the token work.
    for address in [&app.address, &second.address] {
        let url = format!("{address}/api/v1/travel-claims/{id}");
        app.send(app.client.get(url).bearer_auth(&finance))
            .await
            .assert(200, "");
    }
    baoxiao::services::users::revoke(&app.pool, finance_id).unwrap();
    for address in [&app.address, &second.address] {
        let approve = format!("{address}/api/v1/travel-claims/{id}/approve");
        app.send(app.client.post(approve).bearer_auth(&finance))
            .await
            .assert(401, "unauthenticated");
        let read = format!("{address}/api/v1/travel-claims/{id}");
        app.send(app.client.get(read).bearer_auth(&finance))
            .await
            .assert(401, "unauthenticated");
    }
    assert_eq!(app.line(line).await["committed"], "0.00");
}

#[tokio::test]
async fn an_action_checks_its_user_inside_its_own_transaction() {
    let app = spawn_app().await;
    let claimant = app.user("张三", &[R::Claimant]);
    let (finance_id, finance) =
        baoxiao::services::users::add_user(&app.pool, None, "李四", &[R::Finance]).unwrap();
    let line = app.line_id("dept.project.petition-work.operations").await;
    let id = app.submit(&claimant, &r8_claim(line)).await;
    // Authenticated before the revocation, acting after it: the action refuses to commit.
    let actor = baoxiao::services::users::authenticate(&app.pool, &finance).unwrap();
    baoxiao::services::users::revoke(&app.pool, finance_id).unwrap();
    let refused = baoxiao::services::claims::approve(&app.pool, &actor.into(), id);
    assert!(
        matches!(refused, Err(baoxiao::error::AppError::Unauthenticated)),
        "{refused:?}"
    );
    assert_eq!(app.line(line).await["committed"], "0.00");
}

/// On PostgreSQL an action holds a share lock on its user's row from its check to its commit, so
/// `revoke` returns only after such an action has committed: nothing of the user commits later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    no_postgres,
    ignore = "PostgreSQL only (set BAOXIAO_TEST_DATABASE_URL): SQLite serialises its writers"
)]
async fn revoke_waits_for_an_action_already_past_its_check() {
    postgres_only();
    let app = spawn_app().await;
    let (finance_id, _) =
        baoxiao::services::users::add_user(&app.pool, None, "李四", &[R::Finance]).unwrap();
    // An action of the user, past its check, not yet committed.
    let mut action = app.pool.get().unwrap();
    action.batch_execute("BEGIN").unwrap();
    assert!(baoxiao::db::users::still_active(&mut action, finance_id).unwrap());
    let pool = app.pool.clone();
    let revoking = std::thread::spawn(move || baoxiao::services::users::revoke(&pool, finance_id));
    // Wait (by observation, not by time) until the revocation is blocked on the action's lock.
    let mut observer = app.pool.get().unwrap();
    loop {
        #[derive(QueryableByName)]
        struct Waiting {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let waiting: Waiting = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .get_result(&mut *observer)
        .unwrap();
        if waiting.n > 0 {
            break;
        }
        assert!(
            !revoking.is_finished(),
            "revoke returned while an action of the user was open"
        );
        std::thread::yield_now();
    }
    assert!(!revoking.is_finished());
    action.batch_execute("COMMIT").unwrap();
    revoking.join().unwrap().unwrap();
}
