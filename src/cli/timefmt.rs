//! Times as podman prints and accepts them: Go's `time.Time.String()`, Unix seconds with Go's
//! zero time for "never", Go durations (`1m28.61s`), and `--filter until=` values.

use anyhow::{Result, bail};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// `time.Time{}.Unix()` in Go: what podman prints for a time that never happened.
pub const GO_ZERO_UNIX: i64 = -62_135_596_800;

/// `time.Time{}` in RFC 3339, as podman's inspect prints a time that never happened.
pub const GO_ZERO_RFC3339: &str = "0001-01-01T00:00:00Z";

/// A record's RFC 3339 time.
pub fn parse(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Unix seconds, or Go's zero time for `None`.
pub fn unix_or_zero(t: Option<DateTime<Utc>>) -> i64 {
    t.map_or(GO_ZERO_UNIX, |t| t.timestamp())
}

/// Go's `Time.String()` in UTC: `2026-11-29 03:32:47.60527017 +0000 UTC` (the fraction
/// without trailing zeros, absent when zero).
pub fn go_time_string(t: DateTime<Utc>) -> String {
    let nanos = t.timestamp_subsec_nanos();
    let fraction = if nanos == 0 {
        String::new()
    } else {
        format!(".{nanos:09}").trim_end_matches('0').to_string()
    };
    format!("{}{fraction} +0000 UTC", t.format("%Y-%m-%d %H:%M:%S"))
}

/// Go's `Duration.String()`: `0s`, `1.5ms`, `3.427508958s`, `1m28.613821726s`, `26h3m0s`.
pub fn go_duration(d: TimeDelta) -> String {
    let Some(nanos) = d.num_nanoseconds() else {
        return format!("{}h0m0s", d.num_hours());
    };
    if nanos < 0 {
        return format!("-{}", go_duration(-d));
    }
    let nanos = nanos as u64;
    if nanos == 0 {
        return "0s".to_string();
    }
    if nanos < 1_000_000_000 {
        let (unit, scale) = match nanos {
            n if n < 1_000 => ("ns", 1),
            n if n < 1_000_000 => ("µs", 1_000),
            _ => ("ms", 1_000_000),
        };
        return format!("{}{unit}", decimal(nanos, scale));
    }
    let hours = nanos / 3_600_000_000_000;
    let minutes = nanos / 60_000_000_000 % 60;
    let seconds = decimal(nanos % 60_000_000_000, 1_000_000_000);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, m) => format!("{m}m{seconds}s"),
        (h, m) => format!("{h}h{m}m{seconds}s"),
    }
}

/// `value / scale` with the fraction's trailing zeros dropped: 1500/1000 = "1.5".
fn decimal(value: u64, scale: u64) -> String {
    let whole = value / scale;
    let rest = value % scale;
    if rest == 0 {
        return whole.to_string();
    }
    let width = scale.ilog10() as usize;
    let fraction = format!("{rest:0width$}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

/// A Go duration (`90s`, `1h30m`, `1.5h`, `500ms`), as `--filter until=24h` takes it.
pub fn parse_go_duration(text: &str) -> Option<TimeDelta> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let nanos_per_unit = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += number * nanos_per_unit;
    }
    Some(TimeDelta::nanoseconds(total as i64))
}

/// The point in time an `until=` (or `since=`) filter names: a Go duration before `now`, Unix
/// seconds (with a fraction), an RFC 3339 time, or `YYYY-MM-DD[THH:MM:SS]` in UTC.
pub fn parse_point_in_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    if let Some(ago) = parse_go_duration(text) {
        return Ok(now - ago);
    }
    if let Ok(seconds) = text.parse::<f64>() {
        let whole = seconds.trunc() as i64;
        let nanos = ((seconds - seconds.trunc()) * 1e9) as u32;
        if let Some(t) = DateTime::from_timestamp(whole, nanos) {
            return Ok(t);
        }
    }
    if let Some(t) = parse(Some(text)) {
        return Ok(t);
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
        return Ok(t.and_utc());
    }
    if let Some(t) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        return Ok(t.and_utc());
    }
    bail!(
        "invalid time {text:?}: use a duration such as 24h or 90m, Unix seconds, or a date such as 2024-01-31 or 2024-01-31T10:00:00Z"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_print_like_go() {
        let ns = TimeDelta::nanoseconds;
        assert_eq!(go_duration(ns(0)), "0s");
        assert_eq!(go_duration(ns(1_500_000)), "1.5ms");
        assert_eq!(go_duration(ns(999)), "999ns");
        assert_eq!(go_duration(ns(3_427_508_958)), "3.427508958s");
        assert_eq!(go_duration(ns(88_613_821_726)), "1m28.613821726s");
        assert_eq!(go_duration(TimeDelta::hours(26)), "26h0m0s");
        assert_eq!(go_duration(TimeDelta::seconds(-5)), "-5s");
    }

    #[test]
    fn go_time_strings_drop_trailing_zeros() {
        let t = parse(Some("2026-11-29T03:32:47.605270170Z")).unwrap();
        assert_eq!(go_time_string(t), "2026-11-29 03:32:47.60527017 +0000 UTC");
        let whole = parse(Some("2026-11-29T03:32:47Z")).unwrap();
        assert_eq!(go_time_string(whole), "2026-11-29 03:32:47 +0000 UTC");
        assert_eq!(unix_or_zero(None), GO_ZERO_UNIX);
        assert_eq!(unix_or_zero(Some(whole)), 1_795_923_167);
    }

    #[test]
    fn until_accepts_durations_timestamps_and_dates() {
        let now = parse(Some("2026-01-02T00:00:00Z")).unwrap();
        let at = |s| parse_point_in_time(s, now).unwrap().to_rfc3339();
        assert_eq!(at("24h"), "2026-01-01T00:00:00+00:00");
        assert_eq!(at("1h30m"), "2026-01-01T22:30:00+00:00");
        assert_eq!(at("1767225600"), "2026-01-01T00:00:00+00:00");
        assert_eq!(at("2026-01-01"), "2026-01-01T00:00:00+00:00");
        assert_eq!(at("2026-01-01T12:00:00"), "2026-01-01T12:00:00+00:00");
        assert_eq!(at("2026-01-01T12:00:00+02:00"), "2026-01-01T10:00:00+00:00");
        assert!(parse_point_in_time("yesterday", now).is_err());
        assert!(parse_go_duration("5x").is_none());
        assert!(parse_go_duration("").is_none());
    }
}
