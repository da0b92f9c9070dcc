//! R18 approval steps: `/api/v1/approval-chain`, `/api/v1/departments`,
//! `/api/v1/users/{id}/department`.

use actix_web::{get, post, put, HttpResponse};

use crate::error::AppResult;
use crate::services::approval::{self, ChainView, DepartmentView};
use crate::wire::{ApprovalChainBody, DepartmentBody, UserDepartmentBody};

use super::extract::{ok, run, Body, Caller};

/// The organisation's approval chain and the leader's threshold (any role).
#[utoipa::path(tag = "approval", responses((status = 200, body = ChainView)), security(("bearer" = [])))]
#[get("/approval-chain")]
pub async fn get_chain(caller: Caller) -> AppResult<HttpResponse> {
    ok(move || approval::chain(caller.pool(), &caller)).await
}

/// Sets the chain (admin); claims submitted before keep theirs.
#[utoipa::path(tag = "approval", request_body = ApprovalChainBody,
    responses((status = 200, body = ChainView), (status = 403, body = super::Problem), (status = 422, body = super::Problem)),
    security(("bearer" = [])))]
#[put("/approval-chain")]
pub async fn put_chain(caller: Caller, body: Body<ApprovalChainBody>) -> AppResult<HttpResponse> {
    let asked = body.into_inner().and_then(ApprovalChainBody::asked);
    ok(move || approval::set_chain(caller.pool(), &caller, asked)).await
}

/// The departments (科室), each with its head and members (any role).
#[utoipa::path(tag = "approval", responses((status = 200, body = Vec<DepartmentView>)), security(("bearer" = [])))]
#[get("/departments")]
pub async fn list_departments(caller: Caller) -> AppResult<HttpResponse> {
    ok(move || approval::departments(caller.pool(), &caller)).await
}

/// Adds a department (admin); a name used already is 409 `duplicate_name`.
#[utoipa::path(tag = "approval", request_body = DepartmentBody,
    responses((status = 201, body = DepartmentView), (status = 403, body = super::Problem), (status = 409, body = super::Problem)),
    security(("bearer" = [])))]
#[post("/departments")]
pub async fn add_department(caller: Caller, body: Body<DepartmentBody>) -> AppResult<HttpResponse> {
    let name = body.into_inner().map(|b| b.name);
    let made = run(move || approval::add_department(caller.pool(), &caller, name)).await?;
    Ok(HttpResponse::Created().json(made))
}

on_one! { "approval";
    /// Puts a user in a department, or in none (admin); a second head for a department is 409.
    put "/users/{id}/department" put_user_department(UserDepartmentBody: |b| b.department_id) -> 200 Vec<DepartmentView> [404, 409] = approval::put_in_department;
}
