//! The catalogue of a plot's properties: each one declared once, with its
//! column, its type and code list, its title and group (as `domain.md`
//! groups a plot's characteristics), how it is written (by planners and
//! checked how, computed by the registry, or kept by the registry itself),
//! and whether it can be filtered and sorted on, is drawn in tiles, and is
//! judged by site matching.
//!
//! Everything that lists properties derives from [`PROPERTIES`]: the names
//! of the output and of `properties=`, the queryables and the JSON Schema,
//! the columns a write sets, the demo loader's columns and site matching's
//! columns. Tests check the wire type and the database against it.

use serde_json::{Value, json};
use strum::VariantNames;

use super::codes::{
    Contamination, FocusArea, LandUseStatus, LocationClass, NoiseZone, OfferType, Ownership,
    PlanningStatus, Readiness, Status, UtilisationType,
};

/// The collection's id in URLs.
pub const COLLECTION_ID: &str = "plots";

/// What a property holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
    Date,
    Timestamp,
    /// A list of text (of the property's code list, if it has one).
    TextList,
    /// A list of plot ids.
    Uuids,
    /// A list of `{title, url, type}`.
    Documents,
    /// The boundary (the feature's geometry, not a property).
    Geometry,
}

impl Kind {
    /// Whether a listing can be ordered by a property of this kind.
    pub fn sortable(self) -> bool {
        !matches!(
            self,
            Self::TextList | Self::Uuids | Self::Documents | Self::Geometry
        )
    }
}

/// How a planner's value of a property is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Check {
    /// Text of 1 to `max` characters (after trimming: blank text is refused).
    Text {
        max: usize,
    },
    /// `AA-0042`: 2–8 capitals or digits, a dash, 1–7 digits.
    Reference,
    /// A municipality number (kommunenummer).
    Municipality,
    /// One of the property's code list.
    Code,
    /// A SOSI land-use code the registry knows.
    LandUse,
    /// A whole number from `min` to `max`.
    Int {
        min: i64,
        max: i64,
    },
    /// A number greater than `above` and at most `max`.
    Number {
        above: f64,
        max: f64,
    },
    Bool,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A list of cadastral units, `knr-gnr/bnr[/fnr/snr]`.
    CadastralUnits,
    /// A list of plot ids.
    PlotIds,
    /// A list of focus areas, each at most once.
    FocusAreas,
    /// A list of `{title, url}`.
    Documents,
    Email,
    Phone,
}

/// A property's value when it is left out of a write.
pub type DefaultValue = fn() -> Value;

/// Who writes a property.
#[derive(Debug, Clone, Copy)]
pub enum Write {
    /// Planners, checked as `check`; `default` is its value when left out
    /// (`None`: it is required).
    Input {
        check: Check,
        default: Option<DefaultValue>,
    },
    /// The registry, from the geometry and the reference places. A client
    /// may send it back as it read it (an exported file imports unchanged);
    /// a value that differs from the computed one is refused.
    Computed,
    /// The registry itself (the lifecycle: version, times, ending, the demo
    /// mark); ignored in input.
    Kept,
}

/// The groups of a plot's characteristics, as `domain.md` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Identity,
    Location,
    Cadastre,
    Size,
    Planning,
    Terms,
    Availability,
    Infrastructure,
    Access,
    Constraints,
    Fit,
    Contact,
    Lifecycle,
}

/// One property of a plot.
#[derive(Debug, Clone, Copy)]
pub struct Property {
    /// Its name on the wire.
    pub name: &'static str,
    /// The column it is read from (`None`: derived from another, as
    /// `area_daa` from `area_m2`).
    pub column: Option<&'static str>,
    pub kind: Kind,
    /// Its code list, where it has one.
    pub codes: Option<&'static [&'static str]>,
    /// A title for people (English).
    pub title: &'static str,
    pub group: Group,
    pub write: Write,
    /// Whether a CQL2 filter may name it (and `sortby`, where its kind sorts).
    pub queryable: bool,
    /// Whether the items listing takes it as a parameter of its own
    /// (`?status=available,reserved`: any of the values matches).
    pub parameter: bool,
    /// Whether vector tiles carry it.
    pub tile: bool,
    /// Whether site matching judges plots by it (its in-memory copy holds it).
    pub matched: bool,
}

