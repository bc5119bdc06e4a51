//! Delegated sign-in with the authorization code grant and PKCE (RFC 6749
//! §4.1, RFC 7636 with `S256`) through a loopback redirect (RFC 8252 §7.3),
//! as "Microsoft identity platform and OAuth 2.0 authorization code flow"
//! describes it for desktop apps; kept alive by refresh tokens with
//! rotation and remembered by a [`TokenStore`], as [`DeviceCode`](super::DeviceCode) is.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::delegated::Delegated;
use super::form_post::post_form;
use super::loopback::{Loopback, Redirected};
use super::store::{StoreKey, TokenStore};
use super::token_answer::IssuedToken;
use super::{AccessToken, BoxFuture, TokenProvider};
use crate::request::redacted_url;
use crate::{AuthError, AuthErrorKind, Cloud, Error, Secret};

/// How long the user has to sign in in the browser, unless
/// [`timeout`](AuthorizationCode::timeout) says otherwise: time to type a
/// password and pass a second factor, well within the code's own life
/// ("authorization codes are short lived … they expire after about 10
/// minutes", the authorization code flow doc).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Random bytes in a code verifier: RFC 7636 §4.1 recommends a 32-octet
/// sequence, base64url-encoded into 43 characters of the unreserved set
/// (its length must be 43 to 128).
const VERIFIER_BYTES: usize = 32;

/// Random bytes in a `state` (RFC 6749 §10.12: a value an attacker cannot guess).
const STATE_BYTES: usize = 24;

/// What the user needs to sign in: the authorize URL to open in a browser.
/// Handed to the callback of [`AuthorizationCode::on_authorize`]. Its
/// `Debug` shows the URL with its query redacted (it holds the `state`).
#[derive(Clone)]
pub struct AuthorizePrompt {
    url: String,
    redirect_uri: String,
}

impl AuthorizePrompt {
    /// The URL to open in the user's browser (the identity platform's
    /// sign-in page, with this sign-in's parameters).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the browser comes back when the user is done: the loopback
    /// listener (`http://127.0.0.1:{port}`).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }
}

impl fmt::Debug for AuthorizePrompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizePrompt")
            .field("url", &redacted_url(&self.url))
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

type OnAuthorize = Arc<dyn Fn(&AuthorizePrompt) + Send + Sync>;

/// Delegated tokens for a user who signs in in a browser on this machine:
/// the authorization code grant with PKCE (`S256`) and a loopback redirect
/// ("Microsoft identity platform and OAuth 2.0 authorization code flow").
///
/// The first token request listens on `127.0.0.1` (a port the system picks,
/// or [`redirect_port`](Self::redirect_port)), makes a PKCE code verifier
/// and a `state` from the system's secure random numbers, and hands the
/// authorize URL to the [`on_authorize`](Self::on_authorize) callback:
/// open it in a browser (this credential never opens one itself). It then
/// waits, at most [`timeout`](Self::timeout) (default five minutes, on
/// tokio's clock), for the browser to come back with a code, answers it a
/// short page, and redeems the code with its verifier. A user who declines
/// ends the sign-in with [`AuthErrorKind::Declined`]; another error of the
/// authorize endpoint with [`AuthErrorKind::Refused`] (its `error` and
/// `error_description` kept); nobody coming back in time with
/// [`AuthErrorKind::Expired`]. A redirect whose `state` is not this
/// sign-in's is refused and waiting goes on (RFC 6749 §10.12).
///
/// After that it behaves as [`DeviceCode`](super::DeviceCode) does: the
/// access token is cached, refreshed with the `refresh_token` grant when
/// due (each new refresh token replacing the last), and a refresh token no
/// longer accepted (`invalid_grant`, or `interaction_required`) is dropped and reported as
/// [`AuthErrorKind::SignInRequired`], the next token request signing in
/// again. Tokens are kept in a [`TokenStore`] under the tenant, the app, the
/// [`account`](Self::account) and the scopes. Requests waiting for a token
/// share one sign-in.
///
/// Register `http://localhost` or `http://127.0.0.1` as a redirect URI of
/// the app ("Mobile and desktop applications" platform): Microsoft matches
/// loopback redirect URIs whatever their port ("Redirect URI (reply URL)
/// outline and restrictions", localhost exceptions; RFC 8252 §7.3).
///
/// Neither the code, the verifier, the `state`, the redirect's query nor any
/// token is shown in `Debug`, logs or errors.
///
/// ```
/// use std::sync::Arc;
/// use graph_core::auth::{AuthorizationCode, MemoryTokenStore};
///
/// let sign_in = AuthorizationCode::new("contoso.onmicrosoft.com", "app-id")
///     .scopes(["https://graph.microsoft.com/Files.ReadWrite.All"])
///     .account("megan@contoso.com")
///     .token_store(Arc::new(MemoryTokenStore::new()))
///     .on_authorize(|prompt| eprintln!("open {} in your browser", prompt.url()));
/// assert_eq!(
///     sign_in.authorize_url(),
///     "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
/// );
/// // Building the client sends nothing: the first request signs in.
/// let client = graph_core::Client::builder().auth(sign_in).build()?;
/// # let _ = client;
/// # Ok::<(), graph_core::Error>(())
/// ```
pub struct AuthorizationCode {
    session: Delegated,
    on_authorize: Option<OnAuthorize>,
    port: u16,
    timeout: Duration,
    login_hint: Option<String>,
    prompt: Option<String>,
}

