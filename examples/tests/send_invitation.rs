//! The `send_invitation` example run as a user runs it: the built example
//! program, started with a clean environment (no Graph or Azure variables,
//! no `HOME`) and its token cache in a temporary directory
//! (`GRAPH_TOKEN_CACHE`), so that these tests never reach Azure AD or touch
//! a real cache.
//!
//! `cargo test -p examples` (and `cargo test --workspace`) build the
//! example before running these tests; `--test send_invitation`, or a test
//! name filter, does not (cargo skips building examples then), so the
//! program is checked to be newer than its sources and than the library it
//! is linked with (rebuilt whenever graph-core or the emulator changed).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use examples::login::{ACCOUNT, EMULATOR_PORT_VARIABLE, files_scope};
use graph_core::Cloud;
use graph_core::auth::{FileTokenStore, StoreKey, StoredToken, TokenStore};
use graph_emulator::seed;

/// What to run when the program is missing or stale.
const BUILD_IT: &str = "run `cargo test -p examples` (or `cargo test --workspace`) with no test name or \
     `--test`: cargo builds examples only then";

/// When `path` was last written.
fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The built example, checked to be newer than the sources it is made of
/// and than the newest build of the `examples` library this test links.
fn program() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // target/<profile>/deps/<this test> → target/<profile>/examples/send_invitation
    let deps = exe.parent().expect("in target/<profile>/deps");
    let dir = deps.parent().expect("in target/<profile>/deps");
    let program = dir
        .join("examples")
        .join(format!("send_invitation{}", std::env::consts::EXE_SUFFIX));
    let built = modified(&program)
        .unwrap_or_else(|| panic!("{} is not built: {BUILD_IT}", program.display()));
    let sources = Path::new(env!("CARGO_MANIFEST_DIR"));
    for source in ["send_invitation.rs", "src/lib.rs", "src/login.rs"] {
        let changed = modified(&sources.join(source)).expect("source exists");
        assert!(
            built >= changed,
            "{} is older than {source}: {BUILD_IT}",
            program.display()
        );
    }
    // The library is rebuilt whenever what it uses changed (graph-core, the
    // emulator); the program is linked after it when it is built too.
    let library = std::fs::read_dir(deps)
        .expect("the deps directory")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("libexamples-") && name.ends_with(".rlib"))
        })
        .filter_map(|path| modified(&path))
        .max();
    if let Some(library) = library {
        assert!(
            built >= library,
            "{} is older than the library it links (graph-core or the emulator changed since): {BUILD_IT}",
            program.display()
        );
    }
    program
}

