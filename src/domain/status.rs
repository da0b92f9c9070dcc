//! The statuses of the four documents that move by decisions — travel claims (R3–R8, R11),
//! subsidy batches (R9), travel requests (R16) and budget adjustments (R14) — and the moves each
//! one allows, as one function per document: [`Status::apply`] answers the status an action
//! leads to, or the [`InvalidTransition`] a client sees as 409 `invalid_transition`.
//!
//! A status is stored and shown as its text ([`Status::as_str`]); api.md fixes those texts, and
//! [`Status::parse`] reads them back. Worked example (R11): a submitted claim approved is
//! `approved`; approving it again is refused, "cannot approve a approved travel claim".

use std::fmt;

/// A move a document's status does not allow: "cannot {action} a {from} {what}".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidTransition {
    /// The document: `travel claim`, `subsidy batch`, `travel request`, `budget adjustment`.
    pub what: &'static str,
    /// The state it is in, as the refusal names it (its status text, or for a travel request a
    /// claim names, `claimed`).
    pub from: &'static str,
    /// What was asked: `approve`, `pay an advance on`, …
    pub action: &'static str,
}

impl InvalidTransition {
    /// `action` refused to a document in status `from`.
    pub fn new<S: Status>(from: S, action: S::Action) -> InvalidTransition {
        InvalidTransition {
            what: S::WHAT,
            from: from.as_str(),
            action: action.as_str(),
        }
    }
}

/// A stored status text that names no status of its document (a damaged row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownStatus(pub String);

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown status {:?}", self.0)
    }
}

impl std::error::Error for UnknownStatus {}

/// What can be done to a document, named as a refusal says it.
pub trait Action: Copy + fmt::Debug {
    fn as_str(self) -> &'static str;
}

/// The status of one kind of document and its allowed moves.
pub trait Status: Copy + Eq + fmt::Debug + 'static {
    type Action: Action;
    /// The document, as a refusal names it.
    const WHAT: &'static str;
    /// Every status, in the order of the document's life.
    const ALL: &'static [Self];

    /// The text stored in the database and written in JSON.
    fn as_str(self) -> &'static str;

    /// The status `action` leads to, or `None` when it is not allowed from this one.
    fn next(self, action: Self::Action) -> Option<Self>;

    /// The status `action` leads to, or the refusal.
    fn apply(self, action: Self::Action) -> Result<Self, InvalidTransition> {
        self.next(action)
            .ok_or_else(|| InvalidTransition::new(self, action))
    }

    /// The status written `text`.
    fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.as_str() == text)
    }

    /// "one of requested, approved, rejected, cancelled": what a status filter accepts.
    fn expected() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|s| s.as_str()).collect();
        format!("one of {}", names.join(", "))
    }
}

/// A travel claim's status (R3–R8, R11, R17): draft → submitted → approved → paid; submitted or
/// approved → rejected; submitted → withdrawn by its claimant. Approval commits the reimbursable
/// amount, rejection of an approved claim releases it, payment turns it into spend. A draft
/// (kept apart from the claims, in `claim_drafts`) may be edited, deleted and submitted; a
/// rejected or withdrawn claim may be amended into a new draft, the claim itself staying as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClaimStatus {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Paid,
    Withdrawn,
}

/// What finance, or the claimant, does to a travel claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimAction {
    /// R17: the claimant submits a draft.
    Submit,
    /// R17: the claimant replaces a draft's body (the status stays draft).
    Edit,
    /// R17: the claimant deletes a draft.
    Delete,
    /// R17: the claimant takes a submitted claim back before any decision.
    Withdraw,
    /// R17: a rejected or withdrawn claim is amended into a new draft (its own status stays).
    Amend,
    Approve,
    Reject,
    Pay,
    /// R16: the traveller returned what the paid claim left them owing (the status stays paid).
    RecordAdvanceReturned,
    /// R17: the claimant adds or removes a file (附件) before the first decision; the status
    /// stays.
    ChangeAttachments,
}

impl Action for ClaimAction {
    fn as_str(self) -> &'static str {
        match self {
            ClaimAction::Submit => "submit",
            ClaimAction::Edit => "edit",
            ClaimAction::Delete => "delete",
            ClaimAction::Withdraw => "withdraw",
            ClaimAction::Amend => "amend",
            ClaimAction::Approve => "approve",
            ClaimAction::Reject => "reject",
            ClaimAction::Pay => "pay",
            ClaimAction::RecordAdvanceReturned => "record an advance returned on",
            ClaimAction::ChangeAttachments => "change the files of",
        }
    }
}