impl AuthorizationCode {
    /// Sign-in to app `client_id` (a public client) of `tenant` (an id, a
    /// domain, or `organizations`), for the global cloud and Graph's
    /// `/.default` scope, with an in-memory store and account `default`.
    pub fn new(tenant: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            session: Delegated::new(tenant.into(), client_id.into()),
            on_authorize: None,
            port: 0,
            timeout: DEFAULT_TIMEOUT,
            login_hint: None,
            prompt: None,
        }
    }

    /// Uses `cloud`'s authority and, unless [`scopes`](Self::scopes) are set,
    /// its Graph `/.default` scope. Unset, the sign-in follows the cloud of
    /// the [`Client`](crate::Client) it is given to
    /// ([`TokenProvider::settle_cloud`]), else [`Cloud::Global`].
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.session.cloud.set(cloud);
        self
    }

    /// Sends sign-in requests to another authority root (a test server, the
    /// emulator). It must be `https`, or `http` on a loopback host; that is
    /// checked at the first token request, which fails with
    /// [`Error::Config`] otherwise.
    pub fn authority(mut self, authority: impl Into<String>) -> Self {
        self.session.authority = Some(authority.into());
        self
    }

    /// The delegated scopes to ask for (such as
    /// `https://graph.microsoft.com/Files.ReadWrite.All`). `offline_access`
    /// is added, so that a refresh token is issued.
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.session.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// The name the account's tokens are stored under (default `default`):
    /// pick one per user, such as the sign-in name.
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.session.account = account.into();
        self
    }

    /// Called with the authorize URL each time a sign-in starts: open it in
    /// the user's browser (or show it). Without it, nobody can sign in and
    /// the sign-in ends at its [`timeout`](Self::timeout).
    pub fn on_authorize(
        mut self,
        on_authorize: impl Fn(&AuthorizePrompt) + Send + Sync + 'static,
    ) -> Self {
        self.on_authorize = Some(Arc::new(on_authorize));
        self
    }

    /// Listens for the redirect on this port of `127.0.0.1` rather than one
    /// the system picks (`0`, the default).
    pub fn redirect_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long to wait for the browser to come back (default five minutes).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Pre-fills the sign-in page with this user's sign-in name (`login_hint`).
    pub fn login_hint(mut self, login_hint: impl Into<String>) -> Self {
        self.login_hint = Some(login_hint.into());
        self
    }

    /// The `prompt` parameter (`login`, `consent`, `select_account`, `none`),
    /// sent as given.
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// Keeps tokens in `store` (default: a [`MemoryTokenStore`] of its own).
    ///
    /// [`MemoryTokenStore`]: super::MemoryTokenStore
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.session.store = store;
        self
    }

    /// Uses `http` for token requests (build it with
    /// `reqwest::redirect::Policy::none()` and a timeout, as for
    /// [`ClientCredentialsBuilder::http_client`](super::ClientCredentialsBuilder::http_client)).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.session.http = Some(http);
        self
    }

    /// The authorize endpoint, without the sign-in's parameters.
    pub fn authorize_url(&self) -> String {
        self.session.endpoint_url("authorize")
    }

    /// Where tokens are requested.
    pub fn token_url(&self) -> String {
        self.session.token_url()
    }

    /// The store entry of this account.
    pub fn store_key(&self) -> StoreKey {
        self.session.store_key()
    }

    /// Forgets the account: drops its cached and stored tokens, so that the
    /// next token request signs in again. Fails only when the store cannot
    /// remove the entry; the tokens are forgotten in memory even then.
    pub fn sign_out(&self) -> Result<(), Error> {
        self.session.sign_out()
    }

    /// The authorize request's URL ("Request an authorization code"): pure,
    /// for one sign-in's redirect URI, `state` and PKCE challenge.
    fn sign_in_url(&self, redirect_uri: &str, state: &str, challenge: &str) -> Option<String> {
        let mut url = reqwest::Url::parse(&self.authorize_url()).ok()?;
        let scope = self.session.scope_list().join(" ");
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &self.session.client_id)
                .append_pair("response_type", "code")
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("response_mode", "query")
                .append_pair("scope", &scope)
                .append_pair("state", state)
                .append_pair("code_challenge", challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(hint) = &self.login_hint {
                query.append_pair("login_hint", hint);
            }
            if let Some(prompt) = &self.prompt {
                query.append_pair("prompt", prompt);
            }
        }
        Some(url.into())
    }

    /// Listen, prompt, wait for the redirect, redeem the code.
    async fn sign_in(&self, key: StoreKey) -> Result<IssuedToken, Box<AuthError>> {
        let failed = |kind, why: String| Box::new(AuthError::ended_at_redirect(kind, why, None));
        let pkce = Pkce::new().ok_or_else(|| {
            failed(
                AuthErrorKind::Unreachable,
                "the system's secure random number generator failed".to_owned(),
            )
        })?;
        let loopback = Loopback::bind(self.port).await.map_err(|problem| {
            failed(
                AuthErrorKind::Unreachable,
                format!(
                    "could not listen on 127.0.0.1:{} for the sign-in's redirect: {problem}",
                    self.port
                ),
            )
        })?;
        let redirect_uri = loopback.redirect_uri().to_owned();
        let url = self
            .sign_in_url(&redirect_uri, pkce.state.expose(), &pkce.challenge)
            .ok_or_else(|| {
                failed(
                    AuthErrorKind::Refused,
                    "the authorize URL is not a URL".to_owned(),
                )
            })?;
        if let Some(show) = &self.on_authorize {
            show(&AuthorizePrompt {
                url,
                redirect_uri: redirect_uri.clone(),
            });
        }
        let code = match loopback.wait(&pkce.state, self.timeout).await {
            Ok(Redirected::Code(code)) => code,
            Ok(Redirected::Error { error, description }) => {
                return Err(Box::new(redirect_error(&error, description.as_deref())));
            }
            Err(timed_out) => {
                let mut why = format!(
                    "nobody came back to the sign-in's loopback redirect within {} s",
                    self.timeout.as_secs()
                );
                if timed_out.refused > 0 {
                    why.push_str(&format!(
                        " ({} answer(s) with another state, or without a code, were refused)",
                        timed_out.refused
                    ));
                }
                why.push_str("; start the sign-in again");
                return Err(failed(AuthErrorKind::Expired, why));
            }
        };
        // "Redeem a code for an access token": the same redirect URI, and the
        // verifier the challenge was made from (RFC 7636 §4.5).
        let scope = self.session.scope_list().join(" ");
        let sent_at = SystemTime::now();
        let answer = post_form(
            self.session.http.as_ref(),
            &self.session.token_url(),
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &self.session.client_id),
                ("code", code.expose()),
                ("redirect_uri", &redirect_uri),
                ("code_verifier", pkce.verifier.expose()),
                ("scope", &scope),
            ],
        )
        .await?;
        if !answer.is_success() {
            return Err(Box::new(answer.refused_without_any(&[
                code.expose(),
                pkce.verifier.expose(),
                pkce.state.expose(),
            ])));
        }
        self.session.keep(&key, &answer, sent_at, None)
    }
}

