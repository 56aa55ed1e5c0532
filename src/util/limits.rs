//! Ceilings on what a registry or an image may make the engine hold or write, and the network
//! timeouts, each overridable by an environment variable (documented in the README).
//!
//! A tiny gzip or zstd blob can inflate to terabytes and a registry can stream a "manifest" or a
//! token forever, so every such quantity is bounded; the bounds are generous enough that no real
//! image meets them, and a variable raises (or, in tests, lowers) them.

use std::time::Duration;

use anyhow::{Result, bail};

/// Uncompressed bytes of one layer (`ENGINE_MAX_LAYER_SIZE`, bytes).
pub const LAYER_SIZE_VAR: &str = "ENGINE_MAX_LAYER_SIZE";
/// 64 GiB: larger than any real layer, small enough to stop a decompression bomb early.
const DEFAULT_LAYER_SIZE: u64 = 64 << 30;

/// Tar entries in one layer (`ENGINE_MAX_LAYER_ENTRIES`).
pub const LAYER_ENTRIES_VAR: &str = "ENGINE_MAX_LAYER_ENTRIES";
/// Ten times the largest layers seen in practice; each directory costs the unpacker memory.
const DEFAULT_LAYER_ENTRIES: u64 = 10_000_000;

/// Seconds to connect, and to wait for each read from a registry (`ENGINE_REGISTRY_TIMEOUT`).
pub const TIMEOUT_VAR: &str = "ENGINE_REGISTRY_TIMEOUT";
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Token responses above this are refused (containers/image uses the same 1 MiB bound).
pub const MAX_TOKEN_BYTES: usize = 1 << 20;

/// The per-layer ceiling on uncompressed bytes.
pub fn max_layer_size() -> Result<u64> {
    read_var(LAYER_SIZE_VAR, DEFAULT_LAYER_SIZE)
}

/// The per-layer ceiling on tar entries.
pub fn max_layer_entries() -> Result<u64> {
    read_var(LAYER_ENTRIES_VAR, DEFAULT_LAYER_ENTRIES)
}

/// Connect and read timeouts for registry requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Longest wait for the next bytes of an answer (headers or body), not for the whole answer:
    /// a large layer over a slow link must not fail, a stalled server must.
    pub read: Duration,
}

pub fn registry_timeouts() -> Result<Timeouts> {
    match std::env::var_os(TIMEOUT_VAR) {
        None => Ok(Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT,
            read: DEFAULT_READ_TIMEOUT,
        }),
        Some(_) => {
            let seconds = read_var(TIMEOUT_VAR, 0)?;
            let both = Duration::from_secs(seconds);
            Ok(Timeouts {
                connect: both,
                read: both,
            })
        }
    }
}

fn read_var(name: &str, default: u64) -> Result<u64> {
    let Some(raw) = std::env::var_os(name) else {
        return Ok(default);
    };
    parse_positive(name, &raw.to_string_lossy())
}

fn parse_positive(name: &str, text: &str) -> Result<u64> {
    match text.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => bail!("{name}={text:?} is not a positive whole number; fix or unset it"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_must_be_positive_numbers() {
        assert_eq!(parse_positive("X", " 42 ").unwrap(), 42);
        for bad in ["0", "-1", "1G", "", "1.5"] {
            let err = parse_positive("X", bad).unwrap_err().to_string();
            assert!(err.starts_with("X=") && err.contains("positive"), "{err}");
        }
    }
}
