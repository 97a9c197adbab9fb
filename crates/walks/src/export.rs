//! A walk as GeoJSON (for the web app's map) and as an SVG map that needs no tiles (for printed
//! sheets): the route as a line, each door a numbered point.

use std::fmt::Write as _;

use crate::geo::Projection;

/// One door of a walk for a map.
#[derive(Debug, Clone)]
pub struct MapDoor {
    pub seq: usize,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
}

/// A GeoJSON FeatureCollection: the route (LineString) and each door (Point, with seq and address).
pub fn geojson(name: &str, doors: &[MapDoor]) -> String {
    let mut out = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
    let coords: Vec<String> = doors.iter().map(|d| format!("[{:.7},{:.7}]", d.lon, d.lat)).collect();
    let _ = write!(
        out,
        "{{\"type\":\"Feature\",\"properties\":{{\"name\":{},\"doors\":{}}},\"geometry\":{{\"type\":\"LineString\",\"coordinates\":[{}]}}}}",
        json_string(name),
        doors.len(),
        coords.join(",")
    );
    for d in doors {
        let _ = write!(
            out,
            ",{{\"type\":\"Feature\",\"properties\":{{\"seq\":{},\"address\":{}}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{:.7},{:.7}]}}}}",
            d.seq,
            json_string(&d.address),
            d.lon,
            d.lat
        );
    }
    out.push_str("]}");
    out
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Projected points fitted into a square drawing of `size`, centred, north up, with a margin.
struct Frame {
    scale: f64,
    centre: (f64, f64),
    half: f64,
}

impl Frame {
    fn fit(points: impl Iterator<Item = (f64, f64)>, size: f64, margin: f64) -> Frame {
        let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in points {
            minx = minx.min(x);
            miny = miny.min(y);
            maxx = maxx.max(x);
            maxy = maxy.max(y);
        }
        let span = (maxx - minx).max(maxy - miny).max(20.0);
        Frame { scale: (size - 2.0 * margin) / span, centre: ((minx + maxx) / 2.0, (miny + maxy) / 2.0), half: size / 2.0 }
    }

    /// Drawing coordinates of a projected point (y grows downwards).
    fn at(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (self.half + (x - self.centre.0) * self.scale, self.half - (y - self.centre.1) * self.scale)
    }
}

/// An SVG map of the walk, north up, centred, with a title, the route, the doors numbered in
/// walking order (doors at one point share a marker: "1-10"), the start in green, and a scale bar.
pub fn svg(name: &str, doors: &[MapDoor]) -> String {
    let size = 800.0;
    let margin = 50.0;
    let projection = Projection::around(doors.iter().map(|d| (d.lat, d.lon)));
    let pts: Vec<(f64, f64)> = doors.iter().map(|d| projection.project(d.lat, d.lon)).collect();
    let frame = Frame::fit(pts.iter().copied(), size, margin);
    let scale = frame.scale;
    // Below the title.
    let at = |p: (f64, f64)| {
        let (x, y) = frame.at(p);
        (x, y + 30.0)
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {}\" role=\"img\" aria-labelledby=\"walk-title\">\
         <title id=\"walk-title\">{}</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <text x=\"20\" y=\"30\" font-family=\"sans-serif\" font-size=\"20\" font-weight=\"bold\">{}</text>",
        size + 60.0,
        xml(name),
        xml(name)
    );
    let line: Vec<String> = pts.iter().map(|&p| at(p)).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ =
        write!(out, "<polyline points=\"{}\" fill=\"none\" stroke=\"#c00\" stroke-width=\"3\" stroke-linejoin=\"round\"/>", line.join(" "));
    // Street names where their doors are (no tiles to show them): each at the middle of its
    // doors, above the route, left out where it would sit on a name already placed.
    let mut streets: Vec<(String, f64, f64, usize)> = Vec::new();
    for (d, &p) in doors.iter().zip(&pts) {
        let Some(street) = crate::naming::street_of(&d.address) else { continue };
        match streets.iter_mut().find(|s| s.0 == street) {
            Some(s) => {
                s.1 += p.0;
                s.2 += p.1;
                s.3 += 1;
            }
            None => streets.push((street, p.0, p.1, 1)),
        }
    }
    streets.sort_by_key(|s| std::cmp::Reverse(s.3));
    let mut placed: Vec<(f64, f64)> = Vec::new();
    for (street, sx, sy, n) in &streets {
        let (x, y) = at((sx / *n as f64, sy / *n as f64));
        let y = y - 16.0;
        if placed.iter().any(|&(px, py)| (px - x).abs() < 90.0 && (py - y).abs() < 18.0) {
            continue;
        }
        placed.push((x, y));
        let _ = write!(
            out,
            "<text class=\"street\" x=\"{x:.1}\" y=\"{y:.1}\" font-family=\"sans-serif\" font-size=\"13\" font-style=\"italic\" \
             text-anchor=\"middle\" fill=\"#333\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            xml(street)
        );
    }
    // One marker a point: the doors there, in walking order.
    let mut markers: Vec<((f64, f64), Vec<&MapDoor>)> = Vec::new();
    for (d, &p) in doors.iter().zip(&pts) {
        match markers.iter_mut().find(|(q, _)| (q.0 - p.0).abs() < 0.5 && (q.1 - p.1).abs() < 0.5) {
            Some((_, ds)) => ds.push(d),
            None => markers.push((p, vec![d])),
        }
    }
    for (i, (p, ds)) in markers.iter().enumerate() {
        let (x, y) = at(*p);
        let label = seq_label(ds.iter().map(|d| d.seq));
        let addresses: Vec<String> = ds.iter().map(|d| format!("{} {}", d.seq, d.address)).collect();
        let r = 9.0 + 3.0 * label.len().saturating_sub(2) as f64;
        let fill = if i == 0 { "#2a2" } else { "#fff" };
        let _ = write!(
            out,
            "<g><title>{}</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.0}\" fill=\"{fill}\" stroke=\"#000\" stroke-width=\"1.5\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"10\" text-anchor=\"middle\">{}</text></g>",
            xml(&addresses.join("; ")),
            y + 3.5,
            xml(&label)
        );
    }
    // A scale bar of a round length.
    let metres = [10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0].into_iter().find(|m| m * scale >= 80.0).unwrap_or(5000.0);
    let y = size + 40.0;
    let _ = write!(
        out,
        "<line x1=\"20\" y1=\"{y}\" x2=\"{:.1}\" y2=\"{y}\" stroke=\"#000\" stroke-width=\"3\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"12\">{metres} m</text></svg>",
        20.0 + metres * scale,
        26.0 + metres * scale,
        y + 4.0
    );
    out
}

/// Door numbers as people read them: runs shown as "1-10", others listed ("3, 7").
fn seq_label(seqs: impl Iterator<Item = usize>) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for s in seqs {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == s => *end = s,
            _ => runs.push((s, s)),
        }
    }
    runs.iter().map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect::<Vec<_>>().join(", ")
}

