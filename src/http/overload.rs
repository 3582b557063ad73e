//! The bound on requests in flight: past it, a request is answered 503 with
//! `Retry-After` at once, never queued, so that an overloaded instance
//! sheds load instead of growing queues that every request then waits in
//! (for the pool, for a worker). `/health` and `/metrics` are exempt: a
//! load balancer and a scraper must reach them under any load.
//!
//! A request holds its place from the moment it is let in until its body
//! is done (see [`OnDone`]): a streamed body counts for as long as it streams.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use tokio::sync::Semaphore;
use tracing_actix_web::RequestId;

use super::on_done::OnDone;
use crate::error::ApiError;
use crate::log_rate::OncePerSecond;

/// Paths that are never refused.
const EXEMPT: [&str; 2] = ["/health", "/metrics"];

/// The requests in flight on this instance (shared by all its workers).
#[derive(Debug)]
pub struct InFlight {
    permits: Arc<Semaphore>,
    limit: usize,
    refused: AtomicU64,
    /// The refusal warnings, one a second.
    warnings: OncePerSecond,
}

impl InFlight {
    /// At most `limit` requests at once.
    pub fn new(limit: NonZeroUsize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(limit.get())),
            limit: limit.get(),
            refused: AtomicU64::new(0),
            warnings: OncePerSecond::new(),
        }
    }

    /// The bound.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The requests in flight now (the exempt ones not counted).
    pub fn current(&self) -> usize {
        self.limit - self.permits.available_permits()
    }

    /// The requests refused since the start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// The middleware: lets a request in if there is room, else answers
/// [`ApiError::Overloaded`] (503, `Retry-After: 1`): logged at debug with
/// the request id, warned about at most once a second.
pub async fn limit_in_flight(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> actix_web::Result<ServiceResponse<OnDone>> {
    let in_flight = req.app_data::<web::Data<InFlight>>().cloned();
    let Some(in_flight) = in_flight.filter(|_| !EXEMPT.contains(&req.path())) else {
        return Ok(next
            .call(req)
            .await?
            .map_body(|_, body| OnDone::plain(body)));
    };
    let Ok(permit) = Arc::clone(&in_flight.permits).try_acquire_owned() else {
        let refused = in_flight.refused.fetch_add(1, Ordering::Relaxed) + 1;
        // One line per refusal at debug, with the id a client may quote; at
        // most one warning a second: logging every refusal would make the
        // log the bottleneck of an overloaded instance (tens of thousands
        // of refusals a second).
        let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
        tracing::debug!(
            request_id = id.as_deref().unwrap_or("-"),
            path = req.path(),
            "overloaded: request refused"
        );
        if let Some(held) = in_flight.warnings.due() {
            tracing::warn!(
                limit = in_flight.limit,
                refused_since_last_warning = held + 1,
                refused_since_start = refused,
                "overloaded: requests refused"
            );
        }
        // A response, not an error: the error logger would log each one too.
        let res = ApiError::Overloaded.error_response();
        return Ok(req
            .into_response(res)
            .map_body(|_, body| OnDone::plain(body)));
    };
    // An error from further in drops the permit on the way out.
    let res = next.call(req).await?;
    Ok(res.map_body(|_, body| OnDone::new(body, move || drop(permit))))
}
