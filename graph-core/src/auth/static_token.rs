//! A token obtained elsewhere, used as it is.

use super::{AccessToken, BoxFuture, TokenProvider};
use crate::Error;

/// Always the same bearer token; for scripts, tests and tokens managed elsewhere.
///
/// It cannot refresh: when Graph rejects the token (401), the request is not
/// retried and the error is [`Error::Auth`](crate::Error::Auth).
///
/// ```
/// use graph_core::auth::StaticToken;
///
/// let auth = StaticToken::new("eyJ0eXAi...");
/// assert_eq!(format!("{auth:?}"), "StaticToken(AccessToken(<redacted>))");
/// ```
#[derive(Debug, Clone)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    /// Uses `token` for every request.
    pub fn new(token: impl Into<String>) -> Self {
        Self(AccessToken::new(token))
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}
