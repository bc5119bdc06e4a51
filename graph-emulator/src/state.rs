//! Mutable emulator state: the tenant (with its permissions) and the access
//! tokens issued by the token endpoint; authentication of bearer tokens.

use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

use crate::errors::ApiError;
use crate::mailbox::Mailbox;
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
    principal: Principal,
    /// Its `scp` (delegated) or `roles` (app-only): what Graph lets it do.
    permissions: Vec<String>,
    expires_at: Instant,
    revoked: bool,
}

/// A bearer token Graph accepted: who it stands for and what it may do.
/// `Debug` never shows the token.
#[derive(Clone)]
pub(crate) struct Authenticated {
    pub principal: Principal,
    /// The Microsoft Graph permissions it carries: `scp` for a delegated
    /// token, `roles` for an app-only one.
    pub permissions: Vec<String>,
    /// The token itself (the rate-limit key).
    pub token: String,
}

impl fmt::Debug for Authenticated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticated")
            .field("principal", &self.principal)
            .field("permissions", &self.permissions)
            .field("token", &crate::redact::REDACTED)
            .finish()
    }
}

impl Authenticated {
    /// Which row of an operation's permissions table applies.
    pub fn kind(&self) -> crate::routes::scopes::TokenKind {
        match self.principal {
            Principal::Delegated { .. } => crate::routes::scopes::TokenKind::Delegated,
            Principal::App { .. } => crate::routes::scopes::TokenKind::Application,
        }
    }
}

/// Where a device code's sign-in stands (RFC 8628 §3.5 and the Microsoft
/// identity platform's "OAuth 2.0 device authorization grant", "Expected errors").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeviceState {
    /// The user has not signed in yet: `authorization_pending`.
    Pending,
    /// The user signed in: the next poll gets the tokens.
    Approved { user_id: String },
    /// The user declined: `authorization_declined`.
    Declined,
    /// Expired (by its `expires_in` or a test hook): `expired_token`.
    Expired,
    /// Its tokens were issued; a device code is used once.
    Redeemed,
}

/// A device code issued by `/devicecode`.
#[derive(Debug, Clone)]
pub(crate) struct DeviceGrant {
    pub client_id: String,
    pub user_code: String,
    pub scope: String,
    pub expires_at: Instant,
    pub state: DeviceState,
}

/// What became of a refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefreshStatus {
    Active,
    /// Redeemed: a new refresh token replaced it (rotation).
    Rotated,
    /// Revoked by [`Store::revoke_issued_tokens`].
    Revoked,
}

/// A refresh token issued with delegated tokens.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    pub status: RefreshStatus,
}

/// How a code's PKCE challenge was made (RFC 7636 §4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChallengeMethod {
    Plain,
    S256,
}

/// An authorization code issued by `/authorize`, bound to what it was
/// issued for (RFC 6749 §4.1.2: "bound to the client identifier and
/// redirection URI"; RFC 7636 §4.4: and the challenge).
#[derive(Debug, Clone)]
pub(crate) struct AuthCodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub user_id: String,
    pub challenge: String,
    pub method: ChallengeMethod,
    pub expires_at: Instant,
    /// Its tokens were issued; a code is used once.
    pub redeemed: bool,
    /// The access and refresh tokens its redemption issued, revoked if the
    /// code is sent again (RFC 6749 §4.1.2).
    pub issued: Vec<String>,
}

/// What the next authorize request's user does (a test hook: the emulator
/// has no sign-in page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NextAuthorize {
    SignInAs { user_id: String },
    Decline,
}

/// Tenant data plus issued tokens, device codes and refresh tokens, behind
/// one mutex in `Shared`. `Debug` counts them and never shows one (they are
/// keyed by the secret).
pub(crate) struct Store {
    pub tenant: Tenant,
    tokens: HashMap<String, IssuedToken>,
    /// Keyed by the device code.
    pub device_codes: HashMap<String, DeviceGrant>,
    /// Keyed by the refresh token.
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    /// How many polls of a pending device code are still to answer
    /// `slow_down` (a test hook: the emulator does not time polls, so that
    /// tests can run on a paused clock).
    pub slow_down_polls: u32,
    /// Keyed by the authorization code.
    pub auth_codes: HashMap<String, AuthCodeGrant>,
    /// Set by a test hook, taken by the next authorize request.
    pub next_authorize: Option<NextAuthorize>,
    /// The invitation emails sent.
    pub mailbox: Mailbox,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let revoked = self.tokens.values().filter(|t| t.revoked).count();
        f.debug_struct("Store")
            .field("tenant", &self.tenant)
            .field("issued_tokens", &self.tokens.len())
            .field("revoked_tokens", &revoked)
            .field("device_codes", &self.device_codes.len())
            .field("refresh_tokens", &self.refresh_tokens.len())
            .field("auth_codes", &self.auth_codes.len())
            .finish()
    }
}

