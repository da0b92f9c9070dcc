//! What the write-load examples share: the service and people they load, from their first four
//! arguments, and the one-day claim they submit again and again.

/// `BASE_URL CLAIMANT_TOKEN FINANCE_TOKEN LINE_ID`, then the example's own arguments.
pub struct Target {
    pub base: String,
    pub claimant: String,
    pub finance: String,
    /// A one-day trip to 邢台 charged to `LINE_ID`.
    pub claim: serde_json::Value,
    args: Vec<String>,
}

impl Target {
    pub fn from_args() -> Target {
        let args: Vec<String> = std::env::args().collect();
        let arg = |i: usize| {
            args.get(i)
                .cloned()
                .unwrap_or_else(|| panic!("usage: see the example's doc comment"))
        };
        let line: i64 = arg(4).parse().unwrap_or_else(|e| panic!("LINE_ID: {e}"));
        Target {
            base: arg(1),
            claimant: arg(2),
            finance: arg(3),
            claim: serde_json::json!({"budget_line_id": line, "purpose": "load", "destination": "邢台",
                "departure_date": "2021-06-01", "return_date": "2021-06-01"}),
            args,
        }
    }

    /// The base URL, the claimant's and finance's tokens, and the claim.
    pub fn parts(self) -> (String, String, String, serde_json::Value) {
        (self.base, self.claimant, self.finance, self.claim)
    }

    /// The `i`th argument as a number, or `default` where it is absent; a panic where it is not
    /// a number, rather than a run with other figures than asked for.
    pub fn number<T: std::str::FromStr>(&self, i: usize, default: T) -> T {
        match self.args.get(i) {
            None => default,
            Some(a) => a
                .parse()
                .unwrap_or_else(|_| panic!("argument {i} is not a number: {a}")),
        }
    }
}
