//! A claim's files on its page (R17): several added at once by a plain form (and by drag and drop
//! where scripts run, `assets/attachments.js`), each removed by its 删除, downloaded by its 下载,
//! and images shown small from their own download address. The services decide who may do what;
//! a refusal comes back on the claim's page, in Chinese.

use actix_multipart::Multipart;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest};

use crate::db::Pool;
use crate::routes::attachments::{download_response, is_multipart, next_part, store, Part};
use crate::services::attachments;

use super::format;
use super::session::{flash, SignedIn};
use super::{done, run, see_other, Flash, PageError, PageResult};

fn back(id: i64) -> String {
    format!("/claims/{id}#attachments")
}

/// A page's multipart form read part by part. The session's CSRF token must come before the first
/// file (it is the form's first field); the other text fields are kept, in order, for the form
/// they belong to.
pub(super) struct SignedParts<'a> {
    form: Multipart,
    user: &'a SignedIn,
    checked: bool,
    pub typed: Vec<(String, String)>,
}

impl<'a> SignedParts<'a> {
    pub fn new(
        user: &'a SignedIn,
        req: &HttpRequest,
        payload: web::Payload,
    ) -> Result<Self, PageError> {
        if !is_multipart(req) {
            return Err(PageError::Csrf);
        }
        Ok(Self {
            form: Multipart::new(req.headers(), payload),
            user,
            checked: false,
            typed: Vec::new(),
        })
    }

    /// The next file chosen, or `None` once the form is read to its end with its token found.
    pub async fn next_file(&mut self) -> Result<Option<(String, Bytes)>, PageError> {
        while let Some(part) = next_part(&mut self.form).await? {
            match part {
                Part::Text { name, value } if name == "csrf" => {
                    self.user.check_csrf(&value)?;
                    self.checked = true;
                }
                Part::Text { name, value } => self.typed.push((name, value)),
                // A file input left empty is sent as a part with no name and no bytes.
                Part::File { name, bytes } if name.is_empty() && bytes.is_empty() => {}
                Part::File { name, bytes } if self.checked => return Ok(Some((name, bytes))),
                Part::File { .. } => return Err(PageError::Csrf),
            }
        }
        if !self.checked {
            return Err(PageError::Csrf);
        }
        Ok(None)
    }
}

/// `POST /claims/{id}/attachments`: the form's files, stored one by one as they arrive.
pub async fn upload(
    pool: web::Data<Pool>,
    user: SignedIn,
    id: web::Path<i64>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    let id = id.into_inner();
    let mut form = SignedParts::new(&user, &req, payload)?;
    let added = upload_files(&pool, &user, id, &mut form).await;
    if let Ok(None) = added {
        flash(
            &pool,
            &user,
            Flash::Refused("请先选择要上传的文件。".into()),
        )
        .await?;
        return Ok(see_other(&back(id)));
    }
    let added = added.map(|names| format!("已添加附件：{}", names.unwrap_or_default().join("、")));
    done(&pool, &user, added, format::refusal, &back(id)).await
}

/// The names of the files stored, or `None` when the form carried none. A draft's form sends
/// what was typed before its files: kept once, before the first file.
async fn upload_files(
    pool: &web::Data<Pool>,
    user: &SignedIn,
    id: i64,
    form: &mut SignedParts<'_>,
) -> Result<Option<Vec<String>>, PageError> {
    let (mut names, mut kept) = (Vec::new(), false);
    while let Some((name, bytes)) = form.next_file().await? {
        if !kept {
            super::claims::keep_typed(pool, user, id, &form.typed).await?;
            kept = true;
        }
        names.push(store(pool, &user.actor(), id, name, bytes).await?.file.name);
    }
    if !kept {
        super::claims::keep_typed(pool, user, id, &form.typed).await?;
    }
    Ok((!names.is_empty()).then_some(names))
}

/// `POST /claims/{id}/attachments/{aid}/delete`: from a claim's page, or from a draft's form with
/// what was typed, which is saved in the draft first.
pub async fn remove(
    pool: web::Data<Pool>,
    user: SignedIn,
    ids: web::Path<(i64, i64)>,
    form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let csrf = form
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    user.check_csrf(csrf.unwrap_or_default())?;
    let (id, aid) = ids.into_inner();
    super::claims::keep_typed(&pool, &user, id, &form).await?;
    let removed = user
        .run(&pool, move |p, actor| {
            attachments::remove(p, actor, id, aid)
        })
        .await
        .map(|()| "已删除附件。".to_string());
    done(&pool, &user, removed, format::refusal, &back(id)).await
}

/// `GET /claims/{id}/attachments/{aid}`: the file, as the API sends it (always a download, its
/// type read from its bytes); an image's thumbnail on the claim's page is this address too.
pub async fn download(
    pool: web::Data<Pool>,
    user: SignedIn,
    ids: web::Path<(i64, i64)>,
) -> PageResult {
    let (id, aid) = ids.into_inner();
    let actor = user.actor();
    let file = run(move || attachments::download(&pool, &actor, id, aid)).await?;
    Ok(download_response(file))
}