/// A new, empty directory for one test's cache.
fn temp_dir(name: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "send-invitation-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// One run's exit and output.
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs the example with `args`, only `vars` in its environment, and its
/// token cache at `cache` (when given).
fn run(cache: Option<&Path>, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut command = Command::new(program());
    command.args(args).env_clear();
    if let Some(cache) = cache {
        command.env("GRAPH_TOKEN_CACHE", cache);
        command.env(EMULATOR_PORT_VARIABLE, emulator_port(cache).to_string());
    }
    command.envs(vars.iter().copied());
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("the example starts");
    Run {
        success: status.success(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// The port the emulator of every run with `cache` listens on: the same for
/// a test's runs (its cached account is kept per authority), another for
/// each test, outside the ephemeral range and apart per test process.
fn emulator_port(cache: &Path) -> u16 {
    static CACHES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let mut caches = CACHES.lock().unwrap_or_else(PoisonError::into_inner);
    let index = match caches.iter().position(|c| c == cache) {
        Some(index) => index,
        None => {
            caches.push(cache.to_owned());
            caches.len() - 1
        }
    };
    let slot = u16::try_from(std::process::id() % 600).expect("below 600");
    20_000 + slot * 16 + u16::try_from(index % 16).expect("below 16")
}

/// The entry `--login` keeps for the emulator's tenant and app, at the
/// emulator the runs with `cache` sign in to.
fn emulator_key(cache: &Path) -> StoreKey {
    StoreKey::new(
        seed::TENANT_ID,
        seed::CLIENT_ID,
        ACCOUNT,
        [files_scope(Cloud::Global), "offline_access".to_owned()],
    )
    .with_authority(format!("http://127.0.0.1:{}", emulator_port(cache)))
}

fn cached(cache: &Path) -> Option<StoredToken> {
    FileTokenStore::new(cache)
        .load(&emulator_key(cache))
        .expect("the cache file reads")
}

/// The user code of the prompt in `stdout`, after checking the line reads
/// as a real sign-in's does.
fn prompted_code(stdout: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("To sign in, open "))
        .unwrap_or_else(|| panic!("no sign-in prompt in:\n{stdout}"));
    let rest = line.trim_start_matches("To sign in, open http://127.0.0.1:");
    let (port_and_path, code) = rest
        .split_once(" and enter the code ")
        .unwrap_or_else(|| panic!("the prompt names no emulator page and code: {line}"));
    assert!(
        port_and_path.ends_with("/devicelogin"),
        "verification URL: {line}"
    );
    assert!(
        code.len() >= 6 && code.chars().all(|c| c.is_ascii_alphanumeric()),
        "user code: {line}"
    );
    code.to_owned()
}

/// The invitation went out through `/me/drive`, from the drive of the user
/// the emulator signed in, and reached Lee.
fn assert_invited_through_me(run: &Run) {
    assert!(run.success, "{}", run.all());
    let sent = format!("/v1.0/me/drive/root:/{}:/invite", seed::ALEX_PLAN_PATH);
    assert!(run.stdout.contains(&sent), "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("✓ {}: permission", seed::LEE_EMAIL)),
        "{}",
        run.stdout
    );
}

/// Neither the cached access token nor the refresh token appears in `run`'s output.
fn assert_no_token_printed(run: &Run, entry: &StoredToken) {
    let (access, _) = entry.access_token().expect("an access token is cached");
    let refresh = entry.refresh_token().expect("a refresh token is cached");
    let all = run.all();
    assert!(!all.contains(access.secret()), "access token printed");
    assert!(!all.contains(refresh.expose()), "refresh token printed");
    assert!(!all.contains("emulator-refresh"), "refresh token printed");
}

#[test]
fn help_lists_every_flag() {
    let help = run(None, &["--help"], &[]);
    assert!(help.success, "{}", help.all());
    for flag in [
        "--drive",
        "--item",
        "--path",
        "--to",
        "--role",
        "--message",
        "--login",
        "--logout",
        "--help",
    ] {
        assert!(
            help.stdout.contains(flag),
            "{flag} missing:\n{}",
            help.stdout
        );
    }
    let unknown = run(None, &["--lgoin"], &[]);
    assert!(!unknown.success);
    assert!(
        unknown
            .stderr
            .contains("unknown argument `--lgoin`; `--help` lists them"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn a_flag_without_its_value_is_refused_before_anything_is_sent() {
    for args in [
        &["--to"][..],
        &["--to", "--login"],
        &["--message", "--to", "a@b.c"],
    ] {
        let out = run(None, args, &[]);
        assert!(!out.success, "{args:?}: {}", out.all());
        assert!(
            out.stderr.contains(&format!("`{}` needs a value", args[0])),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            !out.stdout.contains("→ POST"),
            "{args:?} sent: {}",
            out.stdout
        );
    }
}

#[test]
fn login_shows_the_code_the_emulator_approves_it_and_the_invitation_goes_out_as_that_user() {
    let dir = temp_dir("login");
    let cache = dir.join("cache").join("tokens.json");

    let first = run(Some(&cache), &["--login"], &[]);
    assert_invited_through_me(&first);
    let code = prompted_code(&first.stdout);
    assert!(
        first.stdout.contains(&format!(
            "The emulator approved code {code} on {}'s behalf",
            seed::ALEX_DISPLAY_NAME
        )),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("Signed in. The account is remembered in")
    );

    let entry = cached(&cache).expect("the account is cached");
    assert_no_token_printed(&first, &entry);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_second_login_signs_in_from_the_private_cache_file_without_a_prompt() {
    let dir = temp_dir("second");
    let cache = dir.join("tokens.json");
    assert!(run(Some(&cache), &["--login"], &[]).success);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache)
            .expect("cache file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let first = cached(&cache).expect("cached");

    // The cached access token is still good: used as it is.
    let second = run(Some(&cache), &["--login"], &[]);
    assert_invited_through_me(&second);
    assert!(!second.stdout.contains("To sign in"), "{}", second.stdout);
    assert!(
        second.stdout.contains("Signed in silently"),
        "{}",
        second.stdout
    );
    assert!(
        second
            .stdout
            .contains("hands it the tokens the last run cached")
    );
    assert_no_token_printed(&second, &first);

    // Once it is due, the refresh token gets a new one, and is replaced.
    let (access, _) = first.access_token().expect("access token");
    let due = StoredToken::new(
        first.refresh_token().cloned(),
        Some((access.clone(), SystemTime::now() - Duration::from_secs(60))),
    );
    FileTokenStore::new(&cache)
        .save(&emulator_key(&cache), &due)
        .expect("saved");
    let third = run(Some(&cache), &["--login"], &[]);
    assert_invited_through_me(&third);
    assert!(!third.stdout.contains("To sign in"), "{}", third.stdout);
    let rotated = cached(&cache).expect("cached");
    assert_ne!(
        rotated.refresh_token().map(|t| t.expose().to_owned()),
        first.refresh_token().map(|t| t.expose().to_owned()),
        "the refresh token was rotated"
    );
    assert_no_token_printed(&third, &first);
    assert_no_token_printed(&third, &rotated);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn logout_forgets_the_account_and_the_next_login_prompts_again() {
    let dir = temp_dir("logout");
    let cache = dir.join("tokens.json");
    assert!(run(Some(&cache), &["--login"], &[]).success);
    assert!(cached(&cache).is_some());

    let out = run(Some(&cache), &["--logout"], &[]);
    assert!(out.success, "{}", out.all());
    assert!(
        out.stdout.contains("Signed out: forgot the account"),
        "{}",
        out.stdout
    );
    assert!(cached(&cache).is_none());
    let again = run(Some(&cache), &["--logout"], &[]);
    assert!(
        again.stdout.contains("No account of tenant"),
        "{}",
        again.stdout
    );

    let next = run(Some(&cache), &["--login"], &[]);
    assert_invited_through_me(&next);
    prompted_code(&next.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_run_without_login_does_not_use_the_cached_account() {
    let dir = temp_dir("no-login");
    let cache = dir.join("tokens.json");
    let entry = StoredToken::new(Some("1.AQ-cached-refresh".into()), None);
    FileTokenStore::new(&cache)
        .save(&emulator_key(&cache), &entry)
        .expect("saved");
    let out = run(Some(&cache), &[], &[]);
    assert!(out.success, "{}", out.all());
    assert!(
        out.stdout
            .contains("No Graph credentials set: using the local emulator")
    );
    assert!(!out.stdout.contains("Signed in"), "{}", out.stdout);
    // The seed token's user (Megan) and her file, as before `--login` existed.
    let sent = format!("/v1.0/me/drive/root:/{}:/invite", seed::ME_Q3_PATH);
    assert!(out.stdout.contains(&sent), "{}", out.stdout);
    assert!(cached(&cache).is_some(), "the cached account is left alone");
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(unix)]
#[test]
fn a_cache_file_others_can_read_is_refused_before_any_sign_in() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("shared");
    let cache = dir.join("tokens.json");
    std::fs::write(&cache, r#"{"version":1,"entries":[]}"#).expect("written");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = run(Some(&cache), &["--login"], &[]);
    assert!(!out.success, "{}", out.all());
    assert!(!out.stdout.contains("To sign in"), "{}", out.stdout);
    assert!(out.stderr.contains("mode 0644"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&cache.display().to_string()),
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_cache_file_that_is_not_a_token_store_is_named_with_what_to_do() {
    let dir = temp_dir("corrupt");
    let cache = dir.join("tokens.json");
    std::fs::write(&cache, "{ not json").expect("written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    for flag in ["--login", "--logout"] {
        let out = run(Some(&cache), &[flag], &[]);
        assert!(!out.success, "{flag}: {}", out.all());
        assert!(!out.stdout.contains("To sign in"), "{flag}: {}", out.stdout);
        assert!(
            out.stderr.contains("is not a token store file"),
            "{flag}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(
                "delete it (it only remembers the signed-in account) and run --login again"
            ),
            "{flag}: {}",
            out.stderr
        );
        assert_eq!(
            std::fs::read_to_string(&cache).expect("still there"),
            "{ not json",
            "{flag} left the file alone"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn login_with_half_of_the_azure_ad_settings_names_the_missing_one() {
    let dir = temp_dir("half");
    let cache = dir.join("tokens.json");
    let out = run(Some(&cache), &["--login"], &[("GRAPH_CLIENT_ID", "app-id")]);
    assert!(!out.success);
    assert!(
        out.stderr.contains("needs GRAPH_TENANT_ID too"),
        "{}",
        out.stderr
    );
    assert!(!cache.exists());
    std::fs::remove_dir_all(&dir).ok();
}
