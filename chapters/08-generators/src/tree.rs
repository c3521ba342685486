//! A recursive generator: walking a binary tree in order (chapter 08).
//!
//! The Python this stands for:
//!
//! ```python
//! def walk(node):
//!     if node is None:
//!         return 0
//!     left = yield from walk(node.left)
//!     yield node.value
//!     right = yield from walk(node.right)
//!     return left + 1 + right          # how many values this subtree had
//! ```
//!
//! Each level delegates to a walk of its children, so a value deep in the tree
//! travels up through every level's `yield_from!` on its way out, and each
//! level's return value (the size of its subtree) comes back to its parent.
//!
//! The child walk must be boxed: a `Walk` that held a `Walk` by value would be
//! a type of infinite size. Recursive `async fn`s need a `Box` for the same
//! reason.

use std::fmt;

use crate::generator::{Generator, GeneratorState};
use crate::yield_from;

/// A binary tree with a value in every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tree<T> {
    /// No node.
    Empty,
    /// A node: left subtree, value, right subtree.
    Node(Box<Tree<T>>, T, Box<Tree<T>>),
}

impl<T: Ord> Tree<T> {
    /// A search tree holding `values` in the order given (no balancing:
    /// this is a prop for the walk).
    pub fn from_values(values: impl IntoIterator<Item = T>) -> Tree<T> {
        let mut tree = Tree::Empty;
        for value in values {
            tree.insert(value);
        }
        tree
    }

    /// Puts `value` where an in-order walk will find it in sorted order.
    pub fn insert(&mut self, value: T) {
        let mut slot = self;
        while let Tree::Node(left, here, right) = slot {
            slot = if value < *here { left } else { right };
        }
        *slot = Tree::Node(Box::new(Tree::Empty), value, Box::new(Tree::Empty));
    }
}

impl<T> Tree<T> {
    /// A generator over the values, smallest first, that returns their count.
    ///
    /// ```
    /// use ch08_generators::{iter, Generator, GeneratorState::*, Tree};
    ///
    /// let tree = Tree::from_values([2, 1, 3]);
    /// let mut walk = tree.walk();
    /// assert_eq!(walk.resume(()), Yielded(&1));
    /// assert_eq!(walk.resume(()), Yielded(&2));
    /// assert_eq!(walk.resume(()), Yielded(&3));
    /// assert_eq!(walk.resume(()), Complete(3));
    /// ```
    pub fn walk(&self) -> Walk<'_, T> {
        Walk {
            state: State::Start(self),
        }
    }
}

/// An in-order walk over a [`Tree`]: yields `&T`, returns how many it yielded.
pub struct Walk<'t, T> {
    state: State<'t, T>,
}

/// Where a [`Walk`] is paused. Each variant is one place in the Python above.
enum State<'t, T> {
    /// Not started: at the top of `walk(node)`.
    Start(&'t Tree<T>),
    /// In `left = yield from walk(node.left)`.
    Left {
        /// The walk of the left subtree we delegate to.
        child: Box<Walk<'t, T>>,
        /// The node whose value comes next.
        value: &'t T,
        /// Its right subtree, walked after the value.
        right: &'t Tree<T>,
    },
    /// Paused at `yield node.value`; `left` is what the left walk returned.
    Value {
        /// The size of the left subtree.
        left: usize,
        /// The right subtree, walked next.
        right: &'t Tree<T>,
    },
    /// In `right = yield from walk(node.right)`.
    Right {
        /// The size of the left subtree (plus this node, once we return).
        left: usize,
        /// The walk of the right subtree we delegate to.
        child: Box<Walk<'t, T>>,
    },
    /// Returned.
    Done,
}

impl<'t, T> Generator for Walk<'t, T> {
    type Yield = &'t T;
    type Return = usize;

    fn resume(&mut self, (): ()) -> GeneratorState<&'t T, usize> {
        // Each turn of the loop moves to the next state; every `return` is a
        // `yield` (or the final `return`) of the Python version.
        loop {
            match &mut self.state {
                State::Start(tree) => match *tree {
                    Tree::Empty => {
                        self.state = State::Done;
                        return GeneratorState::Complete(0);
                    }
                    Tree::Node(left, value, right) => {
                        self.state = State::Left {
                            child: Box::new(left.walk()),
                            value,
                            right,
                        };
                    }
                },
                State::Left {
                    child,
                    value,
                    right,
                } => {
                    let left = yield_from!(**child, ());
                    let (value, right) = (*value, *right);
                    self.state = State::Value { left, right };
                    return GeneratorState::Yielded(value);
                }
                State::Value { left, right } => {
                    let (left, right) = (*left, *right);
                    self.state = State::Right {
                        left,
                        child: Box::new(right.walk()),
                    };
                }
                State::Right { left, child } => {
                    let right = yield_from!(**child, ());
                    let count = *left + 1 + right;
                    self.state = State::Done;
                    return GeneratorState::Complete(count);
                }
                State::Done => panic!("Walk resumed after it completed"),
            }
        }
    }
}

impl<T> fmt::Debug for Walk<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = match &self.state {
            State::Start(_) => "start",
            State::Left { .. } => "walking left",
            State::Value { .. } => "at a value",
            State::Right { .. } => "walking right",
            State::Done => "done",
        };
        f.debug_struct("Walk").field("state", &at).finish()
    }
}
