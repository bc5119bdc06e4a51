//! Sends a sharing invitation for a drive item and reports, per recipient,
//! the permission granted and whether the notification went out.
//!
//! With no Graph credentials in the environment it starts the local emulator
//! in-process and shares a file of its default tenant:
//!
//! ```text
//! cargo run --example send_invitation
//! cargo run --example send_invitation -- --to lee.gu@contoso.com --role read --message "FYI"
//! ```
//!
//! With credentials it talks to Microsoft Graph:
//!
//! * `GRAPH_ACCESS_TOKEN`, or `GRAPH_TENANT_ID` + `GRAPH_CLIENT_ID` + `GRAPH_CLIENT_SECRET`
//!   (client credentials), or the `AZURE_*` and managed identity variables
//!   (`graph_core::auth::EnvCredential` lists them and their precedence);
//! * optional `GRAPH_CLOUD` (`global`, `usgovl4`, `usgovl5`, `china`) or `GRAPH_BASE_URL`;
//! * the item as `--drive <drive-id> --item <item-id>`, `--drive <drive-id> --path <path>`,
//!   `--item <item-id>` or `--path <path>` (in the signed-in user's drive), and `--to <email>`.
//!
//! `--login` signs a user in with the device code flow and sends as that
//! user (a delegated token, so `/me/drive/…` is the signed-in user's drive):
//!
//! ```text
//! cargo run --example send_invitation -- --login    # the emulator; its test hook approves the code
//! GRAPH_TENANT_ID=contoso.onmicrosoft.com GRAPH_CLIENT_ID=<app-id> \
//!   cargo run --example send_invitation -- --login --path Documents/Q3.xlsx --to lee@contoso.com
//! cargo run --example send_invitation -- --logout   # forget the remembered account
//! ```
//!
//! * Without `GRAPH_TENANT_ID` / `GRAPH_CLIENT_ID` it signs in to the
//!   in-process emulator: the code and page are printed as a real run prints
//!   them, and the emulator approves the code on Alex Wilber's behalf (a
//!   test hook; there is no browser), so the invitation goes out from
//!   Alex's drive. That emulator listens on 127.0.0.1:27115
//!   (`GRAPH_EMULATOR_PORT` sets another): the cache keeps an account per
//!   authority, so the next run must find the emulator at the same address.
//! * With both (and optional `GRAPH_CLOUD`), it signs in to Azure AD: open
//!   the page and enter the code in a browser. The app must be a public
//!   client that allows the device code flow; `GRAPH_CLIENT_SECRET` is not
//!   used.
//! * The account is remembered in a private (`0600`) file: `GRAPH_TOKEN_CACHE`,
//!   else `$XDG_CACHE_HOME/graph-rs/tokens.json`, else
//!   `$HOME/.cache/graph-rs/tokens.json`, else `%LOCALAPPDATA%\graph-rs\tokens.json`.
//!   The next `--login` signs in from it without a prompt; `--logout` forgets
//!   it. A run without `--login` never reads it: it sends as before.
//! * The in-process emulator forgets the tokens it issued when the run ends
//!   (Azure AD does not): a `--login` run against it hands it the cached
//!   tokens first, and says so, so the second run is the silent one a real
//!   second run is.
//!
//! `--help` lists every option.

use std::process::ExitCode;

use examples::login::{self, LoginTarget};
use examples::{Connection, connect};
use graph_core::drive::{
    DriveRecipient, InviteBody, InviteResponse, ItemLocator, Permission, Role,
};
use graph_core::{Error, ToRequest};
use graph_emulator::{Emulator, seed};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Every option, for `--help`.
const USAGE: &str = "\
usage: send_invitation [options]

Sends a sharing invitation for a drive item (to the local emulator unless
Graph credentials are set) and reports each recipient's permission.

