//! Which Graph the tool talks to and with which credential: an in-process
//! emulator, the account `login` cached, or the app credential in the
//! environment. Also `login`, `logout` and `whoami`, which are about exactly
//! that.
//!
//! Signing in to the in-process emulator follows the send_invitation
//! example's `--login` (examples/src/login.rs): a fixed port, the cached
//! tokens handed to the fresh emulator through its adopt_* hooks, the code
//! approved through approve_device_code. The few lines are repeated here,
//! not shared: that module prints the example's own messages on stdout and
//! lives in the examples crate, which a tool should not depend on, and the
//! emulator's hooks are already the shared part.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use graph_core::auth::{
    DeviceCode, DevicePrompt, EnvCredential, EnvError, FileTokenStore, MemoryTokenStore,
    StaticToken, StoredToken, TokenProvider, TokenStore,
};
use graph_core::{AuthErrorKind, Client, Cloud, Error};
use graph_emulator::seed::Generated;
use graph_emulator::{Emulator, EmulatorHandle, seed};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::exit::{Failure, describe};

/// The variable that sets the port of the emulator `login` signs in to.
pub const EMULATOR_PORT_VARIABLE: &str = "GRAPH_EMULATOR_PORT";

/// The port of the emulator `login` signs in to, unless
/// [`EMULATOR_PORT_VARIABLE`] says otherwise. Fixed, because the token cache
/// keeps an account per authority (a refresh token is only ever sent to the
/// authority that issued it), so every later run's emulator must listen at
/// the same address for the account to be found. Below Linux's ephemeral
/// range, so no outgoing connection is handed it.
pub const DEFAULT_EMULATOR_PORT: u16 = 27116;

/// The seeded user the emulator approves `login`'s code for: Alex, who has a
/// drive of his own, so that `/me/drive` visibly is whoever signed in.
pub const EMULATOR_USER: &str = seed::ALEX_UPN;

/// How many generated items the in-process emulator holds beside the
/// default seed: enough for `audit` to show real work (links, guests,
/// broken inheritance in folders several levels deep) while the emulator
/// still starts in a blink.
pub const EMULATOR_GENERATED_ITEMS: usize = 3_000;

/// The seed of that content: fixed, so every run sees the same tenant.
pub const EMULATOR_GENERATED_SEED: u64 = 13;

/// The name the account is cached under: one per tenant and app (`login`
/// signs in before it knows who the user is).
const ACCOUNT: &str = "default";

/// Where the tool talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An in-process emulator; `implicit` when chosen because no credential is set.
    Emulator {
        /// Chosen for want of credentials rather than by `--emulator`.
        implicit: bool,
    },
    /// Microsoft Graph (or `GRAPH_BASE_URL`).
    Graph,
}

/// The run's settings that decide the target and credential.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--emulator`.
    pub emulator: bool,
    /// `--token-cache` / `GRAPH_TOKEN_CACHE`, else the platform's cache directory.
    pub token_cache: Option<PathBuf>,
}

/// A client ready to send, and the emulator it talks to, if any (dropping
/// it stops the emulator).
pub struct Session {
    /// The client.
    pub client: Client,
    /// The in-process emulator.
    pub emulator: Option<Arc<EmulatorHandle>>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The token cache file: `--token-cache`, then `$XDG_CACHE_HOME`, `$HOME/.cache`
/// or `%LOCALAPPDATA%`, each with `graph-share/tokens.json`.
pub fn cache_path(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_owned());
    }
    let dir = var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .or_else(|| var("LOCALAPPDATA").map(PathBuf::from))?;
    Some(dir.join("graph-share").join("tokens.json"))
}

fn store_at(cache: Option<&Path>) -> Arc<dyn TokenStore> {
    match cache {
        Some(path) => Arc::new(FileTokenStore::new(path)),
        None => {
            eprintln!(
                "note: no cache location (GRAPH_TOKEN_CACHE, XDG_CACHE_HOME, HOME, LOCALAPPDATA): the account is kept for this run only"
            );
            Arc::new(MemoryTokenStore::new())
        }
    }
}

