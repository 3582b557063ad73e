//! What every handler can reach: the database pool, the API settings and
//! the public base URL. It depends only on `config`, `db` and `error`, so
//! every resource can import it without reaching the router above them.
//! Resources that keep state of their own (site matching's copy of the
//! plots on offer) register it as app data of its own.

use actix_web::HttpRequest;
use url::Url;

use crate::config::ApiConfig;
use crate::db::{DbConn, DbPool};
use crate::error::ApiError;

/// The shared state of the app.
#[derive(Clone)]
pub struct AppState {
    /// The database pool.
    pub pool: DbPool,
    /// Paging and counting settings.
    pub api: ApiConfig,
    /// The public base URL, if configured; otherwise each request's own.
    pub public_url: Option<Url>,
}

impl AppState {
    /// The base URL that links start with, without a trailing slash.
    pub fn base_url(&self, req: &HttpRequest) -> String {
        match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => {
                let info = req.connection_info();
                format!("{}://{}", info.scheme(), info.host())
            }
        }
    }

    /// A connection from the pool, or 503 when none comes in time.
    pub async fn conn(&self) -> Result<DbConn, ApiError> {
        Ok(self.pool.get().await?)
    }
}
