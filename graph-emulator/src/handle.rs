//! `EmulatorHandle`: the running emulator's address, request log, state
//! snapshots and scripted faults. Dropping it stops the server.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::inject::Injection;
use crate::lock;
use crate::log::LoggedRequest;
use crate::mailbox::InvitationTo;
use crate::pipeline::Shared;
use crate::tenant::Tenant;
use crate::tls::CaFile;

/// A running emulator (returned by [`EmulatorBuilder::start`](crate::EmulatorBuilder::start)).
/// `Send + Sync`; dropping it shuts the server down.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use graph_emulator::{Emulator, seed};
///
/// let emu = Emulator::builder().start().await?;
/// assert!(emu.base_url().starts_with("http://127.0.0.1:"));
/// assert_eq!(emu.base_url(), format!("{}/v1.0", emu.root_url()));
/// // Script "429 with Retry-After: 2.128, then the real answer".
/// emu.inject_next(429, Some("2.128"));
/// assert_eq!(emu.pending_injections(), 1);
/// // Adele's seeded grant on Documents.
/// let perms = emu.permissions(seed::ME_DRIVE_ID, seed::ME_DOCUMENTS_ID);
/// assert_eq!(perms[0]["id"], seed::ME_DOCUMENTS_GRANT_ID);
/// assert!(emu.requests().is_empty());
/// drop(emu);
/// # Ok(())
/// # }
/// ```
pub struct EmulatorHandle {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
    shutdown: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// The TLS listener's authority certificate, its file and its count of
    /// failed handshakes, when on TLS.
    tls: Option<TlsInfo>,
}

/// What a TLS emulator's handle knows of its listener.
pub(crate) struct TlsInfo {
    pub ca_pem: String,
    pub ca_file: CaFile,
    pub failed_handshakes: Arc<tokio::sync::watch::Sender<u64>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    pub(crate) fn new(
        shared: Arc<Shared>,
        addr: SocketAddr,
        task: tokio::task::JoinHandle<()>,
        shutdown: tokio::sync::oneshot::Sender<()>,
    ) -> Self {
        Self {
            shared,
            addr,
            task,
            shutdown: Mutex::new(Some(shutdown)),
            tls: None,
        }
    }

    pub(crate) fn set_tls(&mut self, tls: TlsInfo) {
        self.tls = Some(tls);
    }

