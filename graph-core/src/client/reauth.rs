//! One more attempt with a new token after Graph rejects the one it was sent.

use reqwest::Url;

use crate::Error;
use crate::auth::{AccessToken, TokenProvider};

/// Graph's code for a 401 to a token it does not accept: expired, revoked
/// (continuous access evaluation), or signed for another audience
/// ("Microsoft Graph error responses and resource types").
const INVALID_TOKEN: &str = "InvalidAuthenticationToken";

/// Whether a request gets its one retry with a new token.
#[derive(Debug, Default)]
pub(super) struct Reauth {
    spent: bool,
}

impl Reauth {
    /// After an attempt sent to `sent_to` with `token` failed with `error` (the
    /// answer coming from `answered_by`): `Ok(())` to send the request again,
    /// with the token the provider now hands out, or the error to return.
    ///
    /// Only a 401 `InvalidAuthenticationToken` from the very URL the request
    /// was sent to (no redirect followed: a first hop that answered with a
    /// redirect may have acted), once per request, and only when the
    /// provider, told of the rejected token, hands out another. Graph checks
    /// the token before it acts, so the request had not run: sending it
    /// again sends nothing twice.
    /// A provider that cannot refresh ([`StaticToken`](crate::auth::StaticToken))
    /// keeps its token, and the 401 is returned.
    pub(super) async fn retry(
        &mut self,
        auth: &dyn TokenProvider,
        token: &AccessToken,
        sent_to: &Url,
        answered_by: &Url,
        error: Error,
    ) -> Result<(), Error> {
        let rejected = matches!(&error, Error::Auth(auth) if auth.code() == Some(INVALID_TOKEN));
        if self.spent || !rejected || sent_to != answered_by {
            return Err(error);
        }
        self.spent = true;
        auth.invalidate(token);
        // A token-endpoint failure here is why the request cannot go on.
        let fresh = auth.token().await?;
        if fresh == *token {
            return Err(error);
        }
        tracing::debug!("token rejected; retrying once with a new one");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::auth::BoxFuture;
    use crate::error::Answered;

    /// Hands out `next` after being told of a rejected token; records what it was told.
    #[derive(Debug)]
    struct Refreshing {
        current: Mutex<AccessToken>,
        next: AccessToken,
        told: Mutex<Vec<AccessToken>>,
    }

    impl TokenProvider for Refreshing {
        fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
            let token = self.current.lock().unwrap().clone();
            Box::pin(async move { Ok(token) })
        }

        fn invalidate(&self, token: &AccessToken) {
            self.told.lock().unwrap().push(token.clone());
            *self.current.lock().unwrap() = self.next.clone();
        }
    }

    fn provider() -> Refreshing {
        Refreshing {
            current: Mutex::new(AccessToken::new("old")),
            next: AccessToken::new("new"),
            told: Mutex::new(Vec::new()),
        }
    }

    fn answer(status: u16, code: &str) -> Error {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
        Error::from_answer(Answered {
            status,
            content_type: Some("application/json"),
            body: body.as_bytes(),
            request_id: None,
            client_request_id: None,
            date: None,
            retry_after: None,
            attempts: 1,
        })
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[tokio::test]
    async fn a_rejected_token_is_retried_once_with_the_new_one() {
        let auth = provider();
        let graph = url("https://graph.microsoft.com/v1.0/me");
        let mut reauth = Reauth::default();
        let old = AccessToken::new("old");
        let first = reauth.retry(&auth, &old, &graph, &graph, answer(401, INVALID_TOKEN));
        first.await.unwrap();
        assert_eq!(*auth.told.lock().unwrap(), std::slice::from_ref(&old));
        // The second rejection of the same request is returned.
        let new = AccessToken::new("new");
        let second = reauth.retry(&auth, &new, &graph, &graph, answer(401, INVALID_TOKEN));
        let err = second.await.unwrap_err();
        assert_eq!(err.code(), Some(INVALID_TOKEN));
        assert_eq!(auth.told.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn other_answers_and_redirected_answers_are_returned_without_telling_the_provider() {
        let auth = provider();
        let graph = url("https://graph.microsoft.com/v1.0/me");
        let elsewhere = url("https://contoso.sharepoint.com/x");
        // Redirected on the same origin: the first hop (a POST, say) may have run.
        let redirected = url("https://graph.microsoft.com/v1.0/done");
        let old = AccessToken::new("old");
        for (status, code, answered_by) in [
            (401, "Unauthorized", &graph),
            (403, INVALID_TOKEN, &graph),
            (401, INVALID_TOKEN, &elsewhere),
            (401, INVALID_TOKEN, &redirected),
        ] {
            let error = answer(status, code);
            let mut reauth = Reauth::default();
            let retry = reauth.retry(&auth, &old, &graph, answered_by, error);
            let err = retry.await.unwrap_err();
            assert_eq!((err.status(), err.code()), (Some(status), Some(code)));
        }
        assert!(auth.told.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_provider_that_keeps_its_token_gets_no_retry() {
        let auth = crate::auth::StaticToken::new("only");
        let graph = url("https://graph.microsoft.com/v1.0/me");
        let only = AccessToken::new("only");
        let mut reauth = Reauth::default();
        let retry = reauth.retry(&auth, &only, &graph, &graph, answer(401, INVALID_TOKEN));
        assert_eq!(retry.await.unwrap_err().code(), Some(INVALID_TOKEN));
    }
}
