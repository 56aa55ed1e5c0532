//! Shell completion, computed by the binary itself (clap_complete's dynamic engine).
//!
//! The scripts in `completions/` (what `engine completion SHELL` prints) are short stubs: on
//! Tab they run `engine` again with [`COMPLETE_VAR`] set and the words typed so far, and the
//! binary answers from its own clap tree. Commands, aliases and flags therefore never go stale,
//! and arguments naming containers, images or volumes offer the ones in the store: mark them
//! with `#[arg(add = complete::containers())]` (or [`running_containers`], [`images`], ...).
//!
//! Completing must be quick and harmless: it reads the store but never reconciles records,
//! takes no exclusive lock and prints nothing but candidates.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::PathBuf;

use clap_complete::engine::{
    ArgValueCompleter, CompletionCandidate, PathCompleter, ValueCompleter,
};
use clap_complete::env::{Bash, EnvCompleter, Fish, Zsh};

use super::Session;
use crate::container::state;
use crate::store::{ContainerRecord, Store};

/// The variable that turns a run of the binary into a completion request (not clap's default
/// `COMPLETE`, which is too generic a name to leave in anyone's environment).
pub const COMPLETE_VAR: &str = "_ENGINE_COMPLETE";

/// Answers a completion request and exits, when [`COMPLETE_VAR`] is set; returns otherwise.
pub fn answer_if_asked() {
    if std::env::var_os(COMPLETE_VAR).is_none() {
        return;
    }
    clap_complete::CompleteEnv::with_factory(super::command)
        .var(COMPLETE_VAR)
        .bin(super::program_name())
        .complete();
}

/// The shells `completion` supports.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

impl CompletionShell {
    fn adapter(self) -> &'static dyn EnvCompleter {
        match self {
            CompletionShell::Bash => &Bash,
            CompletionShell::Zsh => &Zsh,
            CompletionShell::Fish => &Fish,
        }
    }

    /// The file name each shell looks for when it loads completions on demand.
    pub fn file_name(self, program: &str) -> String {
        match self {
            CompletionShell::Bash => format!("{program}.bash"),
            CompletionShell::Zsh => format!("_{program}"),
            CompletionShell::Fish => format!("{program}.fish"),
        }
    }
}

/// The script that makes `shell` complete `program` by asking `program` itself (found in
/// `$PATH` when the user presses Tab, so the script works wherever the binary is installed).
pub fn write_script(
    shell: CompletionShell,
    program: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    shell
        .adapter()
        .write_registration(COMPLETE_VAR, program, program, program, out)
}

/// Completes any container's name (or ID, once the typed prefix matches one).
pub fn containers() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| container_candidates(current, |_| true))
}

/// Completes running containers (for stop, kill, exec, attach...).
pub fn running_containers() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| container_candidates(current, state::is_running))
}

/// Completes containers that do not run (for start).
pub fn stopped_containers() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        container_candidates(current, |r| !state::is_running(r))
    })
}

/// Completes local image names (`docker.io/library/busybox:latest`, also as `busybox:latest`),
/// and IDs once the typed prefix matches one.
pub fn images() -> ArgValueCompleter {
    ArgValueCompleter::new(image_candidates)
}

/// Completes containers, then local images (`diff`, which takes either).
pub fn containers_and_images() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let mut candidates = container_candidates(current, |_| true);
        candidates.extend(image_candidates(current));
        candidates
    })
}

/// Completes local images, or directories when the word starts like a path (`run --rootfs`).
pub fn images_or_directories() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        if current.to_string_lossy().starts_with(['/', '.', '~']) {
            PathCompleter::dir().complete(current)
        } else {
            image_candidates(current)
        }
    })
}

/// Completes volume names.
pub fn volumes() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let Some(store) = open_existing_store() else {
            return Vec::new();
        };
        let prefix = current.to_string_lossy();
        store
            .volumes()
            .unwrap_or_default()
            .into_iter()
            .filter(|v| v.starts_with(prefix.as_ref()))
            .map(CompletionCandidate::new)
            .collect()
    })
}

