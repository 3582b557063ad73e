//! The OGC API – Features resources that are not about one collection:
//! landing page, conformance and the list of collections.

pub mod handlers;
pub mod pages;
pub mod wire;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the landing page, conformance and collections.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::landing_page)
        .service(handlers::conformance)
        .service(handlers::list_collections);
}
