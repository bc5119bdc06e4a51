//! The command line: every subcommand, its arguments and its `--help`.

use std::path::PathBuf;

use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand, ValueEnum};
use graph_core::drive::model::Password;
use time::OffsetDateTime;

use crate::item::ItemArg;

/// What `--help` says about exit codes; the README has the same table.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  Graph (or the network) refused or failed the request; nothing was done
  2  usage: a bad argument or item address, refused before anything was sent
  3  sign-in required or failed
  4  partial: some of the work was done and some failed (each failure is listed)
  5  outcome unknown: a request may or may not have taken effect (check with `list`)

Credentials: with none set, or with --emulator, every subcommand runs against an
in-process emulator (a local Microsoft Graph that forgets its changes when the
command ends). Otherwise the account `login` cached, or the app credential in the
environment (GRAPH_ACCESS_TOKEN, GRAPH_TENANT_ID + GRAPH_CLIENT_ID + GRAPH_CLIENT_SECRET,
the AZURE_* variables, or a managed identity).";

/// Share OneDrive and SharePoint items through Microsoft Graph.
#[derive(Debug, Parser)]
#[command(name = "graph-share", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// Run against an in-process emulator, whatever credentials are set.
    #[arg(long, global = true)]
    pub emulator: bool,

    /// Print one JSON document on stdout (for scripts).
    #[arg(long, global = true, conflicts_with = "csv")]
    pub json: bool,

    /// Print CSV with a header row on stdout (for scripts).
    #[arg(long, global = true)]
    pub csv: bool,

    /// Log to stderr: -v for what is sent, -vv for details (RUST_LOG overrides).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// The file `login` keeps the signed-in account in (default: the
    /// platform's cache directory, graph-share/tokens.json).
    #[arg(long, global = true, env = "GRAPH_TOKEN_CACHE", value_name = "FILE")]
    pub token_cache: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in with the device code flow (prints the code and the page to
    /// enter it on) and remember the account in the token cache.
    ///
    /// Against Azure AD: set GRAPH_TENANT_ID and GRAPH_CLIENT_ID (a public
    /// client app that allows the device code flow). Against the emulator the
    /// code is approved on Alex Wilber's behalf by the emulator itself.
    #[command(after_help = EXIT_CODES)]
    Login,
    /// Forget the account `login` remembered.
    #[command(after_help = EXIT_CODES)]
    Logout,
    /// Say which credential the other subcommands would use, and for whom.
    /// Sends nothing.
    #[command(after_help = EXIT_CODES)]
    Whoami,
    /// Send a sharing invitation: grant people access to an item.
    #[command(after_help = EXIT_CODES)]
    Invite(InviteArgs),
    /// Create a sharing link on an item (or get the equivalent existing one).
    #[command(after_help = EXIT_CODES)]
    Link(LinkArgs),
    /// List every permission of an item, across all pages.
    #[command(after_help = EXIT_CODES)]
    List(ListArgs),
    /// Remove permissions from an item: one by id, every external guest's,
    /// or every link of a scope. Inherited permissions are listed, not removed
    /// (remove them on the item they come from).
    #[command(after_help = EXIT_CODES)]
    Revoke(RevokeArgs),
    /// Audit a drive or folder: every sharing link (scope, type, expiry,
    /// password) and every grantee from outside the tenant, on every item
    /// below it, one row per finding.
    ///
    /// Walks the tree through its children pages and fetches each item's
    /// permissions 20 per $batch. An inherited permission is reported once,
    /// on the item it comes from (its inheritedFrom); on the item the audit
    /// starts at, inherited ones are reported too, since their source lies
    /// outside the audit. "Outside the tenant": SharePoint's guest claim
    /// (urn:spo:guest#) or an Entra B2B guest's #EXT# name. Link URLs are
    /// shown without their query string.
    ///
    /// Everything is recorded in a journal (SQLite) before it is reported;
    /// an interrupted audit continues with --resume --journal PATH, listing
    /// no recorded page and fetching no recorded item again (failed and
    /// unknown ones are read again). Exit 4 when a folder or item could not
    /// be audited (each is listed), 5 when an answer was never read.
    #[command(after_help = EXIT_CODES)]
    Audit(AuditArgs),
    /// Work on many items or people at once, from a file, with a journal.
    #[command(subcommand, after_help = EXIT_CODES)]
    Bulk(BulkCommand),
}

