//! The fault layer switched on: the seed, each thread's dice, and what each
//! hook decides (the robustness suites; compiled with the `faults` feature).

use std::cell::RefCell;
use std::fs::OpenOptions;
use std::io::{self, Write as _};
use std::os::fd::RawFd;
use std::sync::OnceLock;

use super::rng::Rng;
use super::selector::Spurious;
use super::{Call, FAULTS_ENV, Injected};

/// What `GHETTO_FAULTS` asked for.
pub(super) struct Settings {
    pub(super) seed: u64,
    /// The chance, from 0 to 1, that one hooked call is disturbed.
    pub(super) rate: f64,
}

/// The rate when `GHETTO_FAULTS` gives only a seed: one call in ten.
const DEFAULT_RATE: f64 = 0.1;

/// Where each thread appends what it injected when it ends, if set: one line
/// per thread, for the fault script's totals.
const LOG_ENV: &str = "GHETTO_FAULTS_LOG";

/// Read once: a test cannot change its mind halfway through a run.
pub(super) fn settings() -> Option<&'static Settings> {
    static SETTINGS: OnceLock<Option<Settings>> = OnceLock::new();
    SETTINGS
        .get_or_init(|| {
            let value = std::env::var(FAULTS_ENV).ok()?;
            match parse(&value) {
                Ok(settings) => Some(settings),
                // A typo must not quietly run the suite without faults.
                Err(message) => panic!("{FAULTS_ENV}={value:?}: {message}"),
            }
        })
        .as_ref()
}

fn parse(value: &str) -> Result<Settings, String> {
    let (seed, rate) = match value.split_once(':') {
        Some((seed, rate)) => (seed, Some(rate)),
        None => (value, None),
    };
    let seed = seed
        .parse()
        .map_err(|_| format!("the seed {seed:?} is not a whole number; use SEED or SEED:RATE"))?;
    let rate = match rate {
        None => DEFAULT_RATE,
        Some(rate) => match rate.parse::<f64>() {
            Ok(r) if (0.0..=1.0).contains(&r) => r,
            _ => return Err(format!("the rate {rate:?} is not a number from 0 to 1")),
        },
    };
    Ok(Settings { seed, rate })
}

/// One thread's dice and tally.
struct Dice {
    rng: Rng,
    rate: f64,
    injected: Injected,
}

impl Dice {
    fn new(settings: &Settings) -> Dice {
        let name = std::thread::current().name().unwrap_or("").to_owned();
        eprintln!(
            "faults: seed {}, rate {} (thread {name:?}; {FAULTS_ENV}={}:{} repeats it)",
            settings.seed, settings.rate, settings.seed, settings.rate
        );
        // FNV-1a of the thread's name, so that each test thread has dice of
        // its own that do not depend on which other threads ran first.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in name.bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        Dice {
            rng: Rng::new(settings.seed ^ hash),
            rate: settings.rate,
            injected: Injected::default(),
        }
    }

    fn hit(&mut self) -> bool {
        self.rng.chance(self.rate)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.rng.below(n)
    }
}

impl Drop for Dice {
    /// The thread ends: add its tally to the log, if one was asked for.
    fn drop(&mut self) {
        let Ok(path) = std::env::var(LOG_ENV) else {
            return;
        };
        let i = self.injected;
        let line = format!(
            "interrupted={} would_block={} short={} spurious_events={} spurious_wakes={}\n",
            i.interrupted, i.would_block, i.short, i.spurious_events, i.spurious_wakes
        );
        // One short append is atomic on a local file; losing a tally to an
        // error only makes the figures smaller, so it is not worth a panic
        // in a thread-local destructor.
        if let Ok(mut file) = OpenOptions::new().create(true).append(true).open(path) {
            let _ = file.write_all(line.as_bytes());
        }
    }
}