/// The authorize endpoint's error redirect as a typed error: `access_denied`
/// ("the resource owner … denied the request", RFC 6749 §4.1.2.1; the
/// Microsoft doc's "Error codes for authorization endpoint errors": the
/// user declined consent) is [`AuthErrorKind::Declined`], as a declined
/// device code is; any other is [`AuthErrorKind::Refused`].
fn redirect_error(error: &str, description: Option<&str>) -> AuthError {
    let body = serde_json::json!({ "error": error, "error_description": description });
    let body = body.to_string();
    if error == "access_denied" {
        return AuthError::ended_at_redirect(
            AuthErrorKind::Declined,
            "the user declined the sign-in".to_owned(),
            Some(body.as_bytes()),
        );
    }
    AuthError::ended_at_redirect(
        AuthErrorKind::Refused,
        "the authorize endpoint refused the sign-in".to_owned(),
        Some(body.as_bytes()),
    )
}

/// One sign-in's secrets: the PKCE code verifier and its `S256` challenge
/// (RFC 7636 §4.1–4.2), and the `state` (RFC 6749 §10.12), from the
/// system's secure random numbers (aws-lc-rs, as rustls uses).
struct Pkce {
    verifier: Secret,
    challenge: String,
    state: Secret,
}

impl Pkce {
    fn new() -> Option<Self> {
        let verifier = random_text(VERIFIER_BYTES)?;
        let challenge = challenge_s256(&verifier);
        Some(Self {
            verifier: Secret::new(verifier),
            challenge,
            state: Secret::new(random_text(STATE_BYTES)?),
        })
    }
}

