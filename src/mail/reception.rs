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

/// Queues the request to rate the reception to the company of the closed
/// enquiry `enquiry_id` (`reference`, from `name` at `email`, in `lang`),
/// with its `link`: once per enquiry, however often it is reopened and
/// closed again. Its outbox id, or `None` when one was queued before.
pub async fn queue_rating_request(
    conn: &mut AsyncPgConnection,
    enquiry_id: Uuid,
    lang: Lang,
    (reference, name, email): (&str, &str, &str),
    link: &str,
    reception: Option<&str>,
) -> QueryResult<Option<Uuid>> {
    if outbox::has(conn, enquiry_id, MailKind::EnquiryRating).await? {
        return Ok(None);
    }
    let request = templates::rating_request(lang, name, reference, link);
    let ids = outbox::queue(
        conn,
        &[NewMail {
            kind: MailKind::EnquiryRating,
            enquiry_id: Some(enquiry_id),
            recipient: email,
            reply_to: reception,
            lang,
            subject: request.subject,
            body: request.body,
            alert_id: None,
            list_unsubscribe: None,
        }],
    )
    .await?;
    Ok(ids.into_iter().next())
}
