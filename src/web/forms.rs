//! The travel-claim form: repeatable rows as the browser posts them (`stays-0-city`, …), turned
//! into the API's own request body so the same parser and rules judge both front doors.

use std::collections::{HashMap, HashSet};

use serde_json::{json, Map, Value};

use crate::domain::{FieldError, FieldProblem};
use crate::error::AppError;
use crate::routes::extract::parse_json;
use crate::wire::ClaimBody;

use super::format;

#[derive(Clone, Debug, Default)]
pub struct StayRow {
    pub city: String,
    pub check_in: String,
    pub check_out: String,
    pub amount: String,
    pub invoice: bool,
    /// R15 发票号码 and 发票代码, as typed.
    pub invoice_no: String,
    pub invoice_code: String,
}

#[derive(Clone, Debug, Default)]
pub struct TicketRow {
    pub description: String,
    pub amount: String,
    /// R15 发票号码 and 发票代码, as typed.
    pub invoice_no: String,
    pub invoice_code: String,
}

#[derive(Clone, Debug, Default)]
pub struct MealRow {
    pub date: String,
    pub breakfast: bool,
    pub lunch: bool,
    pub dinner: bool,
}

/// The form as typed, kept as text so it can be shown again exactly.
#[derive(Clone, Debug, Default)]
pub struct ClaimForm {
    pub csrf: String,
    pub action: String,
    /// R17: the draft this form continues, or empty for a new claim.
    pub draft_id: String,
    pub budget_line_id: String,
    /// R16: the approved travel request the claim settles, or empty.
    pub travel_request_id: String,
    pub purpose: String,
    pub destination: String,
    pub departure_date: String,
    pub return_date: String,
    pub stays: Vec<StayRow>,
    pub tickets: Vec<TicketRow>,
    pub meals: Vec<MealRow>,
    pub vehicles: Vec<String>,
    /// Problems shown beside their fields, by the input's id (`stays-0-invoice_no`).
    pub notes: Vec<Note>,
}

/// A problem shown beside its field; a duplicate invoice's note may link to the claim holding it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The id of the input it is about (`stays-0-invoice_no`, `purpose`).
    pub id: String,
    pub text: String,
    /// (href, label) of the claim holding the invoice, only when the user may see that claim.
    pub link: Option<(String, String)>,
}

/// At most this many rows of one kind (the API's own limits are higher).
const MAX_ROWS: usize = 60;

impl ClaimForm {
    /// A new form: one stay and two tickets (there and back) to start from.
    pub fn blank() -> ClaimForm {
        ClaimForm {
            stays: vec![StayRow {
                invoice: true,
                ..StayRow::default()
            }],
            tickets: vec![TicketRow::default(), TicketRow::default()],
            ..ClaimForm::default()
        }
    }

