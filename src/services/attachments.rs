//! R17: the files on a claim (附件): add, list, download, remove.
//!
//! Whoever may read a claim may list and download its files. Only its claimant adds and removes
//! them, and only before the first decision ([`may_change`], the one place that decides, on the
//! claim's row locked for the write); anyone else is 403, or 404 when the claim is not theirs to
//! see. A file's type is read from its bytes ([`crate::domain::attachment::sniff`]), its SHA-256
//! identifies it: the same bytes sent twice to a claim are the file already there (answered 200
//! instead of 201). Every addition and removal is in the claim's history and the audit log.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::permissions::{self, UseCase};
use super::views::{timestamp, AttachmentView};
use super::{act, audit, clock, conn, Context};
use crate::auth::Actor;
use crate::db::attachments::{self as rows, AttachmentRow, NewAttachment};
use crate::db::claims as claim_rows;
use crate::db::drafts as draft_rows;
use crate::db::{DbConnection, Pool};
use crate::domain::attachment::{self, MediaType, MAX_BYTES, MAX_PER_CLAIM};
use crate::domain::status::{ClaimAction, ClaimStatus, InvalidTransition, Status};
use crate::error::{AppError, AppResult};

const ENTITY: &str = "travel_claim";

/// A file stored, or found already on the claim (`created` false).
#[derive(Debug)]
pub struct Added {
    pub file: AttachmentView,
    pub created: bool,
}

fn view(row: AttachmentRow) -> AttachmentView {
    AttachmentView {
        id: row.id,
        name: row.name,
        media_type: row.media_type,
        size: row.size,
        sha256: row.sha256,
        added_by: row.added_by,
        added_at: timestamp(row.added_at),
    }
}

/// R17, the one rule of who may change a claim's files and when, read on the claim's row locked
/// until the write commits: its claimant, while the claim awaits its first decision. The
/// claim's status text is returned for the history. A claim the caller may not see is 404;
/// one they see but is not theirs, 403; a decided one, 409 `invalid_transition`.
///
/// A draft (`claim_drafts`, whose id is its future claim's) of the caller's own may change its
/// files too; anyone else's draft is 404.
fn may_change(c: &mut DbConnection, actor: &Actor, claim_id: i64) -> AppResult<ClaimStatus> {
    let Some((claimant, status, decided_by)) =
        claim_rows::claimant_and_status_locked(c, actor.org_id, claim_id)?
    else {
        return own_draft(c, actor, claim_id)
            .and_then(|()| Ok(ClaimStatus::Draft.apply(ClaimAction::ChangeAttachments)?));
    };
    if claimant != actor.user_id {
        let seen = match claim_rows::find(c, actor.org_id, claim_id)? {
            Some(row) => super::claims::may_read(c, actor, &row)?,
            None => false,
        };
        return Err(if seen {
            AppError::Forbidden
        } else {
            AppError::NotFound("travel claim")
        });
    }
    let status = ClaimStatus::parse(&status)
        .ok_or_else(|| AppError::Internal(format!("claim status {status:?}")))?;
    // R18: a step of approval has decided (it is still `submitted`, waiting at a later step).
    if decided_by.is_some() {
        return Err(InvalidTransition::new(status, ClaimAction::ChangeAttachments).into());
    }
    Ok(status.apply(ClaimAction::ChangeAttachments)?)
}

/// Whether the caller may read claim `claim_id` (whoever reads the claim itself, its approvers
/// among them: [`super::claims::seen_by`]): 404 otherwise, as for the claim itself.
///
/// A draft is readable by its claimant alone.
fn readable(c: &mut DbConnection, actor: &Actor, claim_id: i64) -> AppResult<()> {
    permissions::check(actor, UseCase::ReadClaims)?;
    let row = claim_rows::find(c, actor.org_id, claim_id)?;
    match row {
        Some(row) if super::claims::may_read(c, actor, &row)? => Ok(()),
        Some(_) => Err(AppError::NotFound("travel claim")),
        None => own_draft(c, actor, claim_id),
    }
}

/// A draft is its claimant's alone (R17): anyone else, whatever their role, gets 404.
fn own_draft(c: &mut DbConnection, actor: &Actor, id: i64) -> AppResult<()> {
    match draft_rows::find(c, actor.org_id, id)? {
        Some(draft) if draft.claimant_id == actor.user_id => Ok(()),
        _ => Err(AppError::NotFound("travel claim")),
    }
}

