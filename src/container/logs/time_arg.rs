//! The times `--since` and `--until` accept, as podman reads them: a date (RFC 3339, or a
//! date and time without zone, taken as UTC), a Unix timestamp (seconds, with an optional
//! fraction), or a Go duration (`10m`, `1h30m`, `1.5s`) relative to now: before now for
//! `--since`, after now for `--until` (so `-f --until 10s` follows for ten seconds).

use anyhow::{Result, bail};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

/// A `--since` value; durations count back from `now`.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    parse(text, now, "--since", -1)
}

/// An `--until` value; durations count on from `now`.
pub fn parse_until(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    parse(text, now, "--until", 1)
}

fn parse(text: &str, now: DateTime<Utc>, flag: &str, sign: i32) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Some(time) = date(text).or_else(|| unix_timestamp(text)) {
        return Ok(time);
    }
    if let Some(delta) = go_duration(text)
        && let Some(time) = now.checked_add_signed(delta * sign)
    {
        return Ok(time);
    }
    bail!(
        "invalid {flag} time {text:?}: give an RFC 3339 time (2026-01-02T15:04:05Z), a date \
         (2026-01-02), a Unix timestamp (1767366245.5) or a duration (10m, 1h30m)"
    )
}

fn date(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.to_utc());
    }
    if let Ok(time) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(time.and_utc());
    }
    // A date alone (UTC), or with a zone (Go's `2006-01-02Z07:00`).
    let (day, zone) = (text.get(..10)?, text.get(10..)?);
    if zone.is_empty() {
        let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
        return Some(day.and_time(NaiveTime::MIN).and_utc());
    }
    let midnight = DateTime::parse_from_rfc3339(&format!("{day}T00:00:00{zone}")).ok()?;
    Some(midnight.to_utc())
}

/// `SECONDS[.FRACTION]` since the epoch.
fn unix_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let (secs, fraction) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if secs.is_empty() || !all_digits(secs) || !all_digits(fraction) {
        return None;
    }
    let nanos = format!("{fraction:0<9}").get(..9)?.parse().ok()?;
    DateTime::from_timestamp(secs.parse().ok()?, nanos)
}

/// A Go duration: `[-+]` then one or more NUMBER UNIT, NUMBER with an optional fraction, UNIT
/// one of ns, us (µs), ms, s, m, h; or `0`.
pub fn go_duration(text: &str) -> Option<TimeDelta> {
    let (negative, mut rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Some(TimeDelta::zero());
    }
    let mut nanos: f64 = 0.0;
    let mut parts = 0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.');
        let (unit, next) = rest.split_at(unit_len.unwrap_or(rest.len()));
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        nanos += number.parse::<f64>().ok()? * scale;
        parts += 1;
        rest = next;
    }
    // Beyond ±292 years (Go's limit too) the value makes no sense as a log time.
    if parts == 0 || !nanos.is_finite() || nanos >= i64::MAX as f64 {
        return None;
    }
    let delta = TimeDelta::nanoseconds(nanos.round() as i64);
    Some(if negative { -delta } else { delta })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn parses_dates_as_podman_does() {
        let now = Utc::now();
        for (text, want) in [
            ("2026-11-29T03:26:12Z", "2026-11-29T03:26:12Z"),
            ("2026-11-29T03:26:12.5+01:00", "2026-11-29T02:26:12.5Z"),
            ("2026-11-29T03:26:12", "2026-11-29T03:26:12Z"),
            (
                "2026-11-29T03:26:12.123456789",
                "2026-11-29T03:26:12.123456789Z",
            ),
            ("2026-11-29", "2026-11-29T00:00:00Z"),
            ("2026-11-29Z", "2026-11-29T00:00:00Z"),
            ("2026-11-29+02:00", "2026-11-28T22:00:00Z"),
        ] {
            assert_eq!(parse_since(text, now).unwrap(), at(want), "{text}");
        }
    }

    #[test]
    fn parses_unix_timestamps_exactly() {
        let now = Utc::now();
        assert_eq!(parse_since("0", now).unwrap(), at("1970-01-01T00:00:00Z"));
        assert_eq!(
            parse_until("1767366245.000000001", now).unwrap(),
            at("2026-01-02T15:04:05.000000001Z")
        );
        assert_eq!(
            parse_since("1767366245.25", now).unwrap(),
            at("2026-01-02T15:04:05.25Z")
        );
    }

    #[test]
    fn durations_count_back_for_since_and_on_for_until() {
        let now = at("2026-11-29T12:00:00Z");
        assert_eq!(parse_since("10m", now).unwrap(), at("2026-11-29T11:50:00Z"));
        assert_eq!(
            parse_since("1h30m", now).unwrap(),
            at("2026-11-29T10:30:00Z")
        );
        assert_eq!(parse_since("90s", now).unwrap(), at("2026-11-29T11:58:30Z"));
        assert_eq!(
            parse_since("1.5h", now).unwrap(),
            at("2026-11-29T10:30:00Z")
        );
        assert_eq!(
            parse_since("2m3.5s", now).unwrap(),
            at("2026-11-29T11:57:56.5Z")
        );
        assert_eq!(parse_since("-1m", now).unwrap(), at("2026-11-29T12:01:00Z"));
        assert_eq!(parse_until("10s", now).unwrap(), at("2026-11-29T12:00:10Z"));
        assert_eq!(
            parse_until("500ms", now).unwrap(),
            at("2026-11-29T12:00:00.5Z")
        );
        assert_eq!(
            parse_until("7µs", now).unwrap(),
            at("2026-11-29T12:00:00.000007Z")
        );
    }

    #[test]
    fn rejects_anything_else_naming_the_flag() {
        let now = Utc::now();
        for text in [
            "",
            "yesterday",
            "10x",
            "1h 2m",
            "m",
            "1..5s",
            ".s",
            "2026-13-01",
        ] {
            let err = parse_since(text, now).unwrap_err().to_string();
            assert!(
                err.contains("--since") && err.contains("10m"),
                "{text}: {err}"
            );
        }
        assert!(parse_until("9999999999h", now).is_err());
    }
}
