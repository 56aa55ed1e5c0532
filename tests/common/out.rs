//! The result of a finished command, with assertions that print all of it on failure.

use std::fmt;

pub struct Out {
    /// The command line, for failure messages.
    pub command: String,
    /// The exit code; 128 + N when killed by signal N (as a shell reports it).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Asserts exit code 0.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        if self.code != 0 {
            panic!("expected success\n{self}");
        }
        self
    }

    /// Asserts this exit code.
    #[track_caller]
    pub fn fails_with(&self, code: i32) -> &Self {
        if self.code != code {
            panic!("expected exit code {code}\n{self}");
        }
        self
    }

    /// Asserts that stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        if !self.stderr.contains(needle) {
            panic!("expected stderr to contain {needle:?}\n{self}");
        }
        self
    }

    /// Asserts that stdout contains `needle`.
    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        if !self.stdout.contains(needle) {
            panic!("expected stdout to contain {needle:?}\n{self}");
        }
        self
    }

    /// stdout without the trailing newline, for commands that print one value.
    pub fn line(&self) -> &str {
        self.stdout.trim_end_matches('\n')
    }
}

impl fmt::Display for Out {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "command: {}", self.command)?;
        writeln!(f, "exit code: {}", self.code)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}
