//! `run`: create a container from an image (pulling it as `--pull` says) and run it in the
//! foreground, attached, returning its exit status (docker's rules: 125 engine error, 126 not
//! executable, 127 not found, 128+N killed by signal N).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::Session;
use super::network_flags::NetworkFlags;
use super::pulling::{PullFlags, ensure};
use super::run_settings::run_settings;
use crate::config::containers_conf::ContainersConf;
use crate::config::storage_conf::StorageConf;
use crate::container::attach::{self, AttachEnd, AttachOptions, parse_detach_keys};
use crate::container::create::{self as creating, CreateRequest, RootfsSource};
use crate::container::lifecycle::{self, Launched};
use crate::runtime::{external, userns};
use crate::spec::{self, MountRequest, ParsedMount, RunOptions, SeccompChoice, UsernsMode};
use crate::store::{ContainerRecord, ImageRecord, RunSettings, Store};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Print help
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,
    /// Remove the container (and its anonymous volumes) when it exits
    #[arg(long)]
    pub rm: bool,
    /// Run in the background and print the container ID
    #[arg(short, long)]
    pub detach: bool,
    /// Keys that detach from an attached container: ctrl-X or single characters, comma-separated ("" disables)
    #[arg(long, value_name = "KEYS", default_value = crate::container::attach::DEFAULT_DETACH_KEYS)]
    pub detach_keys: String,
    /// Forward the signals the engine receives to the container (attached, without a terminal)
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub sig_proxy: bool,
    /// Restart policy: no, always, on-failure[:MAX_RETRIES] or unless-stopped
    #[arg(long, value_name = "POLICY")]
    pub restart: Option<String>,
    /// Signal that stops the container (default: the image's STOPSIGNAL, else SIGTERM)
    #[arg(long, value_name = "SIGNAL")]
    pub stop_signal: Option<String>,
    /// Seconds to wait for the stop signal to work before SIGKILL
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub stop_timeout: u32,
    /// Where the container's output goes: k8s-file (the default, read by `engine logs`) or none
    #[arg(long, value_name = "DRIVER", default_value = "k8s-file")]
    pub log_driver: String,
    /// Logging option: max-size=SIZE (e.g. 10mb) rotates the log beyond that size
    #[arg(long, value_name = "OPT")]
    pub log_opt: Vec<String>,
    /// Write the container ID to this file (which must not exist)
    #[arg(long, value_name = "FILE")]
    pub cidfile: Option<PathBuf>,
    /// Replace a container of the same --name, removing it first
    #[arg(long)]
    pub replace: bool,
    /// Write the PID of the container's monitor to this file (for systemd's PIDFile=)
    #[arg(long, value_name = "FILE")]
    pub conmon_pidfile: Option<PathBuf>,
    /// Name of the container
    #[arg(long)]
    pub name: Option<String>,
    /// Set an environment variable: KEY=VALUE, or KEY to copy it from this environment
    #[arg(short, long = "env", value_name = "ENV")]
    pub env: Vec<String>,
    /// Read environment variables from a file (KEY=VALUE lines)
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Working directory inside the container
    #[arg(short, long)]
    pub workdir: Option<String>,
    /// User to run as: USER[:GROUP] or UID[:GID]
    #[arg(short, long)]
    pub user: Option<String>,
    /// Additional groups for the container process
    #[arg(long, value_name = "GROUP")]
    pub group_add: Vec<String>,
    /// Override the image's entrypoint ("" resets it)
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Mount a volume or host path: [SRC:]DST[:OPTIONS] (ro, rw, z, Z, ...)
    #[arg(short, long, value_name = "VOLUME")]
    pub volume: Vec<String>,
    /// Attach a mount: type=bind|volume|tmpfs,source=...,target=...[,readonly]
    #[arg(long, value_name = "MOUNT")]
    pub mount: Vec<String>,
    /// Mount a tmpfs: DST[:OPTIONS]
    #[arg(long, value_name = "TMPFS")]
    pub tmpfs: Vec<String>,
    /// Make the root filesystem read-only
    #[arg(long)]
    pub read_only: bool,
    /// Container hostname (default: the first 12 characters of its id)
    #[arg(long, short = 'h')]
    pub hostname: Option<String>,
    /// Add a capability (e.g. NET_RAW, or ALL)
    #[arg(long, value_name = "CAP")]
    pub cap_add: Vec<String>,
    /// Drop a capability (e.g. CHOWN, or ALL)
    #[arg(long, value_name = "CAP")]
    pub cap_drop: Vec<String>,
    /// Give the container every capability, no seccomp filter and no masked paths
    #[arg(long)]
    pub privileged: bool,
    /// Security options: seccomp=unconfined|PROFILE.json, no-new-privileges
    #[arg(long, value_name = "OPT")]
    pub security_opt: Vec<String>,
    /// User namespace: host (the default), keep-id[:uid=N,gid=N] or auto[:size=N]
    ///
    /// host: root in the container is you, IDs 1.. are your subordinate IDs. keep-id: your UID
    /// and GID are the same numbers inside (or N with uid=, gid=), the command runs as you
    /// unless -u or the image's USER says otherwise, and the image gets an /etc/passwd and
    /// /etc/group entry for you if it has none. auto: the container gets its own range of your
    /// subordinate IDs, never shared with another auto container and freed when it is removed;
    /// its root is not you; size=N sets the range's size (default: the largest ID the image
    /// uses + 1, at least 1024). With keep-id and auto, image files keep their owners: the
    /// image's layers are copied once per ID mapping with shifted owners (this first run takes
    /// a while; auto containers' copies go with them). auto's root is a stranger to your files:
    /// its runtime gets the store's paths opened before entering its namespace, so a private
    /// (0700) home and store stay closed.
    #[arg(long, value_name = "MODE")]
    pub userns: Option<String>,
    /// Run a tiny init as PID 1 that reaps zombies and forwards signals
    #[arg(long)]
    pub init: bool,
    /// The init binary for --init (default: catatonit)
    #[arg(long, value_name = "PATH")]
    pub init_path: Option<PathBuf>,
    /// When to pull the image: always, missing, never or newer
    #[arg(long, default_value = "missing")]
    pub pull: String,
    #[command(flatten)]
    pub registry: PullFlags,
    /// Keep standard input open
    #[arg(short, long)]
    pub interactive: bool,
    /// Allocate a pseudo-terminal
    #[arg(short, long)]
    pub tty: bool,
    /// Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048
    #[arg(long, value_name = "ULIMIT")]
    pub ulimit: Vec<String>,
    #[command(flatten)]
    pub network: NetworkFlags,
    /// Set a label: KEY=VALUE
    #[arg(short, long, value_name = "LABEL")]
    pub label: Vec<String>,
    /// Set an annotation on the container: KEY=VALUE
    #[arg(long, value_name = "ANNOTATION")]
    pub annotation: Vec<String>,
    /// The first argument is a directory holding a root filesystem, not an image
    #[arg(long)]
    pub rootfs: bool,
    /// The image (or, with --rootfs, the directory)
    #[arg(value_name = "IMAGE", add = super::complete::images_or_directories())]
    pub image: String,
    /// The command and its arguments (default: the image's)
    #[arg(
        value_name = "COMMAND",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub command: Vec<String>,
}

