//! `graph-share` end to end, through the built binary: every subcommand and
//! its `--help`, against an in-process emulator (`--emulator`) or against an
//! emulator this test starts and points the tool at (`GRAPH_BASE_URL` and
//! `GRAPH_ACCESS_TOKEN`, the path a real deployment takes), whose state is
//! then checked directly.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use graph_emulator::{Emulator, EmulatorHandle, Faults, Injection, seed};
use serde_json::Value;

/// What one run printed, and how it ended.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("--json printed no JSON document ({e}): {self:?}"))
    }

    /// The error lines (notes about the emulator aside): exactly one.
    fn one_error_line(&self) -> &str {
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.starts_with("note: "))
            .collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {self:?}");
        lines[0]
    }
}

/// A scratch directory for one test's token cache and HOME.
fn scratch() -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "graph-share-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The tool with nothing from this environment (no credential can leak in),
/// its HOME and token cache in `dir`.
fn tool(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_graph-share"));
    command
        .env_clear()
        .env("HOME", dir)
        .env("GRAPH_TOKEN_CACHE", dir.join("tokens.json"));
    command
}

fn run(mut command: Command, args: &[&str]) -> Run {
    let output = command.args(args).output().expect("the binary runs");
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// An emulator in this process, and the tool pointed at it as at Microsoft
/// Graph, with the emulator's seeded token (Megan Bowen).
struct Shared {
    emulator: EmulatorHandle,
    dir: PathBuf,
    _runtime: tokio::runtime::Runtime,
}

impl Shared {
    fn start() -> Self {
        Self::with(Emulator::builder())
    }

    fn with(builder: graph_emulator::EmulatorBuilder) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emulator = runtime.block_on(builder.start()).unwrap();
        Self {
            emulator,
            dir: scratch(),
            _runtime: runtime,
        }
    }

    /// The tool pointed at this emulator, not yet run.
    fn command(&self) -> Command {
        let mut command = tool(&self.dir);
        command
            .env("GRAPH_ACCESS_TOKEN", seed::ACCESS_TOKEN)
            .env("GRAPH_BASE_URL", self.emulator.base_url());
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        let run = run(self.command(), args);
        assert!(
            !run.stdout.contains(seed::ACCESS_TOKEN) && !run.stderr.contains(seed::ACCESS_TOKEN)
        );
        run
    }

    /// The permissions the emulator holds on the group's Launch item.
    fn launch_permissions(&self) -> Vec<Value> {
        self.emulator
            .permissions(seed::GROUP_DRIVE_ID, seed::GROUP_LAUNCH_ID)
    }
}

/// The group drive's Launch item: a business drive, where guests carry
/// SharePoint's guest claim.
fn launch() -> String {
    format!(
        "/groups/{}/drive/items/{}",
        seed::GROUP_ID,
        seed::GROUP_LAUNCH_ID
    )
}

fn grants_to(permissions: &[Value], email: &str) -> Vec<Value> {
    permissions
        .iter()
        .filter(|p| p.to_string().to_lowercase().contains(&email.to_lowercase()))
        .cloned()
        .collect()
}

fn rows(document: &Value) -> &Vec<Value> {
    document["rows"].as_array().expect("rows")
}

#[test]
fn every_subcommand_has_a_help_that_lists_the_exit_codes() {
    let dir = scratch();
    for sub in [
        &[][..],
        &["login"],
        &["logout"],
        &["whoami"],
        &["invite"],
        &["link"],
        &["list"],
        &["revoke"],
        &["audit"],
        &["bulk"],
        &["bulk", "invite"],
    ] {
        let mut args = sub.to_vec();
        args.push("--help");
        let help = run(tool(&dir), &args);
        assert_eq!(help.code, 0, "{args:?}: {help:?}");
        assert!(
            help.stdout.contains("Usage: graph-share"),
            "{args:?}: {help:?}"
        );
        assert!(
            help.stdout.contains("5  outcome unknown"),
            "{args:?}: {help:?}"
        );
    }
    let invite = run(tool(&dir), &["invite", "--help"]).stdout;
    for option in [
        "--to",
        "--role",
        "--message",
        "--no-notify",
        "--expires",
        "--json",
        "--csv",
        "--emulator",
    ] {
        assert!(invite.contains(option), "invite --help names {option}");
    }
    let bulk = run(tool(&dir), &["bulk", "invite", "--help"]).stdout;
    for option in [
        "--journal",
        "--no-journal",
        "--resume",
        "--report-unknown",
        "--needs-look",
        "--concurrency",
        "--json",
        "recipient",
    ] {
        assert!(bulk.contains(option), "bulk invite --help names {option}");
    }
    let revoke = run(tool(&dir), &["revoke", "--help"]).stdout;
    for option in ["--permission", "--external", "--links"] {
        assert!(revoke.contains(option), "revoke --help names {option}");
    }
}

#[test]
fn list_with_emulator_shows_the_seeded_grant_as_a_table_json_and_csv() {
    let dir = scratch();
    let item = "/me/drive/root:/Documents:";
    let table = run(tool(&dir), &["list", "--emulator", item]);
    assert_eq!(table.code, 0, "{table:?}");
    assert!(table.stdout.contains(seed::ADELE_EMAIL), "{table:?}");
    assert!(
        table
            .stdout
            .lines()
            .any(|l| l.starts_with("id ") && l.contains("grantees"))
    );

    let json = run(tool(&dir), &["list", "--emulator", "--json", item]);
    assert_eq!(json.code, 0, "{json:?}");
    let document = json.json();
    assert_eq!(document["item"], item);
    let ids: Vec<&str> = rows(&document)
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&seed::ME_DOCUMENTS_GRANT_ID), "{ids:?}");
    assert_eq!(document["count"], rows(&document).len());

    let csv = run(tool(&dir), &["list", "--emulator", "--csv", item]);
    assert_eq!(csv.code, 0, "{csv:?}");
    let mut lines = csv.stdout.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("id,kind,roles,grantees,external")
    );
    assert!(
        lines.any(|l| l.starts_with(seed::ME_DOCUMENTS_GRANT_ID)),
        "{csv:?}"
    );
}

#[test]
fn with_no_credentials_the_tool_runs_against_the_emulator_and_says_so() {
    let dir = scratch();
    let list = run(tool(&dir), &["list", "/me/drive/root:/Documents:"]);
    assert_eq!(list.code, 0, "{list:?}");
    assert!(list.stderr.contains("no credentials set"), "{list:?}");
    let explicit = run(
        tool(&dir),
        &["list", "--emulator", "/me/drive/root:/Documents:"],
    );
    assert!(
        !explicit.stderr.contains("no credentials set"),
        "{explicit:?}"
    );
    // Scripts see where it ran in the document itself.
    let json = run(
        tool(&dir),
        &["list", "/me/drive/root:/Documents:", "--json"],
    );
    assert_eq!(json.json()["target"], "emulator", "{json:?}");
    let shared = Shared::start();
    let graph = shared.run(&["list", &launch(), "--json"]);
    assert_eq!(graph.json()["target"], "graph", "{graph:?}");
}

