//! The plot as clients see it: a GeoJSON Feature whose properties are flat
//! (every GIS tool shows flat attributes as columns). The properties are
//! those of the catalogue, in its order; a test holds them to it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;
use uuid::Uuid;

use super::catalogue::shown_area;
use super::codes::{
    Contamination, FocusArea, LandUseStatus, LocationClass, NoiseZone, OfferType, Ownership,
    PlanningStatus, Readiness, Status, UtilisationType,
};
use super::queries::Plot;
use crate::http::link::Link;

/// A document about the plot (plan, site plan, prospectus).
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Document {
    /// What the document is.
    pub title: String,
    /// Where it is.
    pub url: String,
    /// Its media type, e.g. `application/pdf`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// The properties of a plot of business land.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlotProperties {
    /// Human reference, e.g. `DRM-0042`; unique.
    #[schema(example = "DRM-0042")]
    pub reference: String,
    /// Name of the plot.
    #[schema(example = "Holmen øst, tomt 3")]
    pub name: String,
    /// Address or place name.
    pub address: Option<String>,
    /// Ids of the plots this one was split or merged from.
    pub previously_part_of: Vec<Uuid>,
    /// Municipality number (kommunenummer), 4 digits; Drammen is 3301.
    #[schema(example = "3301")]
    pub municipality: String,
    /// Locality, e.g. Holmen, Brakerøya, Lierstranda.
    pub locality: Option<String>,
    /// Cadastral units (matrikkelenheter) as `knr-gnr/bnr[/fnr/snr]`.
    #[schema(example = json!(["3301-113/245"]))]
    pub cadastral_units: Vec<String>,
    /// Area in m², computed geodesically from the geometry (never from input).
    pub area_m2: f64,
    /// Area in decare (daa, 1,000 m²), as Norwegians read it.
    pub area_daa: f64,
    /// SOSI land-use code (arealformål), e.g. 1340 Industri; see `/collections/plots/queryables`.
    #[schema(example = 1340)]
    pub land_use: i32,
    /// Whether the land-use purpose is in force or planned.
    pub land_use_status: LandUseStatus,
    /// The plan's id (planidentifikasjon).
    pub plan_id: Option<String>,
    /// How far planning has come.
    pub planning_status: PlanningStatus,
    /// Permitted utilisation in percent.
    pub utilisation_percent: Option<f64>,
    /// What `utilisation_percent` measures: %-BYA or %-BRA.
    pub utilisation_type: Option<UtilisationType>,
    /// Maximum building height in metres.
    pub max_height_m: Option<f64>,
    /// ABC location class.
    pub location_class: LocationClass,
    /// How ready the plot is for building.
    pub readiness: Readiness,
    /// Who owns the plot.
    pub ownership: Ownership,
    /// The owner's name.
    pub owner_name: Option<String>,
    /// For sale, for lease (feste), or both.
    pub offer_type: OfferType,
    /// Asking price in NOK per m² (sale).
    pub price_nok_per_m2: Option<i32>,
    /// Ground rent in NOK per m² per year (lease).
    pub lease_nok_per_m2_year: Option<i32>,
    /// Notes on price and terms.
    pub price_note: Option<String>,
    /// Availability.
    pub status: Status,
    /// The date from which the plot can be taken into use.
    pub available_from: Option<NaiveDate>,
    /// Water and sewer connected or at the boundary.
    pub water_sewer: bool,
    /// Electric power capacity available to the plot, in kW.
    pub power_capacity_kw: Option<i32>,
    /// District heating available.
    pub district_heating: bool,
    /// Fibre available.
    pub fibre: bool,
    /// Road access in place.
    pub road_access: bool,
    /// Distance in metres to the nearest port (derived from reference places).
    pub port_distance_m: Option<i32>,
    /// The nearest port.
    pub port_name: Option<String>,
    /// Distance in metres to the nearest rail freight terminal.
    pub rail_terminal_distance_m: Option<i32>,
    /// The nearest rail freight terminal.
    pub rail_terminal_name: Option<String>,
    /// Distance in metres to the nearest motorway junction (E18, E134, Rv23).
    pub motorway_distance_m: Option<i32>,
    /// The nearest motorway junction.
    pub motorway_junction_name: Option<String>,
    /// Distance in metres to the nearest train station.
    pub station_distance_m: Option<i32>,
    /// The nearest train station.
    pub station_name: Option<String>,
    /// Contaminated ground.
    pub contamination: Contamination,
    /// Cultural heritage on or by the plot.
    pub cultural_heritage: bool,
    /// In a flood zone.
    pub flood_zone: bool,
    /// In a landslide zone.
    pub landslide_zone: bool,
    /// In a quick-clay zone (kvikkleire).
    pub quick_clay_zone: bool,
    /// Noise zone.
    pub noise_zone: NoiseZone,
    /// Ground conditions.
    pub ground_conditions: Option<String>,
    /// Focus areas of the strategic business plan the plot suits.
    pub focus_areas: Vec<FocusArea>,
    /// Plan documents, site plans and other links.
    #[schema(value_type = Vec<Document>)]
    pub documents: serde_json::Value,
    /// The municipality's contact for the plot.
    pub contact_name: Option<String>,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// True for the fictional demo data shipped with the registry.
    pub demo: bool,
    /// False while planners prepare the plot: the public does not see it.
    pub published: bool,
    /// When the plot was first added.
    pub created_at: DateTime<Utc>,
    /// When the plot last changed (the `datetime` parameter filters on this).
    pub updated_at: DateTime<Utc>,
    /// When the plot ended (sold, withdrawn, merged); absent while it is on offer.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it ended.
    pub end_reason: Option<String>,
    /// Version number, raised by every change.
    pub version: i32,
}

