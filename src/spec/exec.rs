//! The process `engine exec` starts in a running container: the container's own process from
//! its config.json with the exec options applied, by podman's rules.
//!
//! Two steps, because they need different places: [`exec_environment`] runs on the host (it
//! reads `--env-file`s and this engine's environment), [`exec_process`] inside the container's
//! root (it resolves `-u` names against the container's /etc/passwd and /etc/group).

use std::collections::HashSet;
use std::path::PathBuf;

use anyhow::{Result, bail};
use oci_spec::runtime::{Capabilities, Capability, LinuxCapabilities, Process, UserBuilder};
use serde::{Deserialize, Serialize};

use super::env::{EnvSources, build_environment};
use super::user::resolve_user;

/// What the user asked `engine exec` for, with the environment already merged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecOptions {
    /// The command and its arguments.
    pub command: Vec<String>,
    /// The whole environment, from [`exec_environment`].
    pub env: Vec<String>,
    /// `-u USER[:GROUP]`; `None` runs as the container's process does.
    pub user: Option<String>,
    /// `-w DIR`; `None` is the container's working directory.
    pub workdir: Option<String>,
    /// `-t`: the process's stdio is a terminal that becomes its controlling terminal.
    pub tty: bool,
    /// `--privileged`: every capability the kernel knows in the bounding set (root gets them
    /// all); the seccomp filter and no_new_privs stay the container's, as with podman.
    pub privileged: bool,
}

/// The container's environment (`process.env` of its config.json) overridden by
/// `--env-file`s then `-e` (`KEY=VALUE`, `KEY` taken from `host_env`, `PREFIX*`), with the
/// defaults every container has (PATH, TERM=xterm, container, HOSTNAME, HOME) where missing.
/// HOME stays the container's even with `-u`, as podman keeps it.
pub fn exec_environment(
    container_env: &[String],
    env: &[String],
    env_files: &[PathBuf],
    host_env: &[(String, String)],
    hostname: &str,
) -> Result<Vec<String>> {
    let home = container_env
        .iter()
        .find_map(|e| e.strip_prefix("HOME="))
        .unwrap_or("/");
    let merged = build_environment(&EnvSources {
        image_env: container_env,
        env_files,
        env,
        host_env,
        hostname,
        home,
    })?;
    Ok(merged.to_strings())
}

/// The user's /etc/passwd and /etc/group as found in the container's root (`None`: absent).
#[derive(Clone, Copy, Debug, Default)]
pub struct ContainerAccounts<'a> {
    pub passwd: Option<&'a str>,
    pub group: Option<&'a str>,
}

/// The exec'd process: `container`'s process with `opts`' command, environment, terminal,
/// working directory, user and capabilities. `known` are the capabilities the kernel knows.
///
/// Capabilities follow podman: the bounding set is the container's (all of `known` with
/// `--privileged`); a process running as UID 0 gets the whole bounding set as effective and
/// permitted, another user keeps the container process's sets (what `--cap-add` granted it).
/// rlimits, umask, no_new_privs and everything else stay the container's.
pub fn exec_process(
    container: &Process,
    opts: &ExecOptions,
    accounts: ContainerAccounts,
    known: &[Capability],
) -> Result<Process> {
    if opts.command.is_empty() {
        bail!("exec needs a command: engine exec CONTAINER COMMAND [ARG...]");
    }
    let mut process = container.clone();
    process.set_args(Some(opts.command.clone()));
    process.set_env(Some(opts.env.clone()));
    process.set_terminal(Some(opts.tty));
    process.set_console_size(None);
    if let Some(dir) = &opts.workdir {
        if !dir.starts_with('/') {
            bail!("--workdir {dir:?}: not absolute: use a path starting with /");
        }
        process.set_cwd(PathBuf::from(dir));
    }
    if let Some(spec) = &opts.user {
        let resolved = resolve_user(Some(spec), &[], accounts.passwd, accounts.group)?;
        let mut user = UserBuilder::default()
            .uid(resolved.uid)
            .gid(resolved.gid)
            .additional_gids(resolved.additional_gids)
            .build()?;
        user.set_umask(container.user().umask());
        process.set_user(user);
    }
    let uid = process.user().uid();
    let caps = exec_capabilities(
        container.capabilities().as_ref(),
        uid,
        opts.privileged,
        known,
    );
    process.set_capabilities(Some(caps));
    Ok(process)
}