impl Property {
    /// Whether `sortby` may name it.
    pub fn sortable(&self) -> bool {
        self.queryable && self.kind.sortable()
    }

    /// The JSON Schema of its values.
    pub fn json_schema(&self) -> Value {
        match self.kind {
            Kind::Text => json!({"type": "string"}),
            Kind::Integer => json!({"type": "integer"}),
            Kind::Number => json!({"type": "number"}),
            Kind::Boolean => json!({"type": "boolean"}),
            Kind::Date => json!({"type": "string", "format": "date"}),
            Kind::Timestamp => json!({"type": "string", "format": "date-time"}),
            Kind::TextList => match self.codes {
                Some(codes) => json!({"type": "array", "items": {"type": "string", "enum": codes}}),
                None => json!({"type": "array", "items": {"type": "string"}}),
            },
            Kind::Uuids => json!({"type": "array", "items": {"type": "string", "format": "uuid"}}),
            Kind::Documents => json!({"type": "array", "items": {"type": "object"}}),
            Kind::Geometry => {
                json!({"format": "geometry-multipolygon", "x-ogc-role": "primary-geometry"})
            }
        }
    }

    const fn new(name: &'static str, kind: Kind, group: Group, title: &'static str) -> Self {
        Self {
            name,
            column: Some(name),
            kind,
            codes: None,
            title,
            group,
            write: Write::Kept,
            queryable: false,
            parameter: false,
            tile: false,
            matched: false,
        }
    }

    const fn codes(mut self, codes: &'static [&'static str]) -> Self {
        self.codes = Some(codes);
        self
    }

    const fn column(mut self, column: Option<&'static str>) -> Self {
        self.column = column;
        self
    }

    /// Written by planners; required.
    const fn required(mut self, check: Check) -> Self {
        self.write = Write::Input {
            check,
            default: None,
        };
        self
    }

    /// Written by planners; null when left out.
    const fn optional(mut self, check: Check) -> Self {
        self.write = Write::Input {
            check,
            default: Some(|| Value::Null),
        };
        self
    }

    /// Written by planners; `default` when left out.
    const fn defaults(mut self, check: Check, default: DefaultValue) -> Self {
        self.write = Write::Input {
            check,
            default: Some(default),
        };
        self
    }

    const fn computed(mut self) -> Self {
        self.write = Write::Computed;
        self
    }

    const fn queryable(mut self) -> Self {
        self.queryable = true;
        self
    }

    /// Queryable, and a parameter of the items listing.
    const fn parameter(mut self) -> Self {
        self.queryable = true;
        self.parameter = true;
        self
    }

    const fn tile(mut self) -> Self {
        self.tile = true;
        self
    }

    const fn matched(mut self) -> Self {
        self.matched = true;
        self
    }
}

use Group::*;
use Kind::{Boolean, Date, Documents, Integer, Number, Text, TextList, Timestamp, Uuids};

const TEXT_SHORT: Check = Check::Text { max: 200 };
const TEXT_LONG: Check = Check::Text { max: 1000 };
const NOK: Check = Check::Int {
    min: 0,
    max: 10_000_000,
};

/// The boundary: not a property, but filters name it as one.
pub const GEOMETRY: Property = Property::new("geometry", Kind::Geometry, Location, "Boundary")
    .column(Some("geom"))
    .queryable();

