//! R18 Approval steps (审批流程): the chain an organisation signs its claims along, and which step
//! of it waits next.
//!
//! A chain is an ordered subset of [`Step::DepartmentHead`], [`Step::Finance`], [`Step::Leader`],
//! in that order, with finance always present. The department head's step is skipped when the
//! claimant has no department or heads it; the leader's applies only to a claim whose reimbursable
//! is at least the organisation's threshold (0.00: always).
//!
//! Worked example: chain department_head → finance → leader, threshold 5,000.00. A member of
//! 办公室 claims 1,231.00: the 办公室 head, then finance, then the claim is approved (the leader's
//! step is skipped, below the threshold). A claim of 6,000.00 waits for the leader after finance.

use std::fmt;

use super::Money;

/// One step of approval, in the order a chain takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// 部门负责人审核: the head of the claimant's department.
    DepartmentHead,
    /// 财务审核: the step that checks and commits money (R11).
    Finance,
    /// 单位负责人审批: the head of the unit, for large amounts.
    Leader,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::DepartmentHead, Step::Finance, Step::Leader];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::DepartmentHead => "department_head",
            Step::Finance => "finance",
            Step::Leader => "leader",
        }
    }

    pub fn parse(text: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The step's name on the pages and the 报销单.
    pub fn chinese(self) -> &'static str {
        match self {
            Step::DepartmentHead => "部门审核",
            Step::Finance => "财务审核",
            Step::Leader => "单位负责人审批",
        }
    }

    /// Whether deciding this step moves money: only finance's does (R11's commitment).
    pub fn commits_money(self) -> bool {
        self == Step::Finance
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a chain was refused (422 naming `steps`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// A step that is none of the three.
    Unknown(String),
    /// Steps out of order, or one named twice.
    Order,
    /// Finance is missing.
    NoFinance,
}

impl fmt::Display for ChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainError::Unknown(step) => write!(
                f,
                "unknown step {step:?}: steps are department_head, finance and leader"
            ),
            ChainError::Order => f.write_str(
                "steps go in the order department_head, finance, leader, each at most once",
            ),
            ChainError::NoFinance => f.write_str("the chain must include finance"),
        }
    }
}

/// An organisation's approval chain (R18): the steps, in order, with finance among them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain(Vec<Step>);

impl Default for Chain {
    /// Finance alone: R11's single decision.
    fn default() -> Chain {
        Chain(vec![Step::Finance])
    }
}

impl Chain {
    /// The chain named by `names`, or why not.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Chain, ChainError> {
        let mut steps: Vec<Step> = Vec::with_capacity(names.len());
        for name in names {
            let name = name.as_ref().trim();
            let step = Step::parse(name).ok_or_else(|| ChainError::Unknown(name.to_string()))?;
            if steps.last().is_some_and(|last| *last >= step) {
                return Err(ChainError::Order);
            }
            steps.push(step);
        }
        if !steps.contains(&Step::Finance) {
            return Err(ChainError::NoFinance);
        }
        Ok(Chain(steps))
    }

    /// The chain as stored: `department_head,finance,leader`.
    pub fn parse_stored(text: &str) -> Result<Chain, ChainError> {
        let names: Vec<&str> = text.split(',').collect();
        Chain::parse(&names)
    }

    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// As stored: `department_head,finance,leader`.
    pub fn stored(&self) -> String {
        self.names().join(",")
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|s| s.as_str()).collect()
    }

    pub fn contains(&self, step: Step) -> bool {
        self.0.contains(&step)
    }
}

/// The claimant as the department head's step sees them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Membership {
    /// In no department.
    None,
    /// A member of a department they do not head.
    Member,
    /// The head of their own department.
    Head,
}

/// What became of one step of a claim: decided either way by a person, or skipped (R18).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Approved,
    Rejected,
    Skipped,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [Verdict::Approved, Verdict::Rejected, Verdict::Skipped];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::Rejected => "rejected",
            Verdict::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == text)
    }
}

/// Why a step of a claim's chain does not apply to it (recorded as the step's note).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The claimant belongs to no department.
    NoDepartment,
    /// The claimant heads their department.
    ClaimantHeadsDepartment,
    /// The claim's reimbursable is below the leader's threshold.
    BelowThreshold,
}

