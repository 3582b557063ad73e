//! Coordinate reference systems the registry reads and writes, by their OGC
//! URIs. Storage is EPSG:4326 in longitude/latitude order (CRS84's axes).

use std::fmt;

/// CRS84: WGS 84 longitude, latitude; GeoJSON's CRS and the default.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const EPSG_PREFIX: &str = "http://www.opengis.net/def/crs/EPSG/0/";

/// A supported CRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crs {
    /// The EPSG code PostGIS knows it by.
    pub srid: i32,
    /// CRS84 rather than EPSG:4326 (same datum, longitude first).
    pub crs84: bool,
}

/// The EPSG codes the registry accepts: ETRS89/WGS 84 geographic, EUREF89
/// UTM zones 32, 33 and 35, and web Mercator.
pub const SUPPORTED_EPSG: &[i32] = &[4326, 4258, 25832, 25833, 25835, 3857];

impl Crs {
    /// CRS84, the default.
    pub const CRS84: Self = Self {
        srid: 4326,
        crs84: true,
    };

    /// Whether coordinates come latitude first (EPSG:4326 and EPSG:4258 as
    /// URIs: their axis order is latitude, longitude).
    pub fn lat_lon(self) -> bool {
        !self.crs84 && matches!(self.srid, 4326 | 4258)
    }

    /// Whether coordinates are degrees (not metres).
    pub fn is_geographic(self) -> bool {
        matches!(self.srid, 4326 | 4258)
    }

    /// The OGC URI.
    pub fn uri(self) -> String {
        if self.crs84 {
            CRS84.to_owned()
        } else {
            format!("{EPSG_PREFIX}{}", self.srid)
        }
    }

    /// Every supported CRS's URI, CRS84 first.
    pub fn all_uris() -> Vec<String> {
        std::iter::once(CRS84.to_owned())
            .chain(SUPPORTED_EPSG.iter().map(|c| format!("{EPSG_PREFIX}{c}")))
            .collect()
    }

    /// Parses an OGC URI (optionally in `<…>`, as in the `Content-Crs`
    /// header), an OGC URN (as GDAL writes in GeoJSON files), or the short
    /// forms `CRS84` and `EPSG:25832`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let text = text
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(text);
        if [
            CRS84,
            "CRS84",
            "OGC:CRS84",
            "urn:ogc:def:crs:OGC:1.3:CRS84",
            "urn:ogc:def:crs:OGC::CRS84",
        ]
        .contains(&text)
        {
            return Ok(Self::CRS84);
        }
        let code = text
            .strip_prefix(EPSG_PREFIX)
            .or_else(|| text.strip_prefix("EPSG:"))
            .or_else(|| text.strip_prefix("urn:ogc:def:crs:EPSG::"))
            .and_then(|c| c.parse::<i32>().ok());
        match code {
            Some(srid) if SUPPORTED_EPSG.contains(&srid) => Ok(Self { srid, crs84: false }),
            _ => Err(format!(
                "`{text}` is not a supported CRS; use one of {}",
                Self::all_uris().join(", ")
            )),
        }
    }
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_short_forms_parse() {
        assert_eq!(Crs::parse(CRS84).unwrap(), Crs::CRS84);
        assert_eq!(
            Crs::parse("<http://www.opengis.net/def/crs/EPSG/0/25832>")
                .unwrap()
                .srid,
            25832
        );
        assert_eq!(Crs::parse("EPSG:25833").unwrap().srid, 25833);
        assert!(Crs::parse("EPSG:4326").unwrap().lat_lon());
        assert!(!Crs::CRS84.lat_lon());
        assert!(
            Crs::parse("EPSG:2154")
                .unwrap_err()
                .contains("not a supported CRS")
        );
        assert!(Crs::parse("http://www.opengis.net/def/crs/EPSG/0/x").is_err());
    }
}
