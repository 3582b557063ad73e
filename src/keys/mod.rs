//! API keys: made (shown once), listed, revoked, by admins ([`handlers`]);
//! the store of their hashes ([`store`]) and the roles they carry ([`role`]);
//! planners' sign-in in a browser ([`sign_in`]).

pub mod handlers;
pub mod role;
pub mod sign_in;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the key resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_keys)
        .service(handlers::create_key)
        .service(handlers::revoke_key)
        .service(sign_in::sign_in_page)
        .service(sign_in::sign_in)
        .service(sign_in::sign_out);
}
