//! The map of vacant business land (`/map`), the page most people use:
//! the plots from the vector tiles with a filter panel, a card per plot
//! with an enquiry form, the site finder and the reserve; and the
//! reference places it shows for context (`/reference-places`).

pub mod handlers;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the map page and the reference places.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::map_page)
        .service(handlers::reference_places);
}