    /// Reads the posted pairs. Rows are numbered from 0; `stays-rows` says how many were shown.
    pub fn from_pairs(pairs: &[(String, String)]) -> ClaimForm {
        // A name's first value, and the names posted with a value, each looked up once.
        let mut first: HashMap<&str, &str> = HashMap::with_capacity(pairs.len());
        let mut given: HashSet<&str> = HashSet::with_capacity(pairs.len());
        for (k, v) in pairs {
            first.entry(k).or_insert(v);
            if !v.is_empty() {
                given.insert(k);
            }
        }
        let get = |key: &str| -> String { first.get(key).copied().unwrap_or_default().to_owned() };
        let has = |key: &str| given.contains(key);
        let rows = |kind: &str| -> usize {
            get(&format!("{kind}-rows"))
                .parse::<usize>()
                .unwrap_or(0)
                .min(MAX_ROWS)
        };
        let mut form = ClaimForm {
            csrf: get("csrf"),
            action: get("action"),
            draft_id: get("draft_id"),
            budget_line_id: get("budget_line_id"),
            travel_request_id: get("travel_request_id"),
            purpose: get("purpose"),
            destination: get("destination"),
            departure_date: get("departure_date"),
            return_date: get("return_date"),
            ..ClaimForm::default()
        };
        form.stays = (0..rows("stays"))
            .map(|i| StayRow {
                city: get(&format!("stays-{i}-city")),
                check_in: get(&format!("stays-{i}-check_in")),
                check_out: get(&format!("stays-{i}-check_out")),
                amount: get(&format!("stays-{i}-amount")),
                invoice: get(&format!("stays-{i}-invoice")) != "no",
                invoice_no: get(&format!("stays-{i}-invoice_no")),
                invoice_code: get(&format!("stays-{i}-invoice_code")),
            })
            .collect();
        form.tickets = (0..rows("tickets"))
            .map(|i| TicketRow {
                description: get(&format!("tickets-{i}-description")),
                amount: get(&format!("tickets-{i}-amount")),
                invoice_no: get(&format!("tickets-{i}-invoice_no")),
                invoice_code: get(&format!("tickets-{i}-invoice_code")),
            })
            .collect();
        form.meals = (0..rows("meals"))
            .map(|i| MealRow {
                date: get(&format!("meals-{i}-date")),
                breakfast: has(&format!("meals-{i}-breakfast")),
                lunch: has(&format!("meals-{i}-lunch")),
                dinner: has(&format!("meals-{i}-dinner")),
            })
            .collect();
        form.vehicles = (0..rows("vehicles"))
            .map(|i| get(&format!("vehicles-{i}-date")))
            .collect();
        form
    }

    /// Adds or removes a row when the action asks for it (`add-stays`, `remove-tickets-1`);
    /// returns whether it did (the form is then shown again, nothing else happens).
    pub fn edit_rows(&mut self) -> bool {
        let action = self.action.clone();
        if let Some(kind) = action.strip_prefix("add-") {
            match kind {
                "stays" if self.stays.len() < MAX_ROWS => self.stays.push(StayRow {
                    invoice: true,
                    ..StayRow::default()
                }),
                "tickets" if self.tickets.len() < MAX_ROWS => {
                    self.tickets.push(TicketRow::default())
                }
                "meals" if self.meals.len() < MAX_ROWS => self.meals.push(MealRow::default()),
                "vehicles" if self.vehicles.len() < MAX_ROWS => self.vehicles.push(String::new()),
                _ => {}
            }
            return true;
        }
        if let Some(rest) = action.strip_prefix("remove-") {
            if let Some((kind, index)) = rest.rsplit_once('-') {
                if let Ok(i) = index.parse::<usize>() {
                    match kind {
                        "stays" if i < self.stays.len() => {
                            self.stays.remove(i);
                        }
                        "tickets" if i < self.tickets.len() => {
                            self.tickets.remove(i);
                        }
                        "meals" if i < self.meals.len() => {
                            self.meals.remove(i);
                        }
                        "vehicles" if i < self.vehicles.len() => {
                            self.vehicles.remove(i);
                        }
                        _ => {}
                    }
                }
            }
            return true;
        }
        false
    }

    /// Which rows of each kind reach the API (blank ones are left out), in order: the API's
    /// `stays[i]` is the form's row `sent.stays[i]`.
    fn sent(&self) -> SentRows {
        let blank = |parts: &[&str]| parts.iter().all(|p| p.trim().is_empty());
        let kept = |flags: Vec<bool>| -> Vec<usize> {
            flags
                .into_iter()
                .enumerate()
                .filter_map(|(i, keep)| keep.then_some(i))
                .collect()
        };
        SentRows {
            stays: kept(
                self.stays
                    .iter()
                    .map(|s| {
                        !blank(&[
                            &s.city,
                            &s.check_in,
                            &s.check_out,
                            &s.amount,
                            &s.invoice_no,
                            &s.invoice_code,
                        ])
                    })
                    .collect(),
            ),
            tickets: kept(
                self.tickets
                    .iter()
                    .map(|t| !blank(&[&t.description, &t.amount, &t.invoice_no, &t.invoice_code]))
                    .collect(),
            ),
            meals: kept(self.meals.iter().map(|m| !blank(&[&m.date])).collect()),
            vehicles: kept(self.vehicles.iter().map(|d| !blank(&[d])).collect()),
        }
    }

