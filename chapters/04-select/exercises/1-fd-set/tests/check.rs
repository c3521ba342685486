//! The specification of exercise 04-1: `FdSet` is a 1,024-bit bitmap that
//! refuses, with a clear error, every fd it has no bit for.

use std::io;

use ex04_1_fd_set::{FD_SETSIZE, FdSet};

#[test]
fn inserted_fds_are_contained_and_removed_ones_are_not() -> io::Result<()> {
    let mut set = FdSet::new();
    assert!(!set.contains(5));
    set.insert(5)?;
    set.insert(7)?;
    assert!(set.contains(5) && set.contains(7));
    assert!(!set.contains(6), "only the bits that were set");
    set.remove(5);
    assert!(!set.contains(5) && set.contains(7));
    set.remove(6); // not there: nothing to do
    assert!(!set.contains(6), "removing an absent fd left it absent");
    set.insert(7)?; // twice is once
    set.remove(7);
    assert!(!set.contains(7));
    Ok(())
}

#[test]
fn fds_on_both_sides_of_each_word_boundary_are_distinct() -> io::Result<()> {
    let mut set = FdSet::new();
    for fd in [0, 63, 64, 127, 128, 1023] {
        set.insert(fd)?;
    }
    for fd in [1, 62, 65, 126, 129, 1022] {
        assert!(!set.contains(fd), "fd {fd} was never inserted");
    }
    assert_eq!(set.iter().collect::<Vec<_>>(), [0, 63, 64, 127, 128, 1023]);
    Ok(())
}

#[test]
fn iter_goes_lowest_first_and_highest_is_the_top() -> io::Result<()> {
    let mut set = FdSet::new();
    assert_eq!(set.highest(), None);
    assert_eq!(set.iter().count(), 0);
    for fd in [300, 4, 77] {
        set.insert(fd)?;
    }
    assert_eq!(set.iter().collect::<Vec<_>>(), [4, 77, 300]);
    assert_eq!(set.highest(), Some(300));
    set.remove(300);
    assert_eq!(set.highest(), Some(77));
    Ok(())
}

#[test]
fn fd_1024_and_beyond_are_refused_with_the_limit_named() {
    let mut set = FdSet::new();
    assert!(
        set.insert(FD_SETSIZE as i32 - 1).is_ok(),
        "1023 is the last that fits"
    );
    for fd in [1024, 1025, 5000, -1] {
        let err = set.insert(fd).expect_err("no bit for it");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "fd {fd}");
        assert!(err.to_string().contains("1024"), "name the limit: {err}");
        assert!(!set.contains(fd));
    }
    // Refusing left the set as it was.
    assert_eq!(set.iter().collect::<Vec<_>>(), [1023]);
    set.remove(4096); // no bit, nothing to do, no panic
}
