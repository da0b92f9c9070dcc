//! Claims through their life (R17): a claimant's drafts (saved, edited, deleted, submitted), and
//! the drafts made from something else: an amendment of a rejected or withdrawn claim, a copy of
//! one's own claim or draft, a travel request's trip. A draft is the claimant's alone: 404 to
//! everyone else. Its id is a claim id ([`crate::db::drafts::next_id`]), kept when it is
//! submitted ([`claims::submit`]). Every step is in the claim's history and the audit log.

use serde_json::{Map, Value};

use super::claims::{self, FromDraft, NewClaimSpec};
use super::paging::Page;
use super::permissions::{self, UseCase};
use super::views::{timestamp, ClaimOrDraft, ClaimView, DraftView};
use super::{act, answer, answer_asked, audit, conn, Context};
use crate::auth::Actor;
use crate::db::attachments as attachment_rows;
use crate::db::claims as claim_rows;
use crate::db::drafts::{self as rows, DraftRow, NewDraft};
use crate::db::{DbConnection, Pool};
use crate::domain::status::{
    Action, ClaimAction, ClaimStatus, InvalidTransition, RequestAction, Status,
};
use crate::error::{AppError, AppResult};

const ENTITY: &str = "travel_claim";
const NOT_FOUND: AppError = AppError::NotFound("travel claim");

/// A claim id as the caller finds it: their own draft, or a claim they may act on as its
/// claimant.
enum Found {
    Draft(DraftRow),
    Claim(Box<crate::db::claims::ClaimRow>),
}

/// Claim or draft `id` of the caller: 404 for a draft of anyone else, and for a claim they may
/// not see; 403 for another person's claim they may see ([`claims::own`]).
fn locate(c: &mut DbConnection, actor: &Actor, id: i64) -> AppResult<Found> {
    if let Some(row) = claims::own(c, actor, id)? {
        return Ok(Found::Claim(Box::new(row)));
    }
    match rows::find(c, actor.org_id, id)? {
        Some(draft) if draft.claimant_id == actor.user_id => Ok(Found::Draft(draft)),
        _ => Err(NOT_FOUND),
    }
}

/// The caller's own draft `id`, or the refusal of `action` on what `id` is instead: 409
/// `invalid_transition` for a claim, 404 for nothing of theirs.
fn draft_for(
    c: &mut DbConnection,
    actor: &Actor,
    id: i64,
    action: ClaimAction,
) -> AppResult<DraftRow> {
    match locate(c, actor, id)? {
        Found::Draft(draft) => Ok(draft),
        Found::Claim(row) => Err(InvalidTransition::new(row.status, action).into()),
    }
}

/// R17: a claim already amended is not amended again (409 `invalid_transition`).
pub fn already_amended() -> AppError {
    AppError::InvalidTransition {
        what: ClaimStatus::WHAT,
        from: "amended".into(),
        action: ClaimAction::Amend.as_str(),
    }
}

/// A draft's body as saved: the JSON object it was saved as (an empty one if what is stored is
/// none, which a save never writes).
fn body_of(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

fn view(c: &mut DbConnection, org_id: i64, row: DraftRow) -> AppResult<DraftView> {
    let history = audit::history(c, org_id, ENTITY, row.id)?;
    let mut body = body_of(&row.body);
    body.retain(|key, _| !DraftView::OWN.contains(&key.as_str()));
    if let (Some(request), false) = (
        row.travel_request_id,
        body.contains_key("travel_request_id"),
    ) {
        body.insert("travel_request_id".into(), Value::from(request));
    }
    Ok(DraftView {
        id: row.id,
        status: ClaimStatus::Draft,
        claimant_id: row.claimant_id,
        amends: row.amends,
        copied_from: row.copied_from,
        created_at: timestamp(row.created_at),
        updated_at: timestamp(row.updated_at),
        history,
        body,
    })
}

/// Where a new draft comes from, as its history and the audit log say it.
struct Origin<'a> {
    action: &'static str,
    note: Option<String>,
    amends: Option<i64>,
    copied_from: Option<i64>,
    travel_request_id: Option<i64>,
    body: &'a str,
}

/// Inside a write: a new draft of the caller, its id the claims' next, and its audit event.
fn create(c: &mut DbConnection, actor: &Actor, origin: &Origin<'_>) -> AppResult<DraftView> {
    let id = rows::next_id(c)?;
    let at = super::clock::now(c, actor.org_id)?;
    let draft = NewDraft {
        org_id: actor.org_id,
        id,
        claimant_id: actor.user_id,
        body: origin.body,
        amends: origin.amends,
        copied_from: origin.copied_from,
        travel_request_id: origin.travel_request_id,
        created_at: at,
        updated_at: at,
    };
    // R17: one amendment of a claim; the unique index decided.
    crate::db::unique(rows::insert(c, &draft))?.map_err(|_| already_amended())?;
    let draft_status = ClaimStatus::Draft.as_str();
    let note = origin.note.as_deref();
    audit::status(
        c,
        actor,
        (ENTITY, id),
        origin.action,
        None,
        draft_status,
        note,
    )?;
    let row = rows::find(c, actor.org_id, id)?.ok_or(NOT_FOUND)?;
    view(c, actor.org_id, row)
}

