//! The plots on offer (open, published, available), as site matching needs
//! them: only the columns it judges by, held in the service's memory.
//! Scoring every one of them in memory takes a few milliseconds where the
//! database took hundreds at 1M plots.
//!
//! The copy is kept current, not rebuilt: before each match,
//! [`Candidates::refresh`] reads the plots written since it last looked
//! (see [`crate::plots::changes`]), whoever wrote them. A match therefore
//! sees every write committed before it began, as a query on the table
//! would.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::RwLock;

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::candidate::{COLUMNS, Candidate, CandidateRow};
use super::needs::{Fit, Needs};
use crate::error::ApiError;
use crate::plots::changes::{Look, Looked, Mark, read_since};

/// Open, published and available: the plots on offer (see
/// [`PlotRow::is_on_offer`]).
pub const ON_OFFER: &str = "p.ended_at IS NULL AND p.published AND p.status = 'available'";

/// The best candidates for some needs.
#[derive(Debug)]
pub struct Ranking {
    /// Their ids, best first (ties by id).
    pub best: Vec<Uuid>,
    /// How many plots meet every hard requirement.
    pub candidates: usize,
}

/// The plots on offer, by id, kept current from the database.
#[derive(Debug, Default)]
pub struct Candidates {
    plots: RwLock<HashMap<Uuid, Candidate>>,
    /// Where the copy is current as of (`None` before the first look). Its
    /// lock also puts the refreshes in a line, so that none applies an
    /// older look over a newer one.
    as_of: tokio::sync::Mutex<Option<Mark>>,
    /// How long the last refresh took (for the metrics).
    last_refresh: std::sync::Mutex<Option<std::time::Duration>>,
}

impl Candidates {
    /// Brings the copy up to date with every write committed before this
    /// call: on the first call (and after a failover or a restart of the
    /// primary), all the plots on offer; then the plots written since the
    /// last call, which join, change or leave the copy. Returns `false`,
    /// changing nothing, when `conn` is to a standby behind the copy: the
    /// match must then be made on the primary.
    pub async fn refresh(&self, conn: &mut AsyncPgConnection) -> Result<bool, ApiError> {
        let mut as_of = self.as_of.lock().await;
        let started = std::time::Instant::now();
        // A full look goes straight into a new map; later changes are few,
        // and are applied once read.
        let mut loaded = HashMap::new();
        let mut changes = Vec::new();
        let select = format!("{}, ({ON_OFFER}) AS on_offer", COLUMNS.as_str());
        let look = Look {
            select: &select,
            first: ON_OFFER,
        };
        let looked = read_since(conn, as_of.as_ref(), &look, |row: CandidateRow, full| {
            let candidate = row.on_offer.then(|| Candidate::from(&row));
            match (full, candidate) {
                (true, Some(candidate)) => {
                    loaded.insert(row.id, candidate);
                }
                (true, None) => {}
                (false, candidate) => changes.push((row.id, candidate)),
            }
        })
        .await?;
        let mark = match looked {
            Looked::Behind => return Ok(false),
            Looked::Full(mark) => {
                *self.plots.write().unwrap_or_else(|e| e.into_inner()) = loaded;
                mark
            }
            Looked::Changes(mark) => mark,
        };
        let mut plots = self.plots.write().unwrap_or_else(|e| e.into_inner());
        for (id, candidate) in changes {
            match candidate {
                Some(candidate) => plots.insert(id, candidate),
                None => plots.remove(&id),
            };
        }
        drop(plots);
        *as_of = Some(mark);
        *self.last_refresh.lock().unwrap_or_else(|e| e.into_inner()) = Some(started.elapsed());
        Ok(true)
    }

    /// How long the last refresh that succeeded took (waiting for the one
    /// before it not counted); `None` before the first.
    pub fn last_refresh(&self) -> Option<std::time::Duration> {
        *self.last_refresh.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many plots the copy holds.
    pub fn len(&self) -> usize {
        self.plots.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether the copy holds no plots.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids of the candidates that meet every hard requirement of
    /// `needs` (in no order).
    pub fn meeting(&self, needs: &Needs) -> Vec<Uuid> {
        let prepared = needs.prepare();
        let plots = self.plots.read().unwrap_or_else(|e| e.into_inner());
        plots
            .iter()
            .filter(|(_, plot)| needs.score(plot, &prepared, f64::NEG_INFINITY) != Fit::Missed)
            .map(|(id, _)| *id)
            .collect()
    }

    /// The `limit` candidates with the highest score for `needs`, among
    /// those meeting every hard requirement (ties by id), and how many meet
    /// them. One pass over the copy, keeping the best in a heap.
    pub fn rank(&self, needs: &Needs, limit: usize) -> Ranking {
        let prepared = needs.prepare();
        let plots = self.plots.read().unwrap_or_else(|e| e.into_inner());
        let mut best: BinaryHeap<Ranked> = BinaryHeap::with_capacity(limit + 1);
        let mut candidates = 0;
        for (id, plot) in plots.iter() {
            // Once `limit` are held, a plot must beat the worst of them.
            let floor = match best.peek() {
                Some(worst) if best.len() == limit => worst.score,
                _ => f64::NEG_INFINITY,
            };
            let score = match needs.score(plot, &prepared, floor) {
                Fit::Missed => continue,
                Fit::Below => {
                    candidates += 1;
                    continue;
                }
                Fit::Scored(score) => score,
            };
            candidates += 1;
            let ranked = Ranked { score, id: *id };
            if best.len() < limit {
                best.push(ranked);
            } else if let Some(mut worst) = best.peek_mut()
                && ranked < *worst
            {
                *worst = ranked;
            }
        }
        Ranking {
            best: best.into_sorted_vec().into_iter().map(|r| r.id).collect(),
            candidates,
        }
    }
}

/// A scored candidate, ordered best first: higher score, then lower id.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    score: f64,
    id: Uuid,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.id.cmp(&other.id))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::candidate::FocusAreas;
    use crate::matching::candidate::testing::plot_with;
    use crate::plots::codes::FocusArea;

