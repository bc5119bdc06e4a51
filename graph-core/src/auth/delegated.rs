//! What every delegated sign-in shares once a user has signed in: the
//! tenant, app, account and scopes it is for, refresh tokens with rotation,
//! the [`TokenStore`] that remembers them, and the one [`TokenCache`]. A
//! flow ([`DeviceCode`](super::DeviceCode),
//! [`AuthorizationCode`](super::AuthorizationCode)) brings only its
//! interactive sign-in.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::SystemTime;

use super::AccessToken;
use super::cache::{MAX_REFRESH_MARGIN, TokenCache};
use super::cloud_choice::CloudChoice;
use super::form_post::{FormAnswer, post_form};
use super::store::{MemoryTokenStore, StoreKey, StoredToken, TokenStore};
use super::token_answer::{self, IssuedToken};
use super::token_request::token_client;
use crate::client::cloud::checked_base_url;
use crate::{AuthError, AuthErrorKind, Error, Secret};

/// The scope that asks for a refresh token ("Scopes and permissions in the
/// Microsoft identity platform": `offline_access`; the device code doc:
/// `refresh_token` is "issued if the original scope parameter included
/// `offline_access`").
const OFFLINE_ACCESS: &str = "offline_access";

/// A signed-in user's session with one app: its settings (set through the
/// flow's setters), and the tokens it got.
pub(crate) struct Delegated {
    pub(crate) tenant: String,
    pub(crate) client_id: String,
    pub(crate) cloud: CloudChoice,
    pub(crate) authority: Option<String>,
    pub(crate) scopes: Option<Vec<String>>,
    pub(crate) account: String,
    pub(crate) store: Arc<dyn TokenStore>,
    pub(crate) http: Option<reqwest::Client>,
    /// Set once the first fetch has looked for a stored access token: later
    /// fetches come when the cached one is due or rejected, and refresh.
    restored: AtomicBool,
    /// The newest entry this credential got, once it got one: it is used
    /// rather than the store's, so a store that failed to save (a full disk)
    /// does not make it use a refresh token already rotated away.
    latest: Mutex<Option<StoredToken>>,
    /// The [`authority`](Self::authority) check's verdict (a message when
    /// refused), made once rather than per request.
    authority_refused: OnceLock<Option<String>>,
    cache: TokenCache,
}

impl Delegated {
    /// A session with `client_id` of `tenant`, for the global cloud and
    /// Graph's `/.default` scope, with an in-memory store and account `default`.
    pub(crate) fn new(tenant: String, client_id: String) -> Self {
        Self {
            tenant,
            client_id,
            cloud: CloudChoice::default(),
            authority: None,
            scopes: None,
            account: "default".to_owned(),
            store: Arc::new(MemoryTokenStore::new()),
            http: token_client(),
            restored: AtomicBool::new(false),
            latest: Mutex::new(None),
            authority_refused: OnceLock::new(),
            cache: TokenCache::new(),
        }
    }

    pub(crate) fn authority_root(&self) -> &str {
        self.authority
            .as_deref()
            .unwrap_or_else(|| self.cloud.current().login_authority())
            .trim_end_matches('/')
    }

    /// `{authority}/{tenant}/oauth2/v2.0/{endpoint}`.
    pub(crate) fn endpoint_url(&self, endpoint: &str) -> String {
        format!(
            "{}/{}/oauth2/v2.0/{endpoint}",
            self.authority_root(),
            self.tenant
        )
    }

    /// Where tokens are requested.
    pub(crate) fn token_url(&self) -> String {
        self.endpoint_url("token")
    }

    /// The scopes sent: those set (or the cloud's `/.default`), plus `offline_access`.
    pub(crate) fn scope_list(&self) -> Vec<String> {
        let mut scopes = self
            .scopes
            .clone()
            .unwrap_or_else(|| vec![self.cloud.current().default_scope()]);
        if !scopes
            .iter()
            .any(|s| s.eq_ignore_ascii_case(OFFLINE_ACCESS))
        {
            scopes.push(OFFLINE_ACCESS.to_owned());
        }
        scopes
    }

    /// The store entry of this account: at this authority, tenant, app,
    /// account and scopes.
    pub(crate) fn store_key(&self) -> StoreKey {
        StoreKey::new(
            &*self.tenant,
            &*self.client_id,
            &*self.account,
            self.scope_list(),
        )
        .with_authority(self.authority_root())
    }

    /// Forgets the account: drops its cached and stored tokens.
    pub(crate) fn sign_out(&self) -> Result<(), Error> {
        self.forget();
        self.cache.clear();
        self.store
            .remove(&self.store_key())
            .map_err(|e| Error::Auth(Box::new(e.into_auth())))
    }

    fn latest(&self) -> MutexGuard<'_, Option<StoredToken>> {
        // Nothing panics while it is held.
        self.latest.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// From now on, this credential has no tokens, whatever the store holds.
    fn forget(&self) {
        *self.latest() = Some(StoredToken::default());
    }

