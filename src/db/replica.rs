//! A read replica: a hot standby streaming from the primary, that serves
//! the public read path while its replay lag is within a bound.
//!
//! A monitor samples the primary's WAL position and the replica's replay
//! position every `replica_check`. The lag is how long ago the primary was
//! last seen at or before the position the replica has replayed: data the
//! replica lacks was written after that moment. It is measured with the
//! positions alone, so it needs no privileges, and it is not fooled by an
//! idle primary (where the standby's last replayed commit can be hours old
//! while nothing is missing) or by a standby that stopped receiving.
//!
//! A replica that cannot give a connection is marked down at once, so the
//! next reads go straight to the primary; the monitor brings it back when
//! it answers and is within the bound again.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use utoipa::ToSchema;

use super::DbPool;

/// The replica, its pool and what the monitor last found.
pub struct Replica {
    /// Connections to the replica.
    pub pool: DbPool,
    max_lag: Duration,
    /// Whether reads may go to the replica now.
    usable: AtomicBool,
    status: Mutex<ReplicaStatus>,
    /// The primary's positions, newest last, over the last `max_lag` and a
    /// little more.
    samples: Mutex<VecDeque<(Instant, i64)>>,
}

/// What `/ready` and `/metrics` show of the replica.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplicaStatus {
    /// `in use`, `lagging` (over the bound: reads go to the primary),
    /// `down` (unreachable: reads go to the primary), `not a standby`
    /// (the replica URL names a primary; it still serves reads) or
    /// `starting` (not measured yet).
    pub state: String,
    /// The replay lag in seconds, as last measured (absent when unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lag_seconds: Option<f64>,
    /// Why the replica is not in use, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(QueryableByName)]
struct Position {
    #[diesel(sql_type = Bool)]
    standby: bool,
    #[diesel(sql_type = BigInt)]
    lsn: i64,
}

/// The server's position in the WAL: on a primary, where it inserts; on a
/// standby, what it has replayed (as bytes from 0/0).
const POSITION: &str = "SELECT pg_is_in_recovery() AS standby, \
     (coalesce(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() \
                    ELSE pg_current_wal_insert_lsn() END, '0/0') - '0/0'::pg_lsn)::int8 AS lsn";

