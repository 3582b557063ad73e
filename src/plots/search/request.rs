//! The query parameters of `/collections/plots/items`.

use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use strum::VariantNames;
use utoipa::IntoParams;
use uuid::Uuid;

use super::cql2::{self, Lang};
use super::proximity::MAX_RADIUS_M;
use super::query::{Bbox, Cursor, Interval, PlotFilter};
use super::sorting::{CURSOR_SORTED, SortKey, SortPosition, parse_sortby};
use crate::config::ApiConfig;
use crate::crs::Crs;
use crate::error::ApiError;
use crate::http::params::{CrsUri, FilterLang, ItemsFormat, QueryParams, list_of, parse_limit};
use crate::plots::catalogue;
use crate::plots::codes::{
    Contamination, FocusArea, LandUseStatus, LocationClass, OfferType, Ownership, PlanningStatus,
    Readiness, Status,
};

/// Query parameters of the items listing. Every property filter takes one
/// value or a comma-separated list (any of them matches).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemsQuery {
    /// Page size (described by its schema).
    #[param(schema_with = crate::http::params::limit_schema)]
    pub limit: Option<u32>,
    /// Only plots that intersect this box: `west,south,east,north` in CRS84
    /// (longitude, latitude) or in `bbox-crs`, in that CRS's axis order
    /// (EPSG:4326 is latitude first), or 6 numbers with heights (ignored).
    #[param(example = "10.10,59.70,10.30,59.80")]
    pub bbox: Option<String>,
    /// The CRS of `bbox`: CRS84 (default), EPSG:4326, 4258, 25832, 25833, 25835 or 3857, as OGC URIs.
    #[param(
        rename = "bbox-crs",
        value_type = Option<CrsUri>,
        inline,
        example = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    )]
    pub bbox_crs: Option<String>,
    /// The CRS of the answer's geometries (same list as `bbox-crs`); the
    /// answer says it in `Content-Crs`. Metres are written with 2 decimals, degrees with 7.
    #[param(value_type = Option<CrsUri>, inline, example = "http://www.opengis.net/def/crs/OGC/1.3/CRS84")]
    pub crs: Option<String>,
    /// Plots whose `updated_at` — the instant of their last change, when
    /// their current version was made, as each plot shows it — is this
    /// instant or in this interval (RFC 3339 date-time or date, a date
    /// meaning that whole day; intervals `start/end`, open ends as `..`).
    /// The collection's temporal extent spans the same instants.
    #[param(example = "2026-01-01T00:00:00Z/..")]
    pub datetime: Option<String>,
    /// Opaque position of a page, from a `next` or `prev` link.
    pub cursor: Option<String>,
    /// Availability status.
    #[param(value_type = Option<Status>, example = "available")]
    pub status: Option<String>,
    /// SOSI land-use code(s), e.g. `1340,1350`.
    #[param(example = "1340,1350")]
    pub land_use: Option<String>,
    /// Current or future land-use purpose.
    #[param(value_type = Option<LandUseStatus>)]
    pub land_use_status: Option<String>,
    /// Planning status.
    #[param(value_type = Option<PlanningStatus>)]
    pub planning_status: Option<String>,
    /// Municipality number(s), 4 digits.
    #[param(example = "3301")]
    pub municipality: Option<String>,
    /// Locality, exactly as written (e.g. `Holmen`).
    #[param(example = "Holmen")]
    pub locality: Option<String>,
    /// ABC location class.
    #[param(value_type = Option<LocationClass>)]
    pub location_class: Option<String>,
    /// Readiness for building.
    #[param(value_type = Option<Readiness>)]
    pub readiness: Option<String>,
    /// Ownership.
    #[param(value_type = Option<Ownership>)]
    pub ownership: Option<String>,
    /// Offer type.
    #[param(value_type = Option<OfferType>)]
    pub offer_type: Option<String>,
    /// Contamination of the ground.
    #[param(value_type = Option<Contamination>)]
    pub contamination: Option<String>,
    /// Human reference(s), e.g. `DRM-0042`.
    pub reference: Option<String>,
    /// Plots suited to this focus area (any of a list).
    #[param(value_type = Option<FocusArea>)]
    pub focus_area: Option<String>,
    /// The register as it stood at this instant (RFC 3339 date-time, or a
    /// date meaning the end of that day), rebuilt from the history: plots
    /// that had not ended then, in their state then. Combines with `limit`
    /// `cursor`, `status` and `municipality` only.
    #[param(example = "2026-01-01")]
    pub as_of: Option<String>,
    /// A CQL2 filter (OGC API – Features Part 3) on the queryable properties,
    /// e.g. `land_use IN (1340,1350) AND area_m2 >= 20000 AND S_INTERSECTS(geometry, BBOX(10.1,59.7,10.3,59.8))`.
    #[param(example = "land_use IN (1340,1350) AND area_m2 >= 20000")]
    pub filter: Option<String>,
    /// The language of `filter`: `cql2-text` (default) or `cql2-json`.
    #[param(rename = "filter-lang", value_type = Option<FilterLang>, inline)]
    pub filter_lang: Option<String>,
    /// The CRS of geometries in `filter` (same list as `crs`); CRS84 by default.
    #[param(rename = "filter-crs", value_type = Option<CrsUri>, inline)]
    pub filter_crs: Option<String>,
    /// Sort order: comma-separated properties, `-` for descending, e.g.
    /// `-area_m2,price_nok_per_m2`; ties are broken by id. `next` links page
    /// through the same order.
    #[param(example = "-area_m2,price_nok_per_m2")]
    pub sortby: Option<String>,
    /// Plots near this point, `longitude,latitude` in CRS84: nearest first,
    /// each with `distance_m`, its geodesic distance in metres. With `limit=N`,
    /// the nearest N.
    #[param(example = "10.2186,59.7389")]
    pub near: Option<String>,
    /// Plots near this reference place (port, rail terminal, motorway
    /// junction, station), by name, e.g. `Drammen havn Holmen`.
    pub near_place: Option<String>,
    /// With `near` or `near_place`: only plots within this many metres.
    #[param(example = 3000)]
    pub within_m: Option<f64>,
    /// Only these properties in each feature (comma-separated); `id` and
    /// the geometry always come.
    #[param(example = "reference,name,area_m2,status")]
    pub properties: Option<String>,
    /// Output format: GeoJSON (`json` or `geojson`, the default), `csv`
    /// (one row per plot, its properties as columns, for spreadsheets), or
    /// `html` (a page with a map and a table; browsers get it by `Accept`).
    #[param(value_type = Option<ItemsFormat>, inline)]
    pub f: Option<String>,
}