/// The public client app `login` signs in with against Azure AD:
/// `GRAPH_TENANT_ID` and `GRAPH_CLIENT_ID`, in `GRAPH_CLOUD`.
fn delegated_app() -> Result<Option<(String, String, Cloud)>, Failure> {
    let cloud = match var("GRAPH_CLOUD") {
        None => Cloud::Global,
        Some(name) => Cloud::from_name(&name).ok_or_else(|| {
            Failure::usage(format!(
                "GRAPH_CLOUD: `{name}` is not a known cloud (global, usgovl4, usgovl5, dod, china)"
            ))
        })?,
    };
    Ok(match (var("GRAPH_TENANT_ID"), var("GRAPH_CLIENT_ID")) {
        (Some(tenant), Some(client)) => Some((tenant, client, cloud)),
        _ => None,
    })
}

/// The target for these settings: the emulator with `--emulator` or when no
/// credential variable is set at all, Microsoft Graph otherwise.
pub fn target(settings: &Settings) -> Result<Target, Failure> {
    if settings.emulator {
        return Ok(Target::Emulator { implicit: false });
    }
    let app_set = !matches!(EnvCredential::from_env(), Err(EnvError::NotSet));
    if app_set || delegated_app()?.is_some() {
        Ok(Target::Graph)
    } else {
        Ok(Target::Emulator { implicit: true })
    }
}

fn emulator_port() -> Result<u16, Failure> {
    match var(EMULATOR_PORT_VARIABLE) {
        None => Ok(DEFAULT_EMULATOR_PORT),
        Some(text) => text.trim().parse().map_err(|_| {
            Failure::usage(format!(
                "{EMULATOR_PORT_VARIABLE} is not a port number: `{text}`"
            ))
        }),
    }
}

/// The device code sign-in for the target, before its prompt is set:
/// the emulator's seeded tenant and app at its fixed address, or
/// `GRAPH_TENANT_ID` / `GRAPH_CLIENT_ID`. `None` when Azure AD is the target
/// and no public client app is configured.
fn device_code(
    target: &Target,
    store: &Arc<dyn TokenStore>,
) -> Result<Option<DeviceCode>, Failure> {
    let sign_in = match target {
        Target::Emulator { .. } => DeviceCode::new(seed::TENANT_ID, seed::CLIENT_ID)
            .authority(format!("http://127.0.0.1:{}", emulator_port()?))
            .scopes(scopes(Cloud::Global)),
        Target::Graph => {
            let Some((tenant, client, cloud)) = delegated_app()? else {
                return Ok(None);
            };
            DeviceCode::new(tenant, client)
                .cloud(cloud)
                .scopes(scopes(cloud))
        }
    };
    Ok(Some(
        sign_in.account(ACCOUNT).token_store(Arc::clone(store)),
    ))
}

/// What `login` asks for: `Files.ReadWrite.All`, which the invite,
/// createLink and permission pages list for items of drives other than the
/// user's own (which `<item>` can name), and `User.Read`, with which "List
/// organizations" reads the tenant's verified domains (to tell outsiders).
fn scopes(cloud: Cloud) -> [String; 2] {
    let root = cloud.graph_root();
    [
        format!("{root}/Files.ReadWrite.All"),
        format!("{root}/User.Read"),
    ]
}

fn cached(sign_in: &DeviceCode, store: &dyn TokenStore) -> Result<Option<StoredToken>, Failure> {
    store
        .load(&sign_in.store_key())
        .map_err(|e| Failure::sign_in(format!("the token cache cannot be read: {e}")))
}

fn show_prompt(prompt: &DevicePrompt) {
    eprintln!(
        "To sign in, open {} and enter the code {}",
        prompt.verification_uri(),
        prompt.user_code()
    );
}

/// The emulator starts empty on every run, unlike Azure AD: hands it the
/// tokens an earlier `login` cached (its adopt_* test hooks), so that a run
/// signs in from the cache as a second run against Azure AD does.
fn hand_cached_tokens_to(emulator: &EmulatorHandle, sign_in: &DeviceCode, entry: &StoredToken) {
    let key = sign_in.store_key();
    let scope = key.scopes().join(" ");
    if let Some((token, expires_at)) = entry.access_token()
        && let Ok(left) = expires_at.duration_since(SystemTime::now())
    {
        emulator.adopt_access_token(token.secret(), seed::CLIENT_ID, EMULATOR_USER, &scope, left);
    }
    if let Some(refresh) = entry.refresh_token() {
        emulator.adopt_refresh_token(refresh.expose(), seed::CLIENT_ID, EMULATOR_USER, &scope);
    }
}

