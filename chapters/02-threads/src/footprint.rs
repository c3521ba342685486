//! What this process costs right now: threads, resident and virtual memory,
//! read from `/proc/self/status` (chapter 02).

use std::fmt;
use std::io;

/// One reading of the process's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footprint {
    /// Threads in the process (`Threads:`).
    pub threads: u64,
    /// Memory actually in RAM, in bytes (`VmRSS:`): the pages that were
    /// touched and not swapped out.
    pub resident: u64,
    /// Address space reserved, in bytes (`VmSize:`): everything mapped,
    /// touched or not. A thread's whole stack counts here from the start.
    pub virtual_size: u64,
}

impl Footprint {
    /// Reads the three numbers from one snapshot of `/proc/self/status`.
    pub fn now() -> io::Result<Footprint> {
        let status = std::fs::read_to_string("/proc/self/status")?;
        let field = |name: &str| -> io::Result<u64> {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|value| value.parse().ok())
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("no {name} in /proc/self/status"),
                    )
                })
        };
        Ok(Footprint {
            threads: field("Threads:")?,
            // /proc reports memory in KiB.
            resident: field("VmRSS:")? * 1024,
            virtual_size: field("VmSize:")? * 1024,
        })
    }
}

impl fmt::Display for Footprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} threads, {} resident, {} virtual",
            self.threads,
            Bytes(self.resident),
            Bytes(self.virtual_size)
        )
    }
}

/// A byte count printed the way people read them: `11.5 KiB`, `2.0 GiB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
        let mut value = self.0 as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit < UNITS.len() - 1 {
            value /= 1024.0;
            unit += 1;
        }
        if unit == 0 {
            write!(f, "{} B", self.0)
        } else {
            write!(f, "{value:.1} {}", UNITS[unit])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_like_people_write_them() {
        assert_eq!(Bytes(512).to_string(), "512 B");
        assert_eq!(Bytes(11 * 1024 + 512).to_string(), "11.5 KiB");
        assert_eq!(Bytes(2 << 30).to_string(), "2.0 GiB");
    }
}