/// `POST /api/v1/travel-claims/drafts`: saves any part of a claim body as a new draft; nothing
/// in it is checked or computed, no invoice is reserved. `sent` is the body as sent (a JSON
/// object), or why it could not be read.
pub fn save(pool: &Pool, actor: &Context, sent: AppResult<String>) -> AppResult<DraftView> {
    answer_asked(pool, actor, UseCase::ReviseClaim, sent, 201, |c, sent| {
        let origin = Origin {
            action: "save_draft",
            note: None,
            amends: None,
            copied_from: None,
            travel_request_id: None,
            body: sent,
        };
        create(c, actor, &origin)
    })
}

/// `PUT /api/v1/travel-claims/{id}`: replaces the body of the caller's draft; a claim is 409
/// `invalid_transition`.
pub fn replace(
    pool: &Pool,
    actor: &Context,
    id: i64,
    sent: AppResult<String>,
) -> AppResult<DraftView> {
    answer_asked(pool, actor, UseCase::ReviseClaim, sent, 200, |c, sent| {
        draft_for(c, actor, id, ClaimAction::Edit)?;
        let at = super::clock::now(c, actor.org_id)?;
        if !rows::replace_body(c, actor.org_id, id, actor.user_id, sent, at)? {
            return Err(NOT_FOUND);
        }
        let draft = ClaimStatus::Draft.as_str();
        audit::status(
            c,
            actor,
            (ENTITY, id),
            "save_draft",
            Some(draft),
            draft,
            None,
        )?;
        let row = rows::find(c, actor.org_id, id)?.ok_or(NOT_FOUND)?;
        view(c, actor.org_id, row)
    })
}

/// `DELETE /api/v1/travel-claims/{id}`: deletes the caller's draft; a claim is 409
/// `invalid_transition`. Its history stays in the audit log.
pub fn delete(pool: &Pool, actor: &Context, id: i64) -> AppResult<()> {
    permissions::check(actor, UseCase::ReviseClaim)?;
    act(pool, actor, |c| {
        draft_for(c, actor, id, ClaimAction::Delete)?;
        if !rows::delete(c, actor.org_id, id, actor.user_id, None)? {
            return Err(NOT_FOUND);
        }
        attachment_rows::delete_all(c, actor.org_id, id)?;
        let draft = ClaimStatus::Draft.as_str();
        audit::status(
            c,
            actor,
            (ENTITY, id),
            "delete",
            Some(draft),
            "deleted",
            None,
        )
    })
}

/// `POST /api/v1/travel-claims/{id}/submit`: the caller's draft, read by `parse` as the body of
/// `POST /api/v1/travel-claims`, submitted exactly as that would be (R3–R8, R15, R16, and the
/// same refusals); it then is the claim of the same id. A refused draft stays as it was.
pub fn submit(
    pool: &Pool,
    actor: &Context,
    id: i64,
    parse: impl FnOnce(&str) -> AppResult<NewClaimSpec>,
) -> AppResult<ClaimView> {
    permissions::check(actor, UseCase::SubmitClaim)?;
    let draft = draft_for(&mut *conn(pool)?, actor, id, ClaimAction::Submit)?;
    let from = FromDraft {
        id,
        amends: draft.amends,
        saved_at: draft.updated_at,
    };
    let asked = parse(&draft.body).map(|spec| (spec, draft.body));
    claims::submit(pool, actor, asked, Some(from))
}

/// Inside a draft's submission, before its claim is inserted: the draft is deleted, if it is as
/// it was read; 404 if it is gone, 409 if it was saved again meanwhile.
pub fn take_draft(c: &mut DbConnection, actor: &Actor, draft: FromDraft) -> AppResult<()> {
    if rows::delete(
        c,
        actor.org_id,
        draft.id,
        actor.user_id,
        Some(draft.saved_at),
    )? {
        return Ok(());
    }
    match rows::find(c, actor.org_id, draft.id)? {
        Some(_) => Err(InvalidTransition::new(ClaimStatus::Draft, ClaimAction::Edit).into()),
        None => Err(NOT_FOUND),
    }
}

