//! The core's rules, without a network: the parser, keep-alive, routes,
//! the status JSON, the chat room, the fetcher's bookkeeping.

use std::sync::Arc;
use std::time::Duration;

use ch12_protocols::lines::Piece;
use ch21_capstone::app::chat::{After, ChatConfig, ChatStats, Leave, Room};
use ch21_capstone::app::diff::{Line, diff, render_changes};
use ch21_capstone::app::fetch::{FetchReport, ResponseReader};
use ch21_capstone::app::request::{HttpError, Method, RequestReader, Version};
use ch21_capstone::app::response::Status;
use ch21_capstone::app::routes::{Figures, respond, respond_error};
use ch21_capstone::app::status::{HttpStats, status_json};

/// What one request became: its method, target and keep-alive, or the
/// status of its error.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Parsed {
    Ok(Method, String, bool),
    Err(u16),
}

/// Feeds `chunks` one after the other, collecting every request or error.
fn parse_chunks(chunks: &[&[u8]]) -> (Vec<Parsed>, bool) {
    let mut reader = RequestReader::new(8192);
    let mut got = Vec::new();
    for chunk in chunks {
        let mut chunk = *chunk;
        while !chunk.is_empty() {
            let n = reader.feed(chunk);
            chunk = &chunk[n..];
            loop {
                match reader.next_request() {
                    Ok(Some(r)) => {
                        got.push(Parsed::Ok(r.method, r.target.to_owned(), r.keep_alive))
                    }
                    Ok(None) => break,
                    Err(e) => {
                        got.push(Parsed::Err(e.status.0));
                        return (got, false);
                    }
                }
            }
        }
    }
    let idle = reader.is_idle();
    (got, idle)
}

fn parse(bytes: &[u8]) -> Vec<Parsed> {
    parse_chunks(&[bytes]).0
}

const PIPELINED: &[u8] = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b?q=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

fn pipelined_expected() -> Vec<Parsed> {
    vec![
        Parsed::Ok(Method::Get, "/a".into(), true),
        Parsed::Ok(Method::Head, "/b?q=1".into(), true),
        Parsed::Ok(Method::Get, "/c".into(), false),
    ]
}

#[test]
fn pipelined_requests_in_one_buffer_come_out_in_order() {
    let (got, idle) = parse_chunks(&[PIPELINED]);
    assert_eq!(got, pipelined_expected());
    assert!(idle, "nothing is left over");
}

#[test]
fn input_split_at_every_byte_boundary_parses_the_same() {
    for cut in 0..=PIPELINED.len() {
        let (a, b) = PIPELINED.split_at(cut);
        assert_eq!(
            parse_chunks(&[a, b]).0,
            pipelined_expected(),
            "cut at {cut}"
        );
    }
    let bytes: Vec<&[u8]> = PIPELINED.chunks(1).collect();
    assert_eq!(
        parse_chunks(&bytes).0,
        pipelined_expected(),
        "a byte at a time"
    );
}

#[test]
fn an_incomplete_head_waits_and_is_not_idle() {
    let (got, idle) = parse_chunks(&[b"GET / HTTP/1.1\r\nHost: x\r\n"]);
    assert!(got.is_empty());
    assert!(!idle);
}

#[test]
fn bare_newlines_and_leading_empty_lines_are_accepted() {
    assert_eq!(
        parse(b"\r\n\nGET /x HTTP/1.1\nHost: y\n\n"),
        [Parsed::Ok(Method::Get, "/x".into(), true)]
    );
}