/// `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The drive or folder: a drive root (/me/drive/root, /drives/{drive}/root,
    /// /groups/{id}/drive/root, …), any folder path (see `invite --help`), or a sharing URL.
    pub item: ItemArg,
    /// The journal file (default: audit-YYYYMMDDTHHMMSSZ.journal, the UTC start time, in the current directory).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    /// Continue the audit recorded in --journal.
    #[arg(long, requires = "journal")]
    pub resume: bool,
}

/// `bulk`'s subcommands.
#[derive(Debug, Subcommand)]
pub enum BulkCommand {
    /// Send one sharing invitation per row of a CSV file (header row:
    /// item, recipient, role; optional message, notify, expires), every
    /// outcome recorded in a journal first; `--resume` goes on after an
    /// interruption without sending a recorded grant again.
    ///
    /// A row that is not a valid invitation (unreadable, an unknown role, a
    /// malformed item) is reported `invalid` by its line and never sent; the
    /// other rows go on. The report counts the rows per outcome; the rows
    /// that need a look (failed, unknown, invalid, granted-not-notified) are
    /// listed in a CSV beside the journal.
    #[command(after_help = BULK_EXIT_CODES)]
    Invite(BulkInviteArgs),
}

/// What `bulk invite --help` says about exit codes.
pub const BULK_EXIT_CODES: &str = "\
Exit codes:
  0  every row was granted
  1  no row was granted
  2  usage: a bad argument, an unreadable file or header, a journal that does not match; nothing was sent
  3  sign-in required or failed
  4  partial: some rows were granted, others not (see the needs-look CSV)
  5  outcome unknown: some rows may or may not have been granted (--resume sends them again,
     or with --report-unknown lists them)

CSV columns: item (a Graph path or a sharing URL, as for `invite`), recipient (an email
address), role (read|write); optional: message, notify (true|false, default true),
expires (YYYY-MM-DD or an RFC 3339 date-time).";

/// `bulk invite`.
#[derive(Debug, Args)]
pub struct BulkInviteArgs {
    /// The CSV file: a header row, then one invitation per row.
    pub file: PathBuf,
    /// The journal (a SQLite file) every outcome is written to before it is
    /// shown [default: FILE.journal].
    #[arg(long, value_name = "PATH", conflicts_with = "no_journal")]
    pub journal: Option<PathBuf>,
    /// Run without a journal: an interrupted run cannot be resumed.
    #[arg(long, conflicts_with = "resume")]
    pub no_journal: bool,
    /// Go on with the run the journal recorded: rows with a recorded outcome
    /// are not sent again; rows of unknown fate are sent again.
    #[arg(long)]
    pub resume: bool,
    /// With --resume: report the rows of unknown fate instead of sending them again.
    #[arg(long, requires = "resume")]
    pub report_unknown: bool,
    /// Where to list the rows that need a look [default: beside the journal, .needs-look.csv].
    #[arg(long, value_name = "FILE")]
    pub needs_look: Option<PathBuf>,
    /// The most `$batch` requests (of 20 invitations) in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// `invite`.
#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The item: a Graph path (/drives/{drive}/items/{id}, /me/drive/root:/Docs/Q3.xlsx:, …) or a sharing URL (https://…).
    pub item: ItemArg,
    /// Who to invite: email addresses (repeat, or give several).
    #[arg(long = "to", required = true, num_args = 1.., value_name = "EMAIL")]
    pub to: Vec<String>,
    /// The access to grant.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// A message for the invitation email (at most 2,000 characters).
    #[arg(long)]
    pub message: Option<String>,
    /// Grant access without sending an invitation email.
    #[arg(long)]
    pub no_notify: bool,
    /// When the access ends: a date (YYYY-MM-DD, 00:00 UTC) or an RFC 3339 date-time.
    #[arg(long, value_name = "DATE", value_parser = parse_expiry)]
    pub expires: Option<OffsetDateTime>,
}

