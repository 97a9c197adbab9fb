//! One tour through every door, in the plane: built along a space-filling curve and improved by
//! 2-opt and Or-opt moves over each door's nearest neighbours, then by iterated local search.

use std::time::Instant;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Nearest neighbours kept per door.
pub(crate) const NEIGHBOURS: usize = 10;
const EPS: f64 = 1e-7;

pub(crate) struct Points {
    pub xy: Vec<(f64, f64)>,
}

impl Points {
    #[inline]
    pub fn dist(&self, a: u32, b: u32) -> f64 {
        let (p, q) = (self.xy[a as usize], self.xy[b as usize]);
        let (dx, dy) = (p.0 - q.0, p.1 - q.1);
        // Not hypot: libm's careful hypot is several times slower, and these values never overflow.
        (dx * dx + dy * dy).sqrt()
    }

    pub fn len(&self) -> usize {
        self.xy.len()
    }
}

/// The nearest neighbours of every point, from a uniform grid.
pub(crate) fn neighbours(points: &Points) -> Vec<[u32; NEIGHBOURS]> {
    let n = points.len();
    let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in &points.xy {
        minx = minx.min(x);
        miny = miny.min(y);
        maxx = maxx.max(x);
        maxy = maxy.max(y);
    }
    let side = ((n as f64 / 2.0).sqrt().ceil() as usize).max(1);
    let cw = ((maxx - minx) / side as f64).max(1e-9);
    let ch = ((maxy - miny) / side as f64).max(1e-9);
    let cell =
        |x: f64, y: f64| -> (usize, usize) { ((((x - minx) / cw) as usize).min(side - 1), (((y - miny) / ch) as usize).min(side - 1)) };
    let mut start = vec![0u32; side * side + 1];
    for &(x, y) in &points.xy {
        let (cx, cy) = cell(x, y);
        start[cy * side + cx + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut members = vec![0u32; n];
    for (i, &(x, y)) in points.xy.iter().enumerate() {
        let (cx, cy) = cell(x, y);
        let c = cy * side + cx;
        members[fill[c] as usize] = i as u32;
        fill[c] += 1;
    }
    let k = NEIGHBOURS.min(n.saturating_sub(1));
    let mut out = vec![[u32::MAX; NEIGHBOURS]; n];
    let mut found: Vec<(f64, u32)> = Vec::with_capacity(64);
    for (i, slot) in out.iter_mut().enumerate() {
        let (x, y) = points.xy[i];
        let (cx, cy) = cell(x, y);
        let mut ring = 0usize;
        loop {
            found.clear();
            let (x0, x1) = (cx.saturating_sub(ring), (cx + ring).min(side - 1));
            let (y0, y1) = (cy.saturating_sub(ring), (cy + ring).min(side - 1));
            for gy in y0..=y1 {
                for gx in x0..=x1 {
                    let c = gy * side + gx;
                    for &j in &members[start[c] as usize..start[c + 1] as usize] {
                        if j as usize != i {
                            found.push((points.dist(i as u32, j), j));
                        }
                    }
                }
            }
            // Enough found, and the ring is wide enough that nothing outside it is nearer.
            let covered = ring as f64 * cw.min(ch);
            let whole = x0 == 0 && y0 == 0 && x1 == side - 1 && y1 == side - 1;
            if found.len() >= k {
                found.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
                if found[k - 1].0 <= covered || whole {
                    break;
                }
            } else if whole {
                break;
            }
            ring += 1;
        }
        found.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (cell, (_, j)) in slot.iter_mut().zip(found.iter().take(k)) {
            *cell = *j;
        }
    }
    out
}

/// Orders points along a Hilbert curve.
pub(crate) fn hilbert_order(points: &Points) -> Vec<u32> {
    let (mut minx, mut miny, mut maxx, mut maxy) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in &points.xy {
        minx = minx.min(x);
        miny = miny.min(y);
        maxx = maxx.max(x);
        maxy = maxy.max(y);
    }
    let span = (maxx - minx).max(maxy - miny).max(1e-9);
    let order_bits = 16u32;
    let scale = ((1u32 << order_bits) - 1) as f64 / span;
    let mut keyed: Vec<(u64, u32)> = points
        .xy
        .iter()
        .enumerate()
        .map(|(i, &(x, y))| (hilbert_index(order_bits, ((x - minx) * scale) as u32, ((y - miny) * scale) as u32), i as u32))
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

fn hilbert_index(bits: u32, mut x: u32, mut y: u32) -> u64 {
    let mut d: u64 = 0;
    let mut s = 1u32 << (bits - 1);
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = s.wrapping_mul(2).wrapping_sub(1).wrapping_sub(x);
                y = s.wrapping_mul(2).wrapping_sub(1).wrapping_sub(y);
            }
            std::mem::swap(&mut x, &mut y);
        }
        s >>= 1;
    }
    d
}