#[test]
fn invite_grants_each_recipient_once_and_list_shows_the_guest_as_external() {
    let shared = Shared::start();
    let item = launch();
    let invite = shared.run(&[
        "invite",
        &item,
        "--to",
        "guest@fabrikam.com",
        seed::LEE_EMAIL,
        "--role",
        "write",
        "--no-notify",
        "--message",
        "Launch plan",
        "--expires",
        "2030-01-31",
        "--json",
    ]);
    assert_eq!(invite.code, 0, "{invite:?}");
    assert_eq!(rows(&invite.json()).len(), 2, "{invite:?}");

    let held = shared.launch_permissions();
    let guest = grants_to(&held, "guest@fabrikam.com");
    assert_eq!(guest.len(), 1, "{held:#?}");
    assert_eq!(guest[0]["roles"], serde_json::json!(["write"]));
    assert!(
        guest[0]["expirationDateTime"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-31T00:00:00")
    );
    assert_eq!(grants_to(&held, seed::LEE_EMAIL).len(), 1, "{held:#?}");

    let list = shared.run(&["list", &item, "--json"]);
    assert_eq!(list.code, 0, "{list:?}");
    let document = list.json();
    let external: Vec<&str> = rows(&document)
        .iter()
        .filter(|r| r["external"] == "yes")
        .map(|r| r["grantees"].as_str().unwrap())
        .collect();
    assert_eq!(external, ["guest@fabrikam.com"], "{document:#}");
}

#[test]
fn link_creates_a_link_then_the_same_one_again_and_revoke_links_removes_it() {
    let shared = Shared::start();
    let item = launch();
    let first = shared.run(&[
        "link",
        &item,
        "--type",
        "view",
        "--scope",
        "anonymous",
        "--json",
    ]);
    assert_eq!(first.code, 0, "{first:?}");
    let first = first.json();
    assert_eq!(first["outcome"], "created");
    let id = rows(&first)[0]["id"].as_str().unwrap().to_owned();
    assert!(
        rows(&first)[0]["link_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let again = shared.run(&[
        "link",
        &item,
        "--type",
        "view",
        "--scope",
        "anonymous",
        "--json",
    ]);
    assert_eq!(again.json()["outcome"], "existing", "{again:?}");
    let organization = shared.run(&["link", &item, "--type", "edit", "--scope", "organization"]);
    assert_eq!(organization.code, 0, "{organization:?}");
    let anonymous_links = |held: &[Value]| {
        held.iter()
            .filter(|p| p["link"]["scope"] == "anonymous")
            .count()
    };
    assert_eq!(anonymous_links(&shared.launch_permissions()), 1);

    let revoke = shared.run(&["revoke", &item, "--links", "anonymous", "--json"]);
    assert_eq!(revoke.code, 0, "{revoke:?}");
    let document = revoke.json();
    assert_eq!(document["removed"], 1, "{document:#}");
    assert_eq!(rows(&document)[0]["id"], id.as_str());
    let held = shared.launch_permissions();
    assert_eq!(anonymous_links(&held), 0, "{held:#?}");
    assert!(
        held.iter().any(|p| p["link"]["scope"] == "organization"),
        "other links stay"
    );
}

#[test]
fn a_sharing_url_is_resolved_through_the_shares_api() {
    let shared = Shared::start();
    let item = launch();
    let link = shared.run(&[
        "link",
        &item,
        "--type",
        "view",
        "--scope",
        "organization",
        "--json",
    ]);
    let url = rows(&link.json())[0]["link_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = shared.run(&["list", &url, "--json"]);
    assert_eq!(list.code, 0, "{list:?}");
    let document = list.json();
    assert_eq!(
        document["item"],
        format!(
            "/drives/{}/items/{}",
            seed::GROUP_DRIVE_ID,
            seed::GROUP_LAUNCH_ID
        )
    );
    assert!(
        rows(&document)
            .iter()
            .any(|r| r["link_url"] == url.as_str())
    );
}

#[test]
fn revoke_external_removes_the_guests_only_and_revoke_permission_one_by_id() {
    let shared = Shared::start();
    let item = launch();
    let invite = shared.run(&[
        "invite",
        &item,
        "--to",
        "guest@fabrikam.com",
        seed::LEE_EMAIL,
        "--role",
        "read",
        "--no-notify",
        "--json",
    ]);
    assert_eq!(invite.code, 0, "{invite:?}");
    let revoke = shared.run(&["revoke", &item, "--external", "--json"]);
    assert_eq!(revoke.code, 0, "{revoke:?}");
    assert_eq!(revoke.json()["removed"], 1, "{revoke:?}");
    let held = shared.launch_permissions();
    assert!(
        grants_to(&held, "guest@fabrikam.com").is_empty(),
        "{held:#?}"
    );
    let lee = grants_to(&held, seed::LEE_EMAIL);
    assert_eq!(lee.len(), 1, "members stay: {held:#?}");

    let id = lee[0]["id"].as_str().unwrap();
    let by_id = shared.run(&["revoke", &item, "--permission", id]);
    assert_eq!(by_id.code, 0, "{by_id:?}");
    assert!(by_id.stdout.contains("removed"), "{by_id:?}");
    let list = shared.run(&["list", &item, "--json"]);
    assert!(
        !rows(&list.json()).iter().any(|r| r["id"] == id),
        "{list:?}"
    );
}

#[test]
fn an_address_outside_the_tenants_domains_is_external_even_without_a_guest_marker() {
    let shared = Shared::start();
    let link = shared.run(&[
        "link",
        &launch(),
        "--type",
        "view",
        "--scope",
        "users",
        "--to",
        "ally@northwind.example",
        "--json",
    ]);
    assert_eq!(link.code, 0, "{link:?}");
    let member = shared.run(&[
        "link",
        &launch(),
        "--type",
        "edit",
        "--scope",
        "users",
        "--to",
        seed::LEE_EMAIL,
        "--json",
    ]);
    assert_eq!(member.code, 0, "{member:?}");
    let list = shared.run(&["list", &launch(), "--json"]);
    let external_of = |email: &str| -> Vec<Value> {
        rows(&list.json())
            .iter()
            .filter(|r| r["grantees"].as_str().unwrap_or_default().contains(email))
            .map(|r| r["external"].clone())
            .collect()
    };
    // The users link names the outsider by email alone (no siteUser claim).
    assert_eq!(external_of("ally@northwind.example"), ["yes"], "{list:?}");
    assert!(
        external_of(seed::LEE_EMAIL).iter().all(|e| e == "no"),
        "{list:?}"
    );
    let revoke = shared.run(&["revoke", &launch(), "--external", "--json"]);
    assert_eq!(revoke.code, 0, "{revoke:?}");
    let held = shared.launch_permissions();
    assert!(
        grants_to(&held, "ally@northwind.example").is_empty(),
        "{held:#?}"
    );
    assert!(
        !grants_to(&held, seed::LEE_EMAIL).is_empty(),
        "members keep their links"
    );
}

#[test]
fn revoke_external_takes_outsiders_off_a_link_members_share_and_keeps_it_for_them() {
    let shared = Shared::start();
    let link = shared.run(&[
        "link",
        &launch(),
        "--type",
        "view",
        "--scope",
        "users",
        "--to",
        "ally@northwind.example",
        seed::LEE_EMAIL,
        "--json",
    ]);
    assert_eq!(link.code, 0, "{link:?}");
    let revoke = shared.run(&["revoke", &launch(), "--external", "--json"]);
    assert_eq!(revoke.code, 0, "{revoke:?}");
    let outcomes: Vec<String> = rows(&revoke.json())
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(outcomes.iter().any(|o| o == "grants revoked"), "{revoke:?}");
    let held = shared.launch_permissions();
    assert!(
        grants_to(&held, "ally@northwind.example").is_empty(),
        "{held:#?}"
    );
    assert_eq!(
        grants_to(&held, seed::LEE_EMAIL).len(),
        1,
        "Lee keeps the link: {held:#?}"
    );
}

#[test]
fn revoke_of_a_nonexistent_permission_is_one_line_and_exit_1() {
    let shared = Shared::start();
    let revoke = shared.run(&["revoke", &launch(), "--permission", "no-such-permission"]);
    assert_eq!(revoke.code, 1, "{revoke:?}");
    let line = revoke.one_error_line();
    assert!(
        line.contains("no-such-permission") && line.contains("404"),
        "{line}"
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2_before_anything_is_sent() {
    let shared = Shared::start();
    let role = shared.run(&["invite", &launch(), "--to", "a@b.com", "--role", "owner"]);
    assert_eq!(role.code, 2, "{role:?}");
    let line = role.one_error_line();
    assert!(
        line.contains("owner") && line.contains("read, write"),
        "{line}"
    );

    let path = shared.run(&["list", "/drives/b!x/children"]);
    assert_eq!(path.code, 2, "{path:?}");
    let line = path.one_error_line();
    assert!(
        line.contains("/drives/b!x/children") && line.contains("sharing URL"),
        "{line}"
    );

    let missing = shared.run(&["revoke", &launch()]);
    assert_eq!(missing.code, 2, "{missing:?}");
    missing.one_error_line();

    let date = shared.run(&[
        "link",
        &launch(),
        "--type",
        "view",
        "--scope",
        "users",
        "--expires",
        "next week",
    ]);
    assert_eq!(date.code, 2, "{date:?}");
    assert!(date.one_error_line().contains("next week"));

    // Microsoft's 2,000-character limit on the message, checked by the library.
    let long = "m".repeat(2001);
    let message = shared.run(&[
        "invite",
        &launch(),
        "--to",
        "a@b.com",
        "--role",
        "read",
        "--message",
        &long,
    ]);
    assert_eq!(message.code, 2, "{message:?}");
    assert!(message.one_error_line().contains("message"), "{message:?}");

    let nothing = shared.run(&[]);
    assert_eq!(nothing.code, 2, "{nothing:?}");
    assert!(
        nothing.stderr.contains("requires a subcommand"),
        "{nothing:?}"
    );

    assert!(shared.emulator.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_sharing_url_from_another_tenant_is_one_line_and_exit_1() {
    let shared = Shared::start();
    let url = "https://fabrikam.sharepoint.com/:w:/s/finance/EaBcD123?e=k9Secret";
    for verbose in [None, Some("-v"), Some("-vv")] {
        let list = shared.run(&[&["list", url][..], verbose.as_slice()].concat());
        assert_eq!(list.code, 1, "{list:?}");
        let line = match verbose {
            None => list.one_error_line(),
            Some(_) => list
                .stderr
                .lines()
                .find(|l| l.starts_with("error:"))
                .unwrap(),
        };
        assert!(
            line.contains("sharing URL") && line.contains("404"),
            "{line}"
        );
        // The link's key is in its path, not only its query.
        for secret in ["k9Secret", "EaBcD123"] {
            assert!(
                !list.stderr.contains(secret) && !list.stdout.contains(secret),
                "the link's key and query are not shown: {list:?}"
            );
        }
    }
}

#[test]
fn an_invite_whose_answer_is_lost_after_it_ran_is_unknown_exit_5_not_failed() {
    let shared = Shared::with(Emulator::builder().faults(Faults::new().resets(0.0, 1.0)));
    let invite = shared.run(&[
        "invite",
        &launch(),
        "--to",
        "guest@fabrikam.com",
        "--role",
        "read",
        "--no-notify",
    ]);
    assert_eq!(invite.code, 5, "{invite:?}");
    assert!(
        invite.one_error_line().contains("outcome is unknown"),
        "{invite:?}"
    );
    // It did run: reporting it failed would have been a lie.
    assert_eq!(
        grants_to(&shared.launch_permissions(), "guest@fabrikam.com").len(),
        1
    );
}

#[test]
fn a_read_whose_answer_is_lost_failed_exit_1_and_is_not_called_unknown() {
    let shared = Shared::with(Emulator::builder().faults(Faults::new().resets(0.0, 1.0)));
    let list = shared.run(&["list", &launch()]);
    assert_eq!(list.code, 1, "{list:?}");
    let line = list.one_error_line();
    assert!(line.contains("nothing was changed"), "{line}");
    assert!(!line.contains("may have taken effect"), "{line}");
}

#[test]
fn output_that_cannot_be_written_keeps_the_exit_code_of_the_work_done() {
    let shared = Shared::start();
    let mut command = tool(&shared.dir);
    command
        .env("GRAPH_ACCESS_TOKEN", seed::ACCESS_TOKEN)
        .env("GRAPH_BASE_URL", shared.emulator.base_url())
        .stdout(
            std::fs::File::options()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        );
    let output = command
        .args([
            "invite",
            &launch(),
            "--to",
            "full@fabrikam.com",
            "--role",
            "read",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not write the output"));
    assert_eq!(
        grants_to(&shared.launch_permissions(), "full@fabrikam.com").len(),
        1
    );
}

#[test]
fn an_invite_granted_but_not_notified_names_who_and_is_partial_exit_4() {
    let shared = Shared::start();
    let invite = shared.run(&[
        "invite",
        &launch(),
        "--to",
        seed::UNDELIVERABLE_EMAIL,
        seed::LEE_EMAIL,
        "--role",
        "read",
        "--json",
    ]);
    assert_eq!(invite.code, 4, "{invite:?}");
    let warnings: Vec<&str> = invite
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{invite:?}");
    assert!(
        warnings[0].contains(seed::UNDELIVERABLE_EMAIL),
        "{invite:?}"
    );
    assert!(!warnings[0].contains(seed::LEE_EMAIL), "{invite:?}");
    assert_eq!(invite.json()["not_notified"], 1);
    let held = shared.launch_permissions();
    assert_eq!(
        grants_to(&held, seed::UNDELIVERABLE_EMAIL).len(),
        1,
        "granted all the same"
    );
}

#[test]
fn revoke_that_removes_some_and_is_refused_others_is_partial_exit_4() {
    let shared = Shared::start();
    let item = launch();
    let invite = shared.run(&[
        "invite",
        &item,
        "--to",
        "one@fabrikam.com",
        "two@fabrikam.com",
        "--role",
        "read",
        "--no-notify",
    ]);
    assert_eq!(invite.code, 0, "{invite:?}");
    let two = grants_to(&shared.launch_permissions(), "two@fabrikam.com");
    let two_id = two[0]["id"].as_str().unwrap().to_owned();
    shared.emulator.inject(
        Injection::status(403)
            .method("DELETE")
            .path_contains(&two_id),
    );
    let revoke = shared.run(&["revoke", &item, "--external", "--json"]);
    assert_eq!(revoke.code, 4, "{revoke:?}");
    let document = revoke.json();
    assert_eq!(
        (document["removed"].clone(), document["failed"].clone()),
        (1.into(), 1.into())
    );
    let failed: Vec<&Value> = rows(&document)
        .iter()
        .filter(|r| r["outcome"] == "failed")
        .collect();
    assert_eq!(failed[0]["id"], two_id.as_str());
    let held = shared.launch_permissions();
    assert!(grants_to(&held, "one@fabrikam.com").is_empty());
    assert_eq!(grants_to(&held, "two@fabrikam.com").len(), 1);
}

#[test]
fn with_a_public_client_app_but_no_cached_account_sign_in_is_required_exit_3() {
    let dir = scratch();
    let mut command = tool(&dir);
    command
        .env("GRAPH_TENANT_ID", "contoso.onmicrosoft.com")
        .env("GRAPH_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
        // Nothing may be sent: an address nobody listens on.
        .env("GRAPH_BASE_URL", "http://127.0.0.1:9/v1.0");
    let list = run(command, &["list", "/me/drive/items/01A"]);
    assert_eq!(list.code, 3, "{list:?}");
    assert!(
        list.one_error_line().contains("graph-share login"),
        "{list:?}"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Every string in the token cache file that looks like a token.
fn cached_secrets(dir: &std::path::Path) -> Vec<String> {
    fn walk(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::String(s) if s.len() >= 16 && !s.contains("://") && !s.contains(' ') => {
                found.push(s.clone())
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
            Value::Object(map) => map.values().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let text = std::fs::read_to_string(dir.join("tokens.json")).expect("login wrote the cache");
    let mut found = Vec::new();
    walk(&serde_json::from_str(&text).unwrap(), &mut found);
    // Ids (tenant, client, user) are not secrets.
    found.retain(|s| {
        ![seed::TENANT_ID, seed::CLIENT_ID].contains(&s.as_str()) && s.matches('-').count() != 4
    });
    found
}

#[test]
fn login_caches_the_account_whoami_names_it_later_runs_use_it_and_logout_forgets_it() {
    let dir = scratch();
    let port = free_port().to_string();
    let with_port = |args: &[&str]| {
        let mut command = tool(&dir);
        command.env("GRAPH_EMULATOR_PORT", &port);
        run(command, args)
    };
    let mut outputs = Vec::new();

    let before = with_port(&["whoami"]);
    assert!(before.stdout.contains(seed::ME_EMAIL), "{before:?}");

    let login = with_port(&["login", "--emulator"]);
    assert_eq!(login.code, 0, "{login:?}");
    assert!(
        login.stderr.contains("enter the code"),
        "the code and page are shown: {login:?}"
    );
    assert!(
        login.stdout.contains("signed in") && login.stdout.contains(seed::ALEX_UPN),
        "{login:?}"
    );

    let whoami = with_port(&["whoami", "--json"]);
    assert_eq!(whoami.code, 0, "{whoami:?}");
    let document = whoami.json();
    assert!(
        document["credential"].as_str().unwrap().contains("login"),
        "{document:#}"
    );
    assert!(
        document["account"]
            .as_str()
            .unwrap()
            .contains(seed::ALEX_UPN)
    );
    assert!(document["refresh_token"] == "cached", "{document:#}");

    // Alex's drive, by path: only the signed-in account (not the seeded
    // token's Megan) has it.
    let list = with_port(&[
        "list",
        &format!("/me/drive/root:/{}:", seed::ALEX_PROJECTS_PATH),
        "--json",
    ]);
    assert_eq!(list.code, 0, "{list:?}");
    assert!(
        list.stdout.contains(seed::LEE_EMAIL),
        "Projects is shared with Lee: {list:?}"
    );

    let again = with_port(&["login"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        !again.stderr.contains("enter the code"),
        "no prompt the second time: {again:?}"
    );
    assert!(again.stdout.contains("no prompt"), "{again:?}");

    let secrets = cached_secrets(&dir);
    assert!(!secrets.is_empty(), "the cache holds tokens");
    outputs.extend([before, login, whoami, list, again]);

    let logout = with_port(&["logout"]);
    assert_eq!(logout.code, 0, "{logout:?}");
    assert!(logout.stdout.contains("forgotten"), "{logout:?}");
    let after = with_port(&["whoami"]);
    assert!(
        after.stdout.contains(seed::ME_EMAIL),
        "back to the seeded token: {after:?}"
    );
    let twice = with_port(&["logout"]);
    assert!(twice.stdout.contains("no account was cached"), "{twice:?}");
    outputs.extend([logout, after, twice]);

    for run in &outputs {
        for secret in &secrets {
            assert!(
                !run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()),
                "a cached token appears in the output: {run:?}"
            );
        }
    }
}

#[test]
fn verbose_logs_go_to_stderr_without_tokens_and_json_stays_one_document() {
    let shared = Shared::start();
    let quiet = shared.run(&["list", &launch(), "--json"]);
    assert_eq!(quiet.stderr, "", "{quiet:?}");
    let list = shared.run(&["list", &launch(), "--json", "-v"]);
    assert_eq!(list.code, 0, "{list:?}");
    list.json();
    assert!(
        list.stderr.contains("a page of permissions"),
        "-v logs what is read: {list:?}"
    );
    let detailed = shared.run(&["list", &launch(), "--json", "-vv"]);
    detailed.json();
    assert!(detailed.stderr.contains("DEBUG"), "{detailed:?}");
    for run in [&list, &detailed] {
        assert!(!run.stderr.to_lowercase().contains("bearer ey"), "{run:?}");
    }
}

#[test]
fn a_link_password_is_sent_and_never_printed() {
    let shared = Shared::start();
    let item = format!("/me/drive/root:/{}:", seed::ME_BUDGET_PATH);
    let secret = "Tr0ub4dor&3-link";
    let flag = shared.run(&[
        "link",
        &item,
        "--type",
        "view",
        "--scope",
        "anonymous",
        "--password",
        secret,
        "--json",
        "-vv",
    ]);
    assert_eq!(flag.code, 0, "{flag:?}");
    assert_eq!(rows(&flag.json())[0]["password"], "yes", "{flag:?}");
    let mut command = tool(&shared.dir);
    command
        .env("GRAPH_ACCESS_TOKEN", seed::ACCESS_TOKEN)
        .env("GRAPH_BASE_URL", shared.emulator.base_url())
        .env("GRAPH_SHARE_LINK_PASSWORD", secret);
    let from_env = run(
        command,
        &[
            "link",
            &item,
            "--type",
            "edit",
            "--scope",
            "anonymous",
            "--json",
        ],
    );
    assert_eq!(from_env.code, 0, "{from_env:?}");
    assert_eq!(rows(&from_env.json())[0]["password"], "yes", "{from_env:?}");
    let mut command = tool(&shared.dir);
    command.env("GRAPH_SHARE_LINK_PASSWORD", secret);
    let help = run(command, &["link", "--help"]);
    assert!(
        help.stdout.contains("GRAPH_SHARE_LINK_PASSWORD"),
        "{help:?}"
    );
    for run in [&flag, &from_env, &help] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{run:?}"
        );
    }
}

#[test]
fn an_expired_access_token_is_one_line_and_exit_3_and_nothing_is_changed() {
    let shared = Shared::start();
    let expired = "eyJ0.expired.token";
    assert!(shared.emulator.adopt_access_token(
        expired,
        seed::CLIENT_ID,
        seed::ALEX_UPN,
        "Files.ReadWrite.All",
        std::time::Duration::from_millis(1),
    ));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut command = tool(&shared.dir);
    command
        .env("GRAPH_ACCESS_TOKEN", expired)
        .env("GRAPH_BASE_URL", shared.emulator.base_url());
    let before = shared.launch_permissions();
    let invite = run(
        command,
        &[
            "invite",
            &launch(),
            "--to",
            "late@fabrikam.com",
            "--role",
            "read",
        ],
    );
    assert_eq!(invite.code, 3, "{invite:?}");
    let line = invite.one_error_line();
    assert!(line.contains("expired"), "{invite:?}");
    assert!(!invite.stderr.contains(expired), "{invite:?}");
    assert_eq!(shared.launch_permissions(), before);
}

#[test]
fn a_cached_login_that_expired_without_a_refresh_token_asks_to_log_in_again_exit_3() {
    let dir = scratch();
    let port = free_port().to_string();
    let with_port = |args: &[&str]| {
        let mut command = tool(&dir);
        command.env("GRAPH_EMULATOR_PORT", &port);
        run(command, args)
    };
    let login = with_port(&["login", "--emulator"]);
    assert_eq!(login.code, 0, "{login:?}");
    // What the cache holds once the access token has run out and no refresh
    // token is left (one was never issued, or `logout` ran elsewhere).
    let path = dir.join("tokens.json");
    let mut cache: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for entry in cache["entries"].as_array_mut().unwrap() {
        let entry = entry.as_object_mut().unwrap();
        entry.remove("refresh_token");
        entry.insert("expires_at".into(), Value::from(1));
    }
    std::fs::write(&path, cache.to_string()).unwrap();
    let list = with_port(&[
        "list",
        "--emulator",
        &format!("/me/drive/root:/{}:", seed::ALEX_PROJECTS_PATH),
    ]);
    assert_eq!(list.code, 3, "{list:?}");
    assert!(
        list.one_error_line().contains("graph-share login"),
        "{list:?}"
    );
    assert_eq!(list.stdout, "", "{list:?}");
}

// ---- audit ----

/// The folder tree the audit tests add to the group's drive: `A` (shared
/// by an anonymous link), `A/B` (inheritance broken, an organization link),
/// `A/B/C/deep.txt` (a guest from outside the tenant), `A/a.txt` (a
/// member), and `Bulk` with `bulk` files, so that listings page (200 a
/// page) and permissions go in several windows.
fn audit_tenant(bulk: usize) -> graph_emulator::Tenant {
    let mut tenant = graph_emulator::Tenant::default_tenant();
    let drive = tenant
        .drives
        .iter_mut()
        .find(|d| d.id == seed::GROUP_DRIVE_ID)
        .expect("the group's drive");
    let item = |id: &str, name: &str, parent: &str, folder: bool| graph_emulator::Item {
        id: id.into(),
        name: name.into(),
        parent_id: Some(parent.into()),
        folder,
        permissions: Vec::new(),
        inheritance_broken: false,
    };
    drive.items.extend([
        item("AUD-A", "A", seed::GROUP_ROOT_ID, true),
        graph_emulator::Item {
            inheritance_broken: true,
            ..item("AUD-B", "B", "AUD-A", true)
        },
        item("AUD-C", "C", "AUD-B", true),
        item("AUD-DEEP", "deep.txt", "AUD-C", false),
        item("AUD-AFILE", "a.txt", "AUD-A", false),
        item("AUD-BULK", "Bulk", seed::GROUP_ROOT_ID, true),
    ]);
    drive.items.extend((0..bulk).map(|n| {
        item(
            &format!("AUD-F{n}"),
            &format!("f{n}.txt"),
            "AUD-BULK",
            false,
        )
    }));
    tenant
}

/// The group drive's item `id`, as the tool addresses it.
fn group_item(id: &str) -> String {
    format!("/drives/{}/items/{id}", seed::GROUP_DRIVE_ID)
}

/// Shares the tree's items through the tool: links on `A` and `A/B`, a
/// guest on `A/B/C/deep.txt`, a member on `A/a.txt`.
fn share_the_tree(shared: &Shared) {
    for (args, item) in [
        (
            &["link", "--type", "view", "--scope", "anonymous"][..],
            "AUD-A",
        ),
        (
            &["link", "--type", "edit", "--scope", "organization"][..],
            "AUD-B",
        ),
        (
            &[
                "invite",
                "--role",
                "read",
                "--no-notify",
                "--to",
                seed::EXTERNAL_EMAIL,
            ][..],
            "AUD-DEEP",
        ),
        (
            &[
                "invite",
                "--role",
                "write",
                "--no-notify",
                "--to",
                seed::ADELE_EMAIL,
            ][..],
            "AUD-AFILE",
        ),
    ] {
        // The item before the options: `--to` takes every word after it.
        let path = group_item(item);
        let mut all = vec![args[0], path.as_str()];
        all.extend_from_slice(&args[1..]);
        let done = shared.run(&all);
        assert_eq!(done.code, 0, "{all:?}: {done:?}");
    }
}

/// What the audit must find, from the emulator's own data: every
/// permission held directly (not inherited) that is a link or was sent to
/// an address no user of the tenant has, as (path, permission id).
fn expected_findings(emulator: &EmulatorHandle, drive_id: &str) -> BTreeSet<(String, String)> {
    let tenant = emulator.tenant();
    let drive = tenant.drive(drive_id).expect("the drive");
    let mut found = BTreeSet::new();
    for item in &drive.items {
        for permission in &item.permissions {
            let inherited = permission
                .get("inheritedFrom")
                .is_some_and(|v| !v.is_null());
            let link = permission.get("link").is_some_and(Value::is_object);
            let outsider = permission["invitation"]["email"]
                .as_str()
                .is_some_and(|email| tenant.user_by_email(email).is_none());
            if !inherited && (link || outsider) {
                let path = format!("/{}", drive.path_of(&item.id).unwrap_or_default());
                found.insert((
                    path,
                    permission["id"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    found
}

/// The (path, permission id) of each finding an `audit --json` printed.
fn reported_findings(document: &Value) -> BTreeSet<(String, String)> {
    document["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["permission_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn journal_in(shared: &Shared, name: &str) -> String {
    shared.dir.join(name).display().to_string()
}

#[test]
fn the_audit_of_the_seeded_drives_reports_what_they_hold() {
    let shared = Shared::start();
    for drive in [
        seed::ME_DRIVE_ID,
        seed::ALEX_DRIVE_ID,
        seed::GROUP_DRIVE_ID,
        seed::SITE_DRIVE_ID,
    ] {
        let root = format!("/drives/{drive}/root");
        let journal = journal_in(&shared, &format!("{drive}.journal"));
        let done = shared.run(&["audit", "--json", "--journal", &journal, &root]);
        assert_eq!(done.code, 0, "{done:?}");
        let document = done.json();
        assert_eq!(
            reported_findings(&document),
            expected_findings(&shared.emulator, drive)
        );
        let items = shared.emulator.tenant().drive(drive).unwrap().items.len();
        assert_eq!(document["items_audited"], items as u64, "{drive}");
    }
}

#[test]
fn the_audit_reports_links_and_guests_at_every_depth_once_as_json_csv_and_table() {
    let shared = Shared::with(Emulator::builder().tenant(audit_tenant(450)));
    share_the_tree(&shared);
    let want = expected_findings(&shared.emulator, seed::GROUP_DRIVE_ID);
    let paths: BTreeSet<&str> = want.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        BTreeSet::from(["/A", "/A/B", "/A/B/C/deep.txt"]),
        "the setup"
    );

    let root = format!("/groups/{}/drive/root", seed::GROUP_ID);
    let journal = journal_in(&shared, "json.journal");
    let json = shared.run(&["audit", "--json", "--journal", &journal, &root]);
    assert_eq!(json.code, 0, "{json:?}");
    let document = json.json();
    // Inherited copies (A's link on a.txt, B's on C and deep.txt) are not
    // reported again: each finding once, where it is defined.
    assert_eq!(reported_findings(&document), want);
    assert_eq!(document["findings"].as_array().unwrap().len(), want.len());
    let by_path = |path: &str| {
        document["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .cloned()
            .unwrap()
    };
    let anonymous = by_path("/A");
    assert_eq!(
        (anonymous["finding"].as_str(), anonymous["scope"].as_str()),
        (Some("link"), Some("anonymous"))
    );
    assert_eq!(anonymous["type"], "view");
    assert!(
        !anonymous["link_url"].as_str().unwrap().contains('?'),
        "{anonymous}"
    );
    let organization = by_path("/A/B");
    assert_eq!(
        (
            organization["scope"].as_str(),
            organization["type"].as_str()
        ),
        (Some("organization"), Some("edit"))
    );
    let guest = by_path("/A/B/C/deep.txt");
    assert_eq!(guest["finding"], "external grantee");
    assert_eq!(guest["external"], "yes");
    assert!(
        guest["grantees"]
            .as_str()
            .unwrap()
            .contains(seed::EXTERNAL_EMAIL),
        "{guest}"
    );
    let items = shared
        .emulator
        .tenant()
        .drive(seed::GROUP_DRIVE_ID)
        .unwrap()
        .items
        .len();
    assert_eq!(document["items_audited"], items as u64);
    assert_eq!(document["could_not_audit"], serde_json::json!([]));

    let csv = shared.run(&[
        "audit",
        "--csv",
        "--journal",
        &journal_in(&shared, "csv.journal"),
        &root,
    ]);
    assert_eq!(csv.code, 0, "{csv:?}");
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert!(
        lines[0].starts_with("path,finding,scope,type,roles,grantees,external"),
        "{csv:?}"
    );
    assert_eq!(lines.len(), 1 + want.len(), "{csv:?}");

    // From a folder named by a sharing URL: what lies below it, by its
    // path in the drive; the folder itself by its address.
    let link = shared.run(&[
        "link",
        "--json",
        &group_item("AUD-A"),
        "--type",
        "view",
        "--scope",
        "anonymous",
    ]);
    assert_eq!(link.code, 0, "{link:?}");
    let url = rows(&link.json())[0]["raw"]["link"]["webUrl"]
        .as_str()
        .expect("webUrl")
        .to_owned();
    let from_a = shared.run(&[
        "audit",
        "--json",
        "--journal",
        &journal_in(&shared, "a.journal"),
        &url,
    ]);
    assert_eq!(from_a.code, 0, "{from_a:?}");
    let below = |found: BTreeSet<(String, String)>| -> BTreeSet<(String, String)> {
        found
            .into_iter()
            .filter(|(path, _)| path.starts_with("/A/"))
            .collect()
    };
    let reported = reported_findings(&from_a.json());
    assert_eq!(
        below(reported.clone()),
        below(expected_findings(&shared.emulator, seed::GROUP_DRIVE_ID))
    );
    assert!(
        reported.contains(&(
            group_item("AUD-A"),
            anonymous["permission_id"].as_str().unwrap().to_owned()
        )),
        "{reported:?}"
    );

    let table = shared.run(&[
        "audit",
        "--journal",
        &journal_in(&shared, "table.journal"),
        &root,
    ]);
    assert_eq!(table.code, 0, "{table:?}");
    for (path, id) in &want {
        assert!(
            table
                .stdout
                .lines()
                .any(|l| l.starts_with(path.as_str()) && l.contains(id.as_str())),
            "{path}: {table:?}"
        );
    }
}

/// The permissions and children requests the emulator saw, by item id.
fn requested(emulator: &EmulatorHandle, action: &str) -> Vec<String> {
    emulator
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(action))
        .filter_map(|r| {
            let before = r.path.strip_suffix(action)?;
            before.rsplit('/').next().map(str::to_owned)
        })
        .collect()
}

#[test]
fn a_killed_audit_resumes_to_the_same_findings_and_reads_nothing_recorded_again() {
    // Slow enough to be killed mid-walk: 200 requests a second.
    let shared = Shared::with(
        Emulator::builder()
            .tenant(audit_tenant(700))
            .rate_limit(graph_emulator::RateLimit::per_second(200).burst(40)),
    );
    share_the_tree(&shared);
    let root = format!("/drives/{}/root", seed::GROUP_DRIVE_ID);
    let journal = journal_in(&shared, "killed.journal");
    shared.emulator.clear_requests();
    let mut child = shared
        .command()
        .args(["audit", "--json", "--journal", &journal, &root])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the tool starts");
    // Until some permissions were read, and not all.
    let mut waited = 0;
    while requested(&shared.emulator, "/permissions").len() < 150 {
        assert!(waited < 6_000, "the audit reads permissions");
        std::thread::sleep(std::time::Duration::from_millis(5));
        waited += 1;
    }
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    std::thread::sleep(std::time::Duration::from_millis(300));

    // What the killed run recorded.
    let recorded = rusqlite::Connection::open(&journal).expect("the journal opens");
    let ids = |query: &str| -> BTreeSet<String> {
        let mut statement = recorded.prepare(query).unwrap();
        statement
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|locator| locator.unwrap().rsplit('/').next().unwrap().to_owned())
            .collect()
    };
    let items_done = ids("SELECT locator FROM items WHERE state = 'done'");
    let folders_done = ids("SELECT locator FROM folders WHERE state = 'done'");
    let items_total: i64 = recorded
        .query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0))
        .unwrap();
    drop(recorded);
    let total = shared
        .emulator
        .tenant()
        .drive(seed::GROUP_DRIVE_ID)
        .unwrap()
        .items
        .len();
    assert!(
        !items_done.is_empty() && items_done.len() < total,
        "killed mid-run: {} of {total}",
        items_done.len()
    );
    assert!(items_total as usize <= total);

    shared.emulator.clear_requests();
    let resumed = shared.run(&["audit", "--json", "--resume", "--journal", &journal, &root]);
    assert_eq!(resumed.code, 0, "{resumed:?}");
    let again: Vec<String> = requested(&shared.emulator, "/permissions")
        .into_iter()
        .filter(|id| items_done.contains(id))
        .collect();
    assert!(again.is_empty(), "recorded items fetched again: {again:?}");
    let relisted: Vec<String> = requested(&shared.emulator, "/children")
        .into_iter()
        .filter(|id| folders_done.contains(id))
        .collect();
    assert!(
        relisted.is_empty(),
        "listed folders listed again: {relisted:?}"
    );

    let uninterrupted = shared.run(&[
        "audit",
        "--json",
        "--journal",
        &journal_in(&shared, "whole.journal"),
        &root,
    ]);
    assert_eq!(uninterrupted.code, 0, "{uninterrupted:?}");
    let (resumed, whole) = (resumed.json(), uninterrupted.json());
    assert_eq!(resumed["findings"], whole["findings"]);
    assert_eq!(
        reported_findings(&whole),
        expected_findings(&shared.emulator, seed::GROUP_DRIVE_ID)
    );
    assert_eq!(resumed["items_audited"], total as u64);
}

#[test]
fn a_folder_or_item_that_fails_is_a_row_and_exit_4_and_resume_reads_it_again() {
    let shared = Shared::with(Emulator::builder().tenant(audit_tenant(10)));
    share_the_tree(&shared);
    shared.emulator.inject(
        Injection::status(403)
            .method("GET")
            .path_contains("/items/AUD-B/children"),
    );
    shared.emulator.inject(
        Injection::status(404)
            .method("GET")
            .path_contains("/items/AUD-AFILE/permissions"),
    );
    let root = format!("/drives/{}/root", seed::GROUP_DRIVE_ID);
    let journal = journal_in(&shared, "failing.journal");
    let partial = shared.run(&["audit", "--json", "--journal", &journal, &root]);
    assert_eq!(partial.code, 4, "{partial:?}");
    let document = partial.json();
    let troubles: BTreeSet<(String, String, String)> = document["could_not_audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["path"].as_str().unwrap().to_owned(),
                t["could_not_read"].as_str().unwrap().to_owned(),
                t["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        troubles,
        BTreeSet::from([
            (
                "/A/B".to_owned(),
                "children".to_owned(),
                "failed".to_owned()
            ),
            (
                "/A/a.txt".to_owned(),
                "permissions".to_owned(),
                "failed".to_owned()
            ),
        ])
    );
    // Nothing below B was seen: its guest is not reported as absent, B is listed.
    assert!(
        !reported_findings(&document)
            .iter()
            .any(|(p, _)| p.starts_with("/A/B/"))
    );
    let resumed = shared.run(&["audit", "--json", "--resume", "--journal", &journal, &root]);
    assert_eq!(resumed.code, 0, "{resumed:?}");
    assert_eq!(
        reported_findings(&resumed.json()),
        expected_findings(&shared.emulator, seed::GROUP_DRIVE_ID)
    );
}

#[test]
fn audit_refuses_a_bad_item_and_a_journal_of_another_audit_before_sending() {
    let shared = Shared::start();
    let bad = shared.run(&["audit", "/drives/x"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    bad.one_error_line();
    let journal = journal_in(&shared, "one.journal");
    let root = format!("/drives/{}/root", seed::ME_DRIVE_ID);
    assert_eq!(shared.run(&["audit", "--journal", &journal, &root]).code, 0);
    shared.emulator.clear_requests();
    let other = format!("/drives/{}/root", seed::ALEX_DRIVE_ID);
    let refused = shared.run(&["audit", "--resume", "--journal", &journal, &other]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(refused.one_error_line().contains("not of"), "{refused:?}");
    let again = shared.run(&["audit", "--journal", &journal, &root]);
    assert_eq!(
        again.code, 2,
        "an existing journal is not overwritten: {again:?}"
    );
    let no_journal = shared.run(&["audit", "--resume", &root]);
    assert_eq!(no_journal.code, 2, "{no_journal:?}");
    assert!(
        shared
            .emulator
            .requests()
            .iter()
            .all(|r| !r.path.contains("/children")),
        "nothing listed"
    );
}

#[test]
fn answers_never_read_are_reported_unknown_with_exit_5_not_as_clean() {
    // Every answer inside a $batch reply is unreadable: the permissions
    // were asked for, and what Graph said is not known.
    let shared = Shared::with(Emulator::builder().faults(Faults::new().poisoned_replies(1.0)));
    let root = format!("/drives/{}/root", seed::ME_DRIVE_ID);
    let journal = journal_in(&shared, "unknown.journal");
    let done = shared.run(&["audit", "--json", "--journal", &journal, &root]);
    assert_eq!(done.code, 5, "{done:?}");
    let document = done.json();
    let troubles = document["could_not_audit"].as_array().unwrap();
    let items = shared
        .emulator
        .tenant()
        .drive(seed::ME_DRIVE_ID)
        .unwrap()
        .items
        .len();
    assert_eq!(
        troubles.len(),
        items,
        "every item, none as clean: {document}"
    );
    assert!(
        troubles
            .iter()
            .all(|t| t["outcome"] == "unknown" && t["could_not_read"] == "permissions")
    );
    assert_eq!(document["items_audited"], 0);
    let table = shared.run(&[
        "audit",
        "--journal",
        &journal_in(&shared, "unknown-table.journal"),
        &root,
    ]);
    assert_eq!(table.code, 5);
    assert!(table.stdout.contains("Could not audit:"), "{table:?}");
}

// `bulk invite`: its helpers, then its tests.

/// `rows` as a CSV file in the test's directory, with the header row.
fn bulk_csv(shared: &Shared, name: &str, header: &str, rows: &[String]) -> PathBuf {
    let path = shared.dir.join(name);
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// The guests of a bulk run: `guest{n}@fabrikam.example`, one per row.
fn guest(n: usize) -> String {
    format!("guest{n}@fabrikam.example")
}

/// `count` rows inviting one guest each to the group's Launch item.
fn guest_rows(count: usize) -> Vec<String> {
    (0..count)
        .map(|n| format!("{},{},read", launch(), guest(n)))
        .collect()
}

/// Each row's state in the journal at `path`, by line; empty while the
/// run has not created its table yet. Read while a run may be writing
/// (WAL lets a reader in beside the writer).
fn journal_states(path: &std::path::Path) -> std::collections::BTreeMap<u64, String> {
    let read = || -> rusqlite::Result<std::collections::BTreeMap<u64, String>> {
        let connection = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        let mut statement = connection.prepare("SELECT line, state FROM invite_row")?;
        let rows =
            statement.query_map([], |row| Ok((row.get::<_, i64>(0)? as u64, row.get(1)?)))?;
        rows.collect()
    };
    read().unwrap_or_default()
}

/// The invitation emails each guest of the Launch item was sent.
fn mails_to_guests(shared: &Shared) -> std::collections::BTreeMap<String, u32> {
    shared
        .emulator
        .invitations_sent()
        .into_iter()
        .filter(|((drive, item, _), _)| {
            drive == seed::GROUP_DRIVE_ID && item == seed::GROUP_LAUNCH_ID
        })
        .map(|((_, _, email), count)| (email, count))
        .collect()
}

/// The lines of the needs-look CSV at `path` (header aside).
fn needs_look(path: &std::path::Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// A bulk run of `count` guests against an emulator slow enough that it
/// lasts (concurrency 1), sent `signal` (`KILL`, `INT`) once the journal
/// holds some grants: the emulator, the CSV, the journal, the run's exit
/// code and stdout, and the journal's states then.
fn stopped_midway(count: usize, signal: &str) -> Stopped {
    let latency = std::time::Duration::from_millis(120);
    let shared = Shared::with(Emulator::builder().faults(Faults::new().latency(latency, latency)));
    let file = bulk_csv(
        &shared,
        "stopped.csv",
        "item,recipient,role",
        &guest_rows(count),
    );
    let journal = shared.dir.join("stopped.journal");
    let mut child = shared
        .command()
        .args([
            "bulk",
            "invite",
            file.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ])
        .args(["--concurrency", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let granted = journal_states(&journal)
            .values()
            .filter(|s| *s == "granted")
            .count();
        if granted >= 40 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be stopped"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "no grants recorded in a minute"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let sent = Command::new("kill")
        .args(["-s", signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -s {signal}");
    let output = child.wait_with_output().unwrap();
    let states = journal_states(&journal);
    let granted = states.values().filter(|s| *s == "granted").count();
    assert!(
        granted < count,
        "stopped mid-run: {granted} of {count} granted"
    );
    Stopped {
        shared,
        file,
        journal,
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        states,
    }
}

/// What [`stopped_midway`] leaves.
struct Stopped {
    shared: Shared,
    file: PathBuf,
    journal: PathBuf,
    /// The exit code; `None` when killed by the signal.
    code: Option<i32>,
    stdout: String,
    states: std::collections::BTreeMap<u64, String>,
}

impl Stopped {
    /// `bulk invite` again on the same file and journal, with `extra` arguments.
    fn resume(&self, extra: &[&str]) -> Run {
        let mut args = vec![
            "bulk",
            "invite",
            self.file.to_str().unwrap(),
            "--journal",
            self.journal.to_str().unwrap(),
            "--resume",
        ];
        args.extend_from_slice(extra);
        self.shared.run(&args)
    }

    /// The lines the journal held in `state` when the run was stopped.
    fn lines_in(&self, state: &str) -> Vec<u64> {
        self.states
            .iter()
            .filter(|(_, s)| *s == state)
            .map(|(line, _)| *line)
            .collect()
    }
}

/// The guest of the row at `line` (line 2 is guest 0).
fn guest_at(line: u64) -> String {
    guest(line as usize - 2)
}

#[test]
fn bulk_invite_grants_each_row_once_and_its_journal_has_one_outcome_per_row() {
    let shared = Shared::start();
    let rows: Vec<String> = guest_rows(150)
        .into_iter()
        .map(|row| format!("{row},\"Welcome, from the bulk run\""))
        .collect();
    let file = bulk_csv(&shared, "guests.csv", "item,recipient,role,message", &rows);
    let bulk = shared.run(&["bulk", "invite", file.to_str().unwrap(), "--json"]);
    assert_eq!(bulk.code, 0, "{bulk:?}");
    let summary = bulk.json();
    assert_eq!(summary["total"], 150, "{summary}");
    assert_eq!(summary["granted"], 150);
    assert_eq!(summary["sent"], 150);
    assert_eq!(summary["needs_look_rows"], 0);
    let journal = file.with_extension("csv.journal");
    assert_eq!(summary["journal"], journal.display().to_string());
    let states = journal_states(&journal);
    assert_eq!(states.len(), 150, "one journal row per input");
    assert!(states.values().all(|s| s == "granted"), "{states:?}");
    assert_eq!(
        states.keys().copied().collect::<Vec<_>>(),
        (2..152).collect::<Vec<_>>()
    );
    let permissions = shared.launch_permissions();
    let mails = mails_to_guests(&shared);
    for n in 0..150 {
        assert_eq!(grants_to(&permissions, &guest(n)).len(), 1, "{}", guest(n));
        assert_eq!(mails.get(&guest(n)), Some(&1), "{} notified once", guest(n));
    }
}

#[test]
fn bulk_invite_bad_rows_get_one_line_and_their_own_invalid_outcome_and_the_rest_go_on() {
    let shared = Shared::start();
    let mut rows = guest_rows(3);
    rows.insert(1, format!("{},{}", launch(), guest(100))); // line 3: a field short
    rows.insert(2, format!("{},{},owner", launch(), guest(101))); // line 4
    rows.insert(3, format!("/drives/only-a-drive,{},read", guest(102))); // line 5
    let file = bulk_csv(&shared, "bad.csv", "item,recipient,role", &rows);
    let bulk = shared.run(&["bulk", "invite", file.to_str().unwrap()]);
    assert_eq!(bulk.code, 4, "partial: {bulk:?}");
    let lines: Vec<&str> = bulk.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "one line per bad row: {bulk:?}");
    assert!(
        lines[0].contains("line 3") && lines[0].contains("2 fields where the header has 3"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("line 4") && lines[1].contains("unknown role `owner`"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("line 5") && lines[2].contains("/drives/only-a-drive"),
        "{}",
        lines[2]
    );
    let states = journal_states(&file.with_extension("csv.journal"));
    let expected: Vec<(u64, &str)> = vec![
        (2, "granted"),
        (3, "invalid"),
        (4, "invalid"),
        (5, "invalid"),
        (6, "granted"),
        (7, "granted"),
    ];
    assert_eq!(
        states
            .iter()
            .map(|(l, s)| (*l, s.as_str()))
            .collect::<Vec<_>>(),
        expected
    );
    let listed = needs_look(&file.with_extension("csv.journal.needs-look.csv"));
    let listed: Vec<(&str, &str)> = listed
        .iter()
        .map(|r| (r[0].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        listed,
        [("3", "invalid"), ("4", "invalid"), ("5", "invalid")]
    );
    let permissions = shared.launch_permissions();
    for n in [0, 1, 2] {
        assert_eq!(grants_to(&permissions, &guest(n)).len(), 1);
    }
    for n in [100, 101, 102] {
        assert!(
            grants_to(&permissions, &guest(n)).is_empty(),
            "an invalid row is never sent"
        );
    }
}

#[test]
fn bulk_invite_resumed_after_kill_9_grants_each_pair_once_and_notifies_no_recorded_grant_twice() {
    const ROWS: usize = 400;
    let stopped = stopped_midway(ROWS, "KILL");
    assert_eq!(stopped.code, None, "killed");
    let recorded = stopped.lines_in("granted");
    let resumed = stopped.resume(&["--json"]);
    assert_eq!(resumed.code, 0, "{resumed:?}");
    let summary = resumed.json();
    assert_eq!(summary["granted"], ROWS, "{summary}");
    assert_eq!(summary["recorded_earlier"], recorded.len(), "{summary}");
    let states = journal_states(&stopped.journal);
    assert_eq!(
        states.len(),
        ROWS,
        "the journal is complete: one row per input"
    );
    assert!(states.values().all(|s| s == "granted"), "{states:?}");
    let permissions = stopped.shared.launch_permissions();
    let mails = mails_to_guests(&stopped.shared);
    for n in 0..ROWS {
        assert_eq!(
            grants_to(&permissions, &guest(n)).len(),
            1,
            "{} granted once",
            guest(n)
        );
        assert!(
            mails.get(&guest(n)).is_some_and(|m| *m >= 1),
            "{} notified",
            guest(n)
        );
    }
    for line in recorded {
        let email = guest_at(line);
        assert_eq!(
            mails.get(&email),
            Some(&1),
            "{email}'s recorded grant was not sent again"
        );
    }
}

#[test]
fn bulk_invite_report_unknown_sends_nothing_for_rows_of_unknown_fate_and_lists_them() {
    let stopped = stopped_midway(400, "KILL");
    let unknown = stopped.lines_in("dispatched");
    assert!(
        !unknown.is_empty(),
        "the kill left rows dispatched without an outcome"
    );
    let mails_before = mails_to_guests(&stopped.shared);
    let reported = stopped.resume(&["--report-unknown", "--json"]);
    assert_eq!(reported.code, 5, "{reported:?}");
    assert_eq!(reported.json()["unknown"], unknown.len());
    let mails_after = mails_to_guests(&stopped.shared);
    for line in &unknown {
        let email = guest_at(*line);
        assert_eq!(
            mails_after.get(&email),
            mails_before.get(&email),
            "{email} was not sent again"
        );
    }
    let listed: Vec<u64> = needs_look(&with_suffix(&stopped.journal, ".needs-look.csv"))
        .iter()
        .filter(|r| r[4] == "unknown")
        .map(|r| r[0].parse().unwrap())
        .collect();
    assert_eq!(listed, unknown);
    // Without --report-unknown they are sent again, and the run completes.
    let completed = stopped.resume(&[]);
    assert_eq!(completed.code, 0, "{completed:?}");
    assert!(
        journal_states(&stopped.journal)
            .values()
            .all(|s| s == "granted")
    );
}

#[test]
fn bulk_invite_interrupted_by_ctrl_c_records_every_end_and_resumes_without_sending_twice() {
    const ROWS: usize = 400;
    let stopped = stopped_midway(ROWS, "INT");
    assert_eq!(
        stopped.code,
        Some(4),
        "some granted, the rest not sent: {}",
        stopped.stdout
    );
    assert!(stopped.stdout.contains("interrupted"), "{}", stopped.stdout);
    // The requests on the wire finished and were recorded; nothing is left
    // of unknown fate, and what was never sent is pending.
    assert!(
        stopped.lines_in("dispatched").is_empty(),
        "{:?}",
        stopped.states
    );
    assert!(!stopped.lines_in("pending").is_empty());
    let resumed = stopped.resume(&[]);
    assert_eq!(resumed.code, 0, "{resumed:?}");
    let mails = mails_to_guests(&stopped.shared);
    for n in 0..ROWS {
        assert_eq!(
            mails.get(&guest(n)),
            Some(&1),
            "{} notified exactly once",
            guest(n)
        );
    }
}

#[test]
fn bulk_invite_resume_refuses_a_changed_file_in_one_line_and_sends_nothing() {
    let shared = Shared::start();
    let file = bulk_csv(
        &shared,
        "changed.csv",
        "item,recipient,role",
        &guest_rows(5),
    );
    assert_eq!(
        shared.run(&["bulk", "invite", file.to_str().unwrap()]).code,
        0
    );
    bulk_csv(
        &shared,
        "changed.csv",
        "item,recipient,role",
        &guest_rows(6),
    );
    shared.emulator.clear_requests();
    let refused = shared.run(&["bulk", "invite", file.to_str().unwrap(), "--resume"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    assert!(
        refused.one_error_line().contains("has changed"),
        "{refused:?}"
    );
    assert!(shared.emulator.requests().is_empty(), "nothing was sent");
    let again = shared.run(&["bulk", "invite", file.to_str().unwrap()]);
    assert_eq!(
        again.code, 2,
        "a second run without --resume is refused too: {again:?}"
    );
    assert!(again.one_error_line().contains("--resume"), "{again:?}");
}

fn with_suffix(path: &std::path::Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
