//! `--login`: a user signs in with the device code flow
//! ([`DeviceCode`]), and the account is remembered in a [`FileTokenStore`].
//!
//! - Against the in-process emulator (no `GRAPH_CLIENT_ID` /
//!   `GRAPH_TENANT_ID`): the prompt is shown as a real run shows it, then
//!   the emulator's test hook approves the code on [`EMULATOR_USER`]'s
//!   behalf, so `/me` is that user.
//! - Against Azure AD (`GRAPH_TENANT_ID` + `GRAPH_CLIENT_ID`, optional
//!   `GRAPH_CLOUD` and `GRAPH_BASE_URL`): the user opens the page and
//!   enters the code in a browser.
//!
//! The next `--login` run finds the account in the cache file
//! ([`token_cache_path`]) and signs in without a prompt: with the cached
//! access token while it is good, then with the refresh token. The emulator
//! runs in-process and forgets what it issued when the run ends, where Azure
//! AD remembers; so against the emulator the run hands it the cached tokens
//! first (its `adopt_*` test hooks), and says so.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use graph_core::auth::{
    DeviceCode, DevicePrompt, FileTokenStore, MemoryTokenStore, TokenProvider, TokenStore,
};
use graph_core::{AuthErrorKind, Client, Cloud, Error};
use graph_emulator::{EmulatorBuilder, EmulatorHandle, seed};

use crate::Connection;

/// The variable that names the token cache file, ahead of the platform's
/// cache directory (tests point it at a temporary directory).
pub const CACHE_VARIABLE: &str = "GRAPH_TOKEN_CACHE";

/// The variable that sets the port the emulator listens on for `--login`
/// runs (default [`DEFAULT_EMULATOR_PORT`]).
pub const EMULATOR_PORT_VARIABLE: &str = "GRAPH_EMULATOR_PORT";

/// The port a `--login` run's emulator listens on unless
/// [`EMULATOR_PORT_VARIABLE`] says otherwise: a fixed one, because the token
/// cache keeps accounts per authority (a refresh token never goes to another
/// one), so the next run's emulator must be at the same address for the
/// account to be found again. Below Linux's ephemeral range (32768 on), so
/// the system does not hand it to another program's outgoing connection.
pub const DEFAULT_EMULATOR_PORT: u16 = 27115;

/// The emulator's port for a `--login` run, from [`EMULATOR_PORT_VARIABLE`].
pub fn emulator_port(lookup: impl Fn(&str) -> Option<String>) -> Result<u16, String> {
    match lookup(EMULATOR_PORT_VARIABLE) {
        None => Ok(DEFAULT_EMULATOR_PORT),
        Some(text) => text
            .trim()
            .parse()
            .map_err(|_| format!("{EMULATOR_PORT_VARIABLE} is not a port number: `{text}`")),
    }
}

/// The seeded user the emulator's test hook signs in as: Alex, who owns a
/// drive of his own, so that `/me/drive` visibly is whoever signed in.
pub const EMULATOR_USER: &str = seed::ALEX_UPN;

/// The name the account is stored under: one remembered account per
/// tenant and app (the example signs in before it knows who the user is).
pub const ACCOUNT: &str = "default";

/// The delegated permission asked for: the invite page lists
/// `Files.ReadWrite` as the least privileged delegated permission, and
/// `Files.ReadWrite.All` for items of drives other than the user's own
/// ("driveItem: invite", Permissions), which `--drive` can name.
pub fn files_scope(cloud: Cloud) -> String {
    format!("{}/Files.ReadWrite.All", cloud.graph_root())
}

/// Where the example keeps signed-in accounts, from the first of these that
/// is set: `GRAPH_TOKEN_CACHE` (the file itself);
/// `$XDG_CACHE_HOME/graph-rs/tokens.json`; `$HOME/.cache/graph-rs/tokens.json`
/// (the XDG default); `%LOCALAPPDATA%\graph-rs\tokens.json` (Windows).
/// `None` when none is set: the account is then kept in memory for the run.
///
/// ```
/// use std::path::PathBuf;
///
/// let lookup = |name: &str| (name == "HOME").then(|| "/home/megan".to_owned());
/// assert_eq!(
///     examples::login::token_cache_path(lookup),
///     Some(PathBuf::from("/home/megan/.cache/graph-rs/tokens.json"))
/// );
/// ```
pub fn token_cache_path(lookup: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let var = |name: &str| lookup(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(file) = var(CACHE_VARIABLE) {
        return Some(file);
    }
    let dir = var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|home| home.join(".cache")))
        .or_else(|| var("LOCALAPPDATA"))?;
    Some(dir.join("graph-rs").join("tokens.json"))
}

