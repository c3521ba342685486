//! The chat server: a room, and a protocol per member (chapter 12).
//!
//! ```text
//!   app        Room: members, nicknames, broadcast, who is slow
//!   protocol   ChatProtocol: lines in, commands and messages out
//!   transport  ghetto-loop's Transport: buffering, flow control, closing
//!   loop       ghetto-loop's event loop
//! ```
//!
//! A client types lines. `/nick NAME` picks a nickname, `/who` lists the
//! room, `/quit` leaves, anything else is said to everyone else as
//! `<nick> text`. Joins and leaves are announced with `* `, errors come back
//! to the sender alone with `! `.
//!
//! # Bad input, and what happens
//!
//! * **A line over the limit** (1 KiB by default): the sender gets
//!   `! line too long (over 1024 bytes); it was not sent`, the line is
//!   discarded as it arrives, and the client stays connected.
//! * **A line that is not UTF-8**: `! that line is not valid UTF-8; it was
//!   not sent`.
//! * **A client that never reads**: what the room sends it piles up in its
//!   transport's buffer until the high-water mark, and the transport calls
//!   `pause_writing`. From then on the room skips that member (counting what
//!   it missed) instead of buffering without bound, and stops reading what
//!   it sends (`pause_reading`): a client that does not read its replies
//!   cannot make the server produce more of them. If it reads again
//!   (`resume_writing`), it is read again and told how many messages it
//!   missed; if it is still paused after the grace period, it is
//!   disconnected and the room is told why. The others chat on throughout.
//! * **A client that vanishes mid-line** (closes or resets its connection):
//!   its unfinished line is dropped, and the room is told it left.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use ghetto_loop::event_loop::{EventLoop, LoopHandle, TimerHandle};
use ghetto_loop::protocol::{Protocol, Server, Transport, create_server};

use crate::lines::{LineSplitter, Piece};

/// The room's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChatConfig {
    /// The longest line accepted, in bytes.
    pub max_line: usize,
    /// A member's transport asks to pause writing past this many buffered
    /// bytes; the room then skips that member.
    pub high_water: usize,
    /// How long a member may stay paused before it is disconnected.
    pub grace: Duration,
}

impl Default for ChatConfig {
    fn default() -> ChatConfig {
        ChatConfig {
            max_line: 1024,
            high_water: 64 * 1024,
            grace: Duration::from_secs(5),
        }
    }
}

/// What the room has seen, for the demo's summary and the tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChatStats {
    /// Members who joined.
    pub joined: u64,
    /// Members who left (for any reason).
    pub left: u64,
    /// Members disconnected for not reading.
    pub dropped_slow: u64,
    /// Lines refused: too long or not UTF-8.
    pub refused_lines: u64,
    /// Chat lines said (and broadcast).
    pub said: u64,
    /// Messages skipped because their member was paused.
    pub skipped: u64,
    /// The most bytes any member's transport ever had buffered.
    pub largest_buffer: usize,
}

/// A running chat server: its listener and its room.
pub struct Chat {
    server: Server,
    room: Rc<RefCell<Room>>,
}

impl Chat {
    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// What the room has seen so far.
    pub fn stats(&self) -> ChatStats {
        self.room.borrow().stats
    }

    /// How many members are in the room.
    pub fn members(&self) -> usize {
        self.room.borrow().members.len()
    }

    /// Stops accepting; the members already in go on.
    pub fn close(&self) {
        self.server.close();
    }
}

impl std::fmt::Debug for Chat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chat")
            .field("server", &self.server)
            .field("members", &self.members())
            .field("stats", &self.stats())
            .finish()
    }
}

/// Starts a chat server on `addr`, on the loop of `lp`. `log` is told what
/// happens in the room (joins, leaves, drops), one line at a time.
pub fn start(
    lp: &LoopHandle,
    addr: SocketAddr,
    config: ChatConfig,
    log: impl Fn(&str) + 'static,
) -> io::Result<Chat> {
    let room = Rc::new(RefCell::new(Room {
        config,
        members: BTreeMap::new(),
        next_id: 1,
        log: Box::new(log),
        stats: ChatStats::default(),
    }));
    let (lp2, room2) = (lp.clone(), room.clone());
    let server = create_server(
        lp,
        move || ChatProtocol {
            lp: lp2.clone(),
            room: room2.clone(),
            id: 0,
            lines: LineSplitter::new(config.max_line),
            transport: None,
        },
        addr,
    )?;
    Ok(Chat { server, room })
}

/// Binds `addr`, announces it, and runs the chat until killed; what happens
/// in the room is printed on stdout.
pub fn serve(addr: SocketAddr) -> anyhow::Result<()> {
    ghetto_loop::sys::raise_fd_limit()?;
    let lp = EventLoop::new()?;
    let chat = start(&lp, addr, ChatConfig::default(), |line| println!("{line}"))?;
    course::cli::announce_listening(chat.local_addr());
    lp.run_forever()?;
    Ok(())
}

