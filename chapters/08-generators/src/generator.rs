//! The `Generator` trait: a function you can pause and resume (chapter 08).
//!
//! A Python generator is a function with `yield` in it. Calling it runs
//! nothing; each `send(value)` runs it up to the next `yield`, which hands a
//! value back and pauses, until the function returns. Rust has the same thing
//! on nightly only (`std::ops::Coroutine`), so this chapter writes generators
//! by hand: a struct holds every local that must survive a pause, an enum
//! says at which `yield` it paused, and `resume` is the function body cut
//! into pieces at those `yield`s. That is exactly what the compiler does with
//! an `async fn` (chapter 13).
//!
//! Ours take `&mut self`, where the nightly trait takes `Pin<&mut Self>`. A
//! compiler-made generator may keep a reference to one of its own locals
//! across a `yield`, so it must never move once started; ours own their state
//! and borrow nothing from themselves, so moving them is harmless.

use std::error::Error as StdError;

/// What one [`Generator::resume`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratorState<Y, R> {
    /// The generator paused at a `yield` and handed out this value; resume
    /// it to go on.
    Yielded(Y),
    /// The generator ran to its end and returned this value. It is finished:
    /// resuming it again is a bug in the caller (ours panic, as Rust's own
    /// coroutines do).
    Complete(R),
}

/// An error thrown into a generator with [`Generator::throw`]: any error
/// type will do, as any exception will do for Python's `gen.throw(exc)`.
pub type Error = Box<dyn StdError + Send + Sync + 'static>;

/// A resumable function: `resume(sent)` runs it to its next `yield` or to
/// its end.
///
/// `Sent` is what the caller sends in with each resume (Python's
/// `gen.send(value)`); it is `()` for generators that only hand values out.
/// Unlike Python, there is no priming `send(None)`: the first resume starts
/// the generator, and the value it carries is the first value the generator
/// receives (nightly Rust's coroutines work the same way).
///
/// ```
/// use ch08_generators::{Fib, Generator, GeneratorState::*};
///
/// let mut fib = Fib::new(3);
/// assert_eq!(fib.resume(()), Yielded(0));
/// assert_eq!(fib.resume(()), Yielded(1));
/// assert_eq!(fib.resume(()), Yielded(1));
/// assert_eq!(fib.resume(()), Complete(()));
/// ```
pub trait Generator<Sent = ()> {
    /// What the generator hands out at each `yield`.
    type Yield;
    /// What it returns when it finishes (Python: `StopIteration.value`).
    type Return;

    /// Runs the generator until its next `yield` or its end, sending it
    /// `sent`.
    fn resume(&mut self, sent: Sent) -> GeneratorState<Self::Yield, Self::Return>;

    /// Raises `error` where the generator is paused (Python:
    /// `gen.throw(exc)`).
    ///
    /// * `Ok(state)`: the generator handled the error and went on to its next
    ///   `yield` or to its end.
    /// * `Err(error)`: it did not handle it. The error comes back to the
    ///   caller and the generator is finished, as in Python, where an
    ///   exception that escapes a generator ends it: drop it.
    ///
    /// The default does not handle anything: a generator that can recover
    /// from an error overrides this.
    fn throw(&mut self, error: Error) -> Result<GeneratorState<Self::Yield, Self::Return>, Error> {
        Err(error)
    }

    /// Stops the generator for good (Python: `gen.close()`).
    ///
    /// Python raises `GeneratorExit` at the paused `yield` so that `finally`
    /// blocks run. In Rust the same job is done by `Drop`: closing is
    /// dropping, and every value the generator holds (files, sockets, a
    /// sub-generator it delegates to) is cleaned up on the spot. One thing is
    /// lost: Python's generator may still run code of its own while closing;
    /// ours can only run destructors.
    fn close(self)
    where
        Self: Sized,
    {
        drop(self)
    }
}