/// Whether the caller may add files to the claim now: asked before an upload's bytes are read,
/// so that a refusal costs no transfer ([`add`] asks again in its write).
pub fn may_add(pool: &Pool, actor: &Actor, claim_id: i64) -> AppResult<()> {
    permissions::check(actor, UseCase::ChangeAttachments)?;
    may_change(&mut *conn(pool)?, actor, claim_id).map(drop)
}

/// `POST /api/v1/travel-claims/{id}/attachments`: stores `bytes` under the cleaned `name`, or
/// answers the file the claim already holds with these bytes. 415 `unsupported_attachment` for
/// bytes of another type, 413 over 10 MiB, 409 `too_many_attachments` at 30.
pub fn add(
    pool: &Pool,
    actor: &Context,
    claim_id: i64,
    name: &str,
    bytes: &[u8],
) -> AppResult<Added> {
    permissions::check(actor, UseCase::ChangeAttachments)?;
    if bytes.len() > MAX_BYTES {
        return Err(AppError::AttachmentTooLarge);
    }
    let kind = attachment::sniff(bytes).ok_or(AppError::UnsupportedAttachment)?;
    let size = i64::try_from(bytes.len()).map_err(|_| AppError::AttachmentTooLarge)?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    let name = attachment::clean_name(name, kind);
    act(pool, actor, |c| {
        let status = may_change(c, actor, claim_id)?;
        if let Some(same) = rows::with_hash(c, actor.org_id, claim_id, &sha256)? {
            return Ok(Added {
                file: view(same),
                created: false,
            });
        }
        let used = rows::slots(c, actor.org_id, claim_id)?;
        let slot = (1..=MAX_PER_CLAIM)
            .find(|s| !used.contains(s))
            .ok_or(AppError::TooManyAttachments)?;
        let added_at = clock::now(c, actor.org_id)?;
        let file = NewAttachment {
            org_id: actor.org_id,
            claim_id,
            slot,
            name: &name,
            media_type: kind.as_str(),
            size,
            sha256: &sha256,
            added_by: actor.user_id,
            added_at,
        };
        // The claim's row is held, so no other write takes the slot or stores these bytes
        // meanwhile; the keys refuse it if one ever did, and a retry then sees it.
        let id = crate::db::unique(rows::insert(c, &file))?.map_err(|_| AppError::Busy)?;
        for (seq, piece) in (0..).zip(bytes.chunks(rows::PIECE_BYTES)) {
            rows::insert_piece(c, actor.org_id, id, seq, piece)?;
        }
        let text = status.as_str();
        let note = format!("{name}（{}）", attachment::size_text(size));
        audit::status(
            c,
            actor,
            (ENTITY, claim_id),
            "attach",
            Some(text),
            text,
            Some(&note),
        )?;
        Ok(Added {
            file: AttachmentView {
                id,
                name: name.clone(),
                media_type: kind.as_str().to_string(),
                size,
                sha256: sha256.clone(),
                added_by: actor.user_id,
                added_at: timestamp(added_at),
            },
            created: true,
        })
    })
}

/// `GET /api/v1/travel-claims/{id}/attachments`: the claim's files, oldest first, without bytes.
pub fn list(pool: &Pool, actor: &Actor, claim_id: i64) -> AppResult<Vec<AttachmentView>> {
    let mut c = conn(pool)?;
    readable(&mut c, actor, claim_id)?;
    of_claim_on(&mut c, actor.org_id, claim_id)
}

/// The claim's files, oldest first, without bytes, on the caller's connection (the claim's page,
/// once it has checked that the caller may read the claim).
pub fn of_claim_on(
    c: &mut DbConnection,
    org_id: i64,
    claim_id: i64,
) -> AppResult<Vec<AttachmentView>> {
    Ok(rows::of_claim(c, org_id, claim_id)?
        .into_iter()
        .map(view)
        .collect())
}

/// A file to download: its metadata, and its bytes to be read piece by piece.
pub struct Download {
    pub file: AttachmentView,
    pub kind: MediaType,
    pub pieces: Pieces,
}

/// A file's bytes still to be read, one piece (at most 1 MiB) a call, each on a connection of
/// its own taken for that read alone: a slow download holds no connection between pieces.
pub struct Pieces {
    pool: Pool,
    org_id: i64,
    id: i64,
    next: i32,
}

