// Exercise 04-2: one thread, many clients: the select loop. See README.md.

use std::io;

use ghetto_loop::sys::{Selector, Socket};

/// Accepts `clients` clients on `listener` and answers each one's first
/// line with `you said: LINE\n`, in the order they speak, waiting only in
/// `selector.wait`. Returns the lines (without `\n`) in the order answered.
/// Everything registered is deregistered before it returns.
pub fn answer_first_lines(
    selector: &mut dyn Selector,
    listener: &Socket,
    clients: usize,
) -> io::Result<Vec<String>> {
    todo!("register the listener, then wait, accept, read, answer, until every client is done")
}
