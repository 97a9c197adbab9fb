use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};

use crate::geo::haversine;

/// A door to knock: an id and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Door {
    pub id: String,
    pub lat: f64,
    pub lon: f64,
}

/// Input that cannot be planned or a plan that is not valid, with where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DoorsError {
    #[error("line {line}: {reason}")]
    Line { line: u64, reason: String },
    #[error("{0}")]
    Invalid(String),
}

fn line_error(line: u64, reason: impl Into<String>) -> DoorsError {
    DoorsError::Line { line, reason: reason.into() }
}

/// Reads doors from CSV with a header naming `id`, `lat` and `lon` (other columns ignored).
pub fn read_doors(input: impl Read) -> Result<Vec<Door>, DoorsError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader.headers().map_err(|e| line_error(1, format!("cannot read the header: {e}")))?.clone();
    let find = |name: &str| headers.iter().position(|h| h.trim().trim_start_matches('\u{feff}').eq_ignore_ascii_case(name));
    let (Some(id), Some(lat), Some(lon)) = (find("id"), find("lat"), find("lon")) else {
        return Err(line_error(1, "the header must name id, lat and lon columns"));
    };
    let mut doors = Vec::new();
    let mut seen = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(line_error(e.position().map_or(0, |p| p.line()), e.to_string())),
        }
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let door_id = field(id);
        if door_id.is_empty() {
            return Err(line_error(line, "missing id"));
        }
        let number = |i: usize, what: &str, range: std::ops::RangeInclusive<f64>| -> Result<f64, DoorsError> {
            let s = field(i);
            if s.is_empty() {
                return Err(line_error(line, format!("missing {what}")));
            }
            let v: f64 = s.parse().map_err(|_| line_error(line, format!("'{s}' is not a {what}")))?;
            if !v.is_finite() || !range.contains(&v) {
                return Err(line_error(line, format!("{what} {s} is out of range")));
            }
            Ok(v)
        };
        let door =
            Door { id: door_id.to_owned(), lat: number(lat, "latitude", -90.0..=90.0)?, lon: number(lon, "longitude", -180.0..=180.0)? };
        if let Some(first) = seen.insert(door.id.clone(), line) {
            return Err(line_error(line, format!("duplicate id '{}' (first on line {first})", door.id)));
        }
        doors.push(door);
    }
    if doors.is_empty() {
        return Err(DoorsError::Invalid("the file has no doors".into()));
    }
    Ok(doors)
}

/// Writes a plan as CSV `walk,seq,id`, walks numbered from 1, doors from 1 in walking order.
pub fn write_walks(out: impl Write, doors: &[Door], walks: &[Vec<usize>]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["walk", "seq", "id"])?;
    for (i, walk) in walks.iter().enumerate() {
        for (j, d) in walk.iter().enumerate() {
            w.write_record([(i + 1).to_string(), (j + 1).to_string(), doors[*d].id.clone()])?;
        }
    }
    w.flush()
}

/// The walking distance of a plan: the sum over walks of the great-circle distances between
/// consecutive doors, in metres.
pub fn total_distance(doors: &[Door], walks: &[Vec<usize>]) -> f64 {
    walks
        .iter()
        .map(|w| w.windows(2).map(|p| haversine((doors[p[0]].lat, doors[p[0]].lon), (doors[p[1]].lat, doors[p[1]].lon))).sum::<f64>())
        .sum()
}

