//! The chat room's rules as a state machine (chapter 21).
//!
//! Chapter 12's chat, without the sockets: a member id and what it did go
//! in, and what to send to whom comes out ([`Deliveries`]). The shell owns
//! the connections and each member's bounded outbox; it tells the room
//! when an outbox was full ([`Room::missed`]) and when its member caught
//! up ([`Room::caught_up`]), and the room keeps the count.
//!
//! The rules: `/nick NAME` picks a nickname, `/who` lists the room, `/quit`
//! leaves, anything else is said to everyone else as `<nick> text`. Joins
//! and leaves are announced with `* `; errors go to the sender alone with
//! `! `. A line over the limit or not UTF-8 is refused with a `! ` line and
//! the member stays (chapter 12's [`LineSplitter`](ch12_protocols::lines)
//! finds them).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use ch12_protocols::lines::Piece;

/// What the room has seen: chapter 12's counters, kept the same way.
/// (`largest_buffer` stays 0 here: outboxes count messages, not bytes.)
pub use ch12_protocols::chat::ChatStats;

/// A member, by the order of arrival (also the `N` of `guest-N`).
pub type MemberId = u64;

/// Messages to send: to whom, what. One `Arc<str>` is shared by every
/// recipient of a broadcast. An `Arc`, not an `Rc`, so that the messages
/// may cross threads on a multi-thread runtime: a count kept with atomic
/// instructions, a few nanoseconds per recipient next to the write that
/// sends the message.
pub type Deliveries = Vec<(MemberId, Arc<str>)>;

/// The room's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatConfig {
    /// The longest line accepted, in bytes.
    pub max_line: usize,
    /// How many messages a member's outbox holds before the room skips it.
    pub outbox: usize,
    /// How long a member may stay behind before it is disconnected.
    pub grace: Duration,
}

impl Default for ChatConfig {
    fn default() -> ChatConfig {
        ChatConfig {
            max_line: 1024,
            outbox: 256,
            grace: Duration::from_secs(5),
        }
    }
}

/// Why a member left, for the notice the others get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leave {
    /// `/quit`.
    Quit,
    /// Its connection ended (end-of-file).
    Closed,
    /// Its connection failed; the error's words.
    Lost(String),
    /// It stopped reading for longer than the grace period.
    NotReading,
    /// The server is shutting down.
    Shutdown,
}

/// Whether the member's connection stays after a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Read on.
    Stay,
    /// It asked to leave (`/quit`): send what is queued, then close.
    Quit,
}

/// Everyone in the room, and the counters.
#[derive(Debug)]
pub struct Room {
    config: ChatConfig,
    /// By id, in order of arrival.
    members: BTreeMap<MemberId, Member>,
    next_id: MemberId,
    stats: ChatStats,
}

#[derive(Debug)]
struct Member {
    nick: String,
    /// Messages skipped since its outbox was last seen full.
    missed: u64,
}

/// The goodbye every member gets when the server shuts down.
pub const GOODBYE: &str = "* the server is shutting down; goodbye\n";

impl Room {
    /// An empty room.
    pub fn new(config: ChatConfig) -> Room {
        Room {
            config,
            members: BTreeMap::new(),
            next_id: 1,
            stats: ChatStats::default(),
        }
    }

    /// The room's limits.
    pub fn config(&self) -> &ChatConfig {
        &self.config
    }

    /// The counters.
    pub fn stats(&self) -> &ChatStats {
        &self.stats
    }

    /// How many members are in the room.
    pub fn members(&self) -> usize {
        self.members.len()
    }

    /// The ids of everyone in the room.
    pub fn ids(&self) -> Vec<MemberId> {
        self.members.keys().copied().collect()
    }

    /// A new member: its id, its welcome and the others' join notice.
    pub fn join(&mut self) -> (MemberId, Deliveries) {
        let id = self.next_id;
        self.next_id += 1;
        self.stats.joined += 1;
        let nick = format!("guest-{id}");
        let mut out = vec![(
            id,
            Arc::from(format!(
                "* welcome, {nick}! /nick NAME to pick a name, /who to see who is here, /quit to leave\n"
            )),
        )];
        self.broadcast(None, &format!("* {nick} joined\n"), &mut out);
        self.members.insert(id, Member { nick, missed: 0 });
        (id, out)
    }

    /// What member `id` sent: a line, or a line refused by the splitter.
    pub fn piece(&mut self, id: MemberId, piece: Piece) -> (Deliveries, After) {
        let mut out = Vec::new();
        if !self.members.contains_key(&id) {
            return (out, After::Stay);
        }
        match piece {
            Piece::Line(line) => return self.line(id, line.trim()),
            Piece::TooLong => {
                let why = format!("line too long (over {} bytes)", self.config.max_line);
                self.refuse(id, &why, &mut out);
            }
            Piece::NotUtf8 => self.refuse(id, "that line is not valid UTF-8", &mut out),
        }
        (out, After::Stay)
    }

