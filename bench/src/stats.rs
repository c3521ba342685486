//! Medians, spreads and percentiles: the few statistics the report needs.

/// A median and the range around it that a table or an error bar shows.
///
/// For a handful of repeated runs (three to five on a noisy machine) the
/// honest spread is the whole range, min to max ([`Spread::range`]): a
/// standard deviation of three numbers would pretend to more than we know.
/// For many samples of the same thing (40 batches of selector waits) the
/// middle half ([`Spread::middle_half`]) says more, because one preemption
/// in one batch would otherwise set the bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The middle value (the mean of the two middle ones for an even count).
    pub median: f64,
    /// The bottom of the range.
    pub low: f64,
    /// The top of the range.
    pub high: f64,
}

impl Spread {
    /// The median and the full range (min to max) of `values`; `None` if
    /// there are none or any is NaN.
    ///
    /// ```
    /// let runs = bench::stats::Spread::range(&[41.0, 40.1, 42.0]).unwrap();
    /// assert_eq!((runs.median, runs.low, runs.high), (41.0, 40.1, 42.0));
    /// ```
    pub fn range(values: &[f64]) -> Option<Spread> {
        let sorted = sorted(values)?;
        Some(Spread {
            median: quantile(&sorted, 0.5),
            low: sorted[0],
            high: sorted[sorted.len() - 1],
        })
    }

    /// The median and the middle half (25th to 75th percentile) of
    /// `values`; `None` if there are none or any is NaN.
    pub fn middle_half(values: &[f64]) -> Option<Spread> {
        let sorted = sorted(values)?;
        Some(Spread {
            median: quantile(&sorted, 0.5),
            low: quantile(&sorted, 0.25),
            high: quantile(&sorted, 0.75),
        })
    }
}

fn sorted(values: &[f64]) -> Option<Vec<f64>> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(sorted)
}

/// The `q` quantile (0..=1) of sorted values, interpolating between the two
/// nearest (so the median of an even count is the mean of the middle two).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let (below, above) = (position.floor() as usize, position.ceil() as usize);
    let weight = position - below as f64;
    sorted[below] * (1.0 - weight) + sorted[above] * weight
}

/// The `p`-th percentile (0 < p <= 100) of `sorted`, by the nearest-rank
/// method: the smallest sample with at least p% of the samples at or below
/// it. `None` for no samples.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    debug_assert!(
        sorted.windows(2).all(|w| w[0] <= w[1]),
        "samples not sorted"
    );
    if sorted.is_empty() {
        return None;
    }
    // The epsilon keeps float error (99.9 / 100 * 1000 = 999.0000000000001)
    // from pushing the rank one sample too far.
    let rank = ((p / 100.0) * sorted.len() as f64 - 1e-9).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_is_median_and_extremes() {
        let s = Spread::range(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.low, s.high), (2.0, 1.0, 3.0));
        assert_eq!(Spread::range(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert_eq!(Spread::range(&[]), None);
        assert_eq!(Spread::range(&[1.0, f64::NAN]), None);
    }

    #[test]
    fn middle_half_ignores_the_outliers() {
        let mut values: Vec<f64> = (1..=9).map(f64::from).collect();
        values.push(1000.0);
        let s = Spread::middle_half(&values).unwrap();
        assert_eq!(s.median, 5.5);
        assert_eq!((s.low, s.high), (3.25, 7.75));
        assert_eq!(Spread::middle_half(&[7.0]).unwrap().high, 7.0);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&samples, 50.0), Some(500));
        assert_eq!(percentile(&samples, 99.0), Some(990));
        assert_eq!(percentile(&samples, 99.9), Some(999));
        assert_eq!(percentile(&samples, 100.0), Some(1000));
        assert_eq!(percentile(&[7], 99.9), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
