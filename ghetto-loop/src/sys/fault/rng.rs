//! The fault layer's dice: a small seeded generator (the robustness suites
//! that follow chapter 20).

/// A small generator (splitmix64): fast, and good enough to pick faults.
#[derive(Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// True with probability `rate`.
    pub(crate) fn chance(&mut self, rate: f64) -> bool {
        // The top 53 bits make a uniform float in [0, 1).
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < rate
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
