//! `Emulator::builder()`: configuration, then `start()` binds and serves.

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::faults::Faults;
use crate::handle::{EmulatorHandle, TlsInfo};
use crate::log::{DEFAULT_LOG_CAPACITY, RequestLog};
use crate::pipeline::Shared;
use crate::rate_limit::{Limiter, RateLimit};
use crate::server;
use crate::state::Store;
use crate::tenant::Tenant;
use crate::tenant::seed::Generated;
use crate::tls::{CaFile, Certificates};

/// The longest token lifetime served: longer ones, [`Duration::MAX`]
/// included, are served as this (one day; `expires_in` 86,400). Microsoft's
/// "Configurable token lifetimes in the Microsoft identity platform"
/// documents one day as the longest `AccessTokenLifetime` a policy may set.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Entry point: `Emulator::builder()…start().await`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use graph_emulator::{Emulator, Faults, RateLimit};
///
/// let emu = Emulator::builder()
///     .seed(42)
///     .tenant(graph_emulator::Tenant::default_tenant())
///     .faults(Faults::new().failure_rate(0.30))
///     .rate_limit(RateLimit::per_second(100).burst(20))
///     .token_lifetime(std::time::Duration::from_secs(3600))
///     .start()
///     .await?;
/// assert!(emu.base_url().ends_with("/v1.0"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Emulator;

impl Emulator {
    /// A builder with the default tenant, no faults, no rate limit, a
    /// one-hour token lifetime, a log of the last
    /// [`DEFAULT_LOG_CAPACITY`] requests and seed 0.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// Starts an emulator with the defaults of [`Emulator::builder`].
    pub async fn start() -> std::io::Result<EmulatorHandle> {
        Self::builder().start().await
    }
}

/// Configures an emulator; see [`Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    seed: u64,
    tenant: Tenant,
    generated: Option<Generated>,
    faults: Faults,
    rate_limit: Option<RateLimit>,
    token_lifetime: Duration,
    port: u16,
    log_to_stderr: bool,
    log_capacity: usize,
    tls: bool,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            seed: 0,
            tenant: Tenant::default_tenant(),
            generated: None,
            faults: Faults::new(),
            rate_limit: None,
            token_lifetime: Duration::from_secs(3600),
            port: 0,
            log_to_stderr: false,
            log_capacity: DEFAULT_LOG_CAPACITY,
            tls: false,
        }
    }
}

impl EmulatorBuilder {
    /// Seeds the generator behind random faults, latency and the order of
    /// `$batch` responses: the same seed and request sequence give the same
    /// answers.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The directory and drives to serve.
    pub fn tenant(mut self, tenant: Tenant) -> Self {
        self.tenant = tenant;
        self
    }

    /// Generated content added to the tenant when the emulator starts (to
    /// [`tenant`](Self::tenant)'s, whenever that is set): a site's library
    /// and a OneDrive of realistic, shared items beside the seed. Call
    /// [`Generated::add_to`] on a [`Tenant`] instead to learn what it added.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use graph_emulator::{Emulator, seed};
    /// use graph_emulator::seed::Generated;
    ///
    /// let emu = Emulator::builder().generated(Generated::items(1_000).seed(7)).start().await?;
    /// let library = emu.tenant().drive(seed::GENERATED_SITE_DRIVE_ID).unwrap().items.len();
    /// assert_eq!(library, 800);
    /// # Ok(())
    /// # }
    /// ```
    pub fn generated(mut self, content: Generated) -> Self {
        self.generated = Some(content);
        self
    }

    /// Random failures and latency.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// A token bucket per client (per bearer token).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// How long tokens from the token endpoint stay valid (`expires_in` is
    /// the whole seconds of it), at most [`MAX_TOKEN_LIFETIME`]: a longer one
    /// (even [`Duration::MAX`]) is served as that.
    /// [`seed::ACCESS_TOKEN`](crate::seed::ACCESS_TOKEN) never expires.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The port to bind on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Also print one line per answered request to stderr (secrets redacted,
    /// as in [`LoggedRequest`](crate::LoggedRequest)'s `Debug`).
    pub fn log_to_stderr(mut self, enabled: bool) -> Self {
        self.log_to_stderr = enabled;
        self
    }

    /// How many requests [`EmulatorHandle::requests`] keeps: the latest
    /// `capacity`, the oldest dropped first (default
    /// [`DEFAULT_LOG_CAPACITY`]; 0 keeps none). Bounds the memory a long run
    /// spends on its log; the log also never holds more than about 64 MiB of
    /// requests (headers, path, query and body counted), dropping the oldest
    /// entries first. [`EmulatorHandle::dropped_requests`] counts the dropped.
    pub fn log_capacity(mut self, capacity: usize) -> Self {
        self.log_capacity = capacity;
        self
    }

