//! Column alignment with the semantics of Go's `text/tabwriter`, which podman
//! runs every table through (`tabwriter.NewWriter(w, 12, 2, 2, ' ', 0)`).
//!
//! Text is split into lines and lines into tab-terminated cells. The last cell
//! of a line is not tab-terminated, belongs to no column and is never padded.
//! A column is a run of adjacent lines that all have a cell at that position;
//! its width is the widest cell plus the padding, but at least the minimum
//! width. A line with fewer cells ends the column, so separately aligned
//! blocks can follow each other, exactly as in Go.

/// podman's table settings: minimum cell width 12, padding 2, padded with spaces.
pub const PODMAN: Settings = Settings {
    min_width: 12,
    padding: 2,
};

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Minimum width of a column, padding included.
    pub min_width: usize,
    /// Spaces added after the widest cell of a column.
    pub padding: usize,
}

/// One tab-terminated (or line-final) piece of text.
struct Cell<'a> {
    text: &'a str,
    /// Display width, counted in chars as Go counts runes.
    width: usize,
}

/// Aligns `text` (tab-separated cells, newline-separated lines).
pub fn align(text: &str, settings: Settings) -> String {
    let ends_with_newline = text.ends_with('\n');
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return text.to_string();
    }
    let lines: Vec<Vec<Cell>> = body
        .split('\n')
        .map(|line| {
            line.split('\t')
                .map(|text| Cell {
                    text,
                    width: text.chars().count(),
                })
                .collect()
        })
        .collect();
    let mut aligner = Aligner {
        settings,
        lines: &lines,
        widths: Vec::new(),
        out: String::with_capacity(text.len() * 2),
    };
    aligner.format(0, lines.len());
    let mut out = aligner.out;
    if !ends_with_newline {
        out.pop();
    }
    out
}

struct Aligner<'a> {
    settings: Settings,
    lines: &'a [Vec<Cell<'a>>],
    /// Widths of the columns to the left of the one being formatted.
    widths: Vec<usize>,
    out: String,
}

impl Aligner<'_> {
    /// Formats lines `start..end`, knowing the widths of columns left of `self.widths.len()`.
    fn format(&mut self, start: usize, end: usize) {
        let column = self.widths.len();
        let has_cell = |line: &Vec<Cell>| column + 1 < line.len();
        let mut pending = start; // first line not yet written
        let mut this = start;
        while this < end {
            if !has_cell(&self.lines[this]) {
                this += 1;
                continue;
            }
            // A column block starts here: write what precedes it, measure it, recurse.
            self.write_lines(pending, this);
            let block_start = this;
            let mut width = self.settings.min_width;
            while this < end && has_cell(&self.lines[this]) {
                width = width.max(self.lines[this][column].width + self.settings.padding);
                this += 1;
            }
            self.widths.push(width);
            self.format(block_start, this);
            self.widths.pop();
            pending = this;
        }
        self.write_lines(pending, end);
    }

    fn write_lines(&mut self, start: usize, end: usize) {
        for line in &self.lines[start..end] {
            for (j, cell) in line.iter().enumerate() {
                self.out.push_str(cell.text);
                if let Some(&width) = self.widths.get(j) {
                    let fill = width.saturating_sub(cell.width);
                    self.out.extend(std::iter::repeat_n(' ', fill));
                }
            }
            self.out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_containers_common_default_writer() {
        // The expectation of containers/common's TestNewWriterDefault.
        let got = align("a46001bfea3a4172b46c173101208244\tRandom\tuuid", PODMAN);
        assert_eq!(got, "a46001bfea3a4172b46c173101208244  Random      uuid");
    }

    #[test]
    fn pads_short_columns_to_min_width_and_leaves_last_cell_alone() {
        let got = align("ID\tNAME\nabc\tx\n", PODMAN);
        assert_eq!(got, "ID          NAME\nabc         x\n");
    }

    #[test]
    fn widest_cell_sets_the_column_width() {
        let text = "REPOSITORY\tTAG\tSIZE\n\
                    docker.io/library/busybox\tlatest\t4.26 MB\n\
                    x\tverylongtagvalue\t1 B\n";
        let want = "REPOSITORY                 TAG               SIZE\n\
                    docker.io/library/busybox  latest            4.26 MB\n\
                    x                          verylongtagvalue  1 B\n";
        assert_eq!(align(text, PODMAN), want);
    }

    #[test]
    fn counts_chars_not_bytes() {
        let got = align(
            "héllo wörld ünïcode\tb\nx\ty\n",
            Settings {
                min_width: 0,
                padding: 1,
            },
        );
        assert_eq!(got, "héllo wörld ünïcode b\nx                   y\n");
    }

    #[test]
    fn a_line_without_tabs_ends_the_column_block() {
        let text = "a\tb\nseparator line\nlonger-cell-here\tc\n";
        let got = align(
            text,
            Settings {
                min_width: 0,
                padding: 1,
            },
        );
        assert_eq!(got, "a b\nseparator line\nlonger-cell-here c\n");
    }

    #[test]
    fn trailing_tab_pads_the_cell_before_it() {
        let got = align(
            "a\tb\t\n",
            Settings {
                min_width: 4,
                padding: 1,
            },
        );
        assert_eq!(got, "a   b   \n");
    }

    #[test]
    fn keeps_missing_final_newline_and_empty_input() {
        assert_eq!(
            align(
                "a\tb",
                Settings {
                    min_width: 3,
                    padding: 1
                }
            ),
            "a  b"
        );
        assert_eq!(align("", PODMAN), "");
        assert_eq!(align("\n", PODMAN), "\n");
    }
}
