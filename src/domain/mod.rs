//! The rules of the service, pure: `std`, `Decimal` and `chrono` only (and `infer`'s file
//! signatures, read from bytes in memory, for [`attachment`], and `roxmltree` for the e-invoice
//! files of R19). Nothing here knows HTTP or SQL. Each type names the rule of `rules.md` it
//! implements.

pub mod approval;
pub mod attachment;
pub mod budget;
pub mod capitals;
pub mod credit_code;
pub mod duty;
pub mod einvoice;
pub mod invoice;
pub mod money;
pub mod payee;
pub mod performance;
pub mod policy;
pub mod problem;
pub mod status;
pub mod subsidy;
pub mod text;
pub mod travel;
pub mod travel_request;
pub mod voucher;
pub mod waiting;

pub use money::{Money, PositiveMoney};
pub use problem::{FieldProblem, TripPart};

/// A problem with one field of a request, named by its JSON path (`stays[1].check_out`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: FieldProblem,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: impl Into<FieldProblem>) -> FieldError {
        FieldError {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// The API's English for the problem.
    pub fn message(&self) -> String {
        self.problem.to_string()
    }
}
