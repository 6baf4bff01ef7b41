//! The `eventbus-gen` command: renders EventBus specs to Kubernetes objects.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
