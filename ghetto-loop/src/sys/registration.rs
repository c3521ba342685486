//! The checks every selector makes on `register`/`modify`/`deregister`, and
//! the errors they give (chapter 04; shared by the backends of chapters 04-06).
//!
//! One wording for one mistake, whichever backend caught it: the kernel's own
//! messages ("File exists (os error 17)") do not say which fd or what to do.

use std::io;
use std::os::fd::RawFd;

use super::selector::Token;

/// Refuses [`Token::DOORBELL`], which every selector keeps for its own doorbell.
pub(crate) fn check_token(token: Token) -> io::Result<()> {
    if token == Token::DOORBELL {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "Token::DOORBELL (usize::MAX) is reserved for the selector's own doorbell; pick another token",
        ));
    }
    Ok(())
}

/// `register` of an fd that is registered already.
pub(crate) fn already_registered(backend: &str, fd: RawFd) -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{backend}: fd {fd} is already registered; use modify to change its interest"),
    )
}

/// `modify` or `deregister` of an fd that is not registered.
pub(crate) fn not_registered(backend: &str, fd: RawFd) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{backend}: fd {fd} is not registered"),
    )
}