    /// Member `id` is gone: the notice for the others. Nothing if it had
    /// already left.
    pub fn leave(&mut self, id: MemberId, why: &Leave) -> Deliveries {
        let mut out = Vec::new();
        let Some(member) = self.members.remove(&id) else {
            return out;
        };
        self.stats.left += 1;
        let nick = member.nick;
        let notice = match why {
            Leave::Quit | Leave::Closed => format!("* {nick} left\n"),
            Leave::Lost(error) => format!("* {nick} left ({error})\n"),
            Leave::NotReading => {
                self.stats.dropped_slow += 1;
                format!(
                    "* {nick} was disconnected: not reading ({} messages missed)\n",
                    member.missed
                )
            }
            Leave::Shutdown => return out,
        };
        self.broadcast(None, &notice, &mut out);
        out
    }

    /// Member `id`'s outbox was full: a message was skipped. Returns true
    /// for the first skip since it last caught up, when the shell starts
    /// the grace period.
    pub fn missed(&mut self, id: MemberId) -> bool {
        let Some(member) = self.members.get_mut(&id) else {
            return false;
        };
        self.stats.skipped += 1;
        member.missed += 1;
        member.missed == 1
    }

    /// Whether member `id` has skipped messages it has not caught up on.
    pub fn is_behind(&self, id: MemberId) -> bool {
        self.members.get(&id).is_some_and(|m| m.missed > 0)
    }

    /// Member `id`'s outbox has room again: if it had missed messages, the
    /// note to tell it how many.
    pub fn caught_up(&mut self, id: MemberId) -> Option<String> {
        let member = self.members.get_mut(&id)?;
        match std::mem::take(&mut member.missed) {
            0 => None,
            n => Some(format!(
                "! you missed {n} messages while you were not reading\n"
            )),
        }
    }

    fn line(&mut self, id: MemberId, line: &str) -> (Deliveries, After) {
        let mut out = Vec::new();
        if line.is_empty() {
            return (out, After::Stay);
        }
        let (command, arg) = match line.split_once(' ') {
            Some((c, a)) => (c, a.trim()),
            None => (line, ""),
        };
        match command {
            "/nick" => self.rename(id, arg, &mut out),
            "/who" => {
                let mut list = String::from("* here:");
                for (i, member) in self.members.values().enumerate() {
                    let _ = write!(list, "{} {}", if i == 0 { "" } else { "," }, member.nick);
                }
                let _ = writeln!(list, " ({})", self.members.len());
                out.push((id, Arc::from(list)));
            }
            "/quit" => {
                out.push((id, Arc::from("* bye\n")));
                out.extend(self.leave(id, &Leave::Quit));
                return (out, After::Quit);
            }
            _ if command.starts_with('/') => out.push((
                id,
                Arc::from(format!(
                    "! unknown command {command}; try /nick NAME, /who or /quit\n"
                )),
            )),
            _ => {
                self.stats.said += 1;
                let message = format!("<{}> {line}\n", self.nick(id));
                self.broadcast(Some(id), &message, &mut out);
            }
        }
        (out, After::Stay)
    }

    fn rename(&mut self, id: MemberId, new: &str, out: &mut Deliveries) {
        let valid = (1..=16).contains(&new.chars().count())
            && new
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            out.push((
                id,
                Arc::from("! a nickname is 1 to 16 letters, digits, '-' or '_'; try /nick alice\n"),
            ));
            return;
        }
        if self.members.values().any(|m| m.nick == new) {
            out.push((id, Arc::from(format!("! the nickname {new} is taken\n"))));
            return;
        }
        let old = self.nick(id);
        if let Some(member) = self.members.get_mut(&id) {
            member.nick = new.to_owned();
        }
        self.broadcast(None, &format!("* {old} is now {new}\n"), out);
    }

    fn refuse(&mut self, id: MemberId, why: &str, out: &mut Deliveries) {
        self.stats.refused_lines += 1;
        out.push((id, Arc::from(format!("! {why}; it was not sent\n"))));
    }

    /// Queues `message` to every member but `except`.
    fn broadcast(&self, except: Option<MemberId>, message: &str, out: &mut Deliveries) {
        let message: Arc<str> = Arc::from(message);
        for &id in self.members.keys() {
            if Some(id) != except {
                out.push((id, message.clone()));
            }
        }
    }

    fn nick(&self, id: MemberId) -> String {
        self.members
            .get(&id)
            .map_or_else(|| format!("guest-{id}"), |m| m.nick.clone())
    }
}
