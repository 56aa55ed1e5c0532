//! Human-readable sizes and durations, worded exactly like podman and docker
//! (both use github.com/docker/go-units), so scripts and eyes that know their
//! output see the same strings here.

use chrono::{DateTime, TimeDelta, Utc};

/// Decimal units, as go-units' `decimapAbbrs`.
const SIZE_UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];

/// Hours in a day, for go-units' day/week/month/year arithmetic on hours.
const DAY: i64 = 24;

/// Significant digits podman and docker use for the SIZE columns.
const SIZE_PRECISION: usize = 3;

/// A byte count the way `podman images` prints it: "746 B", "5.86 kB", "1.23 MB", "1.1 GB".
///
/// This is go-units `HumanSizeWithPrecision(size, 3)` (decimal units, Go's `%.3g`)
/// with the space podman inserts between number and unit. Go's `%g` switches to
/// an exponent once rounding reaches 1000 (999,999 bytes gives "1e+03 kB"); that
/// quirk is kept so our output matches theirs byte for byte.
pub fn size(bytes: u64) -> String {
    let (value, unit) = scaled(bytes);
    format!("{} {unit}", go_format_g(value, Some(SIZE_PRECISION)))
}

/// A byte count the way `podman system df` prints it: "1.235MB" (go-units `HumanSize`: four
/// significant digits, no space).
pub fn size_compact(bytes: u64) -> String {
    let (value, unit) = scaled(bytes);
    format!("{}{unit}", go_format_g(value, Some(4)))
}

/// The value and decimal unit go-units uses, divided step by step in f64 exactly as it does,
/// so rounding agrees.
fn scaled(bytes: u64) -> (f64, &'static str) {
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < SIZE_UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    (value, SIZE_UNITS[unit])
}

/// Go's `%g` formatting: `Some(p)` is `%.{p}g`, `None` is the shortest
/// representation that round-trips (Go's `%v` for a float64).
pub(crate) fn go_format_g(value: f64, precision: Option<usize>) -> String {
    let precision = precision.map(|p| p.max(1)); // Go treats %.0g as %.1g
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if value < 0.0 {
        return format!("-{}", go_format_g(-value, precision));
    }
    if value == 0.0 {
        return "0".to_string();
    }
    // Rust's `{:e}` rounds the exact binary value half-to-even, like Go's strconv,
    // and without a precision gives the shortest round-trip digits, like Go's -1.
    let scientific = match precision {
        Some(p) => format!("{:.*e}", p - 1, value),
        None => format!("{value:e}"),
    };
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let Ok(exponent) = exponent.parse::<i32>() else {
        return scientific;
    };
    // Significant digits with trailing zeros dropped, as Go's decimal type keeps them.
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
    let significant = digits.iter().rposition(|&d| d != b'0').map_or(1, |i| i + 1);
    let digits = &digits[..significant];
    let ndigits = digits.len() as i32;
    let point = exponent + 1; // position of the decimal point within `digits`

    // strconv.FormatFloat's rule for choosing %e over %f.
    let eprec = match precision {
        None => 6,
        Some(p) if p as i32 > ndigits && ndigits >= point => ndigits,
        Some(p) => p as i32,
    };
    let digit = |index: i32| match usize::try_from(index).ok().and_then(|i| digits.get(i)) {
        Some(&d) => d as char,
        None => '0',
    };
    if exponent < -4 || exponent >= eprec {
        let mut out = String::from(digit(0));
        if ndigits > 1 {
            out.push('.');
            out.extend((1..ndigits).map(digit));
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{out}e{sign}{:02}", exponent.abs());
    }
    let precision = precision.map_or(ndigits, |p| p as i32);
    let decimals = if precision > point {
        ndigits - point
    } else {
        0
    };
    let mut out: String = if point > 0 {
        (0..point).map(digit).collect()
    } else {
        "0".to_string()
    };
    if decimals > 0 {
        out.push('.');
        out.extend((point..point + decimals).map(digit));
    }
    out
}

/// How long ago `t` was, as podman's CREATED column: "Less than a second ago",
/// "About a minute ago", "3 hours ago", "2 weeks ago". A `t` in the future
/// (clock skew) reads "Less than a second ago", as in podman.
pub fn time_ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!("{} ago", duration(now.signed_duration_since(t)))
}

