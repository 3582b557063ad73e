//! The reception's mails: when an enquiry arrives, a notice to the
//! planners' address and a confirmation with its reference number to the
//! company, both queued in the enquiry's own transaction.

use diesel::QueryResult;
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::outbox::{self, NewMail};
use super::templates::{self, EnquiryFacts};
use super::wire::MailKind;
use crate::html::i18n::Lang;

/// Queues the mails of the new enquiry `enquiry_id`, in `lang`: the
/// notice to `reception` (when one is configured; a reply goes to the
/// company) and the confirmation to the company (a reply goes to the
/// reception). Their outbox ids.
pub async fn queue_enquiry_mails(
    conn: &mut AsyncPgConnection,
    enquiry_id: Uuid,
    lang: Lang,
    facts: &EnquiryFacts<'_>,
    reception: Option<&str>,
) -> QueryResult<Vec<Uuid>> {
    let mut mails = Vec::with_capacity(2);
    if let Some(reception) = reception {
        let notice = templates::enquiry_notice(lang, facts);
        mails.push(NewMail {
            kind: MailKind::EnquiryNotice,
            enquiry_id: Some(enquiry_id),
            recipient: reception,
            reply_to: Some(facts.email),
            lang,
            subject: notice.subject,
            body: notice.body,
            alert_id: None,
            list_unsubscribe: None,
        });
    }
    let confirmation = templates::enquiry_confirmation(lang, facts);
    mails.push(NewMail {
        kind: MailKind::EnquiryConfirmation,
        enquiry_id: Some(enquiry_id),
        recipient: facts.email,
        reply_to: reception,
        lang,
        subject: confirmation.subject,
        body: confirmation.body,
        alert_id: None,
        list_unsubscribe: None,
    });
    outbox::queue(conn, &mails).await
}
