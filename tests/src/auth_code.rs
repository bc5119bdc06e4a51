//! Authorization code sign-in against the emulator: an [`AuthorizationCode`]
//! pointed at it, the authorize URLs it handed out, and a browser that
//! follows them (the authorize request, then its redirect to the loopback
//! listener) on a task of its own.

use std::sync::{Arc, Mutex};

use graph_core::auth::{AuthorizationCode, AuthorizePrompt};
use graph_emulator::{EmulatorHandle, LoggedRequest, seed};

use crate::log::token_requests;
use crate::sign_in::FILES_SCOPE;

/// The authorize URLs an [`AuthorizationCode`] handed out, in order.
#[derive(Clone, Default, Debug)]
pub struct Urls(Arc<Mutex<Vec<AuthorizePrompt>>>);

impl Urls {
    /// The prompts so far.
    pub fn prompts(&self) -> Vec<AuthorizePrompt> {
        self.0.lock().expect("not poisoned").clone()
    }

    /// How many sign-ins were started.
    pub fn count(&self) -> usize {
        self.prompts().len()
    }
}

/// An authorization code sign-in to the seed's app, at `emulator`, for
/// [`FILES_SCOPE`], under account `account`; each prompt is recorded in
/// the returned [`Urls`] and then handed to `then` (a browser…).
pub fn auth_code(
    emulator: &EmulatorHandle,
    account: &str,
    then: impl Fn(&AuthorizePrompt) + Send + Sync + 'static,
) -> (AuthorizationCode, Urls) {
    let urls = Urls::default();
    let seen = urls.clone();
    let sign_in = AuthorizationCode::new(seed::TENANT_ID, seed::CLIENT_ID)
        .authority(emulator.root_url())
        .scopes([FILES_SCOPE])
        .account(account)
        .on_authorize(move |prompt| {
            seen.0.lock().expect("not poisoned").push(prompt.clone());
            then(prompt);
        });
    (sign_in, urls)
}

/// What the browser saw: the authorize endpoint's answer and, when it
/// redirected, the loopback listener's.
#[derive(Debug, Clone)]
pub struct Visit {
    /// The authorize endpoint's status.
    pub authorize_status: u16,
    /// Where it redirected, if it did.
    pub location: Option<String>,
    /// The loopback listener's status, when the browser got there.
    pub loopback_status: Option<u16>,
    /// The loopback listener's page.
    pub loopback_page: Option<String>,
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a browser")
}

/// GETs `url` and answers its status and page.
pub async fn get(url: &str) -> (u16, String) {
    let answer = browser().get(url).send().await.expect("an answer");
    let status = answer.status().as_u16();
    (status, answer.text().await.unwrap_or_default())
}

/// Follows `url` as a browser does: the authorize request, then (after
/// `between`, e.g. expiring the code) its redirect to the loopback listener.
pub async fn visit(url: &str, between: impl FnOnce()) -> Visit {
    let answer = browser()
        .get(url)
        .send()
        .await
        .expect("the emulator answers");
    let location = answer
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    let mut visit = Visit {
        authorize_status: answer.status().as_u16(),
        location: location.clone(),
        loopback_status: None,
        loopback_page: None,
    };
    if let Some(location) = location {
        between();
        let (status, page) = get(&location).await;
        visit.loopback_status = Some(status);
        visit.loopback_page = Some(page);
    }
    visit
}

/// A prompt callback: `user` signs in at once (the emulator's hook), and a
/// browser task follows the URL; each visit is sent to the returned list.
pub fn browser_as(
    emulator: &Arc<EmulatorHandle>,
    user: &'static str,
) -> (
    impl Fn(&AuthorizePrompt) + Send + Sync + 'static,
    Arc<Mutex<Vec<Visit>>>,
) {
    let visits = Arc::new(Mutex::new(Vec::new()));
    let (emulator, seen) = (Arc::clone(emulator), Arc::clone(&visits));
    let callback = move |prompt: &AuthorizePrompt| {
        assert!(emulator.sign_in_next_authorize_as(user));
        let (url, seen) = (prompt.url().to_owned(), Arc::clone(&seen));
        tokio::spawn(async move {
            let visit = visit(&url, || {}).await;
            seen.lock().expect("not poisoned").push(visit);
        });
    };
    (callback, visits)
}

/// Requests to the authorize endpoint (sign-ins the browser started), in order.
pub fn authorize_requests(emulator: &EmulatorHandle) -> Vec<LoggedRequest> {
    token_requests(emulator)
        .into_iter()
        .filter(|r| r.path.ends_with("/authorize"))
        .collect()
}

/// Token requests with the `authorization_code` grant, in order.
pub fn code_redemptions(emulator: &EmulatorHandle) -> Vec<LoggedRequest> {
    token_requests(emulator)
        .into_iter()
        .filter(|r| r.body.contains("grant_type=authorization_code"))
        .collect()
}

/// The value of `name` in `url`'s query.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}
