//! Wire types shared by the OGC API resources.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::link::Link;

/// The landing page.
#[derive(Debug, Serialize, ToSchema)]
pub struct LandingPage {
    /// The service's name.
    pub title: String,
    /// What it offers.
    pub description: String,
    /// `self`, `alternate`, `service-desc`, `service-doc`, `conformance`, `data`.
    pub links: Vec<Link>,
}

/// The conformance classes the service implements.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Conformance {
    /// Conformance class URIs.
    pub conforms_to: Vec<String>,
}

/// The collections the service offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct Collections {
    /// `self` and `alternate`.
    pub links: Vec<Link>,
    /// The collections.
    pub collections: Vec<Collection>,
}

/// One collection's description.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    /// The collection's id, as used in its URL.
    pub id: String,
    /// A title for people.
    pub title: String,
    /// What the collection holds.
    pub description: String,
    /// Always `feature`.
    pub item_type: String,
    /// Spatial and temporal extent, computed from the data.
    pub extent: Extent,
    /// The CRSs features can be had in.
    pub crs: Vec<String>,
    /// The CRS the features are stored in.
    pub storage_crs: String,
    /// Links: `self`, `alternate`, `items`, `http://www.opengis.net/def/rel/ogc/1.0/queryables`.
    pub links: Vec<Link>,
}

/// Spatial and temporal extent.
#[derive(Debug, Serialize, ToSchema)]
pub struct Extent {
    /// The bounding box of the data.
    pub spatial: SpatialExtent,
    /// The time interval of the data.
    pub temporal: TemporalExtent,
}

/// Bounding box in CRS84.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpatialExtent {
    /// `[[west, south, east, north]]`.
    pub bbox: Vec<[f64; 4]>,
    /// Always CRS84.
    pub crs: String,
}

/// Time interval.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemporalExtent {
    /// `[[start, end]]`; `null` is open.
    #[schema(value_type = Vec<Vec<Option<String>>>)]
    pub interval: Vec<[Option<DateTime<Utc>>; 2]>,
    /// The property the interval (and the `datetime` parameter) refers to.
    pub trs: String,
}
