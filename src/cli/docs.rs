//! Generated documentation (shell completions, man pages) and `version`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::complete::{CompletionShell, write_script};

#[derive(Args, Debug)]
pub struct VersionArgs {
    /// Output format: json or a Go template
    #[arg(short, long)]
    pub format: Option<String>,
}

#[derive(Args, Debug)]
pub struct CompletionArgs {
    /// The shell to generate the script for
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// `version`: podman's layout, `{"Client": {...}}` for `--format json` and templates such as
/// `{{.Client.Version}}`.
pub fn version(args: VersionArgs) -> Result<()> {
    let client = client_version();
    let info = serde_json::json!({ "Client": client });
    let mut out = std::io::stdout().lock();
    match args
        .format
        .as_deref()
        .map(|f| super::format::parse_format(Some(f)))
    {
        None | Some(super::format::OutputFormat::Table) => {
            let field = |key: &str| client[key].as_str().unwrap_or_default().to_string();
            writeln!(out, "Version:      {}", field("Version"))?;
            writeln!(out, "OS/Arch:      {}", field("OsArch"))?;
            Ok(())
        }
        Some(super::format::OutputFormat::Json) => {
            writeln!(out, "{}", serde_json::to_string_pretty(&info)?)?;
            Ok(())
        }
        Some(_) => super::format::render_inspect(&[info], args.format.as_deref(), &mut out),
    }
}

/// This binary's version, podman's `Client` fields (also `info`'s `version`).
pub fn client_version() -> serde_json::Value {
    let arch = crate::image::manifest::Platform::host().architecture;
    serde_json::json!({
        "Version": env!("CARGO_PKG_VERSION"),
        "Os": std::env::consts::OS,
        "OsArch": format!("{}/{arch}", std::env::consts::OS),
    })
}

/// `completion SHELL`: the script for the name the program runs under (`engine` or `docker`).
pub fn completion(args: CompletionArgs) -> Result<()> {
    let mut out = std::io::stdout().lock();
    write_script(args.shell, super::program_name(), &mut out)?;
    Ok(())
}

/// Writes the completion scripts of every shell into `dir` (what `completions/` holds).
pub fn write_completions(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for shell in CompletionShell::value_variants() {
        let mut buf = Vec::new();
        write_script(*shell, "engine", &mut buf)?;
        let path = dir.join(shell.file_name("engine"));
        std::fs::write(&path, buf).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Examples shown in the man page of each command, keyed by the page name.
fn examples(page: &str) -> &'static [(&'static str, &'static str)] {
    match page {
        "engine" => &[(
            "Pull an image and list the local images",
            "engine pull docker.io/library/busybox\nengine images",
        )],
        "engine-pull" | "engine-image-pull" => &[
            ("Pull by tag", "engine pull docker.io/library/busybox:1.36"),
            (
                "Pull by digest, for another platform",
                "engine pull --platform linux/arm64 quay.io/org/app@sha256:0123...",
            ),
            (
                "Pull from a plain-HTTP test registry, printing only the ID",
                "engine pull -q --tls-verify=false 127.0.0.1:5000/app",
            ),
        ],
        "engine-images" | "engine-image-ls" => &[
            ("List images with their digests", "engine images --digests"),
            (
                "Only the IDs of busybox images",
                "engine images -q --filter reference=busybox",
            ),
            (
                "A custom table",
                "engine images --format 'table {{.Repository}}\\t{{.Size}}'",
            ),
        ],
        "engine-rmi" | "engine-image-rm" => &[
            (
                "Remove an image by name",
                "engine rmi docker.io/library/busybox:latest",
            ),
            ("Remove every image", "engine rmi --all"),
        ],
        "engine-tag" | "engine-image-tag" => &[(
            "Give an image a second name",
            "engine tag busybox localhost/mybox:1.0",
        )],
        "engine-inspect" | "engine-image-inspect" => &[
            ("Show the whole record", "engine image inspect busybox"),
            (
                "Show one field",
                "engine image inspect --format '{{.Architecture}}' busybox",
            ),
            (
                "Look at an image in a registry without pulling it (image inspect only)",
                "engine image inspect --remote docker://quay.io/org/app:1\nengine image inspect --remote --raw docker://quay.io/org/app:1",
            ),
        ],
        "engine-image-prune" => &[(
            "Remove dangling images without asking",
            "engine image prune -f",
        )],
        "engine-image" => &[("List images", "engine image ls")],
        "engine-login" => &[(
            "Log in, reading the password from a file",
            "engine login -u alice --password-stdin registry.example.com < pass.txt",
        )],
        "engine-logout" => &[(
            "Forget the credentials of every registry",
            "engine logout --all",
        )],
        "engine-version" => &[("Print the version as JSON", "engine version --format json")],
        "engine-run" => &[
            (
                "Run a command and remove the container afterwards",
                "engine run --rm busybox echo hello",
            ),
            (
                "A web server in the background on port 8080 of 127.0.0.1",
                "engine run -d --name web -p 127.0.0.1:8080:80 busybox httpd -f -p 80",
            ),
            (
                "Share that container's network (same interfaces and ports)",
                "engine run --rm --network container:web busybox wget -qO- 127.0.0.1:80",
            ),
            (
                "An interactive shell with the current directory mounted",
                "engine run --rm -it -v \"$PWD\":/work -w /work busybox sh",
            ),
            (
                "Hardened: read-only root, no capabilities, no privilege gain",
                "engine run --rm --read-only --cap-drop=all --security-opt no-new-privileges busybox id",
            ),
        ],
        "engine-rm" | "engine-container-rm" => &[
            ("Remove a container by name", "engine rm web"),
            (
                "Remove a running one, with its anonymous volumes",
                "engine rm -f -v web",
            ),
            ("Remove every container", "engine rm -f --all"),
        ],
        "engine-container" => &[("List every container", "engine container ls -a")],
        "engine-container-run" => &[(
            "Run a command and remove the container afterwards",
            "engine container run --rm busybox echo hello",
        )],
        "engine-volume" | "engine-volume-create" => &[(
            "Create a volume and use it",
            "engine volume create data\nengine run --rm -v data:/data busybox touch /data/x",
        )],
        "engine-volume-ls" => &[("Only the names", "engine volume ls -q")],
        "engine-volume-inspect" => &[(
            "Where the data lives",
            "engine volume inspect --format '{{.Mountpoint}}' data",
        )],
        "engine-volume-rm" => &[("Remove a volume", "engine volume rm data")],
        "engine-volume-prune" => &[(
            "Remove every unused volume without asking",
            "engine volume prune -f",
        )],
        "engine-oci" | "engine-oci-create" => &[
            (
                "Create a container from the bundle in the current directory, then start it",
                "engine oci create web\nengine oci start web",
            ),
            (
                "Keep the state elsewhere and record PID 1",
                "engine oci --root /tmp/oci create --bundle ./bundle --pid-file web.pid web",
            ),
        ],
        "engine-oci-start" => &[("Start a created container", "engine oci start web")],
        "engine-oci-state" => &[("Print the OCI state as JSON", "engine oci state web")],
        "engine-oci-kill" => &[
            ("Ask the container to stop", "engine oci kill web"),
            ("Kill it", "engine oci kill web KILL"),
        ],
        "engine-oci-delete" => &[
            ("Remove a stopped container", "engine oci delete web"),
            (
                "Kill and remove a running one",
                "engine oci delete --force web",
            ),
        ],
        "engine-oci-list" => &[
            ("List the containers with their status", "engine oci list"),
            ("Only the IDs", "engine oci list -q"),
        ],
        "engine-oci-run" => &[(
            "Run the bundle in ./bundle and exit with its code",
            "engine oci run --bundle ./bundle job",
        )],
        "engine-unshare" => &[
            (
                "See who owns the files of the store",
                "engine unshare ls -ln ~/.local/share/engine",
            ),
            (
                "Remove a store whose files belong to subordinate ids",
                "engine unshare rm -rf ~/.local/share/engine",
            ),
        ],
        "engine-completion" => &[
            (
                "Load bash completion in the current shell",
                "source <(engine completion bash)",
            ),
            (
                "Install zsh completion for the user",
                "engine completion zsh > ~/.zfunc/_engine",
            ),
        ],
        "engine-info" => &[
            (
                "Everything, with what rootless use still lacks",
                "engine info",
            ),
            (
                "Only the missing prerequisites and their fixes",
                "engine info --format '{{json .Warnings}}'",
            ),
            (
                "One value, for scripts",
                "engine info --format '{{.Store.GraphDriverName}}'",
            ),
        ],
        "engine-generate" => &[(
            "A unit that recreates the container web at every start",
            "engine generate systemd --new --name web",
        )],
        "engine-generate-systemd" => &[
            (
                "Install a user unit for the existing container web and start it at login",
                "engine generate systemd --name --files web\nmv container-web.service ~/.config/systemd/user/\nsystemctl --user daemon-reload\nsystemctl --user enable --now container-web.service",
            ),
            (
                "Create the container afresh at each start, restarting it always",
                "engine generate systemd --new --name --restart-policy always web",
            ),
            (
                "Keep the service running after logout",
                "loginctl enable-linger $USER",
            ),
        ],
        "engine-create" | "engine-container-create" => &[
            (
                "Create a container now, start it later",
                "engine create --name web -p 8080:80 busybox httpd -f -p 80\nengine start web",
            ),
            (
                "Keep stdin open and a terminal, to attach later",
                "engine create -it --name shell busybox sh\nengine start -ai shell",
            ),
        ],
        "engine-start" | "engine-container-start" => &[
            ("Start a created or stopped container", "engine start web"),
            (
                "Start it attached, with its exit code",
                "engine start -a job",
            ),
        ],
        "engine-stop" | "engine-container-stop" => &[
            ("Stop a container (SIGKILL after 10 s)", "engine stop web"),
            ("Give it 2 seconds", "engine stop -t 2 web"),
            ("Stop every running container", "engine stop --all"),
        ],
        "engine-restart" | "engine-container-restart" => &[(
            "Restart a container in place (a --rm container is kept)",
            "engine restart web",
        )],
        "engine-kill" | "engine-container-kill" => &[
            ("Kill a container", "engine kill web"),
            ("Ask it to reload", "engine kill -s HUP web"),
        ],
        "engine-wait" | "engine-container-wait" => &[(
            "Wait for a detached job and print its exit code",
            "id=$(engine run -d busybox sh -c 'sleep 2; exit 3')\nengine wait \"$id\"",
        )],
        "engine-attach" | "engine-container-attach" => &[
            (
                "Attach to a running container (detach with ctrl-p ctrl-q)",
                "engine attach shell",
            ),
            ("Only watch its output", "engine attach --no-stdin web"),
        ],
        "engine-pause"
        | "engine-container-pause"
        | "engine-unpause"
        | "engine-container-unpause" => &[(
            "Pausing needs the cgroup freezer, which engine does not use: stop instead",
            "engine stop web",
        )],
        "engine-logs" | "engine-container-logs" => &[
            ("Follow a container's output", "engine logs -f web"),
            (
                "The last 20 lines, with times",
                "engine logs --tail 20 -t web",
            ),
            (
                "What it printed in the last 10 minutes",
                "engine logs --since 10m web",
            ),
        ],
        "engine-ps" | "engine-container-ls" => &[
            ("Every container, running or not", "engine ps -a"),
            ("Every container, with the size it wrote", "engine ps -a -s"),
            (
                "Names of the exited ones",
                "engine ps --filter status=exited --format '{{.Names}}'",
            ),
            (
                "As JSON, by name",
                "engine ps -a --sort names --format json",
            ),
        ],
        "engine-container-inspect" => &[
            (
                "The state of a container",
                "engine container inspect --format '{{.State.Status}}' web",
            ),
            (
                "What isolates it, next to the host",
                "engine container inspect --isolation web",
            ),
        ],
        "engine-top" | "engine-container-top" => &[
            ("The processes of a container", "engine top web"),
            (
                "Chosen columns",
                "engine top web pid,user,huser,capeff,args",
            ),
        ],
        "engine-rename" | "engine-container-rename" => {
            &[("Rename a container", "engine rename web frontend")]
        }
        "engine-container-prune" => &[(
            "Remove stopped containers older than a day",
            "engine container prune -f --filter until=24h",
        )],
        "engine-system" | "engine-system-prune" => &[(
            "Remove stopped containers, unused images and volumes",
            "engine system prune -a --volumes -f",
        )],
        "engine-system-df" => &[(
            "Disk usage per image, container and volume",
            "engine system df -v",
        )],
        "engine-system-check" => &[
            (
                "A quick check that removes what is damaged",
                "engine system check --quick --repair",
            ),
            (
                "A thorough check; unused layers older than an hour count as leftovers",
                "engine system check --max 1h",
            ),
        ],
        "engine-exec" | "engine-container-exec" => &[
            ("A shell in a running container", "engine exec -it web sh"),
            (
                "A command as another user, in another directory",
                "engine exec -u nobody -w /tmp -e DEBUG=1 web id",
            ),
            (
                "Start a background job in it",
                "engine exec -d web sh -c 'sleep 100'",
            ),
        ],
        "engine-diff" => &[
            (
                "What a container added (A), changed (C) and deleted (D)",
                "engine diff web",
            ),
            ("The same grouped as JSON", "engine diff --format json web"),
            (
                "What an image's top layer changed in the layers below",
                "engine diff myapp:1.0",
            ),
            (
                "How a container's files differ from another's",
                "engine diff web web-old",
            ),
        ],
        "engine-container-diff" => &[
            (
                "What a container added (A), changed (C) and deleted (D)",
                "engine container diff web",
            ),
            (
                "The same grouped as JSON",
                "engine container diff --format json web",
            ),
        ],
        "engine-image-diff" => &[
            (
                "What an image's top layer added, changed and deleted",
                "engine image diff myapp:1.0",
            ),
            (
                "The same grouped as JSON",
                "engine image diff --format json myapp:1.0",
            ),
            (
                "What changed between two versions of an image",
                "engine image diff myapp:2.0 myapp:1.0",
            ),
        ],
        "engine-export" | "engine-container-export" => &[
            (
                "Export a container's filesystem to a file",
                "engine export -o web.tar web",
            ),
            ("List what it holds", "engine export web | tar -t | head"),
        ],
        "engine-commit" | "engine-container-commit" => &[
            (
                "Save a container's changes as an image",
                "engine commit web localhost/web:v2",
            ),
            (
                "Change the command and add a variable",
                "engine commit -c 'CMD [\"/app\", \"--serve\"]' -c ENV=MODE=prod web web:prod",
            ),
        ],
        "engine-history" | "engine-image-history" => &[
            (
                "What made each layer of an image, newest first",
                "engine history busybox",
            ),
            (
                "Full commands and times, for a script",
                "engine history --no-trunc -H=false --format json localhost/app:1",
            ),
        ],
        "engine-import" | "engine-image-import" => &[
            (
                "Import a compressed root filesystem tarball",
                "engine import rootfs.tar.gz base",
            ),
            (
                "From stdin, with a command",
                "cat rootfs.tar | engine import -c 'CMD [\"/bin/sh\"]' - base",
            ),
            (
                "From a URL",
                "engine import https://example.com/rootfs.tar.zst base",
            ),
        ],
        "engine-cp" | "engine-container-cp" => &[
            (
                "Copy a file out of a container",
                "engine cp web:/etc/os-release ./os-release",
            ),
            (
                "Copy a directory's contents into one",
                "engine cp ./site/. web:/var/www/",
            ),
            (
                "Stream a directory as tar",
                "engine cp web:/var/log - | tar -t",
            ),
        ],
        "engine-port" | "engine-container-port" => &[
            (
                "Publish a port, then look it up",
                "engine run -d --name web -p 8080:80 busybox httpd -f -p 80\nengine port web",
            ),
            ("Where the container's port 80 is", "engine port web 80/tcp"),
        ],
        "engine-push" | "engine-image-push" => &[
            (
                "Push a local image to a registry under another name",
                "engine push busybox registry.example.com/team/busybox:1",
            ),
            (
                "Push with zstd layers and record the manifest digest",
                "engine push --compression-format zstd --digestfile digest.txt registry.example.com/app:2",
            ),
        ],
        "engine-save" | "engine-image-save" => &[
            (
                "Save an image to a docker-archive",
                "engine save -o busybox.tar busybox",
            ),
            (
                "Save two images as an OCI archive, through a pipe",
                "engine save --format oci-archive busybox alpine | gzip > images.tar.gz",
            ),
        ],
        "engine-load" | "engine-image-load" => &[
            (
                "Load the images of an archive",
                "engine load -i busybox.tar",
            ),
            ("Load from a pipe", "gzip -dc images.tar.gz | engine load"),
        ],
        "engine-image-copy" => &[
            (
                "Copy between registries without the local store",
                "engine image copy docker://quay.io/org/app:1 docker://registry.example.com/app:1",
            ),
            (
                "Copy every platform of a multi-arch image",
                "engine image copy --all docker://docker.io/library/busybox docker://127.0.0.1:5000/busybox",
            ),
            (
                "Write a local image to an OCI archive",
                "engine image copy local:busybox oci-archive:busybox.tar:latest",
            ),
        ],
        "engine-image-sync" => &[(
            "Copy every tag of a repository to another registry",
            "engine image sync --src docker --dest docker quay.io/org/app registry.example.com/mirror",
        )],
        "engine-image-delete" => &[(
            "Delete a tag's manifest from a registry",
            "engine image delete docker://registry.example.com/app:old",
        )],
        _ => &[],
    }
}

/// Writes one man page per command (engine.1, engine-pull.1, engine-image-ls.1, ...) into `dir`.
pub fn write_man_pages(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut root = super::command().disable_help_subcommand(true);
    root.build();
    write_page(&root, "engine", dir)
}

fn write_page(cmd: &clap::Command, page: &str, dir: &Path) -> Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub_page = format!("{page}-{}", sub.get_name());
        let named = sub
            .clone()
            .display_name(sub_page.clone())
            .bin_name(sub_page.replace('-', " "));
        write_page(&named, &sub_page, dir)?;
    }
    let man = clap_mangen::Man::new(cmd.clone().name(page.to_string()))
        .title(page.to_uppercase())
        .source(concat!("engine ", env!("CARGO_PKG_VERSION")));
    let mut buf = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut buf)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut buf)?;
    }
    let examples = examples(page);
    if !examples.is_empty() {
        writeln!(buf, ".SH EXAMPLES")?;
        for (what, command) in examples {
            writeln!(
                buf,
                ".PP\n{}\n.PP\n.RS 4\n.nf\n{}\n.fi\n.RE",
                roff_escape(what),
                roff_escape(command)
            )?;
        }
    }
    let path = dir.join(format!("{page}.1"));
    std::fs::write(&path, buf).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Escapes text for roff: backslashes, and a leading dot or quote that would start a request.
fn roff_escape(s: &str) -> String {
    s.lines()
        .map(|line| {
            let escaped = line.replace('\\', "\\e").replace('-', "\\-");
            if escaped.starts_with('.') || escaped.starts_with('\'') {
                format!("\\&{escaped}")
            } else {
                escaped
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
