//! Postcode centroid files for finding places: ONS Postcode Directory (ONSPD) CSVs, Ordnance
//! Survey Code-Point Open CSVs (British National Grid, converted here to WGS84), or any CSV with
//! `postcode`, `lat` and `lon` columns. The demo area's postcodes are bundled.

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use crate::geography::{LatLon, Postcode};
use crate::results::parse::{ImportError, Problem};

/// The postcode file layouts recognised from the first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostcodeLayout {
    /// A header with a postcode column (`pcds`, `pcd`, `postcode`) and `lat`, `long` columns.
    LatLon,
    /// Code-Point Open: no header; postcode, positional quality, eastings, northings, ...
    CodePointOpen,
}

/// A postcode file read and checked.
#[derive(Debug, Clone)]
pub struct PostcodeFile {
    pub layout: PostcodeLayout,
    pub points: Vec<(Postcode, LatLon)>,
    /// Rows the file itself marks as having no location (ONSPD's 99.999999 latitude, or a zero grid
    /// reference): skipped, not errors.
    pub without_location: usize,
}

/// At most this many problems are collected before reading stops.
const MAX_PROBLEMS: usize = 50;

/// Reads a postcode file; `progress` is called with the bytes read so far every 64k rows. Every
/// row is checked first: on any problem nothing is returned but the problems, each with its line.
pub fn read_postcode_file(input: impl Read, progress: impl FnMut(u64)) -> Result<PostcodeFile, ImportError> {
    read_points(input, progress).map_err(|problems| ImportError { file: "postcode file", problems })
}

/// Where a layout keeps the postcode and the two coordinates.
struct Columns {
    layout: PostcodeLayout,
    key: usize,
    x: usize,
    y: usize,
}

fn field(r: &csv::StringRecord, i: usize) -> &str {
    r.get(i).unwrap_or("").trim().trim_start_matches('\u{feff}')
}

/// One row: its postcode and point, `None` for a row the file marks as having no location.
fn read_row(r: &csv::StringRecord, c: &Columns) -> Result<Option<(Postcode, LatLon)>, crate::Invalid> {
    let postcode = Postcode::parse(field(r, c.key))?;
    let (Ok(x), Ok(y)) = (field(r, c.x).parse::<f64>(), field(r, c.y).parse::<f64>()) else {
        return Err(format!("{postcode}: '{}', '{}' are not coordinates", field(r, c.x), field(r, c.y)).into());
    };
    let point = match c.layout {
        PostcodeLayout::CodePointOpen if x == 0.0 && y == 0.0 => return Ok(None),
        PostcodeLayout::CodePointOpen => osgb36_to_wgs84(x, y),
        PostcodeLayout::LatLon if x > 90.0 => return Ok(None),
        PostcodeLayout::LatLon => LatLon::new(x, y)?,
    };
    if (49.0..61.5).contains(&point.lat) && (-9.0..2.5).contains(&point.lon) {
        Ok(Some((postcode, point)))
    } else {
        Err(format!("{postcode}: {:.5}, {:.5} is not in the United Kingdom", point.lat, point.lon).into())
    }
}