impl Store {
    pub fn new(tenant: Tenant) -> Self {
        Self {
            tenant,
            tokens: HashMap::new(),
            device_codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            slow_down_polls: 0,
            auth_codes: HashMap::new(),
            next_authorize: None,
            mailbox: Mailbox::default(),
        }
    }

    /// An app-only token for `client_id` carrying the application
    /// permissions `roles`.
    pub fn issue_token(
        &mut self,
        token: String,
        client_id: &str,
        roles: Vec<String>,
        expires_at: Instant,
    ) {
        let principal = Principal::App {
            client_id: client_id.to_string(),
        };
        self.issue_for(token, principal, roles, expires_at);
    }

    /// A delegated token: `/me` is `user_id`; it carries the delegated
    /// permissions `scopes`.
    pub fn issue_delegated_token(
        &mut self,
        token: String,
        user_id: &str,
        scopes: Vec<String>,
        expires_at: Instant,
    ) {
        let principal = Principal::Delegated {
            user_id: user_id.to_string(),
        };
        self.issue_for(token, principal, scopes, expires_at);
    }

    fn issue_for(
        &mut self,
        token: String,
        principal: Principal,
        permissions: Vec<String>,
        expires_at: Instant,
    ) {
        self.tokens.insert(
            token,
            IssuedToken {
                principal,
                permissions,
                expires_at,
                revoked: false,
            },
        );
    }

    /// Revokes every access and refresh token issued so far (the seed's
    /// delegated token stays valid); tokens issued afterwards are good.
    pub fn revoke_issued_tokens(&mut self) {
        for issued in self.tokens.values_mut() {
            issued.revoked = true;
        }
        for grant in self.refresh_tokens.values_mut() {
            if grant.status == RefreshStatus::Active {
                grant.status = RefreshStatus::Revoked;
            }
        }
    }

    /// Revokes one issued access or refresh token (unknown ones are ignored).
    pub fn revoke_token(&mut self, token: &str) {
        if let Some(issued) = self.tokens.get_mut(token) {
            issued.revoked = true;
        }
        if let Some(grant) = self.refresh_tokens.get_mut(token) {
            grant.status = RefreshStatus::Revoked;
        }
    }

    /// The device code whose user code is `user_code` (case-insensitive), while pending.
    pub fn pending_device_code(
        &mut self,
        user_code: &str,
        now: Instant,
    ) -> Option<&mut DeviceGrant> {
        self.device_codes.values_mut().find(|grant| {
            grant.user_code.eq_ignore_ascii_case(user_code)
                && grant.state == DeviceState::Pending
                && now < grant.expires_at
        })
    }

    /// Checks an `Authorization` header value; returns who the token
    /// stands for, what it may do, and the token (the rate-limit key).
    pub fn authenticate(
        &self,
        header: Option<&str>,
        now: Instant,
    ) -> Result<Authenticated, ApiError> {
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
            return Ok(Authenticated {
                principal: Principal::Delegated {
                    user_id: self.tenant.me.clone(),
                },
                permissions: self.tenant.access_token_scopes.clone(),
                token: token.to_string(),
            });
        }
        match self.tokens.get(token) {
            // Graph refuses a token revoked before its expiry with the same
            // 401 `InvalidAuthenticationToken` as any token it does not
            // accept; the message is the emulator's own wording.
            Some(issued) if issued.revoked => Err(ApiError::unauthenticated(
                "Access token validation failure. The token has been revoked.",
            )),
            Some(issued) if now < issued.expires_at => Ok(Authenticated {
                principal: issued.principal.clone(),
                permissions: issued.permissions.clone(),
                token: token.to_string(),
            }),
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
        store.issue_token("old".into(), "app", Vec::new(), later);
        store.revoke_issued_tokens();
        store.issue_token("new".into(), "app", Vec::new(), later);

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
        store.issue_token("ISSUED-TOKEN-1".into(), "app", Vec::new(), later);
        store.revoke_issued_tokens();
        store.issue_token("ISSUED-TOKEN-2".into(), "app", Vec::new(), later);
        store.issue_delegated_token("ISSUED-TOKEN-3".into(), "user", Vec::new(), later);
        store.device_codes.insert(
            "DEVICE-CODE-1".into(),
            DeviceGrant {
                client_id: "app".into(),
                user_code: "ABC".into(),
                scope: "x".into(),
                expires_at: later,
                state: DeviceState::Pending,
            },
        );
        store.refresh_tokens.insert(
            "REFRESH-TOKEN-1".into(),
            RefreshGrant {
                client_id: "app".into(),
                user_id: "user".into(),
                scope: "x".into(),
                status: RefreshStatus::Active,
            },
        );
        let shown = format!("{store:?} {store:#?}");
        for secret in [
            "ISSUED-TOKEN",
            "DEVICE-CODE",
            "REFRESH-TOKEN",
            &store.tenant.access_token,
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("issued_tokens: 3"), "{shown}");
        assert!(shown.contains("device_codes: 1"), "{shown}");
        assert!(shown.contains("refresh_tokens: 1"), "{shown}");
        assert!(shown.contains("revoked_tokens: 1"), "{shown}");
    }
}
