//! Mutable emulator state: the tenant (with its permissions) and the access
//! tokens issued by the token endpoint; authentication of bearer tokens.

use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

use crate::errors::ApiError;
use crate::tenant::Tenant;

/// Who a bearer token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Principal {
    /// A user (delegated token): `/me` is this user.
    Delegated { user_id: String },
    /// An application (client-credentials token): `/me` is refused.
    App { client_id: String },
}

#[derive(Debug, Clone)]
struct IssuedToken {
    client_id: String,
    expires_at: Instant,
    revoked: bool,
}

/// Tenant data plus issued tokens, behind one mutex in `Shared`. `Debug`
/// counts the tokens and never shows one (they are keyed by the token).
pub(crate) struct Store {
    pub tenant: Tenant,
    tokens: HashMap<String, IssuedToken>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let revoked = self.tokens.values().filter(|t| t.revoked).count();
        f.debug_struct("Store")
            .field("tenant", &self.tenant)
            .field("issued_tokens", &self.tokens.len())
            .field("revoked_tokens", &revoked)
            .finish()
    }
}

impl Store {
    pub fn new(tenant: Tenant) -> Self {
        Self {
            tenant,
            tokens: HashMap::new(),
        }
    }

    pub fn issue_token(&mut self, token: String, client_id: &str, expires_at: Instant) {
        self.tokens.insert(
            token,
            IssuedToken {
                client_id: client_id.to_string(),
                expires_at,
                revoked: false,
            },
        );
    }

    /// Revokes every token issued so far (the seed's delegated token stays
    /// valid); tokens issued afterwards are good.
    pub fn revoke_issued_tokens(&mut self) {
        for issued in self.tokens.values_mut() {
            issued.revoked = true;
        }
    }

    /// Checks an `Authorization` header value; returns the principal and
    /// the token (the rate-limit key).
    pub fn authenticate(
        &self,
        header: Option<&str>,
        now: Instant,
    ) -> Result<(Principal, String), ApiError> {
        let header = header.map(str::trim).unwrap_or_default();
        if header.is_empty() {
            return Err(ApiError::unauthenticated("Access token is empty."));
        }
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => {
                return Err(ApiError::unauthenticated(
                    "Access token validation failure. The Authorization header must use the Bearer scheme.",
                ));
            }
        };
        if token.is_empty() {
            return Err(ApiError::unauthenticated("Access token is empty."));
        }
        if token == self.tenant.access_token {
            return Ok((
                Principal::Delegated {
                    user_id: self.tenant.me.clone(),
                },
                token.to_string(),
            ));
        }
        match self.tokens.get(token) {
            // Graph refuses a token revoked before its expiry with the same
            // 401 `InvalidAuthenticationToken` as any token it does not
            // accept; the message is the emulator's own wording.
            Some(issued) if issued.revoked => Err(ApiError::unauthenticated(
                "Access token validation failure. The token has been revoked.",
            )),
            Some(issued) if now < issued.expires_at => Ok((
                Principal::App {
                    client_id: issued.client_id.clone(),
                },
                token.to_string(),
            )),
            Some(_) => Err(ApiError::unauthenticated(
                "Lifetime validation failed, the token is expired.",
            )),
            None => Err(ApiError::unauthenticated(
                "Access token validation failure. Invalid audience or signature.",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn revoked_tokens_are_refused_as_graph_does_and_new_ones_are_good() {
        let mut store = Store::new(Tenant::default_tenant());
        let seed_token = format!("Bearer {}", store.tenant.access_token);
        let now = Instant::now();
        let later = now + Duration::from_secs(3600);
        store.issue_token("old".into(), "app", later);
        store.revoke_issued_tokens();
        store.issue_token("new".into(), "app", later);

        let refused = store.authenticate(Some("Bearer old"), now).unwrap_err();
        assert_eq!(
            (refused.status, refused.code.as_str()),
            (401, "InvalidAuthenticationToken")
        );
        assert!(store.authenticate(Some("Bearer new"), now).is_ok());
        assert!(store.authenticate(Some(&seed_token), now).is_ok());
    }

    #[test]
    fn debug_counts_tokens_and_shows_none() {
        let mut store = Store::new(Tenant::default_tenant());
        let later = Instant::now() + Duration::from_secs(3600);
        store.issue_token("ISSUED-TOKEN-1".into(), "app", later);
        store.revoke_issued_tokens();
        store.issue_token("ISSUED-TOKEN-2".into(), "app", later);
        let shown = format!("{store:?} {store:#?}");
        for secret in ["ISSUED-TOKEN", &store.tenant.access_token] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("issued_tokens: 2"), "{shown}");
        assert!(shown.contains("revoked_tokens: 1"), "{shown}");
    }
}