impl Status for ClaimStatus {
    type Action = ClaimAction;
    const WHAT: &'static str = "travel claim";
    const ALL: &'static [ClaimStatus] = &[
        ClaimStatus::Draft,
        ClaimStatus::Submitted,
        ClaimStatus::Approved,
        ClaimStatus::Rejected,
        ClaimStatus::Paid,
        ClaimStatus::Withdrawn,
    ];

    fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Draft => "draft",
            ClaimStatus::Submitted => "submitted",
            ClaimStatus::Approved => "approved",
            ClaimStatus::Rejected => "rejected",
            ClaimStatus::Paid => "paid",
            ClaimStatus::Withdrawn => "withdrawn",
        }
    }

    fn next(self, action: ClaimAction) -> Option<ClaimStatus> {
        use ClaimAction as A;
        use ClaimStatus as S;
        match (self, action) {
            (S::Draft, A::Submit) => Some(S::Submitted),
            (S::Draft, A::Edit | A::Delete) => Some(S::Draft),
            (S::Submitted, A::Withdraw) => Some(S::Withdrawn),
            (S::Rejected | S::Withdrawn, A::Amend) => Some(self),
            (S::Submitted, A::Approve) => Some(S::Approved),
            (S::Submitted | S::Approved, A::Reject) => Some(S::Rejected),
            (S::Approved, A::Pay) => Some(S::Paid),
            (S::Paid, A::RecordAdvanceReturned) => Some(S::Paid),
            (S::Draft | S::Submitted, A::ChangeAttachments) => Some(self),
            _ => None,
        }
    }
}

/// A claim as a refusal names it (R16): its status, and whether the traveller still owes the
/// return of an advance its travel request paid. A claim that owes nothing (its advance settled,
/// or its return recorded) is refused [`ClaimAction::RecordAdvanceReturned`] as `settled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimState {
    pub status: ClaimStatus,
    /// An advance return is owed and not yet recorded.
    pub owed: bool,
}

impl ClaimState {
    /// How a refusal names a claim that owes no advance return.
    pub const SETTLED: &'static str = "settled";

    /// The status `action` leads to, or the refusal naming the claim's state.
    pub fn apply(self, action: ClaimAction) -> Result<ClaimStatus, InvalidTransition> {
        let to = self.status.apply(action)?;
        if action == ClaimAction::RecordAdvanceReturned && !self.owed {
            return Err(InvalidTransition {
                from: Self::SETTLED,
                ..InvalidTransition::new(self.status, action)
            });
        }
        Ok(to)
    }
}

impl ClaimStatus {
    /// The name a person reads (web.md).
    pub fn chinese(self) -> &'static str {
        match self {
            ClaimStatus::Draft => "草稿",
            ClaimStatus::Submitted => "待审核",
            ClaimStatus::Approved => "已批准",
            ClaimStatus::Rejected => "已驳回",
            ClaimStatus::Paid => "已支付",
            ClaimStatus::Withdrawn => "已撤回",
        }
    }
}

/// A subsidy batch's status (R9): draft → approved → paid; draft or approved → void. A draft may
/// be regenerated; the treasury's payment file exists for an approved or paid batch. A paid
/// batch is final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BatchStatus {
    Draft,
    Approved,
    Paid,
    Void,
}

/// What finance does to a subsidy batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchAction {
    Regenerate,
    Approve,
    Pay,
    Void,
    /// The payment file for the treasury (代发); the status stays.
    PayOut,
}

impl Action for BatchAction {
    fn as_str(self) -> &'static str {
        match self {
            BatchAction::Regenerate => "regenerate",
            BatchAction::Approve => "approve",
            BatchAction::Pay => "pay",
            BatchAction::Void => "void",
            BatchAction::PayOut => "pay out",
        }
    }
}

impl Status for BatchStatus {
    type Action = BatchAction;
    const WHAT: &'static str = "subsidy batch";
    const ALL: &'static [BatchStatus] = &[
        BatchStatus::Draft,
        BatchStatus::Approved,
        BatchStatus::Paid,
        BatchStatus::Void,
    ];

    fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Draft => "draft",
            BatchStatus::Approved => "approved",
            BatchStatus::Paid => "paid",
            BatchStatus::Void => "void",
        }
    }

    fn next(self, action: BatchAction) -> Option<BatchStatus> {
        use BatchAction as A;
        use BatchStatus as S;
        match (self, action) {
            (S::Draft, A::Regenerate) => Some(S::Draft),
            (S::Draft, A::Approve) => Some(S::Approved),
            (S::Approved, A::Pay) => Some(S::Paid),
            (S::Draft | S::Approved, A::Void) => Some(S::Void),
            (S::Approved | S::Paid, A::PayOut) => Some(self),
            _ => None,
        }
    }
}

