//! The `smime` command-line tool. Exit codes: 0 success, 1 the message or certificate is
//! not valid, 2 usage or input error (with a message that names what and where).
#![forbid(unsafe_code)]

mod args;
mod commands;
mod files;
mod load;
mod progress;
mod revocation;
mod store;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("smime: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Run a command; `Ok(false)` means "done, but the input is not valid" (exit code 1).
fn run(cli: Cli) -> anyhow::Result<bool> {
    match &cli.command {
        Command::Sign(a) => commands::sign::run(a, &cli.store).map(|()| true),
        Command::Verify(a) => commands::verify::run(a),
        Command::Encrypt(a) => commands::encrypt::run(a, &cli.store).map(|()| true),
        Command::Decrypt(a) => commands::decrypt::run(a, &cli.store),
        Command::Protect(a) => commands::protect::run(a, &cli.store).map(|()| true),
        Command::Open(a) => commands::open::run(a),
        Command::Compress(a) => commands::compress::run(a).map(|()| true),
        Command::Decompress(a) => commands::decompress::run(a).map(|()| true),
        Command::Inspect(a) => commands::inspect::run(a).map(|()| true),
        Command::Receipt(a) => commands::receipt::run(a),
        Command::VerifyReceipt(a) => commands::verify_receipt::run(a),
        Command::Cert(args::CertCommand::Verify(a)) => commands::cert_verify::run(a),
        Command::Store(c) => commands::store::run(c, &cli.store),
        Command::Ca(c) => commands::ca::run(c, &cli.store).map(|()| true),
        Command::Lifecycle(args::LifecycleCommand::Run(a)) => {
            commands::lifecycle::run(a, &cli.store)
        }
        Command::Lifecycle(args::LifecycleCommand::Report(a)) => {
            commands::lifecycle::report(a, &cli.store)
        }
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "smime", &mut std::io::stdout());
            Ok(true)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(true)
        }
    }
}

/// A reader that stopped reading our output (`smime man | head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<smime::Error>()
                .is_some_and(|s| matches!(s, smime::Error::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
    })
}
