//! The OpenAPI document's frame; the paths come from the handlers' own
//! `#[utoipa::path]` annotations as they are registered.

use utoipa::OpenApi;

use crate::error::{FieldError, Problem};

/// The API's description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Næringsareal",
        description = "The registry of available business land (næringsareal), as OGC API – Features. \
                       Coordinates are CRS84 (longitude, latitude). Every error is \
                       `application/problem+json` (RFC 9457).",
        license(name = "MIT", identifier = "MIT"),
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "Capabilities", description = "Landing page, conformance and collections"),
        (name = "Plots", description = "Plots of business land"),
        (name = "Operations", description = "Probes for orchestration"),
    )
)]
pub struct ApiDoc;
