//! The tile cache: tiles as served (gzip), in the service's memory, bounded
//! in bytes, and never stale.
//!
//! Before each tile is served, [`TileCache::refresh`] reads the plots
//! written since the cache last looked ([`crate::plots::changes`]: whoever
//! wrote them, this service, another instance, an import or SQL by hand),
//! and drops every cached tile such a plot touched, where it was before the
//! write and where it is after, at every zoom and under every filter. Where
//! a plot was is known from the cache's own copy of each open plot's box.
//!
//! A tile rendered while a look was dropping tiles might show the register
//! from before the write that look found; it is served, but not kept: every
//! look that drops tiles raises a generation, and a tile is kept only if the
//! generation is still the one its request saw before rendering it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Double, Uuid as SqlUuid};
use diesel_async::AsyncPgConnection;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use moka::notification::RemovalCause;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::matrix::{self, MAX_ZOOM, TileId};
use super::render::{BUFFER, EXTENT};
use crate::error::ApiError;
use crate::plots::changes::{Look, Looked, Mark, read_since};

/// A cached tile's key: the tile, the query string of its filters as the
/// request gave them (parameters sorted), and whether unpublished plots are
/// in it (planners' tiles).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TileKey {
    pub tile: TileId,
    pub filter: Arc<str>,
}

impl TileKey {
    /// The key of `tile` with the filters `pairs`, for planners or not.
    pub fn new(tile: TileId, pairs: &[(String, String)], unpublished: bool) -> Self {
        let mut pairs: Vec<&(String, String)> = pairs.iter().filter(|(n, _)| n != "f").collect();
        pairs.sort();
        let mut filter = String::from(if unpublished { "planner" } else { "public" });
        for (name, value) in pairs {
            filter.push('&');
            filter.push_str(&urlencode(name));
            filter.push('=');
            filter.push_str(&urlencode(value));
        }
        Self {
            tile,
            filter: filter.into(),
        }
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A tile as served: gzip-compressed (empty for an empty tile), with the
/// digest of its content for the `ETag`.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub gzip: actix_web::web::Bytes,
    pub digest: String,
}

impl Encoded {
    /// Compresses a tile.
    pub fn new(plain: Vec<u8>) -> std::io::Result<Self> {
        use std::io::Write;
        let digest = digest(&plain);
        if plain.is_empty() {
            return Ok(Self {
                gzip: Default::default(),
                digest,
            });
        }
        let mut encoder = GzEncoder::new(Vec::with_capacity(plain.len() / 2), Compression::fast());
        encoder.write_all(&plain)?;
        Ok(Self {
            gzip: encoder.finish()?.into(),
            digest,
        })
    }

    /// The tile uncompressed, for a client that takes no gzip.
    pub fn plain(&self) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let mut plain = Vec::new();
        if !self.gzip.is_empty() {
            GzDecoder::new(&self.gzip[..]).read_to_end(&mut plain)?;
        }
        Ok(plain)
    }
}

/// The content digest of a tile, for its `ETag`.
fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    hash[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// A plot's box in longitude and latitude.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PlotBox {
    west: f32,
    south: f32,
    east: f32,
    north: f32,
}

/// What a look reads of a plot: its id, whether it is open, and its box.
#[derive(Debug, QueryableByName)]
struct BoxRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Bool)]
    open: bool,
    #[diesel(sql_type = Double)]
    west: f64,
    #[diesel(sql_type = Double)]
    south: f64,
    #[diesel(sql_type = Double)]
    east: f64,
    #[diesel(sql_type = Double)]
    north: f64,
}

const LOOK: Look<'static> = Look {
    select: "p.id, p.ended_at IS NULL AS open, \
             ST_XMin(p.geom) AS west, ST_YMin(p.geom) AS south, \
             ST_XMax(p.geom) AS east, ST_YMax(p.geom) AS north",
    first: "p.ended_at IS NULL",
};

/// Past this many plots written since the last look, the whole cache is
/// dropped: cheaper than finding their tiles one by one.
const DROP_ALL_PAST: usize = 10_000;

/// How the tile cache has done since the service started.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// Tiles served from the cache.
    pub hits: u64,
    /// Tiles rendered because the cache did not hold them.
    pub misses: u64,
    /// Tiles dropped because a plot they showed was written.
    pub dropped: u64,
    /// Tiles rendered but not kept, because a write was found meanwhile.
    pub not_kept: u64,
    /// Tiles held now.
    pub tiles: u64,
    /// Their size in bytes (what counts against the cache's bound).
    pub bytes: u64,
}