/// Whom `--login` signs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginTarget {
    /// The in-process emulator's tenant and app ([`seed::TENANT_ID`],
    /// [`seed::CLIENT_ID`]).
    Emulator,
    /// An Azure AD tenant and app (a public client that allows the device
    /// code flow), in `cloud`.
    AzureAd {
        /// `GRAPH_TENANT_ID`.
        tenant: String,
        /// `GRAPH_CLIENT_ID`.
        client_id: String,
        /// `GRAPH_CLOUD` (default global).
        cloud: Cloud,
    },
}

impl LoginTarget {
    /// Azure AD when `GRAPH_TENANT_ID` and `GRAPH_CLIENT_ID` are both set,
    /// the emulator when neither is; one without the other is an error that
    /// names the missing one.
    ///
    /// ```
    /// use examples::login::LoginTarget;
    ///
    /// assert_eq!(LoginTarget::from_lookup(|_| None), Ok(LoginTarget::Emulator));
    /// let half = |name: &str| (name == "GRAPH_CLIENT_ID").then(|| "app".to_owned());
    /// assert!(LoginTarget::from_lookup(half).unwrap_err().contains("GRAPH_TENANT_ID"));
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let cloud = match var("GRAPH_CLOUD") {
            None => Cloud::Global,
            Some(name) => Cloud::from_name(&name).ok_or_else(|| {
                format!("GRAPH_CLOUD: `{name}` is not a known cloud (global, usgovl4, usgovl5, dod, china)")
            })?,
        };
        match (var("GRAPH_TENANT_ID"), var("GRAPH_CLIENT_ID")) {
            (None, None) => Ok(Self::Emulator),
            (Some(tenant), Some(client_id)) => Ok(Self::AzureAd {
                tenant,
                client_id,
                cloud,
            }),
            (Some(_), None) => Err("--login with GRAPH_TENANT_ID needs GRAPH_CLIENT_ID too (the app's id), or neither to sign in to the local emulator".into()),
            (None, Some(_)) => Err("--login with GRAPH_CLIENT_ID needs GRAPH_TENANT_ID too (the tenant's id or domain), or neither to sign in to the local emulator".into()),
        }
    }

    /// [`from_lookup`](Self::from_lookup) on the process environment.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The sign-in, before its authority, store and prompt are set.
    fn device_code(&self) -> DeviceCode {
        let (tenant, client_id, cloud) = match self {
            Self::Emulator => (seed::TENANT_ID, seed::CLIENT_ID, Cloud::Global),
            Self::AzureAd {
                tenant,
                client_id,
                cloud,
            } => (tenant.as_str(), client_id.as_str(), *cloud),
        };
        DeviceCode::new(tenant, client_id)
            .cloud(cloud)
            .scopes([files_scope(cloud)])
            .account(ACCOUNT)
    }

    fn tenant(&self) -> &str {
        match self {
            Self::Emulator => seed::TENANT_ID,
            Self::AzureAd { tenant, .. } => tenant,
        }
    }
}

/// The store for `cache`, or one in memory (with a warning) when there is no
/// cache location.
fn store_at(cache: Option<&Path>) -> Arc<dyn TokenStore> {
    match cache {
        Some(path) => Arc::new(FileTokenStore::new(path)),
        None => {
            println!(
                "No cache location ({CACHE_VARIABLE}, XDG_CACHE_HOME, HOME and LOCALAPPDATA are all unset): the account is kept for this run only."
            );
            Arc::new(MemoryTokenStore::new())
        }
    }
}

/// A token cache file that cannot be used (not a token store file, or one
/// others can read), said with what to do: neither `--login` nor `--logout`
/// can use it until it is replaced, and the example never deletes a file it
/// cannot read (`GRAPH_TOKEN_CACHE` may name any file).
fn cache_problem(problem: impl std::fmt::Display, cache: Option<&Path>) -> String {
    format!(
        "{problem}\n--login and --logout cannot use the token cache {}: if it is this example's cache, delete it \
         (it only remembers the signed-in account) and run --login again; or set {CACHE_VARIABLE} to another file",
        shown(cache)
    )
}

fn shown(cache: Option<&Path>) -> String {
    cache.map_or_else(|| "memory".to_owned(), |p| p.display().to_string())
}

/// What a real run shows: the page and the code (the identity platform's
/// own message, when it sent one, says the same).
fn show(prompt: &DevicePrompt) {
    println!(
        "To sign in, open {} and enter the code {}",
        prompt.verification_uri(),
        prompt.user_code()
    );
}

