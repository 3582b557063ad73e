//! What companies and planners send, checked field by field with every
//! problem reported at once; and the workflow's rules. The database's
//! CHECKs (migration `2026-11-22-000004_enquiries`) mirror these rules.

use serde_json::{Map, Value};
use strum::VariantNames;
use uuid::Uuid;

use super::wire::EnquiryStatus;
use crate::contact::{check_email, check_phone};
use crate::error::FieldError;
use crate::html::i18n::Lang;

/// The fields of a new enquiry.
pub const ENQUIRY_FIELDS: &[&str] = &[
    "plot_id",
    "name",
    "company",
    "organisation_number",
    "email",
    "phone",
    "message",
    "needs",
    "lang",
];

/// The fields of a change to an enquiry.
pub const CHANGE_FIELDS: &[&str] = &["status", "assigned_to", "note"];

/// Longest message, in characters.
pub const MESSAGE_MAX: usize = 5000;
/// Longest note, in characters.
pub const NOTE_MAX: usize = 2000;

/// A new enquiry that passed the checks: text trimmed, the organisation
/// number as 9 digits.
#[derive(Debug, Clone, PartialEq)]
pub struct EnquiryInput {
    pub plot_id: Option<Uuid>,
    pub name: String,
    pub company: String,
    pub organisation_number: String,
    pub email: String,
    pub phone: Option<String>,
    pub message: String,
    pub needs: Option<Value>,
    /// The language the company asked in, if it said (`lang`); otherwise
    /// the request's decides.
    pub lang: Option<Lang>,
}

/// Checks a new enquiry. The plot, if named, is checked against the
/// register by the caller (its errors join these).
pub fn check_enquiry(body: &Value) -> (Option<EnquiryInput>, Vec<FieldError>) {
    let Some(object) = body.as_object() else {
        return (
            None,
            vec![FieldError::new(
                "body",
                format!("must be a JSON object with {}", ENQUIRY_FIELDS.join(", ")),
            )],
        );
    };
    let mut errors = unknown_fields(object, ENQUIRY_FIELDS, "an enquiry");
    let mut field =
        |name: &str, check: &dyn Fn(&Value) -> Result<Value, String>, required| match object
            .get(name)
        {
            None | Some(Value::Null) if required => {
                errors.push(FieldError::new(name, "is required"));
                None
            }
            None | Some(Value::Null) => Some(Value::Null),
            Some(value) => match check(value) {
                Ok(v) => Some(v),
                Err(reason) => {
                    errors.push(FieldError::new(name, reason));
                    None
                }
            },
        };
    let plot_id = field("plot_id", &|v| uuid(v, "a plot id"), false);
    let name = field("name", &|v| text(v, 200), true);
    let company = field("company", &|v| text(v, 200), true);
    let organisation_number = field(
        "organisation_number",
        &|v| {
            let s = as_text(v)?;
            check_organisation_number(s).map(Value::String)
        },
        true,
    );
    let email = field(
        "email",
        &|v| {
            let s = as_text(v)?.trim();
            check_email(s).map(|()| Value::String(s.to_owned()))
        },
        true,
    );
    let phone = field(
        "phone",
        &|v| {
            let s = as_text(v)?.trim();
            check_phone(s).map(|()| Value::String(s.to_owned()))
        },
        false,
    );
    let message = field("message", &|v| text(v, MESSAGE_MAX), true);
    let needs = field("needs", &check_needs, false);
    let lang = field(
        "lang",
        &|v| {
            let s = as_text(v)?;
            Lang::parse(s)
                .map(|lang| Value::String(lang.tag().to_owned()))
                .ok_or_else(|| format!("`{s}` is not a language of the replies: nb or en"))
        },
        false,
    );
    if !errors.is_empty() {
        return (None, errors);
    }
    let string = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let input = EnquiryInput {
        plot_id: string(plot_id).and_then(|s| Uuid::parse_str(&s).ok()),
        name: string(name).unwrap_or_default(),
        company: string(company).unwrap_or_default(),
        organisation_number: string(organisation_number).unwrap_or_default(),
        email: string(email).unwrap_or_default(),
        phone: string(phone),
        message: string(message).unwrap_or_default(),
        needs: needs.filter(|v| !v.is_null()),
        lang: string(lang).as_deref().and_then(Lang::parse),
    };
    (Some(input), errors)
}

