//! The outbox as the API shows it to planners.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumString, VariantNames};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::link::Link;

/// What a mail is.
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
pub enum MailKind {
    /// The notice of a new enquiry, to the planners' reception address.
    EnquiryNotice,
    /// The confirmation of a new enquiry, with its reference number, to the company.
    EnquiryConfirmation,
    /// The request to rate the reception, to the company when its enquiry is closed.
    EnquiryRating,
    /// The double opt-in of a saved alert: its confirmation link.
    AlertConfirmation,
    /// An alert's digest of plots that came to meet its needs.
    AlertDigest,
}

/// Where a mail is: `queued` (waiting for its next attempt), `sent` (the
/// mail server took it), or `failed` (refused for good, or given up after
/// the last attempt; a planner may queue it again).
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
pub enum MailState {
    /// Waiting to be sent, at `next_attempt_at` at the earliest.
    Queued,
    /// Taken by the mail server.
    Sent,
    /// Refused for good, or every attempt failed.
    Failed,
}

/// One mail of the outbox (its body left out).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OutboxMail {
    /// The mail's id; its Message-ID is `<id@domain of NAERINGSAREAL_MAIL_FROM>`.
    pub id: Uuid,
    /// What the mail is.
    pub kind: MailKind,
    /// Where it is.
    pub state: MailState,
    /// The enquiry it tells of.
    pub enquiry_id: Option<Uuid>,
    /// Its recipient.
    pub recipient: String,
    /// Its subject.
    pub subject: String,
    /// Its language, `nb` or `en`.
    pub lang: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// When it is tried next (queued mails only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed, as the mail server or the connection said.
    pub last_error: Option<String>,
    /// When it was queued (with what it tells of).
    pub created_at: DateTime<Utc>,
    /// When the mail server took it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// `related`: the enquiry.
    pub links: Vec<Link>,
}

/// A page of the outbox, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxList {
    /// The mails on this page.
    pub mails: Vec<OutboxMail>,
    /// How many are on this page.
    #[serde(rename = "numberReturned")]
    pub number_returned: usize,
    /// `self`, and `next` when there are more.
    pub links: Vec<Link>,
}
