//! A local, stateful emulation of Microsoft Graph's driveItem sharing API
//! (invite; list, get, update and delete permissions; JSON batching; the
//! client-credentials token endpoint), with deterministic fault injection and
//! per-client rate limiting, for end-to-end tests, examples and benchmarks.
//!
//! It speaks Graph's JSON on its own terms, written from Microsoft's
//! documentation, and never depends on the client crate.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use graph_emulator::{Emulator, Faults, RateLimit, seed};
//!
//! let emu = Emulator::builder()
//!     .seed(42)
//!     .faults(Faults::new().failure_rate(0.0))
//!     .rate_limit(RateLimit::per_second(100).burst(20))
//!     .start()
//!     .await?;
//! let invite_url = format!(
//!     "{}/drives/{}/items/{}/invite",
//!     emu.base_url(),
//!     seed::ME_DRIVE_ID,
//!     seed::ME_Q3_ID
//! );
//! assert!(invite_url.contains("/v1.0/drives/b!"));
//! // Send requests with `Authorization: Bearer {seed::ACCESS_TOKEN}`.
//! # Ok(())
//! # }
//! ```
//!
//! See the crate README for every endpoint, rule and the seed JSON format.

mod builder;
mod errors;
mod faults;
mod handle;
mod inject;
mod log;
mod mailbox;
mod pipeline;
mod rate_limit;
mod redact;
mod routes;
mod server;
mod state;
mod tenant;
mod tls;
mod util;

pub use builder::{Emulator, EmulatorBuilder, MAX_TOKEN_LIFETIME};
pub use faults::Faults;
pub use handle::EmulatorHandle;
pub use inject::Injection;
pub use log::{DEFAULT_LOG_CAPACITY, FaultKind, LoggedRequest, RequestKind};
pub use mailbox::InvitationTo;
pub use rate_limit::RateLimit;
pub use tenant::{
    AppClient, Drive, FederatedIdentityCredential, Group, Item, KeyCredential, Site, Tenant,
    TenantError, User, seed,
};

/// The maximum number of requests in one `$batch`.
pub const MAX_BATCH_REQUESTS: usize = routes::batch::MAX_REQUESTS;

/// Locks a mutex, recovering the data if a holder panicked.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
