//! Managed identity as App Service and Azure Functions offer it: a local
//! token service that the platform names in `IDENTITY_ENDPOINT`, guarded by
//! the secret in `IDENTITY_HEADER`.

use std::fmt;
use std::net::IpAddr;
use std::time::SystemTime;

use reqwest::Url;
use reqwest::header::HeaderValue;

use super::cache::TokenCache;
use super::cloud_choice::CloudChoice;
use super::token_answer::{self, IssuedToken};
use super::token_request::{exchange, http_or_unreachable, token_client};
use super::{AccessToken, BoxFuture, TokenProvider};
use crate::client::cloud::is_loopback;
use crate::request::redacted_url;
use crate::{AuthError, Cloud, Error, Secret};

/// The `api-version` of the protocol "How to use managed identities for App
/// Service and Azure Functions" documents (REST endpoint reference), whose
/// answer carries `expires_on` in Unix seconds.
const API_VERSION: &str = "2019-08-01";

/// App-only tokens of the app's managed identity on App Service or Azure
/// Functions.
///
/// Each token request is `GET {IDENTITY_ENDPOINT}?resource=…&api-version=2019-08-01`
/// with the header `X-IDENTITY-HEADER: {IDENTITY_HEADER}` ("How to use
/// managed identities for App Service and Azure Functions", REST endpoint
/// reference); the answer's `expires_on` (Unix seconds) sets how long the
/// token is kept. Tokens are cached, shared and refreshed as
/// [`ClientCredentials`](super::ClientCredentials)' are. The identity header
/// never shows in `Debug` or errors.
///
/// ```
/// use graph_core::{auth::ManagedIdentity, Cloud};
///
/// let identity = ManagedIdentity::app_service("http://127.0.0.1:41741/MSI/token/", "h3ader")
///     .cloud(Cloud::UsGovL4)
///     .build()?;
/// assert_eq!(identity.resource(), "https://graph.microsoft.us");
/// assert!(!format!("{identity:?}").contains("h3ader"));
/// # Ok::<(), graph_core::Error>(())
/// ```
pub struct ManagedIdentity {
    endpoint: Url,
    header: HeaderValue,
    /// Set explicitly; else the cloud's Graph root.
    resource: Option<String>,
    cloud: CloudChoice,
    client_id: Option<String>,
    http: Option<reqwest::Client>,
    cache: TokenCache,
}

impl ManagedIdentity {
    /// Starts the App Service–style managed identity whose token service is
    /// at `identity_endpoint` (`IDENTITY_ENDPOINT`) and answers to
    /// `identity_header` (`IDENTITY_HEADER`); the setters store,
    /// [`build`](ManagedIdentityBuilder::build) checks.
    pub fn app_service(
        identity_endpoint: impl Into<String>,
        identity_header: impl Into<Secret>,
    ) -> ManagedIdentityBuilder {
        ManagedIdentityBuilder {
            endpoint: identity_endpoint.into(),
            header: identity_header.into(),
            cloud: CloudChoice::default(),
            resource: None,
            client_id: None,
            http: None,
        }
    }

    /// The resource tokens are asked for (the cloud's Graph root by default).
    pub fn resource(&self) -> &str {
        self.resource
            .as_deref()
            .unwrap_or_else(|| self.cloud.current().graph_root())
    }

    async fn fetch(&self) -> Result<IssuedToken, Box<AuthError>> {
        self.cloud.decide();
        let mut url = self.endpoint.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("resource", self.resource())
                .append_pair("api-version", API_VERSION);
            if let Some(client_id) = &self.client_id {
                query.append_pair("client_id", client_id);
            }
        }
        let request = http_or_unreachable(self.http.as_ref())?
            .get(url)
            .header("X-IDENTITY-HEADER", self.header.clone())
            .header("Accept", "application/json");
        let (answer, body) = exchange(request).await?;
        token_answer::parse_expires_on(answer, &body, SystemTime::now())
    }
}

/// Settings of [`ManagedIdentity`]: every setter stores its value and
/// cannot fail; [`build`](Self::build) checks them.
pub struct ManagedIdentityBuilder {
    endpoint: String,
    header: Secret,
    cloud: CloudChoice,
    resource: Option<String>,
    client_id: Option<String>,
    http: Option<reqwest::Client>,
}