/// A boxed generator is a generator: the recursive tree walk and the
/// schedulers of chapters 09 and 10 keep generators of different types
/// behind a `Box<dyn Generator>`.
impl<Sent, G: Generator<Sent> + ?Sized> Generator<Sent> for Box<G> {
    type Yield = G::Yield;
    type Return = G::Return;

    fn resume(&mut self, sent: Sent) -> GeneratorState<G::Yield, G::Return> {
        (**self).resume(sent)
    }

    fn throw(&mut self, error: Error) -> Result<GeneratorState<G::Yield, G::Return>, Error> {
        (**self).throw(error)
    }
}

/// A generator borrowed mutably is a generator, so a sub-generator reached
/// through a `&mut` can be resumed in place (as with `Iterator for &mut I`).
impl<Sent, G: Generator<Sent> + ?Sized> Generator<Sent> for &mut G {
    type Yield = G::Yield;
    type Return = G::Return;

    fn resume(&mut self, sent: Sent) -> GeneratorState<G::Yield, G::Return> {
        (**self).resume(sent)
    }

    fn throw(&mut self, error: Error) -> Result<GeneratorState<G::Yield, G::Return>, Error> {
        (**self).throw(error)
    }
}

/// Python's `result = yield from sub`, for a hand-written `resume`.
///
/// Resumes `sub` with `sent`. If it yields, the enclosing `resume` returns
/// the same value at once (so the caller sees the sub-generator's values as
/// if they were ours); if it completes, the macro evaluates to its return
/// value and the enclosing `resume` goes on. Keep `sub` in the generator's
/// state, so the next resume comes back to the same place and forwards again.
///
/// ```
/// use ch08_generators::{yield_from, Fib, Generator, GeneratorState::{self, *}};
///
/// /// Yields fib(n) and then says how many values that was.
/// struct Counted(Fib, u32);
///
/// impl Generator for Counted {
///     type Yield = u64;
///     type Return = u32;
///     fn resume(&mut self, (): ()) -> GeneratorState<u64, u32> {
///         let () = yield_from!(self.0, ());
///         Complete(self.1)
///     }
/// }
///
/// let mut g = Counted(Fib::new(2), 2);
/// assert_eq!(g.resume(()), Yielded(0));
/// assert_eq!(g.resume(()), Yielded(1));
/// assert_eq!(g.resume(()), Complete(2));
/// ```
///
/// The same shape, `match poll { Pending => return Pending, Ready(v) => v }`,
/// is what `.await` turns into (chapter 13).
#[macro_export]
macro_rules! yield_from {
    ($sub:expr, $sent:expr) => {
        match $crate::Generator::resume(&mut $sub, $sent) {
            $crate::GeneratorState::Yielded(value) => {
                return $crate::GeneratorState::Yielded(value);
            }
            $crate::GeneratorState::Complete(result) => result,
        }
    };
}

/// A generator that takes nothing and returns nothing, used as an iterator:
/// Python's `for x in gen`. Built by [`iter`].
#[derive(Debug)]
pub struct Iter<G> {
    /// `None` once the generator completed, so it is never resumed again.
    generator: Option<G>,
}

/// Turns a generator into an iterator over what it yields.
///
/// ```
/// use ch08_generators::{iter, Fib};
/// let first: Vec<u64> = iter(Fib::new(6)).collect();
/// assert_eq!(first, [0, 1, 1, 2, 3, 5]);
/// ```
pub fn iter<G: Generator<(), Return = ()>>(generator: G) -> Iter<G> {
    Iter {
        generator: Some(generator),
    }
}

impl<G: Generator<(), Return = ()>> Iterator for Iter<G> {
    type Item = G::Yield;

    fn next(&mut self) -> Option<G::Yield> {
        match self.generator.as_mut()?.resume(()) {
            GeneratorState::Yielded(value) => Some(value),
            GeneratorState::Complete(()) => {
                self.generator = None;
                None
            }
        }
    }
}