/// Every property of a plot, in output order.
pub const PROPERTIES: &[Property] = &[
    Property::new("reference", Text, Identity, "Reference")
        .required(Check::Reference)
        .parameter()
        .tile(),
    Property::new("name", Text, Identity, "Name")
        .required(TEXT_SHORT)
        .queryable()
        .tile(),
    Property::new("address", Text, Identity, "Address")
        .optional(Check::Text { max: 300 })
        .queryable(),
    Property::new(
        "previously_part_of",
        Uuids,
        Identity,
        "Split or merged from",
    )
    .defaults(Check::PlotIds, || json!([])),
    Property::new("municipality", Text, Location, "Municipality number")
        .required(Check::Municipality)
        .parameter(),
    Property::new("locality", Text, Location, "Locality")
        .optional(Check::Text { max: 100 })
        .parameter(),
    Property::new("cadastral_units", TextList, Cadastre, "Cadastral units")
        .defaults(Check::CadastralUnits, || json!([])),
    Property::new("area_m2", Number, Size, "Area (m²)")
        .computed()
        .queryable()
        .tile()
        .matched(),
    Property::new("area_daa", Number, Size, "Area (daa)")
        .column(None)
        .computed()
        .tile(),
    Property::new("land_use", Integer, Planning, "SOSI land-use code")
        .required(Check::LandUse)
        .parameter()
        .tile()
        .matched(),
    Property::new(
        "land_use_status",
        Text,
        Planning,
        "Current or future land use",
    )
    .codes(LandUseStatus::VARIANTS)
    .required(Check::Code)
    .parameter(),
    Property::new("plan_id", Text, Planning, "Plan id")
        .optional(Check::Text { max: 100 })
        .queryable(),
    Property::new("planning_status", Text, Planning, "Planning status")
        .codes(PlanningStatus::VARIANTS)
        .required(Check::Code)
        .parameter(),
    Property::new(
        "utilisation_percent",
        Number,
        Planning,
        "Permitted utilisation (%)",
    )
    .optional(Check::Number {
        above: 0.0,
        max: 1000.0,
    })
    .queryable(),
    Property::new("utilisation_type", Text, Planning, "Utilisation measure")
        .codes(UtilisationType::VARIANTS)
        .optional(Check::Code)
        .queryable(),
    Property::new("max_height_m", Number, Planning, "Maximum height (m)")
        .optional(Check::Number {
            above: 0.0,
            max: 500.0,
        })
        .queryable(),
    Property::new("location_class", Text, Location, "ABC location class")
        .codes(LocationClass::VARIANTS)
        .required(Check::Code)
        .parameter()
        .tile()
        .matched(),
    Property::new("readiness", Text, Planning, "Readiness for building")
        .codes(Readiness::VARIANTS)
        .required(Check::Code)
        .parameter(),
    Property::new("ownership", Text, Terms, "Ownership")
        .codes(Ownership::VARIANTS)
        .required(Check::Code)
        .parameter(),
    Property::new("owner_name", Text, Terms, "Owner")
        .optional(TEXT_SHORT)
        .queryable(),
    Property::new("offer_type", Text, Terms, "Offer type")
        .codes(OfferType::VARIANTS)
        .required(Check::Code)
        .parameter()
        .matched(),
    Property::new("price_nok_per_m2", Integer, Terms, "Price (NOK/m²)")
        .optional(NOK)
        .queryable()
        .tile()
        .matched(),
    Property::new(
        "lease_nok_per_m2_year",
        Integer,
        Terms,
        "Ground rent (NOK/m² a year)",
    )
    .optional(NOK)
    .queryable(),
    Property::new("price_note", Text, Terms, "Price and terms").optional(TEXT_LONG),
    Property::new("status", Text, Availability, "Availability status")
        .codes(Status::VARIANTS)
        .required(Check::Code)
        .parameter()
        .tile(),
    Property::new("available_from", Date, Availability, "Available from")
        .optional(Check::Date)
        .queryable()
        .matched(),
    Property::new("water_sewer", Boolean, Infrastructure, "Water and sewer")
        .defaults(Check::Bool, || json!(false))
        .queryable(),
    Property::new(
        "power_capacity_kw",
        Integer,
        Infrastructure,
        "Power capacity (kW)",
    )
    .optional(Check::Int {
        min: 0,
        max: 2_000_000,
    })
    .queryable()
    .matched(),
    Property::new(
        "district_heating",
        Boolean,
        Infrastructure,
        "District heating",
    )
    .defaults(Check::Bool, || json!(false))
    .queryable(),
    Property::new("fibre", Boolean, Infrastructure, "Fibre")
        .defaults(Check::Bool, || json!(false))
        .queryable(),
    Property::new("road_access", Boolean, Infrastructure, "Road access")
        .defaults(Check::Bool, || json!(false))
        .queryable(),
    Property::new("port_distance_m", Integer, Access, "Distance to port (m)")
        .computed()
        .queryable()
        .matched(),
    Property::new("port_name", Text, Access, "Nearest port")
        .computed()
        .queryable(),
    Property::new(
        "rail_terminal_distance_m",
        Integer,
        Access,
        "Distance to rail freight terminal (m)",
    )
    .computed()
    .queryable()
    .matched(),
    Property::new(
        "rail_terminal_name",
        Text,
        Access,
        "Nearest rail freight terminal",
    )
    .computed()
    .queryable(),
    Property::new(
        "motorway_distance_m",
        Integer,
        Access,
        "Distance to motorway junction (m)",
    )
    .computed()
    .queryable()
    .matched(),
    Property::new(
        "motorway_junction_name",
        Text,
        Access,
        "Nearest motorway junction",
    )
    .computed()
    .queryable(),
    Property::new(
        "station_distance_m",
        Integer,
        Access,
        "Distance to train station (m)",
    )
    .computed()
    .queryable()
    .matched(),
    Property::new("station_name", Text, Access, "Nearest train station")
        .computed()
        .queryable(),
    Property::new("contamination", Text, Constraints, "Contaminated ground")
        .codes(Contamination::VARIANTS)
        .defaults(Check::Code, || json!("none"))
        .parameter()
        .matched(),
    Property::new(
        "cultural_heritage",
        Boolean,
        Constraints,
        "Cultural heritage",
    )
    .defaults(Check::Bool, || json!(false))
    .queryable(),
    Property::new("flood_zone", Boolean, Constraints, "Flood zone")
        .defaults(Check::Bool, || json!(false))
        .queryable(),
    Property::new("landslide_zone", Boolean, Constraints, "Landslide zone")
        .defaults(Check::Bool, || json!(false))
        .queryable(),
    Property::new("quick_clay_zone", Boolean, Constraints, "Quick-clay zone")
        .defaults(Check::Bool, || json!(false))
        .queryable(),
    Property::new("noise_zone", Text, Constraints, "Noise zone")
        .codes(NoiseZone::VARIANTS)
        .defaults(Check::Code, || json!("none"))
        .queryable(),
    Property::new("ground_conditions", Text, Constraints, "Ground conditions").optional(TEXT_LONG),
    Property::new("focus_areas", TextList, Fit, "Focus areas")
        .codes(FocusArea::VARIANTS)
        .defaults(Check::FocusAreas, || json!([]))
        .queryable()
        .matched(),
    Property::new("documents", Documents, Contact, "Documents")
        .defaults(Check::Documents, || json!([])),
    Property::new("contact_name", Text, Contact, "Contact").optional(TEXT_SHORT),
    Property::new("contact_email", Text, Contact, "Contact e-mail").optional(Check::Email),
    Property::new("contact_phone", Text, Contact, "Contact phone").optional(Check::Phone),
    Property::new("demo", Boolean, Lifecycle, "Demo data").column(Some("is_demo")),
    Property::new("published", Boolean, Lifecycle, "Published")
        .defaults(Check::Bool, || json!(true)),
    Property::new("created_at", Timestamp, Lifecycle, "First added").queryable(),
    Property::new("updated_at", Timestamp, Lifecycle, "Last changed").queryable(),
    Property::new("ended_at", Timestamp, Lifecycle, "Ended"),
    Property::new("end_reason", Text, Lifecycle, "Why it ended"),
    Property::new("version", Integer, Lifecycle, "Version"),
];

