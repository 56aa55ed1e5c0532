//! Following a log while it is written and rotated.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;

use super::{LogOptions, LogWriter, Output, Stream::*, copy, log_in, write};

fn following() -> LogOptions {
    LogOptions {
        follow: true,
        ..LogOptions::default()
    }
}

#[test]
fn follow_copies_what_a_writer_appends_until_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    write(&path, &[(Stdout, "before\n")]);
    let running = Arc::new(AtomicBool::new(true));
    let writer = {
        let (path, running) = (path.clone(), running.clone());
        std::thread::spawn(move || {
            let mut w = LogWriter::open(&path, None).unwrap();
            for i in 0..20 {
                w.write(Stdout, format!("out {i}\n").as_bytes()).unwrap();
                w.write(Stderr, format!("err {i}\n").as_bytes()).unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
            w.write(Stdout, b"last words\n").unwrap();
            running.store(false, Ordering::SeqCst);
        })
    };
    let out = copy(&path, &following(), &|| running.load(Ordering::SeqCst));
    writer.join().unwrap();
    let want_out: String = (0..20).map(|i| format!("out {i}\n")).collect();
    let want_err: String = (0..20).map(|i| format!("err {i}\n")).collect();
    assert_eq!(out.stdout, format!("before\n{want_out}last words\n"));
    assert_eq!(out.stderr, want_err);
}

/// A follower whose every look for new output is preceded by the next of `steps`; it stops
/// after the last.
fn follow_with_steps(path: &Path, opts: &LogOptions, steps: Vec<Box<dyn FnOnce()>>) -> Output {
    let steps = RefCell::new(steps.into_iter());
    copy(path, opts, &|| match steps.borrow_mut().next() {
        Some(step) => {
            step();
            true
        }
        None => false,
    })
}

#[test]
fn follow_moves_on_through_rotations_without_losing_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    // Two records per file.
    let record = 35 + " stdout F a\n".len() as u64;
    let writer = LogWriter::open(&path, Some(2 * record + 1)).unwrap();
    let writer = Rc::new(RefCell::new(writer));
    let write = |chunks: &'static [&'static str]| -> Box<dyn FnOnce()> {
        let writer = writer.clone();
        Box::new(move || {
            for chunk in chunks {
                writer.borrow_mut().write(Stdout, chunk.as_bytes()).unwrap();
            }
        })
    };
    write(&["a\n"])();
    let out = follow_with_steps(
        &path,
        &following(),
        vec![
            // A line written just before a rotation: [a b] [c].
            write(&["b\n", "c\n"]),
            // Rotated twice since the last look: [c d] [e f] [g].
            write(&["d\n", "e\n", "f\n", "g\n"]),
            // A line cut in two by a rotation: [g h-] [i].
            write(&["h-", "i\n"]),
            write(&[]),
        ],
    );
    assert_eq!(out.stdout, "a\nb\nc\nd\ne\nf\ng\nh-i\n");
}

#[test]
fn follow_waits_for_the_log_to_be_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    let writer: Rc<RefCell<Option<LogWriter>>> = Rc::default();
    let (w1, w2, p) = (writer.clone(), writer.clone(), path.clone());
    let out = follow_with_steps(
        &path,
        &LogOptions {
            timestamps: true,
            ..following()
        },
        vec![
            Box::new(|| {}),
            Box::new(move || {
                let mut w = LogWriter::open(&p, None).unwrap();
                w.write(Stderr, b"x\ny").unwrap();
                *w1.borrow_mut() = Some(w);
            }),
            Box::new(move || {
                let mut w = w2.borrow_mut();
                w.as_mut().unwrap().write(Stderr, b"z\n").unwrap();
            }),
        ],
    );
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .map(|l| l.split_once(' ').unwrap().1)
        .collect();
    assert_eq!(lines, ["x", "yz"]);
}

#[test]
fn follow_with_tail_prints_the_last_lines_then_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    write(&path, &[(Stdout, "1\n2\n3\nunended ")]);
    let p = path.clone();
    let out = follow_with_steps(
        &path,
        &LogOptions {
            tail: Some(2),
            ..following()
        },
        vec![Box::new(move || write(&p, &[(Stdout, "line\n4\n")]))],
    );
    assert_eq!(out.stdout, "3\nunended line\n4\n");
    // An unended line left out by --tail stays out when it ends.
    write(&path, &[(Stdout, "cut")]);
    let p = path.clone();
    let out = follow_with_steps(
        &path,
        &LogOptions {
            tail: Some(0),
            ..following()
        },
        vec![Box::new(move || {
            write(&p, &[(Stdout, "ting\n"), (Stdout, "6\n")])
        })],
    );
    assert_eq!(out.stdout, "6\n");
}

#[test]
fn follow_stops_once_until_has_passed() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    write(&path, &[(Stdout, "old\n")]);
    let opts = LogOptions {
        until: Some(Utc::now() + chrono::TimeDelta::milliseconds(200)),
        ..following()
    };
    let started = std::time::Instant::now();
    let out = copy(&path, &opts, &|| true);
    assert_eq!(out.stdout, "old\n");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_follower_and_a_rotating_writer_racing_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = log_in(&dir);
    let running = Arc::new(AtomicBool::new(true));
    let writer = {
        let (path, running) = (path.clone(), running.clone());
        std::thread::spawn(move || {
            // ~120 lines (two records each) per file: a rotation every ~150 ms, while the
            // follower looks every 50 ms. Only a follower stalled for three rotations (one
            // old file is kept) may lose lines.
            let mut w = LogWriter::open(&path, Some(12_000)).unwrap();
            for i in 0..800 {
                let line = format!("line {i:04}\n");
                let (start, rest) = line.split_at(4);
                w.write(Stdout, start.as_bytes()).unwrap();
                w.write(Stdout, rest.as_bytes()).unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
            running.store(false, Ordering::SeqCst);
        })
    };
    let out = copy(&path, &following(), &|| running.load(Ordering::SeqCst));
    writer.join().unwrap();
    let want: String = (0..800).map(|i| format!("line {i:04}\n")).collect();
    assert_eq!(out.stdout, want);
}