/// `link`.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The item: a Graph path or a sharing URL (see `invite --help`).
    pub item: ItemArg,
    /// What the link lets people do.
    #[arg(long = "type", value_enum)]
    pub link_type: LinkTypeArg,
    /// Who the link works for.
    #[arg(long, value_enum)]
    pub scope: LinkScopeArg,
    /// For `--scope users`: the people the link is for.
    #[arg(long = "to", num_args = 1.., value_name = "EMAIL")]
    pub to: Vec<String>,
    /// When the link stops working: a date (YYYY-MM-DD, 00:00 UTC) or an RFC 3339 date-time.
    #[arg(long, value_name = "DATE", value_parser = parse_expiry)]
    pub expires: Option<OffsetDateTime>,
    /// A password the link asks for (OneDrive personal only, per Microsoft's
    /// docs). From GRAPH_SHARE_LINK_PASSWORD when not given, which keeps it
    /// out of the process list; never printed.
    #[arg(long, env = "GRAPH_SHARE_LINK_PASSWORD", hide_env_values = true, value_parser = parse_password)]
    pub password: Option<Password>,
}

/// `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The item: a Graph path or a sharing URL (see `invite --help`).
    pub item: ItemArg,
}

/// `revoke`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["permission", "external", "links"])))]
pub struct RevokeArgs {
    /// The item: a Graph path or a sharing URL (see `invite --help`).
    pub item: ItemArg,
    /// Remove the permission with this id (see `list`).
    #[arg(long, value_name = "ID")]
    pub permission: Option<String>,
    /// Remove every permission granted to a guest from outside the tenant.
    #[arg(long)]
    pub external: bool,
    /// Remove every sharing link of this scope.
    #[arg(long, value_enum, value_name = "SCOPE")]
    pub links: Option<LinkScopeArg>,
}

/// `--role`: the two roles `invite` documents for recipients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// Read the item.
    Read,
    /// Read and change the item.
    Write,
}

/// `--type` of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LinkTypeArg {
    /// A view-only link.
    View,
    /// A read-write link.
    Edit,
}

/// `--scope` of a link (and `revoke --links`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LinkScopeArg {
    /// Anyone with the link, without signing in.
    Anonymous,
    /// Anyone signed in to the tenant.
    Organization,
    /// Only the people the link was made for.
    Users,
}

impl LinkScopeArg {
    /// Graph's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Anonymous => "anonymous",
            Self::Organization => "organization",
            Self::Users => "users",
        }
    }
}

/// `--password`: kept as a [`Password`], whose `Debug` is redacted.
fn parse_password(text: &str) -> Result<Password, String> {
    Ok(Password::new(text))
}

/// `--expires`: an RFC 3339 date-time as Graph takes it, or a plain date,
/// read as the start of that day in UTC.
pub fn parse_expiry(text: &str) -> Result<OffsetDateTime, String> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &date_format)
        .map(|date| date.midnight().assume_utc())
        .map_err(|_| {
            format!("`{text}` is not a date (YYYY-MM-DD) or an RFC 3339 date-time (2026-12-31T18:00:00Z)")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_a_date_at_midnight_utc_or_an_exact_date_time() {
        let day = parse_expiry("2026-12-31").unwrap();
        assert_eq!(day.to_string(), "2026-12-31 0:00:00.0 +00:00:00");
        let exact = parse_expiry("2026-12-31T18:30:00+02:00").unwrap();
        assert_eq!(exact.offset().whole_hours(), 2);
        let wrong = parse_expiry("31/12/2026").unwrap_err();
        assert!(wrong.contains("31/12/2026"), "{wrong}");
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
