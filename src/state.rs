//! What every handler can reach: the database pool, the API settings and
//! the public base URL. It depends only on `config`, `db` and `error`, so
//! every resource can import it without reaching the router above them.
//! Resources that keep state of their own (site matching's copy of the
//! plots on offer) register it as app data of its own.

use std::sync::Arc;

use actix_web::HttpRequest;
use diesel_async::AsyncPgConnection;
use url::Url;

use crate::config::ApiConfig;
use crate::db::replica::Replica;
use crate::db::{DbConn, DbPool};
use crate::error::ApiError;

/// The shared state of the app.
#[derive(Clone)]
pub struct AppState {
    /// The database pool (the primary: every write, and every read that
    /// must see them).
    pub pool: DbPool,
    /// The read replica, when one is configured.
    pub replica: Option<Arc<Replica>>,
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

    /// A connection to the primary, or 503 when none comes in time.
    pub async fn conn(&self) -> Result<DbConn, ApiError> {
        Ok(self.pool.get().await?)
    }

    /// A connection for a read: to the replica when one is in use and the
    /// reader may see the register a moment old (`may_lag`: the public;
    /// planners read the primary, so that they see the write they just
    /// made); otherwise, and when the replica cannot give one, the primary.
    pub async fn read_conn(&self, may_lag: bool) -> Result<ReadConn, ApiError> {
        if may_lag && let Some(replica) = self.replica.as_ref().filter(|r| r.is_usable()) {
            match replica.pool.get().await {
                Ok(conn) => {
                    return Ok(ReadConn {
                        conn,
                        on_replica: true,
                    });
                }
                Err(e) => replica.mark_down(e.to_string()),
            }
        }
        Ok(ReadConn {
            conn: self.conn().await?,
            on_replica: false,
        })
    }
}

/// A connection for a read, and whether it is to the replica.
pub struct ReadConn {
    conn: DbConn,
    /// Whether the connection is to the replica.
    pub on_replica: bool,
}

impl std::ops::Deref for ReadConn {
    type Target = AsyncPgConnection;
    fn deref(&self) -> &AsyncPgConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for ReadConn {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.conn
    }
}