/// Everyone connected, and what they share.
struct Room {
    config: ChatConfig,
    /// By member id, in order of arrival.
    members: BTreeMap<u64, Member>,
    /// The next member id (also the number in `guest-N`).
    next_id: u64,
    log: Box<dyn Fn(&str)>,
    stats: ChatStats,
}

struct Member {
    nick: String,
    transport: Transport,
    /// The transport asked to pause writing: skip this member.
    paused: bool,
    /// Messages skipped while paused.
    missed: u64,
    /// Disconnects this member when the grace period ends, while paused.
    grace_timer: Option<TimerHandle>,
    /// Why the room disconnected this member, for the leave notice.
    dropped_because: Option<String>,
}

/// Messages to send once the room is no longer borrowed: a transport's
/// `write` may call back into a protocol, which borrows the room.
type Deliveries = Vec<(Transport, Rc<str>)>;

impl Room {
    /// Queues `message` to every member but `except` that is not paused.
    fn broadcast(&mut self, except: Option<u64>, message: &str, out: &mut Deliveries) {
        let message: Rc<str> = Rc::from(message);
        for (id, member) in &mut self.members {
            if Some(*id) == except {
                continue;
            }
            if member.paused {
                member.missed += 1;
                self.stats.skipped += 1;
            } else {
                out.push((member.transport.clone(), message.clone()));
            }
        }
    }

    fn nick(&self, id: u64) -> String {
        self.members
            .get(&id)
            .map_or_else(|| format!("guest-{id}"), |m| m.nick.clone())
    }
}

/// Sends `deliveries`, then records the largest transport buffer seen.
fn deliver(room: &RefCell<Room>, deliveries: Deliveries) {
    let mut largest = 0;
    for (transport, message) in deliveries {
        transport.write(message.as_bytes());
        largest = largest.max(transport.write_buffer_size());
    }
    let mut room = room.borrow_mut();
    room.stats.largest_buffer = room.stats.largest_buffer.max(largest);
}

/// One member's connection.
struct ChatProtocol {
    lp: LoopHandle,
    room: Rc<RefCell<Room>>,
    /// The member id (0 until `connection_made`).
    id: u64,
    lines: LineSplitter,
    transport: Option<Transport>,
}

impl Protocol for ChatProtocol {
    fn connection_made(&mut self, transport: Transport) {
        let mut out = Vec::new();
        {
            let mut room = self.room.borrow_mut();
            // Cannot fail: high >= its own quarter.
            let _ = transport.set_write_buffer_limits(room.config.high_water, None);
            let id = room.next_id;
            room.next_id += 1;
            room.stats.joined += 1;
            let nick = format!("guest-{id}");
            self.id = id;
            (room.log)(&format!("{nick} joined from {}", transport.peer_addr()));
            out.push((
                transport.clone(),
                Rc::from(format!(
                    "* welcome, {nick}! /nick NAME to pick a name, /who to see who is here, /quit to leave\n"
                )),
            ));
            room.broadcast(None, &format!("* {nick} joined\n"), &mut out);
            room.members.insert(
                id,
                Member {
                    nick,
                    transport: transport.clone(),
                    paused: false,
                    missed: 0,
                    grace_timer: None,
                    dropped_because: None,
                },
            );
        }
        self.transport = Some(transport);
        deliver(&self.room, out);
    }

    fn data_received(&mut self, data: &[u8]) {
        let mut pieces = Vec::new();
        self.lines.feed(data, |piece| pieces.push(piece));
        for piece in pieces {
            match piece {
                Piece::Line(line) => self.on_line(line.trim()),
                Piece::TooLong => {
                    let max = self.room.borrow().config.max_line;
                    self.refuse(&format!("line too long (over {max} bytes)"));
                }
                Piece::NotUtf8 => self.refuse("that line is not valid UTF-8"),
            }
        }
    }

    fn connection_lost(&mut self, error: Option<io::Error>) {
        let mut out = Vec::new();
        {
            let mut room = self.room.borrow_mut();
            let Some(member) = room.members.remove(&self.id) else {
                return;
            };
            if let Some(timer) = member.grace_timer {
                timer.cancel();
            }
            room.stats.left += 1;
            let notice = match (member.dropped_because, error) {
                (Some(why), _) => format!("* {} was disconnected: {why}", member.nick),
                (None, None) => format!("* {} left", member.nick),
                (None, Some(e)) => format!("* {} left ({})", member.nick, lost_because(&e)),
            };
            (room.log)(&notice[2..]);
            room.broadcast(None, &format!("{notice}\n"), &mut out);
        }
        self.transport = None;
        deliver(&self.room, out);
    }