/// Every parameter the items listing knows.
pub const ITEMS_PARAMS: &[&str] = &[
    "limit",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "cursor",
    "status",
    "land_use",
    "land_use_status",
    "planning_status",
    "municipality",
    "locality",
    "location_class",
    "readiness",
    "ownership",
    "offer_type",
    "contamination",
    "reference",
    "focus_area",
    "as_of",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "properties",
    "near",
    "near_place",
    "within_m",
    "f",
];

/// The parameters `as_of` combines with.
const AS_OF_PARAMS: &[&str] = &["as_of", "limit", "cursor", "f", "status", "municipality"];

/// The parsed items query.
#[derive(Debug, PartialEq)]
pub struct ItemsRequest {
    /// Page size after clamping.
    pub limit: u32,
    pub filter: PlotFilter,
    pub cursor: Option<Cursor>,
    /// The register as it was at this instant (from the history), not now.
    pub as_of: Option<DateTime<Utc>>,
    /// The CRS of the answer's geometries.
    pub crs: Crs,
    /// The sort order asked for (empty: by id).
    pub sortby: Vec<SortKey>,
    /// Where a sorted page starts.
    pub sort_after: Option<SortPosition>,
    /// The properties to return (`None`: all).
    pub properties: Option<Vec<String>>,
    /// Nearest first from a point or a reference place.
    pub near: Option<NearRequest>,
    /// The parameters as given, to rebuild links from.
    pub pairs: Vec<(String, String)>,
}

