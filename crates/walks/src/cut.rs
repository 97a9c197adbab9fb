//! Cutting a cyclic tour into W walks of at most K doors where cutting saves the most: an exact
//! dynamic programme over where the cuts fall.

/// What splitting the doors at one point between two walks is reckoned to cost, in metres: a
/// second visit to the building.
pub(crate) const SPLIT_COST: f64 = 60.0;

/// Returns the walks (runs of the tour) that remove the longest total of tour edges, given
/// `edge[i]` = the length of the edge from tour position i to i+1 (cyclically).
pub(crate) fn cut_tour(order: &[u32], edge: &[f64], per_walk: usize) -> Vec<Vec<u32>> {
    let n = order.len();
    let k = per_walk.min(n);
    let w = n.div_ceil(k);
    let slack = w * k - n;
    // A cut at position c removes the edge into c: from c-1 to c. Doors at one point (a block of
    // flats) are kept together unless splitting them saves more than SPLIT_COST metres elsewhere.
    let cut_gain = |c: usize| {
        let e = edge[(c + n - 1) % n];
        if e > 0.0 {
            e
        } else {
            -SPLIT_COST
        }
    };
    let mut best = (f64::MIN, 0usize, Vec::new());
    // The first cut can always be taken within the first K+1 positions.
    let starts = if w == 1 { n } else { (k + 1).min(n) };
    let mut dp = vec![f64::MIN; w * (slack + 1)];
    let mut from = vec![0u32; w * (slack + 1)];
    for r in 0..starts {
        // dp[j][u]: best gain with cuts 0..=j placed, u slack used by segments before cut j.
        dp.fill(f64::MIN);
        dp[0] = cut_gain(r);
        for j in 1..w {
            let mut run_best = f64::MIN;
            let mut run_arg = 0u32;
            for u in 0..=slack {
                let prev = dp[(j - 1) * (slack + 1) + u];
                if prev > run_best {
                    run_best = prev;
                    run_arg = u as u32;
                }
                if run_best > f64::MIN {
                    let c = (r + j * k - u) % n;
                    dp[j * (slack + 1) + u] = run_best + cut_gain(c);
                    from[j * (slack + 1) + u] = run_arg;
                }
            }
        }
        let (mut top, mut arg) = (f64::MIN, 0);
        for u in 0..=slack {
            if dp[(w - 1) * (slack + 1) + u] > top {
                top = dp[(w - 1) * (slack + 1) + u];
                arg = u;
            }
        }
        if top > best.0 {
            // Rebuild the cut positions.
            let mut cuts = vec![0usize; w];
            let mut u = arg;
            for j in (0..w).rev() {
                cuts[j] = (r + j * k - u) % n;
                if j > 0 {
                    u = from[j * (slack + 1) + u] as usize;
                }
            }
            best = (top, r, cuts);
        }
    }
    let cuts = best.2;
    let mut walks = Vec::with_capacity(w);
    for j in 0..w {
        let start = cuts[j];
        let end = if j + 1 < w { cuts[j + 1] } else { cuts[0] + n };
        let len = (end + n - start) % n;
        let len = if len == 0 { n } else { len };
        walks.push((0..len).map(|o| order[(start + o) % n]).collect());
    }
    walks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_the_longest_edges_within_the_size_limit() {
        // Ten points, gaps after positions 2 and 6 are long.
        let order: Vec<u32> = (0..10).collect();
        let mut edge = vec![1.0; 10];
        edge[2] = 50.0; // 2 -> 3
        edge[6] = 40.0; // 6 -> 7
        edge[9] = 1.0;
        let walks = cut_tour(&order, &edge, 4);
        assert_eq!(walks.len(), 3);
        assert!(walks.iter().all(|w| w.len() <= 4));
        let mut all: Vec<u32> = walks.concat();
        all.sort_unstable();
        assert_eq!(all, order);
        assert!(walks.contains(&vec![3, 4, 5, 6]), "{walks:?}");
        // A block of flats (zero-length edges 4 -> 5 -> 6 -> 7) is not split when it fits.
        let mut flats = vec![10.0; 10];
        for e in [4, 5, 6] {
            flats[e] = 0.0;
        }
        let walks = cut_tour(&order, &flats, 5);
        assert!(walks.iter().any(|w| [4, 5, 6, 7].iter().all(|d| w.contains(d))), "{walks:?}");
        let one = cut_tour(&order, &edge, 20);
        assert_eq!(one, vec![vec![3, 4, 5, 6, 7, 8, 9, 0, 1, 2]]);
    }
}
