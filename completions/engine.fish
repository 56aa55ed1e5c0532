# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_engine_global_optspecs
    string join \n root= storage-driver= runtime= log-level= h/help V/version
end

function __fish_engine_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_engine_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_engine_using_subcommand
    set -l cmd (__fish_engine_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c engine -n "__fish_engine_needs_command" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_needs_command" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_needs_command" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_needs_command" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c engine -n "__fish_engine_needs_command" -s V -l version -d 'Print version'
complete -c engine -n "__fish_engine_needs_command" -f -a "pull" -d 'Pull an image from a registry'
complete -c engine -n "__fish_engine_needs_command" -f -a "images" -d 'List images in local storage'
complete -c engine -n "__fish_engine_needs_command" -f -a "rmi" -d 'Remove one or more images from local storage'
complete -c engine -n "__fish_engine_needs_command" -f -a "tag" -d 'Add an additional name to a local image'
complete -c engine -n "__fish_engine_needs_command" -f -a "inspect" -d 'Display the configuration of containers and images'
complete -c engine -n "__fish_engine_needs_command" -f -a "image" -d 'Manage images'
complete -c engine -n "__fish_engine_needs_command" -f -a "run" -d 'Run a command in a new container'
complete -c engine -n "__fish_engine_needs_command" -f -a "create" -d 'Create a container without starting it'
complete -c engine -n "__fish_engine_needs_command" -f -a "start" -d 'Start one or more containers'
complete -c engine -n "__fish_engine_needs_command" -f -a "stop" -d 'Stop one or more running containers'
complete -c engine -n "__fish_engine_needs_command" -f -a "restart" -d 'Restart one or more containers'
complete -c engine -n "__fish_engine_needs_command" -f -a "kill" -d 'Send a signal to one or more running containers'
complete -c engine -n "__fish_engine_needs_command" -f -a "wait" -d 'Wait for containers to exit and print their exit codes'
complete -c engine -n "__fish_engine_needs_command" -f -a "attach" -d 'Attach to a running container\'s input and output'
complete -c engine -n "__fish_engine_needs_command" -f -a "pause" -d 'Pause the processes of running containers'
complete -c engine -n "__fish_engine_needs_command" -f -a "unpause" -d 'Unpause paused containers'
complete -c engine -n "__fish_engine_needs_command" -f -a "ps" -d 'List containers'
complete -c engine -n "__fish_engine_needs_command" -f -a "top" -d 'Display the running processes of a container'
complete -c engine -n "__fish_engine_needs_command" -f -a "rename" -d 'Rename a container'
complete -c engine -n "__fish_engine_needs_command" -f -a "rm" -d 'Remove one or more containers'
complete -c engine -n "__fish_engine_needs_command" -f -a "logs" -d 'Print the output of one or more containers'
complete -c engine -n "__fish_engine_needs_command" -f -a "container" -d 'Manage containers'
complete -c engine -n "__fish_engine_needs_command" -f -a "volume" -d 'Manage volumes'
complete -c engine -n "__fish_engine_needs_command" -f -a "system" -d 'Manage the engine\'s storage: disk usage and pruning'
complete -c engine -n "__fish_engine_needs_command" -f -a "unshare" -d 'Run a command in the user namespace the engine uses for its store'
complete -c engine -n "__fish_engine_needs_command" -f -a "oci" -d 'Run OCI bundles with the built-in runtime, with runc\'s commands (--root: state directory)'
complete -c engine -n "__fish_engine_needs_command" -f -a "login" -d 'Log in to a container registry'
complete -c engine -n "__fish_engine_needs_command" -f -a "logout" -d 'Log out of a container registry'
complete -c engine -n "__fish_engine_needs_command" -f -a "version" -d 'Display the engine version information'
complete -c engine -n "__fish_engine_needs_command" -f -a "completion" -d 'Generate shell completion scripts'
complete -c engine -n "__fish_engine_needs_command" -f -a "__overlay-probe" -d 'Check that overlayfs can be mounted here (the engine\'s own helper)'
complete -c engine -n "__fish_engine_needs_command" -f -a "__vfs-copy" -d 'Copy layers into a container root (the engine\'s own helper for the vfs driver)'
complete -c engine -n "__fish_engine_needs_command" -f -a "__unpack-layer" -d 'Unpack a layer from stdin (the engine\'s own helper)'
complete -c engine -n "__fish_engine_using_subcommand pull" -l platform -d 'Platform to pull from a manifest list: OS/ARCH[/VARIANT] (default: this machine)' -r
complete -c engine -n "__fish_engine_using_subcommand pull" -l arch -d 'Architecture to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand pull" -l os -d 'Operating system to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand pull" -l variant -d 'Architecture variant to pull, e.g. v7 or v8' -r
complete -c engine -n "__fish_engine_using_subcommand pull" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand pull" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c engine -n "__fish_engine_using_subcommand pull" -l cert-dir -d 'Use the certificates (*.crt) in this directory instead of certs.d' -r -F
complete -c engine -n "__fish_engine_using_subcommand pull" -l creds -d 'Credentials USERNAME[:PASSWORD] for the registry' -r
complete -c engine -n "__fish_engine_using_subcommand pull" -l signature-policy -d 'Path of the signature policy file (default: policy.json from the user\'s or system config)' -r -F
complete -c engine -n "__fish_engine_using_subcommand pull" -l policy -d 'When to contact the registry: always, missing, never or newer' -r
complete -c engine -n "__fish_engine_using_subcommand pull" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand pull" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand pull" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand pull" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand pull" -s q -l quiet -d 'Print only the image ID'
complete -c engine -n "__fish_engine_using_subcommand pull" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand images" -s f -l filter -d 'Filter output: reference=PATTERN, dangling=true|false, before=IMAGE, since=IMAGE' -r
complete -c engine -n "__fish_engine_using_subcommand images" -l format -d 'Output format: table, json, or a Go template such as \'{{.ID}} {{.Repository}}\'' -r
complete -c engine -n "__fish_engine_using_subcommand images" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand images" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand images" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand images" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand images" -s a -l all -d 'Show all images (intermediate ones included)'
complete -c engine -n "__fish_engine_using_subcommand images" -s q -l quiet -d 'Print only image IDs'
complete -c engine -n "__fish_engine_using_subcommand images" -l digests -d 'Show the digests'
complete -c engine -n "__fish_engine_using_subcommand images" -l no-trunc -d 'Do not truncate IDs'
complete -c engine -n "__fish_engine_using_subcommand images" -s n -l noheading -d 'Do not print the header'
complete -c engine -n "__fish_engine_using_subcommand images" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand rmi" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand rmi" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand rmi" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand rmi" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand rmi" -s a -l all -d 'Remove all images'
complete -c engine -n "__fish_engine_using_subcommand rmi" -s f -l force -d 'Remove an image even when it has several names'
complete -c engine -n "__fish_engine_using_subcommand rmi" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand tag" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand tag" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand tag" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand tag" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand tag" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand inspect" -s t -l type -d 'Look the names up as: container, image or all' -r -f -a "container\t''
image\t''
all\t''"
complete -c engine -n "__fish_engine_using_subcommand inspect" -s f -l format -d 'Format the output with a Go template such as \'{{.State.Status}}\' or \'{{json .Config}}\', or json' -r
complete -c engine -n "__fish_engine_using_subcommand inspect" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand inspect" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand inspect" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand inspect" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand inspect" -s s -l size -d 'Add the sizes of containers: SizeRw (what it wrote) and SizeRootFs (with its image)'
complete -c engine -n "__fish_engine_using_subcommand inspect" -l isolation -d 'Show what isolates running containers, next to the host\'s values: namespaces, uid/gid maps, capabilities, no_new_privs, seccomp, cgroup, MAC label, mounts, masked and read-only paths (a table; json or a template with --format)'
complete -c engine -n "__fish_engine_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -f -a "ls" -d 'List images in local storage'
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -f -a "list" -d 'List images in local storage'
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -f -a "pull" -d 'Pull an image from a registry'
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -f -a "rm" -d 'Remove one or more images from local storage'
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -f -a "remove" -d 'Remove one or more images from local storage'
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -f -a "tag" -d 'Add an additional name to a local image'
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -f -a "inspect" -d 'Display the configuration of an image'
complete -c engine -n "__fish_engine_using_subcommand image; and not __fish_seen_subcommand_from ls list pull rm remove tag inspect prune" -f -a "prune" -d 'Remove unused images'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter output: reference=PATTERN, dangling=true|false, before=IMAGE, since=IMAGE' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -l format -d 'Output format: table, json, or a Go template such as \'{{.ID}} {{.Repository}}\'' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all images (intermediate ones included)'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only image IDs'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -l digests -d 'Show the digests'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate IDs'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -s n -l noheading -d 'Do not print the header'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter output: reference=PATTERN, dangling=true|false, before=IMAGE, since=IMAGE' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -l format -d 'Output format: table, json, or a Go template such as \'{{.ID}} {{.Repository}}\'' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -s a -l all -d 'Show all images (intermediate ones included)'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only image IDs'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -l digests -d 'Show the digests'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate IDs'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -s n -l noheading -d 'Do not print the header'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l platform -d 'Platform to pull from a manifest list: OS/ARCH[/VARIANT] (default: this machine)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l arch -d 'Architecture to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l os -d 'Operating system to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l variant -d 'Architecture variant to pull, e.g. v7 or v8' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l cert-dir -d 'Use the certificates (*.crt) in this directory instead of certs.d' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l creds -d 'Credentials USERNAME[:PASSWORD] for the registry' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l signature-policy -d 'Path of the signature policy file (default: policy.json from the user\'s or system config)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l policy -d 'When to contact the registry: always, missing, never or newer' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'Print only the image ID'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from rm" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from rm" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from rm" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove all images'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from rm" -s f -l force -d 'Remove an image even when it has several names'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from remove" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from remove" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from remove" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from remove" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from remove" -s a -l all -d 'Remove all images'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from remove" -s f -l force -d 'Remove an image even when it has several names'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from tag" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from tag" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from tag" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from tag" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from tag" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format the output with a Go template, or json' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from inspect" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from inspect" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from inspect" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from prune" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from prune" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from prune" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all images not used by containers, not only dangling ones'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c engine -n "__fish_engine_using_subcommand image; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand run" -l detach-keys -d 'Keys that detach from an attached container: ctrl-X or single characters, comma-separated ("" disables)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l sig-proxy -d 'Forward the signals the engine receives to the container (attached, without a terminal)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand run" -l restart -d 'Restart policy: no, always, on-failure[:MAX_RETRIES] or unless-stopped' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l stop-signal -d 'Signal that stops the container (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l stop-timeout -d 'Seconds to wait for the stop signal to work before SIGKILL' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l log-driver -d 'Where the container\'s output goes: k8s-file (the default, read by `engine logs`) or none' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l log-opt -d 'Logging option: max-size=SIZE (e.g. 10mb) rotates the log beyond that size' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l cidfile -d 'Write the container ID to this file (which must not exist)' -r -F
complete -c engine -n "__fish_engine_using_subcommand run" -l name -d 'Name of the container' -r
complete -c engine -n "__fish_engine_using_subcommand run" -s e -l env -d 'Set an environment variable: KEY=VALUE, or KEY to copy it from this environment' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l env-file -d 'Read environment variables from a file (KEY=VALUE lines)' -r -F
complete -c engine -n "__fish_engine_using_subcommand run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c engine -n "__fish_engine_using_subcommand run" -s u -l user -d 'User to run as: USER[:GROUP] or UID[:GID]' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l group-add -d 'Additional groups for the container process' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l entrypoint -d 'Override the image\'s entrypoint ("" resets it)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -s v -l volume -d 'Mount a volume or host path: [SRC:]DST[:OPTIONS] (ro, rw, z, Z, ...)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l mount -d 'Attach a mount: type=bind|volume|tmpfs,source=...,target=...[,readonly]' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l tmpfs -d 'Mount a tmpfs: DST[:OPTIONS]' -r
complete -c engine -n "__fish_engine_using_subcommand run" -s h -l hostname -d 'Container hostname (default: the first 12 characters of its id)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l cap-add -d 'Add a capability (e.g. NET_RAW, or ALL)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l security-opt -d 'Security options: seccomp=unconfined|PROFILE.json, no-new-privileges' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l userns -d 'User namespace: host (the default: root inside is you, ids 1.. are your subordinate ids)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l init-path -d 'The init binary for --init (default: catatonit)' -r -F
complete -c engine -n "__fish_engine_using_subcommand run" -l pull -d 'When to pull the image: always, missing, never or newer' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l platform -d 'Platform to pull from a manifest list: OS/ARCH[/VARIANT] (default: this machine)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l arch -d 'Architecture to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l os -d 'Operating system to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l variant -d 'Architecture variant to pull, e.g. v7 or v8' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand run" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c engine -n "__fish_engine_using_subcommand run" -l cert-dir -d 'Use the certificates (*.crt) in this directory instead of certs.d' -r -F
complete -c engine -n "__fish_engine_using_subcommand run" -l creds -d 'Credentials USERNAME[:PASSWORD] for the registry' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l ulimit -d 'Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l network -l net -d 'Network mode: none (only loopback) or host' -r
complete -c engine -n "__fish_engine_using_subcommand run" -s l -l label -d 'Set a label: KEY=VALUE' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l annotation -d 'Set an annotation on the container: KEY=VALUE' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand run" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand run" -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand run" -l rm -d 'Remove the container (and its anonymous volumes) when it exits'
complete -c engine -n "__fish_engine_using_subcommand run" -s d -l detach -d 'Run in the background and print the container ID'
complete -c engine -n "__fish_engine_using_subcommand run" -l replace -d 'Replace a container of the same --name, removing it first'
complete -c engine -n "__fish_engine_using_subcommand run" -l read-only -d 'Make the root filesystem read-only'
complete -c engine -n "__fish_engine_using_subcommand run" -l privileged -d 'Give the container every capability, no seccomp filter and no masked paths'
complete -c engine -n "__fish_engine_using_subcommand run" -l init -d 'Run a tiny init as PID 1 that reaps zombies and forwards signals'
complete -c engine -n "__fish_engine_using_subcommand run" -s i -l interactive -d 'Keep standard input open'
complete -c engine -n "__fish_engine_using_subcommand run" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c engine -n "__fish_engine_using_subcommand run" -l rootfs -d 'The first argument is a directory holding a root filesystem, not an image'
complete -c engine -n "__fish_engine_using_subcommand create" -l detach-keys -d 'Keys that detach from an attached container: ctrl-X or single characters, comma-separated ("" disables)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l sig-proxy -d 'Forward the signals the engine receives to the container (attached, without a terminal)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand create" -l restart -d 'Restart policy: no, always, on-failure[:MAX_RETRIES] or unless-stopped' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l stop-signal -d 'Signal that stops the container (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l stop-timeout -d 'Seconds to wait for the stop signal to work before SIGKILL' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l log-driver -d 'Where the container\'s output goes: k8s-file (the default, read by `engine logs`) or none' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l log-opt -d 'Logging option: max-size=SIZE (e.g. 10mb) rotates the log beyond that size' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l cidfile -d 'Write the container ID to this file (which must not exist)' -r -F
complete -c engine -n "__fish_engine_using_subcommand create" -l name -d 'Name of the container' -r
complete -c engine -n "__fish_engine_using_subcommand create" -s e -l env -d 'Set an environment variable: KEY=VALUE, or KEY to copy it from this environment' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l env-file -d 'Read environment variables from a file (KEY=VALUE lines)' -r -F
complete -c engine -n "__fish_engine_using_subcommand create" -s w -l workdir -d 'Working directory inside the container' -r
complete -c engine -n "__fish_engine_using_subcommand create" -s u -l user -d 'User to run as: USER[:GROUP] or UID[:GID]' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l group-add -d 'Additional groups for the container process' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l entrypoint -d 'Override the image\'s entrypoint ("" resets it)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -s v -l volume -d 'Mount a volume or host path: [SRC:]DST[:OPTIONS] (ro, rw, z, Z, ...)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l mount -d 'Attach a mount: type=bind|volume|tmpfs,source=...,target=...[,readonly]' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l tmpfs -d 'Mount a tmpfs: DST[:OPTIONS]' -r
complete -c engine -n "__fish_engine_using_subcommand create" -s h -l hostname -d 'Container hostname (default: the first 12 characters of its id)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l cap-add -d 'Add a capability (e.g. NET_RAW, or ALL)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l security-opt -d 'Security options: seccomp=unconfined|PROFILE.json, no-new-privileges' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l userns -d 'User namespace: host (the default: root inside is you, ids 1.. are your subordinate ids)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l init-path -d 'The init binary for --init (default: catatonit)' -r -F
complete -c engine -n "__fish_engine_using_subcommand create" -l pull -d 'When to pull the image: always, missing, never or newer' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l platform -d 'Platform to pull from a manifest list: OS/ARCH[/VARIANT] (default: this machine)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l arch -d 'Architecture to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l os -d 'Operating system to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l variant -d 'Architecture variant to pull, e.g. v7 or v8' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand create" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c engine -n "__fish_engine_using_subcommand create" -l cert-dir -d 'Use the certificates (*.crt) in this directory instead of certs.d' -r -F
complete -c engine -n "__fish_engine_using_subcommand create" -l creds -d 'Credentials USERNAME[:PASSWORD] for the registry' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l ulimit -d 'Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l network -l net -d 'Network mode: none (only loopback) or host' -r
complete -c engine -n "__fish_engine_using_subcommand create" -s l -l label -d 'Set a label: KEY=VALUE' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l annotation -d 'Set an annotation on the container: KEY=VALUE' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand create" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand create" -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand create" -l rm -d 'Remove the container (and its anonymous volumes) when it exits'
complete -c engine -n "__fish_engine_using_subcommand create" -s d -l detach -d 'Run in the background and print the container ID'
complete -c engine -n "__fish_engine_using_subcommand create" -l replace -d 'Replace a container of the same --name, removing it first'
complete -c engine -n "__fish_engine_using_subcommand create" -l read-only -d 'Make the root filesystem read-only'
complete -c engine -n "__fish_engine_using_subcommand create" -l privileged -d 'Give the container every capability, no seccomp filter and no masked paths'
complete -c engine -n "__fish_engine_using_subcommand create" -l init -d 'Run a tiny init as PID 1 that reaps zombies and forwards signals'
complete -c engine -n "__fish_engine_using_subcommand create" -s i -l interactive -d 'Keep standard input open'
complete -c engine -n "__fish_engine_using_subcommand create" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c engine -n "__fish_engine_using_subcommand create" -l rootfs -d 'The first argument is a directory holding a root filesystem, not an image'
complete -c engine -n "__fish_engine_using_subcommand start" -l detach-keys -d 'Keys that detach from the container: ctrl-X or single characters, comma-separated' -r
complete -c engine -n "__fish_engine_using_subcommand start" -l sig-proxy -d 'Forward the signals the engine receives to the container (with --attach)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand start" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand start" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand start" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand start" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand start" -s a -l attach -d 'Attach to the container\'s output (and exit with its code)'
complete -c engine -n "__fish_engine_using_subcommand start" -s i -l interactive -d 'Attach stdin as well (with --attach)'
complete -c engine -n "__fish_engine_using_subcommand start" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand stop" -s t -l time -d 'Seconds to wait for the stop signal before SIGKILL (default: the container\'s --stop-timeout)' -r
complete -c engine -n "__fish_engine_using_subcommand stop" -l cidfile -d 'Read the container ID from this file (written by run --cidfile)' -r -F
complete -c engine -n "__fish_engine_using_subcommand stop" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand stop" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand stop" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand stop" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand stop" -s a -l all -d 'Stop every running container'
complete -c engine -n "__fish_engine_using_subcommand stop" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c engine -n "__fish_engine_using_subcommand stop" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand restart" -s t -l time -d 'Seconds to wait for the stop signal before SIGKILL (default: the container\'s --stop-timeout)' -r
complete -c engine -n "__fish_engine_using_subcommand restart" -l cidfile -d 'Read the container ID from this file (written by run --cidfile)' -r -F
complete -c engine -n "__fish_engine_using_subcommand restart" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand restart" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand restart" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand restart" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand restart" -s a -l all -d 'Stop every running container'
complete -c engine -n "__fish_engine_using_subcommand restart" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c engine -n "__fish_engine_using_subcommand restart" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand kill" -s s -l signal -d 'The signal: a name (KILL, SIGTERM, RTMIN+3) or a number' -r
complete -c engine -n "__fish_engine_using_subcommand kill" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand kill" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand kill" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand kill" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand kill" -s a -l all -d 'Signal every running container'
complete -c engine -n "__fish_engine_using_subcommand kill" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand wait" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand wait" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand wait" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand wait" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand wait" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand attach" -l detach-keys -d 'Keys that detach from the container: ctrl-X or single characters, comma-separated' -r
complete -c engine -n "__fish_engine_using_subcommand attach" -l sig-proxy -d 'Forward the signals the engine receives to the container' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand attach" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand attach" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand attach" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand attach" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand attach" -l no-stdin -d 'Do not forward our stdin'
complete -c engine -n "__fish_engine_using_subcommand attach" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand pause" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand pause" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand pause" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand pause" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand pause" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand unpause" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand unpause" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand unpause" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand unpause" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand unpause" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand ps" -s n -l last -d 'Show the N most recently created containers, in any state' -r
complete -c engine -n "__fish_engine_using_subcommand ps" -s f -l filter -d 'Filter: status=STATE, name=REGEX, id=PREFIX, label=KEY[=VALUE], ancestor=IMAGE, exited=CODE (one key\'s values: any; different keys and labels: all)' -r
complete -c engine -n "__fish_engine_using_subcommand ps" -l format -d 'Output format: table, json, or a Go template such as \'{{.ID}} {{.Names}}\' (\'table ...\' adds a header)' -r
complete -c engine -n "__fish_engine_using_subcommand ps" -l sort -d 'Sort by command, created (newest first, the default), id, image, names, runningfor, size or status' -r
complete -c engine -n "__fish_engine_using_subcommand ps" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand ps" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand ps" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand ps" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand ps" -s a -l all -d 'Show all containers, not only running ones'
complete -c engine -n "__fish_engine_using_subcommand ps" -s q -l quiet -d 'Print only container IDs'
complete -c engine -n "__fish_engine_using_subcommand ps" -s l -l latest -d 'Show the most recently created container, in any state'
complete -c engine -n "__fish_engine_using_subcommand ps" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c engine -n "__fish_engine_using_subcommand ps" -s s -l size -d 'Show the size each container wrote (SIZE column), and with its image ("virtual")'
complete -c engine -n "__fish_engine_using_subcommand ps" -l noheading -d 'Do not print the header row'
complete -c engine -n "__fish_engine_using_subcommand ps" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand top" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand top" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand top" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand top" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand top" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand rename" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand rename" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand rename" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand rename" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand rename" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand rm" -s t -l time -d 'With --force: seconds to wait for the stop signal before SIGKILL' -r
complete -c engine -n "__fish_engine_using_subcommand rm" -l cidfile -d 'Read the container ID from this file (written by run --cidfile)' -r -F
complete -c engine -n "__fish_engine_using_subcommand rm" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand rm" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand rm" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand rm" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand rm" -s a -l all -d 'Remove every container'
complete -c engine -n "__fish_engine_using_subcommand rm" -s f -l force -d 'Stop running containers first (SIGKILL at once unless --time is given)'
complete -c engine -n "__fish_engine_using_subcommand rm" -s v -l volumes -d 'Remove the container\'s anonymous volumes too'
complete -c engine -n "__fish_engine_using_subcommand rm" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c engine -n "__fish_engine_using_subcommand rm" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand logs" -l tail -d 'Print only the last N lines (a negative N prints all)' -r
complete -c engine -n "__fish_engine_using_subcommand logs" -l since -d 'Print only lines written after TIME: an RFC 3339 time, a date, a Unix timestamp, or a duration before now (10m, 1h30m)' -r
complete -c engine -n "__fish_engine_using_subcommand logs" -l until -d 'Print only lines written before TIME: an RFC 3339 time, a date, a Unix timestamp, or a duration after now (with --follow, stop following then)' -r
complete -c engine -n "__fish_engine_using_subcommand logs" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand logs" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand logs" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand logs" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand logs" -s f -l follow -d 'Keep printing new output until the container stops'
complete -c engine -n "__fish_engine_using_subcommand logs" -s t -l timestamps -d 'Start each line with the time it was written (RFC 3339 with nanoseconds)'
complete -c engine -n "__fish_engine_using_subcommand logs" -s n -l names -d 'With several containers, start each line with the container\'s name instead of its ID'
complete -c engine -n "__fish_engine_using_subcommand logs" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "ls" -d 'List containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "list" -d 'List containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "ps" -d 'List containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "inspect" -d 'Display the configuration of containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "top" -d 'Display the running processes of a container'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "rename" -d 'Rename a container'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "prune" -d 'Remove every container that is not running'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "rm" -d 'Remove one or more containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "remove" -d 'Remove one or more containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "run" -d 'Run a command in a new container'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "create" -d 'Create a container without starting it'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "start" -d 'Start one or more containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "stop" -d 'Stop one or more running containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "restart" -d 'Restart one or more containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "kill" -d 'Send a signal to one or more running containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "wait" -d 'Wait for containers to exit and print their exit codes'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "attach" -d 'Attach to a running container\'s input and output'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "pause" -d 'Pause the processes of running containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "unpause" -d 'Unpause paused containers'
complete -c engine -n "__fish_engine_using_subcommand container; and not __fish_seen_subcommand_from ls list ps inspect top rename prune rm remove run create start stop restart kill wait attach pause unpause logs" -f -a "logs" -d 'Print the output of one or more containers'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -s n -l last -d 'Show the N most recently created containers, in any state' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: status=STATE, name=REGEX, id=PREFIX, label=KEY[=VALUE], ancestor=IMAGE, exited=CODE (one key\'s values: any; different keys and labels: all)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -l format -d 'Output format: table, json, or a Go template such as \'{{.ID}} {{.Names}}\' (\'table ...\' adds a header)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -l sort -d 'Sort by command, created (newest first, the default), id, image, names, runningfor, size or status' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all containers, not only running ones'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only container IDs'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -s l -l latest -d 'Show the most recently created container, in any state'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -s s -l size -d 'Show the size each container wrote (SIZE column), and with its image ("virtual")'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -l noheading -d 'Do not print the header row'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -s n -l last -d 'Show the N most recently created containers, in any state' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter: status=STATE, name=REGEX, id=PREFIX, label=KEY[=VALUE], ancestor=IMAGE, exited=CODE (one key\'s values: any; different keys and labels: all)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -l format -d 'Output format: table, json, or a Go template such as \'{{.ID}} {{.Names}}\' (\'table ...\' adds a header)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -l sort -d 'Sort by command, created (newest first, the default), id, image, names, runningfor, size or status' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -s a -l all -d 'Show all containers, not only running ones'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only container IDs'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -s l -l latest -d 'Show the most recently created container, in any state'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -s s -l size -d 'Show the size each container wrote (SIZE column), and with its image ("virtual")'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -l noheading -d 'Do not print the header row'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -s n -l last -d 'Show the N most recently created containers, in any state' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -s f -l filter -d 'Filter: status=STATE, name=REGEX, id=PREFIX, label=KEY[=VALUE], ancestor=IMAGE, exited=CODE (one key\'s values: any; different keys and labels: all)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -l format -d 'Output format: table, json, or a Go template such as \'{{.ID}} {{.Names}}\' (\'table ...\' adds a header)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -l sort -d 'Sort by command, created (newest first, the default), id, image, names, runningfor, size or status' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -s a -l all -d 'Show all containers, not only running ones'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -s q -l quiet -d 'Print only container IDs'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -s l -l latest -d 'Show the most recently created container, in any state'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -l no-trunc -d 'Do not truncate IDs and commands'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -s s -l size -d 'Show the size each container wrote (SIZE column), and with its image ("virtual")'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -l noheading -d 'Do not print the header row'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from ps" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format the output with a Go template such as \'{{.State.Status}}\' or \'{{json .Config}}\', or json' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from inspect" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from inspect" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from inspect" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from inspect" -s l -l latest -d 'Inspect the most recently created container'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from inspect" -s s -l size -d 'Add the sizes of containers: SizeRw (what it wrote) and SizeRootFs (with its image)'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from inspect" -l isolation -d 'Show what isolates running containers, next to the host\'s values: namespaces, uid/gid maps, capabilities, no_new_privs, seccomp, cgroup, MAC label, mounts, masked and read-only paths (a table; json or a template with --format)'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from top" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from top" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from top" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from top" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from top" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rename" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rename" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rename" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rename" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from prune" -l filter -d 'Prune only containers matching: until=TIME (created before a duration ago such as 24h, or a date), label=KEY[=VALUE], label!=KEY[=VALUE]' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from prune" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from prune" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from prune" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -s t -l time -d 'With --force: seconds to wait for the stop signal before SIGKILL' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -l cidfile -d 'Read the container ID from this file (written by run --cidfile)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove every container'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -s f -l force -d 'Stop running containers first (SIGKILL at once unless --time is given)'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -s v -l volumes -d 'Remove the container\'s anonymous volumes too'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -s t -l time -d 'With --force: seconds to wait for the stop signal before SIGKILL' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -l cidfile -d 'Read the container ID from this file (written by run --cidfile)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -s a -l all -d 'Remove every container'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -s f -l force -d 'Stop running containers first (SIGKILL at once unless --time is given)'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -s v -l volumes -d 'Remove the container\'s anonymous volumes too'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l detach-keys -d 'Keys that detach from an attached container: ctrl-X or single characters, comma-separated ("" disables)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l sig-proxy -d 'Forward the signals the engine receives to the container (attached, without a terminal)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l restart -d 'Restart policy: no, always, on-failure[:MAX_RETRIES] or unless-stopped' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-signal -d 'Signal that stops the container (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-timeout -d 'Seconds to wait for the stop signal to work before SIGKILL' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l log-driver -d 'Where the container\'s output goes: k8s-file (the default, read by `engine logs`) or none' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l log-opt -d 'Logging option: max-size=SIZE (e.g. 10mb) rotates the log beyond that size' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l cidfile -d 'Write the container ID to this file (which must not exist)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l name -d 'Name of the container' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -s e -l env -d 'Set an environment variable: KEY=VALUE, or KEY to copy it from this environment' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l env-file -d 'Read environment variables from a file (KEY=VALUE lines)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -s u -l user -d 'User to run as: USER[:GROUP] or UID[:GID]' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l group-add -d 'Additional groups for the container process' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l entrypoint -d 'Override the image\'s entrypoint ("" resets it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -s v -l volume -d 'Mount a volume or host path: [SRC:]DST[:OPTIONS] (ro, rw, z, Z, ...)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l mount -d 'Attach a mount: type=bind|volume|tmpfs,source=...,target=...[,readonly]' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l tmpfs -d 'Mount a tmpfs: DST[:OPTIONS]' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -s h -l hostname -d 'Container hostname (default: the first 12 characters of its id)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-add -d 'Add a capability (e.g. NET_RAW, or ALL)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l security-opt -d 'Security options: seccomp=unconfined|PROFILE.json, no-new-privileges' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l userns -d 'User namespace: host (the default: root inside is you, ids 1.. are your subordinate ids)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l init-path -d 'The init binary for --init (default: catatonit)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l pull -d 'When to pull the image: always, missing, never or newer' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l platform -d 'Platform to pull from a manifest list: OS/ARCH[/VARIANT] (default: this machine)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l arch -d 'Architecture to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l os -d 'Operating system to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l variant -d 'Architecture variant to pull, e.g. v7 or v8' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l cert-dir -d 'Use the certificates (*.crt) in this directory instead of certs.d' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l creds -d 'Credentials USERNAME[:PASSWORD] for the registry' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l ulimit -d 'Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l network -l net -d 'Network mode: none (only loopback) or host' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -s l -l label -d 'Set a label: KEY=VALUE' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l annotation -d 'Set an annotation on the container: KEY=VALUE' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l rm -d 'Remove the container (and its anonymous volumes) when it exits'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run in the background and print the container ID'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l replace -d 'Replace a container of the same --name, removing it first'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l read-only -d 'Make the root filesystem read-only'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l privileged -d 'Give the container every capability, no seccomp filter and no masked paths'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l init -d 'Run a tiny init as PID 1 that reaps zombies and forwards signals'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -s i -l interactive -d 'Keep standard input open'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from run" -l rootfs -d 'The first argument is a directory holding a root filesystem, not an image'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l detach-keys -d 'Keys that detach from an attached container: ctrl-X or single characters, comma-separated ("" disables)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l sig-proxy -d 'Forward the signals the engine receives to the container (attached, without a terminal)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l restart -d 'Restart policy: no, always, on-failure[:MAX_RETRIES] or unless-stopped' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-signal -d 'Signal that stops the container (default: the image\'s STOPSIGNAL, else SIGTERM)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-timeout -d 'Seconds to wait for the stop signal to work before SIGKILL' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l log-driver -d 'Where the container\'s output goes: k8s-file (the default, read by `engine logs`) or none' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l log-opt -d 'Logging option: max-size=SIZE (e.g. 10mb) rotates the log beyond that size' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l cidfile -d 'Write the container ID to this file (which must not exist)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l name -d 'Name of the container' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -s e -l env -d 'Set an environment variable: KEY=VALUE, or KEY to copy it from this environment' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l env-file -d 'Read environment variables from a file (KEY=VALUE lines)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -s w -l workdir -d 'Working directory inside the container' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -s u -l user -d 'User to run as: USER[:GROUP] or UID[:GID]' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l group-add -d 'Additional groups for the container process' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l entrypoint -d 'Override the image\'s entrypoint ("" resets it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -s v -l volume -d 'Mount a volume or host path: [SRC:]DST[:OPTIONS] (ro, rw, z, Z, ...)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l mount -d 'Attach a mount: type=bind|volume|tmpfs,source=...,target=...[,readonly]' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l tmpfs -d 'Mount a tmpfs: DST[:OPTIONS]' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -s h -l hostname -d 'Container hostname (default: the first 12 characters of its id)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-add -d 'Add a capability (e.g. NET_RAW, or ALL)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-drop -d 'Drop a capability (e.g. CHOWN, or ALL)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l security-opt -d 'Security options: seccomp=unconfined|PROFILE.json, no-new-privileges' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l userns -d 'User namespace: host (the default: root inside is you, ids 1.. are your subordinate ids)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l init-path -d 'The init binary for --init (default: catatonit)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l pull -d 'When to pull the image: always, missing, never or newer' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l platform -d 'Platform to pull from a manifest list: OS/ARCH[/VARIANT] (default: this machine)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l arch -d 'Architecture to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l os -d 'Operating system to pull (overrides the one of --platform)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l variant -d 'Architecture variant to pull, e.g. v7 or v8' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l tls-verify -d 'Require HTTPS and verify certificates (false allows plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l cert-dir -d 'Use the certificates (*.crt) in this directory instead of certs.d' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l creds -d 'Credentials USERNAME[:PASSWORD] for the registry' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l ulimit -d 'Resource limit: NAME=SOFT[:HARD], e.g. nofile=1024:2048' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l network -l net -d 'Network mode: none (only loopback) or host' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -s l -l label -d 'Set a label: KEY=VALUE' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l annotation -d 'Set an annotation on the container: KEY=VALUE' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l rm -d 'Remove the container (and its anonymous volumes) when it exits'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -s d -l detach -d 'Run in the background and print the container ID'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l replace -d 'Replace a container of the same --name, removing it first'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l read-only -d 'Make the root filesystem read-only'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l privileged -d 'Give the container every capability, no seccomp filter and no masked paths'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l init -d 'Run a tiny init as PID 1 that reaps zombies and forwards signals'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -s i -l interactive -d 'Keep standard input open'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -s t -l tty -d 'Allocate a pseudo-terminal'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from create" -l rootfs -d 'The first argument is a directory holding a root filesystem, not an image'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from start" -l detach-keys -d 'Keys that detach from the container: ctrl-X or single characters, comma-separated' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from start" -l sig-proxy -d 'Forward the signals the engine receives to the container (with --attach)' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from start" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from start" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from start" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from start" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from start" -s a -l attach -d 'Attach to the container\'s output (and exit with its code)'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from start" -s i -l interactive -d 'Attach stdin as well (with --attach)'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from stop" -s t -l time -d 'Seconds to wait for the stop signal before SIGKILL (default: the container\'s --stop-timeout)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from stop" -l cidfile -d 'Read the container ID from this file (written by run --cidfile)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from stop" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from stop" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from stop" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from stop" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from stop" -s a -l all -d 'Stop every running container'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from stop" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from restart" -s t -l time -d 'Seconds to wait for the stop signal before SIGKILL (default: the container\'s --stop-timeout)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from restart" -l cidfile -d 'Read the container ID from this file (written by run --cidfile)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from restart" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from restart" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from restart" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from restart" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from restart" -s a -l all -d 'Stop every running container'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from restart" -s i -l ignore -d 'Do not fail for containers that do not exist'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from kill" -s s -l signal -d 'The signal: a name (KILL, SIGTERM, RTMIN+3) or a number' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from kill" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from kill" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from kill" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from kill" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from kill" -s a -l all -d 'Signal every running container'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from wait" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from wait" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from wait" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from wait" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from attach" -l detach-keys -d 'Keys that detach from the container: ctrl-X or single characters, comma-separated' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from attach" -l sig-proxy -d 'Forward the signals the engine receives to the container' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from attach" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from attach" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from attach" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from attach" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from attach" -l no-stdin -d 'Do not forward our stdin'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from pause" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from pause" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from pause" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from pause" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from unpause" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from unpause" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from unpause" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from unpause" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from unpause" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -l tail -d 'Print only the last N lines (a negative N prints all)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -l since -d 'Print only lines written after TIME: an RFC 3339 time, a date, a Unix timestamp, or a duration before now (10m, 1h30m)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -l until -d 'Print only lines written before TIME: an RFC 3339 time, a date, a Unix timestamp, or a duration after now (with --follow, stop following then)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Keep printing new output until the container stops'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Start each line with the time it was written (RFC 3339 with nanoseconds)'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -s n -l names -d 'With several containers, start each line with the container\'s name instead of its ID'
complete -c engine -n "__fish_engine_using_subcommand container; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -f -a "create" -d 'Create a volume'
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -f -a "ls" -d 'List volumes'
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -f -a "list" -d 'List volumes'
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -f -a "inspect" -d 'Display the details of volumes'
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -f -a "rm" -d 'Remove volumes'
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -f -a "remove" -d 'Remove volumes'
complete -c engine -n "__fish_engine_using_subcommand volume; and not __fish_seen_subcommand_from create ls list inspect rm remove prune" -f -a "prune" -d 'Remove every volume no container uses'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from create" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from create" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from create" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from create" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from create" -l ignore -d 'Do not fail when the volume exists'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from ls" -l format -d 'Output format: table, json, or a Go template such as \'{{.Name}}\'' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from ls" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from ls" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from ls" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from ls" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only volume names'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from list" -l format -d 'Output format: table, json, or a Go template such as \'{{.Name}}\'' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from list" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from list" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from list" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from list" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only volume names'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format the output with a Go template, or json' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from rm" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from rm" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from rm" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from rm" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from rm" -s a -l all -d 'Remove every volume'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from rm" -s f -l force -d 'Remove volumes even when a container uses them'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from remove" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from remove" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from remove" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from remove" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from remove" -s a -l all -d 'Remove every volume'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from remove" -s f -l force -d 'Remove volumes even when a container uses them'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from prune" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from prune" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from prune" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c engine -n "__fish_engine_using_subcommand volume; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand system; and not __fish_seen_subcommand_from prune df" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand system; and not __fish_seen_subcommand_from prune df" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand system; and not __fish_seen_subcommand_from prune df" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand system; and not __fish_seen_subcommand_from prune df" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand system; and not __fish_seen_subcommand_from prune df" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand system; and not __fish_seen_subcommand_from prune df" -f -a "prune" -d 'Remove stopped containers and unused images (and with --volumes unused volumes)'
complete -c engine -n "__fish_engine_using_subcommand system; and not __fish_seen_subcommand_from prune df" -f -a "df" -d 'Show the disk space used by images, containers and volumes'
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from prune" -l filter -d 'Prune only containers matching: until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE]' -r
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from prune" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from prune" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from prune" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from prune" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all images no container uses, not only dangling ones'
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from prune" -l volumes -d 'Remove the volumes no container uses too'
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation'
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from df" -l format -d 'Output format: table, json, or a Go template such as \'{{.Type}} {{.Size}}\' (fields Type, Total, Active, Size, Reclaimable, RawSize, RawReclaimable)' -r
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from df" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from df" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from df" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from df" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from df" -s v -l verbose -d 'List every image, container and volume with its size'
complete -c engine -n "__fish_engine_using_subcommand system; and __fish_seen_subcommand_from df" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand unshare" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand unshare" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand unshare" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand unshare" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand unshare" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -f -a "create" -d 'Create a container from a bundle, stopped right before its command runs'
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -f -a "start" -d 'Run the command of a created container'
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -f -a "state" -d 'Print the OCI state of a container as JSON'
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -f -a "kill" -d 'Send a signal to the container\'s PID 1'
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -f -a "delete" -d 'Remove a stopped (or, with --force, any) container\'s state'
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -f -a "list" -d 'List the containers'
complete -c engine -n "__fish_engine_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete list run" -f -a "run" -d 'Create and start a container, wait for it and exit with its code'
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from create" -s b -l bundle -d 'Directory holding config.json and the root filesystem' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from create" -l pid-file -d 'Write the container\'s PID 1 to this file' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from create" -l console-socket -d 'Unix socket that gets the master of the container\'s terminal (SCM_RIGHTS), for a spec with process.terminal' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from create" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from create" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from create" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from create" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from start" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from start" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from start" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from start" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from state" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from state" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from state" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from state" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from state" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from kill" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from kill" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from kill" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from kill" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from delete" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from delete" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from delete" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from delete" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from delete" -s f -l force -d 'Kill the container first if it is running'
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from list" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from list" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from list" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from list" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the IDs'
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from run" -s b -l bundle -d 'Directory holding config.json and the root filesystem' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from run" -l pid-file -d 'Write the container\'s PID 1 to this file' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from run" -l console-socket -d 'Unix socket that gets the master of the container\'s terminal (SCM_RIGHTS), for a spec with process.terminal' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from run" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from run" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from run" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from run" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand oci; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand login" -s u -l username -d 'Username' -r
complete -c engine -n "__fish_engine_using_subcommand login" -s p -l password -d 'Password (prefer --password-stdin: command lines are visible to other users)' -r
complete -c engine -n "__fish_engine_using_subcommand login" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c engine -n "__fish_engine_using_subcommand login" -l tls-verify -d 'Require HTTPS and verify certificates' -r -f -a "true\t''
false\t''"
complete -c engine -n "__fish_engine_using_subcommand login" -l cert-dir -d 'Use the certificates (*.crt) in this directory instead of certs.d' -r -F
complete -c engine -n "__fish_engine_using_subcommand login" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand login" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand login" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand login" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand login" -l password-stdin -d 'Read the password from standard input'
complete -c engine -n "__fish_engine_using_subcommand login" -l get-login -d 'Print the username stored for the registry and exit'
complete -c engine -n "__fish_engine_using_subcommand login" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand logout" -l authfile -d 'Path of the authentication file (default: ${XDG_RUNTIME_DIR}/containers/auth.json)' -r -F
complete -c engine -n "__fish_engine_using_subcommand logout" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand logout" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand logout" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand logout" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand logout" -s a -l all -d 'Remove the credentials of every registry'
complete -c engine -n "__fish_engine_using_subcommand logout" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand version" -s f -l format -d 'Output format: json or a Go template' -r
complete -c engine -n "__fish_engine_using_subcommand version" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand version" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand version" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand version" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand version" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand completion" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand completion" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand completion" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand completion" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand completion" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand __overlay-probe" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand __overlay-probe" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand __overlay-probe" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand __overlay-probe" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand __overlay-probe" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand __vfs-copy" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand __vfs-copy" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand __vfs-copy" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand __vfs-copy" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand __vfs-copy" -s h -l help -d 'Print help'
complete -c engine -n "__fish_engine_using_subcommand __unpack-layer" -l xattr-prefix -d 'Namespace of the overlay xattrs: user.overlay. (rootless) or trusted.overlay' -r
complete -c engine -n "__fish_engine_using_subcommand __unpack-layer" -l root -d 'Path of the image and container store (default: $XDG_DATA_HOME/engine, or /var/lib/engine as root)' -r -F
complete -c engine -n "__fish_engine_using_subcommand __unpack-layer" -l storage-driver -d 'Storage driver for container root filesystems: overlay, fuse-overlayfs or vfs (default: overlay when the kernel allows it)' -r
complete -c engine -n "__fish_engine_using_subcommand __unpack-layer" -l runtime -d 'OCI runtime for containers: the built-in one (default), or crun, runc or a path' -r
complete -c engine -n "__fish_engine_using_subcommand __unpack-layer" -l log-level -d 'Diagnostics to print: error, warn, info or debug' -r
complete -c engine -n "__fish_engine_using_subcommand __unpack-layer" -l ignore-chown-errors -d 'Keep going when a file\'s owner cannot be set (single-id user namespace)'
complete -c engine -n "__fish_engine_using_subcommand __unpack-layer" -s h -l help -d 'Print help'
