//! The hash of part 3: the same answer on one thread and on many, for any
//! split; and the pool really does the work on other threads, leaving the
//! loop free. Nothing here asserts a speed: that depends on the machine.

use std::io;
use std::sync::Arc;

use ch19_blocking_world::hashing::{
    combine, compare, fnv1a, hash_in_parts, hash_in_pool, make_buffer, part_ranges,
};
use course::Timeline;
use ghetto_loop::event_loop::EventLoop;

#[test]
fn fnv1a_matches_the_published_test_vectors() {
    assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn the_parts_cover_the_buffer_in_order_and_differ_by_at_most_a_byte() {
    for (len, parts) in [(10, 3), (9, 3), (2, 5), (0, 2), (1 << 20, 2)] {
        let ranges = part_ranges(len, parts);
        assert_eq!(ranges.len(), parts);
        assert_eq!(ranges.first().unwrap().start, 0);
        assert_eq!(ranges.last().unwrap().end, len);
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
        }
        let sizes: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
        let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(max - min <= 1, "{len} in {parts}: {sizes:?}");
    }
}

#[test]
fn one_part_is_the_plain_hash_hashed_once_more() {
    let buf = make_buffer(100_000);
    assert_eq!(hash_in_parts(&buf, 1), combine(&[fnv1a(&buf)]));
    // And the split matters: two parts are a different hash.
    assert_ne!(hash_in_parts(&buf, 1), hash_in_parts(&buf, 2));
}

#[test]
fn the_buffer_is_the_same_every_time_and_not_one_repeated_byte() {
    let (a, b) = (make_buffer(200_000), make_buffer(200_000));
    assert_eq!(a, b);
    assert_eq!(a.len(), 200_000);
    let distinct = (0..=255u8).filter(|v| a.contains(v)).count();
    assert!(distinct > 200, "{distinct} distinct byte values");
}

#[test]
fn the_pool_gives_the_same_hash_as_the_loop_for_any_split() -> io::Result<()> {
    let buf: Arc<[u8]> = make_buffer(300_001);
    let lp = EventLoop::new()?;
    for parts in [1, 2, 3, 7] {
        let pooled = lp.block_on(hash_in_pool(buf.clone(), parts))??;
        assert_eq!(pooled, hash_in_parts(&buf, parts), "{parts} parts");
    }
    Ok(())
}

#[test]
fn the_comparison_agrees_and_the_loop_ran_nothing_while_it_hashed() -> io::Result<()> {
    let lp = EventLoop::new()?;
    let c = lp.block_on(compare(make_buffer(2 << 20), 2, &Timeline::quiet()))??;
    assert_eq!(c.on_the_loop.hash, c.in_the_pool.hash);
    // On the loop's thread nothing else can run until the hash is done.
    assert_eq!(c.on_the_loop.ticks, 0);
    Ok(())
}