    /// On a TLS emulator ([`EmulatorBuilder::tls`](crate::EmulatorBuilder::tls)),
    /// the PEM of the certificate authority that signed its server
    /// certificate: what a client adds as a trusted root. `None` on plain
    /// HTTP.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.tls.as_ref().map(|tls| tls.ca_pem.as_str())
    }

    /// On a TLS emulator, the file holding
    /// [`ca_certificate_pem`](Self::ca_certificate_pem) (in the temporary
    /// directory, removed when the handle drops): for clients configured
    /// with a path, such as `REQUESTS_CA_BUNDLE` or `SSL_CERT_FILE`.
    pub fn ca_certificate_path(&self) -> Option<&std::path::Path> {
        self.tls.as_ref().map(|tls| tls.ca_file.path())
    }

    /// On a TLS emulator, how many connections ended in a failed TLS
    /// handshake (a client that does not trust the certificate, plain HTTP
    /// sent to the TLS port, a handshake not finished within ten seconds);
    /// such connections never reach the request log. 0 on plain HTTP.
    ///
    /// A client may see its handshake fail before the emulator has counted
    /// it: [`tls_handshakes_failed`](Self::tls_handshakes_failed) waits for
    /// the count.
    pub fn failed_tls_handshakes(&self) -> u64 {
        self.tls
            .as_ref()
            .map_or(0, |tls| *tls.failed_handshakes.borrow())
    }

    /// Waits until at least `count` TLS handshakes have failed and returns
    /// how many have (at once on plain HTTP, with 0).
    pub async fn tls_handshakes_failed(&self, count: u64) -> u64 {
        let Some(tls) = &self.tls else { return 0 };
        let mut seen = tls.failed_handshakes.subscribe();
        match seen.wait_for(|failed| *failed >= count).await {
            Ok(failed) => *failed,
            Err(_) => *tls.failed_handshakes.borrow(),
        }
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1.0`: the Graph base URL (`/beta` is served
    /// too); `https://…` on a TLS emulator, as every URL of the handle.
    pub fn base_url(&self) -> String {
        format!("{}/v1.0", self.shared.root_url)
    }

    /// `http://127.0.0.1:PORT`: the token authority root; the token endpoint
    /// is `POST {root}/{tenant}/oauth2/v2.0/token`.
    pub fn root_url(&self) -> String {
        self.shared.root_url.clone()
    }

    /// `http://127.0.0.1:PORT/msi/token`: the App Service–style managed
    /// identity endpoint, what `IDENTITY_ENDPOINT` holds on App Service
    /// (requests send [`seed::IDENTITY_HEADER`](crate::seed::IDENTITY_HEADER)
    /// as `X-IDENTITY-HEADER`).
    pub fn identity_endpoint(&self) -> String {
        format!("{}/msi/token", self.shared.root_url)
    }

    /// The token endpoint URL for the served tenant.
    pub fn token_url(&self) -> String {
        let tenant = lock(&self.shared.store).tenant.tenant_id.clone();
        format!("{}/{tenant}/oauth2/v2.0/token", self.shared.root_url)
    }

    /// Every request answered so far (since the last [`clear_requests`](Self::clear_requests)),
    /// in arrival order: Graph requests, token requests, and the inner
    /// requests of each `$batch` (after their outer request).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.snapshot()
    }

    /// How many requests fell out of the log to keep it within its capacity
    /// ([`EmulatorBuilder::log_capacity`](crate::EmulatorBuilder::log_capacity))
    /// or its byte budget, since the emulator started; clearing does not count.
    pub fn dropped_requests(&self) -> u64 {
        self.shared.log.dropped()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// The permissions of an item as currently stored, exactly as `GET
    /// …/permissions` would list them (Graph's JSON). Empty when the drive
    /// or item does not exist.
    pub fn permissions(&self, drive_id: &str, item_id: &str) -> Vec<Value> {
        lock(&self.shared.store)
            .tenant
            .drive(drive_id)
            .and_then(|d| d.item(item_id))
            .map(|i| i.permissions.clone())
            .unwrap_or_default()
    }

    /// [`Tenant::lookup_cost`] of the running emulator, read without the
    /// copy of the tenant [`tenant`](Self::tenant) makes (seconds, on a
    /// tenant of 100,000 items).
    pub fn lookup_cost(&self) -> u64 {
        lock(&self.shared.store).tenant.lookup_cost()
    }

    /// How many invitation emails each recipient was sent about each item
    /// (`sendInvitation: true`, one per recipient per invite; none to a
    /// recipient whose mail bounces), keyed by (drive id, item id,
    /// lower-case email).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let emu = graph_emulator::Emulator::builder().start().await?;
    /// assert!(emu.invitations_sent().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    pub fn invitations_sent(&self) -> std::collections::BTreeMap<InvitationTo, u32> {
        lock(&self.shared.store).mailbox.invitations()
    }

    /// A snapshot of the whole tenant, including current permissions.
    pub fn tenant(&self) -> Tenant {
        lock(&self.shared.store).tenant.clone()
    }

    /// Queues a one-shot forced answer with `status` for the next Graph
    /// request (FIFO; the outer `$batch` and inner batch requests count,
    /// the token endpoint does not). `retry_after` is sent verbatim as the
    /// `Retry-After` header (seconds, a fraction such as `2.128`, or an HTTP
    /// date). The body is Graph's error shape for the status; the request is
    /// not run, so state does not change.
    pub fn inject_next(&self, status: u16, retry_after: Option<&str>) {
        let mut injection = Injection::status(status);
        if let Some(value) = retry_after {
            injection = injection.retry_after(value);
        }
        self.inject(injection);
    }

    /// Queues a forced answer that only matches some requests; see [`Injection`].
    pub fn inject(&self, injection: Injection) {
        lock(&self.shared.injections).push_back(injection);
    }

    /// How many queued injections have not been used yet.
    pub fn pending_injections(&self) -> usize {
        lock(&self.shared.injections).len()
    }

    /// Revokes every token the token endpoint has issued so far, as when an
    /// admin revokes an app's sessions: Graph then answers requests with
    /// them 401 `InvalidAuthenticationToken`, and the token endpoint issues
    /// new, valid ones. Refresh tokens issued so far are revoked too: the
    /// `refresh_token` grant then answers `invalid_grant` (AADSTS50173), and
    /// the user must sign in again. The seed's delegated token is not affected.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let emu = graph_emulator::Emulator::builder().start().await?;
    /// emu.revoke_tokens();
    /// # Ok(())
    /// # }
    /// ```
    pub fn revoke_tokens(&self) {
        lock(&self.shared.store).revoke_issued_tokens();
    }

    /// Approves the pending device code whose user code is `user_code`, as if
    /// `user` (an id or user principal name of a seeded user) signed in at
    /// its verification page: the next poll gets delegated tokens for that
    /// user, whose `/me` is then that user. `false` when no such code is
    /// pending (unknown, expired, already answered) or no such user exists.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let emu = graph_emulator::Emulator::builder().start().await?;
    /// assert!(!emu.approve_device_code("NOSUCHCODE", graph_emulator::seed::ALEX_UPN));
    /// # Ok(())
    /// # }
    /// ```
    pub fn approve_device_code(&self, user_code: &str, user: &str) -> bool {
        let mut store = lock(&self.shared.store);
        let Some(user_id) = store.tenant.find_user(user).map(|u| u.id.clone()) else {
            return false;
        };
        match store.pending_device_code(user_code, std::time::Instant::now()) {
            Some(grant) => {
                grant.state = crate::state::DeviceState::Approved { user_id };
                true
            }
            None => false,
        }
    }

    /// Declines the pending device code whose user code is `user_code`, as
    /// a user who chose not to sign in: the next poll is answered
    /// `authorization_declined`. `false` when no such code is pending.
    pub fn decline_device_code(&self, user_code: &str) -> bool {
        self.set_pending(user_code, crate::state::DeviceState::Declined)
    }

    /// Expires the pending device code whose user code is `user_code` now,
    /// rather than after its 15 minutes: the next poll is answered
    /// `expired_token`. `false` when no such code is pending.
    pub fn expire_device_code(&self, user_code: &str) -> bool {
        self.set_pending(user_code, crate::state::DeviceState::Expired)
    }

    /// Answers the next `polls` polls of pending device codes `slow_down`
    /// (RFC 8628 §3.5). The emulator does not time polls itself, so that
    /// tests can run on a paused clock.
    pub fn slow_down_device_polls(&self, polls: u32) {
        lock(&self.shared.store).slow_down_polls = polls;
    }

    /// Takes `token`, a delegated access token an earlier emulator issued
    /// (such as the one an earlier run of a program that starts the emulator
    /// in-process signed in with), as issued by this one to `user` (an id or
    /// user principal name of a seeded user) of app `client_id` for
    /// `lifetime` from now, carrying the delegated permissions of `scope`
    /// the app was consented to (as the token endpoint would grant them).
    ///
    /// Azure AD remembers the tokens it issued; an in-process emulator
    /// forgets them when it stops. With this hook and
    /// [`adopt_refresh_token`](Self::adopt_refresh_token), a program's
    /// second run signs in silently from its token cache, as it would
    /// against Azure AD. `false` when no such user or app exists.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use graph_emulator::seed;
    /// let emu = graph_emulator::Emulator::builder().start().await?;
    /// let hour = std::time::Duration::from_secs(3600);
    /// let scope = "Files.ReadWrite.All offline_access";
    /// assert!(emu.adopt_access_token("eyJ0.cached.token", seed::CLIENT_ID, seed::ALEX_UPN, scope, hour));
    /// assert!(!emu.adopt_access_token("eyJ0.cached.token", seed::CLIENT_ID, "nobody@contoso.com", scope, hour));
    /// # Ok(())
    /// # }
    /// ```
    pub fn adopt_access_token(
        &self,
        token: &str,
        client_id: &str,
        user: &str,
        scope: &str,
        lifetime: std::time::Duration,
    ) -> bool {
        let mut store = lock(&self.shared.store);
        let Some((_, user_id, scopes)) = adopted_sign_in(&store, client_id, user, scope) else {
            return false;
        };
        let expires_at = std::time::Instant::now()
            .checked_add(lifetime.min(self.shared.token_lifetime))
            .unwrap_or_else(std::time::Instant::now);
        store.issue_delegated_token(token.to_owned(), &user_id, scopes, expires_at);
        true
    }

    /// Takes `refresh_token`, issued by an earlier emulator, as one this
    /// emulator issued to app `client_id` for `user` with `scope`: the
    /// `refresh_token` grant then redeems it once (and rotates it), as a
    /// refresh token of its own. See
    /// [`adopt_access_token`](Self::adopt_access_token) for why. `false`
    /// when no such user or app exists.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use graph_emulator::seed;
    /// let emu = graph_emulator::Emulator::builder().start().await?;
    /// let scope = "https://graph.microsoft.com/Files.ReadWrite.All offline_access";
    /// assert!(emu.adopt_refresh_token("1.AQ-cached", seed::CLIENT_ID, seed::ALEX_UPN, scope));
    /// assert!(!emu.adopt_refresh_token("1.AQ-cached", "no-such-app", seed::ALEX_UPN, scope));
    /// # Ok(())
    /// # }
    /// ```
    pub fn adopt_refresh_token(
        &self,
        refresh_token: &str,
        client_id: &str,
        user: &str,
        scope: &str,
    ) -> bool {
        let mut store = lock(&self.shared.store);
        let Some((client_id, user_id, granted)) = adopted_sign_in(&store, client_id, user, scope)
        else {
            return false;
        };
        let grant = crate::state::RefreshGrant {
            client_id,
            user_id,
            scope: crate::routes::token::refresh_scope(scope, &granted),
            status: crate::state::RefreshStatus::Active,
        };
        store.refresh_tokens.insert(refresh_token.to_owned(), grant);
        true
    }

    /// The next authorize request (`GET {root}/{tenant}/oauth2/v2.0/authorize`)
    /// signs in `user` (an id or user principal name of a seeded user), as
    /// if they had signed in at the sign-in page the emulator does not
    /// have: it is answered with a redirect carrying a code for that user,
    /// whose `/me` is then that user. Without it, an authorize request signs
    /// in the seeded user its `login_hint` names, if any. `false` when no
    /// such user exists.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let emu = graph_emulator::Emulator::builder().start().await?;
    /// assert!(emu.sign_in_next_authorize_as(graph_emulator::seed::ALEX_UPN));
    /// assert!(!emu.sign_in_next_authorize_as("nobody@contoso.com"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn sign_in_next_authorize_as(&self, user: &str) -> bool {
        let mut store = lock(&self.shared.store);
        let Some(user_id) = store.tenant.find_user(user).map(|u| u.id.clone()) else {
            return false;
        };
        store.next_authorize = Some(crate::state::NextAuthorize::SignInAs { user_id });
        true
    }

    /// The next authorize request's user declines: it is answered with a
    /// redirect carrying `error=access_denied` (AADSTS65004) and its `state`.
    pub fn decline_next_authorize(&self) {
        lock(&self.shared.store).next_authorize = Some(crate::state::NextAuthorize::Decline);
    }

    /// Expires every authorization code issued so far now, rather than after
    /// its 10 minutes: redeeming one is answered `invalid_grant` (AADSTS70008).
    /// Returns how many were still unused.
    pub fn expire_authorization_codes(&self) -> usize {
        let mut store = lock(&self.shared.store);
        let now = std::time::Instant::now();
        let mut unused = 0;
        for grant in store.auth_codes.values_mut() {
            grant.expires_at = now;
            unused += usize::from(!grant.redeemed);
        }
        unused
    }

    /// The authorize endpoint URL for the served tenant.
    pub fn authorize_url(&self) -> String {
        let tenant = lock(&self.shared.store).tenant.tenant_id.clone();
        format!("{}/{tenant}/oauth2/v2.0/authorize", self.shared.root_url)
    }

    fn set_pending(&self, user_code: &str, state: crate::state::DeviceState) -> bool {
        let mut store = lock(&self.shared.store);
        match store.pending_device_code(user_code, std::time::Instant::now()) {
            Some(grant) => {
                grant.state = state;
                true
            }
            None => false,
        }
    }

    /// Stops serving now (also done on drop).
    pub fn shutdown(&self) {
        if let Some(tx) = lock(&self.shutdown).take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// What an adopted sign-in of `user` to app `client_id` for `scope` stands
/// for, as the token endpoint would grant it: the app's id as seeded, the
/// user's id, and the consented permissions of `scope`. `None` when no such
/// user or app exists.
fn adopted_sign_in(
    store: &crate::state::Store,
    client_id: &str,
    user: &str,
    scope: &str,
) -> Option<(String, String, Vec<String>)> {
    let user_id = store.tenant.find_user(user)?.id.clone();
    let client = store
        .tenant
        .clients
        .iter()
        .find(|c| c.client_id.eq_ignore_ascii_case(client_id))?;
    let granted =
        crate::routes::token::delegated_permissions(scope, &client.granted_delegated_permissions);
    Some((client.client_id.clone(), user_id, granted))
}

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn handle_is_send_and_sync() {
        assert_send_sync::<super::EmulatorHandle>();
    }
}
