//! Signal names as users type them (`TERM`, `SIGTERM`, `sigkill`, `9`, `RTMIN+3`), kept as raw
//! numbers so real-time signals, which `nix::Signal` cannot hold, work too.

use std::str::FromStr;

use anyhow::{Result, bail};
use nix::sys::signal::Signal;

/// The signal number `text` names.
pub fn parse(text: &str) -> Result<i32> {
    let trimmed = text.trim();
    if let Ok(number) = trimmed.parse::<i32>() {
        if (1..=libc::SIGRTMAX()).contains(&number) {
            return Ok(number);
        }
        bail!(
            "invalid signal {text:?}: numbers go from 1 to {}",
            libc::SIGRTMAX()
        );
    }
    let upper = trimmed.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(offset) = name.strip_prefix("RTMIN") {
        return realtime(text, libc::SIGRTMIN(), offset, 1);
    }
    if let Some(offset) = name.strip_prefix("RTMAX") {
        return realtime(text, libc::SIGRTMAX(), offset, -1);
    }
    match Signal::from_str(&format!("SIG{name}")) {
        Ok(signal) => Ok(signal as i32),
        Err(_) => bail!("unknown signal {text:?}: use a name like TERM or KILL, or a number"),
    }
}

/// `RTMIN`, `RTMIN+N`, `RTMAX`, `RTMAX-N`.
fn realtime(text: &str, base: i32, offset: &str, direction: i32) -> Result<i32> {
    let sign = if direction > 0 { '+' } else { '-' };
    let n: i32 = match offset {
        "" => 0,
        more => match more.strip_prefix(sign).and_then(|n| n.parse().ok()) {
            Some(n) => n,
            None => bail!("invalid signal {text:?}: use RTMIN+N or RTMAX-N"),
        },
    };
    let number = base + direction * n;
    if !(libc::SIGRTMIN()..=libc::SIGRTMAX()).contains(&number) {
        bail!("invalid signal {text:?}: outside the real-time signals");
    }
    Ok(number)
}

/// `SIGTERM` for 15, `SIGRTMIN+3` for real-time ones, the number otherwise.
pub fn name(number: i32) -> String {
    if let Ok(signal) = Signal::try_from(number) {
        return signal.as_str().to_string();
    }
    if (libc::SIGRTMIN()..=libc::SIGRTMAX()).contains(&number) {
        return format!("SIGRTMIN+{}", number - libc::SIGRTMIN());
    }
    number.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_realtime_signals() {
        for (text, expected) in [
            ("TERM", 15),
            ("SIGTERM", 15),
            ("sigkill", 9),
            ("9", 9),
            (" HUP ", 1),
            ("USR1", 10),
        ] {
            assert_eq!(parse(text).unwrap(), expected, "{text}");
        }
        assert_eq!(parse("RTMIN+3").unwrap(), libc::SIGRTMIN() + 3);
        assert_eq!(parse("SIGRTMAX-1").unwrap(), libc::SIGRTMAX() - 1);
        for bad in ["", "0", "99", "NOPE", "RTMIN+99", "RTMIN-1"] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(name(15), "SIGTERM");
        assert_eq!(name(libc::SIGRTMIN() + 2), "SIGRTMIN+2");
    }
}
