//! Enquiries: the municipality's reception of companies' enquiries about
//! land. A company sends one, about a plot or about a need, without a key
//! (validated, size-limited and rate-limited per client address); planners
//! list them, assign them and move them through new → in progress →
//! answered → closed, each change recorded with who made it and a note. An
//! enquiry keeps its link to the plot when the plot is later sold or withdrawn.

pub mod handlers;
pub mod input;
pub mod privacy;
pub mod queries;
pub mod wire;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the enquiry resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::create_enquiry)
        .service(handlers::list_enquiries)
        .service(handlers::get_enquiry)
        .service(handlers::update_enquiry)
        .service(handlers::export_enquirer)
        .service(handlers::erase_enquirer);
}