impl BatchStatus {
    /// The name a person reads (web.md).
    pub fn chinese(self) -> &'static str {
        match self {
            BatchStatus::Draft => "草稿",
            BatchStatus::Approved => "已批准",
            BatchStatus::Paid => "已支付",
            BatchStatus::Void => "已作废",
        }
    }
}

/// A travel request's status (R16): requested → approved or rejected; requested or approved →
/// cancelled by the requester. An approved request gets at most one advance and is named by at
/// most one live claim (conditions kept beside the status, see [`RequestState`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    Requested,
    Approved,
    Rejected,
    Cancelled,
}

/// What is done to a travel request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestAction {
    Approve,
    Reject,
    Cancel,
    /// Finance pays the advance (借款); the status stays approved.
    PayAdvance,
    /// A claim names the request; the status stays approved.
    NameInClaim,
}

impl Action for RequestAction {
    fn as_str(self) -> &'static str {
        match self {
            RequestAction::Approve => "approve",
            RequestAction::Reject => "reject",
            RequestAction::Cancel => "cancel",
            RequestAction::PayAdvance => "pay an advance on",
            RequestAction::NameInClaim => "name in this claim",
        }
    }
}

impl Status for RequestStatus {
    type Action = RequestAction;
    const WHAT: &'static str = "travel request";
    const ALL: &'static [RequestStatus] = &[
        RequestStatus::Requested,
        RequestStatus::Approved,
        RequestStatus::Rejected,
        RequestStatus::Cancelled,
    ];

    fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Requested => "requested",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Cancelled => "cancelled",
        }
    }

    fn next(self, action: RequestAction) -> Option<RequestStatus> {
        use RequestAction as A;
        use RequestStatus as S;
        match (self, action) {
            (S::Requested, A::Approve) => Some(S::Approved),
            (S::Requested, A::Reject) => Some(S::Rejected),
            (S::Requested | S::Approved, A::Cancel) => Some(S::Cancelled),
            (S::Approved, A::PayAdvance | A::NameInClaim) => Some(S::Approved),
            _ => None,
        }
    }
}

impl RequestStatus {
    /// The name a person reads (web.md).
    pub fn chinese(self) -> &'static str {
        match self {
            RequestStatus::Requested => "待审批",
            RequestStatus::Approved => "已批准",
            RequestStatus::Rejected => "已驳回",
            RequestStatus::Cancelled => "已撤回",
        }
    }
}

/// A travel request as a refusal names it (R16): an approved request that a live claim names
/// is `claimed` — it can no longer be cancelled, advanced or named again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestState {
    pub status: RequestStatus,
    /// A live (not rejected) claim names the request.
    pub claimed: bool,
}

impl RequestState {
    /// The status `action` leads to, or the refusal naming the request's state.
    pub fn apply(self, action: RequestAction) -> Result<RequestStatus, InvalidTransition> {
        self.status.next(action).ok_or_else(|| self.refusal(action))
    }

    /// `action` refused to the request as it stands.
    pub fn refusal(self, action: RequestAction) -> InvalidTransition {
        let mut refusal = InvalidTransition::new(self.status, action);
        if self.claimed && self.status == RequestStatus::Approved {
            refusal.from = "claimed";
        }
        refusal
    }
}

/// A budget adjustment's status (R14): requested → approved (the balances change) or rejected
/// (nothing changes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdjustmentStatus {
    Requested,
    Approved,
    Rejected,
}

/// What finance does to a budget adjustment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjustmentAction {
    Approve,
    Reject,
}

impl Action for AdjustmentAction {
    fn as_str(self) -> &'static str {
        match self {
            AdjustmentAction::Approve => "approve",
            AdjustmentAction::Reject => "reject",
        }
    }
}

impl Status for AdjustmentStatus {
    type Action = AdjustmentAction;
    const WHAT: &'static str = "budget adjustment";
    const ALL: &'static [AdjustmentStatus] = &[
        AdjustmentStatus::Requested,
        AdjustmentStatus::Approved,
        AdjustmentStatus::Rejected,
    ];

    fn as_str(self) -> &'static str {
        match self {
            AdjustmentStatus::Requested => "requested",
            AdjustmentStatus::Approved => "approved",
            AdjustmentStatus::Rejected => "rejected",
        }
    }

    fn next(self, action: AdjustmentAction) -> Option<AdjustmentStatus> {
        match (self, action) {
            (AdjustmentStatus::Requested, AdjustmentAction::Approve) => {
                Some(AdjustmentStatus::Approved)
            }
            (AdjustmentStatus::Requested, AdjustmentAction::Reject) => {
                Some(AdjustmentStatus::Rejected)
            }
            _ => None,
        }
    }
}

