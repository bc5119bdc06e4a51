//! Where bearer tokens come from: a fixed token; the OAuth2 client-credentials
//! flow with a client secret ([`ClientCredentials`]), a certificate
//! ([`ClientCertificate`]) or a federated token ([`WorkloadIdentity`]); a
//! managed identity ([`ManagedIdentity`]); or a user's delegated sign-in
//! ([`DeviceCode`], [`AuthorizationCode`]) remembered in a [`TokenStore`].
//!
//! When Graph answers 401 `InvalidAuthenticationToken` (a token revoked or
//! expired early), the client tells its provider
//! ([`TokenProvider::invalidate`]) and, if the provider then hands out
//! another token, sends the request once more with it (Graph checks the
//! token before it acts, so the request had not run). Which providers can do
//! that:
//!
//! | provider | refreshes after a 401 |
//! | --- | --- |
//! | [`ClientCredentials`] | yes: it drops the rejected token and fetches a new one |
//! | [`DeviceCode`] | yes: it drops the rejected token and uses its refresh token |
//! | [`AuthorizationCode`] | yes: likewise |
//! | [`ClientCertificate`] | yes: likewise, signing a new assertion |
//! | [`WorkloadIdentity`] | yes: likewise, reading its token file again |
//! | [`ManagedIdentity`] | yes: likewise, from the managed identity endpoint |
//! | [`StaticToken`] | no: it has only its one token, so the 401 is returned as [`Error::Auth`] |
//! | your own [`TokenProvider`] | if it implements [`invalidate`](TokenProvider::invalidate), or hands out another token anyway |

mod authorization_code;
#[cfg(feature = "azure-identity")]
mod azure;
mod cache;
mod client_certificate;
mod client_credentials;
mod cloud_choice;
mod delegated;
mod device_code;
mod env;
mod form_post;
mod loopback;
mod managed_identity;
mod static_token;
mod store;
mod token_answer;
mod token_request;
mod workload_identity;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::header::HeaderValue;

pub use authorization_code::{AuthorizationCode, AuthorizePrompt};
#[cfg(feature = "azure-identity")]
pub use azure::AzureCredential;
pub use client_certificate::{ClientCertificate, ClientCertificateBuilder};
pub use client_credentials::{ClientCredentials, ClientCredentialsBuilder};
pub use device_code::{DeviceCode, DevicePrompt};
pub use env::{ENV_VARIABLES, EnvCredential, EnvError, from_env};
pub use managed_identity::{ManagedIdentity, ManagedIdentityBuilder};
pub use static_token::StaticToken;
pub use store::{FileTokenStore, MemoryTokenStore, StoreError, StoreKey, StoredToken, TokenStore};
pub use workload_identity::{WorkloadIdentity, WorkloadIdentityBuilder};

use crate::{Cloud, Error, Secret};

/// A boxed future, so [`TokenProvider`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A bearer token for Microsoft Graph. Its `Debug` output hides the token.
///
/// Cheap to clone (clones share one copy). The `Authorization: Bearer …`
/// header value is built once, with the token, and marked sensitive, so a
/// provider that hands out the same token for many requests costs no
/// per-request formatting.
#[derive(Clone)]
pub struct AccessToken(Arc<TokenText>);

struct TokenText {
    secret: Secret,
    /// `Bearer {secret}`, or `None` when the token has characters a header cannot carry.
    authorization: Option<HeaderValue>,
}

impl AccessToken {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        let secret = Secret::new(token);
        let authorization = HeaderValue::try_from(format!("Bearer {}", secret.expose()))
            .ok()
            .map(|mut value| {
                value.set_sensitive(true);
                value
            });
        Self(Arc::new(TokenText {
            secret,
            authorization,
        }))
    }

    /// The token text, for the `Authorization` header.
    pub fn secret(&self) -> &str {
        self.0.secret.expose()
    }

    /// The `Authorization` header value (`Bearer {token}`, sensitive), or
    /// `None` when the token holds characters a header cannot carry.
    pub(crate) fn authorization(&self) -> Option<&HeaderValue> {
        self.0.authorization.as_ref()
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.0.secret == other.0.secret
    }
}

impl Eq for AccessToken {}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AccessToken").field(&self.0.secret).finish()
    }
}

/// Supplies bearer tokens to the [`Client`](crate::Client), asked once per attempt.
///
/// Implement it to plug in another credential (a managed identity, a token
/// from your own cache). Implementations must be cheap when a cached token is
/// still good, and should let only one refresh run at a time. A provider
/// that caches tokens should also implement [`invalidate`](Self::invalidate),
/// so that a token Graph rejects is replaced (see the [module docs](self)).
///
/// ```
/// use graph_core::auth::{AccessToken, BoxFuture, TokenProvider};
///
/// #[derive(Debug)]
/// struct FromEnv;
///
/// impl TokenProvider for FromEnv {
///     fn token(&self) -> BoxFuture<'_, Result<AccessToken, graph_core::Error>> {
///         Box::pin(async {
///             let token = std::env::var("MY_TOKEN").unwrap_or_default();
///             Ok(AccessToken::new(token))
///         })
///     }
/// }
/// ```
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token valid for at least the next request.
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>>;

    /// Graph rejected `token` (401 `InvalidAuthenticationToken`): stop handing
    /// it out, so that the next [`token`](Self::token) call gets another.
    ///
    /// Drop only `token` itself: another request may already have fetched a
    /// newer one, which must stay. The client calls this at most once per
    /// request, then asks for a token again and retries the request once if
    /// the token differs. The default does nothing: the provider cannot
    /// refresh, and the 401 is returned as [`Error::Auth`].
    fn invalidate(&self, token: &AccessToken) {
        let _ = token;
    }

    /// Agrees on the national cloud with a [`Client`](crate::Client) being
    /// built: `client` is the cloud set with
    /// [`ClientBuilder::cloud`](crate::ClientBuilder::cloud), if one was.
    /// Returns the cloud this provider's tokens are for, or `None` when it
    /// does not know (the default: a [`StaticToken`], your own provider).
    ///
    /// The credentials of this module follow `client` unless they were
    /// given a cloud themselves (their `cloud` setter) or have already
    /// requested a token: their sign-in authority (unless set with
    /// `authority`) and their default scope become that cloud's. The client
    /// then uses the cloud returned for its own base URL when it was given
    /// none, and refuses to build ([`Error::Config`]) when the two differ,
    /// so requests never go to one cloud with a token of another.
    fn settle_cloud(&self, client: Option<Cloud>) -> Option<Cloud> {
        let _ = client;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_header_is_built_once_and_sensitive() {
        let token = AccessToken::new("eyJ0.abc");
        let header = token.authorization().unwrap();
        assert_eq!(header.to_str().unwrap(), "Bearer eyJ0.abc");
        assert!(header.is_sensitive());
        // Clones share the same header rather than formatting their own.
        let clone = token.clone();
        assert!(std::ptr::eq(clone.authorization().unwrap(), header));
        assert_eq!(clone, token);
        assert_ne!(AccessToken::new("other"), token);
        assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
    }

    #[test]
    fn a_token_a_header_cannot_carry_has_no_header() {
        let token = AccessToken::new("abc\r\nInjected: yes");
        assert!(token.authorization().is_none());
        assert_eq!(token.secret(), "abc\r\nInjected: yes");
    }
}
