//! The collection of plots: OGC API – Features items, one feature, the
//! collection's description and its queryables.

pub mod codes;
pub mod edit;
pub mod filter;
pub mod handlers;
pub mod history;
pub mod import;
pub mod input;
pub mod matching;
pub mod params;
pub mod proximity;
pub mod queries;
pub mod reserve;
pub mod sorting;
pub mod wire;
pub mod writes;

use utoipa_actix_web::service_config::ServiceConfig;

/// The collection's id in URLs.
pub const COLLECTION_ID: &str = "plots";

/// Registers the plot resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_collection)
        .service(handlers::list_plots)
        .service(handlers::get_plot)
        .service(history::get_history)
        .service(import::import_plots)
        .service(matching::match_plots)
        .service(reserve::get_reserve)
        .service(edit::create_plot)
        .service(edit::replace_plot)
        .service(edit::update_plot)
        .service(edit::delete_plot)
        .service(edit::items_options)
        .service(edit::item_options)
        .service(handlers::get_queryables)
        .service(handlers::get_schema);
}
