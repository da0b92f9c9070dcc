//! The travel-claim form: repeatable rows as the browser posts them (`stays-0-city`, …), turned
//! into the API's own request body so the same parser and rules judge both front doors.

use serde_json::{json, Value};

use crate::error::AppError;
use crate::routes::extract::parse_json;
use crate::wire::ClaimBody;

#[derive(Clone, Debug, Default)]
pub struct StayRow {
    pub city: String,
    pub check_in: String,
    pub check_out: String,
    pub amount: String,
    pub invoice: bool,
}

#[derive(Clone, Debug, Default)]
pub struct TicketRow {
    pub description: String,
    pub amount: String,
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
        let get = |key: &str| -> String {
            pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let has = |key: &str| pairs.iter().any(|(k, v)| k == key && !v.is_empty());
        let rows = |kind: &str| -> usize {
            get(&format!("{kind}-rows"))
                .parse::<usize>()
                .unwrap_or(0)
                .min(MAX_ROWS)
        };
        let mut form = ClaimForm {
            csrf: get("csrf"),
            action: get("action"),
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
            })
            .collect();
        form.tickets = (0..rows("tickets"))
            .map(|i| TicketRow {
                description: get(&format!("tickets-{i}-description")),
                amount: get(&format!("tickets-{i}-amount")),
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

    /// True until both trip dates are filled in: no quote is worth showing before.
    pub fn too_early_to_quote(&self) -> bool {
        self.departure_date.trim().is_empty() || self.return_date.trim().is_empty()
    }

    /// The API's request body. Blank rows are left out; the rest go to the same parser and
    /// validation as a JSON request, so a bad field is named the same way.
    pub fn to_body(&self) -> Result<ClaimBody, AppError> {
        let blank = |parts: &[&str]| parts.iter().all(|p| p.trim().is_empty());
        let stays: Vec<Value> = self
            .stays
            .iter()
            .filter(|s| !blank(&[&s.city, &s.check_in, &s.check_out, &s.amount]))
            .map(|s| {
                json!({"city": s.city.trim(), "check_in": s.check_in.trim(), "check_out": s.check_out.trim(),
                       "lodging_amount": s.amount.trim(), "invoice": s.invoice})
            })
            .collect();
        let tickets: Vec<Value> = self
            .tickets
            .iter()
            .filter(|t| !blank(&[&t.description, &t.amount]))
            .map(|t| json!({"description": t.description.trim(), "amount": t.amount.trim()}))
            .collect();
        let meals: Vec<Value> = self
            .meals
            .iter()
            .filter(|m| !blank(&[&m.date]))
            .map(|m| json!({"date": m.date.trim(), "breakfast": m.breakfast, "lunch": m.lunch, "dinner": m.dinner}))
            .collect();
        let vehicles: Vec<&str> = self
            .vehicles
            .iter()
            .map(|d| d.trim())
            .filter(|d| !d.is_empty())
            .collect();
        let line: Value = match self.budget_line_id.trim().parse::<i64>() {
            Ok(id) => json!(id),
            Err(_) => Value::Null,
        };
        let request: Value = match self.travel_request_id.trim().parse::<i64>() {
            Ok(id) => json!(id),
            Err(_) => Value::Null,
        };
        let body = json!({
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
        });
        parse_json::<ClaimBody>(body.to_string().as_bytes())
    }
}

/// A reject form's reason, checked by the API's own rules for `{"reason"}` (claims, requests and
/// adjustments alike).
pub fn reject_reason(text: &str) -> Result<String, AppError> {
    parse_json::<crate::wire::RejectBody>(json!({ "reason": text.trim() }).to_string().as_bytes())
        .map(|body| body.reason)
        .map_err(|_| AppError::field("reason", "请填写驳回理由（500 字以内）"))
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
