//! The command line: clap definitions, dispatch, and printing. No business logic lives here, and
//! no clap type leaves this module.

mod archive;
pub mod complete;
mod container_image;
mod cp;
mod diff;
mod docs;
mod exec;
pub mod format;
mod generate;
mod history;
pub mod humanize;
mod image;
mod info;
mod inspect;
mod internal;
mod lifecycle;
mod login;
mod logs;
mod network_flags;
mod oci;
mod port;
mod prune;
mod ps;
mod pulling;
mod rename;
mod run;
mod run_settings;
mod system;
mod timefmt;
mod top;
mod transport;
mod transport_registry;
mod unshare;
mod volume;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::config::paths::Paths;
use crate::store::{Store, TreeRemover};
use crate::util::log;
use crate::util::proc::is_tty;
use std::sync::Arc;

/// Exit status for errors of the engine itself (docker and podman use 125).
pub const EXIT_ENGINE_ERROR: u8 = 125;

#[derive(Parser, Debug)]
#[command(
    name = "engine",
    version,
    about = "A daemon-less, rootless container engine",
    long_about = "engine manages container images and runs containers without a daemon and without root, \
                  reading the standard containers configuration files (registries.conf, policy.json, auth.json, ...).",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Args, Debug, Clone)]
pub struct GlobalOpts {
    /// Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)
    #[arg(long, global = true, value_name = "DIR", env = "ENGINE_ROOT")]
    pub root: Option<PathBuf>,
    /// Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)
    #[arg(long, global = true, value_name = "DRIVER", env = "STORAGE_DRIVER")]
    pub storage_driver: Option<String>,
    /// OCI runtime for containers: the built-in one (default), or crun, runc or a path
    #[arg(long, global = true, value_name = "RUNTIME")]
    pub runtime: Option<String>,
    /// Path for transient state: locks, sockets, pid files (default: $XDG_RUNTIME_DIR/engine, or /run/engine as root)
    #[arg(long, global = true, value_name = "DIR", env = "ENGINE_RUNROOT")]
    pub runroot: Option<PathBuf>,
    /// Accepted for compatibility with podman: the engine creates no cgroups (rootless it may not), so both values behave alike
    #[arg(long, global = true, value_name = "MANAGER", value_parser = ["cgroupfs", "systemd"])]
    pub cgroup_manager: Option<String>,
    /// Where container events are recorded: only none (the engine keeps no event log yet)
    #[arg(long, global = true, value_name = "BACKEND", value_parser = ["none", "file", "journald"])]
    pub events_backend: Option<String>,
    /// Diagnostics to print: error, warn, info or debug
    #[arg(
        long,
        global = true,
        value_name = "LEVEL",
        env = "ENGINE_LOG_LEVEL",
        default_value = "warn"
    )]
    pub log_level: String,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    #[command(flatten)]
    ImageAction(ImageAction),
    /// List images in local storage
    Images(image::ImagesArgs),
    /// Remove one or more images from local storage
    Rmi(image::RmiArgs),
    /// Display the configuration of containers and images
    Inspect(inspect::InspectArgs),
    /// List the files a container changed in its image's, or an image's top layer in the rest
    Diff(diff::DiffArgs),
    /// Manage images
    #[command(subcommand)]
    Image(ImageCommand),
    #[command(flatten)]
    ContainerAction(ContainerAction),
    /// List containers
    Ps(ps::PsArgs),
    /// Remove one or more containers
    Rm(lifecycle::RmArgs),
    /// Manage containers
    #[command(subcommand)]
    Container(ContainerCommand),
    /// Manage volumes
    #[command(subcommand)]
    Volume(volume::VolumeCommand),
    /// Manage the engine's storage: disk usage and pruning
    #[command(subcommand)]
    System(SystemCommand),
    /// Run a command in the user namespace the engine uses for its store
    Unshare(unshare::UnshareArgs),
    /// Run OCI bundles with the built-in runtime, with runc's commands (--root: state directory)
    #[command(subcommand)]
    Oci(oci::OciCommand),
    /// Log in to a container registry
    Login(login::LoginArgs),
    /// Log out of a container registry
    Logout(login::LogoutArgs),
    /// Display the engine version information
    Version(docs::VersionArgs),
    /// Display the host, store and registry configuration, and what rootless use still lacks
    Info(info::InfoArgs),
    /// Generate systemd units for containers
    #[command(subcommand)]
    Generate(generate::GenerateCommand),
    /// Generate shell completion scripts
    Completion(docs::CompletionArgs),
    /// Check that overlayfs can be mounted here (the engine's own helper)
    #[command(name = "__overlay-probe", hide = true)]
    OverlayProbe(internal::OverlayProbeArgs),
    /// Copy layers into a container root (the engine's own helper for the vfs driver)
    #[command(name = "__vfs-copy", hide = true)]
    VfsCopy(internal::VfsCopyArgs),
    /// Turn Quadlet .container files into systemd units (what engine-user-generator runs)
    #[command(name = generate::QUADLET_COMMAND, hide = true)]
    Quadlet(generate::QuadletArgs),
    /// Unpack a layer from stdin (the engine's own helper)
    #[command(name = "__unpack-layer", hide = true)]
    UnpackLayer(internal::UnpackLayerArgs),
    /// Copy layers with shifted owners for --userns=keep-id|auto (the engine's own helper)
    #[command(name = crate::rootfs::shift::SHIFT_COMMAND, hide = true)]
    ShiftLayers(crate::rootfs::shift::ShiftArgs),
    /// Print the largest owner IDs in layers (the engine's own helper)
    #[command(name = crate::rootfs::shift::MAX_IDS_COMMAND, hide = true)]
    LayerMaxIds(crate::rootfs::shift::MaxIdsArgs),
}