/// A cyclic tour as an array of points and each point's position in it.
#[derive(Clone)]
pub(crate) struct Tour {
    pub order: Vec<u32>,
    pos: Vec<u32>,
    /// Reversals done since the log was last cleared, to undo a failed kick in the time it took.
    log: Vec<(u32, u32)>,
    logging: bool,
}

impl Tour {
    pub fn new(order: Vec<u32>) -> Tour {
        let mut pos = vec![0u32; order.len()];
        for (i, &c) in order.iter().enumerate() {
            pos[c as usize] = i as u32;
        }
        Tour { order, pos, log: Vec::new(), logging: false }
    }

    fn n(&self) -> usize {
        self.order.len()
    }

    #[inline]
    fn next(&self, c: u32) -> u32 {
        let p = self.pos[c as usize] as usize + 1;
        self.order[if p == self.n() { 0 } else { p }]
    }

    #[inline]
    fn prev(&self, c: u32) -> u32 {
        let p = self.pos[c as usize] as usize;
        self.order[if p == 0 { self.n() - 1 } else { p - 1 }]
    }

    /// Reverses positions i..=j going forward (cyclically), exactly.
    fn reverse_exact(&mut self, i: usize, j: usize) {
        if self.logging {
            self.log.push((i as u32, j as u32));
        }
        let n = self.n();
        let len = (j + n - i) % n + 1;
        let (mut a, mut b) = (i, j);
        for _ in 0..len / 2 {
            let (ca, cb) = (self.order[a], self.order[b]);
            self.order[a] = cb;
            self.order[b] = ca;
            self.pos[cb as usize] = a as u32;
            self.pos[ca as usize] = b as u32;
            a = if a + 1 == n { 0 } else { a + 1 };
            b = if b == 0 { n - 1 } else { b - 1 };
        }
    }

    /// Reverses the path from point a forward to point b, or the rest of the tour instead when that
    /// is shorter (the same cycle either way).
    fn reverse_path(&mut self, a: u32, b: u32) {
        let n = self.n();
        let (i, j) = (self.pos[a as usize] as usize, self.pos[b as usize] as usize);
        let len = (j + n - i) % n + 1;
        if len * 2 <= n {
            self.reverse_exact(i, j);
        } else if len < n {
            self.reverse_exact((j + 1) % n, (i + n - 1) % n);
        }
    }

    #[cfg(test)]
    pub fn length(&self, pts: &Points) -> f64 {
        (0..self.n()).map(|i| pts.dist(self.order[i], self.order[(i + 1) % self.n()])).sum()
    }
}

