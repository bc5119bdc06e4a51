//! Delegated sign-in with the device authorization grant (RFC 8628), kept
//! alive by refresh tokens with rotation and remembered by a [`TokenStore`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::Value;

use super::delegated::Delegated;
use super::form_post::{FormAnswer, post_form};
use super::store::{StoreKey, TokenStore};
use super::token_answer::{self, IssuedToken};
use super::{AccessToken, BoxFuture, TokenProvider};
use crate::{AuthError, AuthErrorKind, Cloud, Error, Secret};

/// The grant type of a device code token request (RFC 8628 §3.4).
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The wait between polls when the answer names none (RFC 8628 §3.2:
/// "If no value is provided, clients MUST use 5 as the default").
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// How much longer to wait after `slow_down` (RFC 8628 §3.5: "the interval
/// MUST be increased by 5 seconds for this and all subsequent requests").
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// The shortest wait between polls, whatever `interval` says (`0`
/// included): at most one token request a second.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// How long the user has when the answer gives no usable `expires_in`: the
/// Microsoft identity platform's default ("OAuth 2.0 device authorization
/// grant": "the user has 15 minutes to sign in").
const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(15 * 60);

/// What the user needs to sign in: a code to type at a web page. Handed to
/// the callback of [`DeviceCode::on_prompt`].
#[derive(Debug, Clone)]
pub struct DevicePrompt {
    user_code: String,
    verification_uri: String,
    expires_in: Duration,
    message: Option<String>,
}

impl DevicePrompt {
    /// The short code the user types at [`verification_uri`](Self::verification_uri).
    pub fn user_code(&self) -> &str {
        &self.user_code
    }

    /// The page where the user signs in.
    pub fn verification_uri(&self) -> &str {
        &self.verification_uri
    }

    /// How long the code is good for, from when it was issued.
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// The identity platform's own instructions for the user (with the URL
    /// and the code), when it sent some.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

type Prompt = Arc<dyn Fn(&DevicePrompt) + Send + Sync>;

/// Delegated tokens for a user who signs in on another device: the device
/// authorization grant (RFC 8628, "OAuth 2.0 device authorization grant" in
/// the Microsoft identity platform docs).
///
/// The first token request asks the identity platform for a code, hands it
/// to the [`on_prompt`](Self::on_prompt) callback (show it to the user),
/// and polls until the user has signed in, declined
/// ([`AuthErrorKind::Declined`]) or let the code expire
/// ([`AuthErrorKind::Expired`]). Polling waits `interval` between requests
/// and five seconds more after each `slow_down`, on tokio's clock. Any other
/// answer, or a network failure, ends the sign-in with that error; the next
/// token request starts a new one.
///
/// After that, the access token is cached like [`ClientCredentials`]' and,
/// when due, replaced with the `refresh_token` grant (no prompt); each new
/// refresh token replaces the last. A refresh token the identity platform no
/// longer accepts (`invalid_grant`: revoked, expired; `interaction_required`:
/// the user must sign in again, for multifactor authentication say) is dropped and
/// reported as [`AuthErrorKind::SignInRequired`]; the next token request
/// starts the sign-in again.
///
/// The tokens are kept in a [`TokenStore`] under the tenant, the app, the
/// [`account`](Self::account) and the scopes: with a [`FileTokenStore`],
/// the next run signs in silently with the remembered refresh token.
/// Neither the device code nor any token is shown in `Debug`, logs or errors.
///
/// [`ClientCredentials`]: super::ClientCredentials
/// [`FileTokenStore`]: super::FileTokenStore
///
/// ```
/// use std::sync::Arc;
/// use graph_core::auth::{DeviceCode, MemoryTokenStore};
///
/// let sign_in = DeviceCode::new("contoso.onmicrosoft.com", "app-id")
///     .scopes(["https://graph.microsoft.com/Files.ReadWrite.All"])
///     .account("megan@contoso.com")
///     .token_store(Arc::new(MemoryTokenStore::new()))
///     .on_prompt(|prompt| {
///         eprintln!("open {} and enter {}", prompt.verification_uri(), prompt.user_code());
///     });
/// assert_eq!(
///     sign_in.device_code_url(),
///     "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode"
/// );
/// // Building the client sends nothing: the first request signs in.
/// let client = graph_core::Client::builder().auth(sign_in).build()?;
/// # let _ = client;
/// # Ok::<(), graph_core::Error>(())
/// ```
pub struct DeviceCode {
    session: Delegated,
    prompt: Option<Prompt>,
}

impl DeviceCode {
    /// Sign-in to app `client_id` (a public client) of `tenant` (an id, a
    /// domain, or `organizations`), for the global cloud and Graph's
    /// `/.default` scope, with an in-memory store and account `default`.
    pub fn new(tenant: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            session: Delegated::new(tenant.into(), client_id.into()),
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

    /// Called with the user code and the page to enter it at, each time a
    /// sign-in starts. Without it, the sign-in cannot be completed by a user
    /// and ends when the code expires.
    pub fn on_prompt(mut self, prompt: impl Fn(&DevicePrompt) + Send + Sync + 'static) -> Self {
        self.prompt = Some(Arc::new(prompt));
        self
    }

    /// Keeps tokens in `store` (default: a [`MemoryTokenStore`] of its own).
    ///
    /// [`MemoryTokenStore`]: super::MemoryTokenStore
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.session.store = store;
        self
    }

    /// Uses `http` for sign-in requests (build it with
    /// `reqwest::redirect::Policy::none()` and a timeout, as for
    /// [`ClientCredentialsBuilder::http_client`](super::ClientCredentialsBuilder::http_client)).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.session.http = Some(http);
        self
    }

    /// Where the device code is requested.
    pub fn device_code_url(&self) -> String {
        self.session.endpoint_url("devicecode")
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

    /// The device authorization request, the prompt, and polling (RFC 8628 §3.1–3.5).
    async fn sign_in(&self, key: StoreKey) -> Result<IssuedToken, Box<AuthError>> {
        let session = &self.session;
        let scope = session.scope_list().join(" ");
        let answer = post_form(
            session.http.as_ref(),
            &self.device_code_url(),
            &[("client_id", &session.client_id), ("scope", &scope)],
        )
        .await?;
        if !answer.is_success() {
            return Err(Box::new(answer.refused()));
        }
        let (device_code, prompt, mut interval) = read_device_answer(&answer)?;
        let deadline = tokio::time::Instant::now() + prompt.expires_in;
        if let Some(show) = &self.prompt {
            show(&prompt);
        }
        loop {
            // RFC 8628 §3.5: wait `interval` between polls.
            tokio::time::sleep(interval).await;
            if tokio::time::Instant::now() >= deadline {
                return Err(Box::new(AuthError::ended(AuthErrorKind::Expired, None)));
            }
            let sent_at = SystemTime::now();
            let answer = post_form(
                session.http.as_ref(),
                &session.token_url(),
                &[
                    ("grant_type", DEVICE_CODE_GRANT),
                    ("client_id", &session.client_id),
                    ("device_code", device_code.expose()),
                ],
            )
            .await?;
            if answer.is_success() {
                return session.keep(&key, &answer, sent_at, None);
            }
            let refused = answer.refused_without(device_code.expose());
            match refused.code() {
                // RFC 8628 §3.5 and the Microsoft doc's "Expected errors".
                Some("authorization_pending") => {}
                Some("slow_down") => interval += SLOW_DOWN_STEP,
                // `access_denied` is RFC 8628's, `authorization_declined` Microsoft's.
                Some("access_denied" | "authorization_declined") => {
                    return Err(Box::new(AuthError::ended(
                        AuthErrorKind::Declined,
                        Some(refused),
                    )));
                }
                Some("expired_token") => {
                    return Err(Box::new(AuthError::ended(
                        AuthErrorKind::Expired,
                        Some(refused),
                    )));
                }
                _ => return Err(Box::new(refused)),
            }
        }
    }
}

#[derive(Deserialize)]
struct DeviceWire {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    expires_in: Value,
    #[serde(default)]
    interval: Value,
    #[serde(default)]
    message: Option<String>,
}

/// Seconds from a number or a digit string (as token answers send them).
fn seconds(value: &Value) -> Option<Duration> {
    let secs = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }?;
    Some(Duration::from_secs(secs.min(24 * 60 * 60)))
}

/// The device authorization answer (RFC 8628 §3.2): the device code (kept
/// secret), the prompt, and the polling interval.
fn read_device_answer(
    answer: &FormAnswer,
) -> Result<(Secret, DevicePrompt, Duration), Box<AuthError>> {
    let wire: DeviceWire = serde_json::from_slice(&answer.body).map_err(|problem| {
        let problem = format!(
            "the device code answer is not an object with `device_code`, `user_code` and `verification_uri` strings (line {}, column {})",
            problem.line(),
            problem.column()
        );
        // Every string of a JSON body is redacted; of anything else (a body
        // cut short) nothing is kept: the device code need not follow a
        // word that marks it, as a token follows `token`.
        let snippet = match serde_json::from_slice::<Value>(&answer.body) {
            Ok(_) => token_answer::redacted(&answer.body),
            Err(_) => Vec::new(),
        };
        Box::new(AuthError::unreadable_token(answer.meta(), problem, &snippet))
    })?;
    let interval = seconds(&wire.interval)
        .unwrap_or(DEFAULT_INTERVAL)
        .max(MIN_INTERVAL);
    let prompt = DevicePrompt {
        user_code: wire.user_code,
        verification_uri: wire.verification_uri,
        expires_in: seconds(&wire.expires_in).unwrap_or(DEFAULT_EXPIRES_IN),
        message: wire.message,
    };
    Ok((Secret::new(wire.device_code), prompt, interval))
}

impl TokenProvider for DeviceCode {
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

impl fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.session
            .debug_fields(&mut f.debug_struct("DeviceCode"))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AnswerHeaders;

    fn answer(body: &str) -> FormAnswer {
        FormAnswer {
            status: 200,
            headers: AnswerHeaders {
                request_id: Some("rid-9".into()),
                ..AnswerHeaders::default()
            },
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_device_answer_gives_the_prompt_and_a_bounded_interval() {
        let (code, prompt, interval) = read_device_answer(&answer(
            r#"{"device_code":"DC-1","user_code":"ABC","verification_uri":"https://microsoft.com/devicelogin","expires_in":"600","interval":0,"message":"go"}"#,
        ))
        .unwrap();
        assert_eq!(code.expose(), "DC-1");
        assert_eq!(
            (
                prompt.user_code(),
                prompt.verification_uri(),
                prompt.message()
            ),
            ("ABC", "https://microsoft.com/devicelogin", Some("go"))
        );
        assert_eq!(prompt.expires_in(), Duration::from_secs(600));
        assert_eq!(interval, MIN_INTERVAL, "0 would poll without pause");
        assert!(!format!("{prompt:?}").contains("DC-1"));

        // No interval: RFC 8628's 5 s; no expires_in: Microsoft's 15 minutes.
        let (_, prompt, interval) = read_device_answer(&answer(
            r#"{"device_code":"DC-2","user_code":"ABC","verification_uri":"u","expires_in":-1}"#,
        ))
        .unwrap();
        assert_eq!(
            (interval, prompt.expires_in()),
            (DEFAULT_INTERVAL, DEFAULT_EXPIRES_IN)
        );
    }

    #[test]
    fn an_unreadable_device_answer_is_typed_and_shows_no_code() {
        for body in [
            r#"{"device_code":"DC-SECRET-77","user_code":5}"#,
            r#"{"device_code":"DC-SECRET-77""#,
            r#""DC-SECRET-77""#,
        ] {
            let err = read_device_answer(&answer(body)).unwrap_err();
            assert_eq!(err.kind(), AuthErrorKind::UnreadableToken);
            assert_eq!(err.request_id(), Some("rid-9"));
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("DC-SECRET"), "{shown}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any answer with the device code in it, perhaps cut short: a
        /// prompt, or a typed error that never shows the code.
        #[test]
        fn any_device_answer_is_read_or_refused_without_the_code(
            extra in proptest::collection::vec(("[a-z_]{1,12}", "[ -~]{0,16}"), 0..4),
            cut in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            const CODE: &str = "DAQAB-SECRET-DEVICE-CODE";
            let mut members: serde_json::Map<String, Value> = extra
                .into_iter()
                .map(|(k, v)| (k, Value::from(v)))
                .collect();
            members.insert("device_code".into(), Value::from(CODE));
            let body = Value::Object(members).to_string();
            let end = cut.index(body.len() + 1);
            match read_device_answer(&answer(&body[..end])) {
                Ok((code, prompt, interval)) => {
                    proptest::prop_assert_eq!(code.expose(), CODE);
                    proptest::prop_assert!(interval >= MIN_INTERVAL);
                    let shown = format!("{prompt:?}");
                    proptest::prop_assert!(!shown.contains(CODE), "{}", shown);
                }
                Err(err) => {
                    let shown = format!("{} {:?}", err, err);
                    proptest::prop_assert!(!shown.contains("SECRET"), "{}", shown);
                }
            }
        }
    }

    #[tokio::test]
    async fn a_plain_http_authority_off_loopback_is_refused_before_sending() {
        let sign_in = DeviceCode::new("contoso", "app").authority("http://login.example.com");
        let err = sign_in.token().await.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
    }

    #[test]
    fn scopes_get_offline_access_once_and_the_cloud_decides_the_authority() {
        let sign_in = DeviceCode::new("contoso", "app").cloud(Cloud::China);
        assert_eq!(
            sign_in.store_key().scopes(),
            [
                "https://microsoftgraph.chinacloudapi.cn/.default",
                "offline_access"
            ]
        );
        assert!(
            sign_in
                .token_url()
                .starts_with("https://login.chinacloudapi.cn/contoso/")
        );
        let sign_in = sign_in.scopes(["Files.Read", "OFFLINE_ACCESS"]);
        assert_eq!(
            sign_in.store_key().scopes(),
            ["Files.Read", "OFFLINE_ACCESS"]
        );
    }
}
