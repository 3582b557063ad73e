//! A plot's boundary as site matching holds it, and the geodesic distance
//! from a point to it.
//!
//! The registry snaps every boundary to 1e-7 degree (as GeoJSON writes it),
//! so a vertex is kept as two `i32`s in units of 1e-7° with nothing lost:
//! 8 bytes a vertex, half of two `f64`s. The rings are kept one after
//! another, each closed, in one allocation per plot, with the plot's box.
//!
//! The distance is PostGIS's `ST_Distance(geography, geography)` computed
//! in memory with `geo`: 0 inside the plot; else the point of the boundary
//! nearest in a plane about the point (its azimuthal equidistant
//! projection on the sphere), taken on the great-circle edge (as
//! geography's edges are), and the geodesic distance on the WGS84
//! ellipsoid ([`Geodesic`], Karney's algorithm) to it. The nearest point is
//! found on the sphere, not on the ellipsoid, which puts it a little along
//! the edge from the exact one; the distance, a minimum, changes by the
//! square of that over the distance: within a millimetre of PostGIS for the
//! demo plots (see the tests).

use geo::{
    Bearing, Closest, ClosestPoint, Contains, Coord, Distance, Geodesic, Haversine,
    InterpolatePoint, Line, LineString, Point, Polygon,
};

/// Units of a coordinate held: 1e-7 degree.
const UNITS_PER_DEGREE: f64 = 1e7;

/// A plot's boundary: its rings and its box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boundary {
    /// West, south, east and north, in 1e-7°.
    bbox: [i32; 4],
    /// Every ring's vertices (longitude, latitude in 1e-7°), ring after
    /// ring, each closed: a ring ends where its first vertex comes again.
    vertices: Box<[[i32; 2]]>,
}

impl Default for Boundary {
    /// No boundary: its box is empty (west of east), so nothing is near it.
    fn default() -> Self {
        Self {
            bbox: [i32::MAX, i32::MAX, i32::MIN, i32::MIN],
            vertices: Box::new([]),
        }
    }
}

/// A longitude or latitude in 1e-7°, rounded to the registry's grid.
fn units(degrees: f64) -> i32 {
    // Saturates outside ±214°: no valid coordinate is there.
    (degrees * UNITS_PER_DEGREE).round() as i32
}

fn degrees(units: i32) -> f64 {
    f64::from(units) / UNITS_PER_DEGREE
}

fn point(vertex: [i32; 2]) -> Point {
    Point::new(degrees(vertex[0]), degrees(vertex[1]))
}

impl Boundary {
    /// The boundary of these rings (the exterior and interior rings of
    /// every polygon, in any order), each a list of (longitude, latitude)
    /// in degrees, closed or not.
    pub fn from_rings<R, V>(rings: R) -> Self
    where
        R: IntoIterator<Item = V>,
        V: IntoIterator<Item = (f64, f64)>,
    {
        let mut vertices: Vec<[i32; 2]> = Vec::new();
        let mut bbox = Self::default().bbox;
        for ring in rings {
            let start = vertices.len();
            for (lon, lat) in ring {
                let vertex = [units(lon), units(lat)];
                // A vertex repeated right after itself adds nothing.
                if vertices.len() > start && vertices.last() == Some(&vertex) {
                    continue;
                }
                bbox = [
                    bbox[0].min(vertex[0]),
                    bbox[1].min(vertex[1]),
                    bbox[2].max(vertex[0]),
                    bbox[3].max(vertex[1]),
                ];
                vertices.push(vertex);
            }
            match vertices.len() - start {
                0 => {}
                1 => vertices.push(vertices[start]),
                _ if vertices[start] != vertices[vertices.len() - 1] => {
                    vertices.push(vertices[start]);
                }
                _ => {}
            }
        }
        Self {
            bbox,
            vertices: vertices.into_boxed_slice(),
        }
    }

    /// The boundary of a GeoJSON MultiPolygon or Polygon, as the read
    /// queries give it (`ST_AsGeoJSON`, CRS84).
    pub fn from_geojson(text: &str) -> Result<Self, serde_json::Error> {
        #[derive(serde::Deserialize)]
        #[serde(tag = "type")]
        enum Shape {
            MultiPolygon {
                coordinates: Vec<Vec<Vec<[f64; 2]>>>,
            },
            Polygon {
                coordinates: Vec<Vec<[f64; 2]>>,
            },
        }
        let rings = match serde_json::from_str::<Shape>(text)? {
            Shape::MultiPolygon { coordinates } => coordinates.into_iter().flatten().collect(),
            Shape::Polygon { coordinates } => coordinates,
        };
        Ok(Self::from_rings(
            rings
                .into_iter()
                .map(|ring| ring.into_iter().map(|[lon, lat]| (lon, lat))),
        ))
    }

