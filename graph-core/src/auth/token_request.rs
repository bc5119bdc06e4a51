//! Sending one token request and reading its answer, for every credential
//! that asks an HTTP endpoint for tokens (Entra ID's token endpoint, a
//! managed identity endpoint): bounded body, typed errors, no redirects.

use bytes::Bytes;

use super::cloud_choice::CloudChoice;
use super::token_answer::{self, IssuedToken};
use crate::client::cloud::checked_base_url;
use crate::client::{ReadError, TOKEN_ANSWER_MAX_BYTES, read_limited};
use crate::error::AnswerHeaders;
use crate::request::encode_form_pair;
use crate::{AnswerMeta, AuthError, Error};

/// Where an app's token requests go, checked: the authority root, the
/// tenant, the app and the scope asked for.
pub(crate) struct TokenEndpoint {
    pub(crate) tenant: String,
    pub(crate) client_id: String,
    /// Set explicitly (and checked); else the cloud's.
    authority: Option<String>,
    /// Set explicitly; else the cloud's `/.default`.
    scope: Option<String>,
    pub(crate) cloud: CloudChoice,
    http: Option<reqwest::Client>,
}

impl TokenEndpoint {
    /// The authority root: the one set, else the cloud's.
    pub(crate) fn authority(&self) -> &str {
        self.authority
            .as_deref()
            .unwrap_or_else(|| self.cloud.current().login_authority())
    }

    /// The scope asked for: the one set, else the cloud's `/.default`.
    pub(crate) fn scope(&self) -> String {
        self.scope
            .clone()
            .unwrap_or_else(|| self.cloud.current().default_scope())
    }

    /// `POST {authority}/{tenant}/oauth2/v2.0/token` ("Microsoft identity
    /// platform and the OAuth 2.0 client credentials flow").
    pub(crate) fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority(), self.tenant)
    }

    /// Decides the cloud (see [`CloudChoice::decide`]) before a token request.
    pub(crate) fn decide_cloud(&self) {
        self.cloud.decide();
    }

    /// Asks for a token with the client-credentials grant, the app proving
    /// itself with `proof` (`client_secret`, or `client_assertion_type` +
    /// `client_assertion`).
    pub(crate) async fn client_credentials(
        &self,
        proof: &[(&str, &str)],
    ) -> Result<IssuedToken, Box<AuthError>> {
        self.decide_cloud();
        let mut form = String::new();
        let head = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
        ];
        let scope = self.scope();
        let tail = [("scope", scope.as_str())];
        for (name, value) in head.iter().chain(proof).chain(&tail) {
            encode_form_pair(&mut form, name, value);
        }
        let http = http_or_unreachable(self.http.as_ref())?;
        let request = http
            .post(self.token_url())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(form);
        let (answer, body) = exchange(request).await?;
        token_answer::parse(answer, &body)
    }
}

/// The setters every app credential's builder shares, over its
/// `settings: EndpointSettings` field; `$secret` names what the token
/// request carries, for the `http_client` advice.
macro_rules! endpoint_setters {
    ($secret:literal) => {
        /// Uses `cloud`'s authority and Graph scope. Unset, the credential
        /// follows the cloud of the [`Client`](crate::Client) it is given
        /// to ([`TokenProvider::settle_cloud`](crate::auth::TokenProvider::settle_cloud)),
        /// else [`Cloud::Global`](crate::Cloud::Global).
        pub fn cloud(mut self, cloud: crate::Cloud) -> Self {
            self.settings.cloud.set(cloud);
            self
        }

        /// Sends token requests to another authority root (a test server,
        /// the emulator) instead of the cloud's, whichever of this and
        /// `cloud` is set first. `build` requires `https`, or `http` on a
        /// loopback host.
        pub fn authority(mut self, authority: impl Into<String>) -> Self {
            self.settings.authority = Some(authority.into());
            self
        }

        /// Asks for `scope` instead of the cloud's `/.default` scope.
        pub fn scope(mut self, scope: impl Into<String>) -> Self {
            self.settings.scope = Some(scope.into());
            self
        }

        #[doc = concat!(
                    "Uses `http` for token requests.\n\n",
                    "Build it with `reqwest::redirect::Policy::none()` and a timeout: a token ",
                    "request carries ", $secret, ", which must not follow a redirect, and ",
                    "every request waits while a token is being fetched."
                )]
        pub fn http_client(mut self, http: reqwest::Client) -> Self {
            self.settings.http = Some(http);
            self
        }
    };
}
pub(crate) use endpoint_setters;

