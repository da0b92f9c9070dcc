//! api.md "Lists": every list endpoint answers a JSON array of at most `limit` items (default 100,
//! at most 1000) after the cursor `after` (an id from an earlier page), in the list's own order;
//! when more remain, a `Link: <…?after=ID&limit=N>; rel="next"` header (RFC 8288) gives the next
//! page. Nothing is ever cut silently.
//!
//! A handler takes [`ListQuery`], turns it into a [`Page`], gets at most `limit + 1` items (cut in
//! SQL with [`Page::fetch`], or from a list loaded whole with [`Page::cut`]) and answers with
//! [`respond`].

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::domain::status::Status;
use crate::domain::FieldProblem;
use crate::error::{AppError, AppResult};
pub use crate::services::paging::Page;

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// The paging parameters of every list endpoint. Read as text so that a value that is no
/// number is a 422 naming its parameter, like every other field.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// At most this many items (1 to 1000, default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// The id of the last item of the previous page (from the `Link` header's next URL).
    #[param(value_type = Option<i64>)]
    pub after: Option<String>,
}

impl ListQuery {
    /// 422 naming `limit` outside 1–1000, or `after` that is no id.
    pub fn page(&self) -> AppResult<Page> {
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    AppError::field(
                        "limit",
                        FieldProblem::OutOfRange {
                            min: 1,
                            max: MAX_LIMIT,
                            english: "a number from 1 to 1000",
                        },
                    )
                })?,
        };
        let after = self
            .after
            .as_deref()
            .map(|text| {
                text.parse::<i64>().map_err(|_| {
                    AppError::field(
                        "after",
                        FieldProblem::Unknown {
                            english: "the id of an item of an earlier page".into(),
                        },
                    )
                })
            })
            .transpose()?;
        Ok(Page { limit, after })
    }
}

/// A list's `?status=` filter: a status of the listed document, or 422 naming `status` and the
/// statuses it takes.
pub fn status_filter<S: Status>(text: Option<&str>) -> AppResult<Option<S>> {
    text.map(|text| {
        S::parse(text).ok_or_else(|| {
            AppError::field(
                "status",
                FieldProblem::OneOf {
                    english: S::expected(),
                },
            )
        })
    })
    .transpose()
}

/// The page a list is asked for (`limit`, `after`: [`ListQuery::page`], 422 naming either), with
/// the request its `Link` continues: what every list handler takes, last of its arguments, so a
/// bad page is refused after the caller and the list's own filters have been read.
pub struct Listing {
    pub page: Page,
    req: HttpRequest,
}

impl FromRequest for Listing {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Listing, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (req, query) = (
            req.clone(),
            web::Query::<ListQuery>::from_request(req, payload),
        );
        Box::pin(async move {
            let page = query.await?.page()?;
            Ok(Listing { page, req })
        })
    }
}

impl Listing {
    /// A list the use case paged: its first `limit` items, and a `Link` to the next page.
    pub fn respond<T: Serialize>(&self, items: Vec<T>, id: impl Fn(&T) -> i64) -> HttpResponse {
        respond(&self.req, self.page, items, id)
    }

    /// A whole list, cut here to the page asked for ([`Page::cut`]).
    pub fn cut<T: Serialize>(
        &self,
        items: Vec<T>,
        id: impl Fn(&T) -> i64,
    ) -> AppResult<HttpResponse> {
        let items = self.page.cut(items, &id)?;
        Ok(self.respond(items, id))
    }
}

/// 200 with the first `limit` of `items` (which holds at most `limit + 1`), and a `Link` to the
/// next page when there were more.
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    page: Page,
    mut items: Vec<T>,
    id: impl Fn(&T) -> i64,
) -> HttpResponse {
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let mut response = HttpResponse::Ok();
    if items.len() > limit {
        items.truncate(limit);
        if let Some(last) = items.last() {
            response.insert_header((header::LINK, next_link(req, id(last), page.limit)));
        }
    }
    response.json(items)
}

/// `<path?…&after=ID&limit=N>; rel="next"`, keeping the request's other parameters.
fn next_link(req: &HttpRequest, after: i64, limit: i64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(req.query_string().as_bytes()) {
        if key != "after" && key != "limit" {
            query.append_pair(&key, &value);
        }
    }
    query.append_pair("after", &after.to_string());
    query.append_pair("limit", &limit.to_string());
    format!("<{}?{}>; rel=\"next\"", req.path(), query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cut_after_the_cursor() {
        let page = |limit, after| Page { limit, after };
        let ids = vec![5, 4, 3, 2, 1];
        assert_eq!(
            page(2, None).cut(ids.clone(), |i| *i).ok(),
            Some(vec![5, 4, 3])
        );
        assert_eq!(
            page(2, Some(4)).cut(ids.clone(), |i| *i).ok(),
            Some(vec![3, 2, 1])
        );
        assert_eq!(
            page(2, Some(2)).cut(ids.clone(), |i| *i).ok(),
            Some(vec![1])
        );
        assert_eq!(page(2, Some(1)).cut(ids.clone(), |i| *i).ok(), Some(vec![]));
        assert!(page(2, Some(9)).cut(ids, |i| *i).is_err());
        for bad in ["0", "-1", "1001", "ten"] {
            let q = ListQuery {
                limit: Some(bad.to_string()),
                after: None,
            };
            assert!(q.page().is_err(), "{bad}");
        }
        assert_eq!(ListQuery::default().page().ok().map(|p| p.limit), Some(100));
    }
}