impl ItemsRequest {
    /// Parses and validates the query string, reporting every problem at once.
    pub fn parse(query: &str, api: &ApiConfig) -> Result<Self, ApiError> {
        let mut p = QueryParams::parse(query);
        p.check_format(&["json", "geojson", "csv", "html"]);
        let limit = p
            .parsed("limit", parse_limit)
            .unwrap_or(api.default_limit.get())
            .min(api.max_limit.get());
        let crs = p.parsed("crs", Crs::parse).unwrap_or(Crs::CRS84);
        let bbox_crs = p.parsed("bbox-crs", Crs::parse).unwrap_or(Crs::CRS84);
        let bbox = p.parsed("bbox", |v| parse_bbox(v, bbox_crs));
        let filter = PlotFilter {
            bbox,
            ..parse_filter(&mut p)
        };
        let sortby = p.parsed("sortby", parse_sortby).unwrap_or_default();
        let properties = p.parsed("properties", |v| {
            list_of(v, |name| {
                if catalogue::property(name).is_some() {
                    Ok(name.to_owned())
                } else {
                    Err(format!("`{name}` is not a property of a plot"))
                }
            })
        });
        let point = p.parsed("near", |v| {
            let numbers: Vec<f64> = v
                .split(',')
                .map(|n| n.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
                .collect::<Option<_>>()
                .ok_or_else(|| format!("`{v}` is not `longitude,latitude`"))?;
            match numbers[..] {
                [lon, lat] if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => {
                    Ok((lon, lat))
                }
                _ => Err(format!("`{v}` is not `longitude,latitude` in CRS84")),
            }
        });
        let place = p.parsed("near_place", |v| Ok(v.trim().to_owned()));
        let within_m = p.parsed("within_m", |v| match v.parse::<f64>() {
            Ok(m) if m > 0.0 && m <= MAX_RADIUS_M => Ok(m),
            _ => Err(format!(
                "must be a distance in metres, above 0 and at most {MAX_RADIUS_M}"
            )),
        });
        let near = match (point, place, within_m) {
            (None, None, None) => None,
            (None, None, Some(_)) => {
                p.error(
                    "within_m",
                    "needs near or near_place: a distance from what?",
                );
                None
            }
            (Some(_), Some(_), _) => {
                p.error("near_place", "give near or near_place, not both");
                None
            }
            (point, place, within_m) => Some(NearRequest {
                point,
                place,
                within_m,
            }),
        };
        if near.is_some() && !sortby.is_empty() {
            p.error(
                "sortby",
                "does not combine with near: plots near a point come nearest first",
            );
        }
        let keyed = !sortby.is_empty() || near.is_some();
        let (cursor, sort_after) = match p.parsed("cursor", decode_cursor) {
            Some(PageCursor::Id(c)) if !keyed => (Some(c), None),
            Some(PageCursor::Sorted(s)) if keyed => (None, Some(s)),
            Some(_) => {
                p.error(
                    "cursor",
                    "does not belong to this sortby; follow the `next` links",
                );
                (None, None)
            }
            None => (None, None),
        };
        let as_of = p.parsed("as_of", parse_as_of);
        if as_of.is_some() {
            let others: Vec<String> = p
                .pairs()
                .iter()
                .map(|(n, _)| n.clone())
                .filter(|n| !AS_OF_PARAMS.contains(&n.as_str()))
                .collect();
            if !others.is_empty() {
                p.error(
                    "as_of",
                    format!(
                        "combines only with limit, cursor, status and municipality, not with {}",
                        others.join(", ")
                    ),
                );
            }
            if matches!(cursor, Some(Cursor::Before(_))) {
                p.error("cursor", "an as_of listing pages forward only");
            }
        }
        let pairs = p.finish(ITEMS_PARAMS)?;
        Ok(Self {
            limit,
            filter,
            cursor,
            as_of,
            crs,
            sortby,
            sort_after,
            properties,
            near,
            pairs,
        })
    }
}

/// The parameters that select plots, as the items listing and the tiles
/// take them: `datetime`, the equality filters of the catalogue's
/// parameters and `focus_area`, and a CQL2 `filter` (with `filter-lang`
/// and `filter-crs`). Errors are recorded in `p`.
pub fn parse_filter(p: &mut QueryParams) -> PlotFilter {
    let mut filter = PlotFilter {
        updated: p.parsed("datetime", parse_datetime),
        ..PlotFilter::default()
    };
    filter.status = p
        .parsed("status", |v| list_of(v, code::<Status>))
        .unwrap_or_default();
    filter.land_use = p
        .parsed("land_use", |v| list_of(v, parse_land_use))
        .unwrap_or_default();
    filter.land_use_status = p
        .parsed("land_use_status", |v| list_of(v, code::<LandUseStatus>))
        .unwrap_or_default();
    filter.planning_status = p
        .parsed("planning_status", |v| list_of(v, code::<PlanningStatus>))
        .unwrap_or_default();
    filter.municipality = p
        .parsed("municipality", |v| list_of(v, parse_municipality))
        .unwrap_or_default();
    filter.locality = p
        .parsed("locality", |v| list_of(v, |s| Ok(s.to_owned())))
        .unwrap_or_default();
    filter.location_class = p
        .parsed("location_class", |v| list_of(v, code::<LocationClass>))
        .unwrap_or_default();
    filter.readiness = p
        .parsed("readiness", |v| list_of(v, code::<Readiness>))
        .unwrap_or_default();
    filter.ownership = p
        .parsed("ownership", |v| list_of(v, code::<Ownership>))
        .unwrap_or_default();
    filter.offer_type = p
        .parsed("offer_type", |v| list_of(v, code::<OfferType>))
        .unwrap_or_default();
    filter.contamination = p
        .parsed("contamination", |v| list_of(v, code::<Contamination>))
        .unwrap_or_default();
    filter.reference = p
        .parsed("reference", |v| list_of(v, |s| Ok(s.to_owned())))
        .unwrap_or_default();
    filter.focus_area = p
        .parsed("focus_area", |v| list_of(v, code::<FocusArea>))
        .unwrap_or_default();
    let filter_lang = p
        .parsed("filter-lang", |v| match v {
            "cql2-text" => Ok(Lang::Text),
            "cql2-json" => Ok(Lang::Json),
            other => Err(format!(
                "`{other}` is not a filter language; use cql2-text or cql2-json"
            )),
        })
        .unwrap_or(Lang::Text);
    let filter_crs = p.parsed("filter-crs", Crs::parse).unwrap_or(Crs::CRS84);
    filter.cql = p.parsed("filter", |v| cql2::parse(v, filter_lang, filter_crs));
    filter
}

/// The parameters [`parse_filter`] reads.
pub const FILTER_PARAMS: &[&str] = &[
    "datetime",
    "status",
    "land_use",
    "land_use_status",
    "planning_status",
    "municipality",
    "locality",
    "location_class",
    "readiness",
    "ownership",
    "offer_type",
    "contamination",
    "reference",
    "focus_area",
    "filter",
    "filter-lang",
    "filter-crs",
];

/// The parameters that select plots ([`FILTER_PARAMS`]) for the OpenAPI
/// document, documented as the items listing documents them.
pub struct FilterQuery;

impl IntoParams for FilterQuery {
    fn into_params(
        parameter_in_provider: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        ItemsQuery::into_params(parameter_in_provider)
            .into_iter()
            .filter(|p| FILTER_PARAMS.contains(&p.name.as_str()))
            .collect()
    }
}

/// A value of a code list.
fn code<T: FromStr + VariantNames>(value: &str) -> Result<T, String> {
    match T::from_str(value) {
        Ok(code) => Ok(code),
        Err(_) => Err(format!(
            "`{value}` is not one of {}",
            T::VARIANTS.join(", ")
        )),
    }
}

fn parse_land_use(value: &str) -> Result<i32, String> {
    match value.parse::<i32>() {
        Ok(code) if (1000..=9999).contains(&code) => Ok(code),
        _ => Err(format!(
            "`{value}` is not a 4-digit SOSI land-use code (e.g. 1340)"
        )),
    }
}

fn parse_municipality(value: &str) -> Result<String, String> {
    if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "`{value}` is not a 4-digit municipality number (e.g. 3301)"
        ))
    }
}