#[derive(Subcommand, Debug)]
pub enum ImageCommand {
    #[command(flatten)]
    Action(ImageAction),
    /// List images in local storage
    #[command(visible_alias = "list")]
    Ls(image::ImagesArgs),
    /// Remove one or more images from local storage
    #[command(visible_alias = "remove")]
    Rm(image::RmiArgs),
    /// Display the configuration of an image, local or (--remote) in a registry
    Inspect(transport::ImageInspectArgs),
    /// List the files an image's top layer added, changed or deleted in the layers below
    Diff(diff::ImageDiffArgs),
    /// Remove unused images
    Prune(image::PruneArgs),
    /// Copy an image between two transports (registries, archives, directories, the local store)
    Copy(transport::CopyArgs),
    /// Copy every tag of a repository to another registry
    Sync(transport_registry::SyncArgs),
    /// Delete an image from a registry
    Delete(transport_registry::DeleteArgs),
}

#[derive(Subcommand, Debug)]
pub enum ContainerCommand {
    #[command(flatten)]
    Action(ContainerAction),
    /// List containers
    #[command(visible_aliases = ["list", "ps"])]
    Ls(ps::PsArgs),
    /// Display the configuration of containers
    Inspect(inspect::ContainerInspectArgs),
    /// List the files a container added, changed or deleted in its image's
    Diff(diff::ContainerDiffArgs),
    /// Remove every container that is not running
    Prune(prune::ContainerPruneArgs),
    /// Remove one or more containers
    #[command(visible_alias = "remove")]
    Rm(lifecycle::RmArgs),
}

/// Image commands offered both at the top level (`engine pull`) and under `engine image`.
#[derive(Subcommand, Debug)]
pub enum ImageAction {
    /// Pull an image from a registry
    Pull(image::PullArgs),
    /// Push an image to a registry or another transport
    Push(transport::PushArgs),
    /// Save images to a docker-archive, oci-archive or OCI layout directory
    Save(archive::SaveArgs),
    /// Load images from a docker-archive or oci-archive
    Load(archive::LoadArgs),
    /// Add an additional name to a local image
    Tag(image::TagArgs),
    /// Create an image from a root filesystem tarball
    Import(container_image::ImportArgs),
    /// Show the history of an image: the step that made each layer
    History(history::HistoryArgs),
}

