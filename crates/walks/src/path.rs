//! Polishing one walk as an open path: 2-opt and Or-opt until nothing improves (or the budget of
//! passes runs out).

use crate::tour::Points;

const EPS: f64 = 1e-7;

pub(crate) fn polish(walk: &mut [u32], pts: &Points, max_passes: usize) {
    let m = walk.len();
    if m < 3 {
        return;
    }
    for _ in 0..max_passes {
        let mut improved = false;
        // 2-opt on an open path: reverse walk[i..=j]; the ends may move too.
        for i in 0..m - 1 {
            for j in i + 1..m {
                if i == 0 && j == m - 1 {
                    continue;
                }
                let before =
                    if i > 0 { pts.dist(walk[i - 1], walk[i]) } else { 0.0 } + if j + 1 < m { pts.dist(walk[j], walk[j + 1]) } else { 0.0 };
                let after =
                    if i > 0 { pts.dist(walk[i - 1], walk[j]) } else { 0.0 } + if j + 1 < m { pts.dist(walk[i], walk[j + 1]) } else { 0.0 };
                if after < before - EPS {
                    walk[i..=j].reverse();
                    improved = true;
                }
            }
        }
        // Or-opt: move a run of 1 to 3 doors elsewhere, either way round.
        for seg in 1..=3usize.min(m - 1) {
            let mut i = 0;
            while i + seg <= m {
                if try_move(walk, pts, i, seg) {
                    improved = true;
                } else {
                    i += 1;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Tries to move walk[i..i+seg] to its best place; true if it moved.
fn try_move(walk: &mut [u32], pts: &Points, i: usize, seg: usize) -> bool {
    let m = walk.len();
    let j = i + seg - 1;
    let (s1, s2) = (walk[i], walk[j]);
    let d = |a: u32, b: u32| pts.dist(a, b);
    let removed = match (i > 0, j + 1 < m) {
        (true, true) => d(walk[i - 1], s1) + d(s2, walk[j + 1]) - d(walk[i - 1], walk[j + 1]),
        (true, false) => d(walk[i - 1], s1),
        (false, true) => d(s2, walk[j + 1]),
        (false, false) => return false,
    };
    // The path without the run; insert between rest[t-1] and rest[t] (t = 0: at the start,
    // t = len: at the end).
    let rest: Vec<u32> = walk[..i].iter().chain(walk[j + 1..].iter()).copied().collect();
    let mut best = (removed - EPS, usize::MAX, false);
    for t in 0..=rest.len() {
        if t == i {
            continue; // where it was
        }
        for reversed in [false, true] {
            let (first, last) = if reversed { (s2, s1) } else { (s1, s2) };
            let added = match (t > 0, t < rest.len()) {
                (true, true) => d(rest[t - 1], first) + d(last, rest[t]) - d(rest[t - 1], rest[t]),
                (true, false) => d(rest[t - 1], first),
                (false, true) => d(last, rest[t]),
                (false, false) => 0.0,
            };
            if added < best.0 {
                best = (added, t, reversed);
            }
        }
    }
    if best.1 == usize::MAX {
        return false;
    }
    let mut run: Vec<u32> = walk[i..=j].to_vec();
    if best.2 {
        run.reverse();
    }
    let t = best.1;
    let mut out = Vec::with_capacity(m);
    out.extend_from_slice(&rest[..t]);
    out.extend_from_slice(&run);
    out.extend_from_slice(&rest[t..]);
    walk.copy_from_slice(&out);
    true
}
