//! Demand for business land: what companies ask for in their site searches
//! and enquiries, kept anonymously as demand records ([`record`]), and set
//! against the plots on offer for planners ([`report`], `GET /demand`, as
//! JSON, CSV or a [`page`]).

pub mod handlers;
pub mod page;
pub mod record;
pub mod report;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the demand resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_demand);
}
