//! `run`/`create` flags that become the container's [`RunSettings`]: how the monitor runs it,
//! stops it, restarts it and keeps its log.

use anyhow::{Context, Result, bail};

use super::run::RunArgs;
use crate::store::{RestartPolicy, RunSettings};

/// The settings the monitor and `stop` use, from the flags.
pub fn run_settings(args: &RunArgs) -> Result<RunSettings> {
    let restart_policy = parse_restart(args.restart.as_deref())?;
    if args.rm && !matches!(restart_policy.name.as_str(), "" | "no") {
        bail!(
            "--rm and --restart {} conflict: a removed container cannot be restarted",
            restart_policy.name
        );
    }
    if let Some(signal) = &args.stop_signal {
        crate::util::signal::parse(signal).with_context(|| format!("--stop-signal {signal}"))?;
    }
    let log_driver = match args.log_driver.as_str() {
        "k8s-file" | "" => "k8s-file",
        "none" => "none",
        "journald" | "passthrough" => bail!(
            "--log-driver {}: not available in engine; use k8s-file (read with `engine logs`) or none",
            args.log_driver
        ),
        other => bail!("invalid --log-driver {other:?}: use k8s-file or none"),
    };
    let mut log_max_size = None;
    for opt in &args.log_opt {
        match opt.split_once('=') {
            Some(("max-size", size)) => {
                log_max_size = Some(parse_size(size).with_context(|| format!("--log-opt {opt}"))?)
            }
            _ => bail!("invalid --log-opt {opt:?}: use max-size=SIZE (e.g. 10mb)"),
        }
    }
    Ok(RunSettings {
        tty: args.tty,
        interactive: args.interactive,
        auto_remove: args.rm,
        restart_policy,
        stop_signal: args.stop_signal.clone().unwrap_or_default(),
        stop_timeout: args.stop_timeout,
        log_driver: log_driver.into(),
        log_max_size,
        monitor_pidfile: args
            .conmon_pidfile
            .as_ref()
            .map(std::path::absolute)
            .transpose()
            .context("--conmon-pidfile")?,
        ..RunSettings::default()
    })
}

/// `no`, `always`, `on-failure[:N]`, `unless-stopped`.
fn parse_restart(text: Option<&str>) -> Result<RestartPolicy> {
    let Some(text) = text else {
        return Ok(RestartPolicy::default());
    };
    let (name, retries) = match text.split_once(':') {
        Some((name, n)) => (name, Some(n)),
        None => (text, None),
    };
    let max_retries = match (name, retries) {
        ("no" | "always" | "unless-stopped", None) => 0,
        ("on-failure", None) => 0,
        ("on-failure", Some(n)) => n.parse().with_context(|| {
            format!("invalid --restart {text:?}: the retry count must be a number")
        })?,
        _ => bail!(
            "invalid --restart {text:?}: use no, always, on-failure[:MAX_RETRIES] or unless-stopped"
        ),
    };
    Ok(RestartPolicy {
        name: name.to_string(),
        max_retries,
    })
}

/// `1024`, `10k`, `10kb`, `5m`, `1.5g` (powers of 1024, as docker's units).
fn parse_size(text: &str) -> Result<u64> {
    let lower = text.trim().to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(digits_end);
    let number: f64 = number
        .parse()
        .with_context(|| format!("invalid size {text:?}: use a number with b, k, m or g"))?;
    let factor: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => bail!("invalid size {text:?}: use a number with b, k, m or g"),
    };
    let bytes = (number * factor as f64) as u64;
    if bytes == 0 {
        bail!("invalid size {text:?}: must be more than 0 bytes");
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_policies_parse_like_docker() {
        assert_eq!(parse_restart(None).unwrap(), RestartPolicy::default());
        let on_failure = parse_restart(Some("on-failure:3")).unwrap();
        assert_eq!(
            (on_failure.name.as_str(), on_failure.max_retries),
            ("on-failure", 3)
        );
        assert_eq!(parse_restart(Some("always")).unwrap().name, "always");
        for bad in ["sometimes", "always:2", "on-failure:x", "no:1"] {
            assert!(parse_restart(Some(bad)).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn sizes_take_docker_units() {
        assert_eq!(parse_size("1024").unwrap(), 1024);
        assert_eq!(parse_size("10k").unwrap(), 10 << 10);
        assert_eq!(parse_size("5MB").unwrap(), 5 << 20);
        assert_eq!(parse_size("1.5g").unwrap(), 3 << 29);
        for bad in ["", "0", "ten", "5tb", "-1"] {
            assert!(parse_size(bad).is_err(), "{bad:?} accepted");
        }
    }
}
