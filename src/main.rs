use engine::runtime::userns;

fn main() -> std::process::ExitCode {
    // The user namespace helper must run before anything else (no threads, no clap): it is the
    // engine binary re-executed to create a namespace, see runtime::userns.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == userns::USERNS_EXEC_ARG) {
        userns::userns_exec_main(&args);
    }
    engine::cli::main()
}
