//! Concurrency: several workers run a seeded random mix of pull, run --rm, run -d, stop, rm -f,
//! rmi, ps and images on a few shared container names and images, all in one store. Every
//! command must succeed or fail with one clear line from the list below (a conflict with
//! another worker); anything else, a panic or a hang fails the test. Afterwards
//! `system check` is clean and nothing is left on the host.
//!
//! STRESS_SEED replays a run; STRESS_OPS sets the number of operations (default 150).

mod common;
mod reliability_support;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use common::{Out, Sandbox, report};
use reliability_support::{Rng, assert_host_clean, assert_store_clean, error_line, images, seed};

const WORKERS: u64 = 4;
const NAMES: [&str; 3] = ["stress-a", "stress-b", "stress-c"];
/// What the detached containers run: `sleep MARKER`, so they are found on the host.
const MARKER: &str = "7301";
/// No single command may take longer (the machine is shared, so it is generous).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The failures a command may meet when other workers use the same names and images, as
/// (operation, words the one error line must contain). Nothing else is acceptable.
const EXPECTED_CONFLICTS: &[(&str, &str)] = &[
    ("run -d", "is already in use"),
    // Another worker's `rm -f` removed it between its create and its start.
    ("run -d", "was removed before it started"),
    ("stop", "no such container"),
    ("rm -f", "no such container"),
    ("rmi", "is in use by a container"),
    ("rmi", "is not in the local store"),
    // run's image was removed by a concurrent rmi between its pull and its create.
    ("run --rm", "while the container was being created"),
    ("run -d", "while the container was being created"),
];

#[derive(Clone, Copy, Debug)]
enum Op {
    Pull,
    RunRm,
    RunDetached,
    Stop,
    RmForce,
    Rmi,
    Ps,
    Images,
}

impl Op {
    const ALL: [Op; 8] = [
        Op::Pull,
        Op::RunRm,
        Op::RunDetached,
        Op::Stop,
        Op::RmForce,
        Op::Rmi,
        Op::Ps,
        Op::Images,
    ];

    fn label(self) -> &'static str {
        match self {
            Op::Pull => "pull",
            Op::RunRm => "run --rm",
            Op::RunDetached => "run -d",
            Op::Stop => "stop",
            Op::RmForce => "rm -f",
            Op::Rmi => "rmi",
            Op::Ps => "ps",
            Op::Images => "images",
        }
    }

    fn args(self, rng: &mut Rng) -> Vec<String> {
        let image = rng.pick(&images()).to_string();
        let name = rng.pick(&NAMES).to_string();
        let words: Vec<&str> = match self {
            Op::Pull => vec!["pull", "-q", &image],
            Op::RunRm => vec!["run", "--rm", &image, "true"],
            Op::RunDetached => vec!["run", "-d", "--name", &name, &image, "sleep", MARKER],
            Op::Stop => vec!["stop", "-t", "1", &name],
            Op::RmForce => vec!["rm", "-f", &name],
            Op::Rmi => vec!["rmi", &image],
            Op::Ps => vec!["ps", "-a"],
            Op::Images => vec!["images"],
        };
        words.into_iter().map(String::from).collect()
    }
}

/// What one command did: "ok", or "refused: WORDS" for an expected conflict; an error says
/// what is wrong with anything else.
fn judge(op: Op, out: &Out) -> Result<String, String> {
    if out.code == 0 {
        return Ok("ok".into());
    }
    let label = op.label();
    let Some(line) = error_line(&out.stderr) else {
        return Err(format!(
            "{label} failed without one clear error line\n{out}"
        ));
    };
    if out.code != 125 {
        return Err(format!(
            "{label} failed with exit code {}, not 125\n{out}",
            out.code
        ));
    }
    let lower = line.to_lowercase();
    match EXPECTED_CONFLICTS
        .iter()
        .find(|(l, words)| *l == label && lower.contains(words))
    {
        Some((_, words)) => Ok(format!("refused: {words}")),
        None => Err(format!("{label} failed with an unexpected error\n{out}")),
    }
}

#[test]
fn parallel_workers_leave_a_consistent_store_and_a_clean_host() {
    let seed = seed("STRESS_SEED");
    let total: u64 = std::env::var("STRESS_OPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150);
    let sb = Sandbox::new();
    let tally: Mutex<BTreeMap<(String, String), u32>> = Mutex::new(BTreeMap::new());
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let started = Instant::now();
    thread::scope(|s| {
        for worker in 0..WORKERS {
            let (sb, tally, failures) = (&sb, &tally, &failures);
            s.spawn(move || {
                let mut rng = Rng::new(seed ^ worker.wrapping_mul(0x5851_f42d_4c95_7f2d));
                for _ in 0..total / WORKERS {
                    let op = *rng.pick(&Op::ALL);
                    let args = op.args(&mut rng);
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    let out = sb.engine_cmd(&args).timeout(COMMAND_TIMEOUT).run();
                    let outcome = judge(op, &out).unwrap_or_else(|failure| {
                        failures.lock().unwrap().push(failure);
                        "FAILED".into()
                    });
                    *tally
                        .lock()
                        .unwrap()
                        .entry((op.label().to_string(), outcome))
                        .or_default() += 1;
                }
            });
        }
    });
    eprintln!("{total} operations in {:?}", started.elapsed());
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} commands failed unexpectedly:\n{}",
        failures.len(),
        failures.join("\n\n")
    );

    assert_store_clean(&sb, "after the workers");
    sb.engine(&["rm", "-f", "-a"]).ok();
    sb.engine(&["rmi", "-a"]).ok();
    assert_store_clean(&sb, "after removing everything");
    let listed = sb.engine(&["ps", "-a", "-q"]);
    assert_eq!(listed.ok().stdout, "", "containers left");
    assert_host_clean(&sb, MARKER);

    let tally = tally.into_inner().unwrap();
    for ((op, outcome), count) in &tally {
        eprintln!("{op:>9}  {outcome:<40} {count}");
        report::record(
            "reliability",
            "stress operations",
            &format!("{op}: {outcome}"),
            &count.to_string(),
        );
    }
    let ok: u32 = tally
        .iter()
        .filter(|((_, outcome), _)| outcome == "ok")
        .map(|(_, n)| n)
        .sum();
    report::record(
        "reliability",
        "stress runs",
        &format!("{WORKERS} workers, {total} operations, seed {seed}"),
        &format!("{ok} succeeded, the rest refused with a clear error; store and host clean"),
    );
}
