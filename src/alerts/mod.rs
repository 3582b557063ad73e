//! Alerts for companies: a saved statement of needs with an e-mail
//! address, no account. Double opt-in (a confirmation link), an
//! unsubscribe link in every mail, and the mails through the outbox
//! (`mail`). The [`watch`]er tells active alerts of plots that came to
//! meet them, after the write, in a daily digest at most.

pub mod handlers;
pub mod store;
pub mod watch;
pub mod wire;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the alert resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::create_alert)
        .service(handlers::confirm_page)
        .service(handlers::confirm_alert)
        .service(handlers::unsubscribe_page)
        .service(handlers::unsubscribe_alert);
}
