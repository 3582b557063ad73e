//! Alerts as the API takes and shows them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// An alert to save: an e-mail address and a statement of needs. Unknown
/// fields are refused by name; every problem is reported at once.
#[derive(Debug, ToSchema)]
#[schema(example = json!({
    "email": "kari@eksempel.no",
    "needs": {"area_m2": {"min": 20000}, "land_use": [1340, 1350], "max_port_distance_m": 3000,
              "required": ["area_m2", "land_use"]},
    "lang": "nb"
}))]
pub struct NewAlert {
    /// The address the alert's mails go to (first the confirmation link).
    pub email: String,
    /// What the company needs, exactly as `POST /collections/plots/match`
    /// takes it (same fields, same checks); `required` must name at least
    /// one hard requirement: a plot that meets them all is what the alert
    /// tells of. `limit` is not taken.
    #[schema(value_type = Object)]
    pub needs: Value,
    /// The language of the mails, `nb` or `en`; without it the request's
    /// (the site's language choice, else `Accept-Language`), else bokmål.
    pub lang: Option<String>,
}

/// An alert as stored (never its links' tokens: those go by mail only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Alert {
    /// The alert's id.
    pub id: Uuid,
    /// `pending` until its confirmation link is followed, then `active`;
    /// `unsubscribed` once its unsubscribe link is.
    #[schema(example = "pending")]
    pub state: String,
    /// Its address.
    pub email: String,
    /// The language of its mails.
    pub lang: String,
    /// The needs, as given.
    #[schema(value_type = Object)]
    pub needs: Value,
    /// When it was saved.
    pub created_at: DateTime<Utc>,
    /// When it was confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<DateTime<Utc>>,
}
