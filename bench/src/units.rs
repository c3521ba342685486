//! Numbers as the report prints them: `41.2k`, `312 µs`, `9.1 KiB`.

/// A count with a k/M suffix: `1`, `950`, `1k`, `12.5k`, `1.2M`.
pub fn count(v: f64) -> String {
    let (scaled, suffix) = if v.abs() >= 1e6 {
        (v / 1e6, "M")
    } else if v.abs() >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let digits = if scaled.abs() >= 100.0 || scaled.fract() == 0.0 {
        0
    } else {
        1
    };
    let text = format!("{scaled:.digits$}");
    // 9.96k would print as 10.0k; keep it short.
    format!("{}{suffix}", text.strip_suffix(".0").unwrap_or(&text))
}

/// An integer with thousands separators: `10,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration given in nanoseconds: `850 ns`, `3.4 µs`, `312 µs`, `1.25 ms`, `2.1 s`.
pub fn nanos(ns: f64) -> String {
    let (value, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    format!("{} {unit}", three_figures(value))
}

/// Bytes in binary units: `512 B`, `9.1 KiB`, `12.3 MiB`, `1.5 GiB`.
pub fn bytes(b: f64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = b;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{} {}", three_figures(value), UNITS[unit])
}

/// A ratio against the baseline: `0.93×`.
pub fn ratio(value: f64, baseline: f64) -> String {
    if baseline == 0.0 || !baseline.is_finite() || !value.is_finite() {
        return "–".to_owned();
    }
    let r = value / baseline;
    if r >= 10.0 {
        format!("{r:.0}×")
    } else if r >= 0.1 {
        format!("{r:.2}×")
    } else {
        format!("{r:.3}×")
    }
}

/// About three significant figures: `312`, `31.2`, `3.12`, `0.312`.
fn three_figures(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_person_wrote_them() {
        assert_eq!(count(1.0), "1");
        assert_eq!(count(950.0), "950");
        assert_eq!(count(1000.0), "1k");
        assert_eq!(count(12_540.0), "12.5k");
        assert_eq!(count(41_234.0), "41.2k");
        assert_eq!(count(123_456.0), "123k");
        assert_eq!(count(1_200_000.0), "1.2M");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(nanos(850.0), "850 ns");
        assert_eq!(nanos(3_400.0), "3.40 µs");
        assert_eq!(nanos(312_000.0), "312 µs");
        assert_eq!(nanos(1_250_000.0), "1.25 ms");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(9.1 * 1024.0), "9.10 KiB");
        assert_eq!(bytes(-2048.0), "-2.00 KiB");
        assert_eq!(ratio(93.0, 100.0), "0.93×");
        assert_eq!(ratio(1.0, 0.0), "–");
        assert_eq!(ratio(2500.0, 100.0), "25×");
    }
}