/// The cache; off when its size is 0 (then every tile is rendered).
pub struct TileCache {
    tiles: Option<moka::sync::Cache<TileKey, Encoded>>,
    /// The filters each cached tile is held under.
    held: Arc<Mutex<HashMap<TileId, HashSet<Arc<str>>>>>,
    /// Each open plot's box.
    boxes: Mutex<HashMap<Uuid, PlotBox>>,
    /// The last look: where it left the cache and when it began (`None`
    /// before the first); its lock also puts the looks in line.
    as_of: tokio::sync::Mutex<Option<(Mark, Instant)>>,
    /// Raised by every look that drops tiles (see the module's doc).
    generation: RwLock<u64>,
    hits: AtomicU64,
    misses: AtomicU64,
    dropped: AtomicU64,
    not_kept: AtomicU64,
}

impl TileCache {
    /// A cache of at most `bytes` of tiles (0: no cache).
    pub fn new(bytes: u64) -> Self {
        let held: Arc<Mutex<HashMap<TileId, HashSet<Arc<str>>>>> = Arc::default();
        let tiles = (bytes > 0).then(|| {
            let evicted = Arc::clone(&held);
            moka::sync::Cache::builder()
                .max_capacity(bytes)
                .weigher(|key: &TileKey, tile: &Encoded| {
                    let size = 64 + key.filter.len() + tile.gzip.len() + tile.digest.len();
                    u32::try_from(size).unwrap_or(u32::MAX)
                })
                .eviction_listener(move |key: Arc<TileKey>, _, cause| {
                    // Dropped on purpose: `drop_touched` has let go of it already.
                    if cause != RemovalCause::Explicit {
                        let mut held = evicted.lock().unwrap_or_else(|e| e.into_inner());
                        if let Some(filters) = held.get_mut(&key.tile) {
                            filters.remove(&key.filter);
                            if filters.is_empty() {
                                held.remove(&key.tile);
                            }
                        }
                    }
                })
                .build()
        });
        Self {
            tiles,
            held,
            boxes: Mutex::default(),
            as_of: tokio::sync::Mutex::default(),
            generation: RwLock::new(0),
            hits: AtomicU64::default(),
            misses: AtomicU64::default(),
            dropped: AtomicU64::default(),
            not_kept: AtomicU64::default(),
        }
    }

    /// Whether tiles are cached at all.
    pub fn is_on(&self) -> bool {
        self.tiles.is_some()
    }

    /// Drops every tile that a plot written since the last look touched,
    /// and returns the generation to [`insert`](Self::insert) a tile
    /// rendered after this call with.
    pub async fn refresh(
        &self,
        conn: &mut AsyncPgConnection,
        on_replica: bool,
    ) -> Result<Option<u64>, ApiError> {
        if !self.is_on() {
            return Ok(Some(0));
        }
        let asked = Instant::now();
        let mut as_of = self.as_of.lock().await;
        // A look that began after this call did (while it waited for the
        // lock) saw every write committed before it: nothing is left to do.
        // Unless the tile is to be rendered on a replica, which may not
        // have replayed what that look saw.
        if !on_replica
            && let Some((_, began)) = &*as_of
            && *began >= asked
        {
            return Ok(Some(
                *self.generation.read().unwrap_or_else(|e| e.into_inner()),
            ));
        }
        let began = Instant::now();
        // A full look goes straight into a new map (a million plots would
        // otherwise sit in a list first); later ones are few.
        let mut loaded: HashMap<Uuid, PlotBox> = HashMap::new();
        let mut changed: Vec<(Uuid, Option<PlotBox>)> = Vec::new();
        let last = as_of.as_ref().map(|(mark, _)| mark);
        let looked = read_since(conn, last, &LOOK, |row: BoxRow, full| {
            let now = row.open.then_some(PlotBox {
                west: row.west as f32,
                south: row.south as f32,
                east: row.east as f32,
                north: row.north as f32,
            });
            match (full, now) {
                (true, Some(b)) => {
                    loaded.insert(row.id, b);
                }
                (true, None) => {}
                (false, now) => changed.push((row.id, now)),
            }
        })
        .await?;
        let (mark, full) = match looked {
            Looked::Behind => return Ok(None),
            Looked::Full(mark) => (mark, true),
            Looked::Changes(mark) => (mark, false),
        };
        let mut boxes = self.boxes.lock().unwrap_or_else(|e| e.into_inner());
        if full {
            *boxes = loaded;
        }
        let mut touched = Vec::new();
        for (id, now) in changed {
            let before = match now {
                Some(b) => boxes.insert(id, b),
                None => boxes.remove(&id),
            };
            touched.extend(before.into_iter().chain(now));
        }
        drop(boxes);
        // The look's lock is held until its tiles are dropped: a request
        // that looks next finds nothing left to drop, and must not serve
        // one of them meanwhile.
        let mut generation = self.generation.write().unwrap_or_else(|e| e.into_inner());
        if full && as_of.is_some() {
            // Another primary, or one behind the last look: what the cache
            // holds may show writes it no longer has.
            *generation += 1;
            self.drop_all();
        } else if !touched.is_empty() {
            *generation += 1;
            self.drop_touched(&touched);
        }
        let current = *generation;
        drop(generation);
        *as_of = Some((mark, began));
        tracing::debug!(
            boxes = touched.len(),
            full,
            waited_ms = began.duration_since(asked).as_millis() as u64,
            looked_ms = began.elapsed().as_millis() as u64,
            "tile cache looked"
        );
        Ok(Some(current))
    }

