//! API keys: made (shown once), listed, revoked, by admins ([`handlers`]);
//! the store of their hashes ([`store`]) and the roles they carry ([`role`]).

pub mod handlers;
pub mod role;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the key resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_keys)
        .service(handlers::create_key)
        .service(handlers::revoke_key);
}
