//! Taking apart the command line a container was created with (`record.create_command`), so
//! `generate systemd --new` can replay it with the options a unit needs instead of the ones it
//! must not repeat. The walk follows the clap definitions, so it knows which options take a
//! value exactly as the parser that accepted the command did.

use anyhow::{Result, bail};

/// A recorded `engine [GLOBAL...] [container] run|create [OPTION...] IMAGE [ARG...]`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RecordedRun {
    /// Global options, wherever they appeared, each with its value.
    pub global: Vec<Vec<String>>,
    /// `run` options, each with its value.
    pub options: Vec<Vec<String>>,
    /// The image (or `--rootfs` directory) and the command after it.
    pub positionals: Vec<String>,
}

/// Splits `argv` (argv[0] first) by the definitions of `root` (built: global options present in
/// every subcommand). Fails unless it is a `run` or `create` command line.
pub fn split_command_line(root: &clap::Command, argv: &[String]) -> Result<RecordedRun> {
    let mut recorded = RecordedRun::default();
    let mut cmd = root;
    let mut words = argv.iter().skip(1).peekable();
    // Down the subcommands: only global options may come before the last one.
    while cmd.has_subcommands() {
        let Some(word) = words.next() else {
            bail!("the command line stops before naming a command");
        };
        if word.starts_with('-') {
            let option = take_option(cmd, word, &mut words)?;
            recorded
                .global
                .extend(option.into_iter().map(|(_, words)| words));
            continue;
        }
        cmd = cmd
            .get_subcommands()
            .find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
            .ok_or_else(|| anyhow::anyhow!("unknown command {word:?}"))?;
    }
    if !matches!(cmd.get_name(), "run" | "create") {
        bail!("it was made by `{}`, not by run or create", cmd.get_name());
    }
    while let Some(word) = words.next() {
        if word == "--" {
            recorded.positionals.extend(words.by_ref().cloned());
            break;
        }
        if word.starts_with('-') && word.len() > 1 {
            for (arg, option) in take_option(cmd, word, &mut words)? {
                if arg.is_global_set() {
                    recorded.global.push(option);
                } else {
                    recorded.options.push(option);
                }
            }
            continue;
        }
        // The image: everything after it is the container's command, options included.
        recorded.positionals.push(word.clone());
        recorded.positionals.extend(words.by_ref().cloned());
    }
    Ok(recorded)
}

/// The option(s) `word` starts, with their values: `--long`, `--long=value`, `--long value`,
/// `-s`, `-svalue`, `-s value` and clusters like `-it`, split into one entry per option.
fn take_option<'c>(
    cmd: &'c clap::Command,
    word: &str,
    rest: &mut std::iter::Peekable<std::iter::Skip<std::slice::Iter<'_, String>>>,
) -> Result<Vec<(&'c clap::Arg, Vec<String>)>> {
    if let Some(long) = word.strip_prefix("--") {
        let (name, inline) = match long.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (long, None),
        };
        let arg = cmd
            .get_arguments()
            .find(|a| {
                a.get_long() == Some(name)
                    || a.get_all_aliases().is_some_and(|al| al.contains(&name))
            })
            .ok_or_else(|| anyhow::anyhow!("unknown option --{name}"))?;
        let mut option = vec![format!("--{name}")];
        match inline {
            Some(value) => option.push(value.to_string()),
            None => option.extend(next_value(arg, rest)),
        }
        return Ok(vec![(arg, option)]);
    }
    let mut options = Vec::new();
    let cluster: Vec<char> = word.chars().skip(1).collect();
    for (index, short) in cluster.iter().enumerate() {
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_short() == Some(*short))
            .ok_or_else(|| anyhow::anyhow!("unknown option -{short}"))?;
        let mut option = vec![format!("-{short}")];
        if takes_value(arg) {
            let attached: String = cluster[index + 1..].iter().collect();
            let attached = attached.strip_prefix('=').unwrap_or(&attached).to_string();
            if attached.is_empty() {
                option.extend(next_value(arg, rest));
            } else {
                option.push(attached);
            }
            options.push((arg, option));
            break;
        }
        options.push((arg, option));
    }
    Ok(options)
}

fn takes_value(arg: &clap::Arg) -> bool {
    arg.get_action().takes_values()
}

/// The value of `arg` from the next word, if it takes one there (clap's rule: an optional value
/// is taken only when the next word does not look like an option).
fn next_value(
    arg: &clap::Arg,
    rest: &mut std::iter::Peekable<std::iter::Skip<std::slice::Iter<'_, String>>>,
) -> Option<String> {
    if !takes_value(arg) || arg.is_require_equals_set() {
        return None;
    }
    let optional = arg.get_num_args().is_some_and(|n| n.min_values() == 0);
    if optional && rest.peek().is_none_or(|w| w.starts_with('-')) {
        return None;
    }
    rest.next().cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> Result<RecordedRun> {
        let mut root = crate::cli::command();
        root.build();
        let argv: Vec<String> = line.split(' ').map(String::from).collect();
        split_command_line(&root, &argv)
    }

    fn words(groups: &[Vec<String>]) -> Vec<String> {
        groups.concat()
    }

    #[test]
    fn options_values_and_the_command_are_told_apart() {
        let run = split(
            "engine --root /s container run -it --rm -e A=1 --name=web -hbox -v/x:/y \
             --tls-verify --pull never busybox sh -c --rm",
        )
        .unwrap();
        assert_eq!(run.global, [vec!["--root", "/s"]]);
        assert_eq!(
            run.options,
            [
                vec!["-i"],
                vec!["-t"],
                vec!["--rm"],
                vec!["-e", "A=1"],
                vec!["--name", "web"],
                vec!["-h", "box"],
                vec!["-v", "/x:/y"],
                vec!["--tls-verify"],
                vec!["--pull", "never"],
            ]
        );
        assert_eq!(run.positionals, ["busybox", "sh", "-c", "--rm"]);
    }

    #[test]
    fn global_options_after_the_command_name_stay_global() {
        let run = split("docker run --log-level debug --rootfs /r true").unwrap();
        assert_eq!(words(&run.global), ["--log-level", "debug"]);
        assert_eq!(words(&run.options), ["--rootfs"]);
        assert_eq!(run.positionals, ["/r", "true"]);
    }

    #[test]
    fn other_commands_and_unknown_options_are_refused() {
        assert!(
            split("engine ps -a")
                .unwrap_err()
                .to_string()
                .contains("not by run")
        );
        assert!(
            split("engine run --bogus x")
                .unwrap_err()
                .to_string()
                .contains("--bogus")
        );
        assert!(split("engine").is_err());
    }
}