    /// The cached tile of `key`.
    pub fn get(&self, key: &TileKey) -> Option<Encoded> {
        let found = self.tiles.as_ref()?.get(key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps a tile rendered after a [`refresh`](Self::refresh) that
    /// returned `generation`, unless a later look has dropped tiles since.
    pub fn insert(&self, key: TileKey, tile: Encoded, generation: u64) {
        let Some(tiles) = &self.tiles else { return };
        let current = self.generation.read().unwrap_or_else(|e| e.into_inner());
        if *current != generation {
            self.not_kept.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.held
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.tile)
            .or_default()
            .insert(Arc::clone(&key.filter));
        tiles.insert(key, tile);
    }

    /// How the cache has done.
    pub fn stats(&self) -> Stats {
        if let Some(tiles) = &self.tiles {
            tiles.run_pending_tasks();
        }
        Stats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            not_kept: self.not_kept.load(Ordering::Relaxed),
            tiles: self.tiles.as_ref().map_or(0, |t| t.entry_count()),
            bytes: self.tiles.as_ref().map_or(0, |t| t.weighted_size()),
        }
    }

    /// How many open plots the cache knows the box of.
    pub fn plots_known(&self) -> usize {
        self.boxes.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Drops every tile. Called with the generation's write lock held.
    fn drop_all(&self) {
        let Some(tiles) = &self.tiles else { return };
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let count: usize = held.values().map(HashSet::len).sum();
        held.clear();
        drop(held);
        tiles.invalidate_all();
        self.dropped.fetch_add(count as u64, Ordering::Relaxed);
    }

    /// Drops the tiles the boxes touch at every zoom, under every filter.
    /// Called with the generation's write lock held.
    fn drop_touched(&self, touched: &[PlotBox]) {
        let Some(tiles) = &self.tiles else { return };
        if touched.len() > DROP_ALL_PAST {
            self.drop_all();
            return;
        }
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        // Each box's tiles at each zoom, as column and row ranges.
        let margin = f64::from(BUFFER) / f64::from(EXTENT);
        let ranges: Vec<Vec<(u32, u32, u32, u32)>> = (0..=MAX_ZOOM)
            .map(|z| {
                touched
                    .iter()
                    .map(|b| {
                        let bbox = [b.west, b.south, b.east, b.north].map(f64::from);
                        matrix::covering(z, bbox, margin)
                    })
                    .collect()
            })
            .collect();
        let area = |&(x0, x1, y0, y1): &(u32, u32, u32, u32)| {
            u64::from(x1 - x0 + 1) * u64::from(y1 - y0 + 1)
        };
        let to_enumerate: u64 = ranges.iter().flatten().map(area).sum();
        let to_scan = held.len() as u64 * touched.len() as u64;
        // Whichever is less work: look up every tile of the ranges in the
        // held tiles, or test every held tile against its zoom's ranges.
        let doomed: HashSet<TileId> = if to_enumerate <= to_scan {
            let mut doomed = HashSet::new();
            for (z, at_zoom) in ranges.iter().enumerate() {
                for &(x0, x1, y0, y1) in at_zoom {
                    for x in x0..=x1 {
                        for y in y0..=y1 {
                            let tile = TileId { z: z as u8, x, y };
                            if held.contains_key(&tile) {
                                doomed.insert(tile);
                            }
                        }
                    }
                }
            }
            doomed
        } else {
            held.keys()
                .filter(|t| {
                    ranges[usize::from(t.z)].iter().any(|&(x0, x1, y0, y1)| {
                        (x0..=x1).contains(&t.x) && (y0..=y1).contains(&t.y)
                    })
                })
                .copied()
                .collect()
        };
        let keys: Vec<TileKey> = doomed
            .into_iter()
            .flat_map(|tile| {
                let filters = held.remove(&tile).unwrap_or_default();
                filters
                    .into_iter()
                    .map(move |filter| TileKey { tile, filter })
            })
            .collect();
        // Dropping may evict other tiles, whose listener takes `held`.
        drop(held);
        for key in &keys {
            tiles.invalidate(key);
        }
        self.dropped.fetch_add(keys.len() as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(z: u8, x: u32, y: u32, filter: &str) -> TileKey {
        TileKey {
            tile: TileId { z, x, y },
            filter: filter.into(),
        }
    }

    fn tile() -> Encoded {
        Encoded::new(b"tile".to_vec()).unwrap()
    }

    #[test]
    fn a_write_drops_the_tiles_it_touched_under_every_filter_and_no_other() {
        let cache = TileCache::new(1 << 20);
        // Drammen at z12 is tile (2164, 1195); a tile far away stays.
        cache.insert(key(12, 2164, 1195, "public"), tile(), 0);
        cache.insert(key(12, 2164, 1195, "public&status=available"), tile(), 0);
        cache.insert(key(12, 100, 100, "public"), tile(), 0);
        cache.drop_touched(&[PlotBox {
            west: 10.2,
            south: 59.74,
            east: 10.201,
            north: 59.741,
        }]);
        assert!(cache.get(&key(12, 2164, 1195, "public")).is_none());
        assert!(
            cache
                .get(&key(12, 2164, 1195, "public&status=available"))
                .is_none()
        );
        assert!(cache.get(&key(12, 100, 100, "public")).is_some());
        assert_eq!(cache.stats().dropped, 2);
    }

    #[test]
    fn a_large_box_is_matched_against_the_held_tiles_not_enumerated() {
        // Half the world at z22 is some 8·10^12 tiles: only testing the
        // three held tiles against it finishes.
        let cache = TileCache::new(1 << 20);
        cache.insert(key(22, 2_216_000, 1_224_000, "public"), tile(), 0);
        cache.insert(key(12, 2164, 1195, "public"), tile(), 0);
        cache.insert(key(3, 0, 7, "public"), tile(), 0);
        cache.drop_touched(&[PlotBox {
            west: 0.0,
            south: 0.0,
            east: 179.0,
            north: 85.0,
        }]);
        assert!(
            cache
                .get(&key(22, 2_216_000, 1_224_000, "public"))
                .is_none()
        );
        assert!(cache.get(&key(12, 2164, 1195, "public")).is_none());
        // Far to the south-west: kept.
        assert!(cache.get(&key(3, 0, 7, "public")).is_some());
    }

    #[test]
    fn a_tile_rendered_across_a_drop_is_not_kept() {
        let cache = TileCache::new(1 << 20);
        *cache.generation.write().unwrap() = 3;
        cache.insert(key(0, 0, 0, "public"), tile(), 2);
        assert!(cache.get(&key(0, 0, 0, "public")).is_none());
        assert_eq!(cache.stats().not_kept, 1);
        cache.insert(key(0, 0, 0, "public"), tile(), 3);
        assert!(cache.get(&key(0, 0, 0, "public")).is_some());
    }

    #[test]
    fn keys_do_not_depend_on_the_order_of_the_filters() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        let a = TileKey::new(
            TileId { z: 1, x: 0, y: 0 },
            &pairs(&[("status", "available"), ("land_use", "1340")]),
            false,
        );
        let b = TileKey::new(
            TileId { z: 1, x: 0, y: 0 },
            &pairs(&[("land_use", "1340"), ("status", "available"), ("f", "mvt")]),
            false,
        );
        let planner = TileKey::new(
            TileId { z: 1, x: 0, y: 0 },
            &pairs(&[("status", "available"), ("land_use", "1340")]),
            true,
        );
        assert_eq!(a, b);
        assert_ne!(a, planner);
    }

    #[test]
    fn tiles_round_trip_through_gzip() {
        let t = Encoded::new(vec![7; 1000]).unwrap();
        assert!(t.gzip.len() < 100);
        assert_eq!(t.plain().unwrap(), vec![7; 1000]);
        let empty = Encoded::new(Vec::new()).unwrap();
        assert!(empty.gzip.is_empty() && empty.plain().unwrap().is_empty());
    }
}