    /// The API's request body. Blank rows are left out; the rest go to the same parser and
    /// validation as a JSON request, so a bad field is named the same way (by the API's row
    /// numbers: [`ClaimForm::in_form_terms`] turns them into the form's).
    pub fn to_body(&self) -> Result<ClaimBody, AppError> {
        parse_json::<ClaimBody>(self.to_json().to_string().as_bytes())
    }

    /// R17: the draft a form is: its body as JSON (blank rows left out, everything else as
    /// typed, unchecked), the body [`ClaimForm::to_body`] parses.
    pub fn to_json(&self) -> Value {
        let sent = self.sent();
        // R15: an invoice's number and code go in as typed (trimmed), and only when given.
        let invoice = |item: &mut Value, number: &str, code: &str| {
            if !number.trim().is_empty() {
                item["invoice_no"] = json!(number.trim());
            }
            if !code.trim().is_empty() {
                item["invoice_code"] = json!(code.trim());
            }
        };
        let stays: Vec<Value> = sent
            .stays
            .iter()
            .map(|&i| {
                let s = &self.stays[i];
                let mut item = json!({"city": s.city.trim(), "check_in": s.check_in.trim(), "check_out": s.check_out.trim(),
                       "lodging_amount": s.amount.trim(), "invoice": s.invoice});
                invoice(&mut item, &s.invoice_no, &s.invoice_code);
                item
            })
            .collect();
        let tickets: Vec<Value> = sent
            .tickets
            .iter()
            .map(|&i| {
                let t = &self.tickets[i];
                let mut item =
                    json!({"description": t.description.trim(), "amount": t.amount.trim()});
                invoice(&mut item, &t.invoice_no, &t.invoice_code);
                item
            })
            .collect();
        let meals: Vec<Value> = sent
            .meals
            .iter()
            .map(|&i| {
                let m = &self.meals[i];
                json!({"date": m.date.trim(), "breakfast": m.breakfast, "lunch": m.lunch, "dinner": m.dinner})
            })
            .collect();
        let vehicles: Vec<&str> = sent
            .vehicles
            .iter()
            .map(|&i| self.vehicles[i].trim())
            .collect();
        let line: Value = match self.budget_line_id.trim().parse::<i64>() {
            Ok(id) => json!(id),
            Err(_) => Value::Null,
        };
        let request: Value = match self.travel_request_id.trim().parse::<i64>() {
            Ok(id) => json!(id),
            Err(_) => Value::Null,
        };
        json!({
            "budget_line_id": line,
            "travel_request_id": request,
            "purpose": self.purpose.trim(),
            "destination": self.destination.trim(),
            "departure_date": self.departure_date.trim(),
            "return_date": self.return_date.trim(),
            "stays": stays,
            "tickets": tickets,
            "meals_provided": meals,
            "vehicle_provided_dates": vehicles,
        })
    }