    fn plot(land_use: i32, area_m2: f64) -> Candidate {
        Candidate {
            area_m2: Some(area_m2),
            land_use,
            ..plot_with(Default::default())
        }
    }

    #[test]
    fn ranking_keeps_the_best_that_meet_the_hard_requirements_ties_by_id() {
        let candidates = Candidates::default();
        {
            let mut plots = candidates.plots.write().unwrap();
            // Industry (1340) is required; 20 000 m² is preferred.
            plots.insert(Uuid::from_u128(1), plot(1340, 10_000.0)); // 0.75
            plots.insert(Uuid::from_u128(2), plot(1340, 20_000.0)); // 1
            plots.insert(Uuid::from_u128(3), plot(1300, 20_000.0)); // not a candidate
            plots.insert(Uuid::from_u128(4), plot(1340, 10_000.0)); // 0.75
            plots.insert(Uuid::from_u128(5), plot(1340, 5_000.0)); // 0.625
            plots.insert(Uuid::from_u128(6), plot(1340, 25_000.0)); // 1
        }
        let needs: Needs = serde_json::from_value(serde_json::json!({
            "land_use": [1340], "area_m2": {"min": 20000}, "required": ["land_use"]
        }))
        .unwrap();
        let ids = |limit| -> Vec<u128> {
            let ranking = candidates.rank(&needs, limit);
            assert_eq!(ranking.candidates, 5);
            ranking.best.iter().map(|id| id.as_u128()).collect()
        };
        assert_eq!(ids(3), [2, 6, 1]);
        assert_eq!(ids(10), [2, 6, 1, 4, 5]);
        assert_eq!(ids(1), [2]);
    }

    #[test]
    fn an_unknown_value_misses_its_need() {
        let candidates = Candidates::default();
        {
            let mut plots = candidates.plots.write().unwrap();
            let priced = |price| Candidate {
                price_nok_per_m2: price,
                ..plot(1340, 10_000.0)
            };
            plots.insert(Uuid::from_u128(1), priced(None));
            plots.insert(Uuid::from_u128(2), priced(Some(150)));
        }
        let needs: Needs =
            serde_json::from_value(serde_json::json!({"max_price_nok_per_m2": 100})).unwrap();
        let ranking = candidates.rank(&needs, 2);
        assert_eq!(ranking.best, [Uuid::from_u128(2), Uuid::from_u128(1)]);
        let unknown = &candidates.plots.read().unwrap()[&Uuid::from_u128(1)];
        assert_eq!(
            needs.score(unknown, &needs.prepare(), f64::NEG_INFINITY),
            Fit::Scored(0.0)
        );
    }

    #[test]
    fn focus_areas_print_in_code_list_order() {
        let mut areas = FocusAreas::default();
        areas.insert(FocusArea::General);
        areas.insert(FocusArea::PortLogistics);
        assert!(areas.contains(FocusArea::General));
        assert!(!areas.contains(FocusArea::Health));
        assert_eq!(areas.to_string(), "port_logistics, general");
    }

    #[test]
    fn ranking_with_places_is_the_ranking_of_every_plot_measured() {
        use crate::matching::candidate::testing::scattered;
        let candidates = Candidates::default();
        {
            let mut plots = candidates.plots.write().unwrap();
            for (i, plot) in scattered(4000).into_iter().enumerate() {
                plots.insert(Uuid::from_u128(i as u128), plot);
            }
        }
        let needs: Needs = serde_json::from_value(serde_json::json!({
            "places": [
                {"lon": 10.2, "lat": 59.74, "max_distance_m": 40000},
                {"lon": 10.0, "lat": 59.6, "preferred_distance_m": 3000},
                {"lon": 9.9, "lat": 59.8, "preferred_distance_m": 15000}
            ]
        }))
        .unwrap();
        // Every candidate scored with every distance measured, best first.
        let prepared = needs.prepare();
        let mut all: Vec<Ranked> = candidates
            .plots
            .read()
            .unwrap()
            .iter()
            .filter_map(
                |(id, plot)| match needs.score(plot, &prepared, f64::NEG_INFINITY) {
                    Fit::Scored(score) => Some(Ranked { score, id: *id }),
                    _ => None,
                },
            )
            .collect();
        all.sort();
        assert!(all.len() > 100 && all.len() < 4000, "{}", all.len());
        for limit in [1, 10, 100] {
            let ranking = candidates.rank(&needs, limit);
            assert_eq!(ranking.candidates, all.len());
            let expected: Vec<Uuid> = all[..limit].iter().map(|r| r.id).collect();
            assert_eq!(ranking.best, expected, "limit {limit}");
        }
    }
}
