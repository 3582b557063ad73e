//! The two middlewares that feed [`Metrics`]: [`record`], outermost but for
//! the logger, counts every request with its final status (refusals by the
//! overload bound and unknown routes too) and times it until its body is
//! sent; [`count_db_errors`], innermost, counts the database failures and
//! 500s that handlers answer, while the error is still attached to the
//! response (the HTML error pages replace it further out).

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use super::{Metrics, UNMATCHED, method_label};
use crate::error::ApiError;
use crate::http::on_done::OnDone;

/// Counts and times each request, by route pattern, method and status.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> actix_web::Result<ServiceResponse<OnDone>> {
    let Some(metrics) = req.app_data::<web::Data<Metrics>>().cloned() else {
        return Ok(next
            .call(req)
            .await?
            .map_body(|_, body| OnDone::plain(body)));
    };
    let started = Instant::now();
    let route = req.match_pattern().unwrap_or_else(|| UNMATCHED.to_owned());
    let method = method_label(req.method());
    match next.call(req).await {
        Ok(res) => {
            let status = res.status().as_u16();
            Ok(res.map_body(move |_, body| {
                OnDone::new(body, move || {
                    metrics.observe(&route, method, status, started.elapsed());
                })
            }))
        }
        Err(error) => {
            let status = error.as_response_error().status_code().as_u16();
            metrics.observe(&route, method, status, started.elapsed());
            Err(error)
        }
    }
}

/// Counts the answers that carry an [`ApiError`] with a
/// [`failure_kind`](ApiError::failure_kind).
pub async fn count_db_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> actix_web::Result<ServiceResponse<impl MessageBody>> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let res = next.call(req).await;
    if let Some(metrics) = metrics {
        let error = match &res {
            Ok(res) => res.response().error(),
            Err(error) => Some(error),
        };
        if let Some(kind) = error
            .and_then(|e| e.as_error::<ApiError>())
            .and_then(ApiError::failure_kind)
        {
            metrics.count_db_error(kind);
        }
    }
    res
}
