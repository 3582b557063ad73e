//! The tile matrix set the tiles are cut in: OGC's WebMercatorQuad (EPSG:3857,
//! 256 × 256 tiles, 2^z × 2^z of them at zoom z), its definition as OGC API –
//! Tiles serves it, a tile's coordinates, and which tiles a box touches.

use serde_json::{Value, json};

/// The tile matrix set's id in URLs.
pub const TMS_ID: &str = "WebMercatorQuad";
/// Its URI in OGC's register.
pub const TMS_URI: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
/// Its title.
pub const TMS_TITLE: &str = "Google Maps Compatible for the World";
/// Its CRS.
pub const TMS_CRS: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
/// The deepest zoom served: 22 is under 4 cm a pixel, past any plot's detail.
pub const MAX_ZOOM: u8 = 22;

/// Half the width of the Web Mercator world in metres.
const ORIGIN: f64 = 20_037_508.342_789_244;

/// A tile: zoom, column (x, from the west) and row (y, from the north).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// The tile at matrix `z`, row `row` and column `col`, if the matrix set
    /// has it.
    pub fn new(z: u32, row: u32, col: u32) -> Option<Self> {
        let z = u8::try_from(z).ok().filter(|z| *z <= MAX_ZOOM)?;
        let size = 1u32 << z;
        (row < size && col < size).then_some(Self { z, x: col, y: row })
    }
}

/// The tiles at zoom `z` that a box (west, south, east, north in
/// longitude and latitude) touches, each tile grown by `margin` of its
/// width on every side (as the tiles hold geometry past their edges), as
/// inclusive column and row ranges: (first column, last column, first row,
/// last row).
pub fn covering(z: u8, bbox: [f64; 4], margin: f64) -> (u32, u32, u32, u32) {
    let [west, south, east, north] = bbox;
    let tile_width = 2.0 * ORIGIN / f64::from(1u32 << z);
    let grow = tile_width * margin;
    let last = f64::from((1u32 << z) - 1);
    let index =
        |metres_from_origin: f64| (metres_from_origin / tile_width).floor().clamp(0.0, last) as u32;
    let x = |lon: f64| lon.clamp(-180.0, 180.0) / 180.0 * ORIGIN;
    let y = |lat: f64| {
        let lat = lat.clamp(-85.051_128_78, 85.051_128_78).to_radians();
        (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln() * ORIGIN / std::f64::consts::PI
    };
    (
        index(x(west) - grow + ORIGIN),
        index(x(east) + grow + ORIGIN),
        index(ORIGIN - y(north) - grow),
        index(ORIGIN - y(south) + grow),
    )
}

/// The size of a pixel at zoom `z`, in metres of Web Mercator.
fn cell_size(z: u8) -> f64 {
    2.0 * ORIGIN / 256.0 / f64::from(1u32 << z)
}

/// The tile matrix set's definition (OGC Two Dimensional Tile Matrix Set
/// 2.0, with the 1.0 names beside), every zoom from 0 to [`MAX_ZOOM`].
pub fn definition(url: &str) -> Value {
    let matrices: Vec<Value> = (0..=MAX_ZOOM)
        .map(|z| {
            json!({
                "id": z.to_string(),
                // The same in TMS 1.0's names, for clients that read only
                // those (GDAL before 3.7).
                "type": "TileMatrixType",
                "identifier": z.to_string(),
                "topLeftCorner": [-ORIGIN, ORIGIN],
                "scaleDenominator": cell_size(z) / 0.00028,
                "cellSize": cell_size(z),
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-ORIGIN, ORIGIN],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": 1u32 << z,
                "matrixHeight": 1u32 << z,
            })
        })
        .collect();
    json!({
        "id": TMS_ID,
        "title": TMS_TITLE,
        "type": "TileMatrixSetType",
        "identifier": TMS_ID,
        "supportedCRS": TMS_CRS,
        "boundingBox": {
            "type": "BoundingBoxType",
            "crs": TMS_CRS,
            "lowerCorner": [-ORIGIN, -ORIGIN],
            "upperCorner": [ORIGIN, ORIGIN],
        },
        "uri": TMS_URI,
        "crs": TMS_CRS,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
        "links": [{"href": url, "rel": "self", "type": "application/json", "title": "This tile matrix set"}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_exist_only_inside_the_matrix() {
        assert_eq!(TileId::new(0, 0, 0), Some(TileId { z: 0, x: 0, y: 0 }));
        assert_eq!(TileId::new(1, 1, 0), Some(TileId { z: 1, x: 0, y: 1 }));
        assert_eq!(TileId::new(1, 2, 0), None);
        assert_eq!(TileId::new(1, 0, 2), None);
        assert_eq!(TileId::new(u32::from(MAX_ZOOM) + 1, 0, 0), None);
        assert_eq!(TileId::new(300, 0, 0), None);
    }

    #[test]
    fn drammen_is_where_the_tiles_say() {
        // Drammen (10.2 E, 59.74 N) at z12: the tile x 2164, y 1195, as the
        // slippy-map formula has it.
        assert_eq!(
            covering(12, [10.2, 59.74, 10.2, 59.74], 0.0),
            (2164, 2164, 1195, 1195)
        );
        // The whole world at z1 is all four tiles.
        assert_eq!(covering(1, [-180.0, -90.0, 180.0, 90.0], 0.0), (0, 1, 0, 1));
        // A point by a tile's western edge is in the tile to the west too,
        // with a margin: 10.195312 E is that edge at z12 (2164 / 4096 · 360 − 180).
        let edge = 2164.0 / 4096.0 * 360.0 - 180.0 + 0.0001;
        assert_eq!(covering(12, [edge, 59.74, edge, 59.74], 0.0).0, 2164);
        assert_eq!(
            covering(12, [edge, 59.74, edge, 59.74], 64.0 / 4096.0).0,
            2163
        );
    }

    #[test]
    fn the_definition_follows_the_register() {
        let d = definition("http://x/tileMatrixSets/WebMercatorQuad");
        let z0 = &d["tileMatrices"][0];
        assert!((z0["cellSize"].as_f64().unwrap() - 156_543.033_928_041).abs() < 1e-6);
        assert!((z0["scaleDenominator"].as_f64().unwrap() - 559_082_264.028_717).abs() < 1e-3);
        assert_eq!(d["tileMatrices"][12]["matrixWidth"], 4096);
        // TMS 1.0's names too, which GDAL 3.6 reads (and needs to see
        // `"type": "TileMatrixSetType"` to take the document at all).
        assert_eq!(d["type"], "TileMatrixSetType");
        assert_eq!(d["supportedCRS"], TMS_CRS);
        assert_eq!(d["tileMatrices"][3]["identifier"], "3");
        assert_eq!(
            d["tileMatrices"][3]["topLeftCorner"],
            d["tileMatrices"][3]["pointOfOrigin"]
        );
    }
}