impl SkipReason {
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::NoDepartment => "no_department",
            SkipReason::ClaimantHeadsDepartment => "claimant_heads_department",
            SkipReason::BelowThreshold => "below_leader_threshold",
        }
    }

    pub fn parse(code: &str) -> Option<SkipReason> {
        [
            SkipReason::NoDepartment,
            SkipReason::ClaimantHeadsDepartment,
            SkipReason::BelowThreshold,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }

    /// The reason as a person reads it.
    pub fn chinese(self) -> &'static str {
        match self {
            SkipReason::NoDepartment => "报销人不属于任何科室，无需部门审核",
            SkipReason::ClaimantHeadsDepartment => "报销人本人是科室负责人，无需部门审核",
            SkipReason::BelowThreshold => "金额未达单位负责人审批标准",
        }
    }
}

/// What decides which steps of a chain apply to one claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    pub membership: Membership,
    pub reimbursable: Money,
    pub leader_threshold: Money,
}

impl Facts {
    /// Why `step` does not apply to the claim, or `None` when it does.
    pub fn skips(&self, step: Step) -> Option<SkipReason> {
        match (step, self.membership) {
            (Step::DepartmentHead, Membership::None) => Some(SkipReason::NoDepartment),
            (Step::DepartmentHead, Membership::Head) => Some(SkipReason::ClaimantHeadsDepartment),
            (Step::Leader, _) if self.reimbursable < self.leader_threshold => {
                Some(SkipReason::BelowThreshold)
            }
            _ => None,
        }
    }
}

/// Where a claim goes once a step is behind it: the steps passed over on the way (each with why),
/// and the step that waits next (`None`: the chain is done, and the claim approved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advance {
    pub skipped: Vec<(Step, SkipReason)>,
    pub next: Option<Step>,
}

/// The steps of `chain` after `after` (from the start when `None`), for a claim of `facts`.
pub fn advance(chain: &Chain, after: Option<Step>, facts: &Facts) -> Advance {
    let mut skipped = Vec::new();
    for &step in chain.steps() {
        if after.is_some_and(|done| step <= done) {
            continue;
        }
        match facts.skips(step) {
            Some(reason) => skipped.push((step, reason)),
            None => {
                return Advance {
                    skipped,
                    next: Some(step),
                }
            }
        }
    }
    Advance {
        skipped,
        next: None,
    }
}