impl AdjustmentStatus {
    /// The name a person reads (web.md).
    pub fn chinese(self) -> &'static str {
        match self {
            AdjustmentStatus::Requested => "待审批",
            AdjustmentStatus::Approved => "已批准",
            AdjustmentStatus::Rejected => "已驳回",
        }
    }
}

/// Display, `TryFrom<String>` (how the database rows read a value) for every status, and for the
/// ledger's kinds ([`super::budget`]), each refusing unknown text with its own error.
macro_rules! text_forms {
    ($unknown:ident: $($status:ty),*) => {$(
        impl fmt::Display for $status {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $status {
            type Error = $unknown;
            fn try_from(text: String) -> Result<Self, $unknown> {
                <$status>::parse(&text).ok_or($unknown(text))
            }
        }
    )*};
}
pub(crate) use text_forms;

text_forms!(UnknownStatus: ClaimStatus, BatchStatus, RequestStatus, AdjustmentStatus);

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (status, action) pair against the table written out by hand.
    fn check<S: Status>(allowed: &[(S, S::Action, S)], actions: &[S::Action])
    where
        S::Action: PartialEq,
    {
        for &from in S::ALL {
            for &action in actions {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                match from.apply(action) {
                    Ok(to) => assert_eq!(Some(to), expected, "{from:?} {action:?}"),
                    Err(refusal) => {
                        assert_eq!(expected, None, "{from:?} {action:?}");
                        assert_eq!(refusal.what, S::WHAT);
                        assert_eq!(refusal.from, from.as_str());
                        assert_eq!(refusal.action, action.as_str());
                    }
                }
            }
        }
    }

    /// Nothing leads back to submitted but a draft's submission and a change of its files (which
    /// keeps the status): an approval answers with the history it read before its conditional
    /// write, and its own event
    /// ([`crate::services::claims::approve`]).
    #[test]
    fn claims_move_as_r11_and_r17_say() {
        use ClaimAction as A;
        use ClaimStatus as S;
        check(
            &[
                (S::Draft, A::Submit, S::Submitted),
                (S::Draft, A::Edit, S::Draft),
                (S::Draft, A::Delete, S::Draft),
                (S::Submitted, A::Withdraw, S::Withdrawn),
                (S::Rejected, A::Amend, S::Rejected),
                (S::Withdrawn, A::Amend, S::Withdrawn),
                (S::Submitted, A::Approve, S::Approved),
                (S::Submitted, A::Reject, S::Rejected),
                (S::Approved, A::Reject, S::Rejected),
                (S::Approved, A::Pay, S::Paid),
                (S::Paid, A::RecordAdvanceReturned, S::Paid),
                (S::Draft, A::ChangeAttachments, S::Draft),
                (S::Submitted, A::ChangeAttachments, S::Submitted),
            ],
            &[
                A::Submit,
                A::Edit,
                A::Delete,
                A::Withdraw,
                A::Amend,
                A::Approve,
                A::Reject,
                A::Pay,
                A::RecordAdvanceReturned,
                A::ChangeAttachments,
            ],
        );
    }

    /// R16: a paid claim that owes no advance return is refused as `settled`; one that owes
    /// it moves (its status stays paid); a claim not paid is refused by its status first.
    #[test]
    fn a_settled_claim_is_refused_the_return_by_its_state() {
        let action = ClaimAction::RecordAdvanceReturned;
        let paid = |owed| ClaimState {
            status: ClaimStatus::Paid,
            owed,
        };
        assert_eq!(paid(true).apply(action), Ok(ClaimStatus::Paid));
        assert_eq!(
            paid(false).apply(action),
            Err(InvalidTransition {
                what: "travel claim",
                from: "settled",
                action: "record an advance returned on",
            })
        );
        let approved = ClaimState {
            status: ClaimStatus::Approved,
            owed: true,
        };
        assert_eq!(approved.apply(action).map_err(|e| e.from), Err("approved"));
        let not_owed = ClaimState {
            status: ClaimStatus::Approved,
            owed: false,
        };
        assert_eq!(not_owed.apply(action).map_err(|e| e.from), Err("approved"));
    }

    #[test]
    fn batches_move_as_r9_says() {
        use BatchAction as A;
        use BatchStatus as S;
        check(
            &[
                (S::Draft, A::Regenerate, S::Draft),
                (S::Draft, A::Approve, S::Approved),
                (S::Draft, A::Void, S::Void),
                (S::Approved, A::Void, S::Void),
                (S::Approved, A::Pay, S::Paid),
                (S::Approved, A::PayOut, S::Approved),
                (S::Paid, A::PayOut, S::Paid),
            ],
            &[A::Regenerate, A::Approve, A::Pay, A::Void, A::PayOut],
        );
    }

    #[test]
    fn requests_move_as_r16_says() {
        use RequestAction as A;
        use RequestStatus as S;
        check(
            &[
                (S::Requested, A::Approve, S::Approved),
                (S::Requested, A::Reject, S::Rejected),
                (S::Requested, A::Cancel, S::Cancelled),
                (S::Approved, A::Cancel, S::Cancelled),
                (S::Approved, A::PayAdvance, S::Approved),
                (S::Approved, A::NameInClaim, S::Approved),
            ],
            &[
                A::Approve,
                A::Reject,
                A::Cancel,
                A::PayAdvance,
                A::NameInClaim,
            ],
        );
    }

    #[test]
    fn adjustments_move_as_r14_says() {
        use AdjustmentAction as A;
        use AdjustmentStatus as S;
        check(
            &[
                (S::Requested, A::Approve, S::Approved),
                (S::Requested, A::Reject, S::Rejected),
            ],
            &[A::Approve, A::Reject],
        );
    }

    #[test]
    fn a_claimed_request_is_refused_as_claimed() {
        let claimed = RequestState {
            status: RequestStatus::Approved,
            claimed: true,
        };
        let refusal = claimed.apply(RequestAction::Approve).err();
        assert_eq!(
            refusal,
            Some(InvalidTransition {
                what: "travel request",
                from: "claimed",
                action: "approve",
            })
        );
        let rejected = RequestState {
            status: RequestStatus::Rejected,
            claimed: true,
        };
        assert_eq!(
            rejected.apply(RequestAction::Cancel).map_err(|e| e.from),
            Err("rejected")
        );
    }

    #[test]
    fn the_texts_are_api_mds() {
        let texts = |all: &[&str]| all.join(",");
        let claims: Vec<&str> = ClaimStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            texts(&claims),
            "draft,submitted,approved,rejected,paid,withdrawn"
        );
        let batches: Vec<&str> = BatchStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(texts(&batches), "draft,approved,paid,void");
        assert_eq!(
            ClaimStatus::expected(),
            "one of draft, submitted, approved, rejected, paid, withdrawn"
        );
        assert_eq!(
            RequestStatus::expected(),
            "one of requested, approved, rejected, cancelled"
        );
        assert_eq!(ClaimStatus::parse("lost"), None);
        assert_eq!(
            BatchStatus::try_from("voided".to_string()),
            Err(UnknownStatus("voided".into()))
        );
    }

    mod round_trip {
        use super::super::*;
        use proptest::prelude::*;

        fn round_trips<S: Status + TryFrom<String> + fmt::Display>(i: usize) -> bool {
            let s = S::ALL[i % S::ALL.len()];
            S::parse(s.as_str()) == Some(s)
                && S::try_from(s.as_str().to_string()).ok() == Some(s)
                && s.to_string() == s.as_str()
        }

        proptest! {
            /// Every status reads back from the text it is stored and shown as.
            #[test]
            fn every_status_parses_from_its_text(i in 0usize..64) {
                prop_assert!(round_trips::<ClaimStatus>(i));
                prop_assert!(round_trips::<BatchStatus>(i));
                prop_assert!(round_trips::<RequestStatus>(i));
                prop_assert!(round_trips::<AdjustmentStatus>(i));
            }

            /// No other text is a status.
            #[test]
            fn other_texts_are_no_status(text in "\\PC{0,12}") {
                let known = ["submitted", "approved", "rejected", "paid", "draft", "void",
                    "requested", "cancelled", "withdrawn"];
                if !known.contains(&text.as_str()) {
                    prop_assert_eq!(ClaimStatus::parse(&text), None);
                    prop_assert_eq!(BatchStatus::parse(&text), None);
                    prop_assert_eq!(RequestStatus::parse(&text), None);
                    prop_assert_eq!(AdjustmentStatus::parse(&text), None);
                }
            }
        }
    }
}