/// A change to an enquiry, as parsed: `None` for what it leaves alone;
/// `assigned_to: Some(None)` takes the enquiry from whoever had it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    pub status: Option<EnquiryStatus>,
    pub assigned_to: Option<Option<String>>,
    pub note: Option<String>,
}

/// Checks a change. Whatever parsed is returned with the errors, so that
/// the checks that need the database (does the key exist?) can add theirs.
pub fn check_change(body: &Value) -> (Change, Vec<FieldError>) {
    let mut change = Change::default();
    let Some(object) = body.as_object() else {
        return (
            change,
            vec![FieldError::new(
                "body",
                "must be a JSON object with any of status, assigned_to, note",
            )],
        );
    };
    let mut errors = unknown_fields(object, CHANGE_FIELDS, "a change to an enquiry");
    if !object.keys().any(|k| CHANGE_FIELDS.contains(&k.as_str())) {
        errors.push(FieldError::new(
            "body",
            "changes nothing: give status, assigned_to or note",
        ));
    }
    match object.get("status") {
        None => {}
        Some(value) => match as_text(value).and_then(|s| {
            s.parse::<EnquiryStatus>()
                .map_err(|_| format!("`{s}` is not one of {}", EnquiryStatus::VARIANTS.join(", ")))
        }) {
            Ok(status) => change.status = Some(status),
            Err(reason) => errors.push(FieldError::new("status", reason)),
        },
    }
    match object.get("assigned_to") {
        None => {}
        Some(Value::Null) => change.assigned_to = Some(None),
        Some(value) => {
            match as_text(value)
                .and_then(|s| crate::keys::store::check_name(s).map(|()| s.to_owned()))
            {
                Ok(name) => change.assigned_to = Some(Some(name)),
                Err(reason) => errors.push(FieldError::new("assigned_to", reason)),
            }
        }
    }
    match object.get("note") {
        None | Some(Value::Null) => {}
        Some(value) => match text(value, NOTE_MAX) {
            Ok(Value::String(note)) => change.note = Some(note),
            Ok(_) => {}
            Err(reason) => errors.push(FieldError::new("note", reason)),
        },
    }
    (change, errors)
}

/// Whether an enquiry may move from `from` to `to` (`from != to`).
pub fn check_transition(from: EnquiryStatus, to: EnquiryStatus) -> Result<(), String> {
    use EnquiryStatus::*;
    let allowed = match from {
        New => matches!(to, InProgress | Closed),
        InProgress => matches!(to, Answered | Closed),
        // The company follows up: work on it again.
        Answered => matches!(to, Closed | InProgress),
        // Reopening.
        Closed => to == InProgress,
    };
    if allowed {
        return Ok(());
    }
    let from_here = match from {
        New => "in_progress or closed",
        InProgress => "answered or closed",
        Answered => "closed, or in_progress for a follow-up",
        Closed => "in_progress (reopening, with a note)",
    };
    Err(format!(
        "an enquiry cannot go from {} to {}; from {} it goes to {from_here}",
        from.as_ref(),
        to.as_ref(),
        from.as_ref()
    ))
}

/// Whether moving from `from` to `to` needs a note: answering, closing and
/// reopening say what was answered or why.
pub fn needs_note(from: EnquiryStatus, to: EnquiryStatus) -> bool {
    from != to
        && (matches!(to, EnquiryStatus::Answered | EnquiryStatus::Closed)
            || from == EnquiryStatus::Closed)
}