fn container_candidates(
    current: &OsStr,
    wanted: fn(&ContainerRecord) -> bool,
) -> Vec<CompletionCandidate> {
    let Some(store) = open_existing_store() else {
        return Vec::new();
    };
    let prefix = current.to_string_lossy();
    let mut out = Vec::new();
    for record in store.containers().unwrap_or_default() {
        if !wanted(&record) {
            continue;
        }
        let status = if state::is_running(&record) {
            "running"
        } else {
            "not running"
        };
        let help = format!("{} {status}, {}", short_id(&record.id), record.image_name);
        if record.name.starts_with(prefix.as_ref()) {
            out.push(CompletionCandidate::new(&record.name).help(Some(help.clone().into())));
        }
        if !prefix.is_empty() && record.id.starts_with(prefix.as_ref()) {
            out.push(CompletionCandidate::new(short_id(&record.id)).help(Some(record.name.into())));
        }
    }
    out
}

fn image_candidates(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(store) = open_existing_store() else {
        return Vec::new();
    };
    let prefix = current.to_string_lossy();
    let mut out: Vec<CompletionCandidate> = Vec::new();
    for image in store.images().unwrap_or_default() {
        let id = short_id(&image.id);
        for name in &image.names {
            // What users type for Docker Hub images: busybox:latest rather than the full name.
            let familiar = name.strip_prefix("docker.io/library/");
            for candidate in std::iter::once(name.as_str()).chain(familiar) {
                if candidate.starts_with(prefix.as_ref()) {
                    out.push(CompletionCandidate::new(candidate).help(Some(id.to_string().into())));
                }
            }
        }
        if !prefix.is_empty() && image.id.starts_with(prefix.as_ref()) {
            out.push(CompletionCandidate::new(id));
        }
    }
    out
}

fn short_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// The store the command line being completed refers to (its `--root`, else `ENGINE_ROOT`,
/// else the default), if it exists: completing never creates one.
fn open_existing_store() -> Option<Store> {
    // The global options from the environment (ENGINE_ROOT...), as the command would see them.
    #[derive(clap::Parser)]
    struct Globals {
        #[command(flatten)]
        global: super::GlobalOpts,
    }
    let mut global = <Globals as clap::Parser>::try_parse_from(["engine"])
        .ok()?
        .global;
    global.root = root_in_words(std::env::args_os()).or(global.root);
    let session = Session::new(global).ok()?;
    if !session.store_root().is_dir() {
        return None;
    }
    session.open_store().ok()
}

/// The value of `--root` among the words being completed (`engine -- engine --root DIR ...`).
fn root_in_words(args: impl Iterator<Item = OsString>) -> Option<PathBuf> {
    let words: Vec<OsString> = args.skip_while(|a| a != "--").collect();
    let mut root = None;
    for (index, word) in words.iter().enumerate() {
        let text = word.to_string_lossy();
        if let Some(value) = text.strip_prefix("--root=") {
            root = Some(PathBuf::from(value));
        } else if text == "--root" {
            root = words.get(index + 1).map(PathBuf::from);
        }
    }
    root.filter(|r| !r.as_os_str().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> impl Iterator<Item = OsString> {
        words
            .iter()
            .map(OsString::from)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn root_comes_from_the_words_being_completed() {
        let root = |w: &[&str]| root_in_words(args(w));
        assert_eq!(
            root(&["engine", "--", "engine", "--root", "/s", "rm", ""]),
            Some(PathBuf::from("/s"))
        );
        assert_eq!(
            root(&["engine", "--", "engine", "rm", "--root=/t", "x"]),
            Some(PathBuf::from("/t"))
        );
        // The completer's own argv[0] before `--` does not count; neither does a missing value.
        assert_eq!(root(&["--root", "/x", "--", "engine", "rm"]), None);
        assert_eq!(root(&["engine", "--", "engine", "--root"]), None);
    }

    #[test]
    fn scripts_call_the_program_back_with_the_variable() {
        for shell in [
            CompletionShell::Bash,
            CompletionShell::Zsh,
            CompletionShell::Fish,
        ] {
            let mut out = Vec::new();
            write_script(shell, "docker", &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains(COMPLETE_VAR), "{shell:?}: {text}");
            assert!(text.contains("docker"), "{shell:?}: {text}");
            assert!(!text.contains("engine"), "{shell:?}: {text}");
        }
    }
}
