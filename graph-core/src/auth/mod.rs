//! Where bearer tokens come from: a fixed token, or the OAuth2 client-credentials flow.

mod client_credentials;
mod static_token;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub use client_credentials::ClientCredentials;
pub use static_token::StaticToken;

use crate::{Error, Secret};

/// A boxed future, so [`TokenProvider`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A bearer token for Microsoft Graph. Its `Debug` output hides the token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(Secret);

impl AccessToken {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        Self(Secret::new(token))
    }

    /// The token text, for the `Authorization` header.
    pub fn secret(&self) -> &str {
        self.0.expose()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AccessToken").field(&self.0).finish()
    }
}

/// Supplies bearer tokens to the [`Client`](crate::Client), asked once per attempt.
///
/// Implement it to plug in another credential (a managed identity, a token
/// from your own cache). Implementations must be cheap when a cached token is
/// still good, and should let only one refresh run at a time.
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
}