impl Pieces {
    /// The next piece, or `None` after the last. A file removed while it is read ends early,
    /// short of its size (the sender then cuts the connection).
    pub fn next_piece(&mut self) -> AppResult<Option<Vec<u8>>> {
        let piece = rows::piece(&mut *conn(&self.pool)?, self.org_id, self.id, self.next)?;
        self.next = self.next.saturating_add(1);
        Ok(piece)
    }
}

/// `GET /api/v1/travel-claims/{id}/attachments/{aid}`: the file, its bytes read as they are sent.
pub fn download(pool: &Pool, actor: &Actor, claim_id: i64, id: i64) -> AppResult<Download> {
    let mut c = conn(pool)?;
    readable(&mut c, actor, claim_id)?;
    let row =
        rows::find(&mut c, actor.org_id, claim_id, id)?.ok_or(AppError::NotFound("attachment"))?;
    let kind = MediaType::parse(&row.media_type)
        .ok_or_else(|| AppError::Internal(format!("media type {:?}", row.media_type)))?;
    Ok(Download {
        file: view(row),
        kind,
        pieces: Pieces {
            pool: pool.clone(),
            org_id: actor.org_id,
            id,
            next: 0,
        },
    })
}

/// `DELETE /api/v1/travel-claims/{id}/attachments/{aid}`: removes the file, while the claimant
/// may change the claim's files.
pub fn remove(pool: &Pool, actor: &Context, claim_id: i64, id: i64) -> AppResult<()> {
    permissions::check(actor, UseCase::ChangeAttachments)?;
    act(pool, actor, |c| {
        let status = may_change(c, actor, claim_id)?;
        let row =
            rows::find(c, actor.org_id, claim_id, id)?.ok_or(AppError::NotFound("attachment"))?;
        rows::delete(c, actor.org_id, claim_id, id)?;
        let text = status.as_str();
        audit::status(
            c,
            actor,
            (ENTITY, claim_id),
            "remove_attachment",
            Some(text),
            text,
            Some(&row.name),
        )
    })
}

/// How many files each of the claims holds, in one query; a claim without files is absent.
/// Runs on the caller's connection.
pub fn counts(
    c: &mut DbConnection,
    org_id: i64,
    claim_ids: &[i64],
) -> AppResult<HashMap<i64, i64>> {
    if claim_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(rows::counts(c, org_id, claim_ids)?.into_iter().collect())
}

/// A file whose bytes no longer match what was stored with them (`baoxiao verify`).
#[derive(Debug)]
pub struct FileMismatch {
    pub org_id: i64,
    pub claim_id: i64,
    pub id: i64,
    pub name: String,
    /// What differs: `size` and/or `sha256`.
    pub problems: Vec<&'static str>,
}

/// `baoxiao verify` for files: each file's bytes read again, one piece at a time in order, their
/// size and SHA-256 compared with the stored ones. Returns how many were checked and which differ.
pub fn verify_on(c: &mut DbConnection) -> AppResult<(usize, Vec<FileMismatch>)> {
    let ids = rows::all_ids(c)?;
    let mut mismatches = Vec::new();
    for (org_id, id) in &ids {
        let Some(stored) = rows::each_checked(c, *id)? else {
            continue; // removed meanwhile
        };
        let (mut hash, mut size) = (Sha256::new(), 0_usize);
        for seq in 0.. {
            let Some(piece) = rows::piece(c, *org_id, *id, seq)? else {
                break;
            };
            hash.update(&piece);
            size = size.saturating_add(piece.len());
        }
        let mut problems = Vec::new();
        if i64::try_from(size).ok() != Some(stored.size) {
            problems.push("size");
        }
        if hex::encode(hash.finalize()) != stored.sha256 {
            problems.push("sha256");
        }
        if !problems.is_empty() {
            mismatches.push(FileMismatch {
                org_id: *org_id,
                claim_id: stored.claim_id,
                id: *id,
                name: stored.name,
                problems,
            });
        }
    }
    Ok((ids.len(), mismatches))
}

/// [`verify_on`] on a pooled connection.
pub fn verify(pool: &Pool) -> AppResult<(usize, Vec<FileMismatch>)> {
    verify_on(&mut *conn(pool)?)
}
