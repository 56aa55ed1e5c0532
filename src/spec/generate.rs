//! Builds the container's OCI runtime spec (config.json) from the image config and the run
//! options, with podman's defaults.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use oci_spec::image::{Config, ImageConfiguration};
use oci_spec::runtime::{
    Linux, LinuxBuilder, LinuxIdMapping, LinuxNamespace, LinuxNamespaceBuilder, LinuxNamespaceType,
    LinuxSeccomp, Mount, Process, ProcessBuilder, RootBuilder, Spec, UserBuilder,
};

use super::caps::{container_bounding_set, known_capabilities, process_capabilities};
use super::defaults::{INIT_DESTINATION, KernelMounts, MASKED_PATHS, READONLY_PATHS};
use super::env::{EnvSources, build_environment};
use super::etc_files::EtcFiles;
use super::host::HostContext;
use super::keep_id::{account_files, keep_id_ids};
use super::mounts::{
    etc_file_mounts, init_binary, init_mount, merge, read_only_tmpfs_mounts, user_mounts,
};
use super::options::{NetworkMode, RunOptions, SeccompChoice, UsernsMode};
use super::recipe::{RESERVED_PREFIX, RootfsRecipe};
use super::rlimits::process_rlimits;
use super::user::{ResolvedUser, resolve_user};
use crate::network::JoinedNetwork;

/// Reads a file of the image's root filesystem by absolute path (`/etc/passwd`); `None` when the
/// image has no such file.
pub type ImageFiles<'a> = &'a dyn Fn(&str) -> Option<Vec<u8>>;

/// The OCI version written into config.json (what podman writes).
pub const OCI_VERSION: &str = "1.0.2-dev";

/// podman's default umask for the container process.
const UMASK: u32 = 0o022;

/// Everything the spec is built from.
pub struct SpecInputs<'a> {
    pub image: &'a ImageConfiguration,
    pub options: &'a RunOptions,
    pub image_files: ImageFiles<'a>,
    pub host: &'a HostContext,
    /// The user namespace's maps, written by the runtime (newuidmap/newgidmap); empty without one.
    pub uid_mappings: &'a [LinuxIdMapping],
    pub gid_mappings: &'a [LinuxIdMapping],
    /// The filter from `spec::seccomp::load_profile`, for `options.effective_seccomp()`.
    pub seccomp: Option<LinuxSeccomp>,
    pub rootfs: &'a RootfsRecipe,
    /// `<store>/containers/<id>`: holds rootfs/ and the generated /etc files.
    pub bundle: &'a Path,
}

/// The spec plus the /etc files it bind-mounts from the bundle (the caller writes both).
#[derive(Debug)]
pub struct Generated {
    pub spec: Spec,
    pub etc_files: EtcFiles,
}