    /// Serve HTTPS instead of plain HTTP (default: off). At start the
    /// emulator makes a certificate authority of its own (constrained to
    /// `localhost` and `127.0.0.1`) and a certificate for those names signed
    /// by it, both valid from a day before start for one year (private keys
    /// kept in memory, never written), and writes the authority's
    /// certificate to a new file in the temporary directory (mode 0644 less
    /// the umask), removed when the handle drops:
    /// trust [`EmulatorHandle::ca_certificate_pem`] (or the file at
    /// [`EmulatorHandle::ca_certificate_path`]) and every URL of the handle
    /// says `https`. This is what Microsoft's own sign-in libraries need:
    /// MSAL and azure_identity refuse an authority that is not https.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use graph_emulator::Emulator;
    ///
    /// let emu = Emulator::builder().tls(true).start().await?;
    /// assert!(emu.base_url().starts_with("https://127.0.0.1:"));
    /// let pem = emu.ca_certificate_pem().expect("a TLS emulator has one");
    /// assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    /// let path = emu.ca_certificate_path().expect("written at start");
    /// assert_eq!(std::fs::read_to_string(path)?, pem);
    /// # Ok(())
    /// # }
    /// ```
    pub fn tls(mut self, enabled: bool) -> Self {
        self.tls = enabled;
        self
    }

    /// Checks the tenant, binds `127.0.0.1:{port}` and serves in a background
    /// task of the current tokio runtime until the handle is dropped.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](std::io::ErrorKind::InvalidInput) naming the problem
    /// when the tenant fails [`Tenant::validate`] (a parent cycle, a missing
    /// parent, a duplicate id, …); the bind's error if the port is taken.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use graph_emulator::{Emulator, Tenant};
    ///
    /// let mut tenant = Tenant::default_tenant();
    /// tenant.drives[0].items[1].parent_id = Some("nowhere".into());
    /// let err = Emulator::builder().tenant(tenant).start().await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// assert!(err.to_string().contains("unknown parent"), "{err}");
    /// # }
    /// ```
    pub async fn start(mut self) -> std::io::Result<EmulatorHandle> {
        if let Some(content) = self.generated {
            content.add_to(&mut self.tenant);
        }
        self.tenant
            .prepare()
            .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidInput, err))?;
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))
                .await?;
        let addr = listener.local_addr()?;
        let tls = if self.tls {
            let certificates = Certificates::generate()?;
            let file = CaFile::write(&certificates.ca_pem, addr.port())?;
            Some((certificates, file))
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::new(self.tenant)),
            log: RequestLog::new(self.log_to_stderr, self.log_capacity),
            rng: Mutex::new(fastrand::Rng::with_seed(self.seed)),
            faults: self.faults,
            injections: Mutex::new(VecDeque::new()),
            limiter: self.rate_limit.map(|l| Mutex::new(Limiter::new(l))),
            token_lifetime: self.token_lifetime.min(MAX_TOKEN_LIFETIME),
            root_url: format!("{scheme}://{addr}"),
        });
        let app = server::router(Arc::clone(&shared));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async {
            let _ = rx.await;
        };
        let (task, tls) = match tls {
            None => (server::spawn(listener, app, shutdown), None),
            Some((certificates, ca_file)) => {
                let ca_pem = certificates.ca_pem.clone();
                let failed_handshakes = Arc::new(tokio::sync::watch::Sender::new(0));
                let tls_listener = certificates.listen(listener, Arc::clone(&failed_handshakes));
                let info = TlsInfo {
                    ca_pem,
                    ca_file,
                    failed_handshakes,
                };
                (server::spawn(tls_listener, app, shutdown), Some(info))
            }
        };
        let mut handle = EmulatorHandle::new(shared, addr, task, tx);
        if let Some(info) = tls {
            handle.set_tls(info);
        }
        Ok(handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every duration a caller can hand the builder is served without a
    /// panic; the ones no clock can reach saturate.
    #[test]
    fn extreme_latencies_are_drawn_without_overflow() {
        let mut rng = fastrand::Rng::with_seed(7);
        for (min, max) in [
            (Duration::MAX - Duration::from_secs(1), Duration::MAX),
            (Duration::MAX, Duration::MAX),
            (Duration::ZERO, Duration::MAX),
        ] {
            let faults = Faults::new().latency(min, max);
            for _ in 0..100 {
                let drawn = faults.draw_latency(&mut rng).unwrap();
                assert!(drawn >= min, "{drawn:?} < {min:?}");
            }
        }
    }
}
