//! Site matching: a company states its needs ([`needs`]); the registry
//! returns the plots on offer ranked by fit, each with a score and the
//! reasons ([`handlers`]). The plots on offer, each as a [`candidate`], are scored in the service's
//! memory ([`candidates`]), a copy kept current from the database before
//! each match; only the few plots returned are read from the database.

pub mod boundary;
pub mod candidate;
pub mod candidates;
pub mod handlers;
pub mod needs;
pub mod places;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the site-matching resource.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::match_plots);
}