/// The property called `name`.
pub fn property(name: &str) -> Option<&'static Property> {
    PROPERTIES.iter().find(|p| p.name == name)
}

/// The name of every property, in output order.
pub fn names() -> impl Iterator<Item = &'static str> {
    PROPERTIES.iter().map(|p| p.name)
}

/// What a filter may name: the geometry, then every queryable property.
pub fn queryables() -> impl Iterator<Item = &'static Property> {
    std::iter::once(&GEOMETRY).chain(PROPERTIES.iter().filter(|p| p.queryable))
}

/// The queryable called `name`.
pub fn queryable(name: &str) -> Option<&'static Property> {
    queryables().find(|p| p.name == name)
}

/// The properties planners write, with their checks and defaults, in the
/// order of the registry's columns.
pub fn writable() -> impl Iterator<Item = (&'static Property, Check, Option<DefaultValue>)> {
    PROPERTIES.iter().filter_map(|p| match p.write {
        Write::Input { check, default } => Some((p, check, default)),
        _ => None,
    })
}

/// The columns a write sets from a feature's properties (the geometry aside).
pub fn writable_columns() -> impl Iterator<Item = &'static str> {
    writable().filter_map(|(p, _, _)| p.column)
}

/// Whether the registry computes the property `name`.
pub fn is_computed(name: &str) -> bool {
    property(name).is_some_and(|p| matches!(p.write, Write::Computed))
}

