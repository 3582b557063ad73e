//! The collection of plots (OGC API – Features): the catalogue of a plot's
//! properties and their code lists, the row and wire types, one plot and
//! the collection's description, queryables and schema ([`handlers`]);
//! searching the items ([`search`]), writing them ([`write`]), and the
//! reports over their versions ([`versions`]: history, the reserve, its
//! trend).

pub mod catalogue;
pub mod changes;
pub mod codes;
pub mod handlers;
pub mod pages;
pub mod queries;
pub mod search;
pub mod versions;
pub mod wire;
pub mod write;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the plot resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_collection)
        .service(search::handlers::list_plots)
        .service(handlers::get_plot)
        .service(versions::history::get_history)
        .service(write::import::import_plots)
        .service(versions::overview::get_reserve)
        .service(versions::trend::get_reserve_trend)
        .service(write::edit::create_plot)
        .service(write::edit::replace_plot)
        .service(write::edit::update_plot)
        .service(write::edit::delete_plot)
        .service(write::edit::items_options)
        .service(write::edit::item_options)
        .service(handlers::get_queryables)
        .service(handlers::get_schema);
}