    /// R17: the form filled in from draft `id`'s body (saved by this form, or any part of a claim
    /// body sent to the API): each value shown as saved, whatever its type; a row kind the draft
    /// has none of gets the blank form's rows.
    pub fn from_draft(id: i64, body: &Map<String, Value>) -> ClaimForm {
        fn text(value: Option<&Value>) -> String {
            match value {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            }
        }
        let flag = |value: Option<&Value>| value == Some(&Value::Bool(true));
        let rows = |key: &str| -> Vec<Map<String, Value>> {
            body.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .take(MAX_ROWS)
                .map(|row| row.as_object().cloned().unwrap_or_default())
                .collect()
        };
        fn or_blank<T>(rows: Vec<T>, blank: Vec<T>) -> Vec<T> {
            if rows.is_empty() {
                blank
            } else {
                rows
            }
        }
        let blank = ClaimForm::blank();
        ClaimForm {
            draft_id: id.to_string(),
            budget_line_id: text(body.get("budget_line_id")),
            travel_request_id: text(body.get("travel_request_id")),
            purpose: text(body.get("purpose")),
            destination: text(body.get("destination")),
            departure_date: text(body.get("departure_date")),
            return_date: text(body.get("return_date")),
            stays: or_blank(
                rows("stays")
                    .iter()
                    .map(|s| StayRow {
                        city: text(s.get("city")),
                        check_in: text(s.get("check_in")),
                        check_out: text(s.get("check_out")),
                        amount: text(s.get("lodging_amount")),
                        invoice: s.get("invoice") != Some(&Value::Bool(false)),
                        invoice_no: text(s.get("invoice_no")),
                        invoice_code: text(s.get("invoice_code")),
                    })
                    .collect(),
                blank.stays,
            ),
            tickets: or_blank(
                rows("tickets")
                    .iter()
                    .map(|t| TicketRow {
                        description: text(t.get("description")),
                        amount: text(t.get("amount")),
                        invoice_no: text(t.get("invoice_no")),
                        invoice_code: text(t.get("invoice_code")),
                    })
                    .collect(),
                blank.tickets,
            ),
            meals: rows("meals_provided")
                .iter()
                .map(|m| MealRow {
                    date: text(m.get("date")),
                    breakfast: flag(m.get("breakfast")),
                    lunch: flag(m.get("lunch")),
                    dinner: flag(m.get("dinner")),
                })
                .collect(),
            vehicles: body
                .get("vehicle_provided_dates")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .take(MAX_ROWS)
                .map(|d| text(Some(d)))
                .collect(),
            ..ClaimForm::default()
        }
    }

    /// A JSON path of the API's body (`tickets[0].invoice_no`) with the form's row number in
    /// place of the API's (`tickets[1].invoice_no` when the form's first ticket row was blank).
    fn form_path(&self, path: &str) -> String {
        let sent = self.sent();
        let kinds: [(&str, &[usize]); 4] = [
            ("stays", &sent.stays),
            ("tickets", &sent.tickets),
            ("meals_provided", &sent.meals),
            ("vehicle_provided_dates", &sent.vehicles),
        ];
        for (kind, rows) in kinds {
            let Some(rest) = path.strip_prefix(kind).and_then(|r| r.strip_prefix('[')) else {
                continue;
            };
            let Some((index, after)) = rest.split_once(']') else {
                continue;
            };
            let Some(&row) = index.parse::<usize>().ok().and_then(|i| rows.get(i)) else {
                continue;
            };
            return format!("{kind}[{row}]{after}");
        }
        path.to_string()
    }

    /// The error with every field it names (and the field an R15 "same invoice as" message
    /// names) numbered as the form's rows are, so that 住宿第2行 is the second row on screen.
    pub fn in_form_terms(&self, error: AppError) -> AppError {
        match error {
            AppError::Validation(errors) => AppError::Validation(
                errors
                    .into_iter()
                    .map(|e| {
                        let problem = match e.problem {
                            FieldProblem::SameInvoiceAs { field } => FieldProblem::SameInvoiceAs {
                                field: self.form_path(&field),
                            },
                            other => other,
                        };
                        FieldError::new(self.form_path(&e.field), problem)
                    })
                    .collect(),
            ),
            AppError::InvalidRequest {
                status,
                detail,
                field: Some(f),
                problem,
            } => AppError::InvalidRequest {
                status,
                detail,
                field: Some(self.form_path(&f)),
                problem,
            },
            AppError::UnknownCity {
                field,
                name,
                known,
                known_names,
            } => AppError::UnknownCity {
                field: self.form_path(&field),
                name,
                known,
                known_names,
            },
            AppError::DuplicateInvoice { claim_id, field } => AppError::DuplicateInvoice {
                claim_id,
                field: self.form_path(&field),
            },
            other => other,
        }
    }