#[test]
fn keep_alive_follows_the_version_and_the_connection_header() {
    let ka = |req: &[u8]| match parse(req).as_slice() {
        [Parsed::Ok(_, _, keep)] => *keep,
        other => panic!("{other:?}"),
    };
    assert!(ka(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert!(!ka(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    ));
    assert!(!ka(
        b"GET / HTTP/1.1\r\nHost: x\r\nconnection: Keep-Alive, CLOSE\r\n\r\n"
    ));
    assert!(!ka(b"GET / HTTP/1.0\r\n\r\n"));
    assert!(ka(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    assert!(
        !ka(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n"),
        "an unread body closes"
    );
    let mut reader = RequestReader::new(100);
    reader.feed(b"GET / HTTP/1.0\r\n\r\n");
    let request = reader
        .next_request()
        .ok()
        .flatten()
        .expect("a complete request");
    assert_eq!((request.version, request.body_len), (Version::Http10, 0));
}

#[test]
fn each_bad_input_gets_its_status() {
    let status = |req: &[u8]| match parse(req).as_slice() {
        [.., Parsed::Err(code)] => *code,
        other => panic!(
            "expected an error for {:?}, got {other:?}",
            String::from_utf8_lossy(req)
        ),
    };
    assert_eq!(status(b"GET/HTTP/1.1\r\n\r\n"), 400);
    assert_eq!(status(b"GET / HTTP/1.1 extra\r\n\r\n"), 400);
    assert_eq!(status(b"GET noslash HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
    assert_eq!(status(b"GET / HTTP/1.1\r\n\r\n"), 400, "no Host");
    assert_eq!(status(b"GET / HTTP/1.1\r\nHost x\r\n\r\n"), 400, "no colon");
    assert_eq!(
        status(b"GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
        400,
        "space before the colon"
    );
    assert_eq!(status(b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"), 400);
    assert_eq!(
        status(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
        400
    );
    assert_eq!(
        status(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
        400
    );
    assert_eq!(status(b"GET / HTTX/1.1\r\nHost: x\r\n\r\n"), 400);
    assert_eq!(status(b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"), 501);
    assert_eq!(
        status(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"),
        501
    );
    assert_eq!(status(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n"), 411);
    assert_eq!(status(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505);
    assert_eq!(status(b"GET / HTTP/3\r\nHost: x\r\n\r\n"), 505);
}

#[test]
fn a_head_over_the_limit_is_431_before_it_ends() {
    let mut reader = RequestReader::new(1024);
    reader.feed(b"GET / HTTP/1.1\r\nHost: x\r\n");
    assert_eq!(reader.next_request().map(|r| r.is_some()), Ok(false));
    let mut err = None;
    for _ in 0..100 {
        reader.feed(b"X-Filler: 0123456789\r\n");
        if let Err(e) = reader.next_request() {
            err = Some(e);
            break;
        }
    }
    let err = err.expect("the limit was noticed without an end of head");
    assert_eq!(err.status, Status::HEADERS_TOO_LARGE);
    assert!(err.message.contains("1024"));
    // Exactly at the limit is fine; one byte less is not.
    let mut head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Y: ".to_vec();
    head.resize(1000, b'a');
    head.extend_from_slice(b"\r\n\r\n");
    let status = |max: usize| {
        let mut reader = RequestReader::new(max);
        reader.feed(&head);
        reader
            .next_request()
            .map(|r| r.is_some())
            .map_err(|e| e.status.0)
    };
    assert_eq!(status(head.len()), Ok(true));
    assert_eq!(status(head.len() - 1), Err(431));
}

fn answer(req: &[u8]) -> (String, bool) {
    let mut reader = RequestReader::new(8192);
    reader.feed(req);
    let stats = (ChatStats::default(), HttpStats::default());
    let figures = Figures {
        members: 0,
        chat: &stats.0,
        http: &stats.1,
    };
    let mut out = Vec::new();
    let outcome = match reader.next_request() {
        Ok(Some(r)) => respond(&r, figures, false, &mut out),
        Ok(None) => panic!("incomplete"),
        Err(e) => respond_error(&e, &mut out),
    };
    (String::from_utf8(out).unwrap(), outcome.keep_alive)
}

#[test]
fn routes_answer_and_head_has_the_same_headers_without_a_body() {
    let (get, keep) = answer(b"GET /hello/ada HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(keep);
    assert!(get.starts_with("HTTP/1.1 200 OK\r\n"), "{get}");
    assert!(get.ends_with("\r\n\r\nhello, ada\n"), "{get}");
    let (head, _) = answer(b"HEAD /hello/ada HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(head, get.trim_end_matches("hello, ada\n"));
    assert!(
        answer(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .0
            .contains("Routes:")
    );
    assert!(
        answer(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
            .0
            .starts_with("HTTP/1.1 404 ")
    );
    assert!(
        answer(b"GET /hello/a%20b HTTP/1.1\r\nHost: x\r\n\r\n")
            .0
            .starts_with("HTTP/1.1 400 ")
    );
    let (status, _) = answer(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(status.contains("Content-Type: application/json"));
}

#[test]
fn a_known_method_on_a_route_is_405_with_allow_and_keeps_the_connection() {
    let (text, keep) = answer(b"DELETE /status HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(text.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    assert!(text.contains("Allow: GET, HEAD\r\n"));
    assert!(keep);
}

#[test]
fn errors_close_with_a_one_line_body() {
    let (text, keep) = answer(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n");
    assert!(!keep);
    assert!(text.contains("Connection: close\r\n"));
    let body = text.split("\r\n\r\n").nth(1).unwrap();
    assert_eq!(body.lines().count(), 1);
    assert!(
        body.starts_with("505 HTTP Version Not Supported: HTTP/2.0 is not supported; use HTTP/1.1")
    );
    let mut out = Vec::new();
    respond_error(&HttpError::header_timeout(), &mut out);
    assert!(String::from_utf8(out).unwrap().starts_with("HTTP/1.1 408 "));
}

#[test]
fn http_10_keep_alive_is_said_out_loud() {
    let (text, keep) = answer(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert!(keep);
    assert!(text.contains("Connection: keep-alive\r\n"));
    let (text, keep) = answer(b"GET / HTTP/1.0\r\n\r\n");
    assert!(!keep);
    assert!(text.contains("Connection: close\r\n"));
}

#[test]
fn the_status_json_has_every_figure() {
    let chat = ChatStats {
        joined: 3,
        left: 1,
        said: 7,
        refused_lines: 2,
        ..ChatStats::default()
    };
    let mut http = HttpStats::default();
    for code in [200, 200, 404, 501] {
        http.record(Status(code));
    }
    assert_eq!(
        status_json(2, &chat, &http),
        "{\"chat\":{\"members\":2,\"joined\":3,\"left\":1,\"said\":7,\"refused\":2,\"dropped_slow\":0,\"skipped\":0},\
         \"http\":{\"requests\":4,\"1xx\":0,\"2xx\":2,\"3xx\":0,\"4xx\":1,\"5xx\":1}}\n"
    );
}

fn texts(out: &[(u64, Arc<str>)]) -> Vec<(u64, &str)> {
    out.iter().map(|(id, t)| (*id, &**t)).collect()
}

#[test]
fn the_chat_room_follows_chapter_12s_rules() {
    let mut room = Room::new(ChatConfig::default());
    let (a, welcome) = room.join();
    assert_eq!(welcome.len(), 1);
    assert!(welcome[0].1.starts_with("* welcome, guest-1!"));
    let (b, out) = room.join();
    assert_eq!(
        texts(&out)[1..],
        [(a, "* guest-2 joined\n"), (b, "* guest-2 joined\n")][..1]
    );
    let (out, _) = room.piece(a, Piece::Line("/nick alice".into()));
    assert_eq!(
        texts(&out),
        [
            (a, "* guest-1 is now alice\n"),
            (b, "* guest-1 is now alice\n")
        ]
    );
    let (out, _) = room.piece(b, Piece::Line("/nick alice".into()));
    assert_eq!(texts(&out), [(b, "! the nickname alice is taken\n")]);
    let (out, _) = room.piece(b, Piece::Line("/nick no spaces!".into()));
    assert!(out[0].1.starts_with("! a nickname is"));
    let (out, _) = room.piece(a, Piece::Line("  hi there  ".into()));
    assert_eq!(
        texts(&out),
        [(b, "<alice> hi there\n")],
        "said to everyone else, trimmed"
    );
    let (out, _) = room.piece(b, Piece::Line("/who".into()));
    assert_eq!(texts(&out), [(b, "* here: alice, guest-2 (2)\n")]);
    let (out, _) = room.piece(b, Piece::Line("/dance".into()));
    assert!(out[0].1.starts_with("! unknown command /dance"));
    let (out, _) = room.piece(b, Piece::TooLong);
    assert_eq!(
        texts(&out),
        [(b, "! line too long (over 1024 bytes); it was not sent\n")]
    );
    let (out, _) = room.piece(b, Piece::NotUtf8);
    assert_eq!(
        texts(&out),
        [(b, "! that line is not valid UTF-8; it was not sent\n")]
    );
    let (out, after) = room.piece(a, Piece::Line("/quit".into()));
    assert_eq!(after, After::Quit);
    assert_eq!(texts(&out), [(a, "* bye\n"), (b, "* alice left\n")]);
    assert_eq!(room.members(), 1);
    let stats = *room.stats();
    assert_eq!(
        (stats.joined, stats.left, stats.said, stats.refused_lines),
        (2, 1, 1, 2)
    );
}

#[test]
fn a_member_behind_is_counted_told_and_named_when_dropped() {
    let mut room = Room::new(ChatConfig::default());
    let (a, _) = room.join();
    let (b, _) = room.join();
    assert!(room.missed(b), "the first skip starts the grace period");
    assert!(!room.missed(b));
    assert!(room.is_behind(b));
    assert_eq!(
        room.caught_up(b).as_deref(),
        Some("! you missed 2 messages while you were not reading\n")
    );
    assert!(!room.is_behind(b));
    assert_eq!(room.caught_up(b), None);
    room.missed(b);
    let out = room.leave(b, &Leave::NotReading);
    assert_eq!(
        texts(&out),
        [(
            a,
            "* guest-2 was disconnected: not reading (1 messages missed)\n"
        )]
    );
    assert_eq!(room.stats().dropped_slow, 1);
    assert_eq!(room.stats().skipped, 3);
    assert!(
        room.leave(b, &Leave::Closed).is_empty(),
        "leaving twice says nothing"
    );
    assert!(
        room.leave(a, &Leave::Shutdown).is_empty(),
        "shutdown has its own goodbye"
    );
}

#[test]
fn responses_are_read_whole_and_in_order() {
    let mut reader = ResponseReader::default();
    let two = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let (first, second) = two.split_at(20);
    let room = reader.spare();
    room[..first.len()].copy_from_slice(first);
    reader.filled(first.len());
    assert_eq!(reader.next_response(), Ok(None));
    let room = reader.spare();
    room[..second.len()].copy_from_slice(second);
    reader.filled(second.len());
    let a = reader.next_response().unwrap().unwrap();
    let b = reader.next_response().unwrap().unwrap();
    assert_eq!(
        (a.status, a.close, b.status, b.close),
        (200, false, 404, true)
    );
    assert_eq!(reader.next_response(), Ok(None));
}

#[test]
fn the_fetch_report_counts_and_ranks() {
    let mut report = FetchReport::default();
    for ms in (1..=100).rev() {
        report.record(Ok(Duration::from_millis(ms)));
    }
    report.record(Err("timed out".into()));
    report.record(Err("timed out".into()));
    report.finish(Duration::from_secs(2));
    assert_eq!(report.completed, 100);
    assert_eq!(report.failures(), 2);
    assert_eq!(report.percentile(0.50), Duration::from_millis(50));
    assert_eq!(report.percentile(0.99), Duration::from_millis(99));
    assert_eq!(report.per_second(), 50.0);
    assert!(report.to_string().contains("timed out: 2"));
}

#[test]
fn the_diff_finds_only_what_changed() {
    let d = diff("a\nb\nc\nd\n", "a\nc\nd\ne\n");
    assert_eq!(
        d,
        [
            Line::Same("a"),
            Line::Removed("b"),
            Line::Same("c"),
            Line::Same("d"),
            Line::Added("e")
        ]
    );
    let (text, changed) = render_changes(&d);
    assert_eq!(changed, 2);
    assert_eq!(text, "@@ line 2 / 2\n-b\n@@ line 5 / 4\n+e\n");
}
