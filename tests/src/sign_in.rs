//! Delegated sign-in against the emulator: a [`DeviceCode`] pointed at it,
//! the user codes it prompted with, and what the emulator's log says about
//! polls and refreshes.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use graph_core::Client;
use graph_core::auth::{DeviceCode, DevicePrompt, TokenProvider};
use graph_emulator::{EmulatorHandle, LoggedRequest, seed};

use crate::Setup;
use crate::log::token_requests;

/// The delegated scope the sign-in tests ask for.
pub const FILES_SCOPE: &str = "https://graph.microsoft.com/Files.ReadWrite.All";

/// The user codes a [`DeviceCode`] prompted with, in order.
#[derive(Clone, Default, Debug)]
pub struct Prompts(Arc<Mutex<Vec<String>>>);

impl Prompts {
    /// The user codes so far.
    pub fn codes(&self) -> Vec<String> {
        self.0.lock().expect("not poisoned").clone()
    }

    /// The last user code.
    pub fn last(&self) -> Option<String> {
        self.codes().pop()
    }

    fn push(&self, prompt: &DevicePrompt) {
        self.0
            .lock()
            .expect("not poisoned")
            .push(prompt.user_code().to_owned());
    }
}

/// A device code sign-in to the seed's app, at `emulator`, for
/// [`FILES_SCOPE`], under account `account`; each prompt is recorded in
/// the returned [`Prompts`] and then handed to `then` (approve, decline…).
pub fn device_code(
    emulator: &EmulatorHandle,
    account: &str,
    then: impl Fn(&DevicePrompt) + Send + Sync + 'static,
) -> (DeviceCode, Prompts) {
    device_code_for(emulator, [FILES_SCOPE], account, then)
}

/// [`device_code`] asking for `scopes` instead of [`FILES_SCOPE`].
pub fn device_code_for<S: Into<String>>(
    emulator: &EmulatorHandle,
    scopes: impl IntoIterator<Item = S>,
    account: &str,
    then: impl Fn(&DevicePrompt) + Send + Sync + 'static,
) -> (DeviceCode, Prompts) {
    let prompts = Prompts::default();
    let seen = prompts.clone();
    let sign_in = DeviceCode::new(seed::TENANT_ID, seed::CLIENT_ID)
        .authority(emulator.root_url())
        .scopes(scopes)
        .account(account)
        .on_prompt(move |prompt| {
            seen.push(prompt);
            then(prompt);
        });
    (sign_in, prompts)
}

/// A prompt callback that approves each code at once as `user`.
pub fn approve_as(
    emulator: &Arc<EmulatorHandle>,
    user: &'static str,
) -> impl Fn(&DevicePrompt) + Send + Sync + 'static {
    let emulator = Arc::clone(emulator);
    move |prompt| assert!(emulator.approve_device_code(prompt.user_code(), user))
}

/// A client of `emulator` that gets its tokens from `provider`.
pub fn signed_in_client(emulator: &EmulatorHandle, provider: Arc<dyn TokenProvider>) -> Client {
    Client::builder()
        .base_url(emulator.base_url())
        .shared_auth(provider)
        .build()
        .expect("client builds")
}

/// Token requests with the device code grant (polls), in order.
pub fn device_polls(emulator: &EmulatorHandle) -> Vec<LoggedRequest> {
    token_requests(emulator)
        .into_iter()
        .filter(|r| r.path.ends_with("/token") && r.body.contains("device_code"))
        .collect()
}

/// Token requests with the `refresh_token` grant, in order.
pub fn refreshes(emulator: &EmulatorHandle) -> Vec<LoggedRequest> {
    token_requests(emulator)
        .into_iter()
        .filter(|r| r.body.contains("grant_type=refresh_token"))
        .collect()
}

/// Requests to the `/devicecode` endpoint (sign-ins started), in order.
pub fn sign_ins_started(emulator: &EmulatorHandle) -> Vec<LoggedRequest> {
    token_requests(emulator)
        .into_iter()
        .filter(|r| r.path.ends_with("/devicecode"))
        .collect()
}

/// A new, empty directory for a test's token store; removed by the test.
pub fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "graph-sign-in-{name}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Approves the last prompted code as `user` once the app has polled
/// `polls` times (checked every half second on the test's clock).
pub fn approve_after_polls(
    emulator: &Arc<EmulatorHandle>,
    prompts: &Prompts,
    polls: usize,
    user: &'static str,
) -> tokio::task::JoinHandle<()> {
    let (emulator, prompts) = (Arc::clone(emulator), prompts.clone());
    tokio::spawn(async move {
        loop {
            if let Some(code) = prompts.last()
                && device_polls(&emulator).len() >= polls
            {
                assert!(emulator.approve_device_code(&code, user));
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    })
}

/// A default emulator, shared by the sign-in tests' callbacks.
pub async fn emulator() -> Arc<EmulatorHandle> {
    Arc::new(Setup::new().start().await.0)
}

/// The kind of an [`Error::Auth`](graph_core::Error::Auth); any other error
/// fails the test.
pub fn auth_kind(err: &graph_core::Error) -> graph_core::AuthErrorKind {
    match err {
        graph_core::Error::Auth(auth) => auth.kind(),
        other => panic!("expected Error::Auth, got {other:?}"),
    }
}
