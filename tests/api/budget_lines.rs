use crate::helpers::*;

#[tokio::test]
async fn the_2021_tree_is_loaded_parents_first() {
    let app = spawn_app().await;
    let holder = app.user("预算负责人", &[R::BudgetHolder]);
    let lines = app.get(&holder, "/api/v1/budget-lines?year=2021").await;
    let lines = lines.body.as_array().unwrap().clone();
    assert_eq!(lines.len(), 13);
    let mut seen = std::collections::HashSet::new();
    for line in &lines {
        if let Some(parent) = line["parent_id"].as_i64() {
            assert!(seen.contains(&parent), "parent before child: {line}");
        }
        seen.insert(line["id"].as_i64().unwrap());
    }
    let by_code = |code: &str| lines.iter().find(|l| l["code"] == code).unwrap().clone();
    assert_eq!(by_code("dept")["allocated"], "3294800.00");
    assert_eq!(by_code("dept")["available"], "3294800.00");
    assert_eq!(
        by_code("dept.project.cadre-subsidy")["name"],
        "疑难信访问题服务中心老干部下乡费用"
    );
    assert_eq!(
        by_code("dept.project.petition-work")["oversubscribed_by"],
        "650000.00"
    );
    assert_eq!(by_code("dept")["oversubscribed_by"], "0.00");
    assert_eq!(
        app.get(&holder, "/api/v1/budget-lines?year=2022")
            .await
            .body,
        json!([])
    );
}

#[tokio::test]
async fn a_line_with_its_children_and_entries() {
    let app = spawn_app().await;
    let id = app.line_id("dept.project.petition-work").await;
    let line = app.line(id).await;
    assert_eq!(line["oversubscribed_by"], "650000.00");
    let children: Vec<_> = line["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(children.len(), 5);
    assert!(children.contains(&"dept.project.petition-work.beijing-duty".to_string()));
    let entries = app
        .get(&app.admin, &format!("/api/v1/budget-lines/{id}/entries"))
        .await;
    let entries = entries.body.as_array().unwrap().clone();
    assert_eq!(
        entries.len(),
        6,
        "its own allocation and its five children's"
    );
    assert!(entries
        .iter()
        .all(|e| e["kind"] == "allocate" && e["actor"].is_null()));
    app.get(&app.admin, "/api/v1/budget-lines/999999")
        .await
        .assert(404, "not_found");
}

#[tokio::test]
async fn creating_lines() {
    let app = spawn_app().await;
    let body = json!({"year": 2021, "code": "dept.project.petition-work.training", "name": "业务培训",
                      "parent_code": "dept.project.petition-work", "allocated": 30000});
    let created = app.post(&app.admin, "/api/v1/budget-lines", &body).await;
    created.assert(201, "");
    assert_eq!(created.body["allocated"], "30000.00");
    assert_eq!(created.body["available"], "30000.00");
    let parent = app
        .line(app.line_id("dept.project.petition-work").await)
        .await;
    assert_eq!(parent["oversubscribed_by"], "680000.00");
    app.post(&app.admin, "/api/v1/budget-lines", &body)
        .await
        .assert(409, "duplicate_code");

    let mut orphan = body.clone();
    orphan["code"] = json!("x.y");
    orphan["parent_code"] = json!("nope");
    let r = app.post(&app.admin, "/api/v1/budget-lines", &orphan).await;
    r.assert(422, "invalid_request");
    assert_eq!(r.fields(), ["parent_code"]);

    for (field, value) in [
        ("allocated", json!("1.001")),
        ("allocated", json!("-5")),
        ("allocated", json!("100000000.00")),
        ("year", json!(1999)),
        ("code", json!("Bad Code")),
    ] {
        let mut bad = body.clone();
        bad["code"] = json!("dept.other");
        bad[field] = value.clone();
        let r = app.post(&app.admin, "/api/v1/budget-lines", &bad).await;
        r.assert(422, "invalid_request");
        assert_eq!(r.fields(), [field], "{field}={value}");
    }
    let next_year =
        json!({"year": 2022, "code": "dept", "name": "2022 年部门预算", "allocated": "1.00"});
    app.post(&app.admin, "/api/v1/budget-lines", &next_year)
        .await
        .assert(201, "");
}

/// A line's read (the line, its children, and their children for the children's own figures)
/// agrees with the year's list for every line of the tree, and for each of its children.
#[tokio::test]
async fn every_line_read_agrees_with_the_list() {
    let app = spawn_app().await;
    let list = app.get(&app.admin, "/api/v1/budget-lines?year=2021").await;
    let list = list.body.as_array().unwrap().clone();
    let listed = |id: &serde_json::Value| list.iter().find(|l| &l["id"] == id).unwrap().clone();
    for line in &list {
        let mut read = app.line(line["id"].as_i64().unwrap()).await;
        let children = read["children"].as_array().unwrap().clone();
        let expected: Vec<_> = list
            .iter()
            .filter(|l| l["parent_id"] == line["id"])
            .map(|l| l["id"].clone())
            .collect();
        let ids: Vec<_> = children.iter().map(|c| c["id"].clone()).collect();
        assert_eq!(ids, expected, "children of {}", line["code"]);
        for child in &children {
            assert_eq!(child, &listed(&child["id"]), "child {}", child["code"]);
        }
        read.as_object_mut().unwrap().remove("children");
        assert_eq!(&read, line, "line {}", line["code"]);
    }
}
