//! Reading a log once: joining, tail, time filters, broken lines.

use std::fs;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::super::rotated_path;
use super::{LogOptions, LogWriter, Stream::*, log_in, read, tail, write};

#[test]
fn joins_partial_records_and_keeps_streams_apart() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    write(
        &path,
        &[
            (Stdout, "one\npar"),
            (Stderr, "err "),
            (Stdout, "t"),
            (Stderr, "line\n"),
            (Stdout, "ial\n\nlast without newline"),
        ],
    );
    let all = read(&path, &LogOptions::default());
    assert_eq!(all.stdout, "one\npartial\n\nlast without newline");
    assert_eq!(all.stderr, "err line\n");
}

#[test]
fn a_missing_log_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    for opts in [
        LogOptions::default(),
        LogOptions {
            tail: Some(3),
            follow: true,
            ..LogOptions::default()
        },
    ] {
        let out = read(&path, &opts);
        assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
    }
}

#[test]
fn tail_counts_whole_lines_across_partial_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    write(
        &path,
        &[(Stdout, "a\nb1"), (Stdout, "b2"), (Stdout, "b3\nc\n")],
    );
    assert_eq!(tail(&path, 1).stdout, "c\n");
    assert_eq!(tail(&path, 2).stdout, "b1b2b3\nc\n");
    assert_eq!(tail(&path, 3).stdout, "a\nb1b2b3\nc\n");
    assert_eq!(tail(&path, 9).stdout, "a\nb1b2b3\nc\n");
    assert_eq!(tail(&path, 0).stdout, "");
}

#[test]
fn tail_keeps_a_line_whose_start_is_behind_the_other_streams_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    write(
        &path,
        &[
            (Stdout, "old\n"),
            (Stdout, "sta"),
            (Stderr, "e1\ne2\n"),
            (Stdout, "rt\n"),
            (Stderr, "unended"),
        ],
    );
    // Lines by their end: old, e1, e2, start, unended.
    let last2 = tail(&path, 2);
    assert_eq!(
        (last2.stdout.as_str(), last2.stderr.as_str()),
        ("start\n", "unended")
    );
    let last3 = tail(&path, 3);
    assert_eq!(
        (last3.stdout.as_str(), last3.stderr.as_str()),
        ("start\n", "e2\nunended")
    );
    let last5 = tail(&path, 5);
    assert_eq!(last5.stdout, "old\nstart\n");
    assert_eq!(last5.stderr, "e1\ne2\nunended");
}

#[test]
fn tail_orders_an_unended_line_by_its_last_part() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    write(&path, &[(Stdout, "a\nunended"), (Stderr, "x\n")]);
    let last1 = tail(&path, 1);
    assert_eq!((last1.stdout.as_str(), last1.stderr.as_str()), ("", "x\n"));
    let last2 = tail(&path, 2);
    assert_eq!(
        (last2.stdout.as_str(), last2.stderr.as_str()),
        ("unended", "x\n")
    );
}

#[test]
fn tail_reaches_into_the_rotated_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    // Two records per file: [l0 l1] [l2 l3-] [part l4]; the line "l3-part" spans a rotation.
    let record = 35 + " stdout F l0\n".len() as u64;
    let mut w = LogWriter::open(&path, Some(2 * record + 10)).unwrap();
    for chunk in ["l0\n", "l1\n", "l2\n", "l3-", "part\n", "l4\n"] {
        w.write(Stdout, chunk.as_bytes()).unwrap();
    }
    assert!(rotated_path(&path).exists());
    assert_eq!(tail(&path, 1).stdout, "l4\n");
    assert_eq!(tail(&path, 2).stdout, "l3-part\nl4\n");
    assert_eq!(tail(&path, 3).stdout, "l2\nl3-part\nl4\n");
    // Older lines went with the file rotated before.
    assert_eq!(tail(&path, 10).stdout, "l2\nl3-part\nl4\n");
    assert_eq!(
        read(&path, &LogOptions::default()).stdout,
        "l2\nl3-part\nl4\n"
    );
}

/// A log written by hand: (time, stream, tag, content).
fn write_records(path: &Path, records: &[(&str, &str, &str, &str)]) {
    let text: String = records
        .iter()
        .map(|(time, stream, tag, content)| format!("{time} {stream} {tag} {content}\n"))
        .collect();
    fs::write(path, text).unwrap();
}

fn at(text: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(text).unwrap().to_utc())
}

#[test]
fn since_and_until_select_lines_by_the_time_they_began() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    write_records(
        &path,
        &[
            ("2026-11-29T10:00:00.000000000+00:00", "stdout", "F", "ten"),
            ("2026-11-29T11:00:00.000000000+00:00", "stdout", "P", "elev"),
            ("2026-11-29T12:00:00.000000000+00:00", "stdout", "F", "en"),
            (
                "2026-11-29T14:00:00.000000000+02:00",
                "stderr",
                "F",
                "twelve",
            ),
            (
                "2026-11-29T13:00:00.000000000+00:00",
                "stdout",
                "F",
                "thirteen",
            ),
        ],
    );
    let between = |since: &str, until: &str| {
        let opts = LogOptions {
            since: at(since),
            until: at(until),
            ..LogOptions::default()
        };
        let out = read(&path, &opts);
        format!("{}|{}", out.stdout, out.stderr)
    };
    assert_eq!(
        between("2026-11-29T10:00:00Z", "2026-11-29T12:30:00Z"),
        "eleven\n|twelve\n"
    );
    assert_eq!(
        between("2026-11-29T09:00:00Z", "2026-11-29T11:00:00Z"),
        "ten\n|"
    );
    assert_eq!(
        between("2026-11-29T10:59:59.999999999Z", "2026-11-29T23:00:00Z"),
        "eleven\nthirteen\n|twelve\n"
    );
}

#[test]
fn timestamps_are_printed_as_podman_prints_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    write_records(
        &path,
        &[
            ("2026-11-29T10:00:00.120000000+00:00", "stdout", "F", "utc"),
            (
                "2026-11-29T11:00:00.000000001+01:00",
                "stderr",
                "P",
                "east ",
            ),
            ("2026-11-29T11:00:01.000000000+01:00", "stderr", "F", "one"),
        ],
    );
    let opts = LogOptions {
        timestamps: true,
        ..LogOptions::default()
    };
    let out = read(&path, &opts);
    assert_eq!(out.stdout, "2026-11-29T10:00:00.120000000Z utc\n");
    assert_eq!(out.stderr, "2026-11-29T11:00:00.000000001+01:00 east one\n");
    let tail_opts = LogOptions {
        tail: Some(1),
        ..opts
    };
    assert_eq!(read(&path, &tail_opts).stderr, out.stderr);
}

#[test]
fn broken_lines_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    write(&path, &[(Stdout, "before\n")]);
    let mut text = fs::read_to_string(&path).unwrap();
    // A record cut short, which the next record continued on the same line.
    text.push_str("2026-11-29T10:00:00.1");
    fs::write(&path, text).unwrap();
    write(&path, &[(Stdout, "lost\n"), (Stdout, "after\n")]);
    fs::write(&path, fs::read_to_string(&path).unwrap() + "not a record\n").unwrap();
    assert_eq!(
        read(&path, &LogOptions::default()).stdout,
        "before\nafter\n"
    );
    assert_eq!(tail(&path, 1).stdout, "after\n");
}