/// A plot as a GeoJSON Feature.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlotFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "Feature")]
    pub kind: &'static str,
    /// The plot's stable id.
    pub id: Uuid,
    /// A GeoJSON MultiPolygon in CRS84 (longitude, latitude), exterior rings counter-clockwise.
    #[schema(value_type = Object)]
    pub geometry: Box<RawValue>,
    /// The plot's properties.
    pub properties: PlotProperties,
    /// Links (on a single feature): `self`, `alternate`, `collection`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// A plot in a page of plots: a [`PlotFeature`] whose properties are only
/// those that `properties` names, when it does. For the OpenAPI document
/// only; the page holds [`PlotFeature`]s.
#[derive(ToSchema)]
#[expect(dead_code, reason = "a schema, never built")]
pub struct ListedPlotFeature {
    /// Always `Feature`.
    #[schema(rename = "type", example = "Feature")]
    kind: String,
    /// The plot's stable id.
    id: Uuid,
    /// A GeoJSON MultiPolygon in CRS84 (longitude, latitude), exterior rings counter-clockwise.
    #[schema(value_type = Object)]
    geometry: (),
    /// The plot's properties: every one, or those that `properties` names.
    properties: ListedPlotProperties,
}

/// [`PlotProperties`] with none required: a page of plots holds only those
/// that its `properties` parameter names (and `distance_m` with `near`).
pub struct ListedPlotProperties;

impl utoipa::PartialSchema for ListedPlotProperties {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::{RefOr, schema::Schema};
        let mut schema = <PlotProperties as utoipa::PartialSchema>::schema();
        if let RefOr::T(Schema::Object(object)) = &mut schema {
            object.required.clear();
            object.description = Some(
                "The plot's properties (as `PlotProperties`): every one, or only those that \
                 the `properties` parameter names."
                    .to_owned(),
            );
        }
        schema
    }
}

impl ToSchema for ListedPlotProperties {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <PlotProperties as ToSchema>::schemas(schemas);
    }
}

/// A page of plots as a GeoJSON FeatureCollection.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlotCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "FeatureCollection")]
    pub kind: &'static str,
    /// The plots of this page.
    #[schema(value_type = Vec<ListedPlotFeature>)]
    pub features: Vec<PlotFeature>,
    /// `self`, `alternate`, `collection`, and `next`/`prev` where there are more pages.
    pub links: Vec<Link>,
    /// When the page was made.
    pub time_stamp: DateTime<Utc>,
    /// How many plots match the query, when counting them is affordable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_matched: Option<u64>,
    /// How many plots this page holds.
    pub number_returned: usize,
}

impl PlotFeature {
    /// The feature for a plot. The geometry is GeoJSON text made by PostGIS.
    pub fn from_plot(plot: Plot) -> anyhow::Result<Self> {
        let Plot { geometry, row } = plot;
        let (area_m2, area_daa) = shown_area(row.area_m2.unwrap_or_default());
        Ok(Self {
            kind: "Feature",
            id: row.id,
            geometry: RawValue::from_string(geometry)?,
            properties: PlotProperties {
                reference: row.reference,
                name: row.name,
                address: row.address,
                previously_part_of: row.previously_part_of.into_iter().flatten().collect(),
                municipality: row.municipality,
                locality: row.locality,
                cadastral_units: row.cadastral_units.into_iter().flatten().collect(),
                area_m2,
                area_daa,
                land_use: row.land_use,
                land_use_status: row.land_use_status,
                plan_id: row.plan_id,
                planning_status: row.planning_status,
                utilisation_percent: row.utilisation_percent,
                utilisation_type: row.utilisation_type,
                max_height_m: row.max_height_m,
                location_class: row.location_class,
                readiness: row.readiness,
                ownership: row.ownership,
                owner_name: row.owner_name,
                offer_type: row.offer_type,
                price_nok_per_m2: row.price_nok_per_m2,
                lease_nok_per_m2_year: row.lease_nok_per_m2_year,
                price_note: row.price_note,
                status: row.status,
                available_from: row.available_from,
                water_sewer: row.water_sewer,
                power_capacity_kw: row.power_capacity_kw,
                district_heating: row.district_heating,
                fibre: row.fibre,
                road_access: row.road_access,
                port_distance_m: row.port_distance_m,
                port_name: row.port_name,
                rail_terminal_distance_m: row.rail_terminal_distance_m,
                rail_terminal_name: row.rail_terminal_name,
                motorway_distance_m: row.motorway_distance_m,
                motorway_junction_name: row.motorway_junction_name,
                station_distance_m: row.station_distance_m,
                station_name: row.station_name,
                contamination: row.contamination,
                cultural_heritage: row.cultural_heritage,
                flood_zone: row.flood_zone,
                landslide_zone: row.landslide_zone,
                quick_clay_zone: row.quick_clay_zone,
                noise_zone: row.noise_zone,
                ground_conditions: row.ground_conditions,
                focus_areas: row.focus_areas.into_iter().flatten().collect(),
                documents: row.documents,
                contact_name: row.contact_name,
                contact_email: row.contact_email,
                contact_phone: row.contact_phone,
                demo: row.is_demo,
                published: row.published,
                created_at: row.created_at,
                updated_at: row.updated_at,
                ended_at: row.ended_at,
                end_reason: row.end_reason,
                version: row.version,
            },
            links: Vec::new(),
        })
    }
}