    /// Puts each field problem of `error` (already [`in_form_terms`](Self::in_form_terms))
    /// beside its input. `holder_visible` says whether a duplicate invoice's holding claim may be
    /// linked to: only its owner, finance, budget holders and admins may open it.
    pub fn place(&mut self, error: &AppError, holder_visible: bool) {
        let mut notes = Vec::new();
        match error {
            AppError::Validation(errors) => {
                for e in errors {
                    notes.push((e.field.clone(), format::problem(&e.problem), None));
                }
            }
            AppError::InvalidRequest {
                field: Some(f),
                problem,
                ..
            } => notes.push((f.clone(), format::unreadable(problem.as_deref()), None)),
            AppError::UnknownCity { field, .. } => {
                notes.push((field.clone(), format::city(error), None));
            }
            AppError::NoPolicyInForce { field, .. } => {
                notes.push((field.to_string(), format::refusal(error), None));
            }
            AppError::DuplicateInvoice { claim_id, field } => {
                let (text, link) = match claim_id {
                    Some(id) => (
                        format!("该发票已在报销单 #{id} 中报销"),
                        holder_visible
                            .then(|| (format!("/claims/{id}"), format!("查看报销单 #{id}"))),
                    ),
                    None => ("该发票已在另一张报销单中报销".to_string(), None),
                };
                notes.push((field.clone(), text, link));
            }
            _ => {}
        }
        self.notes = notes
            .into_iter()
            .filter_map(|(path, text, link)| {
                Some(Note {
                    id: input_id(&path)?,
                    text,
                    link,
                })
            })
            .collect();
    }

    /// The note beside the input with this id, if any.
    pub fn note(&self, id: &str) -> Option<&Note> {
        self.notes.iter().find(|n| n.id == id)
    }

    /// The note beside a row's input: `row_note("stays", 0, "invoice_no")`.
    pub fn row_note(&self, kind: &str, row: impl std::fmt::Display, name: &str) -> Option<&Note> {
        self.note(&format!("{kind}-{row}-{name}"))
    }
}

/// The rows of each kind sent to the API, by their index in the form.
struct SentRows {
    stays: Vec<usize>,
    tickets: Vec<usize>,
    meals: Vec<usize>,
    vehicles: Vec<usize>,
}

/// The id of the form's input for a (form-numbered) JSON path: `stays[0].lodging_amount` →
/// `stays-0-amount`, `vehicle_provided_dates[1]` → `vehicles-1-date`; `None` for a path no
/// single input holds.
fn input_id(path: &str) -> Option<String> {
    let top = [
        "purpose",
        "destination",
        "budget_line_id",
        "travel_request_id",
        "departure_date",
        "return_date",
    ];
    if top.contains(&path) {
        return Some(path.to_string());
    }
    let (kind, rest) = path.split_once('[')?;
    let (index, after) = rest.split_once(']')?;
    let row = index.parse::<usize>().ok()?;
    let name = after.strip_prefix('.').unwrap_or(after);
    let (kind, name) = match (kind, name) {
        ("stays", "lodging_amount") => ("stays", "amount"),
        (
            "stays",
            n @ ("city" | "check_in" | "check_out" | "invoice" | "invoice_no" | "invoice_code"),
        ) => ("stays", n),
        ("tickets", n @ ("description" | "amount" | "invoice_no" | "invoice_code")) => {
            ("tickets", n)
        }
        ("meals_provided", "" | "date") => ("meals", "date"),
        ("vehicle_provided_dates", "") => ("vehicles", "date"),
        _ => return None,
    };
    Some(format!("{kind}-{row}-{name}"))
}

/// A form's one field (a reason, the day something was paid or returned on) read as the API
/// reads the body `{field: typed}`: by the same rules, with the same refusal.
pub fn one_field<B>(field: &str, typed: &str) -> Result<B, AppError>
where
    B: serde::de::DeserializeOwned + validator::Validate,
{
    parse_json::<B>(json!({ field: typed.trim() }).to_string().as_bytes())
}