/// go-units `HumanDuration`: "Less than a second", "1 second", "About a minute",
/// "35 minutes", "About an hour", "36 hours", "13 days", "6 weeks", "23 months",
/// "2 years". Used by `ps` as "Up 3 seconds" and by `time_ago`.
pub fn duration(d: TimeDelta) -> String {
    // Go truncates seconds and minutes but rounds hours to the nearest one.
    let seconds = d.num_seconds();
    let minutes = d.num_minutes();
    let exact_hours = d.num_milliseconds() as f64 / 3_600_000.0;
    let hours = (exact_hours + 0.5) as i64;
    match () {
        _ if seconds < 1 => "Less than a second".to_string(),
        _ if seconds == 1 => "1 second".to_string(),
        _ if seconds < 60 => format!("{seconds} seconds"),
        _ if minutes == 1 => "About a minute".to_string(),
        _ if minutes < 60 => format!("{minutes} minutes"),
        _ if hours == 1 => "About an hour".to_string(),
        _ if hours < 2 * DAY => format!("{hours} hours"),
        _ if hours < 2 * 7 * DAY => format!("{} days", hours / DAY),
        _ if hours < 2 * 30 * DAY => format!("{} weeks", hours / DAY / 7),
        _ if hours < 2 * 365 * DAY => format!("{} months", hours / DAY / 30),
        _ => format!("{} years", exact_hours as i64 / DAY / 365),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_go_units_with_podman_spacing() {
        let cases: [(u64, &str); 16] = [
            (0, "0 B"),
            (1, "1 B"),
            (746, "746 B"),
            (999, "999 B"),
            (1000, "1 kB"),
            (1023, "1.02 kB"),
            (1024, "1.02 kB"),
            (5860, "5.86 kB"),
            (10_000, "10 kB"),
            (120_000, "120 kB"),
            (1_234_567, "1.23 MB"),
            (1_000_000_000, "1 GB"),
            (1_100_000_000, "1.1 GB"),
            (1_500_000_000_000, "1.5 TB"),
            (u64::MAX, "18.4 EB"),
            // %.3g rounds an exact tie to even, as Go's strconv does.
            (120_500, "120 kB"),
        ];
        for (bytes, want) in cases {
            assert_eq!(size(bytes), want, "size({bytes})");
        }
    }

    #[test]
    fn size_keeps_go_exponent_quirk_at_unit_boundary() {
        // 999.999 kB rounds to 1000 at 3 digits; Go's %g then prints 1e+03.
        assert_eq!(size(999_999), "1e+03 kB");
        assert_eq!(size(999_499), "999 kB");
    }

    #[test]
    fn go_format_g_matches_go_for_small_and_exponent_forms() {
        assert_eq!(go_format_g(0.000123, Some(3)), "0.000123");
        assert_eq!(go_format_g(0.0000123, Some(3)), "1.23e-05");
        assert_eq!(go_format_g(12345.0, Some(4)), "1.234e+04");
        assert_eq!(go_format_g(1.0, Some(3)), "1");
        assert_eq!(go_format_g(100.0, Some(3)), "100");
        assert_eq!(go_format_g(-2.5, Some(3)), "-2.5");
    }

    #[test]
    fn go_format_g_shortest_matches_go_percent_v() {
        // fmt.Println of these float64 values in Go.
        assert_eq!(go_format_g(1.5, None), "1.5");
        assert_eq!(go_format_g(100000.0, None), "100000");
        assert_eq!(go_format_g(1_000_000.0, None), "1e+06");
        assert_eq!(go_format_g(123_456_789.0, None), "1.23456789e+08");
        assert_eq!(go_format_g(0.0001, None), "0.0001");
        assert_eq!(go_format_g(0.00001, None), "1e-05");
        assert_eq!(go_format_g(0.1 + 0.2, None), "0.30000000000000004");
        assert_eq!(go_format_g(f64::INFINITY, None), "+Inf");
    }

    fn secs(s: i64) -> TimeDelta {
        TimeDelta::seconds(s)
    }

    #[test]
    fn durations_match_go_units_at_each_boundary() {
        let minute = 60;
        let hour = 60 * minute;
        let day = 24 * hour;
        let week = 7 * day;
        let month = 30 * day;
        let year = 365 * day;
        let cases = [
            (TimeDelta::milliseconds(450), "Less than a second"),
            (TimeDelta::milliseconds(-5000), "Less than a second"),
            (secs(1), "1 second"),
            (TimeDelta::milliseconds(1999), "1 second"),
            (secs(2), "2 seconds"),
            (secs(59), "59 seconds"),
            (secs(minute), "About a minute"),
            (secs(2 * minute - 1), "About a minute"),
            (secs(2 * minute), "2 minutes"),
            (secs(35 * minute + 40), "35 minutes"),
            (secs(59 * minute + 59), "59 minutes"),
            (secs(hour), "About an hour"),
            (secs(hour + 29 * minute), "About an hour"),
            (secs(hour + 31 * minute), "2 hours"),
            (secs(3 * hour + 31 * minute), "4 hours"),
            (secs(day + 12 * hour), "36 hours"),
            (secs(2 * day - 31 * minute), "47 hours"),
            (secs(2 * day), "2 days"),
            (secs(13 * day + 5 * hour), "13 days"),
            (secs(2 * week), "2 weeks"),
            (secs(month), "4 weeks"),
            (secs(month + 2 * week), "6 weeks"),
            (secs(2 * month), "2 months"),
            (secs(23 * month), "23 months"),
            (secs(24 * month), "24 months"),
            (secs(24 * month + 2 * week), "2 years"),
            (secs(3 * year + 2 * month), "3 years"),
        ];
        for (d, want) in cases {
            assert_eq!(duration(d), want, "duration({d})");
        }
    }

    #[test]
    fn time_ago_appends_ago_and_handles_future_times() {
        let now = DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
            .unwrap()
            .to_utc();
        let ago = |s: i64| time_ago(now - secs(s), now);
        assert_eq!(ago(0), "Less than a second ago");
        assert_eq!(ago(1), "1 second ago");
        assert_eq!(ago(59), "59 seconds ago");
        assert_eq!(ago(60), "About a minute ago");
        assert_eq!(ago(120), "2 minutes ago");
        assert_eq!(ago(3 * 3600), "3 hours ago");
        assert_eq!(ago(2 * 86400), "2 days ago");
        assert_eq!(ago(21 * 86400), "3 weeks ago");
        assert_eq!(ago(60 * 86400), "2 months ago");
        assert_eq!(ago(800 * 86400), "2 years ago");
        assert_eq!(time_ago(now + secs(30), now), "Less than a second ago");
    }
}
