//! Enquiries as the API takes and shows them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use strum::{AsRefStr, EnumString, VariantNames};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::link::Link;

/// Where an enquiry is in its handling. The moves a planner may make:
/// new → in_progress or closed; in_progress → answered or closed;
/// answered → closed, or back to in_progress when the company follows up;
/// closed → in_progress (reopening). Answering, closing and reopening need a note.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    EnumString,
    AsRefStr,
    VariantNames,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EnquiryStatus {
    /// Received; no one has taken it yet.
    New,
    /// A planner is working on it.
    InProgress,
    /// The company has had its answer.
    Answered,
    /// Done: answered and finished, or not to be answered (a duplicate, spam).
    Closed,
}

/// An enquiry a company sends: about a plot (`plot_id`), or about a need
/// (described in `message`, with the criteria from site matching in `needs`).
/// Unknown fields are refused by name; every problem is reported at once.
#[derive(Debug, ToSchema)]
#[schema(example = json!({
    "plot_id": "0b7f3c52-5d7e-4a8e-9d43-0a6f2f8e1c11",
    "name": "Kari Nordmann",
    "company": "Eksempel Logistikk AS",
    "organisation_number": "974 760 673",
    "email": "kari@eksempel.no",
    "phone": "+47 912 34 567",
    "message": "We need 20 daa for a warehouse near the port from 2027. Is this plot still free?",
    "needs": {"area_m2_min": 20000, "land_use": [1350], "port_distance_m_max": 3000},
    "lang": "en"
}))]
pub struct NewEnquiry {
    /// The plot asked about: the id of a plot on the public register
    /// (published and not ended). Leave it out for an enquiry about a need.
    pub plot_id: Option<Uuid>,
    /// The name of the person asking, 1–200 characters.
    pub name: String,
    /// The company, 1–200 characters.
    pub company: String,
    /// The company's Norwegian organisation number: 9 digits (spaces are
    /// allowed and dropped), with a valid MOD11 check digit.
    pub organisation_number: String,
    /// An e-mail address to answer to.
    pub email: String,
    /// A phone number: digits and spaces, optionally `+` and a country code.
    pub phone: Option<String>,
    /// What the company asks, 1–5000 characters.
    pub message: String,
    /// The company's needs as site matching gave them: a JSON object of at
    /// most 20 members, stored as given.
    #[schema(value_type = Option<Object>)]
    pub needs: Option<Value>,
    /// The language of the replies, `nb` (bokmål) or `en`: the company's
    /// confirmation and the planners' notice are written in it. Without it,
    /// the request's `Accept-Language` (or the language chosen on the
    /// site's pages) decides; bokmål when neither says.
    #[schema(example = "en")]
    pub lang: Option<String>,
}

/// The plot an enquiry is about, as it is now: an ended (sold, withdrawn)
/// plot is still named, with when and why it ended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlotRef {
    /// The plot's id.
    pub id: Uuid,
    /// Its human reference, e.g. `DRM-0042`.
    pub reference: String,
    /// Its name.
    pub name: String,
    /// Its availability status.
    pub status: String,
    /// When it ended; absent while it is on the register.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it ended (sold, withdrawn, …); absent while it is on the register.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
}

/// One workflow change of an enquiry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnquiryEvent {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who made it: the API key's name.
    pub by: String,
    /// The status before.
    pub from_status: EnquiryStatus,
    /// The status after (the same when only the assignment or a note changed).
    pub to_status: EnquiryStatus,
    /// Who was in charge afterwards; null when no one.
    pub assigned_to: Option<String>,
    /// What was done or answered, or why; null when none was given, or
    /// once erased with the enquiry's personal fields.
    pub note: Option<String>,
}

/// An enquiry as stored. (The client's address, kept for the rate limit, is never shown.)
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Enquiry {
    /// The enquiry's id.
    pub id: Uuid,
    /// Its reference number, quoted in the company's confirmation mail
    /// (`HEN-` and six digits).
    #[schema(example = "HEN-000042")]
    pub reference: String,
    /// The language of its replies, `nb` or `en`.
    #[schema(example = "nb")]
    pub lang: String,
    /// The plot asked about, if any; null for an enquiry about a need.
    pub plot: Option<PlotRef>,
    /// The name of the person asking; null once erased (this and the other
    /// personal fields are erased a set time after the enquiry closed, or
    /// when the enquirer asks).
    pub name: Option<String>,
    /// The company; null once erased.
    pub company: Option<String>,
    /// The company's organisation number, 9 digits; null once erased.
    pub organisation_number: Option<String>,
    /// The e-mail address to answer to; null once erased.
    pub email: Option<String>,
    /// The phone number, if given; null once erased.
    pub phone: Option<String>,
    /// What the company asks; null once erased.
    pub message: Option<String>,
    /// The needs from site matching, as given; null when none were.
    #[schema(value_type = Option<Object>)]
    pub needs: Option<Value>,
    /// Where the enquiry is in its handling.
    pub status: EnquiryStatus,
    /// The planner in charge (an API key's name); null when no one is.
    pub assigned_to: Option<String>,
    /// When it was received.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When its first answer is due: the end of the target's last working
    /// day (Norwegian time), as the target was when it arrived.
    pub answer_due_at: DateTime<Utc>,
    /// When it first got an answer (moved to answered, or was closed
    /// without one); null until then.
    pub answered_at: Option<DateTime<Utc>>,
    /// Its first answer is late: due, and none yet.
    pub overdue: bool,
    /// When it was closed; null while it is open (a reopened enquiry is open).
    pub closed_at: Option<DateTime<Utc>>,
    /// When its personal fields were erased; absent until then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<DateTime<Utc>>,
    /// Every workflow change, oldest first (only when one enquiry is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EnquiryEvent>>,
    /// `self`, and `related`: the plot asked about (also when it has ended).
    pub links: Vec<Link>,
}

/// A page of enquiries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnquiryList {
    /// The enquiries on this page.
    pub enquiries: Vec<Enquiry>,
    /// How many are on this page.
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    /// `self`, and `next` when there are more.
    pub links: Vec<Link>,
}

/// A change a planner makes to an enquiry: any of the three members.
/// Unknown members are refused by name.
#[derive(Debug, ToSchema)]
#[schema(example = json!({"status": "answered", "note": "Sent the plot's zoning plan and price; site visit on 3 March."}))]
pub struct EnquiryChange {
    /// The new status (new → in_progress or closed; in_progress → answered
    /// or closed; answered → closed or in_progress; closed → in_progress).
    /// Moving a new enquiry to `in_progress` assigns it to the caller unless
    /// someone is assigned already or `assigned_to` is given.
    pub status: Option<EnquiryStatus>,
    /// The planner to put in charge: the name of a valid API key; `null`
    /// leaves no one in charge.
    pub assigned_to: Option<String>,
    /// What was done or answered, or why, 1–2000 characters. Required when
    /// the enquiry is answered, closed or reopened.
    pub note: Option<String>,
}