pub fn run(session: &Session, args: RunArgs) -> Result<ExitCode> {
    let (store, record) = create_container(session, &args)?;
    let runtime_state = runtime_state_dir(session);
    if args.detach {
        return match lifecycle::start(&store, &record, &runtime_state, false)? {
            Launched::Running { .. } => {
                println!("{}", record.id);
                Ok(ExitCode::SUCCESS)
            }
            Launched::Failed { code, message } => Ok(start_failed(code, &message)),
        };
    }
    let attach = match lifecycle::start(&store, &record, &runtime_state, true)? {
        Launched::Running { attach } => {
            attach.context("the container monitor did not accept the attach connection")?
        }
        Launched::Failed { code, message } => return Ok(start_failed(code, &message)),
    };
    let options = AttachOptions {
        stdin: args.interactive,
        tty: args.tty,
        sig_proxy: args.sig_proxy,
        detach_keys: parse_detach_keys(&args.detach_keys)?,
    };
    attached_exit(&store, &record, attach::attach(attach, &options)?)
}

/// `engine create`: the container, not started; prints its ID.
pub fn create(session: &Session, args: RunArgs) -> Result<ExitCode> {
    if args.detach {
        bail!("engine create does not take --detach: the container is created without starting");
    }
    let (_, record) = create_container(session, &args)?;
    println!("{}", record.id);
    Ok(ExitCode::SUCCESS)
}

