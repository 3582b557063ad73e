//! What an API key may do. Its own module so that the key store and the
//! request's caller both import it without importing each other.

use serde::{Deserialize, Serialize};
use strum::{AsRefStr, EnumString, VariantNames};
use utoipa::ToSchema;

/// What a key may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ToSchema,
    EnumString,
    AsRefStr,
    VariantNames,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// Writes plots; reads everything, history and unpublished plots included.
    Planner,
    /// A planner who also manages keys.
    Admin,
}
