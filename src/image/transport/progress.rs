//! Per-blob progress while copying: bars on a terminal, podman's "Copying blob" lines otherwise
//! (unless quiet).

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::util::digest::Digest;

pub struct Progress {
    bars: Option<MultiProgress>,
    /// Plain status lines on stderr (not a terminal, not quiet).
    lines: bool,
}

impl Progress {
    pub fn new(bars: bool, quiet: bool) -> Progress {
        Progress {
            bars: (bars && !quiet)
                .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            lines: !bars && !quiet,
        }
    }

    /// A bar for one blob of `size` bytes (0 when unknown).
    pub fn bar(&self, what: &str, digest: &Digest, size: u64) -> ProgressBar {
        let short = &digest.hex()[..12];
        if self.lines {
            eprintln!("Copying {what} {short}");
        }
        let Some(bars) = &self.bars else {
            return ProgressBar::hidden();
        };
        let bar = bars.add(ProgressBar::new(size));
        let template = "Copying {prefix} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}";
        bar.set_style(
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_prefix(format!("{what} {short}"));
        bar
    }

    /// A blob the destination already has.
    pub fn skipped(&self, what: &str, digest: &Digest) {
        let line = format!(
            "Copying {what} {} skipped: already exists",
            &digest.hex()[..12]
        );
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(line);
            }
            None if self.lines => eprintln!("{line}"),
            None => {}
        }
    }

    /// A status line such as "Writing manifest to image destination".
    pub fn say(&self, line: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(line);
            }
            None if self.lines => eprintln!("{line}"),
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(bars) = &self.bars {
            let _ = bars.clear();
        }
    }
}