/// One walk on a district map.
pub struct MapWalk {
    pub number: i64,
    pub label: String,
    /// Doors in walking order, as (lat, lon).
    pub points: Vec<(f64, f64)>,
}

/// An SVG map of several walks (a polling district), each route in its own colour with its number
/// at its start, north up.
pub fn district_svg(title: &str, walks: &[MapWalk]) -> String {
    const COLOURS: [&str; 8] = ["#c0392b", "#1f6fb2", "#27864a", "#8e44ad", "#d35400", "#16767a", "#7f6b00", "#444"];
    let size = 800.0;
    let margin = 30.0;
    let projection = Projection::around(walks.iter().flat_map(|w| w.points.iter().copied()));
    let pts: Vec<Vec<(f64, f64)>> = walks.iter().map(|w| w.points.iter().map(|&(la, lo)| projection.project(la, lo)).collect()).collect();
    let frame = Frame::fit(pts.iter().flatten().copied(), size, margin);
    let at = |p: (f64, f64)| frame.at(p);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"{}\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>",
        xml(title)
    );
    for (i, (w, p)) in walks.iter().zip(&pts).enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let line: Vec<String> = p.iter().map(|&q| at(q)).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = write!(
            out,
            "<g><title>{}</title><polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"3\" stroke-linejoin=\"round\"/>",
            xml(&w.label),
            line.join(" ")
        );
        if let Some(&start) = p.first() {
            let (x, y) = at(start);
            let _ = write!(
                out,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"11\" fill=\"{colour}\"/><text x=\"{x:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" \
                 font-size=\"11\" fill=\"#fff\" text-anchor=\"middle\">{}</text>",
                y + 4.0,
                w.number
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doors() -> Vec<MapDoor> {
        vec![
            MapDoor { seq: 1, address: "1 A & B Road".into(), lat: 52.9, lon: -1.5 },
            MapDoor { seq: 2, address: "3 \"Quoted\" <Road>".into(), lat: 52.9001, lon: -1.5 },
        ]
    }

    #[test]
    fn geojson_holds_the_route_and_the_doors() {
        let g = geojson("NA1 Walk 1", &doors());
        assert!(g.starts_with("{\"type\":\"FeatureCollection\""));
        assert!(g.contains("\"LineString\",\"coordinates\":[[-1.5000000,52.9000000],[-1.5000000,52.9001000]]"));
        assert!(g.contains("\"address\":\"3 \\\"Quoted\\\" <Road>\""));
    }

    #[test]
    fn svg_escapes_text_and_draws_every_door() {
        let s = svg("NA1 Walk 1: A & B", &doors());
        assert!(s.contains("<title id=\"walk-title\">NA1 Walk 1: A &amp; B</title>"));
        assert!(s.contains("3 &quot;Quoted&quot; &lt;Road&gt;"));
        assert_eq!(s.matches("<circle").count(), 2);
        let mut flats = doors();
        flats.push(MapDoor { seq: 3, address: "Flat 1".into(), lat: 52.9001, lon: -1.5 });
        let s = svg("w", &flats);
        assert_eq!(s.matches("<circle").count(), 2, "doors at one point share a marker");
        assert!(s.contains(">2-3</text>"));
        assert_eq!(seq_label([1, 2, 3, 7, 9, 10].into_iter()), "1-3, 7, 9-10");
        assert!(s.ends_with("</svg>"));
    }

    #[test]
    fn streets_are_named_where_their_doors_are() {
        let doors = vec![
            MapDoor { seq: 1, address: "1 Duffield Road, Derby".into(), lat: 52.9, lon: -1.5 },
            MapDoor { seq: 2, address: "3 Duffield Road, Derby".into(), lat: 52.9002, lon: -1.5 },
            MapDoor { seq: 3, address: "2 Kedleston Close, Derby".into(), lat: 52.905, lon: -1.49 },
        ];
        let s = svg("w", &doors);
        assert_eq!(s.matches("class=\"street\"").count(), 2, "{s}");
        assert!(s.contains(">Duffield Rd</text>") && s.contains(">Kedleston Cl</text>"));
    }
}