/// A `bbox` in `crs`: 4 numbers (or 6, with heights, which are ignored) in
/// the CRS's axis order (latitude first for EPSG:4326 and 4258 as URIs).
fn parse_bbox(value: &str, crs: Crs) -> Result<Bbox, String> {
    let numbers: Vec<f64> = value
        .split(',')
        .map(|n| n.trim().parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect::<Option<_>>()
        .ok_or_else(|| format!("`{value}` is not a comma-separated list of numbers"))?;
    let (mut west, mut south, mut east, mut north) = match numbers[..] {
        [w, s, e, n] | [w, s, _, e, n, _] => (w, s, e, n),
        _ => return Err(format!("needs 4 or 6 numbers, got {}", numbers.len())),
    };
    if crs.lat_lon() {
        (west, south, east, north) = (south, west, north, east);
    }
    if crs.is_geographic() {
        let order = if crs.lat_lon() {
            format!("{crs} is latitude first")
        } else {
            "CRS84 is longitude first".to_owned()
        };
        if !(-180.0..=180.0).contains(&west) || !(-180.0..=180.0).contains(&east) {
            return Err(format!("longitudes must be from -180 to 180 ({order})"));
        }
        if !(-90.0..=90.0).contains(&south) || !(-90.0..=90.0).contains(&north) {
            return Err(format!("latitudes must be from -90 to 90 ({order})"));
        }
    }
    if south > north {
        return Err("the south edge is north of the north edge".to_owned());
    }
    if west > east {
        return Err("boxes crossing the antimeridian are not supported".to_owned());
    }
    Ok(Bbox {
        west,
        south,
        east,
        north,
        srid: crs.srid,
    })
}

/// An `as_of` instant: an RFC 3339 date-time, or a date meaning the end of
/// that day (the register as it stood that evening).
pub fn parse_as_of(value: &str) -> Result<DateTime<Utc>, String> {
    parse_datetime(value).map(|(_, end)| end.unwrap_or_else(Utc::now))
}

/// The instant `value` names: an RFC 3339 date-time, or the start of a
/// date (UTC).
pub fn parse_instant(value: &str) -> Result<DateTime<Utc>, String> {
    if value.contains('/') {
        return Err("must be an instant or a date, not an interval".to_owned());
    }
    parse_datetime(value).map(|(start, _)| start.unwrap_or_else(Utc::now))
}

fn parse_datetime(value: &str) -> Result<Interval, String> {
    fn bound(s: &str, end: bool) -> Result<Option<DateTime<Utc>>, String> {
        if s.is_empty() || s == ".." {
            return Ok(None);
        }
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(Some(t.with_timezone(&Utc)));
        }
        let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| format!("`{s}` is not an RFC 3339 date-time or date"))?;
        let time = if end {
            date.and_hms_micro_opt(23, 59, 59, 999_999)
        } else {
            date.and_hms_opt(0, 0, 0)
        };
        Ok(time.map(|t| t.and_utc()))
    }
    match value.split_once('/') {
        Some((start, end)) => {
            let interval = (bound(start, false)?, bound(end, true)?);
            if let (Some(s), Some(e)) = interval
                && s > e
            {
                return Err("the interval ends before it starts".to_owned());
            }
            Ok(interval)
        }
        None if value == ".." || value.is_empty() => Err("an instant cannot be open".to_owned()),
        None => Ok((bound(value, false)?, bound(value, true)?)),
    }
}

