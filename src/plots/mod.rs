//! The collection of plots: OGC API – Features items, one feature, the
//! collection's description and its queryables.

pub mod codes;
pub mod handlers;
pub mod params;
pub mod queries;
pub mod wire;

use utoipa_actix_web::service_config::ServiceConfig;

/// The collection's id in URLs.
pub const COLLECTION_ID: &str = "plots";

/// Registers the plot resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_collection)
        .service(handlers::list_plots)
        .service(handlers::get_plot)
        .service(handlers::get_queryables);
}
