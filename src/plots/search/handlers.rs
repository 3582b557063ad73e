//! The items listing: `GET /collections/plots/items`. It parses the query,
//! asks [`page`](super::page) for the page, and renders it as GeoJSON (with
//! `properties=` and `distance_m` applied) or as CSV.

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use serde_json::{Value, json};

use super::page::{self, ItemsPage, PastPage};
use super::request::{ItemsQuery, ItemsRequest};
use crate::error::ApiError;
use crate::html::negotiate::{Form, form};
use crate::html::page::{Page, respond};
use crate::http::caller::Caller;
use crate::http::link::{Link, PageLinks, url_with};
use crate::http::{cache, csv, media, problems};
use crate::plots::catalogue::{self, COLLECTION_ID};
use crate::plots::handlers::content_crs;
use crate::plots::pages::{self, Labels};
use crate::plots::queries;
use crate::plots::wire::{PlotCollection, PlotFeature};
use crate::state::AppState;

/// A page of plots as GeoJSON, filtered by box, time and properties, in a
/// stable order. Follow `next` links for the following pages: they stay
/// correct while plots are added or changed (keyset paging).
#[utoipa::path(
    tag = "Plots",
    params(ItemsQuery),
    responses(
        (status = 200, description = "A page of plots (CSV with `f=csv`, a page with a map and a table with `f=html`)", content((PlotCollection = "application/geo+json"), (String = "text/csv"), (String = "text/html")),
            headers(("Content-Crs" = String, description = "The CRS of the geometries"),
                    ("ETag" = String, description = "The page's content (weak: a page asked again differs in its `timeStamp` only)"))),
        (status = 304, description = "The page has not changed since the `If-None-Match` tag"),
        problems::BadQueryNamed,
        problems::Unavailable,
    )
)]
#[get("/collections/plots/items")]
pub async fn list_plots(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let mut request = ItemsRequest::parse(req.query_string(), &state.api)?;
    request.filter.include_unpublished = caller.is_planner();
    let base = state.base_url(&req);
    let mut conn = state.read_conn(!caller.is_planner()).await?;
    if let Some(as_of) = request.as_of {
        let past = page::find_as_of(&mut conn, &request, as_of).await?;
        drop(conn);
        return render_past(&base, &request, past);
    }
    let found = page::find(&mut conn, &request, state.api.count_limit).await?;
    if form(&req) == Form::Html && !wants_csv(&request) {
        let land_uses = queries::land_use_codes(&mut conn).await?;
        drop(conn);
        let (body, distances) = collection(&base, &request, found)?;
        let mut collection = shaped(&body, &request, &distances)?;
        // The page's features go into the HTML for its map; without the
        // time it was made, the same page is the same bytes (and ETag).
        if let Some(page) = collection.as_object_mut() {
            page.remove("timeStamp");
        }
        let t = Page::texts(&req);
        let json = url_with(
            &format!("{base}/collections/{COLLECTION_ID}/items"),
            &request.pairs,
            &["f"],
            &[("f", "json")],
        );
        let page = Page::new(&req, &base, t.get("items.title"))
            .crumb(t.get("landing.title"), format!("{base}/"))
            .crumb(
                t.get("collections.title"),
                format!("{base}/collections?f=html"),
            )
            .json(json, media::GEOJSON)
            .section("plots");
        let labels = Labels::new(page.lang, &land_uses);
        return respond(
            page.lang,
            pages::items(&page, &labels, &collection, &request.pairs),
        );
    }
    drop(conn);
    render(&base, &request, found)
}

/// The links of a page of the listing.
fn page_links(base: &str, request: &ItemsRequest, this: Option<&str>) -> (Vec<Link>, String) {
    let url = format!("{base}/collections/{COLLECTION_ID}/items");
    let links = vec![
        PageLinks {
            url: &url,
            pairs: &request.pairs,
            media_type: media::GEOJSON,
        }
        .this(this),
        Link::new(
            url_with(&url, &request.pairs, &["f"], &[("f", "html")]),
            "alternate",
            media::HTML,
            "This page as HTML",
        ),
        Link::new(
            format!("{base}/collections/{COLLECTION_ID}"),
            "collection",
            media::JSON,
            "The collection",
        ),
    ];
    (links, url)
}

/// A page of plots as the wire type, with the distances of a `near` search.
fn collection(
    base: &str,
    request: &ItemsRequest,
    found: ItemsPage,
) -> Result<(PlotCollection, Vec<f64>), ApiError> {
    let ItemsPage {
        rows,
        distances,
        this,
        next,
        prev,
        number_matched,
    } = found;
    let (mut links, url) = page_links(base, request, this.as_deref());
    let pages = PageLinks {
        url: &url,
        pairs: &request.pairs,
        media_type: media::GEOJSON,
    };
    links.extend(next.as_deref().map(|c| pages.next(c)));
    links.extend(prev.as_deref().map(|c| pages.prev(c)));
    let features = rows
        .into_iter()
        .map(PlotFeature::from_plot)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let body = PlotCollection {
        kind: "FeatureCollection",
        number_returned: features.len(),
        features,
        links,
        time_stamp: Utc::now(),
        number_matched,
    };
    Ok((body, distances))
}