async fn start_emulator(port: u16) -> Result<Arc<EmulatorHandle>, Failure> {
    Emulator::builder()
        .port(port)
        .generated(Generated::items(EMULATOR_GENERATED_ITEMS).seed(EMULATOR_GENERATED_SEED))
        .start()
        .await
        .map(Arc::new)
        .map_err(|e| {
            let hint = if port == 0 {
                String::new()
            } else {
                format!(" (set {EMULATOR_PORT_VARIABLE} to a free port)")
            };
            Failure::graph_text(format!(
                "could not start the emulator on port {port}: {e}{hint}"
            ))
        })
}

/// Gets the first token now, so that a sign-in problem is reported (exit 3)
/// before anything is sent. An account the identity platform no longer
/// accepts is dropped by the credential; one more try signs in again when
/// `interactive`.
async fn first_token(sign_in: &DeviceCode, interactive: bool) -> Result<(), Failure> {
    match sign_in.token().await {
        Ok(_) => Ok(()),
        Err(Error::Auth(refused))
            if interactive && refused.kind() == AuthErrorKind::SignInRequired =>
        {
            eprintln!("The cached account is no longer accepted: signing in again.");
            sign_in
                .token()
                .await
                .map(drop)
                .map_err(|e| Failure::sign_in(format!("sign-in failed: {}", describe(&e))))
        }
        Err(e) => Err(Failure::sign_in(format!(
            "sign-in failed: {}{}",
            describe(&e),
            if interactive {
                ""
            } else {
                "; run `graph-share login`"
            }
        ))),
    }
}

/// Connects for a subcommand that sends (invite, link, list, revoke).
pub async fn connect(settings: &Settings) -> Result<Session, Failure> {
    let target = target(settings)?;
    let cache = cache_path(settings.token_cache.as_deref());
    match target {
        Target::Emulator { implicit } => {
            if implicit {
                eprintln!(
                    "note: no credentials set: using an in-process emulator (its changes end with this command; --help says how to reach Microsoft Graph)"
                );
            }
            // After `login` against the emulator, send as that account.
            if let Some(path) = cache.as_deref().filter(|p| p.exists()) {
                let store: Arc<dyn TokenStore> = Arc::new(FileTokenStore::new(path));
                if let Some(sign_in) = device_code(&target, &store)?
                    && let Some(entry) = cached(&sign_in, &*store)?
                {
                    let emulator = start_emulator(emulator_port()?).await?;
                    hand_cached_tokens_to(&emulator, &sign_in, &entry);
                    let decliner = Arc::clone(&emulator);
                    let sign_in = sign_in
                        .authority(emulator.root_url())
                        .on_prompt(move |prompt| {
                            // Not `login`: a sign-in that needs the user fails (exit 3).
                            decliner.decline_device_code(prompt.user_code());
                        });
                    first_token(&sign_in, false).await?;
                    tracing::info!(user = EMULATOR_USER, "sending as the account login cached");
                    let client = build(
                        Client::builder()
                            .base_url(emulator.base_url())
                            .auth(sign_in),
                    )?;
                    return Ok(Session {
                        client,
                        emulator: Some(emulator),
                    });
                }
            }
            let emulator = start_emulator(0).await?;
            let client = build(
                Client::builder()
                    .base_url(emulator.base_url())
                    .auth(StaticToken::new(seed::ACCESS_TOKEN)),
            )?;
            Ok(Session {
                client,
                emulator: Some(emulator),
            })
        }
        Target::Graph => {
            let store = store_at(cache.as_deref());
            if let Some(sign_in) = device_code(&target, &store)?
                && cached(&sign_in, &*store)?.is_some()
            {
                let cloud = delegated_app()?.map_or(Cloud::Global, |(_, _, cloud)| cloud);
                let sign_in = sign_in.on_prompt(show_prompt);
                first_token(&sign_in, false).await?;
                let client = build(graph_builder(cloud)?.auth(sign_in))?;
                return Ok(Session {
                    client,
                    emulator: None,
                });
            }
            let credential = match EnvCredential::from_env() {
                Ok(credential) => credential,
                Err(EnvError::NotSet) => {
                    return Err(Failure::sign_in(
                        "sign-in required: no account is cached; run `graph-share login` (or set an app credential such as GRAPH_CLIENT_SECRET)",
                    ));
                }
                Err(e) => return Err(no_account(&e)?),
            };
            let client = build(graph_builder(credential.cloud())?.auth(credential))?;
            Ok(Session {
                client,
                emulator: None,
            })
        }
    }
}