impl ManagedIdentityBuilder {
    /// Asks for tokens for `cloud`'s Graph. Unset, the identity follows the
    /// cloud of the [`Client`](crate::Client) it is given to
    /// ([`TokenProvider::settle_cloud`]), else [`Cloud::Global`].
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud.set(cloud);
        self
    }

    /// Asks for tokens for `resource` instead of the cloud's Graph root.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = Some(resource.into());
        self
    }

    /// Uses the user-assigned identity with this client id instead of the
    /// system-assigned one (the endpoint's `client_id` parameter).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Uses `http` for token requests. Build it with
    /// `reqwest::redirect::Policy::none()` and a timeout: a request carries
    /// the identity header, which must not follow a redirect.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The credential; [`Error::Config`] when the endpoint is not a URL, is
    /// plain `http` to a host that is neither loopback nor link-local, or
    /// the identity header has characters a header cannot carry.
    pub fn build(self) -> Result<ManagedIdentity, Error> {
        let endpoint = checked_identity_endpoint(&self.endpoint)?;
        let mut header = HeaderValue::from_str(self.header.expose()).map_err(|_| {
            Error::Config(
                "the identity header has characters an HTTP header cannot carry".to_owned(),
            )
        })?;
        header.set_sensitive(true);
        Ok(ManagedIdentity {
            endpoint,
            header,
            resource: self.resource,
            cloud: self.cloud,
            client_id: self.client_id,
            http: self.http.or_else(token_client),
            cache: TokenCache::new(),
        })
    }
}

/// `IDENTITY_ENDPOINT` is "the URL to the local token service" (same page):
/// plain http on the machine (loopback) or the platform's link-local
/// address (App Service on Linux), so http is allowed there and only there.
fn checked_identity_endpoint(endpoint: &str) -> Result<Url, Error> {
    let shown = || redacted_url(endpoint);
    let url = Url::parse(endpoint)
        .map_err(|e| Error::Config(format!("identity endpoint `{}` is not a URL: {e}", shown())))?;
    let local = is_loopback(&url) || is_link_local(&url);
    match url.scheme() {
        "https" => {}
        "http" if local => {}
        _ => {
            return Err(Error::Config(format!(
                "identity endpoint `{}` must be https, or http to a loopback or link-local address",
                shown()
            )));
        }
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "identity endpoint `{}` must not carry a user name, password or fragment",
            shown()
        )));
    }
    Ok(url)
}

fn is_link_local(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_link_local(),
        Ok(IpAddr::V6(ip)) => ip.is_unicast_link_local(),
        Err(_) => false,
    }
}

impl TokenProvider for ManagedIdentity {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(self.cache.get(|| self.fetch()))
    }

    fn invalidate(&self, token: &AccessToken) {
        self.cache.invalidate(token);
    }

    fn settle_cloud(&self, client: Option<crate::Cloud>) -> Option<crate::Cloud> {
        self.cloud.settle(client)
    }
}

impl fmt::Debug for ManagedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedIdentity")
            .field("endpoint", &redacted_url(self.endpoint.as_str()))
            .field("identity_header", &"<redacted>")
            .field("resource", &self.resource())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ManagedIdentityBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedIdentityBuilder")
            .field("endpoint", &redacted_url(&self.endpoint))
            .field("identity_header", &self.header)
            .field("cloud", &self.cloud)
            .field("resource", &self.resource)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_may_be_plain_http_only_on_the_machine_or_link_local() {
        for good in [
            "http://127.0.0.1:41741/MSI/token/",
            "http://localhost:8081/msi/token",
            "http://169.254.129.2:8081/msi/token",
            "http://[fe80::1]:8081/msi/token",
            "https://identity.example.com/msi/token",
        ] {
            assert!(
                ManagedIdentity::app_service(good, "h").build().is_ok(),
                "{good}"
            );
        }
        for bad in [
            "http://10.0.0.4:8081/msi/token",
            "http://identity.example.com/msi/token",
            "ftp://127.0.0.1/x",
            "not a url",
            "http://user:pw-hidden@127.0.0.1/msi/token",
        ] {
            let err = ManagedIdentity::app_service(bad, "h").build().unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{bad}");
            assert!(!err.to_string().contains("pw-hidden"), "{err}");
        }
        let err = ManagedIdentity::app_service("http://127.0.0.1/x", "bad\r\nheader-hidden")
            .build()
            .unwrap_err();
        assert!(!err.to_string().contains("header-hidden"), "{err}");
    }

    #[test]
    fn the_resource_follows_the_cloud_and_the_header_never_shows() {
        let builder = ManagedIdentity::app_service("http://127.0.0.1:1/msi/token", "hdr-hidden")
            .cloud(Cloud::China);
        assert!(!format!("{builder:?}").contains("hdr-hidden"));
        let identity = builder.build().unwrap();
        assert_eq!(
            identity.resource(),
            "https://microsoftgraph.chinacloudapi.cn"
        );
        assert!(!format!("{identity:?}").contains("hdr-hidden"));
        let custom = ManagedIdentity::app_service("http://127.0.0.1:1/msi/token", "h")
            .resource("https://graph.microsoft.com/")
            .build()
            .unwrap();
        assert_eq!(custom.resource(), "https://graph.microsoft.com/");
    }
}