/// A Norwegian organisation number: 9 digits (spaces dropped), the last a
/// MOD11 check digit over the first 8 with weights 3, 2, 7, 6, 5, 4, 3, 2:
/// 11 − (sum mod 11), where 11 means 0 and 10 means no such number exists.
/// Returns the 9 digits.
pub fn check_organisation_number(given: &str) -> Result<String, String> {
    let digits: String = given.chars().filter(|c| *c != ' ').collect();
    if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{given}` is not an organisation number: 9 digits, e.g. 974 760 673"
        ));
    }
    const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];
    let value = |b: u8| u32::from(b - b'0');
    let bytes = digits.as_bytes();
    let sum: u32 = WEIGHTS.iter().zip(bytes).map(|(w, b)| w * value(*b)).sum();
    let check = match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        c => Some(c),
    };
    if check == Some(value(bytes[8])) {
        Ok(digits)
    } else {
        Err(format!(
            "`{given}` is not an organisation number: its check digit is wrong (a typing error?)"
        ))
    }
}

fn check_needs(value: &Value) -> Result<Value, String> {
    if !value.is_object() {
        return Err(format!(
            "must be a JSON object (the needs of POST /collections/plots/match), got {}",
            describe(value)
        ));
    }
    let needs: crate::matching::needs::Needs = serde_json::from_value(value.clone())
        .map_err(|e| format!("is not a statement of needs as site matching takes it: {e}"))?;
    needs.check().map_err(|errors| {
        errors
            .iter()
            .map(|e| format!("{}: {}", e.name, e.reason))
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    Ok(value.clone())
}

fn unknown_fields(object: &Map<String, Value>, known: &[&str], what: &str) -> Vec<FieldError> {
    object
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| {
            FieldError::new(
                k.clone(),
                format!("is not a field of {what}; known: {}", known.join(", ")),
            )
        })
        .collect()
}

fn as_text(value: &Value) -> Result<&str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("must be text, got {}", describe(value)))
}

/// Text of 1 to `max` characters once trimmed.
fn text(value: &Value, max: usize) -> Result<Value, String> {
    let trimmed = as_text(value)?.trim();
    let length = trimmed.chars().count();
    if trimmed.is_empty() {
        Err("must not be blank".to_owned())
    } else if length > max {
        Err(format!("is {length} characters long; at most {max}"))
    } else {
        Ok(Value::String(trimmed.to_owned()))
    }
}

fn uuid(value: &Value, what: &str) -> Result<Value, String> {
    let s = as_text(value)?;
    Uuid::parse_str(s)
        .map(|id| Value::String(id.to_string()))
        .map_err(|_| format!("`{s}` is not {what} (a UUID)"))
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn good() -> Value {
        json!({
            "name": " Kari Nordmann ", "company": "Eksempel AS", "organisation_number": "974 760 673",
            "email": "kari@eksempel.no", "message": "Is the plot free?",
        })
    }

    #[test]
    fn organisation_numbers_have_a_mod11_check_digit() {
        // Brønnøysundregistrene's own number.
        assert_eq!(check_organisation_number("974760673").unwrap(), "974760673");
        assert_eq!(
            check_organisation_number("974 760 673").unwrap(),
            "974760673"
        );
        assert!(check_organisation_number("921234554").is_ok());
        // sum mod 11 = 0 gives check digit 0.
        assert!(check_organisation_number("000000000").is_ok());
        assert!(
            check_organisation_number("974760672")
                .unwrap_err()
                .contains("check digit")
        );
        // 4·3 = 12, and 12 mod 11 = 1: the check would be 10, so no last
        // digit makes 40000000x valid.
        for last in 0..10 {
            let n = format!("40000000{last}");
            assert!(check_organisation_number(&n).is_err(), "{n}");
        }
        for bad in ["97476067", "9747606731", "97476067a", "", "974-760-673"] {
            assert!(
                check_organisation_number(bad)
                    .unwrap_err()
                    .contains("9 digits"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_good_enquiry_passes_trimmed() {
        let (input, errors) = check_enquiry(&good());
        assert!(errors.is_empty(), "{errors:?}");
        let input = input.unwrap();
        assert_eq!(input.name, "Kari Nordmann");
        assert_eq!(input.organisation_number, "974760673");
        assert_eq!(input.plot_id, None);
        assert_eq!(input.needs, None);
        assert_eq!(input.lang, None);
        let mut english = good();
        english["lang"] = json!("en-GB");
        assert_eq!(check_enquiry(&english).0.unwrap().lang, Some(Lang::En));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut body = good();
        body["email"] = json!("kari at eksempel");
        body["organisation_number"] = json!("974760672");
        body["needs"] = json!([1, 2]);
        body["plot_id"] = json!("DRM-0001");
        body["colour"] = json!("red");
        body["lang"] = json!("de");
        body.as_object_mut().unwrap().remove("message");
        let (input, errors) = check_enquiry(&body);
        assert!(input.is_none());
        let mut names: Vec<&str> = errors.iter().map(|e| e.name.as_str()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "colour",
                "email",
                "lang",
                "message",
                "needs",
                "organisation_number",
                "plot_id"
            ]
        );
    }

    #[test]
    fn needs_are_the_needs_of_site_matching() {
        let mut body = good();
        body["needs"] = json!({"area_m2_min": 20000});
        let (_, errors) = check_enquiry(&body);
        assert!(
            errors[0].reason.contains("unknown field `area_m2_min`"),
            "{errors:?}"
        );
        body["needs"] = json!({"land_use": [], "required": ["min_power_kw"]});
        let (_, errors) = check_enquiry(&body);
        assert!(
            errors[0]
                .reason
                .contains("required: `min_power_kw` is required but not stated")
                && errors[0]
                    .reason
                    .contains("land_use: lists must not be empty"),
            "{errors:?}"
        );
        body["needs"] = json!({"area_m2": {"min": 20000}, "land_use": [1340, 1350]});
        assert!(check_enquiry(&body).1.is_empty());
    }

    #[test]
    fn changes_parse_and_refuse() {
        let (change, errors) = check_change(&json!({"status": "answered", "note": " Sent it. "}));
        assert!(errors.is_empty());
        assert_eq!(change.status, Some(EnquiryStatus::Answered));
        assert_eq!(change.note.as_deref(), Some("Sent it."));
        let (change, _) = check_change(&json!({"assigned_to": null}));
        assert_eq!(change.assigned_to, Some(None));
        let (_, errors) = check_change(&json!({}));
        assert_eq!(errors[0].name, "body");
        let (_, errors) = check_change(&json!({"status": "done", "assigned_to": "a b", "x": 1}));
        let names: Vec<&str> = errors.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["x", "status", "assigned_to"]);
    }

    #[test]
    fn the_workflow_moves_forward_closes_and_reopens() {
        use EnquiryStatus::*;
        for (from, to) in [
            (New, InProgress),
            (New, Closed),
            (InProgress, Answered),
            (InProgress, Closed),
            (Answered, Closed),
            (Answered, InProgress),
            (Closed, InProgress),
        ] {
            assert!(check_transition(from, to).is_ok(), "{from:?} → {to:?}");
        }
        for (from, to) in [
            (New, Answered),
            (InProgress, New),
            (Answered, New),
            (Closed, New),
            (Closed, Answered),
        ] {
            assert!(check_transition(from, to).is_err(), "{from:?} → {to:?}");
        }
        assert!(needs_note(InProgress, Answered));
        assert!(needs_note(New, Closed));
        assert!(needs_note(Closed, InProgress));
        assert!(!needs_note(New, InProgress));
        assert!(!needs_note(Answered, Answered));
    }
}
