//! The live figures the app keeps, and the `/status` page that shows them
//! as JSON (chapter 21).
//!
//! The JSON is written by hand: a handful of numbers in a fixed shape need
//! no serializer, and writing them shows there is nothing to escape.

use std::fmt::Write as _;

use super::chat::ChatStats;
use super::response::Status;

/// What the HTTP server has answered so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpStats {
    /// Responses written, whatever their status.
    pub requests: u64,
    /// Responses by status class: `by_class[2]` counts the 2xx.
    pub by_class: [u64; 6],
}

impl HttpStats {
    /// Counts one response.
    pub fn record(&mut self, status: Status) {
        self.requests += 1;
        if let Some(slot) = self.by_class.get_mut(status.class()) {
            *slot += 1;
        }
    }
}

/// The `/status` JSON: the chat's members now and its counters, and the
/// HTTP counters.
///
/// ```
/// use ch21_capstone::app::{chat::ChatStats, status::{HttpStats, status_json}};
///
/// let json = status_json(2, &ChatStats::default(), &HttpStats::default());
/// assert!(json.starts_with(r#"{"chat":{"members":2,"#));
/// ```
pub fn status_json(members: usize, chat: &ChatStats, http: &HttpStats) -> String {
    let mut json = String::with_capacity(256);
    let _ = write!(
        json,
        r#"{{"chat":{{"members":{members},"joined":{},"left":{},"said":{},"refused":{},"dropped_slow":{},"skipped":{}}},"#,
        chat.joined, chat.left, chat.said, chat.refused_lines, chat.dropped_slow, chat.skipped
    );
    let _ = write!(json, r#""http":{{"requests":{}"#, http.requests);
    for class in 1..=5 {
        let _ = write!(json, r#","{class}xx":{}"#, http.by_class[class]);
    }
    json.push_str("}}\n");
    json
}