pub fn build_spec(inputs: &SpecInputs) -> Result<Generated> {
    let opts = inputs.options;
    let host = inputs.host;
    let user_namespace = needs_user_namespace(opts.userns, host.rootless)?;
    check_mappings(user_namespace, inputs.uid_mappings, inputs.gid_mappings)?;

    let image_config = inputs.image.config().as_ref();
    let text = |path: &str| {
        (inputs.image_files)(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    };
    let (passwd, group) = (text("/etc/passwd"), text("/etc/group"));
    let accounts = account_files(
        opts,
        host,
        passwd.as_deref(),
        group.as_deref(),
        &working_dir(image_config, opts)?,
    );
    let user = container_user(
        image_config,
        opts,
        host,
        accounts.passwd.as_deref().or(passwd.as_deref()),
        accounts.group.as_deref().or(group.as_deref()),
    )?;
    if user_namespace {
        check_mapped("user", user.uid, inputs.uid_mappings)?;
        check_mapped("group", user.gid, inputs.gid_mappings)?;
    }
    let hostname = container_hostname(opts, host)?;
    let kernel = KernelMounts {
        user_namespace,
        // A joined namespace (ns:PATH) may belong to another user namespace: like the host's, it
        // allows only a bind of /sys.
        host_network: matches!(
            opts.network.mode,
            NetworkMode::Host | NetworkMode::Path { .. }
        ),
        rootless: host.rootless,
        privileged: opts.privileged,
        gid_mappings: inputs.gid_mappings.to_vec(),
    };

    let mut spec = Spec::default();
    spec.set_version(OCI_VERSION.to_string());
    spec.set_root(Some(
        RootBuilder::default()
            .path(inputs.bundle.join("rootfs"))
            .readonly(opts.read_only)
            .build()?,
    ));
    let mut etc_files = EtcFiles::generate(
        host,
        &hostname,
        &opts.container_name,
        &opts.network,
        opts.joined_network.as_ref(),
    )?;
    (etc_files.passwd, etc_files.group) = (accounts.passwd, accounts.group);
    spec.set_mounts(Some(container_mounts(inputs, &kernel, &etc_files)?));
    spec.set_process(Some(container_process(inputs, &user, &hostname)?));
    spec.set_hostname(Some(hostname.clone()));
    spec.set_domainname(None);
    spec.set_annotations(Some(annotations(opts, inputs.rootfs)?));
    spec.set_linux(Some(container_linux(inputs, &kernel)?));
    Ok(Generated { spec, etc_files })
}

/// The process: command, identity, environment, capabilities, limits.
fn container_process(inputs: &SpecInputs, user: &ResolvedUser, hostname: &str) -> Result<Process> {
    let opts = inputs.options;
    let host = inputs.host;
    let image_config = inputs.image.config().as_ref();

    let mut args = command_args(image_config, opts)?;
    if opts.init {
        args.splice(0..0, [INIT_DESTINATION.to_string(), "--".to_string()]);
    }
    let image_env = image_config
        .and_then(|c| c.env().clone())
        .unwrap_or_default();
    let env = build_environment(&EnvSources {
        image_env: &image_env,
        env_files: &opts.env_files,
        env: &opts.env,
        host_env: &host.env,
        hostname,
        home: &user.home,
    })?;
    let known = known_capabilities(host.cap_last_cap);
    let bounding = container_bounding_set(opts, host.cap_last_cap)?;
    let capabilities = process_capabilities(&bounding, &opts.cap_add, user.uid == 0, known)?;

    Ok(ProcessBuilder::default()
        .terminal(opts.tty)
        .user(
            UserBuilder::default()
                .uid(user.uid)
                .gid(user.gid)
                .umask(UMASK)
                .additional_gids(user.additional_gids.clone())
                .build()?,
        )
        .args(args)
        .env(env.to_strings())
        .cwd(working_dir(image_config, opts)?)
        .capabilities(capabilities)
        .rlimits(process_rlimits(&opts.ulimits, host)?)
        .no_new_privileges(opts.no_new_privileges)
        .build()?)
}

/// Kernel filesystems, /etc binds, `--read-only` tmpfs and the init binary, then the user's
/// mounts on top.
fn container_mounts(
    inputs: &SpecInputs,
    kernel: &KernelMounts,
    etc_files: &EtcFiles,
) -> Result<Vec<Mount>> {
    let opts = inputs.options;
    let mut engine_mounts = kernel.mounts()?;
    engine_mounts.extend(etc_file_mounts(inputs.bundle, opts.read_only, etc_files)?);
    if opts.read_only && opts.read_only_tmpfs {
        engine_mounts.extend(read_only_tmpfs_mounts()?);
    }
    if opts.init {
        engine_mounts.push(init_mount(&init_binary(opts.init_path.as_deref())?)?);
    }
    Ok(merge(engine_mounts, user_mounts(&opts.mounts)?))
}

/// Namespaces, ID maps, masked and read-only paths, seccomp.
fn container_linux(inputs: &SpecInputs, kernel: &KernelMounts) -> Result<Linux> {
    let opts = inputs.options;
    let (masked, readonly): (Vec<String>, Vec<String>) = if opts.privileged {
        (Vec::new(), Vec::new())
    } else {
        let masked = MASKED_PATHS
            .iter()
            .copied()
            .chain(kernel.extra_masked_paths());
        (
            masked.map(String::from).collect(),
            READONLY_PATHS.map(String::from).to_vec(),
        )
    };
    let seccomp = match opts.effective_seccomp() {
        SeccompChoice::Unconfined => None,
        SeccompChoice::Default | SeccompChoice::Profile(_) => inputs.seccomp.clone(),
    };
    let user_namespace = kernel.user_namespace;
    let mut linux = LinuxBuilder::default()
        .namespaces(namespaces(
            &opts.network.mode,
            opts.joined_network.as_ref(),
            user_namespace,
        )?)
        .masked_paths(masked)
        .readonly_paths(readonly)
        .build()?;
    // The builder starts from `Linux::default()`, which carries example resources and maps.
    linux.set_resources(None);
    linux.set_uid_mappings(user_namespace.then(|| inputs.uid_mappings.to_vec()));
    linux.set_gid_mappings(user_namespace.then(|| inputs.gid_mappings.to_vec()));
    linux.set_seccomp(seccomp);
    Ok(linux)
}

/// docker's ENTRYPOINT/CMD rules: the entrypoint is `--entrypoint` or the image's; the command
/// is the user's, else the image's CMD, unless `--entrypoint` was given (it resets CMD).
pub fn command_args(image: Option<&Config>, opts: &RunOptions) -> Result<Vec<String>> {
    let image_entrypoint = image
        .and_then(|c| c.entrypoint().clone())
        .unwrap_or_default();
    let image_cmd = image.and_then(|c| c.cmd().clone()).unwrap_or_default();
    let mut entrypoint = opts.entrypoint.clone().unwrap_or(image_entrypoint);
    if entrypoint == [""] {
        entrypoint.clear();
    }
    let command = if !opts.command.is_empty() {
        opts.command.clone()
    } else if opts.entrypoint.is_none() {
        image_cmd
    } else {
        Vec::new()
    };
    let args: Vec<String> = entrypoint.into_iter().chain(command).collect();
    if args.is_empty() {
        bail!(
            "no command given and the image has no CMD or ENTRYPOINT: add a command after the \
             image name"
        );
    }
    Ok(args)
}

/// `--user`, else the image's `User`, else the keep-id IDs, else root; names are looked up in
/// the container's `passwd`/`group` (the image's, plus the keep-id account).
fn container_user(
    image: Option<&Config>,
    opts: &RunOptions,
    host: &HostContext,
    passwd: Option<&str>,
    group: Option<&str>,
) -> Result<ResolvedUser> {
    let image_user = image
        .and_then(|c| c.user().clone())
        .filter(|u| !u.is_empty());
    let keep_id = keep_id_ids(opts, host).map(|(uid, gid)| format!("{uid}:{gid}"));
    let spec = opts.user.clone().or(image_user).or(keep_id);
    resolve_user(spec.as_deref(), &opts.groups, passwd, group)
}

/// `--hostname`, else the host's name when sharing its network (as podman and docker do), else
/// the first 12 characters of the container ID.
pub fn container_hostname(opts: &RunOptions, host: &HostContext) -> Result<String> {
    if let Some(name) = &opts.hostname {
        let valid = !name.is_empty()
            && name.len() <= 64
            && !name.contains(|c: char| c.is_whitespace() || c == '/' || c == '\0');
        if !valid {
            bail!("--hostname {name:?}: invalid: use 1 to 64 characters without spaces or '/'");
        }
        return Ok(name.clone());
    }
    if opts.network.mode == NetworkMode::Host {
        return Ok(host.hostname.clone());
    }
    if opts.container_id.is_empty() {
        bail!("internal error: the container has no ID yet; generate it before the spec");
    }
    Ok(opts.container_id.chars().take(12).collect())
}

/// `-w`, else the image's `WorkingDir` (relative ones taken from /), else /.
fn working_dir(image: Option<&Config>, opts: &RunOptions) -> Result<String> {
    if let Some(dir) = &opts.workdir {
        if !dir.starts_with('/') {
            bail!("--workdir {dir:?}: not absolute: use a path starting with /");
        }
        return Ok(dir.clone());
    }
    match image
        .and_then(|c| c.working_dir().clone())
        .filter(|d| !d.is_empty())
    {
        Some(dir) if dir.starts_with('/') => Ok(dir),
        Some(dir) => Ok(format!("/{dir}")),
        None => Ok("/".to_string()),
    }
}

/// A user namespace exists whenever we are rootless; as real root only for keep-id/auto.
fn needs_user_namespace(mode: UsernsMode, rootless: bool) -> Result<bool> {
    match (mode, rootless) {
        (_, true) => Ok(true),
        (UsernsMode::KeepId { .. }, false) => {
            bail!(
                "--userns keep-id maps the calling user and only works rootless: remove it when \
                 running as root"
            )
        }
        (UsernsMode::Auto { .. }, false) => Ok(true),
        (UsernsMode::Default | UsernsMode::Host, false) => Ok(false),
    }
}

fn check_mappings(
    user_namespace: bool,
    uids: &[LinuxIdMapping],
    gids: &[LinuxIdMapping],
) -> Result<()> {
    match (user_namespace, uids.is_empty() || gids.is_empty()) {
        (true, true) => bail!(
            "internal error: a user namespace needs UID and GID mappings; compute them before \
             the spec"
        ),
        (false, _) if !uids.is_empty() || !gids.is_empty() => {
            bail!("internal error: ID mappings given but the container has no user namespace")
        }
        _ => Ok(()),
    }
}

/// The process's IDs must exist in the user namespace or setuid/setgid fails inside.
fn check_mapped(what: &str, id: u32, maps: &[LinuxIdMapping]) -> Result<()> {
    let mapped = maps.iter().any(|m| {
        id >= m.container_id() && u64::from(id) < u64::from(m.container_id()) + u64::from(m.size())
    });
    if !mapped {
        let ranges: Vec<String> = maps
            .iter()
            .map(|m| {
                format!(
                    "{}-{}",
                    m.container_id(),
                    u64::from(m.container_id()) + u64::from(m.size()) - 1
                )
            })
            .collect();
        bail!(
            "{what} ID {id} is not mapped in the container's user namespace (mapped: {}): use \
             an ID in that range or add subordinate IDs in /etc/subuid and /etc/subgid",
            ranges.join(", ")
        );
    }
    Ok(())
}

/// The container's namespaces: new ones, except the network namespace with `--network host`
/// (none: the host's) or `container:`/`ns:` (joined by path, with the user namespace owning it).
fn namespaces(
    network: &NetworkMode,
    joined: Option<&JoinedNetwork>,
    user: bool,
) -> Result<Vec<LinuxNamespace>> {
    let mut kinds: Vec<(LinuxNamespaceType, Option<PathBuf>)> = [
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Mount,
        LinuxNamespaceType::Cgroup,
    ]
    .map(|typ| (typ, None))
    .to_vec();
    let mut user_path = None;
    match (network, joined) {
        (NetworkMode::Host, _) => {}
        (NetworkMode::Container { .. } | NetworkMode::Path { .. }, Some(joined)) => {
            kinds.push((LinuxNamespaceType::Network, Some(joined.netns.clone())));
            user_path = joined.userns.clone();
        }
        (NetworkMode::Container { .. } | NetworkMode::Path { .. }, None) => bail!(
            "internal error: --network {network} needs the namespace to join; resolve it \
             before the spec"
        ),
        _ => kinds.push((LinuxNamespaceType::Network, None)),
    }
    if user {
        kinds.push((LinuxNamespaceType::User, user_path));
    }
    kinds
        .into_iter()
        .map(|(typ, path)| {
            let mut builder = LinuxNamespaceBuilder::default().typ(typ);
            if let Some(path) = path {
                builder = builder.path(path);
            }
            builder.build().context("building a namespace entry")
        })
        .collect()
}

/// `--annotation`s plus the rootfs recipe; the recipe's keys are reserved.
fn annotations(opts: &RunOptions, recipe: &RootfsRecipe) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for (key, value) in &opts.annotations {
        if key.is_empty() {
            bail!("--annotation with an empty key: use KEY=VALUE");
        }
        if key.starts_with(RESERVED_PREFIX) {
            bail!(
                "--annotation {key}: keys starting with {RESERVED_PREFIX} are reserved for the \
                 engine: choose another key"
            );
        }
        out.insert(key.clone(), value.clone());
    }
    out.extend(recipe.to_annotations()?);
    Ok(out)
}
