//! Crashes: SIGKILL `engine` (its whole process group) at a random moment of pull, run, rm or
//! rmi, then retry the same operation: it must work, and `system check --max 0s` must find
//! nothing (no damage, nothing left over, not even an unreferenced layer) without `--repair`.
//!
//! Seeded and reproducible: CRASH_SEED replays a run, CRASH_TRIALS sets the number of trials
//! (default 52). The kill delays are drawn from 0 to 120% of each operation's measured duration,
//! so kills land all along it (and some after it finished).

mod common;
mod reliability_support;

use std::collections::BTreeMap;
use std::thread;
use std::time::{Duration, Instant};

use common::{Out, Sandbox, report};
use reliability_support::{Rng, assert_host_clean, assert_store_clean, error_line, images, seed};

const VICTIM: &str = "crash-victim";
/// What the victim container runs: `sleep MARKER`, so it is found on the host.
const MARKER: &str = "7302";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Pull,
    Run,
    Rm,
    Rmi,
}

impl Phase {
    const ALL: [Phase; 4] = [Phase::Pull, Phase::Run, Phase::Rm, Phase::Rmi];

    fn label(self) -> &'static str {
        match self {
            Phase::Pull => "pull",
            Phase::Run => "run --rm",
            Phase::Rm => "rm -f",
            Phase::Rmi => "rmi",
        }
    }

    fn args(self, image: &str) -> Vec<String> {
        let words: Vec<&str> = match self {
            Phase::Pull => vec!["pull", "-q", image],
            Phase::Run => vec!["run", "--rm", image, "true"],
            Phase::Rm => vec!["rm", "-f", VICTIM],
            Phase::Rmi => vec!["rmi", image],
        };
        words.into_iter().map(String::from).collect()
    }

    /// Brings the store to where the operation makes sense.
    fn prepare(self, sb: &Sandbox, image: &str) {
        sb.engine(&["rm", "-f", "-a"]).ok();
        match self {
            Phase::Pull => {
                let _ = sb.engine(&["rmi", image]);
            }
            Phase::Run | Phase::Rmi => {
                sb.engine(&["pull", "-q", image]).ok();
            }
            Phase::Rm => {
                sb.engine(&["pull", "-q", image]).ok();
                sb.engine(&["run", "-d", "--name", VICTIM, image, "sleep", MARKER])
                    .ok();
            }
        }
    }

    /// Asserts the retried operation worked. A retried rm or rmi may find its work done by the
    /// killed one; then it must say so, and the container or image must be gone.
    #[track_caller]
    fn assert_retry_worked(self, sb: &Sandbox, image: &str, out: &Out) {
        if out.code == 0 {
            return;
        }
        let already_done = match self {
            Phase::Rm => "no such container",
            Phase::Rmi => "is not in the local store",
            Phase::Pull | Phase::Run => panic!("the retried {} failed\n{out}", self.label()),
        };
        let line = error_line(&out.stderr).unwrap_or_default();
        assert!(
            out.code == 125 && line.contains(already_done),
            "the retried {} failed\n{out}",
            self.label()
        );
        let listing = match self {
            Phase::Rm => sb.engine(&["ps", "-a", "--format", "{{.Names}}"]),
            _ => sb.engine(&["images", "--format", "{{.Repository}}:{{.Tag}}"]),
        };
        let gone = if self == Phase::Rm { VICTIM } else { image };
        assert!(
            !listing.ok().stdout.lines().any(|l| l == gone),
            "{gone} is still listed after the killed {}\n{listing}",
            self.label()
        );
    }
}

/// How long each operation takes here, to spread the kills over it: the faster of two runs
/// (the first may pay for one-time work such as the storage driver probe).
fn measure(sb: &Sandbox, phase: Phase, image: &str) -> Duration {
    let args = phase.args(image);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut fastest = Duration::MAX;
    for _ in 0..2 {
        phase.prepare(sb, image);
        let started = Instant::now();
        sb.engine(&args).ok();
        fastest = fastest.min(started.elapsed());
    }
    fastest
}

/// Starts the operation, SIGKILLs its process group after `delay`, and says whether the kill
/// came before it finished.
fn kill_after(sb: &Sandbox, args: &[&str], delay: Duration) -> bool {
    let mut child = sb.engine_spawn(args);
    thread::sleep(delay);
    let finished = child.try_wait().expect("polling the engine").is_some();
    if !finished {
        let group = -(child.id() as i32);
        // SAFETY: plain syscall on our own unreaped child's process group.
        unsafe { libc::kill(group, libc::SIGKILL) };
    }
    child.wait().expect("reaping the killed engine");
    !finished
}

#[test]
fn engine_killed_at_random_points_leaves_a_store_that_works_and_checks_clean() {
    let seed = seed("CRASH_SEED");
    let trials: u32 = std::env::var("CRASH_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(52);
    let mut rng = Rng::new(seed);
    let sb = Sandbox::new();
    let image = images()[0];
    let durations: BTreeMap<Phase, Duration> = Phase::ALL
        .iter()
        .map(|&p| (p, measure(&sb, p, image)))
        .collect();
    eprintln!("durations: {durations:?}");

    let mut tally: BTreeMap<(Phase, bool), u32> = BTreeMap::new();
    let started = Instant::now();
    for trial in 0..trials {
        let phase = *rng.pick(&Phase::ALL);
        let window = durations[&phase].as_millis() as u64 * 6 / 5;
        let delay = Duration::from_millis(rng.below(window.max(1)));
        phase.prepare(&sb, image);
        let args = phase.args(image);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let killed = kill_after(&sb, &args, delay);
        let context = format!(
            "after trial {trial} (seed {seed}): {} killed after {delay:?}",
            phase.label()
        );
        let retry = sb.engine(&args);
        phase.assert_retry_worked(&sb, image, &retry);
        assert_store_clean(&sb, &context);
        *tally.entry((phase, killed)).or_default() += 1;
    }
    eprintln!("{trials} trials in {:?}", started.elapsed());

    sb.engine(&["rm", "-f", "-a"]).ok();
    sb.engine(&["rmi", "-a"]).ok();
    assert_store_clean(&sb, "after removing everything");
    assert_host_clean(&sb, MARKER);

    for ((phase, killed), count) in &tally {
        let case = match killed {
            true => format!("{} killed mid-way", phase.label()),
            false => format!("{} finished before the kill", phase.label()),
        };
        eprintln!("{case:<40} {count}");
        report::record(
            "reliability",
            "crash trials",
            &case,
            &format!("{count} trials: retry worked, system check clean"),
        );
    }
    report::record(
        "reliability",
        "crash runs",
        &format!("{trials} SIGKILL trials, seed {seed}"),
        "every retry worked; system check clean without --repair",
    );
}