/// Signs in with the device code flow at `target` (starting `emulator` for
/// [`LoginTarget::Emulator`]), remembering the account in the file `cache`,
/// and connects a client that sends as the signed-in user.
///
/// A cached account is used without a prompt; one the identity platform no
/// longer accepts (`invalid_grant`) is dropped and the user signs in again.
pub async fn connect_signed_in(
    emulator: EmulatorBuilder,
    target: &LoginTarget,
    cache: Option<&Path>,
) -> Result<Connection, String> {
    let store = store_at(cache);
    let prompted = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&prompted);
    let sign_in = target.device_code().token_store(Arc::clone(&store));
    let (sign_in, emulator, builder) = match target {
        LoginTarget::Emulator => {
            let port = emulator_port(|name| std::env::var(name).ok())?;
            let emulator = Arc::new(emulator.port(port).start().await.map_err(|e| {
                format!(
                    "could not start the emulator on 127.0.0.1:{port}: {e} \
                     (set {EMULATOR_PORT_VARIABLE} to a free port)"
                )
            })?);
            println!(
                "No GRAPH_TENANT_ID / GRAPH_CLIENT_ID set: signing in to the local emulator at {}",
                emulator.root_url()
            );
            let sign_in = sign_in.authority(emulator.root_url());
            hand_cached_tokens_to(&emulator, &sign_in, &*store, cache)?;
            let approver = Arc::clone(&emulator);
            let sign_in = sign_in.on_prompt(move |prompt| {
                seen.store(true, Ordering::SeqCst);
                show(prompt);
                if approver.approve_device_code(prompt.user_code(), EMULATOR_USER) {
                    println!(
                        "The emulator approved code {} on {}'s behalf (its test hook stands in for the browser).",
                        prompt.user_code(),
                        seed::ALEX_DISPLAY_NAME
                    );
                } else {
                    println!(
                        "The emulator did not approve code {}: the sign-in will expire.",
                        prompt.user_code()
                    );
                }
            });
            let builder = Client::builder().base_url(emulator.base_url());
            (sign_in, Some(emulator), builder)
        }
        LoginTarget::AzureAd { tenant, cloud, .. } => {
            println!(
                "Signing in to tenant {tenant} ({}) with the device code flow",
                cloud.login_authority()
            );
            let sign_in = sign_in.on_prompt(move |prompt| {
                seen.store(true, Ordering::SeqCst);
                show(prompt);
                println!("Waiting for you to sign in in the browser…");
            });
            let mut builder = Client::builder().cloud(*cloud);
            if let Some(base) = std::env::var("GRAPH_BASE_URL")
                .ok()
                .filter(|v| !v.is_empty())
            {
                builder = builder.base_url(base);
            }
            (sign_in, None, builder)
        }
    };
    let sign_in = Arc::new(sign_in);
    // Signs in now rather than at the first request, so that the outcome is
    // reported before anything is sent.
    match sign_in.token().await {
        Ok(_) => {}
        Err(Error::Auth(refused)) if refused.kind() == AuthErrorKind::SignInRequired => {
            println!("The cached account is no longer accepted ({refused}): signing in again.");
            sign_in.token().await.map_err(|e| e.to_string())?;
        }
        Err(Error::Auth(problem)) if problem.kind() == AuthErrorKind::Store => {
            return Err(cache_problem(problem, cache));
        }
        Err(other) => return Err(format!("sign-in failed: {other}")),
    }
    if prompted.load(Ordering::SeqCst) {
        println!("Signed in. The account is remembered in {}.", shown(cache));
    } else {
        println!(
            "Signed in silently with the account cached in {}: no prompt.",
            shown(cache)
        );
    }
    let client = builder
        .shared_auth(sign_in)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Connection { client, emulator })
}

/// The emulator starts empty on every run, unlike Azure AD: hands it the
/// tokens an earlier run cached, as issued by it to [`EMULATOR_USER`], so
/// that this run signs in as a second run against Azure AD does.
fn hand_cached_tokens_to(
    emulator: &EmulatorHandle,
    sign_in: &DeviceCode,
    store: &dyn TokenStore,
    cache: Option<&Path>,
) -> Result<(), String> {
    let key = sign_in.store_key();
    let Some(entry) = store.load(&key).map_err(|e| cache_problem(e, cache))? else {
        return Ok(());
    };
    println!(
        "Found a cached account in {}. The in-process emulator starts empty on every run, unlike Azure AD, \
         so the example hands it the tokens the last run cached (its adopt_access_token and adopt_refresh_token \
         test hooks): the sign-in below is the silent one a second run against Azure AD makes.",
        shown(cache)
    );
    if let Some((token, expires_at)) = entry.access_token()
        && let Ok(left) = expires_at.duration_since(SystemTime::now())
    {
        emulator.adopt_access_token(
            token.secret(),
            seed::CLIENT_ID,
            EMULATOR_USER,
            &key.scopes().join(" "),
            left,
        );
    }
    if let Some(refresh) = entry.refresh_token() {
        emulator.adopt_refresh_token(
            refresh.expose(),
            seed::CLIENT_ID,
            EMULATOR_USER,
            &key.scopes().join(" "),
        );
    }
    Ok(())
}