/// `bytes` secure random bytes, base64url without padding: characters of
/// RFC 7636's unreserved set only.
fn random_text(bytes: usize) -> Option<String> {
    let mut buf = vec![0u8; bytes];
    aws_lc_rs::rand::fill(&mut buf).ok()?;
    Some(URL_SAFE_NO_PAD.encode(&buf))
}

/// `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))` (RFC 7636 §4.2, `S256`).
fn challenge_s256(verifier: &str) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

impl TokenProvider for AuthorizationCode {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(self.session.token(|key| self.sign_in(key)))
    }

    fn invalidate(&self, token: &AccessToken) {
        self.session.invalidate(token);
    }

    fn settle_cloud(&self, client: Option<Cloud>) -> Option<Cloud> {
        self.session.cloud.settle(client)
    }
}

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.session
            .debug_fields(&mut f.debug_struct("AuthorizationCode"))
            .field("redirect_port", &self.port)
            .field("timeout", &self.timeout)
            .field("login_hint", &self.login_hint)
            .field("prompt", &self.prompt)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B's example verifier and challenge.
    #[test]
    fn the_s256_challenge_is_rfc_7636s() {
        assert_eq!(
            challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_43_unreserved_characters_and_differ_each_time() {
        let (a, b) = (Pkce::new().unwrap(), Pkce::new().unwrap());
        for pkce in [&a, &b] {
            let verifier = pkce.verifier.expose();
            assert_eq!(verifier.len(), 43, "{verifier}");
            // RFC 7636 §4.1: ALPHA / DIGIT / "-" / "." / "_" / "~".
            assert!(
                verifier
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c))
            );
            assert_eq!(pkce.challenge, challenge_s256(verifier));
        }
        assert_ne!(a.verifier, b.verifier);
        assert_ne!(a.state, b.state);
    }

    #[test]
    fn the_authorize_url_has_every_parameter_of_the_doc() {
        let sign_in = AuthorizationCode::new("contoso", "app-1")
            .scopes(["Files.Read"])
            .login_hint("megan@contoso.com")
            .prompt("select_account");
        let url = sign_in
            .sign_in_url("http://127.0.0.1:5000", "STATE-1", "CHALLENGE-1")
            .unwrap();
        let url = reqwest::Url::parse(&url).unwrap();
        assert_eq!(
            url.as_str().split('?').next(),
            Some("https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize")
        );
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let expected = [
            ("client_id", "app-1"),
            ("response_type", "code"),
            ("redirect_uri", "http://127.0.0.1:5000"),
            ("response_mode", "query"),
            ("scope", "Files.Read offline_access"),
            ("state", "STATE-1"),
            ("code_challenge", "CHALLENGE-1"),
            ("code_challenge_method", "S256"),
            ("login_hint", "megan@contoso.com"),
            ("prompt", "select_account"),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn the_prompt_and_the_credential_show_no_state() {
        let prompt = AuthorizePrompt {
            url: "https://login.example/authorize?state=STATE-SECRET-9&code_challenge=x".into(),
            redirect_uri: "http://127.0.0.1:1".into(),
        };
        let shown = format!("{prompt:?}");
        assert!(!shown.contains("STATE-SECRET-9"), "{shown}");
        assert!(shown.contains("login.example"), "{shown}");
    }

    #[test]
    fn a_declined_redirect_is_declined_and_others_are_refused() {
        let declined = redirect_error("access_denied", Some("AADSTS65004: User declined."));
        assert_eq!(declined.kind(), AuthErrorKind::Declined);
        assert_eq!(declined.code(), Some("access_denied"));
        assert!(declined.to_string().contains("declined"), "{declined}");
        let refused = redirect_error("invalid_request", None);
        assert_eq!(refused.kind(), AuthErrorKind::Refused);
        assert_eq!(refused.code(), Some("invalid_request"));
        assert_eq!(refused.status(), None);
    }
}
