//! `EmulatorHandle`: the running emulator's address, request log, state
//! snapshots and scripted faults. Dropping it stops the server.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::inject::Injection;
use crate::lock;
use crate::log::LoggedRequest;
use crate::pipeline::Shared;
use crate::tenant::Tenant;

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
        }
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1.0`: the Graph base URL (`/beta` is served too).
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
    /// new, valid ones. The seed's delegated token is not affected.
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

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn handle_is_send_and_sync() {
        assert_send_sync::<super::EmulatorHandle>();
    }
}
