//! What was skipped and why, grouped by reason so a layer of a million files that all carry
//! an xattr we may not set yields one line, not a million.

use std::collections::HashMap;

use super::entry_path::EntryPath;

/// Distinct reasons kept; a hostile layer could otherwise invent one per entry.
const MAX_REASONS: usize = 64;
const OVERFLOW_REASON: &str = "other skipped items";

#[derive(Default)]
pub(super) struct Notes {
    reasons: Vec<Reason>,
    index: HashMap<String, usize>,
}

struct Reason {
    text: String,
    count: u64,
    first_entry: String,
}

impl Notes {
    /// Records that something about `entry` was skipped for `reason`.
    pub(super) fn note(&mut self, reason: impl Into<String>, entry: &EntryPath) {
        let mut reason = reason.into();
        if !self.index.contains_key(&reason) && self.reasons.len() >= MAX_REASONS {
            reason = OVERFLOW_REASON.to_owned();
        }
        match self.index.get(&reason) {
            Some(&i) => self.reasons[i].count += 1,
            None => {
                self.index.insert(reason.clone(), self.reasons.len());
                self.reasons.push(Reason {
                    text: reason,
                    count: 1,
                    first_entry: entry.quoted(),
                });
            }
        }
    }

    /// One line per reason, in the order they first occurred.
    pub(super) fn into_lines(self) -> Vec<String> {
        self.reasons
            .into_iter()
            .map(|r| match r.count {
                1 => format!("{}: {}", r.text, r.first_entry),
                n => format!("{}: {n} entries, first {}", r.text, r.first_entry),
            })
            .collect()
    }
}
