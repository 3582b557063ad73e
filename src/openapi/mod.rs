//! The OpenAPI document's frame; the paths come from the handlers' own
//! `#[utoipa::path]` annotations as they are registered.

pub mod v30;

use utoipa::openapi::schema::{ArrayItems, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

/// Where the OpenAPI 3.1 document is served.
pub const PATH: &str = "/api";
/// Where its OpenAPI 3.0 conversion is served: a path of its own, so that
/// a client that follows the link's `href` as it is (OWSLib) gets it,
/// whatever it sends in `Accept`.
pub const PATH_30: &str = "/api/openapi-3.0.json";

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
    modifiers(&BearerKey),
    tags(
        (name = "Capabilities", description = "Landing page, conformance and collections"),
        (name = "Plots", description = "Plots of business land"),
        (name = "Tiles", description = "Vector tiles of the plots (OGC API – Tiles), with TileJSON and a MapLibre style"),
        (name = "Enquiries", description = "Companies' enquiries about land: sent by anyone, handled by planners"),
        (name = "Keys", description = "API keys for planners and admins"),
        (name = "Pages", description = "Pages for people in a browser: the map (every resource above also answers `text/html`, or `f=html`)"),
        (name = "Operations", description = "Probes for orchestration"),
    )
)]
pub struct ApiDoc;

/// The `api_key` security scheme: `Authorization: Bearer <key>`.
struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key made with `naeringsareal api-key create` or `POST /keys`",
                    ))
                    .build(),
            ),
        );
    }
}

/// What the generated document needs once every route's schemas are in
/// it: a page of plots holds features whose properties are those asked for
/// (`properties=reference,name`), so its features' schema requires none of
/// them; a single plot (`PlotFeature`) still has them all.
pub fn finish(api: &mut utoipa::openapi::OpenApi) {
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let schemas = &mut components.schemas;
    let (Some(RefOr::T(Schema::Object(properties))), Some(RefOr::T(Schema::Object(feature)))) =
        (schemas.get("PlotProperties"), schemas.get("PlotFeature"))
    else {
        return;
    };
    let mut selected = properties.clone();
    selected.required.clear();
    selected.description = Some(
        "A plot's properties in a page of plots: all of `PlotProperties`, or only those \
         `properties` names (none of them is then required); with `near`, also `distance_m`."
            .to_owned(),
    );
    let mut listed = feature.clone();
    let mut reference = Ref::from_schema_name("SelectedPlotProperties");
    reference.description = "The plot's properties, or those `properties` asks for.".to_owned();
    listed
        .properties
        .insert("properties".to_owned(), RefOr::Ref(reference));
    listed.description = Some("A plot in a page of plots, as a GeoJSON Feature.".to_owned());
    schemas.insert(
        "SelectedPlotProperties".to_owned(),
        RefOr::T(Schema::Object(selected)),
    );
    schemas.insert(
        "ListedPlotFeature".to_owned(),
        RefOr::T(Schema::Object(listed)),
    );
    if let Some(RefOr::T(Schema::Object(page))) = schemas.get_mut("PlotCollection")
        && let Some(RefOr::T(Schema::Array(features))) = page.properties.get_mut("features")
    {
        features.items = ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(
            "ListedPlotFeature",
        ))));
    }
}
