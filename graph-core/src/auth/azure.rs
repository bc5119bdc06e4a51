//! Any `azure_core` credential (the `azure_identity` crate's) as a
//! [`TokenProvider`]: behind the `azure-identity` feature.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;

use super::cache::TokenCache;
use super::cloud_choice::CloudChoice;
use super::token_answer::{IssuedToken, MAX_LIFETIME};
use super::{AccessToken, BoxFuture, TokenProvider};
use crate::{AuthError, Cloud, Error};

/// An `azure_core::credentials::TokenCredential` (any credential of
/// `azure_identity`: `DeveloperToolsCredential`, `ManagedIdentityCredential`,
/// `ClientCertificateCredential`, …) as a [`TokenProvider`].
///
/// It asks for the cloud's Graph `/.default` scope; the token is cached by
/// its `expires_on` in this crate's cache (so concurrent requests share one
/// call) and dropped when Graph rejects it. A failure of the credential is
/// [`AuthErrorKind::CredentialFailed`](crate::AuthErrorKind::CredentialFailed)
/// with the credential's error as its source.
///
/// ```ignore
/// let credential = azure_identity::DeveloperToolsCredential::new(None)?;
/// let client = graph_core::Client::builder()
///     .auth(graph_core::auth::AzureCredential::new(credential))
///     .build()?;
/// ```
pub struct AzureCredential {
    credential: Arc<dyn TokenCredential>,
    /// Set explicitly; else the cloud's Graph `/.default`.
    scope: Option<String>,
    cloud: CloudChoice,
    cache: TokenCache,
}

impl AzureCredential {
    /// Tokens of `credential` for Graph: of the cloud of the
    /// [`Client`](crate::Client) it is given to
    /// ([`TokenProvider::settle_cloud`]), else the global cloud's.
    pub fn new(credential: Arc<dyn TokenCredential>) -> Self {
        Self {
            credential,
            scope: None,
            cloud: CloudChoice::default(),
            cache: TokenCache::new(),
        }
    }

    /// Asks for `cloud`'s Graph `/.default` scope.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud.set(cloud);
        self
    }

    /// Asks for `scope` instead.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    fn scope_asked(&self) -> String {
        self.scope
            .clone()
            .unwrap_or_else(|| self.cloud.current().default_scope())
    }

    async fn fetch(&self) -> Result<IssuedToken, Box<AuthError>> {
        self.cloud.decide();
        let answer = self
            .credential
            .get_token(&[self.scope_asked().as_str()], None)
            .await
            .map_err(|e| Box::new(AuthError::credential_failed(e)))?;
        let left = answer.expires_on - time::OffsetDateTime::now_utc();
        Ok(IssuedToken {
            token: AccessToken::new(answer.token.secret()),
            lifetime: Duration::try_from(left)
                .unwrap_or(Duration::ZERO)
                .min(MAX_LIFETIME),
        })
    }
}

impl TokenProvider for AzureCredential {
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

impl fmt::Debug for AzureCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureCredential")
            .field("credential", &self.credential)
            .field("scope", &self.scope_asked())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use azure_core::credentials::TokenRequestOptions;

    use super::*;
    use crate::AuthErrorKind;

    /// Hands out `token-N` living `lifetime`, or fails; records the scopes asked.
    #[derive(Debug)]
    struct Scripted {
        calls: Mutex<Vec<Vec<String>>>,
        lifetime: time::Duration,
        fail: bool,
    }

    #[async_trait::async_trait]
    impl TokenCredential for Scripted {
        async fn get_token(
            &self,
            scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<azure_core::credentials::AccessToken> {
            let n = {
                let mut calls = self.calls.lock().unwrap();
                calls.push(scopes.iter().map(|s| (*s).to_owned()).collect());
                calls.len()
            };
            if self.fail {
                return Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::Credential,
                    "no developer tool signed in",
                ));
            }
            Ok(azure_core::credentials::AccessToken::new(
                format!("token-{n}"),
                time::OffsetDateTime::now_utc() + self.lifetime,
            ))
        }
    }

    fn scripted(lifetime: time::Duration, fail: bool) -> Arc<Scripted> {
        Arc::new(Scripted {
            calls: Mutex::new(Vec::new()),
            lifetime,
            fail,
        })
    }

    #[tokio::test]
    async fn tokens_are_cached_by_expires_on_and_replaced_when_rejected() {
        let inner = scripted(time::Duration::hours(1), false);
        let provider = AzureCredential::new(inner.clone()).cloud(Cloud::China);
        let first = provider.token().await.unwrap();
        assert_eq!(first.secret(), "token-1");
        assert_eq!(provider.token().await.unwrap(), first);
        provider.invalidate(&first);
        assert_eq!(provider.token().await.unwrap().secret(), "token-2");
        let calls = inner.calls.lock().unwrap().clone();
        assert_eq!(
            calls,
            vec![vec!["https://microsoftgraph.chinacloudapi.cn/.default".to_owned()]; 2]
        );
        assert!(!format!("{provider:?}").contains("token-"));
    }

    #[tokio::test]
    async fn an_expired_answer_is_fetched_again_and_a_failure_is_typed() {
        let inner = scripted(time::Duration::seconds(-30), false);
        let provider = AzureCredential::new(inner.clone());
        provider.token().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        provider.token().await.unwrap();
        assert_eq!(inner.calls.lock().unwrap().len(), 2);

        let failing = AzureCredential::new(scripted(time::Duration::hours(1), true));
        let err = failing.token().await.unwrap_err();
        let Error::Auth(auth) = &err else {
            panic!("{err:?}");
        };
        assert_eq!(auth.kind(), AuthErrorKind::CredentialFailed);
        assert!(
            err.to_string().contains("no developer tool signed in"),
            "{err}"
        );
    }
}