/// The settings every app credential's builder shares: the cloud, an
/// authority override, a scope override and an HTTP client. Stored as
/// given; [`build`](Self::build) checks them, so the setters cannot fail
/// and their order does not matter.
pub(crate) struct EndpointSettings {
    pub(crate) cloud: CloudChoice,
    pub(crate) authority: Option<String>,
    pub(crate) scope: Option<String>,
    pub(crate) http: Option<reqwest::Client>,
}

impl EndpointSettings {
    pub(crate) fn new() -> Self {
        Self {
            cloud: CloudChoice::default(),
            authority: None,
            scope: None,
            http: None,
        }
    }

    /// The endpoint of `client_id` in `tenant`: the authority set (it must
    /// be `https`, or `http` on loopback) or the cloud's, and the scope set
    /// or the cloud's `/.default`.
    pub(crate) fn build(self, tenant: String, client_id: String) -> Result<TokenEndpoint, Error> {
        let authority = match &self.authority {
            Some(authority) => Some(checked_base_url(authority)?),
            None => None,
        };
        Ok(self.finish(tenant, client_id, authority))
    }

    /// The endpoint with the cloud's own authority, which needs no check.
    pub(crate) fn build_for_cloud(self, tenant: String, client_id: String) -> TokenEndpoint {
        self.finish(tenant, client_id, None)
    }

    fn finish(self, tenant: String, client_id: String, authority: Option<String>) -> TokenEndpoint {
        TokenEndpoint {
            tenant,
            client_id,
            authority,
            scope: self.scope,
            cloud: self.cloud,
            http: self.http.or_else(token_client),
        }
    }
}

pub(crate) fn http_or_unreachable(
    http: Option<&reqwest::Client>,
) -> Result<&reqwest::Client, Box<AuthError>> {
    http.ok_or_else(|| Box::new(AuthError::unreachable(None)))
}

/// Sends `request` and reads a 2xx answer's body (at most
/// [`TOKEN_ANSWER_MAX_BYTES`]); any other answer is
/// [`AuthErrorKind::Refused`](crate::AuthErrorKind::Refused) with its status,
/// identifiers and a snippet.
pub(crate) async fn exchange(
    request: reqwest::RequestBuilder,
) -> Result<(AnswerMeta, Bytes), Box<AuthError>> {
    let (status, headers, body) = send_and_read(request).await?;
    if !(200..300).contains(&status) {
        return Err(Box::new(AuthError::refused(status, headers, &body)));
    }
    Ok((AnswerMeta::new(status, headers.request_id), body))
}

/// Sends a request to an identity-platform endpoint and reads its answer:
/// the status, identifiers and body (a 2xx body whole, at most
/// [`TOKEN_ANSWER_MAX_BYTES`], else an unreadable token answer of which
/// nothing is kept, as it may hold tokens; any other body's start).
pub(crate) async fn send_and_read(
    request: reqwest::RequestBuilder,
) -> Result<(u16, AnswerHeaders, Bytes), Box<AuthError>> {
    let transport = |source: reqwest::Error| Box::new(AuthError::unreachable(Some(source)));
    // Every request waits while a token is fetched: each token request has
    // the built-in client's time limit, whatever an injected client has.
    let request = request.timeout(crate::client::DEFAULT_TIMEOUT);
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
    Ok((status, headers, body))
}

/// The identifiers of a token endpoint answer. The Microsoft identity platform
/// names its request id `x-ms-request-id` (the body's `trace_id` holds the
/// same value).
fn answer_headers(headers: &reqwest::header::HeaderMap) -> AnswerHeaders {
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

/// The default HTTP client for token requests: no redirects (the request
/// carries a secret or an assertion) and a time limit (requests wait while
/// a token is fetched). `None` only when the TLS backend cannot start;
/// token requests then fail with that.
pub(crate) fn token_client() -> Option<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(crate::client::DEFAULT_TIMEOUT)
        .build()
        .ok()
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::time::Duration;

    use crate::Error;
    use crate::auth::{ClientCredentials, TokenProvider};

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
        let credentials = ClientCredentials::builder("contoso", "app", "secret")
            .authority(authority)
            .http_client(http)
            .build()
            .unwrap();
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