/// Reads a plan (`walk,seq,id`) and checks it against the doors: every door exactly once, walks
/// numbered 1..W with W = ceil(n / K), none with more than K doors, seq 1.. in each walk.
pub fn read_and_check_walks(input: impl Read, doors: &[Door], per_walk: usize) -> Result<Vec<Vec<usize>>, DoorsError> {
    if per_walk < 1 {
        return Err(DoorsError::Invalid("--doors-per-walk must be at least 1".into()));
    }
    let index: HashMap<&str, usize> = doors.iter().enumerate().map(|(i, d)| (d.id.as_str(), i)).collect();
    let mut reader = csv::Reader::from_reader(input);
    let headers = reader.headers().map_err(|e| line_error(1, e.to_string()))?.clone();
    let cols: Vec<&str> = headers.iter().map(str::trim).collect();
    if cols != ["walk", "seq", "id"] {
        return Err(line_error(1, "the header must be walk,seq,id"));
    }
    let mut walks: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| line_error(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let walk: usize = record[0].trim().parse().map_err(|_| line_error(line, format!("'{}' is not a walk number", &record[0])))?;
        let seq: usize = record[1].trim().parse().map_err(|_| line_error(line, format!("'{}' is not a sequence number", &record[1])))?;
        let id = record[2].trim();
        let door = *index.get(id).ok_or_else(|| line_error(line, format!("'{id}' is not a door of the input")))?;
        if !seen.insert(door) {
            return Err(line_error(line, format!("door '{id}' appears twice")));
        }
        if walk == 0 {
            return Err(line_error(line, "walks are numbered from 1"));
        }
        if walks.len() < walk {
            walks.resize_with(walk, Vec::new);
        }
        walks[walk - 1].push((seq, door));
    }
    if seen.len() != doors.len() {
        let missing = doors.iter().enumerate().find(|(i, _)| !seen.contains(i)).map(|(_, d)| d.id.clone()).unwrap_or_default();
        return Err(DoorsError::Invalid(format!("{} doors are in no walk (the first: '{missing}')", doors.len() - seen.len())));
    }
    let expected = doors.len().div_ceil(per_walk);
    if walks.len() != expected {
        return Err(DoorsError::Invalid(format!(
            "{} walks, but {} doors at {} a walk make {expected}",
            walks.len(),
            doors.len(),
            per_walk
        )));
    }
    let mut out = Vec::with_capacity(walks.len());
    for (i, mut walk) in walks.into_iter().enumerate() {
        if walk.is_empty() {
            return Err(DoorsError::Invalid(format!("walk {} is empty", i + 1)));
        }
        if walk.len() > per_walk {
            return Err(DoorsError::Invalid(format!("walk {} has {} doors, more than {per_walk}", i + 1, walk.len())));
        }
        walk.sort_unstable();
        if walk.iter().enumerate().any(|(j, (seq, _))| *seq != j + 1) {
            return Err(DoorsError::Invalid(format!("walk {} is not numbered 1..{}", i + 1, walk.len())));
        }
        out.push(walk.into_iter().map(|(_, d)| d).collect());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_doors_and_names_bad_lines() {
        let d = read_doors("id,lat,lon,extra\na,52.9,-1.5,x\nb,52.91,-1.5,y\n".as_bytes()).unwrap();
        assert_eq!(d.len(), 2);
        let e = |s: &str| read_doors(s.as_bytes()).unwrap_err().to_string();
        assert_eq!(e("id,lat,lon\na,52.9,-1.5\na,52.8,-1.5\n"), "line 3: duplicate id 'a' (first on line 2)");
        assert_eq!(e("id,lat,lon\na,,-1.5\n"), "line 2: missing latitude");
        assert_eq!(e("id,lat,lon\na,95,-1.5\n"), "line 2: latitude 95 is out of range");
        assert_eq!(e("id,lat,lon\na,x,-1.5\n"), "line 2: 'x' is not a latitude");
        assert_eq!(e("id,lat,lon\n"), "the file has no doors");
        assert_eq!(e("name,lat\n"), "line 1: the header must name id, lat and lon columns");
    }

    #[test]
    fn checks_a_plan() {
        let doors = read_doors("id,lat,lon\na,52.9,-1.5\nb,52.901,-1.5\nc,52.902,-1.5\n".as_bytes()).unwrap();
        let ok = read_and_check_walks("walk,seq,id\n1,1,a\n1,2,b\n2,1,c\n".as_bytes(), &doors, 2).unwrap();
        assert_eq!(ok, vec![vec![0, 1], vec![2]]);
        assert!((total_distance(&doors, &ok) - 111.2).abs() < 1.0);
        assert!(read_and_check_walks("walk,seq,id\n1,1,a\n1,2,b\n1,3,c\n".as_bytes(), &doors, 2).is_err());
        assert!(read_and_check_walks("walk,seq,id\n1,1,a\n2,1,c\n".as_bytes(), &doors, 2).is_err());
        assert!(read_and_check_walks("walk,seq,id\n1,1,a\n1,1,b\n2,1,c\n".as_bytes(), &doors, 2).is_err());
    }
}
