//! The admin's pages (web.md "Admin"): users (add with roles and a login, reset a password,
//! revoke), budget lines (add) and policy versions (read each, publish a new one). Forms go
//! through the API's own parsers and the services the CLI and the API use; a refusal comes back,
//! in Chinese, at the top of the page the form was on.

use actix_web::http::StatusCode;
use actix_web::web;
use askama::Template;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::Role;
use crate::db::Pool;
use crate::error::AppError;
use crate::routes::extract::parse_json;
use crate::services::budget::{self, NewLineSpec};
use crate::services::{admin, organisation};
use crate::wire::{LineBody, PolicyBody, PolicyView, YearQuery};

use super::format::{self, yuan};
use super::session::SignedIn;
use super::{done, html, run, Asked, Nav, PageError, PageResult, Posted, Sent};

/// The roles in Chinese, in the order the form offers them.
const ROLES: [(Role, &str, &str); 6] = [
    (Role::Claimant, "claimant", "报销人"),
    (Role::Finance, "finance", "财务"),
    (Role::BudgetHolder, "budget_holder", "预算负责人"),
    (Role::DepartmentHead, "department_head", "科室负责人"),
    (Role::Leader, "leader", "单位负责人"),
    (Role::Admin, "admin", "管理员"),
];

fn role_name(role: Role) -> &'static str {
    ROLES
        .iter()
        .find(|(r, _, _)| *r == role)
        .map_or("", |(_, _, name)| *name)
}

/// A refusal of these pages in Chinese; the rest as every page says them.
fn refusal(error: &AppError) -> String {
    let label = |f: &str| -> &'static str {
        match f {
            "name" => "名称",
            "role" => "角色",
            "login" => "登录名",
            "password" => "初始密码",
            "user" => "用户",
            "tax_id" => "统一社会信用代码",
            "code" => "科目代码",
            "parent_code" => "上级科目",
            "allocated" => "预算金额",
            "year" => "年度",
            "effective_from" => "生效日期",
            "subsidy_monthly_amount" => "老干部补助每月金额",
            _ => "",
        }
    };
    match error {
        AppError::PolicyNotLater(d) => format!(
            "新版本的生效日期必须晚于所有已有版本（最晚一版自 {} 起生效）；已用于报销的版本不能更改。",
            format::date(*d)
        ),
        AppError::DuplicateCode(code) => format!("科目代码 {code} 在这一年已经有了。"),
        AppError::NotFound(_) => "没有找到这个用户或登录名。".into(),
        AppError::InvalidRequest {
            field: Some(f),
            problem,
            ..
        } if !label(f).is_empty() => {
            format!("「{}」：{}", label(f), format::unreadable(problem.as_deref()))
        }
        AppError::InvalidRequest {
            field: None,
            detail,
            ..
        } if detail.is_ascii() => "标准内容无法读取，请检查后重新提交。".into(),
        AppError::InvalidRequest {
            field: None,
            detail,
            ..
        } => format!("内容无法读取：{detail}"),
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| {
                let name = match label(&e.field) {
                    "" => format::field(&e.field),
                    known => format!("「{known}」"),
                };
                format!("{name}：{}", format::problem(&e.problem))
            })
            .collect::<Vec<_>>()
            .join("；"),
        other => format::refusal(other),
    }
}

// ----- users ---------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct PersonLine {
    pub id: i64,
    pub name: String,
    pub roles: String,
    pub login: String,
    pub revoked: bool,
    pub me: bool,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    nav: Nav,
    /// The organisation's 统一社会信用代码 (R19), empty while unset.
    tax_id: String,
    people: Vec<PersonLine>,
    roles: Vec<(&'static str, &'static str)>,
}

/// `/admin/users`.
pub async fn users(pool: web::Data<Pool>, user: SignedIn) -> PageResult {
    let actor = user.actor();
    let me = actor.user_id;
    let (people, org) = run(move || {
        let people = admin::people(&pool, &actor)?;
        Ok((people, organisation::details(&pool, &actor)?))
    })
    .await?;
    html(
        StatusCode::OK,
        &UsersPage {
            nav: Nav::new(&user, "/admin/users"),
            tax_id: org.tax_id.unwrap_or_default(),
            people: people
                .into_iter()
                .map(|p| PersonLine {
                    id: p.id,
                    roles: p
                        .roles
                        .iter()
                        .map(|r| role_name(*r))
                        .collect::<Vec<_>>()
                        .join("、"),
                    login: p.login.unwrap_or_default(),
                    revoked: p.revoked,
                    me: p.id == me,
                    name: p.name,
                })
                .collect(),
            roles: ROLES.iter().map(|(_, code, name)| (*code, *name)).collect(),
        },
    )
}

