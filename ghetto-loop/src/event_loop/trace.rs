//! A trace of the loop, for Perfetto or `chrome://tracing` (chapter 19).
//!
//! With `GHETTO_TRACE=FILE` in the environment (or
//! [`LoopHandle::trace_to`]), the loop writes every pass, every wait in the
//! selector and every callback or task poll as a Chrome trace event (a JSON
//! array of `{"ph":"X"}` "complete" events, one per line). Open the file in
//! <https://ui.perfetto.dev> and the loop's life is a timeline: long waits
//! where it idles, and the one task poll that ran for 200 ms while every
//! other client waited.
//!
//! Off, it costs one `Cell<bool>` test per pass and per entry: no clock is
//! read and nothing is formatted. A process with several loops (a test
//! binary) writes the first loop's trace to FILE and the others to FILE.2,
//! FILE.3, ...

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::loop_handle::LoopHandle;

/// The environment variable that turns the trace on: a file to write.
pub const TRACE_ENV: &str = "GHETTO_TRACE";

/// An open trace file.
pub(crate) struct Tracer {
    out: BufWriter<File>,
    /// Time zero of the trace's timestamps.
    epoch: Instant,
    /// No event written yet (the next one needs no comma before it).
    empty: bool,
}

impl Tracer {
    /// The tracer `GHETTO_TRACE` asks for, if any. A file that cannot be
    /// created is reported on stderr, and the loop runs untraced.
    pub(crate) fn from_env() -> Option<Tracer> {
        let path = std::env::var_os(TRACE_ENV)?;
        static LOOPS: AtomicUsize = AtomicUsize::new(0);
        let mut path = PathBuf::from(path);
        let n = LOOPS.fetch_add(1, Ordering::Relaxed) + 1;
        if n > 1 {
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".{n}"));
            path = name.into();
        }
        match Tracer::create(&path) {
            Ok(tracer) => Some(tracer),
            Err(e) => {
                eprintln!(
                    "{TRACE_ENV}: cannot write a trace to {}: {e}",
                    path.display()
                );
                None
            }
        }
    }

    fn create(path: &Path) -> io::Result<Tracer> {
        let mut out = BufWriter::new(File::create(path)?);
        out.write_all(b"[\n")?;
        Ok(Tracer {
            out,
            epoch: Instant::now(),
            empty: true,
        })
    }

    /// Records that `name` (of category `cat`) ran from `start` for `dur`.
    pub(crate) fn complete(&mut self, name: &str, cat: &str, start: Instant, dur: Duration) {
        let ts = start.saturating_duration_since(self.epoch).as_nanos() as f64 / 1e3;
        let comma = if self.empty { "" } else { ",\n" };
        self.empty = false;
        // A trace is a debugging aid: a full disk loses the trace, not the
        // program.
        let _ = write!(
            self.out,
            "{comma}{{\"name\":\"{}\",\"cat\":\"{cat}\",\"ph\":\"X\",\"ts\":{ts:.3},\"dur\":{:.3},\"pid\":1,\"tid\":1}}",
            escape(name),
            dur.as_nanos() as f64 / 1e3,
        );
    }

    /// Closes the JSON array and flushes the file.
    pub(crate) fn finish(mut self) {
        let _ = self.out.write_all(b"\n]\n");
        let _ = self.out.flush();
    }
}

/// `text` as the inside of a JSON string.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

impl LoopHandle {
    /// Starts writing a trace of this loop to `path` (replacing any trace
    /// already being written, which is closed). The trace is complete once
    /// the loop is dropped.
    pub fn trace_to(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let tracer = Tracer::create(path.as_ref())?;
        let old = self.inner.instruments.tracer.replace(Some(tracer));
        self.inner.instruments.tracing.set(true);
        if let Some(old) = old {
            old.finish();
        }
        Ok(())
    }

    /// Whether a trace is being written.
    pub fn is_tracing(&self) -> bool {
        self.inner.instruments.tracing.get()
    }

    /// Records an event if tracing (the loop's pass calls this).
    pub(crate) fn trace(&self, name: &str, cat: &str, start: Instant, dur: Duration) {
        if let Some(tracer) = self.inner.instruments.tracer.borrow_mut().as_mut() {
            tracer.complete(name, cat, start, dur);
        }
    }

    /// Closes the trace (the loop is closing).
    pub(crate) fn finish_trace(&self) {
        self.inner.instruments.tracing.set(false);
        if let Some(tracer) = self.inner.instruments.tracer.take() {
            tracer.finish();
        }
    }
}
