//! `/metrics`: what requests have fed, and the figures read at the scrape
//! itself (requests in flight, the database pool, the tile cache, site
//! matching's copy, the replica lag), in the Prometheus text format.

use actix_web::{HttpResponse, web};
use prometheus::core::Collector;
use prometheus::{Encoder, Gauge, IntCounter, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};

use super::Metrics;
use crate::db::DbPool;
use crate::http::overload::InFlight;
use crate::mail::outbox;
use crate::mail::sender::MailStats;
use crate::matching::candidates::Candidates;
use crate::state::AppState;
use crate::tiles::cache::TileCache;

/// The figures read at a scrape, in a registry of their own made for it.
struct Now {
    registry: Registry,
}

impl Now {
    fn add(&self, metric: impl Collector + 'static) {
        self.registry
            .register(Box::new(metric))
            .expect("metric names are unique");
    }

    fn gauge(&self, name: &str, help: &str, value: f64) {
        let gauge = Gauge::new(name, help).expect("a valid metric");
        gauge.set(value);
        self.add(gauge);
    }

    fn int_gauge(&self, name: &str, help: &str, value: u64) {
        let gauge = IntGauge::new(name, help).expect("a valid metric");
        gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
        self.add(gauge);
    }

    fn counter(&self, name: &str, help: &str, value: u64) {
        let counter = IntCounter::new(name, help).expect("a valid metric");
        counter.inc_by(value);
        self.add(counter);
    }
}

/// The pool gauges, one series per pool (`pool="primary"`; a read replica's
/// pool is one more call of [`PoolGauges::set`]).
struct PoolGauges {
    max: IntGaugeVec,
    size: IntGaugeVec,
    in_use: IntGaugeVec,
    waiting: IntGaugeVec,
}

impl PoolGauges {
    fn new(now: &Now) -> Self {
        let vec = |name: &str, help: &str| {
            let vec = IntGaugeVec::new(Opts::new(name, help), &["pool"]).expect("a valid metric");
            now.add(vec.clone());
            vec
        };
        Self {
            max: vec(
                "naeringsareal_db_pool_max_connections",
                "Connections the pool may hold",
            ),
            size: vec(
                "naeringsareal_db_pool_connections",
                "Connections the pool holds now",
            ),
            in_use: vec(
                "naeringsareal_db_pool_in_use",
                "Connections lent to requests now",
            ),
            waiting: vec(
                "naeringsareal_db_pool_waiting",
                "Requests waiting for a connection now",
            ),
        }
    }

    fn set(&self, pool: &str, of: &DbPool) {
        let status = of.status();
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.max
            .with_label_values(&[pool])
            .set(count(status.max_size));
        self.size.with_label_values(&[pool]).set(count(status.size));
        self.in_use
            .with_label_values(&[pool])
            .set(count(status.size.saturating_sub(status.available)));
        self.waiting
            .with_label_values(&[pool])
            .set(count(status.waiting));
    }
}