    /// A token for the provider's `token()`: the cached one, else one
    /// fetched (stored, refreshed, or from `sign_in`) by one caller while
    /// the others wait for its result. An [`authority`](Self::authority)
    /// that is not `https` (or `http` on loopback) fails with
    /// [`Error::Config`] before anything is sent.
    pub(crate) async fn token<F, Fut>(&self, sign_in: F) -> Result<AccessToken, Error>
    where
        F: FnOnce(StoreKey) -> Fut,
        Fut: Future<Output = Result<IssuedToken, Box<AuthError>>>,
    {
        let refused = self.authority_refused.get_or_init(|| {
            let authority = self.authority.as_deref()?;
            match checked_base_url(authority) {
                Ok(_) => None,
                Err(Error::Config(message)) => Some(message),
                Err(other) => Some(other.to_string()),
            }
        });
        if let Some(message) = refused {
            return Err(Error::Config(message.clone()));
        }
        self.cache.get(|| self.fetch(sign_in)).await
    }

    /// Graph rejected `token`: the next request refreshes.
    pub(crate) fn invalidate(&self, token: &AccessToken) {
        self.cache.invalidate(token);
    }

    async fn fetch<F, Fut>(&self, sign_in: F) -> Result<IssuedToken, Box<AuthError>>
    where
        F: FnOnce(StoreKey) -> Fut,
        Fut: Future<Output = Result<IssuedToken, Box<AuthError>>>,
    {
        // From the first token request on, the cloud (and so the store key,
        // the authority and the scopes) is fixed.
        self.cloud.decide();
        let key = self.store_key();
        let latest = self.latest().clone();
        let stored = match latest {
            Some(entry) => Some(entry),
            None => self.store.load(&key).map_err(|e| Box::new(e.into_auth()))?,
        };
        let first = !self.restored.swap(true, Ordering::SeqCst);
        if let Some(entry) = stored {
            if first && let Some(issued) = still_fresh(&entry) {
                return Ok(issued);
            }
            if let Some(refresh) = entry.refresh_token() {
                return self.refresh(&key, refresh).await;
            }
        }
        sign_in(key).await
    }

    /// The `refresh_token` grant ("Microsoft identity platform and OAuth 2.0
    /// authorization code flow": "Refresh the access token"; RFC 6749 §6).
    async fn refresh(
        &self,
        key: &StoreKey,
        refresh: &Secret,
    ) -> Result<IssuedToken, Box<AuthError>> {
        let scope = self.scope_list().join(" ");
        let sent_at = SystemTime::now();
        let answer = post_form(
            self.http.as_ref(),
            &self.token_url(),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &self.client_id),
                ("refresh_token", refresh.expose()),
                ("scope", &scope),
            ],
        )
        .await?;
        if !answer.is_success() {
            let refused = answer.refused_without(refresh.expose());
            // RFC 6749 §5.2: `invalid_grant` means the refresh token "is
            // invalid, expired, revoked"; "Microsoft identity platform and
            // OAuth 2.0 authorization code flow" (error codes):
            // `interaction_required`, "the request requires user
            // interaction" (multifactor authentication, say). Either way
            // only a new sign-in helps.
            if matches!(
                refused.code(),
                Some("invalid_grant" | "interaction_required")
            ) {
                self.forget();
                if let Err(problem) = self.store.remove(key) {
                    // Forgotten in memory all the same; the sign-in-again
                    // error is what the caller needs to hear.
                    tracing::warn!(%problem, "could not remove a refused refresh token from the token store");
                }
                return Err(Box::new(AuthError::ended(
                    AuthErrorKind::SignInRequired,
                    Some(refused),
                )));
            }
            return Err(Box::new(refused));
        }
        self.keep(key, &answer, sent_at, Some(refresh))
    }

    /// The token answer, kept: its refresh token replaces the last one
    /// (rotation); an answer without one keeps `previous`. A store that
    /// cannot save is reported in a warning (which names the file, never a
    /// value) and the token is still used: the identity platform has issued
    /// it, and may have retired `previous`.
    pub(crate) fn keep(
        &self,
        key: &StoreKey,
        answer: &FormAnswer,
        sent_at: SystemTime,
        previous: Option<&Secret>,
    ) -> Result<IssuedToken, Box<AuthError>> {
        let issued = token_answer::parse(answer.meta(), &answer.body)?;
        let refresh = token_answer::refresh_token(&answer.body).or_else(|| previous.cloned());
        let expires_at = sent_at.checked_add(issued.lifetime).unwrap_or(sent_at);
        let entry = StoredToken::new(refresh, Some((issued.token.clone(), expires_at)));
        *self.latest() = Some(entry.clone());
        if let Err(problem) = self.store.save(key, &entry) {
            tracing::warn!(%problem, "could not save the signed-in account's tokens; it will not be remembered");
        }
        Ok(issued)
    }

    /// The fields a flow's `Debug` shows: none holds a secret.
    pub(crate) fn debug_fields<'s, 'a, 'b>(
        &self,
        f: &'s mut fmt::DebugStruct<'a, 'b>,
    ) -> &'s mut fmt::DebugStruct<'a, 'b> {
        f.field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("authority", &self.authority_root())
            .field("scopes", &self.scope_list())
            .field("account", &self.account)
            .field("store", &self.store)
    }
}

/// A stored access token good for a while yet (past the refresh margin), as
/// the token to use; `None` when it is missing, due, or dated in the future
/// beyond a day (a clock set back).
fn still_fresh(entry: &StoredToken) -> Option<IssuedToken> {
    let (token, expires_at) = entry.access_token()?;
    let left = expires_at.duration_since(SystemTime::now()).ok()?;
    (left > MAX_REFRESH_MARGIN && left <= token_answer::MAX_LIFETIME).then(|| IssuedToken {
        token: token.clone(),
        lifetime: left,
    })
}