    fn pause_writing(&mut self) {
        let mut room = self.room.borrow_mut();
        let grace = room.config.grace;
        let Some(member) = room.members.get_mut(&self.id) else {
            return;
        };
        member.paused = true;
        // Its requests wait in the kernel until it reads our answers.
        member.transport.pause_reading();
        let (room_rc, id) = (self.room.clone(), self.id);
        member.grace_timer = Some(
            self.lp
                .call_later(grace, move || drop_if_still_paused(&room_rc, id)),
        );
        let nick = member.nick.clone();
        (room.log)(&format!(
            "{nick} is not reading: {} KiB waiting; skipping it for up to {:.1} s",
            room.config.high_water / 1024,
            grace.as_secs_f64()
        ));
    }

    fn resume_writing(&mut self) {
        let missed = {
            let mut room = self.room.borrow_mut();
            let Some(member) = room.members.get_mut(&self.id) else {
                return;
            };
            member.paused = false;
            member.transport.resume_reading();
            if let Some(timer) = member.grace_timer.take() {
                timer.cancel();
            }
            std::mem::take(&mut member.missed)
        };
        if missed > 0 {
            self.reply(&format!(
                "! you missed {missed} messages while you were not reading\n"
            ));
        }
    }
}

impl ChatProtocol {
    fn on_line(&mut self, line: &str) {
        if line.is_empty() {
            return;
        }
        let (command, arg) = match line.split_once(' ') {
            Some((c, a)) => (c, a.trim()),
            None => (line, ""),
        };
        match command {
            "/nick" => self.rename(arg),
            "/who" => {
                let room = self.room.borrow();
                let mut list = String::from("* here:");
                for (i, member) in room.members.values().enumerate() {
                    let _ = write!(list, "{} {}", if i == 0 { "" } else { "," }, member.nick);
                }
                let _ = writeln!(list, " ({})", room.members.len());
                drop(room);
                self.reply(&list);
            }
            "/quit" => {
                self.reply("* bye\n");
                if let Some(t) = &self.transport {
                    t.close();
                }
            }
            _ if command.starts_with('/') => self.reply(&format!(
                "! unknown command {command}; try /nick NAME, /who or /quit\n"
            )),
            _ => {
                let mut out = Vec::new();
                {
                    let mut room = self.room.borrow_mut();
                    room.stats.said += 1;
                    let message = format!("<{}> {line}\n", room.nick(self.id));
                    room.broadcast(Some(self.id), &message, &mut out);
                }
                deliver(&self.room, out);
            }
        }
    }

    fn rename(&mut self, new: &str) {
        let valid = (1..=16).contains(&new.chars().count())
            && new
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return self
                .reply("! a nickname is 1 to 16 letters, digits, '-' or '_'; try /nick alice\n");
        }
        let mut out = Vec::new();
        {
            let mut room = self.room.borrow_mut();
            if room.members.values().any(|m| m.nick == new) {
                drop(room);
                return self.reply(&format!("! the nickname {new} is taken\n"));
            }
            let old = room.nick(self.id);
            if let Some(member) = room.members.get_mut(&self.id) {
                member.nick = new.to_owned();
            }
            (room.log)(&format!("{old} is now {new}"));
            room.broadcast(None, &format!("* {old} is now {new}\n"), &mut out);
        }
        deliver(&self.room, out);
    }

    fn refuse(&mut self, why: &str) {
        self.room.borrow_mut().stats.refused_lines += 1;
        self.reply(&format!("! {why}; it was not sent\n"));
    }

    /// To this member alone; skipped (and counted) while it is paused, like
    /// a broadcast.
    fn reply(&self, message: &str) {
        {
            let mut room = self.room.borrow_mut();
            let room = &mut *room;
            if let Some(member) = room.members.get_mut(&self.id) {
                if member.paused {
                    member.missed += 1;
                    room.stats.skipped += 1;
                    return;
                }
            }
        }
        if let Some(t) = &self.transport {
            t.write(message.as_bytes());
        }
    }
}

/// How a connection ended, in words for the room.
fn lost_because(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionReset => "the connection was reset".to_owned(),
        io::ErrorKind::BrokenPipe => "the connection broke".to_owned(),
        _ => format!("connection lost: {error}"),
    }
}

/// The grace timer: disconnect the member if it is still not reading.
fn drop_if_still_paused(room: &RefCell<Room>, id: u64) {
    let transport = {
        let mut room = room.borrow_mut();
        let Some(member) = room.members.get_mut(&id) else {
            return;
        };
        member.grace_timer = None;
        if !member.paused {
            return;
        }
        let why = format!("not reading ({} messages missed)", member.missed);
        member.dropped_because = Some(why);
        let transport = member.transport.clone();
        room.stats.dropped_slow += 1;
        transport
    };
    // Its buffer is of no use to anyone: abort, do not wait for it to drain.
    // The leave notice comes with connection_lost.
    transport.abort();
}