    /// West, south, east and north, in 1e-7°.
    pub fn bbox(&self) -> [i32; 4] {
        self.bbox
    }

    /// Whether it has no vertex.
    pub fn is_empty(&self) -> bool {
        self.vertices.is_empty()
    }

    /// How many vertices it holds (each ring's first one twice).
    pub fn vertex_count(&self) -> usize {
        self.vertices.len()
    }

    /// The rings, each closed.
    fn rings(&self) -> impl Iterator<Item = &[[i32; 2]]> {
        let mut rest: &[[i32; 2]] = &self.vertices;
        std::iter::from_fn(move || {
            let first = *rest.first()?;
            // A valid ring passes its first vertex only at its end.
            let end = rest[1..]
                .iter()
                .position(|v| *v == first)
                .map_or(rest.len(), |i| i + 2);
            let (ring, after) = rest.split_at(end);
            rest = after;
            Some(ring)
        })
    }

    /// The centre of the box, in degrees.
    pub fn centre(&self) -> Point {
        Point::new(
            (degrees(self.bbox[0]) + degrees(self.bbox[2])) / 2.0,
            (degrees(self.bbox[1]) + degrees(self.bbox[3])) / 2.0,
        )
    }

    /// Whether `at` (longitude, latitude in degrees) is inside (not on the
    /// boundary): inside an odd number of rings, as an exterior counts
    /// once and each hole in it once more (the plot's polygons do not
    /// overlap).
    pub fn contains(&self, at: Point) -> bool {
        let [west, south, east, north] = self.bbox;
        let (x, y) = (units(at.x()), units(at.y()));
        if x < west || x > east || y < south || y > north {
            return false;
        }
        let inside = self
            .rings()
            .filter(|ring| {
                let ring: LineString = ring.iter().map(|v| point(*v).0).collect();
                Polygon::new(ring, vec![]).contains(&at)
            })
            .count();
        inside % 2 == 1
    }