/// `--logout`: forgets the account `--login` remembered for `target` in the
/// file `cache`. Says what it did.
pub fn logout(target: &LoginTarget, cache: Option<&Path>) -> Result<String, String> {
    let Some(path) = cache else {
        return Err(format!(
            "no token cache location to forget an account in: set {CACHE_VARIABLE} (or HOME)"
        ));
    };
    let store: Arc<dyn TokenStore> = Arc::new(FileTokenStore::new(path));
    let mut sign_in = target.device_code().token_store(Arc::clone(&store));
    if let LoginTarget::Emulator = target {
        // The account is kept for the emulator's address (see DEFAULT_EMULATOR_PORT).
        let port = emulator_port(|name| std::env::var(name).ok())?;
        sign_in = sign_in.authority(format!("http://127.0.0.1:{port}"));
    }
    let cached = store
        .load(&sign_in.store_key())
        .map_err(|e| cache_problem(e, cache))?
        .is_some();
    sign_in.sign_out().map_err(|e| cache_problem(e, cache))?;
    let tenant = target.tenant();
    Ok(if cached {
        format!(
            "Signed out: forgot the account of tenant {tenant} cached in {}.",
            path.display()
        )
    } else {
        format!(
            "No account of tenant {tenant} was cached in {}.",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn the_cache_path_is_the_variable_then_xdg_then_home_then_localappdata() {
        let all = [
            (CACHE_VARIABLE, "/tmp/t.json"),
            ("XDG_CACHE_HOME", "/xdg"),
            ("HOME", "/home/m"),
            ("LOCALAPPDATA", "C:\\Users\\m\\AppData\\Local"),
        ];
        assert_eq!(
            token_cache_path(lookup(&all)),
            Some(PathBuf::from("/tmp/t.json"))
        );
        assert_eq!(
            token_cache_path(lookup(&all[1..])),
            Some(PathBuf::from("/xdg/graph-rs/tokens.json"))
        );
        assert_eq!(
            token_cache_path(lookup(&all[2..])),
            Some(PathBuf::from("/home/m/.cache/graph-rs/tokens.json"))
        );
        assert_eq!(
            token_cache_path(lookup(&all[3..])),
            Some(
                PathBuf::from("C:\\Users\\m\\AppData\\Local")
                    .join("graph-rs")
                    .join("tokens.json")
            )
        );
        assert_eq!(token_cache_path(lookup(&[("HOME", "")])), None);
    }

    #[test]
    fn azure_ad_needs_both_ids_and_takes_the_cloud() {
        let both = [
            ("GRAPH_TENANT_ID", "contoso"),
            ("GRAPH_CLIENT_ID", "app"),
            ("GRAPH_CLOUD", "usgovl4"),
        ];
        assert_eq!(
            LoginTarget::from_lookup(lookup(&both)),
            Ok(LoginTarget::AzureAd {
                tenant: "contoso".into(),
                client_id: "app".into(),
                cloud: Cloud::UsGovL4,
            })
        );
        let missing = LoginTarget::from_lookup(lookup(&both[..1])).unwrap_err();
        assert!(missing.contains("GRAPH_CLIENT_ID"), "{missing}");
        let bad = LoginTarget::from_lookup(lookup(&[("GRAPH_CLOUD", "mars")])).unwrap_err();
        assert!(bad.contains("mars"), "{bad}");
    }

    #[test]
    fn azure_ad_signs_in_at_the_clouds_authority_for_its_graph() {
        let target = LoginTarget::AzureAd {
            tenant: "contoso".into(),
            client_id: "app".into(),
            cloud: Cloud::China,
        };
        let sign_in = target.device_code();
        assert_eq!(
            sign_in.device_code_url(),
            "https://login.chinacloudapi.cn/contoso/oauth2/v2.0/devicecode"
        );
        assert!(
            sign_in
                .store_key()
                .scopes()
                .contains(&"https://microsoftgraph.chinacloudapi.cn/Files.ReadWrite.All".into())
        );
    }
}
