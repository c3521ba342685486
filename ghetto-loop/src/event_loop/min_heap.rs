//! A binary min-heap kept by hand in a `Vec`, for the timers (chapter 16).
//!
//! `std`'s `BinaryHeap` is the same structure, but it answers only "which
//! is the smallest?". The loop also asks "which entries are at most this?"
//! (every timer due within a moment of the nearest, so that one wake-up can
//! serve them all: see `timers.rs`), and a heap can answer that cheaply:
//! the smallest entries are near the top, and a node larger than the limit
//! has only larger nodes below it, so the search stops there.
//!
//! The layout is the textbook one: the root at index 0, the children of
//! index `i` at `2i + 1` and `2i + 2`, every node no larger than its
//! children.

/// A min-heap of `T`.
#[derive(Debug)]
pub(crate) struct MinHeap<T> {
    nodes: Vec<T>,
}

impl<T: Ord> MinHeap<T> {
    pub(crate) fn new() -> MinHeap<T> {
        MinHeap { nodes: Vec::new() }
    }

    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The smallest entry.
    pub(crate) fn peek(&self) -> Option<&T> {
        self.nodes.first()
    }

    /// Adds `value`: it goes in at the bottom and climbs while it is smaller
    /// than its parent. O(log n); O(1) on average for a value larger than
    /// most, as a new timer usually is.
    pub(crate) fn push(&mut self, value: T) {
        self.nodes.push(value);
        let mut child = self.nodes.len() - 1;
        while child > 0 {
            let parent = (child - 1) / 2;
            if self.nodes[child] >= self.nodes[parent] {
                break;
            }
            self.nodes.swap(child, parent);
            child = parent;
        }
    }

    /// Takes the smallest entry out: the last node takes the root's place
    /// and sinks to where it belongs. O(log n).
    pub(crate) fn pop(&mut self) -> Option<T> {
        if self.nodes.is_empty() {
            return None;
        }
        let smallest = self.nodes.swap_remove(0);
        self.sink(0);
        Some(smallest)
    }

    /// Keeps only the entries `keep` says yes to, and restores the heap
    /// order: O(n).
    pub(crate) fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.nodes.retain(keep);
        for node in (0..self.nodes.len() / 2).rev() {
            self.sink(node);
        }
    }

    /// Takes every entry out, in no particular order.
    pub(crate) fn drain(&mut self) -> std::vec::Drain<'_, T> {
        self.nodes.drain(..)
    }

    /// Calls `each` on every entry for which `at_most` holds, in no
    /// particular order. `at_most` must be a bound ("is this no larger than
    /// the limit?"): it holds for every entry smaller than one it holds
    /// for. The walk then stops at the first node past the limit on each
    /// path down, so it costs about as many steps as there are entries
    /// within the limit, whatever the heap's size.
    pub(crate) fn for_each_up_to(&self, at_most: impl Fn(&T) -> bool, mut each: impl FnMut(&T)) {
        self.visit(0, &at_most, &mut each);
    }

    /// [`for_each_up_to`](MinHeap::for_each_up_to) from `node` down. The
    /// recursion is as deep as the heap, under 64 levels for any `Vec`.
    fn visit(&self, node: usize, at_most: &impl Fn(&T) -> bool, each: &mut impl FnMut(&T)) {
        match self.nodes.get(node) {
            Some(value) if at_most(value) => {
                each(value);
                self.visit(2 * node + 1, at_most, each);
                self.visit(2 * node + 2, at_most, each);
            }
            _ => {}
        }
    }

    /// Moves the node at `node` down, swapping it with its smaller child
    /// while that child is smaller than it.
    fn sink(&mut self, mut node: usize) {
        loop {
            let left = 2 * node + 1;
            let right = left + 1;
            let Some(left_value) = self.nodes.get(left) else {
                return;
            };
            let smaller = match self.nodes.get(right) {
                Some(right_value) if right_value < left_value => right,
                _ => left,
            };
            if self.nodes[smaller] >= self.nodes[node] {
                return;
            }
            self.nodes.swap(node, smaller);
            node = smaller;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MinHeap;

    /// A small xorshift: the same sequence every run.
    fn numbers(seed: u64, count: usize) -> Vec<u64> {
        let mut x = seed;
        (0..count)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % 1_000
            })
            .collect()
    }

    #[test]
    fn pops_in_order_whatever_order_the_pushes_came_in() {
        for seed in 1..20 {
            let mut heap = MinHeap::new();
            let mut model = numbers(seed, 500);
            for &n in &model {
                heap.push(n);
            }
            model.sort_unstable();
            let popped: Vec<u64> = std::iter::from_fn(|| heap.pop()).collect();
            assert_eq!(popped, model, "seed {seed}");
        }
    }

    #[test]
    fn pushes_and_pops_interleaved_agree_with_a_sorted_list() {
        let mut heap = MinHeap::new();
        let mut model: Vec<u64> = Vec::new();
        for (i, n) in numbers(7, 2_000).into_iter().enumerate() {
            if i % 3 == 2 {
                model.sort_unstable();
                let expected = (!model.is_empty()).then(|| model.remove(0));
                assert_eq!(heap.pop(), expected);
            } else {
                heap.push(n);
                model.push(n);
            }
            assert_eq!(heap.len(), model.len());
            assert_eq!(heap.peek(), model.iter().min());
        }
    }

    #[test]
    fn retain_keeps_the_order() {
        let mut heap = MinHeap::new();
        for n in numbers(3, 1_000) {
            heap.push(n);
        }
        heap.retain(|n| n % 2 == 1);
        let popped: Vec<u64> = std::iter::from_fn(|| heap.pop()).collect();
        let mut model: Vec<u64> = numbers(3, 1_000)
            .into_iter()
            .filter(|n| n % 2 == 1)
            .collect();
        model.sort_unstable();
        assert_eq!(popped, model);
    }

    #[test]
    fn for_each_up_to_finds_exactly_the_entries_within_the_limit() {
        let mut heap = MinHeap::new();
        let all = numbers(11, 3_000);
        for &n in &all {
            heap.push(n);
        }
        for limit in [0, 1, 17, 250, 999, 1_000] {
            let mut found = Vec::new();
            heap.for_each_up_to(|&n| n <= limit, |&n| found.push(n));
            found.sort_unstable();
            let mut model: Vec<u64> = all.iter().copied().filter(|&n| n <= limit).collect();
            model.sort_unstable();
            assert_eq!(found, model, "limit {limit}");
        }
    }
}
