//! The site-matching endpoint: `POST /collections/plots/match`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde_json::json;

use super::candidate::Candidate;
use super::candidates::Candidates;
use super::needs::{Needs, echo};
use crate::crs::Crs;
use crate::demand::record::{self, Source};
use crate::error::ApiError;
use crate::html::i18n::Lang;
use crate::http::body::{check_content_type, parse_body, read_body};
use crate::http::caller::Caller;
use crate::http::client::client_address;
use crate::http::{media, problems};
use crate::plots::queries;
use crate::plots::wire::PlotFeature;
use crate::state::AppState;

/// The largest statement of needs taken.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Ranks the plots for `needs`: a GeoJSON FeatureCollection, best first,
/// each feature with `match_score` and `match_reasons`.
#[utoipa::path(
    tag = "Plots",
    request_body(content = Needs, description = "The company's needs; those named in `required` are hard requirements",
        example = json!({"area_m2": {"min": 20000}, "land_use": [1340, 1350, 1826], "max_port_distance_m": 3000,
                         "min_power_kw": 2000, "available_by": "2027-12-31", "no_contamination": true,
                         "places": [{"name": "Our current site", "lon": 10.2, "lat": 59.74, "max_distance_m": 5000}],
                         "required": ["land_use", "area_m2"], "limit": 10})),
    responses(
        (status = 200, description = "The plots, best first", body = Object, content_type = "application/geo+json"),
        (status = 400, description = "The needs are not valid; every problem is in `errors`", body = crate::error::Problem, content_type = "application/problem+json"),
        problems::TooLarge,
        problems::NotJson,
        problems::Unavailable,
    )
)]
#[post("/collections/plots/match")]
pub async fn match_plots(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    candidates: web::Data<Candidates>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    check_content_type(&req, &[media::JSON])?;
    let body = read_body(&req, payload, MAX_BODY_BYTES).await?;
    let needs = parse_needs(&body)?;
    // The reasons' details in the language the request asks for (the
    // page's choice or `Accept-Language`), English for a client that asks none.
    let lang = Lang::asked(&req).unwrap_or(Lang::En);
    needs.check().map_err(ApiError::InvalidBody)?;
    let limit = needs.limit.unwrap_or(10) as usize;
    let mut conn = state.read_conn(true).await?;
    if !candidates.refresh(&mut conn).await? {
        // The replica is behind what the copy has seen: match on the primary.
        conn = state.read_conn(false).await?;
        candidates.refresh(&mut conn).await?;
    }
    // Scoring every candidate takes some milliseconds of CPU: on the
    // blocking pool, not on the worker that serves other requests.
    let (candidates, ranking_needs) = (candidates.into_inner(), needs.clone());
    let ranking = web::block(move || candidates.rank(&ranking_needs, limit))
        .await
        .map_err(anyhow::Error::from)?;
    let plots = queries::get_many(&mut conn, &ranking.best, Crs::CRS84).await?;
    drop(conn);
    // The search is demand: kept after the answer, on the primary, so that
    // neither its time nor a failure to store it touches the search.
    let session = record::session_of(
        &req,
        match &caller {
            Caller::Key { name, .. } => Some(name),
            Caller::Anonymous => None,
        },
        &client_address(&req, state.api.trust_forwarded),
    );
    let demand = needs.demand();
    let (writer, found) = (state.clone(), ranking.candidates);
    actix_web::rt::spawn(async move {
        let stored = async {
            let mut conn = writer.conn().await?;
            record::store(&mut conn, Source::Search(&session), &demand, found).await
        };
        if let Err(e) = stored.await {
            tracing::warn!(error = %e, "a search's demand record was not stored");
        }
    });
    let mut features = Vec::with_capacity(plots.len());
    for plot in plots {
        // A plot taken off offer since the refresh a moment ago is left out.
        if !plot.row.is_on_offer() {
            continue;
        }
        let candidate = Candidate::from_plot(&plot).map_err(anyhow::Error::from)?;
        let (score, reasons) = needs.assess(&candidate, lang);
        let feature = PlotFeature::from_plot(plot)?;
        let mut value = serde_json::to_value(&feature).map_err(anyhow::Error::from)?;
        value["properties"]["match_score"] = json!(score);
        value["properties"]["match_reasons"] =
            serde_json::to_value(&reasons).map_err(anyhow::Error::from)?;
        features.push(value);
    }
    Ok(HttpResponse::Ok().content_type(media::GEOJSON).json(json!({
        "type": "FeatureCollection",
        "features": features,
        "numberReturned": features.len(),
        "candidates": ranking.candidates,
        "needs": echo(&needs),
        "timeStamp": chrono::Utc::now(),
    })))
}

/// The statement of needs in `body`; a field that is not valid is named by
/// its path (`places[2].lat`, `location_class[0]`), the rest is the body's.
fn parse_needs(body: &[u8]) -> Result<Needs, ApiError> {
    parse_body(body, "a statement of needs")
}
