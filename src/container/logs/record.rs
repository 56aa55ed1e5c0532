//! One record of a `k8s-file` log: `TIMESTAMP STREAM TAG CONTENT`.

use chrono::{DateTime, FixedOffset, Local, SecondsFormat};

use super::Stream;

/// A parsed record; `content` borrows from the line it was read from.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Record<'a> {
    pub time: DateTime<FixedOffset>,
    pub stream: Stream,
    /// `F`: the content ends a line; `P`: the stream's next record continues it.
    pub full: bool,
    pub content: &'a [u8],
}

impl Record<'_> {
    /// `line` (without its `\n`) as a record, or `None` if it is not one.
    pub fn parse(line: &[u8]) -> Option<Record<'_>> {
        let mut fields = line.splitn(4, |&b| b == b' ');
        let time = std::str::from_utf8(fields.next()?).ok()?;
        let time = DateTime::parse_from_rfc3339(time).ok()?;
        let stream = match fields.next()? {
            b"stdout" => Stream::Stdout,
            b"stderr" => Stream::Stderr,
            _ => return None,
        };
        let full = match fields.next()? {
            b"F" => true,
            b"P" => false,
            _ => return None,
        };
        // An empty line is written as `... F ` (content empty); accept a missing last space.
        let content = fields.next().unwrap_or_default();
        Some(Record {
            time,
            stream,
            full,
            content,
        })
    }
}

/// The current time as records carry it: `2026-11-29T03:26:12.123456789+00:00`.
pub(super) fn now_timestamp() -> String {
    Local::now().to_rfc3339_opts(SecondsFormat::Nanos, false)
}

/// Appends the record's header, `TIMESTAMP STREAM TAG `, to `out`.
pub(super) fn push_header(out: &mut Vec<u8>, timestamp: &str, stream: Stream, full: bool) {
    out.extend_from_slice(timestamp.as_bytes());
    out.push(b' ');
    out.extend_from_slice(stream.as_str().as_bytes());
    out.extend_from_slice(if full { b" F " } else { b" P " });
}

/// A record's time as `podman logs -t` prints it: nanoseconds always, `Z` for UTC.
pub(super) fn display_time(time: &DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_partial_and_empty_records() {
        let r = Record::parse(b"2026-11-29T03:26:12.123456789+01:00 stderr P a b  c").unwrap();
        assert_eq!(r.stream, Stream::Stderr);
        assert!(!r.full);
        assert_eq!(r.content, b"a b  c");
        assert_eq!(r.time.to_rfc3339(), "2026-11-29T03:26:12.123456789+01:00");
        let empty = Record::parse(b"2026-11-29T03:26:12.000000000+00:00 stdout F ").unwrap();
        assert!(empty.full);
        assert_eq!(empty.content, b"");
        let bare = Record::parse(b"2026-11-29T03:26:12.000000000Z stdout F").unwrap();
        assert_eq!(bare.content, b"");
    }

    #[test]
    fn rejects_what_is_not_a_record() {
        for line in [
            &b""[..],
            b"garbage",
            b"2026-11-29T03:26:12Z stdin F x",
            b"2026-11-29T03:26:12Z stdout X x",
            b"2026-13-29T03:26:12Z stdout F x",
            b"\xff\xfe stdout F x",
        ] {
            assert_eq!(
                Record::parse(line),
                None,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn header_round_trips() {
        let mut line = Vec::new();
        push_header(&mut line, &now_timestamp(), Stream::Stdout, false);
        line.extend_from_slice(b"hi there");
        let r = Record::parse(&line).unwrap();
        assert_eq!(
            (r.stream, r.full, r.content),
            (Stream::Stdout, false, &b"hi there"[..])
        );
        assert!((chrono::Utc::now() - r.time.to_utc()).num_seconds().abs() < 5);
    }

    #[test]
    fn displays_times_as_podman_does() {
        let utc = DateTime::parse_from_rfc3339("2026-11-29T03:26:12.1+00:00").unwrap();
        assert_eq!(display_time(&utc), "2026-11-29T03:26:12.100000000Z");
        let east = DateTime::parse_from_rfc3339("2026-11-29T03:26:12.5+05:30").unwrap();
        assert_eq!(display_time(&east), "2026-11-29T03:26:12.500000000+05:30");
    }
}
