//! Constituencies (by GSS code), postcodes, and the centroids that geocode households.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

/// A GSS code as the ONS issues them, such as `E14000662` (Derby North on the 2010-2019
/// boundaries): a letter for the nation, eight digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GssCode(String);

impl GssCode {
    pub fn parse(s: &str) -> Result<Self, crate::Invalid> {
        let code = s.trim().to_ascii_uppercase();
        let b = code.as_bytes();
        if b.len() == 9 && matches!(b[0], b'E' | b'W' | b'S' | b'N') && b[1..].iter().all(u8::is_ascii_digit) {
            Ok(GssCode(code))
        } else {
            Err(format!("'{}' is not a GSS code like E14000662", s.trim()).into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GssCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Westminster constituency on the 2010-2019 boundaries, from the bundled list.
#[derive(Debug, Clone, PartialEq)]
pub struct Constituency {
    pub gss: GssCode,
    pub name: String,
    pub region: String,
    pub nation: String,
    pub lat: f64,
    pub lon: f64,
}

const CONSTITUENCIES_CSV: &str = include_str!("../../../data/constituencies_pcon13.csv");

/// All 650 constituencies on the 2010-2019 boundaries (bundled in the binary).
pub fn constituencies() -> Vec<Constituency> {
    let mut reader = csv::Reader::from_reader(CONSTITUENCIES_CSV.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.expect("bundled constituency list is valid CSV");
            Constituency {
                gss: GssCode::parse(&r[0]).expect("bundled GSS codes are valid"),
                name: r[1].to_owned(),
                region: r[2].to_owned(),
                nation: r[3].to_owned(),
                lat: r[4].parse().expect("bundled latitude"),
                lon: r[5].parse().expect("bundled longitude"),
            }
        })
        .collect()
}

/// Finds a constituency by GSS code in the bundled list.
pub fn constituency(gss: &GssCode) -> Option<Constituency> {
    constituencies().into_iter().find(|c| &c.gss == gss)
}

/// A UK postcode in its normal form: upper case, one space before the inward code (`DE22 1AA`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode(String);

impl Postcode {
    pub fn parse(s: &str) -> Result<Self, crate::Invalid> {
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
        if compact.is_empty() {
            return Err("missing postcode".into());
        }
        let bad = || format!("'{}' is not a UK postcode", s.trim());
        if compact.len() < 5 || compact.len() > 7 || !compact.is_ascii() {
            return Err(bad().into());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let i = inward.as_bytes();
        if !(i[0].is_ascii_digit() && i[1].is_ascii_alphabetic() && i[2].is_ascii_alphabetic()) {
            return Err(bad().into());
        }
        if !(valid_outward(outward) || outward == "GIR") {
            return Err(bad().into());
        }
        Ok(Postcode(format!("{outward} {inward}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code and the first digit of the inward code, such as `DE22 1`.
    pub fn sector(&self) -> &str {
        &self.0[..self.0.len() - 2]
    }
}

/// Outward codes: A9, A99, AA9, AA99, A9A, AA9A.
fn valid_outward(o: &str) -> bool {
    let b = o.as_bytes();
    let alpha = |i: usize| b[i].is_ascii_alphabetic();
    let digit = |i: usize| b[i].is_ascii_digit();
    match b.len() {
        2 => alpha(0) && digit(1),
        3 => alpha(0) && ((digit(1) && (digit(2) || alpha(2))) || (alpha(1) && digit(2))),
        4 => alpha(0) && alpha(1) && digit(2) && (digit(3) || alpha(3)),
        _ => false,
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A point in WGS84.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    /// Checks the point is a real coordinate (and roughly in or near the British Isles' range of
    /// the world: any valid latitude and longitude is accepted, NaN is not).
    pub fn new(lat: f64, lon: f64) -> Result<Self, crate::Invalid> {
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(format!("{lat},{lon} is not a latitude and longitude").into());
        }
        Ok(LatLon { lat, lon })
    }
}

/// Coordinates for households: postcode centroids (`postcode,lat,lon`, as in ONSPD or Code-Point
/// Open converted to WGS84) and, where a council gives UPRNs, the UPRN's own coordinates.
#[derive(Debug, Default, Clone)]
pub struct Gazetteer {
    postcodes: HashMap<String, LatLon>,
    uprns: HashMap<String, LatLon>,
}

const DERBY_NORTH_POSTCODES: &str = include_str!("../../../data/postcodes/derby_north.csv");

/// The bundled postcode centroids of the demo seat, with their wards.
pub fn demo_postcodes() -> Vec<(Postcode, LatLon, String)> {
    let mut reader = csv::Reader::from_reader(DERBY_NORTH_POSTCODES.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.expect("bundled postcode file is valid CSV");
            let point = LatLon::new(r[1].parse().expect("bundled lat"), r[2].parse().expect("bundled lon")).expect("bundled point");
            (Postcode::parse(&r[0]).expect("bundled postcode"), point, r[3].to_owned())
        })
        .collect()
}

impl Gazetteer {
    /// The bundled centroids of the demo seat's postcodes.
    pub fn demo() -> Self {
        let mut g = Gazetteer::default();
        for (postcode, point, _) in demo_postcodes() {
            g.postcodes.insert(postcode.0, point);
        }
        g
    }

    /// Adds postcode centroids from any file `groundgame postcodes import` reads: a CSV with a
    /// header naming a postcode column (`postcode`, `pcds`, `pcd`) and latitude and longitude
    /// columns (`lat`/`latitude`, `lon`/`long`/`longitude`), such as ONSPD, or Code-Point Open.
    pub fn add_postcodes(&mut self, input: impl Read) -> Result<usize, crate::Invalid> {
        let file = crate::postcodes::read_postcode_file(input, |_| {}).map_err(|e| e.to_string())?;
        let n = file.points.len();
        self.postcodes.extend(file.points.into_iter().map(|(p, l)| (p.0, l)));
        Ok(n)
    }

    /// Adds UPRN coordinates from a CSV with `uprn`, latitude and longitude columns.
    pub fn add_uprns(&mut self, input: impl Read) -> Result<usize, crate::Invalid> {
        let points = read_points(input, &["uprn"], |key| {
            let key = key.trim();
            if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
                Ok(key.to_owned())
            } else {
                Err(format!("'{key}' is not a UPRN").into())
            }
        })?;
        let n = points.len();
        self.uprns.extend(points);
        Ok(n)
    }

    /// The best point for a household: its UPRN's, else its postcode's centroid.
    pub fn locate(&self, uprn: Option<&str>, postcode: Option<&Postcode>) -> Option<LatLon> {
        uprn.and_then(|u| self.uprns.get(u)).or_else(|| postcode.and_then(|p| self.postcodes.get(&p.0))).copied()
    }

    pub fn postcode_count(&self) -> usize {
        self.postcodes.len()
    }
}

fn read_points(
    input: impl Read,
    key_names: &[&str],
    parse_key: impl Fn(&str) -> Result<String, crate::Invalid>,
) -> Result<Vec<(String, LatLon)>, crate::Invalid> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader.headers().map_err(|e| format!("cannot read the header: {e}"))?.clone();
    let find = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)));
    let key = find(key_names).ok_or_else(|| format!("no {} column in the header", key_names[0]))?;
    let lat = find(&["lat", "latitude"]).ok_or("no lat or latitude column in the header")?;
    let lon = find(&["lon", "long", "lng", "longitude"]).ok_or("no lon or longitude column in the header")?;
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        let field = |c: usize| record.get(c).unwrap_or("").trim();
        let k = parse_key(field(key)).map_err(|e| format!("line {line}: {e}"))?;
        let la: f64 = field(lat).parse().map_err(|_| format!("line {line}: '{}' is not a latitude", field(lat)))?;
        let lo: f64 = field(lon).parse().map_err(|_| format!("line {line}: '{}' is not a longitude", field(lon)))?;
        out.push((k, LatLon::new(la, lo).map_err(|e| format!("line {line}: {e}"))?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_normalised() {
        assert_eq!(Postcode::parse("de221aa").unwrap().as_str(), "DE22 1AA");
        assert_eq!(Postcode::parse(" DE1  0AL ").unwrap().as_str(), "DE1 0AL");
        assert_eq!(Postcode::parse("EC1A 1BB").unwrap().as_str(), "EC1A 1BB");
        assert_eq!(Postcode::parse("W1A 0AX").unwrap().as_str(), "W1A 0AX");
        assert_eq!(Postcode::parse("DE22 1AA").unwrap().sector(), "DE22 1");
    }

    #[test]
    fn malformed_postcodes_are_refused() {
        for s in ["", "DE22", "12345", "DE22 AAA", "DE221A1", "DDDD 1AA", "DE22 1AAA"] {
            assert!(Postcode::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn the_bundled_list_names_derby_north() {
        let c = constituency(&GssCode::parse("E14000662").unwrap()).unwrap();
        assert_eq!(c.name, "Derby North");
        assert_eq!(c.region, "East Midlands");
        assert_eq!(constituencies().len(), 650);
        assert_eq!(constituency(&GssCode::parse("E14000663").unwrap()).unwrap().name, "Derby South");
    }

    #[test]
    fn gazetteer_prefers_uprn_then_postcode() {
        let mut g = Gazetteer::default();
        g.add_postcodes("pcds,lat,long\nDE22 1AA,52.9,-1.5\n".as_bytes()).unwrap();
        g.add_uprns("UPRN,Latitude,Longitude\n100030,52.95,-1.45\n".as_bytes()).unwrap();
        let pc = Postcode::parse("DE221AA").unwrap();
        assert_eq!(g.locate(Some("100030"), Some(&pc)).unwrap().lat, 52.95);
        assert_eq!(g.locate(Some("999"), Some(&pc)).unwrap().lat, 52.9);
        assert!(g.locate(None, None).is_none());
        assert!(g.add_postcodes("postcode,lat,lon\nDE22 1AA,x,1\n".as_bytes()).unwrap_err().contains("line 2"));
        assert!(Gazetteer::demo().postcode_count() > 2000);
    }
}