/// Container commands offered both at the top level (`engine run`) and under
/// `engine container`.
#[derive(Subcommand, Debug)]
pub enum ContainerAction {
    /// Run a command in a new container
    // `-h` is --hostname here, as in docker and podman; help stays reachable as --help.
    #[command(disable_help_flag = true)]
    Run(Box<run::RunArgs>),
    /// Create a container without starting it
    #[command(disable_help_flag = true)]
    Create(Box<run::RunArgs>),
    /// Start one or more containers
    Start(lifecycle::StartArgs),
    /// Stop one or more running containers
    Stop(lifecycle::StopArgs),
    /// Restart one or more containers
    Restart(lifecycle::StopArgs),
    /// Send a signal to one or more running containers
    Kill(lifecycle::KillArgs),
    /// Wait for containers to exit and print their exit codes
    Wait(lifecycle::WaitArgs),
    /// Attach to a running container's input and output
    Attach(lifecycle::AttachArgs),
    /// Pause the processes of running containers
    Pause(lifecycle::PauseArgs),
    /// Unpause paused containers
    Unpause(lifecycle::PauseArgs),
    /// Display the running processes of a container
    Top(top::TopArgs),
    /// Rename a container
    Rename(rename::RenameArgs),
    /// Print the output of one or more containers
    Logs(logs::LogsArgs),
    /// Run a command in a running container
    Exec(exec::ExecArgs),
    /// Copy files between a container and the host
    Cp(cp::CpArgs),
    /// List a container's published ports
    Port(port::PortArgs),
    /// Export a container's filesystem as a tar archive
    Export(container_image::ExportArgs),
    /// Create a new image from a container's changes
    Commit(container_image::CommitArgs),
}

#[derive(Subcommand, Debug)]
pub enum SystemCommand {
    /// Remove stopped containers and unused images (and with --volumes unused volumes)
    Prune(system::SystemPruneArgs),
    /// Show the disk space used by images, containers and volumes
    Df(system::DfArgs),
    /// Check the store for damage, and with --repair remove it
    Check(system::CheckArgs),
}

/// What every command needs: where the files are.
pub struct Session {
    pub global: GlobalOpts,
    pub paths: Paths,
}

impl Session {
    fn new(global: GlobalOpts) -> Result<Session> {
        Ok(Session {
            global,
            paths: Paths::from_env()?,
        })
    }

    /// The store root: `--root`, else per user, else system-wide as root.
    pub fn store_root(&self) -> PathBuf {
        match &self.global.root {
            Some(root) => root.clone(),
            None => default_store_root(&self.paths),
        }
    }

    /// Where transient state lives (tmpfs, gone after a reboot): `--runroot`, else
    /// `$XDG_RUNTIME_DIR/engine`, else `/run/engine` as root.
    pub fn run_root(&self) -> PathBuf {
        match &self.global.runroot {
            Some(dir) => dir.clone(),
            None if self.paths.rootless => self.paths.runtime_dir.join("engine"),
            None => PathBuf::from("/run/engine"),
        }
    }

    pub fn open_store(&self) -> Result<Store> {
        let root = self.store_root();
        // Unpacked layers belong to subordinate ids: removing them takes the user namespace.
        let remover: TreeRemover = Arc::new(crate::runtime::userns::remove_tree);
        Store::open_with(&root, remover)
            .with_context(|| format!("opening the store at {}", root.display()))
    }
}

/// The store root without `--root`: per user, else system-wide as root.
fn default_store_root(paths: &Paths) -> PathBuf {
    if paths.rootless {
        paths.data_home.join("engine")
    } else {
        PathBuf::from("/var/lib/engine")
    }
}

/// The name the program was started as: `docker` through a symlink of that name, else `engine`.
/// Messages that quote a command line use it, so they stay copy-pasteable.
pub fn program_name() -> &'static str {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    match Path::new(&argv0).file_name().and_then(|n| n.to_str()) {
        Some("docker") => "docker",
        _ => "engine",
    }
}

