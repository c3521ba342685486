//! Chapter 08's server: every client has its own running-sum generator, fed
//! by the numbers it sends.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::thread;

use course::testing::PATIENCE;
use ghetto_loop::sys::Socket;

/// Starts the server on a free port; it runs until the test process ends.
fn start() -> std::net::SocketAddr {
    let listener = Socket::listen("127.0.0.1:0".parse().unwrap(), 16).unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || ch08_generators::server::serve_on(&listener));
    addr
}

/// A connected client whose reads give up after 10 s instead of hanging.
fn connect(addr: std::net::SocketAddr) -> (TcpStream, BufReader<TcpStream>) {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let reader = BufReader::new(stream.try_clone().unwrap());
    (stream, reader)
}

fn ask(stream: &mut TcpStream, reader: &mut BufReader<TcpStream>, line: &str) -> String {
    writeln!(stream, "{line}").unwrap();
    let mut reply = String::new();
    reader.read_line(&mut reply).unwrap();
    reply.trim_end().to_owned()
}

#[test]
fn each_client_has_its_own_sum_and_reset_throws_into_it() {
    let addr = start();
    let (mut a, mut a_in) = connect(addr);
    let (mut b, mut b_in) = connect(addr);
    assert_eq!(ask(&mut a, &mut a_in, "5"), "= 5");
    assert_eq!(ask(&mut b, &mut b_in, "100"), "= 100");
    assert_eq!(ask(&mut a, &mut a_in, "3"), "= 8");
    assert_eq!(ask(&mut a, &mut a_in, "reset"), "= 0");
    assert_eq!(ask(&mut a, &mut a_in, "10"), "= 10");
    assert_eq!(ask(&mut b, &mut b_in, "-1"), "= 99");
    assert_eq!(ask(&mut a, &mut a_in, "end"), "sum of 1 numbers: 10, bye");
    assert_eq!(ask(&mut b, &mut b_in, "end"), "sum of 2 numbers: 99, bye");
}

#[test]
fn garbage_gets_an_error_and_the_session_goes_on() {
    let addr = start();
    let (mut c, mut c_in) = connect(addr);
    assert!(ask(&mut c, &mut c_in, "twelve").contains("not a whole number"));
    assert_eq!(ask(&mut c, &mut c_in, "12"), "= 12");
}

#[test]
fn a_line_that_is_too_long_ends_the_session_with_a_reason() {
    let addr = start();
    let (mut c, mut c_in) = connect(addr);
    // One byte over the limit and no newline yet: the server has read all
    // of it when it answers, so its close is a clean end-of-file.
    let long = "9".repeat(ch08_generators::server::MAX_LINE + 1);
    c.write_all(long.as_bytes()).unwrap();
    let mut reply = String::new();
    c_in.read_line(&mut reply).unwrap();
    assert!(reply.contains("at most"), "{reply}");
    // ...and the server still serves others.
    let (mut d, mut d_in) = connect(addr);
    assert_eq!(ask(&mut d, &mut d_in, "1"), "= 1");
}

#[test]
fn end_of_input_completes_the_generator() {
    let addr = start();
    let (mut c, mut c_in) = connect(addr);
    assert_eq!(ask(&mut c, &mut c_in, "2"), "= 2");
    c.shutdown(std::net::Shutdown::Write).unwrap();
    let mut reply = String::new();
    c_in.read_line(&mut reply).unwrap();
    assert_eq!(reply.trim_end(), "sum of 1 numbers: 2, bye");
}
