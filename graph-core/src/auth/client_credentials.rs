//! The OAuth2 client-credentials flow (an app with a client secret), with a token cache.

use std::fmt;

use super::cache::TokenCache;
use super::token_request::{EndpointSettings, TokenEndpoint, endpoint_setters};
use super::{AccessToken, BoxFuture, TokenProvider};
use crate::{Error, Secret};

/// App-only tokens from Microsoft Entra ID with a client secret.
///
/// The token is cached and refreshed ahead of its expiry by the wall clock
/// (five minutes early, or a tenth of its lifetime when that is shorter; an
/// answer without a usable `expires_in` is kept ten minutes, the shortest
/// lifetime Entra ID issues, and no token is used for less than a second).
/// Concurrent requests wait for one token request rather than each sending
/// their own, and all take its result: when it fails, they all fail with the
/// one [`AuthError`](crate::AuthError). When Graph rejects the token (401
/// `InvalidAuthenticationToken`, say after it was revoked), the client drops
/// it and retries the request once with a new one.
///
/// ```
/// use graph_core::{auth::ClientCredentials, Cloud};
///
/// let credentials = ClientCredentials::builder("contoso.onmicrosoft.com", "app-id", "s3cr3t")
///     .cloud(Cloud::UsGovL4)
///     .build()?;
/// assert_eq!(
///     credentials.token_url(),
///     "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token"
/// );
/// assert!(!format!("{credentials:?}").contains("s3cr3t"));
/// # Ok::<(), graph_core::Error>(())
/// ```
pub struct ClientCredentials {
    endpoint: TokenEndpoint,
    secret: Secret,
    cache: TokenCache,
}

impl ClientCredentials {
    /// Credentials of app `client_id` in `tenant` (an id or a domain), for
    /// the global cloud with its defaults; see [`builder`](Self::builder)
    /// for another cloud, authority, scope or HTTP client.
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        let endpoint = EndpointSettings::new().build_for_cloud(tenant.into(), client_id.into());
        Self::with_endpoint(endpoint, client_secret.into())
    }

    /// Starts credentials of app `client_id` in `tenant` with `client_secret`;
    /// the setters store, [`build`](ClientCredentialsBuilder::build) checks.
    pub fn builder(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> ClientCredentialsBuilder {
        ClientCredentialsBuilder {
            tenant: tenant.into(),
            client_id: client_id.into(),
            secret: client_secret.into(),
            settings: EndpointSettings::new(),
        }
    }

    fn with_endpoint(endpoint: TokenEndpoint, secret: Secret) -> Self {
        Self {
            endpoint,
            secret,
            cache: TokenCache::new(),
        }
    }

    /// Where tokens are requested.
    pub fn token_url(&self) -> String {
        self.endpoint.token_url()
    }
}

/// Settings of [`ClientCredentials`]: every setter stores its value and
/// cannot fail; [`build`](Self::build) checks them, whatever their order.
///
/// ```
/// use graph_core::{auth::ClientCredentials, Cloud};
///
/// // An authority set explicitly wins over the cloud's, in either order.
/// let credentials = ClientCredentials::builder("contoso", "app-id", "s3cr3t")
///     .authority("http://127.0.0.1:8080")
///     .cloud(Cloud::China)
///     .build()?;
/// assert_eq!(credentials.token_url(), "http://127.0.0.1:8080/contoso/oauth2/v2.0/token");
///
/// // Plain http to a host that is not loopback is refused when building.
/// assert!(ClientCredentials::builder("contoso", "app-id", "s3cr3t")
///     .authority("http://login.example.com")
///     .build()
///     .is_err());
/// # Ok::<(), graph_core::Error>(())
/// ```
pub struct ClientCredentialsBuilder {
    tenant: String,
    client_id: String,
    secret: Secret,
    settings: EndpointSettings,
}

impl ClientCredentialsBuilder {
    endpoint_setters!("the client secret");

