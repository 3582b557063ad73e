//! Mail: the transactional outbox every e-mail of the registry goes
//! through ([`outbox`]), the texts in bokmål and English ([`templates`]),
//! the reception's mails of a new enquiry ([`reception`]), the background
//! sender that delivers them through SMTP with retries ([`sender`]), and
//! the planners' view of the outbox ([`handlers`]).
//!
//! Resources that send mail (enquiries) import this module; it imports
//! none of them: what a mail tells of comes in as plain facts.

pub mod handlers;
pub mod outbox;
pub mod reception;
pub mod sender;
pub mod templates;
pub mod wire;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the outbox resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_outbox)
        .service(handlers::retry_mail);
}
