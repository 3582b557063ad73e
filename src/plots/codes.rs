//! The code lists of a plot's properties. The database enforces the same
//! lists with CHECK constraints; these types give the API its validation,
//! its OpenAPI enumerations and its queryables, and are read from and
//! written to the database's text columns as they are (a value outside the
//! list is an error, never a silent default).

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumString, VariantNames};
use utoipa::ToSchema;

/// A code list is stored as its text.
macro_rules! stored_as_text {
    ($name:ident) => {
        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                text.parse().map_err(|_| {
                    format!("`{text}` is not in the code list {}", stringify!($name)).into()
                })
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_ref(), out)
            }
        }
    };
}

macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, EnumString, AsRefStr, VariantNames, AsExpression, FromSqlRow)]
        #[diesel(sql_type = Text)]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        stored_as_text!($name);
    };
}

code_list!(
    /// Availability of a plot.
    Status {
        /// Free to be had.
        Available,
        /// Held for a company for a time.
        Reserved,
        /// In negotiation with a company.
        UnderNegotiation,
        /// Sold (usually ended).
        Sold,
        /// Leased out (feste).
        Leased,
        /// Taken off the market.
        Withdrawn,
    }
);

code_list!(
    /// Whether the plan's land-use purpose is in force or planned (arealbruksstatus).
    LandUseStatus { Current, Future }
);

code_list!(
    /// How far planning has come.
    PlanningStatus {
        /// Business land in the master plan (kommuneplan) only.
        MasterPlan,
        /// A zoning plan (reguleringsplan) is being made.
        ZoningInProgress,
        /// Zoned: a zoning plan is in force.
        Zoned,
    }
);

code_list!(
    /// How ready the plot is for building.
    Readiness { Unzoned, Zoned, ReadyToBuild }
);

code_list!(
    /// Who owns the plot.
    Ownership { Public, Private, PortAuthority, Mixed }
);

code_list!(
    /// How the plot is offered.
    OfferType { Sale, Lease, SaleOrLease }
);

code_list!(
    /// Known contamination of the ground.
    Contamination { None, Suspected, Confirmed }
);

code_list!(
    /// Noise zone (støysone) of the plot.
    NoiseZone { None, Yellow, Red }
);

code_list!(
    /// Focus areas of Drammen's strategic business plan that the plot suits.
    FocusArea { PortLogistics, Health, GreenCircular, KnowledgeIt, General }
);

/// Drammen's ABC location class: A central by public transport, B outside the
/// core with good road access, C away from the centre for space-demanding business.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    EnumString,
    AsRefStr,
    VariantNames,
    AsExpression,
    FromSqlRow,
)]
#[diesel(sql_type = Text)]
pub enum LocationClass {
    /// Central, by public transport: offices, many workers per m².
    A,
    /// Outside the core, good road access.
    B,
    /// Away from the centre by main roads: space-demanding business.
    C,
}

/// What the permitted utilisation is measured in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    EnumString,
    AsRefStr,
    VariantNames,
    AsExpression,
    FromSqlRow,
)]
#[diesel(sql_type = Text)]
pub enum UtilisationType {
    /// Bebygd areal: built-up area as a share of the plot.
    #[serde(rename = "BYA")]
    #[strum(serialize = "BYA")]
    Bya,
    /// Bruksareal: floor area as a share of the plot.
    #[serde(rename = "BRA")]
    #[strum(serialize = "BRA")]
    Bra,
}

stored_as_text!(LocationClass);
stored_as_text!(UtilisationType);

/// Each status's fill and outline colour (colour-blind-safe, Okabe–Ito).
pub const STATUS_COLOURS: &[(&str, [&str; 2])] = &[
    ("available", ["#009E73", "#006B4F"]),
    ("reserved", ["#E69F00", "#9C6B00"]),
    ("under_negotiation", ["#56B4E9", "#1F6F9C"]),
    ("sold", ["#999999", "#5C5C5C"]),
    ("leased", ["#CC79A7", "#8A3F6B"]),
    ("withdrawn", ["#D55E00", "#8F3F00"]),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn wire_names_and_sql_names_agree() {
        assert_eq!(Status::UnderNegotiation.as_ref(), "under_negotiation");
        assert_eq!(
            serde_json::to_value(Status::UnderNegotiation).unwrap(),
            "under_negotiation"
        );
        assert_eq!(Status::from_str("port").ok(), None);
        assert_eq!(LocationClass::from_str("B").unwrap(), LocationClass::B);
        assert_eq!(UtilisationType::VARIANTS, ["BYA", "BRA"]);
        assert_eq!(FocusArea::KnowledgeIt.as_ref(), "knowledge_it");
    }
}
