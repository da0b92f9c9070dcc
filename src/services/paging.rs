//! A page of a list (api.md "Lists"): at most `limit` items after the cursor `after`. The HTTP
//! side (`routes::list`) parses it from the query and writes the `Link` header; use cases and
//! queries take it as it is.

use crate::error::{AppError, AppResult};

/// How many items a list that is shown whole, without paging, reads at most: the web pages'
/// tables of a year's subsidy batches and budget adjustments, and a line's adjustment history.
/// It is the API's largest page (api.md "Lists"); a county bureau makes a few dozen of each a
/// year, and a list that could pass this many would need paging first.
pub const UNPAGED_MAX: i64 = 1000;

/// A checked page request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub after: Option<i64>,
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
        let start = match self.after {
            None => 0,
            Some(after) => {
                items.iter().position(|i| id(i) == after).ok_or_else(|| {
                    AppError::field(
                        "after",
                        crate::domain::FieldProblem::Unknown {
                            english: "not the id of an item of this list".into(),
                        },
                    )
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