fn exec_capabilities(
    container: Option<&LinuxCapabilities>,
    uid: u32,
    privileged: bool,
    known: &[Capability],
) -> LinuxCapabilities {
    let set = |pick: fn(&LinuxCapabilities) -> &Option<Capabilities>| -> Capabilities {
        container.and_then(|c| pick(c).clone()).unwrap_or_default()
    };
    let bounding: HashSet<Capability> = if privileged {
        known.iter().copied().collect()
    } else {
        set(LinuxCapabilities::bounding)
    };
    let mut caps = LinuxCapabilities::default();
    caps.set_inheritable(Some(set(LinuxCapabilities::inheritable)));
    caps.set_ambient(Some(set(LinuxCapabilities::ambient)));
    if uid == 0 {
        caps.set_effective(Some(bounding.clone()));
        caps.set_permitted(Some(bounding.clone()));
    } else {
        caps.set_effective(Some(set(LinuxCapabilities::effective)));
        caps.set_permitted(Some(set(LinuxCapabilities::permitted)));
    }
    caps.set_bounding(Some(bounding));
    caps
}

#[cfg(test)]
mod tests {
    use oci_spec::runtime::{ProcessBuilder, User};

    use super::*;

    fn caps(list: &[Capability]) -> Capabilities {
        list.iter().copied().collect()
    }

    /// A container process as `engine run -u alice --cap-add NET_RAW` makes it.
    fn container_process(uid: u32) -> Process {
        let bounding = caps(&[Capability::Chown, Capability::Kill, Capability::NetRaw]);
        let granted = caps(&[Capability::NetRaw]);
        let mut set = LinuxCapabilities::default();
        set.set_bounding(Some(bounding));
        set.set_effective(Some(granted.clone()));
        set.set_permitted(Some(granted.clone()));
        set.set_inheritable(Some(granted.clone()));
        set.set_ambient(Some(granted));
        let mut user = User::default();
        user.set_uid(uid);
        user.set_gid(uid);
        user.set_umask(Some(0o022));
        ProcessBuilder::default()
            .args(vec!["sleep".to_string(), "1000".to_string()])
            .env(vec![
                "PATH=/bin".to_string(),
                "HOME=/home/alice".to_string(),
            ])
            .cwd("/data")
            .user(user)
            .capabilities(set)
            .terminal(true)
            .no_new_privileges(true)
            .build()
            .unwrap()
    }

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nalice:x:1000:\nstaff:x:50:alice\n";