async fn position(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Position> {
    diesel_async::RunQueryDsl::get_result(diesel::sql_query(POSITION), conn).await
}

impl Replica {
    /// A replica over `pool`, serving reads while its lag is at most
    /// `max_lag`; not used until the monitor has measured it.
    pub fn new(pool: DbPool, max_lag: Duration) -> Self {
        Self {
            pool,
            max_lag,
            usable: AtomicBool::new(false),
            status: Mutex::new(ReplicaStatus {
                state: "starting".to_owned(),
                lag_seconds: None,
                reason: Some("not measured yet".to_owned()),
            }),
            samples: Mutex::new(VecDeque::new()),
        }
    }

    /// Whether reads may go to the replica.
    pub fn is_usable(&self) -> bool {
        self.usable.load(Ordering::Relaxed)
    }

    /// What the monitor last found.
    pub fn status(&self) -> ReplicaStatus {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Marks the replica down after a request could not reach it; the
    /// monitor brings it back.
    pub fn mark_down(&self, reason: String) {
        if self.usable.swap(false, Ordering::Relaxed) {
            tracing::warn!(%reason, "read replica unreachable: reads go to the primary");
        }
        self.set(ReplicaStatus {
            state: "down".to_owned(),
            lag_seconds: None,
            reason: Some(reason),
        });
    }

    fn set(&self, status: ReplicaStatus) {
        *self.status.lock().unwrap_or_else(|e| e.into_inner()) = status;
    }

    /// Measures the replica once: the primary's position (when it answers),
    /// then the replica's.
    pub async fn check(&self, primary: &DbPool) {
        let now = Instant::now();
        if let Ok(mut conn) = primary.get().await
            && let Ok(p) = position(&mut conn).await
            && !p.standby
        {
            self.record(now, p.lsn);
        }
        let replayed = match self.pool.get().await {
            Ok(mut conn) => position(&mut conn).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let status = match replayed {
            Err(reason) => {
                self.mark_down(reason);
                return;
            }
            Ok(p) if !p.standby => ReplicaStatus {
                state: "not a standby".to_owned(),
                lag_seconds: Some(0.0),
                reason: None,
            },
            Ok(p) => {
                let lag = self.lag(p.lsn, Instant::now());
                if lag <= self.max_lag {
                    ReplicaStatus {
                        state: "in use".to_owned(),
                        lag_seconds: Some(lag.as_secs_f64()),
                        reason: None,
                    }
                } else {
                    ReplicaStatus {
                        state: "lagging".to_owned(),
                        lag_seconds: Some(lag.as_secs_f64()),
                        reason: Some(format!(
                            "replay lag over {} ms: reads go to the primary",
                            self.max_lag.as_millis()
                        )),
                    }
                }
            }
        };
        let usable = status.reason.is_none();
        if usable != self.usable.swap(usable, Ordering::Relaxed) {
            tracing::info!(state = %status.state, lag_s = ?status.lag_seconds, "read replica");
        }
        self.set(status);
    }

    fn record(&self, at: Instant, lsn: i64) {
        let mut samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        samples.push_back((at, lsn));
        // Keep a sample older than the bound, so that a lag past it is
        // measured as past it.
        let keep = self.max_lag * 2 + Duration::from_secs(1);
        while samples.len() > 2 && samples[1].0 + keep < at {
            samples.pop_front();
        }
    }

    /// How far behind a replica that has replayed `replayed` is, at `now`:
    /// zero when it has replayed the newest position seen on the primary;
    /// otherwise the time since the newest primary position it has
    /// replayed (or since the oldest sample, when it has replayed none).
    fn lag(&self, replayed: i64, now: Instant) -> Duration {
        let samples = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        match samples.back() {
            None => Duration::ZERO,
            Some(&(_, newest)) if replayed >= newest => Duration::ZERO,
            Some(_) => {
                let since = samples
                    .iter()
                    .rev()
                    .find(|(_, lsn)| *lsn <= replayed)
                    .or(samples.front())
                    .map_or(now, |(at, _)| *at);
                now.saturating_duration_since(since)
            }
        }
    }
}

/// Measures `replica` every `every`, for as long as the service runs.
pub fn monitor(replica: Arc<Replica>, primary: DbPool, every: Duration) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            replica.check(&primary).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(max_lag_ms: u64) -> Replica {
        let manager = diesel_async::pooled_connection::AsyncDieselConnectionManager::<
            AsyncPgConnection,
        >::new("postgres://nowhere.invalid/x");
        let pool = DbPool::builder(manager).build().unwrap();
        Replica::new(pool, Duration::from_millis(max_lag_ms))
    }

    #[test]
    fn the_lag_is_the_time_since_the_primary_was_where_the_replica_is() {
        let r = replica(5000);
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        r.record(t0, 100);
        r.record(t0 + s, 200);
        r.record(t0 + 2 * s, 300);
        // Caught up with the newest position: nothing is missing.
        assert_eq!(r.lag(300, t0 + 3 * s), Duration::ZERO);
        assert_eq!(r.lag(350, t0 + 3 * s), Duration::ZERO);
        // Has 200 but not 300: it is as new as the primary was at t0 + 1 s.
        assert_eq!(r.lag(250, t0 + 3 * s), 2 * s);
        // Older than every sample: at least as old as the oldest.
        assert_eq!(r.lag(50, t0 + 3 * s), 3 * s);
    }

    #[test]
    fn an_idle_primary_is_no_lag() {
        let r = replica(5000);
        let t0 = Instant::now();
        for i in 0..10 {
            r.record(t0 + Duration::from_secs(i), 500);
        }
        assert_eq!(r.lag(500, t0 + Duration::from_secs(3600)), Duration::ZERO);
    }

    #[test]
    fn old_samples_go_but_one_older_than_the_bound_stays() {
        let r = replica(1000);
        let t0 = Instant::now();
        for i in 0..100 {
            r.record(t0 + Duration::from_secs(i), i as i64 * 10);
        }
        let kept = r.samples.lock().unwrap().len();
        assert!(kept < 10, "{kept} samples kept");
        // A replica stuck far back is measured past the bound.
        assert!(r.lag(0, t0 + Duration::from_secs(100)) > Duration::from_secs(1));
    }
}
