//! Vector tiles of the plots (OGC API – Tiles): the tile matrix set
//! ([`matrix`]), a tile made in PostGIS ([`render`]), the cache that keeps
//! tiles and never serves a stale one ([`cache`]), and the resources
//! ([`handlers`]): tile matrix sets, tilesets, tiles, TileJSON and a style.

pub mod cache;
pub mod handlers;
pub mod matrix;
pub mod render;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the tile resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_tile_matrix_sets)
        .service(handlers::get_tile_matrix_set)
        .service(handlers::list_tilesets)
        .service(handlers::get_tileset)
        .service(handlers::get_tilejson)
        .service(handlers::get_style)
        .service(handlers::get_tile);
}
