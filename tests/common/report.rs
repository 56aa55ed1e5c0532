//! Rows for SECURITY.md: security and reliability tests record what they tried and what
//! happened, and `tests/security/report.sh` turns the rows into the report's tables.
//!
//! A row goes to `$ENGINE_TEST_REPORT_DIR/<suite>.tsv` (tab-separated: area, case, outcome) when
//! that variable is set; otherwise recording does nothing, so the tests run the same either way.

use std::io::Write;

/// Appends one row: `area` groups rows into a table (e.g. "hostile image"), `case` says what
/// was tried, `outcome` what the engine did (e.g. "refused: path escapes the layer").
pub fn record(suite: &str, area: &str, case: &str, outcome: &str) {
    let Some(dir) = std::env::var_os("ENGINE_TEST_REPORT_DIR") else {
        return;
    };
    let clean = |s: &str| s.replace(['\t', '\n'], " ");
    let path = std::path::Path::new(&dir).join(format!("{suite}.tsv"));
    let row = format!("{}\t{}\t{}\n", clean(area), clean(case), clean(outcome));
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?
            .write_all(row.as_bytes())
    });
    if let Err(e) = written {
        panic!("recording a report row in {}: {e}", path.display());
    }
}