const CURSOR_AFTER: &str = "a";
const CURSOR_BEFORE: &str = "b";

/// The opaque text of a cursor, as it goes into `next` and `prev` links.
pub fn encode_cursor(cursor: Cursor) -> String {
    let text = match cursor {
        Cursor::After(id) => format!("{CURSOR_AFTER}:{id}"),
        Cursor::Before(id) => format!("{CURSOR_BEFORE}:{id}"),
    };
    URL_SAFE_NO_PAD.encode(text)
}

/// Where distances are measured from: a point in CRS84, or a reference
/// place by name (resolved against the database).
#[derive(Debug, Clone, PartialEq)]
pub struct NearRequest {
    pub point: Option<(f64, f64)>,
    pub place: Option<String>,
    pub within_m: Option<f64>,
}

/// A cursor: after/before an id (the default order), or a position in a
/// `sortby` order.
#[derive(Debug, Clone, PartialEq)]
enum PageCursor {
    Id(Cursor),
    Sorted(SortPosition),
}

fn decode_cursor(value: &str) -> Result<PageCursor, String> {
    let invalid =
        || "is not a cursor of this server; follow the `next` and `prev` links".to_owned();
    let bytes = URL_SAFE_NO_PAD.decode(value).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (kind, rest) = text.split_once(':').ok_or_else(invalid)?;
    if kind == CURSOR_SORTED {
        return SortPosition::decode(rest)
            .map(PageCursor::Sorted)
            .ok_or_else(invalid);
    }
    let id = Uuid::parse_str(rest).map_err(|_| invalid())?;
    match kind {
        CURSOR_AFTER => Ok(PageCursor::Id(Cursor::After(id))),
        CURSOR_BEFORE => Ok(PageCursor::Id(Cursor::Before(id))),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogues_parameters_are_the_listings() {
        for property in catalogue::PROPERTIES {
            assert_eq!(
                property.parameter,
                ITEMS_PARAMS.contains(&property.name),
                "{}",
                property.name
            );
        }
    }

    fn parse(query: &str) -> Result<ItemsRequest, Vec<(String, String)>> {
        ItemsRequest::parse(query, &ApiConfig::default()).map_err(|e| match e {
            ApiError::InvalidParameters(errors) => {
                errors.into_iter().map(|e| (e.name, e.reason)).collect()
            }
            other => panic!("unexpected {other:?}"),
        })
    }

    #[test]
    fn limit_defaults_clamps_and_refuses() {
        assert_eq!(parse("").unwrap().limit, 10);
        assert_eq!(parse("limit=5000").unwrap().limit, 1000);
        assert_eq!(parse("limit=10001").unwrap().limit, 1000);
        assert_eq!(parse("limit=1000000000000000000000").unwrap().limit, 1000);
        for bad in ["limit=0", "limit=-1", "limit=ten"] {
            let errors = parse(bad).unwrap_err();
            assert_eq!(errors[0].0, "limit", "{bad}");
        }
    }

    #[test]
    fn bbox_takes_four_or_six_numbers_lon_first() {
        let bbox = parse("bbox=10.1,59.7,10.3,59.8")
            .unwrap()
            .filter
            .bbox
            .unwrap();
        assert_eq!((bbox.west, bbox.north), (10.1, 59.8));
        assert!(
            parse("bbox=10.1,59.7,0,10.3,59.8,100")
                .unwrap()
                .filter
                .bbox
                .is_some()
        );
        for bad in [
            "bbox=1,2,3",
            "bbox=a,b,c,d",
            "bbox=59.7,10.1,59.8,200",
            "bbox=10,60,11,59",
            "bbox=NaN,1,2,3",
        ] {
            assert_eq!(parse(bad).unwrap_err()[0].0, "bbox", "{bad}");
        }
    }

    #[test]
    fn code_lists_are_checked() {
        let request = parse("status=available,reserved&location_class=C&land_use=1340").unwrap();
        assert_eq!(request.filter.status, [Status::Available, Status::Reserved]);
        assert_eq!(request.filter.land_use, [1340]);
        let errors = parse("status=free&land_use=13&municipality=33&location_class=D").unwrap_err();
        let names: Vec<_> = errors.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["status", "land_use", "municipality", "location_class"]
        );
        assert!(errors[0].1.contains("available, reserved"));
    }

    #[test]
    fn datetime_instants_dates_and_intervals() {
        let (s, e) = parse("datetime=2026-01-01/..")
            .unwrap()
            .filter
            .updated
            .unwrap();
        assert_eq!(s.unwrap().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert!(e.is_none());
        let (s, e) = parse("datetime=2026-03-01")
            .unwrap()
            .filter
            .updated
            .unwrap();
        assert!(s.unwrap() < e.unwrap());
        for bad in [
            "datetime=yesterday",
            "datetime=2026-02-01/2026-01-01",
            "datetime=..",
        ] {
            assert_eq!(parse(bad).unwrap_err()[0].0, "datetime", "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip_and_forgeries_are_refused() {
        let id = Uuid::new_v4();
        for cursor in [Cursor::After(id), Cursor::Before(id)] {
            let text = encode_cursor(cursor);
            assert_eq!(
                parse(&format!("cursor={text}")).unwrap().cursor,
                Some(cursor)
            );
        }
        assert_eq!(parse("cursor=abc").unwrap_err()[0].0, "cursor");
    }

    #[test]
    fn crs_and_bbox_crs_take_the_supported_crss_in_their_axis_order() {
        let crs84 = crate::crs::CRS84;
        assert!(parse(&format!("crs={crs84}&bbox-crs={crs84}")).is_ok());
        let utm = parse(
            "crs=http://www.opengis.net/def/crs/EPSG/0/25832&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/25832&bbox=560000,6610000,580000,6630000",
        )
        .unwrap();
        assert_eq!(utm.crs.srid, 25832);
        assert_eq!(utm.filter.bbox.unwrap().srid, 25832);
        // EPSG:4326 as a URI is latitude first.
        let lat_lon =
            parse("bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4326&bbox=59.7,10.2,59.8,10.3")
                .unwrap();
        let b = lat_lon.filter.bbox.unwrap();
        assert_eq!((b.west, b.south, b.east, b.north), (10.2, 59.7, 10.3, 59.8));
        let errors = parse("crs=http://www.opengis.net/def/crs/EPSG/0/2154").unwrap_err();
        assert_eq!(errors[0].0, "crs");
    }

    #[test]
    fn unknown_parameters_are_refused_by_name() {
        let errors = parse("limit=5&colour=red").unwrap_err();
        assert_eq!(errors[0].0, "colour");
    }
}
