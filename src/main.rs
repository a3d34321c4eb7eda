use std::process::ExitCode;

fn main() -> ExitCode {
    shuangda::cli::main()
}
