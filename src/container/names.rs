//! Container IDs and names: 64 random hex digits, and docker-style `adjective_noun` names.

use std::io::Read;

use anyhow::{Context, Result, bail};

/// 32 random bytes from the kernel, as 64 hex digits.
pub fn random_id() -> Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom for a container id")?;
    Ok(hex::encode(bytes))
}

const ADJECTIVES: &[&str] = &[
    "amazing",
    "brave",
    "calm",
    "clever",
    "dazzling",
    "eager",
    "elegant",
    "fervent",
    "focused",
    "gallant",
    "happy",
    "hungry",
    "jolly",
    "keen",
    "kind",
    "lucid",
    "modest",
    "nifty",
    "optimistic",
    "peaceful",
    "quirky",
    "relaxed",
    "serene",
    "sharp",
    "stoic",
    "tender",
    "trusting",
    "upbeat",
    "vibrant",
    "wizardly",
    "youthful",
    "zealous",
];

const NOUNS: &[&str] = &[
    "albattani",
    "babbage",
    "banach",
    "bohr",
    "curie",
    "darwin",
    "dijkstra",
    "einstein",
    "euclid",
    "fermi",
    "galileo",
    "goldberg",
    "hamilton",
    "hopper",
    "hypatia",
    "kepler",
    "knuth",
    "lamport",
    "lovelace",
    "meitner",
    "newton",
    "noether",
    "pasteur",
    "ritchie",
    "shannon",
    "sinoussi",
    "thompson",
    "torvalds",
    "turing",
    "wozniak",
    "yalow",
    "zhukovsky",
];

/// A name derived from the id (so it is stable for one container and varied across them).
pub fn generated_name(id: &str) -> String {
    let n = u64::from_str_radix(&id[..16], 16).unwrap_or(0);
    let adjective = ADJECTIVES[(n % ADJECTIVES.len() as u64) as usize];
    let noun = NOUNS[((n / ADJECTIVES.len() as u64) % NOUNS.len() as u64) as usize];
    format!("{adjective}_{noun}")
}

/// docker's rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn check_name(name: &str) -> Result<String> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok
        || !chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        || name.len() > 253
    {
        bail!(
            "invalid container name {name:?}: use letters, digits, '_', '.' and '-', starting with a letter or digit"
        );
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        let id = random_id().unwrap();
        assert_eq!(id.len(), 64);
        assert_ne!(id, random_id().unwrap());
        assert!(check_name(&generated_name(&id)).is_ok());
        assert!(check_name("web-1.a_b").is_ok());
        for bad in ["", "-x", "a b", "a/b", "ä"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
