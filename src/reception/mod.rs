//! The reception's response times and the companies' ratings of it (the
//! plan's satisfaction indicator for land enquiries): every enquiry is
//! due a first answer by a target counted in Norwegian working days (the
//! calendar is in the database: `answer_due`, migration
//! `2026-12-03-000023_response_times`); planners see what waits, what is
//! overdue, and by quarter the median and 90th percentile times to the
//! first answer and to closing; a closed enquiry's company rates the
//! reception through a signed link, without logging in.

pub mod handlers;
pub mod page;
pub mod rating;
pub mod report;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the reception's resources.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::get_reception)
        .service(handlers::rating_page)
        .service(handlers::rate);
}
