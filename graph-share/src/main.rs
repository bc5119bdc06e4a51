//! `graph-share`: share OneDrive and SharePoint items through Microsoft
//! Graph from the command line (sign in, invite, link, list, revoke, audit).
//!
//! Every subcommand's `--help`, and the crate README, list the exit codes.

mod audit;
mod bulk;
mod cli;
mod commands;
mod connect;
mod exit;
mod item;
mod journal;
mod output;
mod tenant;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

use cli::{BulkCommand, Cli, Command};
use connect::Settings;
use exit::{Code, Failure};
use output::{Format, facts};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage(error),
    };
    init_logging(cli.verbose);
    let format = if cli.json {
        Format::Json
    } else if cli.csv {
        Format::Csv
    } else {
        Format::Table
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(Failure::graph_text(format!(
                "could not start the async runtime: {e}"
            )));
        }
    };
    let code = match runtime.block_on(run(&cli, format)) {
        Ok(done) => match done.report.print(format) {
            Ok(()) => done.code,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => done.code,
            // The work is done whatever became of its report: the exit code
            // still says how the work went, not that the terminal failed.
            Err(e) => {
                eprintln!("error: could not write the output: {e}");
                done.code
            }
        },
        Err(failure) => return fail(failure),
    };
    ExitCode::from(code as u8)
}

/// Runs the subcommand; its JSON document says where it ran, so that a
/// script whose credentials went missing cannot mistake a run against the
/// throwaway emulator for one against its tenant.
async fn run(cli: &Cli, format: Format) -> Result<commands::Done, Failure> {
    let settings = Settings {
        emulator: cli.emulator,
        token_cache: cli.token_cache.clone(),
    };
    let mut done = run_command(cli, &settings, format).await?;
    let target = match connect::target(&settings)? {
        connect::Target::Emulator { .. } => "emulator",
        connect::Target::Graph => "graph",
    };
    done.report
        .extra
        .insert("target".into(), serde_json::Value::from(target));
    Ok(done)
}

async fn run_command(
    cli: &Cli,
    settings: &Settings,
    format: Format,
) -> Result<commands::Done, Failure> {
    let done = |title: &str, list: connect::Facts| commands::Done {
        report: facts(title, &list),
        code: Code::Ok,
    };
    let connect = || async {
        let session = connect::connect(settings).await?;
        if let Some(emulator) = &session.emulator {
            tracing::info!(url = %emulator.base_url(), "talking to the in-process emulator");
        }
        Ok::<_, Failure>(session)
    };
    match &cli.command {
        Command::Login => Ok(done("Signed in:", connect::login(settings).await?)),
        Command::Logout => Ok(done("Sign out:", connect::logout(settings)?)),
        Command::Whoami => Ok(done("Credential in use:", connect::whoami(settings)?)),
        Command::Invite(args) => {
            let session = connect().await?;
            let item = args.item.resolve(&session.client).await?;
            commands::invite(&session.client, &item, args).await
        }
        Command::Link(args) => {
            let session = connect().await?;
            let item = args.item.resolve(&session.client).await?;
            commands::link(&session.client, &item, args).await
        }
        Command::List(args) => {
            let session = connect().await?;
            let item = args.item.resolve(&session.client).await?;
            commands::list(&session.client, &item).await
        }
        Command::Bulk(BulkCommand::Invite(args)) => {
            let session = connect().await?;
            bulk::invite(&session.client, args).await
        }
        Command::Revoke(args) => {
            let session = connect().await?;
            let item = args.item.resolve(&session.client).await?;
            commands::revoke(&session.client, &item, args).await
        }
        Command::Audit(args) => {
            let session = connect().await?;
            let item = args.item.resolve(&session.client).await?;
            // The audit streams its own output from its journal.
            let code = audit::audit(&session.client, &item, args, format).await?;
            Ok(commands::Done {
                report: output::Report::already_printed(),
                code,
            })
        }
    }
}

/// `-v` logs what is sent (info), `-vv` details (debug); `RUST_LOG`, when
/// set, decides instead. Always to stderr, so that stdout stays the output.
fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let level = match verbose {
        0 => "warn",
        1 => "warn,graph_share=info,graph_core=info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// A clap error in one line (its first paragraph), exit 2; `--help` and
/// `--version` print as clap prints them, exit 0.
fn usage(error: clap::Error) -> ExitCode {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        // No subcommand at all: the whole help, on stderr, as a usage error.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{}", error.render());
            return ExitCode::from(Code::Usage as u8);
        }
        _ => {}
    }
    let rendered = error.render().to_string();
    let first: Vec<&str> = rendered
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    eprintln!("{} (see --help)", first.join(" "));
    ExitCode::from(Code::Usage as u8)
}

fn fail(failure: Failure) -> ExitCode {
    eprintln!("error: {}", output::printable(&failure.message));
    ExitCode::from(failure.code as u8)
}