options:
  --drive <drive-id>   the drive that holds the item (default: the signed-in user's)
  --item <item-id>     the item, by id
  --path <path>        the item, by path from the drive's root
  --to <email>         a recipient (repeat for more)
  --role <role>        read or write (default write)
  --message <text>     the invitation's message
  --login              sign a user in with the device code flow and send as that user:
                       the emulator (its test hook approves), or Azure AD when
                       GRAPH_TENANT_ID and GRAPH_CLIENT_ID are set; the account is
                       remembered in GRAPH_TOKEN_CACHE (default: the user's cache dir)
  --logout             forget the account --login remembered, and exit
  --help               show this and exit

The top of examples/send_invitation.rs lists the environment variables.";

/// Every flag `parse_args` knows.
const FLAGS: &[&str] = &[
    "--drive",
    "--item",
    "--path",
    "--to",
    "--message",
    "--role",
    "--login",
    "--logout",
    "--help",
    "-h",
];

/// What the command line asked for.
#[derive(Default)]
struct Args {
    drive: Option<String>,
    item: Option<String>,
    path: Option<String>,
    to: Vec<String>,
    message: Option<String>,
    role: Option<String>,
    login: bool,
    logout: bool,
    help: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut words = std::env::args().skip(1);
    while let Some(flag) = words.next() {
        // A flag where the value should be (`--to --login`) is a missing
        // value, not a value.
        let mut value = || {
            words
                .next()
                .filter(|word| !FLAGS.contains(&word.as_str()))
                .ok_or_else(|| format!("`{flag}` needs a value"))
        };
        match flag.as_str() {
            "--drive" => args.drive = Some(value()?),
            "--item" => args.item = Some(value()?),
            "--path" => args.path = Some(value()?),
            "--to" => args.to.push(value()?),
            "--message" => args.message = Some(value()?),
            "--role" => args.role = Some(value()?),
            "--login" => args.login = true,
            "--logout" => args.logout = true,
            "--help" | "-h" => args.help = true,
            other => {
                return Err(format!("unknown argument `{other}`; `--help` lists them"));
            }
        }
    }
    Ok(args)
}

async fn run() -> Result<(), String> {
    let mut args = parse_args()?;
    if args.help {
        println!("{USAGE}");
        return Ok(());
    }
    let cache = login::token_cache_path(|name| std::env::var(name).ok());
    if args.logout {
        if args.login {
            return Err("`--logout` forgets the account and exits: run `--login` after it".into());
        }
        println!(
            "{}",
            login::logout(&LoginTarget::from_env()?, cache.as_deref())?
        );
        return Ok(());
    }
    // Kept alive until the end of `run`: dropping the emulator stops it.
    let Connection { client, emulator } = if args.login {
        login::connect_signed_in(
            Emulator::builder(),
            &LoginTarget::from_env()?,
            cache.as_deref(),
        )
        .await?
    } else {
        connect(Emulator::builder()).await?
    };
    match &emulator {
        None if args.to.is_empty() || (args.item.is_none() && args.path.is_none()) => {
            return Err("with Graph credentials, name the item (--item or --path, with --drive for another drive) and --to".into());
        }
        None => {}
        Some(emulator) => {
            if !args.login {
                println!(
                    "No Graph credentials set: using the local emulator at {}",
                    emulator.base_url()
                );
            }
            if args.item.is_none() && args.path.is_none() {
                // A file in the drive of `/me`: the seed token's user, or
                // the user the emulator signed in for `--login`.
                let path = if args.login {
                    seed::ALEX_PLAN_PATH
                } else {
                    seed::ME_Q3_PATH
                };
                args.path = Some(path.to_owned());
            }
            if args.to.is_empty() {
                // One colleague, and one address that cannot receive mail: a 207.
                args.to = vec![
                    seed::LEE_EMAIL.to_owned(),
                    seed::UNDELIVERABLE_EMAIL.to_owned(),
                ];
            }
        }
    }

    let item = match (args.drive, args.item, args.path) {
        (Some(drive), Some(item), None) => ItemLocator::drive(drive, item),
        (Some(drive), None, Some(path)) => ItemLocator::drive_path(drive, path),
        (None, Some(item), None) => ItemLocator::me(item),
        (None, None, Some(path)) => ItemLocator::me_path(path),
        _ => return Err("name the item once: --item <id> or --path <path>".into()),
    };
    let mut body = InviteBody::new(args.to.iter().map(DriveRecipient::email))
        .with_require_sign_in(true)
        .with_send_invitation(true)
        .with_roles([args.role.as_deref().map_or(Role::Write, Role::from)]);
    if let Some(message) = args.message {
        body = body.with_message(message);
    }
    let invite = item.invite(body);

    let request = invite.to_request().map_err(|e| e.to_string())?;
    println!(
        "\n→ {} {}{}",
        request.method(),
        client.base_url(),
        request.path_and_query()
    );
    println!("  {}", request.redacted_body().unwrap_or_default());

    let answer = client.execute(&invite).await.map_err(explain)?;
    println!(
        "\n← {} ({} attempt{}, request-id {})",
        answer.status,
        answer.attempts,
        if answer.attempts == 1 { "" } else { "s" },
        answer.request_id.as_deref().unwrap_or("none")
    );
    report(&args.to, &answer.value);
    Ok(())
}

/// One line a person can act on.
fn explain(error: Error) -> String {
    match error.code() {
        Some("itemNotFound") => format!("the item was not found: {error}"),
        Some("invalidRequest") => format!("Graph refused the invitation: {error}"),
        _ => error.to_string(),
    }
}

fn report(recipients: &[String], answer: &InviteResponse) {
    for (index, permission) in answer.permissions().iter().enumerate() {
        let who = recipient_of(permission)
            .or_else(|| recipients.get(index).cloned())
            .unwrap_or_else(|| format!("recipient {}", index + 1));
        let roles: Vec<String> = permission.roles.iter().map(ToString::to_string).collect();
        let id = permission.id.as_deref().unwrap_or("?");
        match &permission.error {
            None => println!(
                "  ✓ {who}: permission {id} ({}), notified",
                roles.join(", ")
            ),
            Some(error) => println!(
                "  ! {who}: permission {id} ({}) granted, but not notified: {} ({})",
                roles.join(", "),
                error
                    .inner_codes()
                    .last()
                    .copied()
                    .or(error.code.as_deref())
                    .unwrap_or("unknown"),
                error.message.as_deref().unwrap_or("no message")
            ),
        }
    }
}

fn recipient_of(permission: &Permission) -> Option<String> {
    let invited = permission.invitation.as_ref().and_then(|i| i.email.clone());
    let granted = || {
        let user = permission.granted_to_v2.as_ref()?.user.as_ref()?;
        user.email.clone().or_else(|| user.display_name.clone())
    };
    invited.or_else(granted)
}