/// Local search with 2-opt and Or-opt moves over near neighbours, from the points in `queue`
/// (don't-look bits). Returns the change in length.
pub(crate) fn improve(tour: &mut Tour, pts: &Points, nb: &[[u32; NEIGHBOURS]], queue: &mut Vec<u32>, queued: &mut [bool]) -> f64 {
    let n = tour.n();
    let mut change = 0.0;
    if n < 5 {
        queue.clear();
        return 0.0;
    }
    while let Some(a) = queue.pop() {
        queued[a as usize] = false;
        let mut improved = false;
        // 2-opt, both directions.
        for dir in 0..2 {
            let b = if dir == 0 { tour.next(a) } else { tour.prev(a) };
            let dab = pts.dist(a, b);
            for &c in &nb[a as usize] {
                if c == u32::MAX {
                    break;
                }
                let dac = pts.dist(a, c);
                if dac >= dab - EPS {
                    break;
                }
                let d = if dir == 0 { tour.next(c) } else { tour.prev(c) };
                if c == b || d == a {
                    continue;
                }
                let delta = dac + pts.dist(b, d) - dab - pts.dist(c, d);
                if delta < -EPS {
                    if dir == 0 {
                        // a b .. c d  ->  a c .. b d
                        tour.reverse_path(b, c);
                    } else {
                        // b a .. d c  ->  b d .. a c
                        tour.reverse_path(a, d);
                    }
                    change += delta;
                    for p in [a, b, c, d] {
                        push(queue, queued, p);
                    }
                    improved = true;
                    break;
                }
            }
            if improved {
                break;
            }
        }
        if improved {
            continue;
        }
        // Or-opt: move the segment of 1 to 3 points starting at a elsewhere, either way round.
        'or: for seg in 1..=3usize {
            if seg + 3 > n {
                break;
            }
            let s1 = a;
            let mut s2 = a;
            for _ in 1..seg {
                s2 = tour.next(s2);
            }
            let p = tour.prev(s1);
            let x = tour.next(s2);
            let removed = pts.dist(p, s1) + pts.dist(s2, x) - pts.dist(p, x);
            if removed <= EPS {
                continue;
            }
            for (end, other) in [(s1, s2), (s2, s1)] {
                for &c in &nb[end as usize] {
                    if c == u32::MAX {
                        break;
                    }
                    let dce = pts.dist(c, end);
                    if dce >= removed - EPS {
                        break;
                    }
                    if in_segment(tour, s1, seg, c) {
                        continue;
                    }
                    // Try c's edge forward and backward.
                    for forward in [true, false] {
                        let e = if forward { tour.next(c) } else { tour.prev(c) };
                        if in_segment(tour, s1, seg, e) {
                            continue;
                        }
                        let added = dce + pts.dist(other, e) - pts.dist(c, e);
                        let delta = added - removed;
                        if delta < -EPS {
                            // The edge (u, v) with v = next(u) receives the segment.
                            let (u, v) = if forward { (c, e) } else { (e, c) };
                            // Going u -> v, the segment's first point meets u.
                            let first_meets_u = (u == c) == (end == s1);
                            move_segment(tour, s1, seg, u, v, first_meets_u);
                            change += delta;
                            for q in [p, x, s1, s2, c, e] {
                                push(queue, queued, q);
                            }
                            improved = true;
                            break 'or;
                        }
                    }
                }
            }
        }
        let _ = improved;
    }
    change
}

fn push(queue: &mut Vec<u32>, queued: &mut [bool], p: u32) {
    if !queued[p as usize] {
        queued[p as usize] = true;
        queue.push(p);
    }
}

fn in_segment(tour: &Tour, s1: u32, seg: usize, c: u32) -> bool {
    let n = tour.n();
    let off = (tour.pos[c as usize] as usize + n - tour.pos[s1 as usize] as usize) % n;
    off < seg
}

/// Moves the segment of `seg` points starting at s1 between u and v (v follows u), with its first
/// point next to u when `first_meets_u`, else reversed.
fn move_segment(tour: &mut Tour, s1: u32, seg: usize, u: u32, v: u32, first_meets_u: bool) {
    let n = tour.n();
    let i = tour.pos[s1 as usize] as usize;
    let j = (i + seg - 1) % n;
    let pu = tour.pos[u as usize] as usize;
    let pv = tour.pos[v as usize] as usize;
    // Forward block from after the segment to u; backward block from v to before the segment.
    let fwd = (pu + n - j) % n; // points j+1..=pu
    let bwd = (i + n - pv) % n; // points pv..=i-1
    if fwd <= bwd {
        // [S][B] -> [B][S]
        let b_end = pu;
        if first_meets_u {
            tour.reverse_exact(i, j);
        }
        tour.reverse_exact((j + 1) % n, b_end);
        tour.reverse_exact(i, b_end);
    } else {
        // [A][S] -> [S][A]
        let a_start = pv;
        if first_meets_u {
            tour.reverse_exact(i, j);
        }
        tour.reverse_exact(a_start, (i + n - 1) % n);
        tour.reverse_exact(a_start, j);
    }
}

