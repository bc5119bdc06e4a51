//! Mutable emulator state: the tenant (with its permissions) and the access
//! tokens issued by the token endpoint; authentication of bearer tokens.

use std::collections::HashMap;
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
}

/// Tenant data plus issued tokens, behind one mutex in `Shared`.
#[derive(Debug)]
pub(crate) struct Store {
    pub tenant: Tenant,
    tokens: HashMap<String, IssuedToken>,
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
            },
        );
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
