//! Retired-cadre subsidy (R9): recipients, enrollments and semiannual batches.

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{iso, missing_field, AmountInput, Problems};
use crate::domain::payee::{BankAccount, BankName, IdNumber, PayeeDetails};
use crate::domain::subsidy::{Enrollment, Half};
use crate::domain::FieldProblem;
use crate::error::AppError;
use crate::services::subsidy::{NewBatchSpec, NewRecipientSpec, RecipientChange};

/// A field that may be left out, given, or given as null: `None`, `Some(Some(v))`, `Some(None)`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// One payment detail as given: parsed by `parse`, its problem noted under `field`.
fn detail<T>(
    p: &mut Problems,
    given: Option<&str>,
    field: &str,
    parse: fn(&str) -> Result<T, FieldProblem>,
) -> Option<T> {
    match parse(given?) {
        Ok(value) => Some(value),
        Err(problem) => {
            p.push(field, problem);
            None
        }
    }
}

/// `POST /api/v1/subsidy-recipients` (R9).
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct RecipientBody {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    /// Absent: each month earns the policy's `subsidy_monthly_amount` in force on its first day.
    #[schema(value_type = Option<String>, example = "1100.00")]
    pub monthly_amount: Option<AmountInput>,
    #[serde(deserialize_with = "iso::date")]
    pub enrolled_from: NaiveDate,
    #[serde(default, deserialize_with = "iso::opt_date")]
    pub enrolled_until: Option<NaiveDate>,
    /// 身份证号: 17 digits and the check character (GB 11643; a lower-case x is read as X).
    /// Optional, as are the bank and the account; the payment file needs all three.
    #[schema(example = "11010519491231002X")]
    #[serde(default)]
    pub id_number: Option<String>,
    /// 开户行: one line of 1 to 60 characters.
    #[serde(default)]
    pub bank_name: Option<String>,
    /// 账号: 8 to 32 digits; spaces between groups are dropped.
    #[schema(example = "6222 0202 0001 2345")]
    #[serde(default)]
    pub bank_account: Option<String>,
}

impl TryFrom<RecipientBody> for NewRecipientSpec {
    type Error = AppError;

    /// The own amount, when given, more than 0.00 (R1); the enrollment never ends before it
    /// starts (R9).
    fn try_from(b: RecipientBody) -> Result<NewRecipientSpec, AppError> {
        let mut p = Problems::default();
        let monthly = p.optional_positive_amount(b.monthly_amount.as_ref(), "monthly_amount");
        let enrollment = Enrollment::new(b.enrolled_from, b.enrolled_until).unwrap_or_else(|| {
            p.push(
                "enrolled_until",
                FieldProblem::Before {
                    field: "enrolled_until",
                    other: "enrolled_from",
                    other_on: b.enrolled_from,
                },
            );
            Enrollment::open(b.enrolled_from)
        });
        let payee = PayeeDetails {
            id_number: detail(&mut p, b.id_number.as_deref(), "id_number", IdNumber::parse),
            bank_name: detail(&mut p, b.bank_name.as_deref(), "bank_name", BankName::parse),
            bank_account: detail(
                &mut p,
                b.bank_account.as_deref(),
                "bank_account",
                BankAccount::parse,
            ),
        };
        p.finish(NewRecipientSpec {
            name: b.name,
            monthly,
            enrollment,
            payee,
        })
    }
}

/// `PATCH /api/v1/subsidy-recipients/{id}`: the end of the enrollment (null reopens it) and the
/// payment details (null clears one); what is left out stays as it is, and at least one is given.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct RecipientPatch {
    #[serde(default, deserialize_with = "iso::present_opt_date")]
    #[schema(value_type = Option<NaiveDate>)]
    pub enrolled_until: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub id_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub bank_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub bank_account: Option<Option<String>>,
}

impl TryFrom<RecipientPatch> for RecipientChange {
    type Error = AppError;

    /// Each field given is parsed as on enrollment; 422 when none is given.
    fn try_from(patch: RecipientPatch) -> Result<RecipientChange, AppError> {
        if patch.enrolled_until.is_none()
            && patch.id_number.is_none()
            && patch.bank_name.is_none()
            && patch.bank_account.is_none()
        {
            return Err(missing_field(
                "enrolled_until",
                " (null reopens the enrollment), or id_number, bank_name or bank_account",
            ));
        }
        let mut p = Problems::default();
        let id_number = changed(&mut p, patch.id_number, "id_number", IdNumber::parse);
        let bank_name = changed(&mut p, patch.bank_name, "bank_name", BankName::parse);
        let bank_account = changed(
            &mut p,
            patch.bank_account,
            "bank_account",
            BankAccount::parse,
        );
        p.finish(RecipientChange {
            enrolled_until: patch.enrolled_until,
            id_number,
            bank_name,
            bank_account,
        })
    }
}

/// A payment detail of a patch: left out (`None`), cleared (`Some(None)`) or given and parsed.
fn changed<T>(
    p: &mut Problems,
    value: Option<Option<String>>,
    field: &str,
    parse: fn(&str) -> Result<T, FieldProblem>,
) -> Option<Option<T>> {
    match value? {
        None => Some(None),
        Some(text) => detail(p, Some(&text), field, parse).map(Some),
    }
}

/// `POST /api/v1/subsidy-batches`.
#[derive(Clone, Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct BatchBody {
    pub budget_line_id: i64,
    #[validate(range(min = 2000, max = 2100))]
    pub year: i32,
    /// 1 (January–June) or 2 (July–December).
    #[validate(range(min = 1, max = 2))]
    pub half: i32,
    #[serde(default)]
    pub supplementary: bool,
}

impl TryFrom<BatchBody> for NewBatchSpec {
    type Error = AppError;

    fn try_from(b: BatchBody) -> Result<NewBatchSpec, AppError> {
        let mut p = Problems::default();
        let half = Half::from_number(b.half).unwrap_or_else(|| {
            p.push(
                "half",
                FieldProblem::OutOfRange {
                    min: 1,
                    max: 2,
                    english: "1 or 2",
                },
            );
            Half::H1
        });
        p.finish(NewBatchSpec {
            budget_line_id: b.budget_line_id,
            year: b.year,
            half,
            supplementary: b.supplementary,
        })
    }
}
