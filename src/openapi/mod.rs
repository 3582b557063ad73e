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
                       `application/problem+json` (RFC 9457), or a page (`text/html`) for a \
                       request that asks for one (by `Accept`, or `f=html`).",
        license(name = "MIT", identifier = "MIT"),
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerKey),
    tags(
        (name = "Capabilities", description = "Landing page, conformance and collections"),
        (name = "Plots", description = "Plots of business land"),
        (name = "Tiles", description = "Vector tiles of the plots (OGC API – Tiles), with TileJSON and a MapLibre style"),
        (name = "Enquiries", description = "Companies' enquiries about land: sent by anyone, handled by planners"),
        (name = "Demand", description = "What companies ask for, set against the land on offer: for planners"),
        (name = "Keys", description = "API keys for planners and admins"),
        (name = "Alerts", description = "Companies' saved needs: an e-mail when a plot comes to meet them, with double opt-in and an unsubscribe link in every mail"),
        (name = "Mail", description = "The outbox of the mails the registry sends (the reception's notices and confirmations): planners see what was sent, what waits and what failed"),
        (name = "Pages", description = "Pages for people in a browser: the map (every resource above also answers `text/html`, or `f=html`)"),
        (name = "Operations", description = "Probes for orchestration"),
    )
)]
pub struct ApiDoc;

/// Every error is also a page for a browser: a request that asks for
/// `text/html` (by `Accept`, or `f=html`) and gets a problem gets it as a page
/// with the same status (`html::errors`). Adds `text/html` beside
/// `application/problem+json` to every 4xx and 5xx of `api`'s operations.
fn with_error_pages(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, ObjectBuilder, RefOr, schema::Type};
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, response) in &mut operation.responses.responses {
                let is_error = status.starts_with('4') || status.starts_with('5');
                if let (true, RefOr::T(response)) = (is_error, response)
                    && response.content.contains_key(crate::error::PROBLEM_JSON)
                {
                    let page = ContentBuilder::new()
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                        .build();
                    response
                        .content
                        .entry(crate::http::media::HTML.to_owned())
                        .or_insert(page);
                }
            }
        }
    }
}

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

/// What the generated document needs once every route and its schemas
/// are in it: the error pages ([`with_error_pages`]), and the features of a
/// page of plots, whose properties are those asked for
/// (`properties=reference,name`), so that their schema requires none of
/// them (a single plot, `PlotFeature`, still has them all).
pub fn finish(api: &mut utoipa::openapi::OpenApi) {
    with_error_pages(api);
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