/// The failure when no cached account and no complete app credential is
/// set: with a public client app configured (`GRAPH_TENANT_ID` +
/// `GRAPH_CLIENT_ID`, the variables `login` uses), what is missing is the
/// sign-in; otherwise the app credential's own message says what is missing.
fn no_account(error: &EnvError) -> Result<Failure, Failure> {
    Ok(if delegated_app()?.is_some() {
        Failure::sign_in(
            "sign-in required: no account is cached for GRAPH_TENANT_ID / GRAPH_CLIENT_ID; run `graph-share login` (or set GRAPH_CLIENT_SECRET to act as the app)",
        )
    } else {
        Failure::sign_in(error.to_string())
    })
}

fn graph_builder(cloud: Cloud) -> Result<graph_core::ClientBuilder, Failure> {
    let mut builder = Client::builder().cloud(cloud);
    if let Some(base) = var("GRAPH_BASE_URL") {
        builder = builder.base_url(base);
    }
    Ok(builder)
}

fn build(builder: graph_core::ClientBuilder) -> Result<Client, Failure> {
    builder
        .build()
        .map_err(|e| Failure::usage(format!("invalid client settings: {}", describe(&e))))
}

/// What `login`, `logout` and `whoami` report.
pub type Facts = Vec<(&'static str, String)>;

fn shown(cache: Option<&Path>) -> String {
    cache.map_or_else(
        || "memory (this run only)".to_owned(),
        |p| p.display().to_string(),
    )
}

/// `login`: the device code flow, the account cached in the token cache.
pub async fn login(settings: &Settings) -> Result<Facts, Failure> {
    let target = target(settings)?;
    let cache = cache_path(settings.token_cache.as_deref());
    let store = store_at(cache.as_deref());
    let Some(sign_in) = device_code(&target, &store)? else {
        return Err(Failure::usage(
            "login against Azure AD needs GRAPH_TENANT_ID and GRAPH_CLIENT_ID (a public client app that allows the device code flow); without credentials it signs in to the emulator",
        ));
    };
    let was_cached = cached(&sign_in, &*store)?.is_some();
    let mut facts: Facts = Vec::new();
    let _emulator = match target {
        Target::Emulator { .. } => {
            let emulator = start_emulator(emulator_port()?).await?;
            if let Some(entry) = cached(&sign_in, &*store)? {
                hand_cached_tokens_to(&emulator, &sign_in, &entry);
            }
            let approver = Arc::clone(&emulator);
            let sign_in = sign_in
                .authority(emulator.root_url())
                .on_prompt(move |prompt| {
                    show_prompt(prompt);
                    // The emulator's test hook stands in for the user's browser.
                    if approver.approve_device_code(prompt.user_code(), EMULATOR_USER) {
                        eprintln!(
                            "The emulator approved the code on {}'s behalf.",
                            seed::ALEX_DISPLAY_NAME
                        );
                    }
                });
            first_token(&sign_in, true).await?;
            facts.push((
                "target",
                format!("in-process emulator at {}", emulator.root_url()),
            ));
            facts.push((
                "account",
                format!("{} <{}>", seed::ALEX_DISPLAY_NAME, EMULATOR_USER),
            ));
            Some(emulator)
        }
        Target::Graph => {
            let sign_in = sign_in.on_prompt(|prompt| {
                show_prompt(prompt);
                eprintln!("Waiting for you to sign in in the browser…");
            });
            first_token(&sign_in, true).await?;
            let key = sign_in.store_key();
            facts.push(("target", format!("Azure AD tenant {}", key.tenant())));
            facts.push(("account", "the account you signed in with".to_owned()));
            None
        }
    };
    facts.push((
        "status",
        if was_cached {
            "signed in from the cached account (no prompt)"
        } else {
            "signed in"
        }
        .to_owned(),
    ));
    facts.push(("token_cache", shown(cache.as_deref())));
    Ok(facts)
}

/// `logout`: forgets the account `login` cached for the target.
pub fn logout(settings: &Settings) -> Result<Facts, Failure> {
    let target = target(settings)?;
    let Some(cache) = cache_path(settings.token_cache.as_deref()) else {
        return Err(Failure::usage(
            "no token cache location to forget an account in: set GRAPH_TOKEN_CACHE (or HOME)",
        ));
    };
    let store: Arc<dyn TokenStore> = Arc::new(FileTokenStore::new(&cache));
    let Some(sign_in) = device_code(&target, &store)? else {
        return Ok(vec![(
            "status",
            "no account to forget: login is not configured (GRAPH_TENANT_ID and GRAPH_CLIENT_ID are not set)".to_owned(),
        )]);
    };
    let was_cached = cached(&sign_in, &*store)?.is_some();
    sign_in
        .sign_out()
        .map_err(|e| Failure::sign_in(format!("could not forget the account: {}", describe(&e))))?;
    Ok(vec![
        (
            "status",
            if was_cached {
                "signed out: the cached account is forgotten"
            } else {
                "no account was cached"
            }
            .to_owned(),
        ),
        ("token_cache", cache.display().to_string()),
    ])
}

/// `whoami`: which credential a sending subcommand would use, for whom.
/// Reads the cache and the environment only; sends nothing, and never shows
/// a token.
pub fn whoami(settings: &Settings) -> Result<Facts, Failure> {
    let target = target(settings)?;
    let cache = cache_path(settings.token_cache.as_deref());
    let store: Arc<dyn TokenStore> = match cache.as_deref() {
        Some(path) => Arc::new(FileTokenStore::new(path)),
        None => Arc::new(MemoryTokenStore::new()),
    };
    let mut facts: Facts = Vec::new();
    let entry = match device_code(&target, &store)? {
        Some(sign_in) => cached(&sign_in, &*store)?.map(|entry| (sign_in.store_key(), entry)),
        None => None,
    };
    match (&target, entry) {
        (Target::Emulator { implicit }, entry) => {
            facts.push((
                "target",
                if *implicit {
                    "in-process emulator (no credentials set)"
                } else {
                    "in-process emulator (--emulator)"
                }
                .to_owned(),
            ));
            match entry {
                Some((_, entry)) => {
                    facts.push((
                        "credential",
                        "delegated: the account `login` cached".to_owned(),
                    ));
                    facts.push((
                        "account",
                        format!("{} <{}>", seed::ALEX_DISPLAY_NAME, EMULATOR_USER),
                    ));
                    facts.extend(token_facts(&entry));
                }
                None => {
                    facts.push((
                        "credential",
                        "the emulator's seeded delegated token".to_owned(),
                    ));
                    facts.push((
                        "account",
                        format!("{} <{}>", seed::ME_DISPLAY_NAME, seed::ME_EMAIL),
                    ));
                }
            }
        }
        (Target::Graph, Some((key, entry))) => {
            facts.push(("target", "Microsoft Graph".to_owned()));
            facts.push((
                "credential",
                "delegated: the account `login` cached".to_owned(),
            ));
            facts.push(("tenant", key.tenant().to_owned()));
            facts.push(("client_id", key.client_id().to_owned()));
            facts.push(("scopes", key.scopes().join(" ")));
            facts.extend(token_facts(&entry));
        }
        (Target::Graph, None) => {
            facts.push(("target", "Microsoft Graph".to_owned()));
            match EnvCredential::from_env() {
                Ok(credential) => {
                    let chosen_by = credential.chosen_by();
                    // A given token may be delegated or app-only: only Azure AD knows.
                    let kind = if chosen_by.contains("ACCESS_TOKEN") {
                        "a given access token"
                    } else {
                        "app-only"
                    };
                    facts.push(("credential", format!("{kind}: chosen by {chosen_by}")));
                }
                Err(EnvError::NotSet) => {
                    return Err(Failure::sign_in(
                        "sign-in required: no account is cached; run `graph-share login`",
                    ));
                }
                Err(e) => return Err(no_account(&e)?),
            }
        }
    }
    facts.push(("token_cache", shown(cache.as_deref())));
    Ok(facts)
}

fn token_facts(entry: &StoredToken) -> Facts {
    let mut facts = Facts::new();
    match entry.access_token() {
        Some((_, until)) => {
            let until = OffsetDateTime::from(until)
                .format(&Rfc3339)
                .unwrap_or_else(|_| "?".to_owned());
            facts.push(("access_token", format!("cached, valid until {until}")));
        }
        None => facts.push(("access_token", "none cached".to_owned())),
    }
    facts.push((
        "refresh_token",
        if entry.refresh_token().is_some() {
            "cached"
        } else {
            "none"
        }
        .to_owned(),
    ));
    facts
}
