//! A lower bound on any plan's walking distance. W open paths covering every door form a spanning
//! forest of W trees, so no plan can be shorter than the minimum spanning forest with W trees: the
//! minimum spanning tree less its W-1 longest edges.
//!
//! The tree is found among the edges of a Delaunay triangulation (which holds every minimum
//! spanning tree of points in the plane) of the doors in a local projection, weighted by their
//! great-circle lengths; doors at the same point are joined at no cost first.

use std::collections::HashMap;

use crate::doors::Door;
use crate::geo::{haversine, Projection};

/// The bound, in metres, for `walks` walks.
pub fn lower_bound(doors: &[Door], walks: usize) -> f64 {
    let mut edges = mst_edges(doors);
    edges.sort_by(|a, b| b.total_cmp(a));
    edges.iter().skip(walks.saturating_sub(1)).sum()
}

/// The lengths of the edges of a minimum spanning tree.
pub fn mst_edges(doors: &[Door]) -> Vec<f64> {
    // Doors at one point (flats in a block) are one point, joined at no cost.
    let mut unique: Vec<usize> = Vec::new();
    let mut at: HashMap<(u64, u64), usize> = HashMap::new();
    let mut zero = 0;
    for (i, d) in doors.iter().enumerate() {
        match at.entry((d.lat.to_bits(), d.lon.to_bits())) {
            std::collections::hash_map::Entry::Occupied(_) => zero += 1,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
                unique.push(i);
            }
        }
    }
    let mut out = vec![0.0; zero];
    if unique.len() < 2 {
        return out;
    }
    let projection = Projection::around(unique.iter().map(|&i| (doors[i].lat, doors[i].lon)));
    let points: Vec<delaunator::Point> = unique
        .iter()
        .map(|&i| {
            let (x, y) = projection.project(doors[i].lat, doors[i].lon);
            delaunator::Point { x, y }
        })
        .collect();
    let length = |a: usize, b: usize| {
        let (p, q) = (&doors[unique[a]], &doors[unique[b]]);
        haversine((p.lat, p.lon), (q.lat, q.lon))
    };
    let triangulation = delaunator::triangulate(&points);
    let mut candidates: Vec<(f64, u32, u32)> = Vec::new();
    if triangulation.triangles.is_empty() {
        // All on one line: the tree runs along it.
        let (x0, y0) = (points[0].x, points[0].y);
        let far = (1..points.len()).max_by(|&a, &b| {
            let da = (points[a].x - x0).hypot(points[a].y - y0);
            let db = (points[b].x - x0).hypot(points[b].y - y0);
            da.total_cmp(&db)
        });
        let (dx, dy) = far.map_or((1.0, 0.0), |f| (points[f].x - x0, points[f].y - y0));
        let mut order: Vec<usize> = (0..points.len()).collect();
        order.sort_by(|&a, &b| {
            ((points[a].x - x0) * dx + (points[a].y - y0) * dy).total_cmp(&((points[b].x - x0) * dx + (points[b].y - y0) * dy))
        });
        for w in order.windows(2) {
            candidates.push((length(w[0], w[1]), w[0] as u32, w[1] as u32));
        }
    } else {
        for (e, &a) in triangulation.triangles.iter().enumerate() {
            let b = triangulation.triangles[if e % 3 == 2 { e - 2 } else { e + 1 }];
            let twin = triangulation.halfedges[e];
            // Each undirected edge once: from the half-edge with the larger index, or with no twin.
            if twin == delaunator::EMPTY || e > twin {
                candidates.push((length(a, b), a as u32, b as u32));
            }
        }
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut sets = UnionFind::new(points.len());
    for (len, a, b) in candidates {
        if sets.union(a as usize, b as usize) {
            out.push(len);
        }
    }
    out
}

pub(crate) struct UnionFind {
    parent: Vec<u32>,
    rank: Vec<u8>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind { parent: (0..n as u32).collect(), rank: vec![0; n] }
    }

    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] as usize != x {
            let p = self.parent[x] as usize;
            self.parent[x] = self.parent[p];
            x = p;
        }
        x
    }

    /// Joins the sets of a and b; false if they were one already.
    pub fn union(&mut self, a: usize, b: usize) -> bool {
        let (a, b) = (self.find(a), self.find(b));
        if a == b {
            return false;
        }
        match self.rank[a].cmp(&self.rank[b]) {
            std::cmp::Ordering::Less => self.parent[a] = b as u32,
            std::cmp::Ordering::Greater => self.parent[b] = a as u32,
            std::cmp::Ordering::Equal => {
                self.parent[b] = a as u32;
                self.rank[a] += 1;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door(i: usize, lat: f64, lon: f64) -> Door {
        Door { id: i.to_string(), lat, lon }
    }

    #[test]
    fn the_tree_of_a_street_runs_along_it() {
        // Ten doors 0.0001 degrees of latitude apart (about 11 m), and two flats at the first.
        let mut doors: Vec<Door> = (0..10).map(|i| door(i, 52.9 + i as f64 * 1e-4, -1.5)).collect();
        doors.push(door(10, 52.9, -1.5));
        doors.push(door(11, 52.9, -1.5));
        let edges = mst_edges(&doors);
        assert_eq!(edges.len(), 11);
        let total: f64 = edges.iter().sum();
        assert!((total - 9.0 * 11.12).abs() < 0.5, "{total}");
        // Three walks: drop the two longest edges.
        assert!((lower_bound(&doors, 3) - 7.0 * 11.12).abs() < 0.5);
    }

    #[test]
    fn the_bound_matches_a_brute_force_tree() {
        let mut doors = Vec::new();
        let mut x: u64 = 12345;
        for i in 0..60 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let a = (x >> 33) as f64 / (1u64 << 31) as f64;
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let b = (x >> 33) as f64 / (1u64 << 31) as f64;
            doors.push(door(i, 52.9 + a * 0.01, -1.5 + b * 0.01));
        }
        // Prim's algorithm on all pairs.
        let n = doors.len();
        let d = |a: usize, b: usize| haversine((doors[a].lat, doors[a].lon), (doors[b].lat, doors[b].lon));
        let mut best = vec![f64::INFINITY; n];
        let mut done = vec![false; n];
        best[0] = 0.0;
        let mut total = 0.0;
        for _ in 0..n {
            let u = (0..n).filter(|&i| !done[i]).min_by(|&a, &b| best[a].total_cmp(&best[b])).unwrap();
            done[u] = true;
            total += best[u];
            for v in 0..n {
                if !done[v] {
                    best[v] = best[v].min(d(u, v));
                }
            }
        }
        let ours: f64 = mst_edges(&doors).iter().sum();
        assert!((ours - total).abs() < 1e-6 * total, "{ours} vs {total}");
    }
}
