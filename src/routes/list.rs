//! api.md "Lists": every list endpoint answers a JSON array of at most `limit` items (default 100,
//! at most 1000) after the cursor `after` (an id from an earlier page), in the list's own order;
//! when more remain, a `Link: <…?after=ID&limit=N>; rel="next"` header (RFC 8288) gives the next
//! page. Nothing is ever cut silently.
//!
//! A handler takes [`ListQuery`], turns it into a [`Page`], gets at most `limit + 1` items (cut in
//! SQL with [`Page::fetch`], or from a list loaded whole with [`Page::cut`]) and answers with
//! [`respond`].

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::error::{AppError, AppResult};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

/// The paging parameters of every list endpoint.
#[derive(Clone, Copy, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// At most this many items (1 to 1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// The id of the last item of the previous page (from the `Link` header's next URL).
    pub after: Option<i64>,
}

/// A checked page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub after: Option<i64>,
}

impl ListQuery {
    /// 422 naming `limit` outside 1–1000.
    pub fn page(&self) -> AppResult<Page> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::field("limit", "a number from 1 to 1000"));
        }
        Ok(Page {
            limit,
            after: self.after,
        })
    }
}

impl Page {
    /// How many rows a query cut in SQL fetches: one more than the page, to know whether more
    /// remain.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// The items after the cursor, at most `limit + 1`, of a list loaded whole in its order. An
    /// `after` that is no item of the list is 422 naming it.
    pub fn cut<T>(&self, items: Vec<T>, id: impl Fn(&T) -> i64) -> AppResult<Vec<T>> {
        let start =
            match self.after {
                None => 0,
                Some(after) => {
                    items.iter().position(|i| id(i) == after).ok_or_else(|| {
                        AppError::field("after", "not the id of an item of this list")
                    })? + 1
                }
            };
        Ok(items
            .into_iter()
            .skip(start)
            .take(usize::try_from(self.fetch()).unwrap_or(usize::MAX))
            .collect())
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
        for bad in [0, -1, 1001] {
            let q = ListQuery {
                limit: Some(bad),
                after: None,
            };
            assert!(q.page().is_err(), "{bad}");
        }
        assert_eq!(ListQuery::default().page().ok().map(|p| p.limit), Some(100));
    }
}