/// Adds a user: the posted pairs, because the roles are repeated checkboxes.
pub async fn add_user((pool, user, form): Sent<Vec<(String, String)>>) -> PageResult {
    let get = |key: &str| {
        form.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    user.check_csrf(&get("csrf"))?;
    let roles: Vec<Role> = ROLES
        .iter()
        .filter(|(_, code, _)| form.iter().any(|(k, v)| k == "roles" && v == code))
        .map(|(role, _, _)| *role)
        .collect();
    let (name, login, password) = (get("name"), get("login"), get("password"));
    let shown = (name.clone(), login.clone());
    let result = user
        .run(&pool, move |p, actor| {
            admin::add_person(p, actor, &name, &roles, &login, &password)
        })
        .await
        .map(|_| {
            format!(
                "已添加 {}，登录名 {}。请把初始密码当面或另行告知本人；首次登录须改成自己的密码。",
                shown.0, shown.1
            )
        });
    done(&pool, &user, result, refusal, "/admin/users").await
}

#[derive(Deserialize)]
pub struct TaxIdForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tax_id: String,
}

/// Sets the organisation's 统一社会信用代码 (R19).
pub async fn set_tax_id((pool, user, form): Sent<TaxIdForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let changes = organisation::Changes {
        name: None,
        tax_id: Some(form.tax_id.clone()),
    };
    let result = user
        .run(&pool, move |p, actor| {
            organisation::change(p, actor, Ok(changes))
        })
        .await
        .map(|org| {
            format!(
                "已登记本单位的统一社会信用代码 {}：导入的电子发票将按它核对发票抬头。",
                org.tax_id.unwrap_or_default()
            )
        });
    done(&pool, &user, result, refusal, "/admin/users").await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// Resets a user's password.
pub async fn reset_password((pool, user, id, form): Posted<PasswordForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let (id, password) = (id.into_inner(), form.password.clone());
    let result = user
        .run(&pool, move |p, actor| {
            admin::reset_password(p, actor, id, &password)
        })
        .await
        .map(|()| "密码已重设，该用户的登录已全部退出；下次登录须改成自己的密码。".to_string());
    done(&pool, &user, result, refusal, "/admin/users").await
}

/// Revokes a user.
pub async fn revoke((pool, user, id, form): Posted<PasswordForm>) -> PageResult {
    let id = user.checked(id, &form.csrf)?;
    let result = user
        .run(&pool, move |p, actor| admin::revoke(p, actor, id))
        .await
        .map(|()| "已撤销该用户：令牌和网页登录立即失效。".to_string());
    done(&pool, &user, result, refusal, "/admin/users").await
}

// ----- budget lines --------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct LineRowView {
    pub code: String,
    pub name: String,
    pub depth: usize,
    pub allocated: String,
    pub available: String,
}

#[derive(Template)]
#[template(path = "admin_lines.html")]
struct LinesPage {
    nav: Nav,
    year: i32,
    lines: Vec<LineRowView>,
}

/// `/admin/budget-lines?year=Y`.
pub async fn lines((pool, user, query): Asked<YearQuery>) -> PageResult {
    let actor = user.actor();
    let asked = query.year.filter(|y| (2000..=2100).contains(y));
    let (year, lines) = run(move || admin::lines(&pool, &actor, asked)).await?;
    let depth_of = |code: &str| code.matches('.').count().saturating_sub(1);
    html(
        StatusCode::OK,
        &LinesPage {
            nav: Nav::new(&user, "/admin/budget-lines"),
            year,
            lines: lines
                .iter()
                .map(|l| LineRowView {
                    depth: depth_of(&l.code),
                    code: l.code.clone(),
                    name: l.name.clone(),
                    allocated: yuan(l.allocated),
                    available: yuan(l.available),
                })
                .collect(),
        },
    )
}

#[derive(Deserialize)]
pub struct LineForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent_code: String,
    #[serde(default)]
    allocated: String,
}