fn read_points(input: impl Read, mut progress: impl FnMut(u64)) -> Result<PostcodeFile, Vec<Problem>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut record = csv::StringRecord::new();
    let problem = |line: u64, message: String| Problem { line: Some(line), message };
    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Err(vec![Problem { line: None, message: "the file is empty".into() }]),
        Err(e) => return Err(vec![problem(1, format!("not valid CSV: {e}"))]),
    }
    let columns = if Postcode::parse(field(&record, 0)).is_ok() && field(&record, 2).parse::<f64>().is_ok() {
        Columns { layout: PostcodeLayout::CodePointOpen, key: 0, x: 2, y: 3 }
    } else {
        let find = |names: &[&str]| (0..record.len()).find(|i| names.iter().any(|n| field(&record, *i).eq_ignore_ascii_case(n)));
        let key = find(&["pcds", "postcode", "pcd", "pcd7", "pcd8"]);
        let (lat, lon) = (find(&["lat", "latitude"]), find(&["long", "lon", "lng", "longitude"]));
        let (Some(key), Some(x), Some(y)) = (key, lat, lon) else {
            return Err(vec![problem(
                1,
                "neither a Code-Point Open row (postcode, quality, eastings, northings) nor a header with postcode (pcds), lat and long columns"
                    .into(),
            )]);
        };
        Columns { layout: PostcodeLayout::LatLon, key, x, y }
    };
    let mut points = Vec::new();
    let mut problems = Vec::new();
    let mut without_location = 0;
    let mut line = 1u64;
    // Code-Point Open has no header: its first line is already a postcode.
    let mut this_row = columns.layout == PostcodeLayout::CodePointOpen;
    loop {
        if this_row {
            match read_row(&record, &columns) {
                Ok(Some(point)) => points.push(point),
                Ok(None) => without_location += 1,
                Err(e) => problems.push(problem(line, e.to_string())),
            }
            if problems.len() >= MAX_PROBLEMS {
                break;
            }
        }
        match reader.read_record(&mut record) {
            Ok(true) => {
                line += 1;
                this_row = true;
            }
            Ok(false) => break,
            Err(e) => {
                problems.push(problem(line + 1, format!("not valid CSV: {e}")));
                break;
            }
        }
        if line.is_multiple_of(65_536) {
            progress(reader.position().byte());
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if points.is_empty() {
        return Err(vec![Problem { line: None, message: "no postcode in the file has a location".into() }]);
    }
    Ok(PostcodeFile { layout: columns.layout, points, without_location })
}

/// The bundled centroids of the demo area (Derby and around: DE1, DE3, DE21-DE24, DE56, DE65, DE72,
/// DE73), from Code-Point Open 2014.
pub fn demo_area() -> &'static HashMap<String, LatLon> {
    static AREA: OnceLock<HashMap<String, LatLon>> = OnceLock::new();
    AREA.get_or_init(|| {
        let text = include_str!("../../../data/postcodes/derby_area.csv");
        read_postcode_file(text.as_bytes(), |_| {})
            .expect("bundled postcodes are valid")
            .points
            .into_iter()
            .map(|(p, l)| (p.as_str().to_owned(), l))
            .collect()
    })
}