/// Iterated local search: a random local double bridge, then local search from the points it
/// touched; kept if the tour is shorter, else undone. Stops after `kicks` or at `deadline`.
pub(crate) fn perturb(tour: &mut Tour, pts: &Points, nb: &[[u32; NEIGHBOURS]], rng: &mut ChaCha8Rng, kicks: usize, deadline: Instant) {
    let n = tour.n();
    if n < 12 {
        return;
    }
    let mut queue = Vec::new();
    let mut queued = vec![false; n];
    let window = 30.min(n / 3);
    for k in 0..kicks {
        if k % 64 == 0 && Instant::now() >= deadline {
            break;
        }
        // Three cut points within a window: segments A = (i, p1], B = (p1, p2] swap places.
        let i = rng.gen_range(0..n);
        let mut cuts = [rng.gen_range(1..window), rng.gen_range(1..window), rng.gen_range(1..window)];
        cuts.sort_unstable();
        if cuts[0] == cuts[1] || cuts[1] == cuts[2] {
            continue;
        }
        let at = |o: usize| tour.order[(i + o) % n];
        let (a0, a1, b0, b1, c0) = (at(0), at(1), at(cuts[0]), at(cuts[0] + 1), at(cuts[1]));
        let c1 = at(cuts[1] + 1);
        let before = pts.dist(a0, a1) + pts.dist(b0, b1) + pts.dist(c0, c1);
        let after = pts.dist(a0, b1) + pts.dist(c0, a1) + pts.dist(b0, c1);
        // Rotate positions i+1 ..= i+cuts[1]: [A][B] -> [B][A] by three reversals.
        let s = (i + 1) % n;
        let m = (i + cuts[0]) % n;
        let e = (i + cuts[1]) % n;
        tour.log.clear();
        tour.logging = true;
        tour.reverse_exact(s, m);
        tour.reverse_exact((m + 1) % n, e);
        tour.reverse_exact(s, e);
        let mut change = after - before;
        for p in [a0, a1, b0, b1, c0, c1] {
            push(&mut queue, &mut queued, p);
        }
        change += improve(tour, pts, nb, &mut queue, &mut queued);
        tour.logging = false;
        if change >= -EPS {
            // Undo: each reversal is its own inverse.
            while let Some((i, j)) = tour.log.pop() {
                tour.reverse_exact(i as usize, j as usize);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn random_points(n: usize, seed: u64) -> Points {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Points { xy: (0..n).map(|_| (rng.gen_range(0.0..1000.0), rng.gen_range(0.0..1000.0))).collect() }
    }

    #[test]
    fn moves_keep_a_valid_tour_and_report_the_true_change() {
        for seed in 0..5 {
            let pts = random_points(300, seed);
            let nb = neighbours(&pts);
            let mut tour = Tour::new(hilbert_order(&pts));
            let before = tour.length(&pts);
            let mut queue: Vec<u32> = (0..300).collect();
            let mut queued = vec![true; 300];
            let change = improve(&mut tour, &pts, &nb, &mut queue, &mut queued);
            let after = tour.length(&pts);
            assert!((before + change - after).abs() < 1e-6, "{before} {change} {after}");
            assert!(after < before);
            let mut sorted = tour.order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..300).collect::<Vec<u32>>());
            for (i, &c) in tour.order.iter().enumerate() {
                assert_eq!(tour.pos[c as usize] as usize, i);
            }
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            perturb(&mut tour, &pts, &nb, &mut rng, 2000, Instant::now() + std::time::Duration::from_secs(30));
            assert!(tour.length(&pts) <= after + 1e-6);
        }
    }

    #[test]
    fn neighbours_are_the_nearest() {
        let pts = random_points(500, 9);
        let nb = neighbours(&pts);
        for i in [0u32, 17, 250, 499] {
            let mut all: Vec<(f64, u32)> = (0..500u32).filter(|&j| j != i).map(|j| (pts.dist(i, j), j)).collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<u32> = all.iter().take(NEIGHBOURS).map(|p| p.1).collect();
            assert_eq!(nb[i as usize].to_vec(), want);
        }
    }
}