/// A reject form's reason, checked by the API's own rules for `{"reason"}` (claims, requests and
/// adjustments alike).
pub fn reject_reason(text: &str) -> Result<String, AppError> {
    one_field::<crate::wire::RejectBody>("reason", text)
        .map(|body| body.reason)
        .map_err(|_| {
            AppError::field(
                "reason",
                FieldProblem::Length {
                    min: Some(1),
                    max: Some(500),
                    items: false,
                },
            )
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rows_are_read_in_order_and_blank_ones_left_out() {
        let form = ClaimForm::from_pairs(&pairs(&[
            ("purpose", "赴省汇报"),
            ("destination", "石家庄"),
            ("departure_date", "2021-05-10"),
            ("return_date", "2021-05-12"),
            ("stays-rows", "1"),
            ("stays-0-city", "石家庄"),
            ("stays-0-check_in", "2021-05-10"),
            ("stays-0-check_out", "2021-05-12"),
            ("stays-0-amount", "680"),
            ("stays-0-invoice", "yes"),
            ("tickets-rows", "3"),
            ("tickets-0-description", "去"),
            ("tickets-0-amount", "65.50"),
            ("tickets-2-description", "回"),
            ("tickets-2-amount", "65.5"),
            ("meals-rows", "1"),
            ("meals-0-date", "2021-05-11"),
            ("meals-0-lunch", "on"),
        ]));
        assert_eq!(form.tickets.len(), 3);
        assert!(form.meals[0].lunch && !form.meals[0].dinner);
        let body = form.to_body().unwrap();
        assert_eq!(body.tickets.as_ref().map(Vec::len), Some(2));
        assert_eq!(body.stays.as_ref().map(Vec::len), Some(1));
        assert_eq!(body.budget_line_id, None);
        assert!(crate::domain::travel::TripInput::try_from(body).is_ok());
    }

    #[test]
    fn a_bad_date_is_named_like_the_api_names_it() {
        let form = ClaimForm::from_pairs(&pairs(&[
            ("purpose", "x"),
            ("destination", "邢台"),
            ("departure_date", "2021-5-1"),
            ("return_date", "2021-05-01"),
        ]));
        match form.to_body() {
            Err(AppError::InvalidRequest { field, .. }) => {
                assert_eq!(field.as_deref(), Some("departure_date"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invoices_reach_the_api_body_and_its_errors_come_back_beside_the_form_row() {
        let mut form = ClaimForm::from_pairs(&pairs(&[
            ("purpose", "x"),
            ("destination", "石家庄"),
            ("departure_date", "2021-05-10"),
            ("return_date", "2021-05-12"),
            ("stays-rows", "1"),
            ("stays-0-city", "石家庄"),
            ("stays-0-check_in", "2021-05-10"),
            ("stays-0-check_out", "2021-05-12"),
            ("stays-0-amount", "680"),
            ("stays-0-invoice_no", " 12345678 "),
            ("stays-0-invoice_code", "1300204130"),
            ("tickets-rows", "3"),
            ("tickets-1-description", "去"),
            ("tickets-1-amount", "65.50"),
            ("tickets-1-invoice_no", "24112000000012345678"),
            ("tickets-2-description", "回"),
            ("tickets-2-amount", "65.50"),
            ("tickets-2-invoice_no", "24112000000012345678"),
        ]));
        let body = form.to_body().unwrap();
        let stay = &body.stays.as_ref().unwrap()[0];
        assert_eq!(stay.invoice_no.as_deref(), Some("12345678"));
        assert_eq!(stay.invoice_code.as_deref(), Some("1300204130"));
        assert_eq!(body.tickets.as_ref().unwrap()[0].invoice_code, None);
        // The API numbers the tickets it was sent (the blank first row was not); the form's
        // rows are numbered as shown.
        let error = body.invoices().unwrap_err();
        let error = form.in_form_terms(error);
        assert_eq!(
            format::refusal(&error),
            "城市间交通第3行「发票号码」：与城市间交通第2行「发票号码」是同一张发票"
        );
        form.place(&error, false);
        let note = form.row_note("tickets", 2, "invoice_no").unwrap();
        assert_eq!(note.id, "tickets-2-invoice_no");
        assert_eq!(note.text, "与城市间交通第2行「发票号码」是同一张发票");

        let duplicate = form.in_form_terms(AppError::DuplicateInvoice {
            claim_id: Some(7),
            field: "tickets[0].invoice_no".into(),
        });
        form.place(&duplicate, true);
        let note = form.row_note("tickets", 1, "invoice_no").unwrap();
        assert_eq!(note.text, "该发票已在报销单 #7 中报销");
        assert_eq!(
            note.link,
            Some(("/claims/7".to_string(), "查看报销单 #7".to_string()))
        );
        form.place(&duplicate, false);
        assert_eq!(
            form.row_note("tickets", 1, "invoice_no").unwrap().link,
            None
        );
        assert!(form.row_note("tickets", 2, "invoice_no").is_none());
    }

    #[test]
    fn a_row_with_only_an_invoice_number_is_sent_and_refused() {
        let form = ClaimForm::from_pairs(&pairs(&[
            ("purpose", "x"),
            ("destination", "邢台"),
            ("departure_date", "2021-05-10"),
            ("return_date", "2021-05-10"),
            ("tickets-rows", "1"),
            ("tickets-0-invoice_no", "12345678"),
        ]));
        match form
            .to_body()
            .and_then(crate::domain::travel::TripInput::try_from)
        {
            Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, "tickets[0].amount"),
            other => panic!("{other:?}"),
        }
    }

    /// R17: a form saved as a draft comes back as it was typed, mistakes and all, blank rows
    /// left out.
    #[test]
    fn a_draft_gives_back_the_form_as_typed() {
        let typed = ClaimForm::from_pairs(&pairs(&[
            ("budget_line_id", "12"),
            ("purpose", "赴省汇报"),
            ("departure_date", "2021-13-01"),
            ("stays-rows", "2"),
            ("stays-1-city", "石家庄"),
            ("stays-1-amount", "六百"),
            ("stays-1-invoice", "no"),
            ("tickets-rows", "1"),
            ("tickets-0-amount", "65.5"),
            ("meals-rows", "1"),
            ("meals-0-date", "2021-05-11"),
            ("meals-0-lunch", "on"),
            ("vehicles-rows", "1"),
            ("vehicles-0-date", "2021-05-12"),
        ]));
        let Value::Object(body) = typed.to_json() else {
            panic!("a draft is an object")
        };
        let back = ClaimForm::from_draft(7, &body);
        assert_eq!(back.draft_id, "7");
        assert_eq!(back.budget_line_id, "12");
        assert_eq!(back.departure_date, "2021-13-01");
        assert_eq!(back.stays.len(), 1);
        assert_eq!(back.stays[0].amount, "六百");
        assert!(!back.stays[0].invoice);
        assert_eq!(back.tickets[0].amount, "65.5");
        assert!(back.meals[0].lunch && !back.meals[0].dinner);
        assert_eq!(back.vehicles, ["2021-05-12"]);
        // A draft from the API with numbers where the form has text, and no rows at all.
        let sent = json!({"budget_line_id": 3, "purpose": 5, "tickets": [{"amount": 65.5}]});
        let from_api = ClaimForm::from_draft(8, sent.as_object().unwrap());
        assert_eq!(
            (from_api.budget_line_id.as_str(), from_api.purpose.as_str()),
            ("3", "5")
        );
        assert_eq!(from_api.tickets[0].amount, "65.5");
        assert_eq!(from_api.stays.len(), 1, "the blank form's stay row");
    }

    #[test]
    fn rows_are_added_and_removed() {
        let mut form = ClaimForm::blank();
        form.action = "add-meals".into();
        assert!(form.edit_rows());
        assert_eq!(form.meals.len(), 1);
        form.action = "remove-tickets-0".into();
        assert!(form.edit_rows());
        assert_eq!(form.tickets.len(), 1);
        form.action = "submit".into();
        assert!(!form.edit_rows());
    }
}