    fn accounts() -> ContainerAccounts<'static> {
        ContainerAccounts {
            passwd: Some(PASSWD),
            group: Some(GROUP),
        }
    }

    fn options(command: &[&str]) -> ExecOptions {
        ExecOptions {
            command: command.iter().map(|s| s.to_string()).collect(),
            env: vec!["PATH=/bin".into(), "A=1".into()],
            ..ExecOptions::default()
        }
    }

    #[test]
    fn keeps_the_container_s_user_cwd_and_limits_and_takes_the_command() {
        let container = container_process(1000);
        let process = exec_process(&container, &options(&["id"]), accounts(), &[]).unwrap();
        assert_eq!(process.args().as_deref(), Some(&["id".to_string()][..]));
        assert_eq!(process.env().as_deref(), Some(&options(&[]).env[..]));
        assert_eq!(process.user(), container.user());
        assert_eq!(process.cwd(), container.cwd());
        assert_eq!(process.no_new_privileges(), Some(true));
        // The container's terminal setting does not carry over: only -t makes one.
        assert_eq!(process.terminal(), Some(false));
    }

    #[test]
    fn a_user_name_is_resolved_in_the_container_s_accounts() {
        let container = container_process(0);
        let opts = ExecOptions {
            user: Some("alice".into()),
            workdir: Some("/tmp".into()),
            tty: true,
            ..options(&["sh"])
        };
        let process = exec_process(&container, &opts, accounts(), &[]).unwrap();
        let user = process.user();
        assert_eq!((user.uid(), user.gid()), (1000, 1000));
        assert_eq!(user.additional_gids().as_deref(), Some(&[50][..]));
        assert_eq!(user.umask(), Some(0o022));
        assert_eq!(process.cwd(), std::path::Path::new("/tmp"));
        assert_eq!(process.terminal(), Some(true));

        let unknown = ExecOptions {
            user: Some("mallory".into()),
            ..options(&["sh"])
        };
        let err = exec_process(&container, &unknown, accounts(), &[]).unwrap_err();
        assert!(err.to_string().contains("mallory"), "{err}");
        let relative = ExecOptions {
            workdir: Some("tmp".into()),
            ..options(&["sh"])
        };
        assert!(exec_process(&container, &relative, accounts(), &[]).is_err());
        assert!(exec_process(&container, &options(&[]), accounts(), &[]).is_err());
    }

    #[test]
    fn root_gets_the_bounding_set_and_others_the_container_s_sets() {
        let container = container_process(1000);
        let as_root = ExecOptions {
            user: Some("0".into()),
            ..options(&["sh"])
        };
        let root = exec_process(&container, &as_root, accounts(), &[]).unwrap();
        let root_caps = root.capabilities().clone().unwrap();
        let bounding = caps(&[Capability::Chown, Capability::Kill, Capability::NetRaw]);
        assert_eq!(root_caps.effective().as_ref(), Some(&bounding));
        assert_eq!(root_caps.permitted().as_ref(), Some(&bounding));

        let alice = exec_process(&container, &options(&["sh"]), accounts(), &[]).unwrap();
        assert_eq!(alice.capabilities(), container.capabilities());
    }

    #[test]
    fn privileged_widens_the_bounding_set_to_every_known_capability() {
        let known = [Capability::Chown, Capability::SysAdmin, Capability::NetRaw];
        let opts = ExecOptions {
            privileged: true,
            ..options(&["sh"])
        };
        let root = exec_process(&container_process(0), &opts, accounts(), &known).unwrap();
        let root_caps = root.capabilities().clone().unwrap();
        assert_eq!(root_caps.bounding().as_ref(), Some(&caps(&known)));
        assert_eq!(root_caps.effective().as_ref(), Some(&caps(&known)));

        let alice = exec_process(&container_process(1000), &opts, accounts(), &known).unwrap();
        let alice_caps = alice.capabilities().clone().unwrap();
        assert_eq!(alice_caps.bounding().as_ref(), Some(&caps(&known)));
        assert_eq!(
            alice_caps.effective().as_ref(),
            Some(&caps(&[Capability::NetRaw]))
        );
    }

    #[test]
    fn the_environment_is_the_container_s_overridden_by_files_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("env");
        std::fs::write(&file, "# comment\nFROM_FILE=f\nA=file\n").unwrap();
        let container_env = [
            "PATH=/custom/bin".to_string(),
            "A=container".into(),
            "HOME=/home/alice".into(),
            "TERM=vt100".into(),
        ];
        let host = [("HOSTVAR".to_string(), "h".to_string())];
        let env = exec_environment(
            &container_env,
            &["A=flag".into(), "HOSTVAR".into(), "MISSING".into()],
            std::slice::from_ref(&file),
            &host,
            "ctr",
        )
        .unwrap();
        let get = |key: &str| {
            env.iter()
                .find_map(|e| e.strip_prefix(&format!("{key}=")))
                .map(str::to_string)
        };
        assert_eq!(get("PATH").as_deref(), Some("/custom/bin"));
        assert_eq!(get("A").as_deref(), Some("flag"));
        assert_eq!(get("FROM_FILE").as_deref(), Some("f"));
        assert_eq!(get("HOSTVAR").as_deref(), Some("h"));
        assert_eq!(get("MISSING"), None);
        assert_eq!(get("HOME").as_deref(), Some("/home/alice"));
        assert_eq!(get("TERM").as_deref(), Some("vt100"));
        assert_eq!(get("HOSTNAME").as_deref(), Some("ctr"));

        let bare = exec_environment(&[], &[], &[], &[], "ctr").unwrap();
        assert!(bare.contains(&"TERM=xterm".to_string()), "{bare:?}");
        assert!(bare.contains(&"HOME=/".to_string()), "{bare:?}");
        let missing = dir.path().join("nope");
        assert!(exec_environment(&[], &[], &[missing], &[], "ctr").is_err());
    }
}