/// The exit status of an attached container, docker's way.
pub fn attached_exit(store: &Store, record: &ContainerRecord, end: AttachEnd) -> Result<ExitCode> {
    match end {
        AttachEnd::Exited(code) => Ok(ExitCode::from(code.clamp(0, 255) as u8)),
        AttachEnd::Detached => Ok(ExitCode::SUCCESS),
        AttachEnd::MonitorGone => {
            // The next command would find out anyway; now the record tells the truth.
            let _ = crate::container::state::find(store, &record.id);
            bail!(
                "the monitor of container {} died; the container was killed with it",
                record.name
            )
        }
    }
}

/// A container whose command could not start: the error and docker's exit code.
pub fn start_failed(code: i32, message: &str) -> ExitCode {
    eprintln!("Error: {message}");
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// The state directory of external runtimes (crun's and runc's --root).
pub fn runtime_state_dir(session: &Session) -> PathBuf {
    session.paths.runtime_dir.join("engine").join("runtimes")
}

/// Pulls the image as --pull says and creates the container's record and bundle.
fn create_container(session: &Session, args: &RunArgs) -> Result<(Store, ContainerRecord)> {
    let store = session.open_store()?;
    let (mappings, warning) = userns::rootless_mappings()?;
    if let Some(warning) = warning {
        eprintln!("WARNING: {warning}");
    }
    let settings = run_settings(args)?;
    if args.replace {
        replace_existing(&store, args.name.as_deref())?;
    }
    let source = if args.rootfs {
        RootfsSource::Directory(rootfs_dir(args)?)
    } else {
        RootfsSource::Image(Box::new(image_for(session, &store, args)?))
    };
    let (mut options, anonymous_volumes) = run_options(args, &store)?;
    let containers_conf = ContainersConf::load(&session.paths)?;
    apply_containers_conf(&mut options, &containers_conf);
    if let (None, Some(mode)) = (&args.userns, &containers_conf.containers.userns) {
        options.userns = UsernsMode::parse(mode).context("containers.conf [containers] userns")?;
    }
    args.network.apply(&mut options, &store, &containers_conf)?;
    let runtime = match session
        .global
        .runtime
        .as_deref()
        .or(containers_conf.engine.runtime.as_deref())
    {
        None | Some("") | Some("engine") | Some("builtin") => None,
        Some(name) => Some(external::find_runtime(name)?),
    };
    let storage_driver = match &session.global.storage_driver {
        Some(d) => Some(d.clone()),
        None => StorageConf::load(&session.paths)?.driver,
    };
    let created = creating::create(
        &store,
        CreateRequest {
            source: &source,
            image_name: &args.image,
            name: args.name.clone(),
            options,
            storage_driver,
            rootless: session.paths.rootless,
            mappings: &mappings,
            settings: RunSettings {
                runtime,
                anonymous_volumes,
                ..settings
            },
            create_command: std::env::args().collect(),
        },
    )?;
    if let Some(path) = &args.cidfile {
        write_cidfile(path, &created.record.id).inspect_err(|_| {
            let _ = store.remove_container(&created.record.id);
        })?;
    }
    Ok((store, created.record))
}

/// `--replace`: the container that holds the name goes first (stopped at once if it runs).
fn replace_existing(store: &Store, name: Option<&str>) -> Result<()> {
    let Some(name) = name else {
        bail!("--replace needs --name: it replaces the container of that name");
    };
    if let Some(existing) = store.find_container(name)?.filter(|c| c.name == name) {
        lifecycle::stop(store, &existing, Some(0))?;
        crate::container::state::remove(store, &existing, true)?;
    }
    Ok(())
}

/// podman's --cidfile: the ID, in a file that must not exist yet.
fn write_cidfile(path: &std::path::Path, id: &str) -> Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| {
            format!(
                "--cidfile {}: cannot create it (it must not exist yet)",
                path.display()
            )
        })?;
    file.write_all(id.as_bytes())
        .with_context(|| format!("write --cidfile {}", path.display()))
}

fn image_for(session: &Session, store: &Store, args: &RunArgs) -> Result<ImageRecord> {
    ensure(
        session,
        store,
        &args.image,
        &args.pull,
        &args.registry,
        None,
        false,
    )
}

/// `--rootfs DIR`: the directory becomes the only (read-only) lower dir of the container.
fn rootfs_dir(args: &RunArgs) -> Result<PathBuf> {
    let dir = std::fs::canonicalize(&args.image)
        .with_context(|| format!("--rootfs {}: no such directory", args.image))?;
    if !dir.is_dir() {
        bail!("--rootfs {}: not a directory", dir.display());
    }
    if args.command.is_empty() {
        bail!("--rootfs needs a command to run: engine run --rootfs DIR COMMAND");
    }
    Ok(dir)
}

