//! The owner change of a shifted copy, and its command-line form.

use anyhow::{Result, bail};

use crate::runtime::userns::{IdMappings, IdRange};

/// What the kernel shows for an ID a namespace cannot represent.
const OVERFLOW_ID: u32 = 65534;

/// A container layout relative to the storage namespace (`IdMappings::relative_to`): an image
/// owner `u`, seen in the storage namespace, becomes `relative(u)` in the copy. Owners the
/// container does not map go to an ID it does not map either (the user, for auto), so they
/// show as `nobody` there rather than as some other image user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdShift {
    uids: Vec<IdRange>,
    gids: Vec<IdRange>,
}

impl IdShift {
    pub fn new(relative: &IdMappings) -> IdShift {
        IdShift {
            uids: relative.uids.clone(),
            gids: relative.gids.clone(),
        }
    }

    /// Parses the `--uids`/`--gids` arguments of the helper.
    pub fn parse(uids: &str, gids: &str) -> Result<IdShift> {
        Ok(IdShift {
            uids: parse_ranges(uids)?,
            gids: parse_ranges(gids)?,
        })
    }

    /// `CONTAINER:STORAGE:SIZE,...`, the helper's argument form of `ranges`.
    pub fn format(ranges: &[IdRange]) -> String {
        ranges
            .iter()
            .map(|r| format!("{}:{}:{}", r.container, r.host, r.size))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Whether nothing moves (the container layout is the storage one).
    pub fn is_identity(&self) -> bool {
        let same = |ranges: &[IdRange]| ranges.iter().all(|r| r.container == r.host);
        same(&self.uids) && same(&self.gids)
    }

    pub fn uid(&self, id: u32) -> u32 {
        shifted(&self.uids, id)
    }

    pub fn gid(&self, id: u32) -> u32 {
        shifted(&self.gids, id)
    }
}

fn shifted(ranges: &[IdRange], id: u32) -> u32 {
    if let Some(to) = ranges.iter().find_map(|r| r.to_host(id)) {
        return to;
    }
    // Unmapped in the container: an ID of ours that it does not map either.
    let hit = |target: u32| {
        ranges
            .iter()
            .any(|r| r.host <= target && target - r.host < r.size)
    };
    [0, OVERFLOW_ID]
        .into_iter()
        .find(|candidate| !hit(*candidate))
        .unwrap_or(OVERFLOW_ID)
}

fn parse_ranges(text: &str) -> Result<Vec<IdRange>> {
    let bad = || format!("bad ID map {text:?}: expected CONTAINER:STORAGE:SIZE,...");
    let mut ranges = Vec::new();
    for part in text.split(',') {
        let numbers: Vec<u32> = part
            .split(':')
            .map(|n| n.parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| anyhow::anyhow!(bad()))?;
        let [container, host, size] = numbers[..] else {
            bail!(bad());
        };
        if size == 0 || container.checked_add(size - 1).is_none() {
            bail!(bad());
        }
        ranges.push(IdRange {
            container,
            host,
            size,
        });
    }
    Ok(ranges)
}