/// Whether the registry keeps `name` itself, so that input ignores it: its
/// kept properties, and `id`, which GIS tools (GDAL, QGIS) copy from the
/// feature into the attributes of an export (a file's plots are matched by
/// reference).
pub fn is_kept(name: &str) -> bool {
    name == "id" || property(name).is_some_and(|p| matches!(p.write, Write::Kept))
}

/// The columns site matching reads, `id` first.
pub fn matched_columns() -> impl Iterator<Item = &'static str> {
    std::iter::once("id").chain(
        PROPERTIES
            .iter()
            .filter(|p| p.matched)
            .filter_map(|p| p.column),
    )
}

/// Rounds a figure to `decimals` places, as it is shown.
pub fn round(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

/// The area as shown: m² to 0.1 (as it is stored), and daa to 0.01, half
/// away from zero as in decimal arithmetic (and PostgreSQL's `round` in the
/// tiles): counted in whole tenths of a m², so that 12 345.0 m² is 12.35
/// daa, not the 12.34 that rounding the double nearest 12.345 gives.
pub fn shown_area(area_m2: f64) -> (f64, f64) {
    // (+ 0.0: no "-0.0" for the sum of nothing, which Rust's float sum
    // starts from.)
    let tenths = (area_m2 * 10.0).round() + 0.0;
    // Whole tenths over 100 are exact at the halves: k.5 is a double.
    let hundredths_of_daa = (tenths / 100.0).round();
    (tenths / 10.0, hundredths_of_daa / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_sortable_ones_are_queryable() {
        let mut names: Vec<_> = names().collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count);
        for p in PROPERTIES {
            assert!(!p.sortable() || p.queryable, "{}", p.name);
            assert!(
                p.codes.is_some()
                    || !matches!(
                        p.write,
                        Write::Input {
                            check: Check::Code,
                            ..
                        }
                    ),
                "{} is checked against a code list it does not have",
                p.name
            );
        }
    }

    #[test]
    fn rounding_is_as_shown() {
        assert_eq!(shown_area(12_345.678), (12_345.7, 12.35));
        assert_eq!(shown_area(12_345.0), (12_345.0, 12.35));
        assert_eq!(shown_area(12_344.96), (12_345.0, 12.35));
        assert_eq!(shown_area(12_344.9), (12_344.9, 12.34));
        assert_eq!(shown_area(1_005.0), (1_005.0, 1.01));
        let nothing: f64 = std::iter::empty::<f64>().sum();
        assert_eq!(format!("{:?}", shown_area(nothing)), "(0.0, 0.0)");
        assert_eq!(round(0.12345, 3), 0.123);
    }
}