/// The metrics, in the Prometheus text format.
pub async fn serve_metrics(
    metrics: web::Data<Metrics>,
    in_flight: web::Data<InFlight>,
    state: web::Data<AppState>,
    tiles: web::Data<TileCache>,
    candidates: web::Data<Candidates>,
    mail: web::Data<MailStats>,
) -> HttpResponse {
    let now = Now {
        registry: Registry::new(),
    };
    now.int_gauge(
        "naeringsareal_http_requests_in_flight",
        "Requests under way now (/health and /metrics not counted)",
        in_flight.current() as u64,
    );
    now.int_gauge(
        "naeringsareal_http_in_flight_limit",
        "Requests this instance serves at once (NAERINGSAREAL_MAX_IN_FLIGHT)",
        in_flight.limit() as u64,
    );
    now.counter(
        "naeringsareal_http_requests_refused_total",
        "Requests answered 503 at once because the limit of requests in flight was reached",
        in_flight.refused(),
    );
    let pools = PoolGauges::new(&now);
    pools.set("primary", &state.pool);
    if let Some(replica) = &state.replica {
        pools.set("replica", &replica.pool);
    }
    let stats = tiles.stats();
    now.counter(
        "naeringsareal_tile_cache_hits_total",
        "Tiles served from the cache",
        stats.hits,
    );
    now.counter(
        "naeringsareal_tile_cache_misses_total",
        "Tiles rendered because the cache did not hold them",
        stats.misses,
    );
    now.counter(
        "naeringsareal_tile_cache_dropped_total",
        "Cached tiles dropped because a plot they showed was written",
        stats.dropped,
    );
    now.int_gauge(
        "naeringsareal_tile_cache_entries",
        "Tiles held in the cache now",
        stats.tiles,
    );
    now.int_gauge(
        "naeringsareal_tile_cache_bytes",
        "Size of the tiles held, as counted against the bound",
        stats.bytes,
    );
    now.int_gauge(
        "naeringsareal_tile_cache_capacity_bytes",
        "The bound on the tile cache (NAERINGSAREAL_TILE_CACHE_MB; 0: off)",
        state.api.tile_cache_mb << 20,
    );
    now.int_gauge(
        "naeringsareal_matching_candidates",
        "Plots on offer in site matching's in-memory copy",
        candidates.len() as u64,
    );
    if let Some(took) = candidates.last_refresh() {
        now.gauge(
            "naeringsareal_matching_refresh_seconds",
            "How long the last refresh of site matching's copy took",
            took.as_secs_f64(),
        );
    }
    let measured = state.replica.as_ref().and_then(|r| r.status().lag_seconds);
    if let Some(lag) = measured.or(metrics.replica_lag()) {
        now.gauge(
            "naeringsareal_replica_lag_seconds",
            "How far the read replica's replay is behind the primary, as last measured",
            lag,
        );
    }
    now.counter(
        "naeringsareal_mail_sent_total",
        "Mails this instance sent (the SMTP server took them)",
        mail.sent(),
    );
    now.counter(
        "naeringsareal_mail_retries_total",
        "Failed attempts at a mail after which it was queued again (backoff)",
        mail.retries(),
    );
    now.counter(
        "naeringsareal_mail_failed_total",
        "Mails this instance gave up: refused for good, or out of attempts",
        mail.failed(),
    );
    // The outbox as the database holds it (all instances'), read briefly:
    // a busy pool leaves the gauges out of this scrape rather than hold it.
    let counts = tokio::time::timeout(std::time::Duration::from_millis(500), async {
        let mut conn = state.conn().await.ok()?;
        outbox::counts(&mut conn).await.ok()
    })
    .await
    .ok()
    .flatten();
    if let Some(counts) = counts {
        let by_state = IntGaugeVec::new(
            Opts::new(
                "naeringsareal_mail_outbox",
                "Mails in the outbox by state: queued (waiting for an attempt), sent, failed (given up; GET /outbox?state=failed)",
            ),
            &["state"],
        )
        .expect("a valid metric");
        for (label, n) in [
            ("queued", counts.queued),
            ("sent", counts.sent),
            ("failed", counts.failed),
        ] {
            by_state
                .with_label_values(&[label])
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        now.add(by_state);
        now.gauge(
            "naeringsareal_mail_oldest_queued_seconds",
            "How long the oldest queued mail has waited (0 when none waits)",
            counts.oldest_queued_secs,
        );
    }
    let mut families = metrics.gather();
    families.extend(now.registry.gather());
    let mut text = Vec::with_capacity(16 << 10);
    match TextEncoder::new().encode(&families, &mut text) {
        Ok(()) => HttpResponse::Ok()
            .content_type(prometheus::TEXT_FORMAT)
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .body(text),
        Err(e) => {
            tracing::error!(error = %e, "encoding the metrics failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}