/// Adds a budget line, allocated on creation.
pub async fn add_line((pool, user, form): Sent<LineForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let year: Value = form
        .year
        .trim()
        .parse::<i64>()
        .map_or(Value::Null, |y| json!(y));
    let parent: Value = match form.parent_code.trim() {
        "" => Value::Null,
        p => json!(p),
    };
    let body = json!({
        "year": year,
        "code": form.code.trim(),
        "name": form.name.trim(),
        "parent_code": parent,
        "allocated": form.allocated.trim(),
    });
    let back = format!(
        "/admin/budget-lines?year={}",
        form.year.trim().parse::<i32>().unwrap_or(2021)
    );
    let spec = parse_json::<LineBody>(body.to_string().as_bytes()).and_then(NewLineSpec::try_from);
    let result = user
        .run(&pool, move |p, actor| budget::create(p, actor, spec))
        .await
        .map(|l| {
            format!(
                "已添加预算科目 {} {}，预算 {}。",
                l.code,
                l.name,
                yuan(l.allocated)
            )
        });
    done(&pool, &user, result, refusal, &back).await
}

// ----- policy versions -----------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct VersionLine {
    pub version: i32,
    pub from: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "admin_policy.html")]
struct PolicyPage {
    nav: Nav,
    versions: Vec<VersionLine>,
    shown: Option<PolicyView>,
    /// The next version as JSON to edit: the shown one, with its effective date left blank.
    draft: String,
}

impl PolicyPage {
    /// An amount of the policy as every page writes it (`¥1,100.00`).
    fn yuan(&self, amount: &crate::domain::Money) -> String {
        format::yuan(*amount)
    }
}

#[derive(Deserialize)]
pub struct VersionQuery {
    version: Option<i32>,
}

/// `/admin/policy?version=N`: the versions, one of them in full, and the form for a new one.
pub async fn policy((pool, user, query): Asked<VersionQuery>) -> PageResult {
    let actor = user.actor();
    let all = run(move || admin::policies(&pool, &actor)).await?;
    let shown = match query.version {
        Some(n) => Some(
            all.iter()
                .find(|v| v.version == n)
                .cloned()
                .ok_or(PageError::NotFound)?,
        ),
        None => all.last().cloned(),
    };
    let draft = match &shown {
        Some(v) => {
            let mut value = serde_json::to_value(v)
                .map_err(|e| PageError::Failed(AppError::Internal(format!("policy: {e}"))))?;
            if let Some(map) = value.as_object_mut() {
                map.remove("version");
                map.insert("effective_from".into(), json!(""));
            }
            serde_json::to_string_pretty(&value)
                .map_err(|e| PageError::Failed(AppError::Internal(format!("policy: {e}"))))?
        }
        None => String::new(),
    };
    let latest = all.last().map(|v| v.version);
    html(
        StatusCode::OK,
        &PolicyPage {
            nav: Nav::new(&user, "/admin/policy"),
            versions: all
                .iter()
                .map(|v| VersionLine {
                    version: v.version,
                    from: format::date(v.effective_from),
                    current: Some(v.version) == latest,
                })
                .collect(),
            shown,
            draft,
        },
    )
}

#[derive(Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    policy: String,
}

/// Publishes a new version: the form's JSON with its effective date, judged as the API judges it.
pub async fn publish((pool, user, form): Sent<PolicyForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let body = match serde_json::from_str::<Value>(&form.policy) {
        Ok(Value::Object(mut map)) => {
            map.insert("effective_from".into(), json!(form.effective_from.trim()));
            Ok(Value::Object(map))
        }
        _ => Err(AppError::InvalidRequest {
            status: crate::error::Invalid::Unprocessable,
            detail: "标准内容不是有效的 JSON 对象".into(),
            field: None,
            problem: None,
        }),
    };
    let policy = body
        .and_then(|b| parse_json::<PolicyBody>(b.to_string().as_bytes()))
        .and_then(crate::domain::policy::Policy::try_from);
    let result = user
        .run(&pool, move |p, actor| {
            crate::services::policy::publish(p, actor, policy)
        })
        .await
        .map(|v| {
            format!(
                "已发布第 {} 版差旅费标准，自 {} 起生效。",
                v.version,
                format::date(v.effective_from)
            )
        });
    done(&pool, &user, result, refusal, "/admin/policy").await
}
