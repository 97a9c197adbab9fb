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

/// An SVG map of the walk, north up, with a title, the route, numbered doors and a scale bar.
pub fn svg(name: &str, doors: &[MapDoor]) -> String {
    let size = 800.0;
    let margin = 40.0;
    let projection = Projection::around(doors.iter().map(|d| (d.lat, d.lon)));
    let pts: Vec<(f64, f64)> = doors.iter().map(|d| projection.project(d.lat, d.lon)).collect();
    let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in &pts {
        minx = minx.min(x);
        miny = miny.min(y);
        maxx = maxx.max(x);
        maxy = maxy.max(y);
    }
    let span = (maxx - minx).max(maxy - miny).max(20.0);
    let scale = (size - 2.0 * margin) / span;
    let at = |(x, y): (f64, f64)| (margin + (x - minx) * scale, size - margin - (y - miny) * scale);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {}\" role=\"img\" aria-labelledby=\"walk-title\">\
         <title id=\"walk-title\">{}</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <text x=\"{margin}\" y=\"24\" font-family=\"sans-serif\" font-size=\"18\" font-weight=\"bold\">{}</text>",
        size + 30.0,
        xml(name),
        xml(name)
    );
    let line: Vec<String> = pts.iter().map(|&p| at(p)).map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
    let _ =
        write!(out, "<polyline points=\"{}\" fill=\"none\" stroke=\"#c00\" stroke-width=\"3\" stroke-linejoin=\"round\"/>", line.join(" "));
    for (d, &p) in doors.iter().zip(&pts) {
        let (x, y) = at(p);
        let _ = write!(
            out,
            "<g><title>{} {}</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"7\" fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.5\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"8\" text-anchor=\"middle\">{}</text></g>",
            d.seq,
            xml(&d.address),
            y + 3.0,
            d.seq
        );
    }
    // A scale bar of a round length.
    let metres = [10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0].into_iter().find(|m| m * scale >= 80.0).unwrap_or(5000.0);
    let y = size + 15.0;
    let _ = write!(
        out,
        "<line x1=\"{margin}\" y1=\"{y}\" x2=\"{:.1}\" y2=\"{y}\" stroke=\"#000\" stroke-width=\"3\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" font-family=\"sans-serif\" font-size=\"12\">{metres} m</text></svg>",
        margin + metres * scale,
        margin + metres * scale + 6.0,
        y + 4.0
    );
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
        assert!(s.ends_with("</svg>"));
    }
}