/// Converts a British National Grid reference (OSGB36, metres) to WGS84 latitude and longitude:
/// the Transverse Mercator inverse on the Airy 1830 ellipsoid, then a seven-parameter Helmert
/// transformation (accurate to a few metres, which is plenty for a postcode centroid).
pub fn osgb36_to_wgs84(easting: f64, northing: f64) -> LatLon {
    // Airy 1830 and the National Grid's projection.
    let (a, b) = (6_377_563.396, 6_356_256.909);
    let (f0, lat0, lon0) = (0.999_601_271_7, 49f64.to_radians(), (-2f64).to_radians());
    let (n0, e0) = (-100_000.0, 400_000.0);
    let e2 = 1.0 - (b * b) / (a * a);
    let n = (a - b) / (a + b);
    let meridional = |lat: f64| {
        let (d, s) = (lat - lat0, lat + lat0);
        b * f0
            * ((1.0 + n + 1.25 * n * n + 1.25 * n * n * n) * d - (3.0 * n + 3.0 * n * n + 2.625 * n * n * n) * d.sin() * s.cos()
                + (1.875 * n * n + 1.875 * n * n * n) * (2.0 * d).sin() * (2.0 * s).cos()
                - (35.0 / 24.0) * n * n * n * (3.0 * d).sin() * (3.0 * s).cos())
    };
    let mut lat = lat0;
    let mut m = 0.0;
    while (northing - n0 - m).abs() >= 1e-5 {
        lat += (northing - n0 - m) / (a * f0);
        m = meridional(lat);
    }
    let (sin, cos, tan) = (lat.sin(), lat.cos(), lat.tan());
    let nu = a * f0 / (1.0 - e2 * sin * sin).sqrt();
    let rho = a * f0 * (1.0 - e2) / (1.0 - e2 * sin * sin).powf(1.5);
    let eta2 = nu / rho - 1.0;
    let sec = 1.0 / cos;
    let vii = tan / (2.0 * rho * nu);
    let viii = tan / (24.0 * rho * nu.powi(3)) * (5.0 + 3.0 * tan * tan + eta2 - 9.0 * tan * tan * eta2);
    let ix = tan / (720.0 * rho * nu.powi(5)) * (61.0 + 90.0 * tan * tan + 45.0 * tan.powi(4));
    let x = sec / nu;
    let xi = sec / (6.0 * nu.powi(3)) * (nu / rho + 2.0 * tan * tan);
    let xii = sec / (120.0 * nu.powi(5)) * (5.0 + 28.0 * tan * tan + 24.0 * tan.powi(4));
    let xiia = sec / (5040.0 * nu.powi(7)) * (61.0 + 662.0 * tan * tan + 1320.0 * tan.powi(4) + 720.0 * tan.powi(6));
    let de = easting - e0;
    let lat_osgb = lat - vii * de.powi(2) + viii * de.powi(4) - ix * de.powi(6);
    let lon_osgb = lon0 + x * de - xi * de.powi(3) + xii * de.powi(5) - xiia * de.powi(7);

    // OSGB36 to WGS84 through Cartesian coordinates.
    let to_cartesian = |lat: f64, lon: f64, a: f64, b: f64| {
        let e2 = 1.0 - (b * b) / (a * a);
        let nu = a / (1.0 - e2 * lat.sin().powi(2)).sqrt();
        (nu * lat.cos() * lon.cos(), nu * lat.cos() * lon.sin(), (1.0 - e2) * nu * lat.sin())
    };
    let (x1, y1, z1) = to_cartesian(lat_osgb, lon_osgb, a, b);
    let (tx, ty, tz) = (446.448, -125.157, 542.060);
    let s = 20.4894e-6;
    let (rx, ry, rz) = ((0.1502 / 3600.0f64).to_radians(), (0.2470 / 3600.0f64).to_radians(), (0.8421 / 3600.0f64).to_radians());
    let x2 = tx + x1 * (1.0 + s) - y1 * rz + z1 * ry;
    let y2 = ty + x1 * rz + y1 * (1.0 + s) - z1 * rx;
    let z2 = tz - x1 * ry + y1 * rx + z1 * (1.0 + s);
    // Back to latitude and longitude on GRS80 / WGS84.
    let (a2, b2) = (6_378_137.0, 6_356_752.314_245);
    let e2w = 1.0 - (b2 * b2) / (a2 * a2);
    let p = (x2 * x2 + y2 * y2).sqrt();
    let mut phi = z2.atan2(p * (1.0 - e2w));
    for _ in 0..10 {
        let nu = a2 / (1.0 - e2w * phi.sin().powi(2)).sqrt();
        phi = (z2 + e2w * nu * phi.sin()).atan2(p);
    }
    LatLon { lat: phi.to_degrees(), lon: y2.atan2(x2).to_degrees() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ordnance_survey_worked_example_converts() {
        // OS guide to coordinate systems, annex C: E 651409.903, N 313177.270 is 52.65798 N, 1.71605 E
        // in WGS84 (52.65757 N, 1.71792 E in OSGB36).
        let p = osgb36_to_wgs84(651_409.903, 313_177.270);
        assert!((p.lat - 52.65798).abs() < 0.00005 && (p.lon - 1.71605).abs() < 0.00005, "{p:?}");
    }

    #[test]
    fn code_point_open_rows_match_the_bundled_centroids() {
        let rows = "\"DE22 1AA\",10,434765,337174,\"E92000001\",\"E19000001\",\"E18000004\",\"\",\"E06000015\",\"E05001775\"\n\
                    \"DE221AB\",10,0,0,\"E92000001\",\"\",\"\",\"\",\"\",\"\"\n";
        let file = read_postcode_file(rows.as_bytes(), |_| {}).unwrap();
        assert_eq!((file.layout, file.points.len(), file.without_location), (PostcodeLayout::CodePointOpen, 1, 1));
        let (pc, p) = &file.points[0];
        let bundled = demo_area()["DE22 1AA"];
        assert_eq!(pc.as_str(), "DE22 1AA");
        assert!((p.lat - bundled.lat).abs() < 0.0001 && (p.lon - bundled.lon).abs() < 0.0001, "{p:?} {bundled:?}");
    }

    #[test]
    fn onspd_rows_read_and_bad_rows_are_named() {
        let good = "pcd,pcd2,pcds,dointr,lat,long\nDE221AA,DE22 1AA,DE22 1AA,198001,52.930851,-1.484258\nZZ991ZZ,ZZ99 1ZZ,ZZ99 1ZZ,198001,99.999999,0.000000\n";
        let file = read_postcode_file(good.as_bytes(), |_| {}).unwrap();
        assert_eq!((file.layout, file.points.len(), file.without_location), (PostcodeLayout::LatLon, 1, 1));
        let bad = "pcds,lat,long\nDE22 1AA,52.9,-1.48\nnot a postcode,52.9,-1.48\nDE22 1AB,fifty,-1.48\nDE22 1AD,40.0,-1.48\n";
        let problems = read_postcode_file(bad.as_bytes(), |_| {}).unwrap_err().problems;
        let lines: Vec<Option<u64>> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [Some(3), Some(4), Some(5)], "{problems:?}");
        assert!(problems[2].message.contains("not in the United Kingdom"));
    }
}
