//! The OAuth2 client-credentials flow (an app with a client secret), with a token cache.

use std::fmt;

use super::cache::TokenCache;
use super::token_answer::{self, IssuedToken};
use super::{AccessToken, BoxFuture, TokenProvider};
use crate::client::cloud::checked_base_url;
use crate::client::{ReadError, TOKEN_ANSWER_MAX_BYTES, read_limited};
use crate::error::AnswerHeaders;
use crate::request::encode_form_pair;
use crate::{AnswerMeta, AuthError, Cloud, Error, Secret};

/// App-only tokens from Microsoft Entra ID with a client secret.
///
/// The token is cached and refreshed ahead of its expiry by the wall clock
/// (five minutes early, or a tenth of its lifetime when that is shorter; an
/// answer without a usable `expires_in` is kept ten minutes, the shortest
/// lifetime Entra ID issues, and no token is used for less than a second).
/// Concurrent requests wait for one token request rather than each sending
/// their own, and all take its result: when it fails, they all fail with the
/// one [`AuthError`]. When Graph rejects the token (401
/// `InvalidAuthenticationToken`, say after it was revoked), the client drops
/// it and retries the request once with a new one.
///
/// ```
/// use graph_core::{auth::ClientCredentials, Cloud};
///
/// let credentials = ClientCredentials::new("contoso.onmicrosoft.com", "app-id", "s3cr3t")
///     .cloud(Cloud::UsGovL4);
/// assert_eq!(
///     credentials.token_url(),
///     "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
/// );
/// assert!(!format!("{credentials:?}").contains("s3cr3t"));
/// ```
pub struct ClientCredentials {
    tenant: String,
    client_id: String,
    secret: Secret,
    authority: String,
    scope: String,
    http: Option<reqwest::Client>,
    /// The time limit set on each token request: for an injected client,
    /// which may have none (the built-in one has its own).
    request_timeout: Option<std::time::Duration>,
    cache: TokenCache,
}

impl ClientCredentials {
    /// Credentials of app `client_id` in `tenant` (an id or a domain), for the global cloud.
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        Self {
            tenant: tenant.into(),
            client_id: client_id.into(),
            secret: client_secret.into(),
            authority: Cloud::Global.login_authority().to_owned(),
            scope: Cloud::Global.default_scope(),
            http: token_client(),
            request_timeout: None,
            cache: TokenCache::new(),
        }
    }

    /// Uses `cloud`'s authority and Graph scope.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.authority = cloud.login_authority().to_owned();
        self.scope = cloud.default_scope();
        self
    }

    /// Sends token requests to another authority root (a test server, the emulator).
    ///
    /// Must be `https`, or `http` on a loopback host.
    pub fn authority(mut self, authority: &str) -> Result<Self, Error> {
        self.authority = checked_base_url(authority)?;
        Ok(self)
    }

    /// Asks for `scope` instead of the cloud's `/.default` scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// Uses `http` for token requests.
    ///
    /// Build it with `reqwest::redirect::Policy::none()`: a token request
    /// carries the client secret, which must not follow a redirect. Every
    /// request waits while a token is being fetched, so each token request
    /// gets the 30 s time limit of the built-in client, whatever `http` has.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self.request_timeout = Some(crate::client::DEFAULT_TIMEOUT);
        self
    }

    /// Where tokens are requested.
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority, self.tenant)
    }

    async fn fetch(&self) -> Result<IssuedToken, Box<AuthError>> {
        let mut form = String::new();
        for (name, value) in [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose()),
            ("scope", self.scope.as_str()),
        ] {
            encode_form_pair(&mut form, name, value);
        }
        let transport = |source: reqwest::Error| Box::new(AuthError::unreachable(Some(source)));
        let http = self
            .http
            .as_ref()
            .ok_or_else(|| Box::new(AuthError::unreachable(None)))?;
        let mut request = http
            .post(self.token_url())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(form);
        if let Some(limit) = self.request_timeout {
            request = request.timeout(limit);
        }
        let mut answer = request.send().await.map_err(transport)?;
        let status = answer.status().as_u16();
        let headers = answer_headers(answer.headers());
        let body = match read_limited(&mut answer, TOKEN_ANSWER_MAX_BYTES).await {
            Ok(body) => body,
            Err(ReadError::Transport(source)) => return Err(transport(source)),
            Err(ReadError::TooLarge { .. }) if (200..300).contains(&status) => {
                let answer = AnswerMeta::new(status, headers.request_id);
                let problem = format!("the body is larger than {TOKEN_ANSWER_MAX_BYTES} bytes");
                // Nothing of a body too large to read is shown: it may hold the token.
                return Err(Box::new(AuthError::unreadable_token(answer, problem, b"")));
            }
            Err(ReadError::TooLarge { start }) => start,
        };
        if !(200..300).contains(&status) {
            return Err(Box::new(AuthError::refused(status, headers, &body)));
        }
        token_answer::parse(AnswerMeta::new(status, headers.request_id), &body)
    }
}

/// The identifiers of a token endpoint answer. The Microsoft identity platform
/// names its request id `x-ms-request-id` (the body's `trace_id` holds the
/// same value).
pub(super) fn answer_headers(headers: &reqwest::header::HeaderMap) -> AnswerHeaders {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    AnswerHeaders {
        request_id: header("x-ms-request-id"),
        client_request_id: header("client-request-id"),
        date: header("date"),
        retry_after: header("retry-after"),
    }
}

/// The default HTTP client for token requests: no redirects (the form holds
/// the secret) and a time limit (requests wait while a token is fetched).
/// `None` only when the TLS backend cannot start; token requests then fail with that.
pub(super) fn token_client() -> Option<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(crate::client::DEFAULT_TIMEOUT)
        .build()
        .ok()
}

impl TokenProvider for ClientCredentials {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(self.cache.get(|| self.fetch()))
    }

    fn invalidate(&self, token: &AccessToken) {
        self.cache.invalidate(token);
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.secret)
            .field("authority", &self.authority)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::time::Duration;

    use super::*;

    /// A token endpoint that reads the request and never answers, through
    /// an injected client without a time limit: the token request still
    /// ends, at the 30 s limit, as an unreachable endpoint (paused clock).
    #[tokio::test(start_paused = true)]
    async fn a_token_request_through_an_injected_client_has_a_time_limit() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let authority = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            // Returns once the client gives up and closes the connection.
            while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let credentials = ClientCredentials::new("contoso", "app", "secret")
            .authority(&authority)
            .unwrap()
            .http_client(http);
        let waited = tokio::time::timeout(Duration::from_secs(3600), credentials.token()).await;
        let error = waited
            .expect("the token request ends on its own")
            .expect_err("no token");
        match &error {
            Error::Auth(auth) => assert_eq!(auth.kind(), crate::AuthErrorKind::Unreachable),
            other => panic!("expected an unreachable token endpoint, got {other:?}"),
        }
    }
}