thread_local! {
    static DICE: RefCell<Option<Dice>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's dice, if faults are on (and the thread is
/// not being torn down).
fn roll<R>(f: impl FnOnce(&mut Dice) -> R) -> Option<R> {
    let settings = settings()?;
    DICE.try_with(|dice| {
        let mut dice = dice.try_borrow_mut().ok()?;
        Some(f(dice.get_or_insert_with(|| Dice::new(settings))))
    })
    .ok()
    .flatten()
}

pub(super) fn injected() -> Injected {
    DICE.try_with(|dice| {
        dice.try_borrow()
            .ok()
            .and_then(|d| d.as_ref().map(|d| d.injected))
    })
    .ok()
    .flatten()
    .unwrap_or_default()
}

/// Draws a seed for a new wrapped selector from this thread's dice.
pub(super) fn seed_for_selector() -> Option<(u64, f64)> {
    roll(|dice| (dice.rng.next(), dice.rate))
}

pub(super) fn count_spurious_events(n: u64) {
    roll(|dice| dice.injected.spurious_events += n);
}

pub(super) fn before(call: Call, fd: RawFd) -> io::Result<()> {
    let errno = roll(|dice| {
        if call == Call::Connect || !dice.hit() {
            return None;
        }
        // EAGAIN only where the kernel could say it: a non-blocking socket.
        let may_block = matches!(call, Call::Read | Call::Write | Call::Accept);
        if may_block && dice.below(2) == 0 && is_nonblocking(fd) {
            dice.injected.would_block += 1;
            Some(libc::EAGAIN)
        } else {
            dice.injected.interrupted += 1;
            Some(libc::EINTR)
        }
    })
    .flatten();
    match errno {
        Some(errno) => Err(io::Error::from_raw_os_error(errno)),
        None => Ok(()),
    }
}

pub(super) fn after<T>(call: Call, result: io::Result<T>) -> io::Result<T> {
    let interrupt = result.is_ok()
        && roll(|dice| {
            let hit = dice.hit();
            if hit {
                dice.injected.interrupted += 1;
            }
            hit
        })
        .unwrap_or(false);
    debug_assert_eq!(call, Call::Connect, "only connect goes on after EINTR");
    if interrupt {
        Err(io::Error::from_raw_os_error(libc::EINTR))
    } else {
        result
    }
}

pub(super) fn length(_call: Call, len: usize) -> usize {
    if len < 2 {
        return len;
    }
    roll(|dice| {
        if dice.hit() {
            dice.injected.short += 1;
            1 + dice.below(len as u64 - 1) as usize
        } else {
            len
        }
    })
    .unwrap_or(len)
}

pub(super) fn spurious_wake() -> bool {
    roll(|dice| {
        let hit = dice.hit();
        if hit {
            dice.injected.spurious_wakes += 1;
        }
        hit
    })
    .unwrap_or(false)
}

pub(super) fn wrap(selector: Box<dyn crate::sys::Selector>) -> Box<dyn crate::sys::Selector> {
    match seed_for_selector() {
        Some((seed, rate)) => Box::new(Spurious::new(selector, seed, rate)),
        None => selector,
    }
}

fn is_nonblocking(fd: RawFd) -> bool {
    // SAFETY: F_GETFL only reads the flags of `fd`, which the caller is
    // about to use in a call of its own; a closed fd is an error, not UB.
    crate::syscall!(fcntl(fd, libc::F_GETFL)).is_ok_and(|flags| flags & libc::O_NONBLOCK != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_bad_ones_say_what_is_allowed() {
        let s = parse("42").unwrap();
        assert_eq!((s.seed, s.rate), (42, DEFAULT_RATE));
        let s = parse("7:0.5").unwrap();
        assert_eq!((s.seed, s.rate), (7, 0.5));
        assert!(parse("x").err().unwrap().contains("SEED or SEED:RATE"));
        assert!(parse("1:2").err().unwrap().contains("from 0 to 1"));
    }

    #[test]
    fn the_same_seed_and_name_roll_the_same_dice() {
        let settings = Settings { seed: 9, rate: 0.3 };
        let mut a = Dice::new(&settings);
        let mut b = Dice::new(&settings);
        let rolls_a: Vec<bool> = (0..100).map(|_| a.hit()).collect();
        let rolls_b: Vec<bool> = (0..100).map(|_| b.hit()).collect();
        assert_eq!(rolls_a, rolls_b);
        let hits = rolls_a.iter().filter(|&&h| h).count();
        assert!((10..=50).contains(&hits), "about 30 in 100: {hits}");
    }
}
