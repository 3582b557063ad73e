//! Prometheus metrics: the counters that requests feed ([`Metrics`], fed by
//! the [`middleware`]) and the figures read when `/metrics` is scraped
//! ([`scrape`]: requests in flight, the database pool, the tile cache, site
//! matching's copy). Built on the `prometheus` crate with a registry of the
//! app's own (not the crate's global one), so that every app, and every
//! test's app, counts only its own requests.
//!
//! Labels are bounded: a route is its pattern (`/collections/plots/items/{featureId}`),
//! never the path, and every unknown path is `unmatched`; methods outside
//! the usual ones are `other`.
//!
//! It reads the state and the resources' own data, and imports no handler;
//! the router wires it.

pub mod middleware;
pub mod scrape;

use std::sync::Mutex;
use std::time::Duration;

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};

/// Latency buckets, in seconds: a cached tile takes well under a
/// millisecond, a page of plots a few, a large CQL2 query or an import
/// seconds; 10 s is the default statement timeout.
const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// What requests feed, in the app's own registry. One per instance, shared
/// by its workers.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    db_errors: IntCounterVec,
    replica_lag: Mutex<Option<f64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Fresh metrics, all zero.
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "naeringsareal_http_requests_total",
                "HTTP requests answered, by route pattern, method and status",
            ),
            &["route", "method", "status"],
        )
        .expect("a valid metric");
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "naeringsareal_http_request_duration_seconds",
                "Time from a request's arrival until its response body was sent, by route pattern and method",
            )
            .buckets(BUCKETS.to_vec()),
            &["route", "method"],
        )
        .expect("a valid metric");
        let db_errors = IntCounterVec::new(
            Opts::new(
                "naeringsareal_db_errors_total",
                "Requests answered 503 because the database was unavailable, by cause \
                 (pool_timeout, connect, pool_closed, connection_closed, statement_timeout, \
                 terminated, other), and 500s (internal)",
            ),
            &["kind"],
        )
        .expect("a valid metric");
        for metric in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(duration.clone()),
            Box::new(db_errors.clone()),
        ] {
            registry.register(metric).expect("metric names are unique");
        }
        Self {
            registry,
            requests,
            duration,
            db_errors,
            replica_lag: Mutex::new(None),
        }
    }

    /// Counts one answered request.
    pub fn observe(&self, route: &str, method: &str, status: u16, took: Duration) {
        let status = status.to_string();
        self.requests
            .with_label_values(&[route, method, &status])
            .inc();
        self.duration
            .with_label_values(&[route, method])
            .observe(took.as_secs_f64());
    }

    /// Counts one failure of the database (or a 500) of `kind`
    /// (see [`ApiError::failure_kind`](crate::error::ApiError::failure_kind)).
    pub fn count_db_error(&self, kind: &str) {
        self.db_errors.with_label_values(&[kind]).inc();
    }

    /// Sets `naeringsareal_replica_lag_seconds`: how far the read replica's
    /// replay is behind the primary, as last measured; `None` (no replica,
    /// or it does not answer) leaves the gauge out of the scrape. For
    /// whatever measures the lag: a task in `main` (through
    /// [`Shared::metrics`](crate::router::Shared)) or a handler (through
    /// `web::Data<Metrics>`).
    pub fn set_replica_lag(&self, lag: Option<Duration>) {
        *self.replica_lag.lock().unwrap_or_else(|e| e.into_inner()) =
            lag.map(|lag| lag.as_secs_f64());
    }

    /// The replica lag last set, in seconds.
    pub fn replica_lag(&self) -> Option<f64> {
        *self.replica_lag.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What requests have fed so far.
    fn gather(&self) -> Vec<prometheus::proto::MetricFamily> {
        self.registry.gather()
    }
}

/// A method as a label: the usual ones by name, any other as `other`.
pub fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_a_bounded_label() {
        use actix_web::http::Method;
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }

    #[test]
    fn requests_are_counted_with_their_labels() {
        let metrics = Metrics::new();
        metrics.observe(
            "/collections/{collectionId}",
            "GET",
            200,
            Duration::from_millis(3),
        );
        metrics.observe(
            "/collections/{collectionId}",
            "GET",
            200,
            Duration::from_millis(30),
        );
        metrics.count_db_error("pool_timeout");
        let families = metrics.gather();
        let requests = families
            .iter()
            .find(|f| f.name() == "naeringsareal_http_requests_total")
            .unwrap();
        assert_eq!(requests.get_metric()[0].get_counter().get_value(), 2.0);
        let histogram = families
            .iter()
            .find(|f| f.name() == "naeringsareal_http_request_duration_seconds")
            .unwrap();
        let histogram = histogram.get_metric()[0].get_histogram();
        assert_eq!(histogram.get_sample_count(), 2);
        // 3 ms is under the 5 ms bucket, 30 ms is not.
        let at_5ms = histogram
            .get_bucket()
            .iter()
            .find(|b| b.upper_bound() == 0.005)
            .unwrap();
        assert_eq!(at_5ms.cumulative_count(), 1);
        assert_eq!(metrics.replica_lag(), None);
        metrics.set_replica_lag(Some(Duration::from_millis(1500)));
        assert_eq!(metrics.replica_lag(), Some(1.5));
    }
}