/// `POST /api/v1/travel-claims/{id}/amend` (its claimant, from `rejected` or `withdrawn`): a new
/// draft with the claim's body as it was sent, `amends` naming it. The claim stays as it was;
/// its history records the amendment. A claim is amended once (409 `invalid_transition` after).
pub fn amend(pool: &Pool, actor: &Context, id: i64) -> AppResult<DraftView> {
    permissions::check(actor, UseCase::ReviseClaim)?;
    answer(pool, actor, 201, |c| {
        let row = match locate(c, actor, id)? {
            Found::Claim(row) => *row,
            Found::Draft(_) => {
                return Err(InvalidTransition::new(ClaimStatus::Draft, ClaimAction::Amend).into())
            }
        };
        let status = row.status.apply(ClaimAction::Amend)?;
        if rows::amended_by(c, actor.org_id, id, actor.user_id)?.is_some() {
            return Err(already_amended());
        }
        let body = claim_rows::request_of(c, actor.org_id, id)?.ok_or(NOT_FOUND)?;
        let origin = Origin {
            action: "amend",
            note: Some(format!("#{id}")),
            amends: Some(id),
            copied_from: None,
            travel_request_id: None,
            body: &body,
        };
        let draft = create(c, actor, &origin)?;
        let note = format!("#{}", draft.id);
        let (from, to) = (row.status.as_str(), status.as_str());
        audit::status(c, actor, (ENTITY, id), "amend", Some(from), to, Some(&note))?;
        Ok(draft)
    })
}

/// `POST /api/v1/travel-claims/{id}/copy`: a new draft with the body of the caller's claim or
/// draft `id`, without its travel request (which one claim settles).
pub fn copy(pool: &Pool, actor: &Context, id: i64) -> AppResult<DraftView> {
    permissions::check(actor, UseCase::ReviseClaim)?;
    answer(pool, actor, 201, |c| {
        let text = match locate(c, actor, id)? {
            Found::Draft(draft) => draft.body,
            Found::Claim(_) => claim_rows::request_of(c, actor.org_id, id)?.ok_or(NOT_FOUND)?,
        };
        let mut body = body_of(&text);
        body.remove("travel_request_id");
        let body = Value::Object(body).to_string();
        let origin = Origin {
            action: "copy",
            note: Some(format!("#{id}")),
            amends: None,
            copied_from: Some(id),
            travel_request_id: None,
            body: &body,
        };
        create(c, actor, &origin)
    })
}

/// `POST /api/v1/travel-requests/{id}/draft-claim` (its requester, an approved request no live
/// claim names): a new draft with the request's line, purpose, destination and dates, naming it.
pub fn from_request(pool: &Pool, actor: &Context, id: i64) -> AppResult<DraftView> {
    permissions::check(actor, UseCase::ReviseClaim)?;
    answer(pool, actor, 201, |c| {
        let request = super::travel_requests::own(c, actor, id)?;
        // Approved, and named by no live claim (R16).
        let state = request.state();
        if state.claimed {
            return Err(state.refusal(RequestAction::NameInClaim).into());
        }
        state.apply(RequestAction::NameInClaim)?;
        let body = serde_json::json!({
            "budget_line_id": request.budget_line_id,
            "travel_request_id": id,
            "purpose": request.purpose,
            "destination": request.destination,
            "departure_date": request.departure_date.to_string(),
            "return_date": request.return_date.to_string(),
        })
        .to_string();
        let origin = Origin {
            action: "draft_from_request",
            note: Some(format!("#{id}")),
            amends: None,
            copied_from: None,
            travel_request_id: Some(id),
            body: &body,
        };
        create(c, actor, &origin)
    })
}

/// `GET /api/v1/travel-claims?status=draft`: the caller's own drafts (nobody sees another's),
/// newest first, after the page's cursor.
pub fn drafts(pool: &Pool, actor: &Actor, page: Page) -> AppResult<Vec<DraftView>> {
    permissions::check(actor, UseCase::ReadClaims)?;
    let mut c = conn(pool)?;
    rows::of_claimant(
        &mut c,
        actor.org_id,
        actor.user_id,
        page.after,
        page.fetch(),
    )?
    .into_iter()
    .map(|row| view(&mut c, actor.org_id, row))
    .collect()
}

/// The caller's own draft `id` (for its form), or 404.
pub fn draft(pool: &Pool, actor: &Actor, id: i64) -> AppResult<DraftView> {
    permissions::check(actor, UseCase::ReviseClaim)?;
    let mut c = conn(pool)?;
    match rows::find(&mut c, actor.org_id, id)? {
        Some(row) if row.claimant_id == actor.user_id => view(&mut c, actor.org_id, row),
        _ => Err(NOT_FOUND),
    }
}

/// `GET /api/v1/travel-claims/{id}`: the claim (as [`claims::get`]), or the caller's own draft.
pub fn get(pool: &Pool, actor: &Actor, id: i64) -> AppResult<ClaimOrDraft> {
    match claims::get(pool, actor, id) {
        Ok(claim) => Ok(ClaimOrDraft::Claim(Box::new(claim))),
        Err(AppError::NotFound(_)) => {
            permissions::check(actor, UseCase::ReadClaims)?;
            let mut c = conn(pool)?;
            match rows::find(&mut c, actor.org_id, id)? {
                Some(row) if row.claimant_id == actor.user_id => Ok(ClaimOrDraft::Draft(Box::new(
                    view(&mut c, actor.org_id, row)?,
                ))),
                _ => Err(NOT_FOUND),
            }
        }
        Err(e) => Err(e),
    }
}