/// The program: parse, run, and map errors onto docker's exit codes.
pub fn main() -> ExitCode {
    // A shell asking for completions (the scripts in completions/ set the variable) gets its
    // answer and nothing else.
    complete::answer_if_asked();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version, and a command group without its subcommand.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!(
                "Error: {}\nSee '{} --help'.",
                usage_error_line(e.kind(), &e.render().to_string()),
                program_name()
            );
            return ExitCode::from(EXIT_ENGINE_ERROR);
        }
    };
    match run(cli) {
        Ok(code) => code,
        // `engine ps | head -1`: the reader left, as a shell pipeline intends; like a program
        // killed by SIGPIPE, stop quietly (128 + 13).
        Err(e) if is_bare_broken_pipe(&e) => ExitCode::from(141),
        Err(e) => {
            eprintln!("Error: {}", one_line(&e));
            ExitCode::from(EXIT_ENGINE_ERROR)
        }
    }
}

/// An error that is only a failed write to a closed pipe, with no context added (printing
/// results to stdout); a broken pipe inside an operation carries its context.
fn is_bare_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().count() == 1
        && e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

/// clap's usage error as one line, like podman's: the message without the usage and tips.
fn usage_error_line(kind: clap::error::ErrorKind, rendered: &str) -> String {
    // A command group without its subcommand: clap renders the group's help, or (when an
    // environment variable gave an option a value) its own message.
    use clap::error::ErrorKind::{DisplayHelpOnMissingArgumentOrSubcommand, MissingSubcommand};
    if matches!(
        kind,
        DisplayHelpOnMissingArgumentOrSubcommand | MissingSubcommand
    ) && let Some(usage) = rendered
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage: "))
        && usage.ends_with("<COMMAND>")
    {
        let group: Vec<&str> = usage
            .split_whitespace()
            .take_while(|w| !w.starts_with(['[', '<']))
            .collect();
        return format!("missing command '{} COMMAND'", group.join(" "));
    }
    rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:"))
        .filter(|l| {
            !l.is_empty() && !l.starts_with("tip:") && !l.starts_with("For more information")
        })
        .map(|l| l.strip_prefix("error: ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An error chain as one line, skipping parts that only repeat the previous one.
fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string().replace('\n', " ");
        if !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

fn run(cli: Cli) -> Result<ExitCode> {
    let level = log::Level::parse(&cli.global.log_level).ok_or_else(|| {
        anyhow::anyhow!(
            "invalid --log-level {:?}: use error, warn, info or debug",
            cli.global.log_level
        )
    })?;
    log::set_level(level);
    if let Some(backend @ ("file" | "journald")) = cli.global.events_backend.as_deref() {
        anyhow::bail!(
            "--events-backend={backend} is not available: the engine keeps no event log yet; use --events-backend=none or leave it out"
        );
    }
    let session = Session::new(cli.global)?;
    match cli.command {
        Command::ImageAction(a) | Command::Image(ImageCommand::Action(a)) => {
            image_action(&session, a)
        }
        Command::ContainerAction(a) | Command::Container(ContainerCommand::Action(a)) => {
            return container_action(&session, a);
        }
        Command::Images(a) | Command::Image(ImageCommand::Ls(a)) => image::images(&session, a),
        Command::Rmi(a) | Command::Image(ImageCommand::Rm(a)) => image::rmi(&session, a),
        Command::Inspect(a) => inspect::inspect(&session, a),
        Command::Diff(a) => diff::diff(&session, a),
        Command::Image(ImageCommand::Diff(a)) => diff::image_diff(&session, a),
        Command::Container(ContainerCommand::Diff(a)) => diff::container_diff(&session, a),
        Command::Image(ImageCommand::Inspect(a)) => transport::image_inspect(&session, a),
        Command::Image(ImageCommand::Copy(a)) => transport::copy(&session, a),
        Command::Image(ImageCommand::Sync(a)) => transport_registry::sync(&session, a),
        Command::Image(ImageCommand::Delete(a)) => transport_registry::delete(&session, a),
        Command::Image(ImageCommand::Prune(a)) => image::prune(&session, a),
        Command::Container(ContainerCommand::Inspect(a)) => inspect::container_inspect(&session, a),
        Command::Container(ContainerCommand::Prune(a)) => prune::container_prune(&session, a),
        Command::Ps(a) | Command::Container(ContainerCommand::Ls(a)) => ps::ps(&session, a),
        Command::Rm(a) | Command::Container(ContainerCommand::Rm(a)) => lifecycle::rm(&session, a),
        Command::System(SystemCommand::Prune(a)) => system::system_prune(&session, a),
        Command::System(SystemCommand::Df(a)) => system::df(&session, a),
        Command::System(SystemCommand::Check(a)) => system::check(&session, a),
        Command::Unshare(a) => return unshare::unshare(&session, a),
        Command::Volume(a) => volume::volume(&session, a),
        Command::Oci(a) => return oci::oci(&session, a),
        Command::Login(a) => login::login(&session, a),
        Command::Logout(a) => login::logout(&session, a),
        Command::Version(a) => docs::version(a),
        Command::Info(a) => info::info(&session, a),
        Command::Generate(a) => generate::generate(&session, a),
        Command::Quadlet(a) => return generate::quadlet_command(&session, a),
        Command::Completion(a) => docs::completion(a),
        Command::UnpackLayer(a) => internal::unpack_layer_command(a),
        Command::OverlayProbe(a) => internal::overlay_probe_command(a),
        Command::VfsCopy(a) => internal::vfs_copy_command(a),
        Command::ShiftLayers(a) => crate::rootfs::shift::shift_command(a),
        Command::LayerMaxIds(a) => crate::rootfs::shift::max_ids_command(a),
    }
    .map(|()| ExitCode::SUCCESS)
}

fn image_action(session: &Session, action: ImageAction) -> Result<()> {
    match action {
        ImageAction::Pull(a) => image::pull(session, a),
        ImageAction::Push(a) => transport::push(session, a),
        ImageAction::Save(a) => archive::save(session, a),
        ImageAction::Load(a) => archive::load(session, a),
        ImageAction::Tag(a) => image::tag(session, a),
        ImageAction::Import(a) => container_image::import(session, a),
        ImageAction::History(a) => history::history(session, a),
    }
}

/// Runs a container command; some end with the container's exit status.
fn container_action(session: &Session, action: ContainerAction) -> Result<ExitCode> {
    let done = match action {
        ContainerAction::Run(a) => return run::run(session, *a),
        ContainerAction::Create(a) => return run::create(session, *a),
        ContainerAction::Start(a) => return lifecycle::start(session, a),
        ContainerAction::Restart(a) => return lifecycle::restart(session, a),
        ContainerAction::Attach(a) => return lifecycle::attach(session, a),
        ContainerAction::Exec(a) => return exec::exec(session, a),
        ContainerAction::Cp(a) => return cp::cp(session, a),
        ContainerAction::Stop(a) => lifecycle::stop(session, a),
        ContainerAction::Kill(a) => lifecycle::kill(session, a),
        ContainerAction::Wait(a) => lifecycle::wait(session, a),
        ContainerAction::Pause(a) => lifecycle::pause(session, a, "pause"),
        ContainerAction::Unpause(a) => lifecycle::pause(session, a, "unpause"),
        ContainerAction::Top(a) => top::top(session, a),
        ContainerAction::Rename(a) => rename::rename(session, a),
        ContainerAction::Logs(a) => logs::logs(session, a),
        ContainerAction::Port(a) => port::port(session, a),
        ContainerAction::Export(a) => container_image::export(session, a),
        ContainerAction::Commit(a) => container_image::commit(session, a),
    };
    done.map(|()| ExitCode::SUCCESS)
}

/// The clap command tree, for completions and man pages.
pub fn command() -> clap::Command {
    Cli::command()
}

/// A tokio runtime for the commands that talk to registries.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")
}

pub use docs::{write_completions, write_man_pages};