fn key_value(flag: &str, value: &str) -> Result<(String, String)> {
    match value.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        None if !value.is_empty() => Ok((value.to_string(), String::new())),
        _ => bail!("invalid {flag} {value:?}: use KEY=VALUE"),
    }
}

/// The spec options, and the names of the anonymous volumes made for the container.
fn run_options(args: &RunArgs, store: &Store) -> Result<(RunOptions, Vec<String>)> {
    let mut opts = RunOptions {
        command: args.command.clone(),
        entrypoint: args.entrypoint.as_ref().map(|e| match e.as_str() {
            "" => Vec::new(),
            // docker takes a JSON array as well as a plain command.
            json if json.starts_with('[') => {
                serde_json::from_str(json).unwrap_or_else(|_| vec![json.to_string()])
            }
            plain => vec![plain.to_string()],
        }),
        env: args.env.clone(),
        env_files: args.env_file.clone(),
        workdir: args.workdir.clone(),
        user: args.user.clone(),
        groups: args.group_add.clone(),
        hostname: args.hostname.clone(),
        read_only: args.read_only,
        cap_add: args.cap_add.clone(),
        cap_drop: args.cap_drop.clone(),
        privileged: args.privileged,
        ulimits: args.ulimit.clone(),
        init: args.init,
        init_path: args.init_path.clone(),
        tty: args.tty,
        interactive: args.interactive,
        labels: args
            .label
            .iter()
            .map(|l| key_value("--label", l))
            .collect::<Result<_>>()?,
        annotations: args
            .annotation
            .iter()
            .map(|a| key_value("--annotation", a))
            .collect::<Result<_>>()?,
        ..RunOptions::default()
    };
    opts.userns = UsernsMode::parse(args.userns.as_deref().unwrap_or(""))?;
    for opt in &args.security_opt {
        match opt.as_str() {
            "no-new-privileges" | "no-new-privileges=true" | "no-new-privileges:true" => {
                opts.no_new_privileges = true
            }
            "no-new-privileges=false" | "no-new-privileges:false" => opts.no_new_privileges = false,
            _ => match opt.split_once(['=', ':']) {
                Some(("seccomp", "unconfined")) => opts.seccomp = SeccompChoice::Unconfined,
                Some(("seccomp", path)) => {
                    opts.seccomp = SeccompChoice::Profile(PathBuf::from(path))
                }
                // No SELinux or AppArmor on such hosts: accepted for compatibility, nothing to do.
                Some(("label", _)) | Some(("apparmor", _)) => {}
                _ => bail!(
                    "invalid --security-opt {opt:?}: use seccomp=unconfined|PROFILE.json or no-new-privileges"
                ),
            },
        }
    }
    let mut anonymous = Vec::new();
    let parsed = args
        .volume
        .iter()
        .map(|v| spec::parse_volume_flag(v))
        .chain(args.mount.iter().map(|m| spec::parse_mount_flag(m)));
    for mount in parsed {
        let (mount, anonymous_name) = resolve(mount?, store)?;
        anonymous.extend(anonymous_name);
        opts.mounts.push(mount);
    }
    for value in &args.tmpfs {
        opts.mounts.push(spec::parse_tmpfs_flag(value)?);
    }
    Ok((opts, anonymous))
}

/// containers.conf defaults that the command line did not override.
fn apply_containers_conf(opts: &mut RunOptions, conf: &ContainersConf) {
    opts.default_capabilities = conf.containers.default_capabilities.clone();
    if opts.init_path.is_none() {
        opts.init_path = conf.containers.init_path.clone();
    }
    if let (SeccompChoice::Default, Some(profile)) =
        (&opts.seccomp, &conf.containers.seccomp_profile)
        && !profile.is_empty()
    {
        opts.seccomp = SeccompChoice::Profile(PathBuf::from(profile));
    }
}

/// Named volumes get their directory in the store (created on first use); anonymous ones a
/// fresh random name, returned as well.
fn resolve(parsed: ParsedMount, store: &Store) -> Result<(MountRequest, Option<String>)> {
    match parsed {
        ParsedMount::Ready(m) => Ok((m, None)),
        ParsedMount::Volume(request) => {
            let (name, anonymous) = match &request.name {
                Some(n) => (n.clone(), None),
                None => {
                    let name = crate::container::names::random_id()?;
                    (name.clone(), Some(name))
                }
            };
            let source = store.volume_data(&name)?;
            Ok((request.resolved(name, source), anonymous))
        }
    }
}
