//! Stack ripping: an error inside a callback chain, and the context it
//! loses (chapter 11).
//!
//! The same request handler twice. Straight-line code keeps its callers on
//! the stack: when `render` fails, `handle_request` is still there to add
//! "for user 42" to the error and return it. The callback version splits the
//! handler at every wait ("rips" its stack into pieces, in the words of
//! Adya et al., 2002): `handle_request_cb` schedules the load and returns;
//! the next piece runs later, called by the loop. When the last piece fails,
//! its stack holds the failing callback and the loop, nothing else. There is
//! no caller to return the error to, and the context that said which request
//! it was is gone. All that is left is what ghetto-loop records when a
//! callback is scheduled: one source location.

use std::backtrace::Backtrace;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use ghetto_loop::event_loop::{EventLoop, LoopHandle};

/// How long the pretend database takes to answer.
pub const LOAD_TIME: Duration = Duration::from_millis(10);

/// A user profile as the pretend database returns it.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Whose profile.
    pub user: u32,
    /// The display name; the broken record has none.
    pub name: Option<String>,
}

/// What a run of either version saw at the moment of the error.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Of the handler's own functions, those on the stack when the error
    /// happened, innermost first.
    pub on_stack: Vec<&'static str>,
    /// The error as the caller of the handler got it.
    pub error: String,
}

// ---- straight-line: the caller is on the stack ----

/// Loads and renders `user`'s page. On failure, the error says which step
/// failed for which user, because every caller adds its part on the way up.
#[inline(never)]
pub fn handle_request(user: u32, seen: &mut Vec<&'static str>) -> anyhow::Result<String> {
    let profile = load_profile(user).context("loading the profile")?;
    render(&profile, seen).with_context(|| format!("handling the request for user {user}"))
}

#[inline(never)]
fn load_profile(user: u32) -> anyhow::Result<Profile> {
    Ok(Profile { user, name: None })
}

#[inline(never)]
fn render(profile: &Profile, seen: &mut Vec<&'static str>) -> anyhow::Result<String> {
    *seen = functions_on_stack(&["render", "handle_request"]);
    render_page(profile).context("rendering the page")
}

// ---- callbacks: the caller returned long ago ----

/// The same handler as callbacks: ask for the profile, and render it when
/// it arrives. Returns at once; `on_page` is called with the page later.
#[inline(never)]
pub fn handle_request_cb(
    lp: &LoopHandle,
    user: u32,
    seen: Rc<RefCell<Vec<&'static str>>>,
    on_page: impl FnOnce(String) + 'static,
) {
    let lp2 = lp.clone();
    // The database answers after LOAD_TIME: a timer stands in for a reader
    // on its socket.
    lp.call_later(LOAD_TIME, move || {
        load_profile_cb(&lp2, Profile { user, name: None }, seen, on_page)
    });
}

#[inline(never)]
fn load_profile_cb(
    lp: &LoopHandle,
    profile: Profile,
    seen: Rc<RefCell<Vec<&'static str>>>,
    on_page: impl FnOnce(String) + 'static,
) {
    lp.call_soon(move || render_cb(profile, seen, on_page));
}

#[inline(never)]
fn render_cb(profile: Profile, seen: Rc<RefCell<Vec<&'static str>>>, on_page: impl FnOnce(String)) {
    *seen.borrow_mut() = functions_on_stack(&["render_cb", "load_profile_cb", "handle_request_cb"]);
    // A callback returns `()`: there is nobody to give the error to. The
    // code a beginner writes here is this, and the loop catches the panic.
    match render_page(&profile) {
        Ok(page) => on_page(page),
        Err(e) => panic!("rendering the page: {e}"),
    }
}

/// The step that fails, in both versions.
fn render_page(profile: &Profile) -> anyhow::Result<String> {
    match &profile.name {
        Some(name) => Ok(format!("<h1>{name}</h1>")),
        None => Err(anyhow!("the profile has no \"name\" field")),
    }
}

/// Runs the straight-line version for `user`.
pub fn straight_line(user: u32) -> Seen {
    let mut on_stack = Vec::new();
    let error = match handle_request(user, &mut on_stack) {
        Ok(page) => format!("no error: {page}"),
        // `{:#}` prints the whole chain of context, outermost first.
        Err(e) => format!("{e:#}"),
    };
    Seen { on_stack, error }
}

/// Runs the callback version for `user` on `lp`, to completion or failure.
pub fn callbacks(lp: &EventLoop, user: u32) -> Seen {
    let on_stack = Rc::new(RefCell::new(Vec::new()));
    let seen = on_stack.clone();
    let handle = lp.handle();
    let result = lp.run_until_complete(move |done| {
        handle_request_cb(&handle, user, seen, move |page| done.set(page));
    });
    let error = match result {
        Ok(page) => format!("no error: {page}"),
        Err(e) => e.to_string(),
    };
    let on_stack = on_stack.borrow().clone();
    Seen { on_stack, error }
}

/// Which of `names` are functions on the current stack, innermost first.
///
/// A frame counts only if it is the function itself: a closure defined
/// inside `handle_request_cb` shows up as `handle_request_cb::{{closure}}`,
/// and it is not `handle_request_cb` still running.
pub fn functions_on_stack(names: &[&'static str]) -> Vec<&'static str> {
    let trace = Backtrace::force_capture().to_string();
    let mut found = Vec::new();
    for line in trace.lines() {
        // Frame lines look like "  12: ch11_event_loop::stack_ripping::render".
        let Some((_, symbol)) = line.trim().split_once(": ") else {
            continue;
        };
        for name in names {
            if symbol.ends_with(&format!("::{name}")) && !found.contains(name) {
                found.push(*name);
            }
        }
    }
    found
}