/// Whether a claim waiting at `pending` (still submitted) has had its money committed: finance
/// has approved it, as finance always comes before the step waiting now.
pub fn committed_while_waiting(pending: Step) -> bool {
    pending > Step::Finance
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(names: &[&str]) -> Chain {
        Chain::parse(names).unwrap()
    }

    fn facts(membership: Membership, reimbursable: i64) -> Facts {
        Facts {
            membership,
            reimbursable: Money::yuan(reimbursable),
            leader_threshold: Money::yuan(5000),
        }
    }

    #[test]
    fn chains_are_ordered_subsets_with_finance() {
        let ok: &[&[&str]] = &[
            &["finance"],
            &["department_head", "finance"],
            &["finance", "leader"],
            &["department_head", "finance", "leader"],
        ];
        for names in ok {
            assert_eq!(chain(names).names(), names.to_vec());
        }
        let bad: &[(&[&str], ChainError)] = &[
            (&[], ChainError::NoFinance),
            (&["leader"], ChainError::NoFinance),
            (&["department_head", "leader"], ChainError::NoFinance),
            (&["finance", "department_head"], ChainError::Order),
            (&["leader", "finance"], ChainError::Order),
            (&["finance", "finance"], ChainError::Order),
            (&["finance", "boss"], ChainError::Unknown("boss".into())),
        ];
        for (names, error) in bad {
            assert_eq!(Chain::parse(names).as_ref(), Err(error), "{names:?}");
        }
        assert_eq!(Chain::default().stored(), "finance");
        let stored = chain(&["department_head", "finance", "leader"]).stored();
        assert_eq!(stored, "department_head,finance,leader");
        assert_eq!(Chain::parse_stored(&stored).map(|c| c.stored()), Ok(stored));
    }

    /// R18's worked example: 1,231.00 by a member of 办公室 needs the head, then finance, and is
    /// then approved; 6,000.00 waits for the leader after finance.
    #[test]
    fn the_worked_example() {
        let full = chain(&["department_head", "finance", "leader"]);
        let small = facts(Membership::Member, 1231);
        let first = advance(&full, None, &small);
        assert_eq!(first.next, Some(Step::DepartmentHead));
        assert!(first.skipped.is_empty());
        assert_eq!(
            advance(&full, Some(Step::DepartmentHead), &small).next,
            Some(Step::Finance)
        );
        assert_eq!(
            advance(&full, Some(Step::Finance), &small),
            Advance {
                skipped: vec![(Step::Leader, SkipReason::BelowThreshold)],
                next: None
            }
        );
        let large = facts(Membership::Member, 6000);
        assert_eq!(
            advance(&full, Some(Step::Finance), &large).next,
            Some(Step::Leader)
        );
        assert_eq!(advance(&full, Some(Step::Leader), &large).next, None);
    }

    #[test]
    fn the_department_step_is_skipped_with_its_reason() {
        let full = chain(&["department_head", "finance", "leader"]);
        let table = [
            (Membership::None, SkipReason::NoDepartment),
            (Membership::Head, SkipReason::ClaimantHeadsDepartment),
        ];
        for (membership, reason) in table {
            let first = advance(&full, None, &facts(membership, 100));
            assert_eq!(first.skipped, vec![(Step::DepartmentHead, reason)]);
            assert_eq!(first.next, Some(Step::Finance));
        }
        // Finance alone: every claim goes to finance, then is done.
        let alone = Chain::default();
        assert_eq!(
            advance(&alone, None, &facts(Membership::Member, 9000)).next,
            Some(Step::Finance)
        );
        assert_eq!(
            advance(
                &alone,
                Some(Step::Finance),
                &facts(Membership::Member, 9000)
            ),
            Advance {
                skipped: vec![],
                next: None
            }
        );
    }

    #[test]
    fn a_threshold_of_zero_always_asks_the_leader() {
        let f = Facts {
            membership: Membership::None,
            reimbursable: Money::ZERO,
            leader_threshold: Money::ZERO,
        };
        let c = chain(&["finance", "leader"]);
        assert_eq!(
            advance(&c, Some(Step::Finance), &f).next,
            Some(Step::Leader)
        );
        assert!(committed_while_waiting(Step::Leader));
        assert!(!committed_while_waiting(Step::Finance));
        assert!(!committed_while_waiting(Step::DepartmentHead));
    }

    fn any_chain() -> impl Strategy<Value = Chain> {
        (any::<bool>(), any::<bool>()).prop_map(|(head, leader)| {
            let mut steps = Vec::new();
            if head {
                steps.push(Step::DepartmentHead);
            }
            steps.push(Step::Finance);
            if leader {
                steps.push(Step::Leader);
            }
            Chain(steps)
        })
    }

    fn any_facts() -> impl Strategy<Value = Facts> {
        (0usize..3, 0i64..1_000_000, 0i64..1_000_000).prop_map(|(m, r, t)| Facts {
            membership: [Membership::None, Membership::Member, Membership::Head][m],
            reimbursable: Money::from_fen(r),
            leader_threshold: Money::from_fen(t),
        })
    }

    proptest! {
        /// Walking a chain step by step visits each of its steps once, in order, either waiting
        /// at it or skipping it; finance always waits; the walk ends.
        #[test]
        fn a_walk_covers_the_chain_in_order(c in any_chain(), f in any_facts()) {
            let mut seen: Vec<Step> = Vec::new();
            let mut waited: Vec<Step> = Vec::new();
            let mut at = None;
            for _ in 0..4 {
                let a = advance(&c, at, &f);
                seen.extend(a.skipped.iter().map(|(s, _)| *s));
                match a.next {
                    Some(step) => {
                        seen.push(step);
                        waited.push(step);
                        at = Some(step);
                    }
                    None => break,
                }
            }
            prop_assert_eq!(seen.as_slice(), c.steps());
            prop_assert!(waited.contains(&Step::Finance));
            prop_assert_eq!(advance(&c, at, &f).next, None);
        }

        /// Every chain stored reads back as itself; every name list either parses to a chain
        /// whose names are the list, or is refused.
        #[test]
        fn stored_chains_read_back(c in any_chain(), names in proptest::collection::vec(0usize..4, 0..5)) {
            prop_assert_eq!(Chain::parse_stored(&c.stored()), Ok(c.clone()));
            let words = ["department_head", "finance", "leader", "boss"];
            let list: Vec<&str> = names.iter().map(|i| words[*i]).collect();
            if let Ok(parsed) = Chain::parse(&list) {
                prop_assert_eq!(parsed.names(), list);
            }
        }
    }
}