    /// The credentials; [`Error::Config`] when the authority is not `https`
    /// (or `http` on loopback) or not a bare URL.
    pub fn build(self) -> Result<ClientCredentials, Error> {
        let endpoint = self.settings.build(self.tenant, self.client_id)?;
        Ok(ClientCredentials::with_endpoint(endpoint, self.secret))
    }
}

impl fmt::Debug for ClientCredentialsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentialsBuilder")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.secret)
            .field("cloud", &self.settings.cloud)
            .finish_non_exhaustive()
    }
}

impl TokenProvider for ClientCredentials {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(self.cache.get(|| async {
            let proof = [("client_secret", self.secret.expose())];
            self.endpoint.client_credentials(&proof).await
        }))
    }

    fn invalidate(&self, token: &AccessToken) {
        self.cache.invalidate(token);
    }

    fn settle_cloud(&self, client: Option<crate::Cloud>) -> Option<crate::Cloud> {
        self.endpoint.cloud.settle(client)
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("tenant", &self.endpoint.tenant)
            .field("client_id", &self.endpoint.client_id)
            .field("client_secret", &self.secret)
            .field("authority", &self.endpoint.authority())
            .field("scope", &self.endpoint.scope())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cloud;

    fn builder() -> ClientCredentialsBuilder {
        ClientCredentials::builder("contoso", "app-id", "s3cr3t-value")
    }

    /// "National cloud deployments": each cloud signs in at its own
    /// authority and asks for its own Graph's `/.default` scope.
    #[test]
    fn the_authority_and_scope_follow_the_cloud() {
        for (cloud, login, scope) in [
            (
                Cloud::Global,
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com/.default",
            ),
            (
                Cloud::UsGovL4,
                "https://login.microsoftonline.us",
                "https://graph.microsoft.us/.default",
            ),
            (
                Cloud::UsGovL5,
                "https://login.microsoftonline.us",
                "https://dod-graph.microsoft.us/.default",
            ),
            (
                Cloud::China,
                "https://login.chinacloudapi.cn",
                "https://microsoftgraph.chinacloudapi.cn/.default",
            ),
        ] {
            let credentials = builder().cloud(cloud).build().unwrap();
            assert_eq!(
                credentials.token_url(),
                format!("{login}/contoso/oauth2/v2.0/token")
            );
            assert_eq!(credentials.endpoint.scope(), scope, "{cloud:?}");
        }
        let default = ClientCredentials::new("contoso", "app-id", "s3cr3t-value");
        assert_eq!(
            default.token_url(),
            "https://login.microsoftonline.com/contoso/oauth2/v2.0/token"
        );
    }

    #[test]
    fn an_explicit_authority_or_scope_wins_in_any_order() {
        let root = "http://127.0.0.1:9000/";
        let after = builder()
            .cloud(Cloud::China)
            .authority(root)
            .build()
            .unwrap();
        let before = builder()
            .authority(root)
            .cloud(Cloud::China)
            .build()
            .unwrap();
        for credentials in [after, before] {
            assert_eq!(
                credentials.token_url(),
                "http://127.0.0.1:9000/contoso/oauth2/v2.0/token"
            );
            // The cloud still chooses the scope.
            assert_eq!(
                credentials.endpoint.scope(),
                "https://microsoftgraph.chinacloudapi.cn/.default"
            );
        }
        let scoped = builder()
            .scope("api://x/.default")
            .cloud(Cloud::UsGovL4)
            .build()
            .unwrap();
        assert_eq!(scoped.endpoint.scope(), "api://x/.default");
    }

    #[test]
    fn a_bad_authority_is_refused_when_building_without_showing_secrets() {
        for bad in [
            "http://login.example.com",
            "ftp://x",
            "not a url",
            "https://login.example.com/?sig=hidden-sig",
            "https://user:hidden-pw@login.example.com",
        ] {
            let err = builder().authority(bad).build().unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("hidden"), "{shown}");
            assert!(!shown.contains("s3cr3t-value"), "{shown}");
        }
        let debug = format!("{:?}", builder().authority("http://127.0.0.1:1"));
        assert!(!debug.contains("s3cr3t-value"), "{debug}");
    }
}