/// The page as JSON, with `properties=` applied and `distance_m` added.
fn shaped(
    body: &PlotCollection,
    request: &ItemsRequest,
    distances: &[f64],
) -> Result<Value, ApiError> {
    let mut value = serde_json::to_value(body).map_err(anyhow::Error::from)?;
    let features = value["features"].as_array_mut().into_iter().flatten();
    for (i, feature) in features.enumerate() {
        let Some(properties) = feature["properties"].as_object_mut() else {
            continue;
        };
        if let Some(wanted) = &request.properties {
            properties.retain(|name, _| wanted.contains(name));
        }
        if let Some(d) = distances.get(i) {
            properties.insert("distance_m".to_owned(), json!(catalogue::round(*d, 1)));
        }
    }
    Ok(value)
}

/// A page of plots as GeoJSON or CSV.
fn render(base: &str, request: &ItemsRequest, found: ItemsPage) -> Result<HttpResponse, ApiError> {
    let (body, distances) = collection(base, request, found)?;
    if wants_csv(request) {
        let value = shaped(&body, request, &distances)?;
        return csv_answer(&value, request.properties.as_deref(), &distances);
    }
    let (tag, bytes) = if request.properties.is_none() && distances.is_empty() {
        let mut body = body;
        let now = std::mem::take(&mut body.time_stamp);
        let tag = cache::content_tag(&body);
        body.time_stamp = now;
        (tag, serde_json::to_vec(&body))
    } else {
        let mut value = shaped(&body, request, &distances)?;
        tagged(&mut value)
    };
    let tag = tag.map_err(anyhow::Error::from)?;
    Ok(HttpResponse::Ok()
        .content_type(media::GEOJSON)
        .insert_header(content_crs(request.crs))
        .insert_header(header::ETag(tag))
        .body(bytes.map_err(anyhow::Error::from)?))
}

/// A page's weak tag, of everything but its `timeStamp` (the same page
/// asked again is the same content, a moment later), and its bytes.
fn tagged(
    page: &mut Value,
) -> (
    Result<EntityTag, serde_json::Error>,
    Result<Vec<u8>, serde_json::Error>,
) {
    let now = page.as_object_mut().and_then(|p| p.remove("timeStamp"));
    let tag = cache::content_tag(page);
    if let (Some(page), Some(now)) = (page.as_object_mut(), now) {
        page.insert("timeStamp".to_owned(), now);
    }
    (tag, serde_json::to_vec(page))
}

/// A page of the register at a past time, as GeoJSON or CSV.
fn render_past(
    base: &str,
    request: &ItemsRequest,
    past: PastPage,
) -> Result<HttpResponse, ApiError> {
    let (mut links, url) = page_links(base, request, past.this.as_deref());
    let pages = PageLinks {
        url: &url,
        pairs: &request.pairs,
        media_type: media::GEOJSON,
    };
    links.extend(past.next.as_deref().map(|c| pages.next(c)));
    let body = json!({
        "type": "FeatureCollection",
        "numberReturned": past.features.len(),
        "features": past.features,
        "links": links,
        "timeStamp": Utc::now(),
    });
    if wants_csv(request) {
        return csv_answer(&body, None, &[]);
    }
    let mut body = body;
    let (tag, bytes) = tagged(&mut body);
    Ok(HttpResponse::Ok()
        .content_type(media::GEOJSON)
        .insert_header(header::ETag(tag.map_err(anyhow::Error::from)?))
        .body(bytes.map_err(anyhow::Error::from)?))
}

fn wants_csv(request: &ItemsRequest) -> bool {
    request.pairs.iter().any(|(n, v)| n == "f" && v == "csv")
}

/// A page of features as a CSV download (see [`features_csv`]).
fn csv_answer(
    collection: &Value,
    picked: Option<&[String]>,
    distances: &[f64],
) -> Result<HttpResponse, ApiError> {
    let body = features_csv(collection, picked, distances).map_err(anyhow::Error::from)?;
    Ok(csv::attachment(body, "plots.csv"))
}

/// A page of features as CSV: `id`, then each property (or those picked),
/// then `distance_m` when measured. Lists are joined with `; `, documents
/// written as JSON; the boundary is left out (spreadsheets cannot use it).
fn features_csv(
    collection: &Value,
    picked: Option<&[String]>,
    distances: &[f64],
) -> Result<Vec<u8>, ::csv::Error> {
    let columns: Vec<&str> = match picked {
        Some(names) => names.iter().map(String::as_str).collect(),
        None => catalogue::names().collect(),
    };
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut header = vec!["id"];
    header.extend(&columns);
    if !distances.is_empty() {
        header.push("distance_m");
    }
    w.write_record(&header)?;
    let features = collection["features"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (i, feature) in features.iter().enumerate() {
        let mut record = vec![csv::cell(&feature["id"])];
        record.extend(
            columns
                .iter()
                .map(|c| csv::cell(&feature["properties"][*c])),
        );
        if let Some(d) = distances.get(i) {
            record.push(format!("{:.1}", d));
        }
        w.write_record(&record)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
