use engine::container::{copy, export, monitor};
use engine::quadlet;
use engine::rootfs::layer_tar;
use engine::runtime::{builtin, external, userns};

fn main() -> std::process::ExitCode {
    // The engine's own helpers run before anything else (no threads, no clap, no config): the
    // user namespace helper (runtime::userns), the container init (runtime::builtin), which
    // forks and must stay single-threaded, the container monitor, which waits for its children
    // and is signalled by pid, and the external-runtime launcher, which unshares.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Installed as a systemd generator (a symlink named engine-user-generator or
    // engine-system-generator), the binary turns Quadlet files into units and does nothing else.
    let invoked_as = args
        .first()
        .and_then(|a| std::path::Path::new(a).file_name())
        .and_then(|n| n.to_str());
    match invoked_as {
        Some(quadlet::USER_GENERATOR) => return quadlet::generator_main(true, &args[1..]),
        Some(quadlet::SYSTEM_GENERATOR) => return quadlet::generator_main(false, &args[1..]),
        _ => {}
    }
    match args.get(1).and_then(|a| a.to_str()) {
        Some(userns::USERNS_EXEC_ARG) => userns::userns_exec_main(&args),
        Some(builtin::INIT_COMMAND) => match args.get(2) {
            Some(bundle) => builtin::init_main(std::path::Path::new(bundle)),
            None => {
                eprintln!(
                    "Error: {} needs the bundle directory",
                    builtin::INIT_COMMAND
                );
                return std::process::ExitCode::from(125);
            }
        },
        Some(monitor::MONITOR_COMMAND) => monitor::monitor_main(&args),
        Some(engine::network::forwarder::FORWARDER_COMMAND) => {
            engine::network::forwarder::forwarder_main(&args)
        }
        Some(builtin::EXEC_COMMAND) => builtin::exec_main(&args),
        Some(copy::COPY_COMMAND) => copy::copy_main(),
        Some(export::CONTAINER_TAR_COMMAND) => return export::container_tar_main(&args),
        Some(layer_tar::LAYER_TAR_COMMAND) => return layer_tar::layer_tar_main(&args),
        Some(external::EXTERNAL_COMMAND) => {
            let err = match external::external_main(&args[2..]) {
                Ok(never) => match never {},
                Err(e) => e,
            };
            eprintln!("Error: {err:#}");
            return std::process::ExitCode::from(125);
        }
        _ => {}
    }
    engine::cli::main()
}
