//! The spec's runtime-side hooks for `engine oci`: `prestart` and `createRuntime` once the
//! container is created, `poststart` after `start`, `poststop` after `delete`. Each runs on
//! the host with the container's state (JSON) on its standard input, as the runtime spec says.
//! (`createContainer` and `startContainer` would run inside the container; they are not run.)

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use oci_spec::runtime::{Hook, Hooks, Spec};

use super::oci_state::OciState;

/// The points of the life cycle that run hooks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// `prestart` then `createRuntime`: a failure fails `create`.
    Created,
    /// `poststart`: a failure is a warning.
    Started,
    /// `poststop`: a failure is a warning.
    Deleted,
}

/// The hooks of `stage` in the spec, in the order they run.
pub fn hooks_for(hooks: &Hooks, stage: Stage) -> Vec<Hook> {
    let lists = match stage {
        Stage::Created => vec![hooks.prestart(), hooks.create_runtime()],
        Stage::Started => vec![hooks.poststart()],
        Stage::Deleted => vec![hooks.poststop()],
    };
    lists.into_iter().flatten().flatten().cloned().collect()
}

/// Runs the hooks of `stage` from the bundle of `state`. A failing `Created` hook is an error;
/// later ones only print a warning and the others still run.
pub fn run(state: &OciState, stage: Stage) -> Result<()> {
    let path = state.bundle.join("config.json");
    let spec = Spec::load(&path).with_context(|| format!("load {}", path.display()))?;
    let Some(hooks) = spec.hooks() else {
        return Ok(());
    };
    let input = serde_json::to_vec(state).context("serialize the container state")?;
    for hook in hooks_for(hooks, stage) {
        match run_one(&hook, &input) {
            Ok(()) => {}
            Err(err) if stage == Stage::Created => return Err(err),
            Err(err) => eprintln!("WARNING: {err:#}"),
        }
    }
    Ok(())
}

/// Runs one hook with `input` on its stdin and waits for it (up to its timeout).
pub fn run_one(hook: &Hook, input: &[u8]) -> Result<()> {
    let path = hook.path();
    let describe = || format!("hook {}", path.display());
    let args = hook.args().clone().unwrap_or_default();
    let mut command = Command::new(path);
    if let Some((argv0, rest)) = args.split_first() {
        command.arg0(argv0).args(rest);
    }
    command.env_clear();
    for pair in hook.env().as_deref().unwrap_or_default() {
        if let Some((key, value)) = pair.split_once('=') {
            command.env(key, value);
        }
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("{}: cannot run it", describe()))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its input closes the pipe early: not an error.
        let _ = stdin.write_all(input);
    }
    let timeout = hook
        .timeout()
        .and_then(|s| u64::try_from(s).ok())
        .map(Duration::from_secs);
    let status = wait(&mut child, timeout, path)?;
    if !status.success() {
        bail!("{} failed ({status})", describe());
    }
    Ok(())
}

fn wait(
    child: &mut std::process::Child,
    timeout: Option<Duration>,
    path: &Path,
) -> Result<std::process::ExitStatus> {
    let Some(timeout) = timeout else {
        return child
            .wait()
            .with_context(|| format!("wait for hook {}", path.display()));
    };
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().context("wait for a hook")? {
            return Ok(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "hook {} did not finish within its timeout of {} s",
                path.display(),
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