    /// The geodesic distance in metres (WGS84) from `at` (longitude,
    /// latitude in degrees) to the plot: 0 inside it or on its boundary.
    /// Infinite for an empty boundary.
    pub fn distance_m(&self, at: Point) -> f64 {
        if self.is_empty() {
            return f64::INFINITY;
        }
        if self.contains(at) {
            return 0.0;
        }
        // A plane about `at` (azimuthal equidistant, on the sphere): each
        // vertex by its distance and bearing from `at`, so that directions
        // and distances from `at` are right however far the plot is, and an
        // edge through `at` is a line through the origin.
        let plane = |v: [i32; 2]| {
            let v = point(v);
            let (reach, bearing) = (
                Haversine.distance(at, v),
                Haversine.bearing(at, v).to_radians(),
            );
            Coord {
                x: reach * bearing.sin(),
                y: reach * bearing.cos(),
            }
        };
        let origin = Point::new(0.0, 0.0);
        let mut nearest: Option<(f64, [i32; 2], [i32; 2], f64)> = None;
        for ring in self.rings() {
            let mut from = plane(ring[0]);
            for edge in ring.windows(2) {
                let (a, b) = (edge[0], edge[1]);
                let to = plane(b);
                let line = Line::new(from, to);
                from = to;
                let foot = match line.closest_point(&origin) {
                    Closest::Intersection(p) | Closest::SinglePoint(p) => p,
                    // A zero-length edge: its one point.
                    Closest::Indeterminate => line.start_point(),
                };
                let squared = foot.x().powi(2) + foot.y().powi(2);
                if nearest.is_none_or(|(best, ..)| squared < best) {
                    let delta = line.delta();
                    let length = delta.x * delta.x + delta.y * delta.y;
                    let along = if length > 0.0 {
                        ((foot.x() - line.start.x) * delta.x + (foot.y() - line.start.y) * delta.y)
                            / length
                    } else {
                        0.0
                    };
                    nearest = Some((squared, a, b, along.clamp(0.0, 1.0)));
                }
            }
        }
        let Some((_, a, b, along)) = nearest else {
            return Geodesic.distance(at, point(self.vertices[0]));
        };
        // The point that far along the edge, on the great circle through
        // its ends (a geography edge), then the ellipsoid's distance to it.
        let on_edge = if along <= 0.0 {
            point(a)
        } else if along >= 1.0 {
            point(b)
        } else {
            Haversine.point_at_ratio_between(point(a), point(b), along)
        };
        Geodesic.distance(at, on_edge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A square of 0.01° (about 560 m east–west, 1110 m north–south at
    /// Drammen) with a square hole in the middle.
    fn square_with_hole() -> Boundary {
        let square = |w: f64, s: f64, e: f64, n: f64| vec![(w, s), (e, s), (e, n), (w, n), (w, s)];
        Boundary::from_rings([
            square(10.20, 59.74, 10.21, 59.75),
            square(10.204, 59.744, 10.206, 59.746),
        ])
    }

    #[test]
    fn rings_are_kept_closed_one_after_another() {
        let b = square_with_hole();
        let rings: Vec<usize> = b.rings().map(<[_]>::len).collect();
        assert_eq!(rings, [5, 5]);
        assert_eq!(
            b.bbox(),
            [102_000_000, 597_400_000, 102_100_000, 597_500_000]
        );
        // Open rings are closed, repeated vertices dropped.
        let open = Boundary::from_rings([vec![(0.0, 0.0), (1.0, 0.0), (1.0, 0.0), (1.0, 1.0)]]);
        assert_eq!(open.vertex_count(), 4);
        assert_eq!(open.rings().count(), 1);
    }

    #[test]
    fn inside_is_zero_and_a_hole_is_outside() {
        let b = square_with_hole();
        assert_eq!(b.distance_m(Point::new(10.202, 59.742)), 0.0);
        // On the boundary.
        assert!(b.distance_m(Point::new(10.20, 59.745)) < 0.001);
        // In the middle of the hole, 0.001° of longitude (about 56 m) from
        // its east and west edges.
        let in_hole = b.distance_m(Point::new(10.205, 59.745));
        let to_edge = Geodesic.distance(Point::new(10.205, 59.745), Point::new(10.206, 59.745));
        assert!((in_hole - to_edge).abs() < 0.001, "{in_hole} vs {to_edge}");
        assert!(!b.contains(Point::new(10.205, 59.745)));
    }

    #[test]
    fn the_distance_is_to_the_nearest_edge_not_vertex() {
        let b = square_with_hole();
        // Due south of the middle of the south edge, a great circle that
        // bows a centimetre north of the parallel of its ends.
        let from = Point::new(10.205, 59.73);
        let south = b.distance_m(from);
        let middle = Haversine.point_at_ratio_between(
            Point::new(10.20, 59.74),
            Point::new(10.21, 59.74),
            0.5,
        );
        let to_middle = Geodesic.distance(from, middle);
        assert!((south - to_middle).abs() < 0.001, "{south} vs {to_middle}");
        assert!(to_middle - Geodesic.distance(from, Point::new(10.205, 59.74)) > 0.01);
        // Far away, about the distance to the centre less half the square.
        let oslo = b.distance_m(Point::new(10.75, 59.91));
        let to_corner = Geodesic.distance(Point::new(10.75, 59.91), Point::new(10.21, 59.75));
        assert!(
            oslo <= to_corner && oslo > to_corner - 600.0,
            "{oslo} vs {to_corner}"
        );
    }

    #[test]
    fn geojson_gives_the_same_boundary() {
        let text = r#"{"type":"MultiPolygon","coordinates":[[[[10.2,59.74],[10.21,59.74],[10.21,59.75],[10.2,59.75],[10.2,59.74]],[[10.204,59.744],[10.206,59.744],[10.206,59.746],[10.204,59.746],[10.204,59.744]]]]}"#;
        assert_eq!(Boundary::from_geojson(text).unwrap(), square_with_hole());
        assert!(Boundary::from_geojson(r#"{"type":"Point","coordinates":[1,2]}"#).is_err());
    }

    #[test]
    fn nothing_is_near_no_boundary() {
        let none = Boundary::default();
        assert!(none.is_empty());
        assert_eq!(none.distance_m(Point::new(10.0, 60.0)), f64::INFINITY);
        assert!(!none.contains(Point::new(10.0, 60.0)));
    }
}
