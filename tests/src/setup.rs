//! Starting an emulator and pointing clients at it.

use std::time::Duration;

use graph_core::Client;
use graph_core::auth::{ClientCredentials, StaticToken};
use graph_core::retry::{RetryPolicy, RetryPolicyBuilder};
use graph_emulator::{Emulator, EmulatorBuilder, EmulatorHandle, Faults, RateLimit, Tenant, seed};

/// The default emulator and a client with the seed's delegated token and the
/// default retry policy: `let (emulator, client) = tests::start().await;`.
pub async fn start() -> (EmulatorHandle, Client) {
    Setup::new().start().await
}

/// An emulator to start and the client to point at it, configured.
///
/// Everything not set keeps the emulator's and the client's defaults: the
/// default tenant, seed 0, no faults, no latency, no rate limit, one-hour
/// tokens, and the default retry policy.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// use graph_emulator::{Faults, RateLimit};
///
/// let (emulator, client) = tests::Setup::new()
///     .seed(7)
///     .faults(Faults::new().failure_rate(0.3))
///     .latency(Duration::from_millis(20), Duration::from_millis(30))
///     .rate_limit(RateLimit::per_second(700).burst(50))
///     .retry_policy(tests::quick_retries())
///     .start()
///     .await;
/// assert_eq!(client.base_url(), emulator.base_url());
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Setup {
    emulator: EmulatorBuilder,
    faults: Faults,
    retry_policy: RetryPolicy,
}

impl Default for Setup {
    fn default() -> Self {
        Self::new()
    }
}

impl Setup {
    /// The defaults: see [`Setup`].
    pub fn new() -> Self {
        Self {
            emulator: Emulator::builder(),
            faults: Faults::new(),
            retry_policy: RetryPolicy::new(),
        }
    }

    /// Seeds the emulator's random faults, latency and `$batch` answer order.
    pub fn seed(mut self, seed: u64) -> Self {
        self.emulator = self.emulator.seed(seed);
        self
    }

    /// The directory and drives the emulator serves (default: the seed tenant).
    pub fn tenant(mut self, tenant: Tenant) -> Self {
        self.emulator = self.emulator.tenant(tenant);
        self
    }

    /// Random failures; replaces any faults and latency set before.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Answers every HTTP request after a delay drawn from `min..=max`, on
    /// top of the faults set so far.
    pub fn latency(mut self, min: Duration, max: Duration) -> Self {
        self.faults = self.faults.latency(min, max);
        self
    }

    /// A token bucket per bearer token.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.emulator = self.emulator.rate_limit(limit);
        self
    }

    /// How long tokens from the emulator's token endpoint stay valid.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.emulator = self.emulator.token_lifetime(lifetime);
        self
    }

    /// The client's retry policy (default: [`RetryPolicy::new`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Starts the emulator, without a client.
    pub async fn start_emulator(self) -> EmulatorHandle {
        self.emulator
            .faults(self.faults)
            .start()
            .await
            .expect("emulator starts on loopback")
    }

    /// Starts the emulator and builds a client for it with the seed's
    /// delegated token ([`seed::ACCESS_TOKEN`]) and the retry policy.
    pub async fn start(self) -> (EmulatorHandle, Client) {
        let policy = self.retry_policy.clone();
        let emulator = self.start_emulator().await;
        let client = client_with(&emulator, policy);
        (emulator, client)
    }
}

/// The default retry policy with a 10 ms backoff base, so that a retry
/// without `Retry-After` costs milliseconds instead of seconds.
pub fn quick_retries() -> RetryPolicy {
    quick_retries_builder().build().expect("a valid policy")
}

/// [`quick_retries`] as a builder, for a test that changes one limit.
pub fn quick_retries_builder() -> RetryPolicyBuilder {
    RetryPolicy::builder().base_delay(Duration::from_millis(10))
}

/// A client of `emulator` with the seed's delegated token and the default
/// retry policy.
pub fn client(emulator: &EmulatorHandle) -> Client {
    client_with(emulator, RetryPolicy::new())
}

/// A client of `emulator` with the seed's delegated token and `policy`.
pub fn client_with(emulator: &EmulatorHandle, policy: RetryPolicy) -> Client {
    Client::builder()
        .base_url(emulator.base_url())
        .auth(StaticToken::new(seed::ACCESS_TOKEN))
        .retry_policy(policy)
        .build()
        .expect("client builds")
}

/// The seed's app registration ([`seed::CLIENT_ID`]) with `secret`, getting
/// its tokens from `emulator`'s token endpoint.
pub fn credentials(emulator: &EmulatorHandle, secret: &str) -> ClientCredentials {
    credentials_for(emulator, seed::CLIENT_ID, secret)
}

/// The app registration `client_id` with `secret` (such as
/// [`seed::READ_ONLY_CLIENT_ID`]), getting its tokens from `emulator`.
pub fn credentials_for(
    emulator: &EmulatorHandle,
    client_id: &str,
    secret: &str,
) -> ClientCredentials {
    ClientCredentials::builder(seed::TENANT_ID, client_id, secret.to_owned())
        .authority(emulator.root_url())
        .build()
        .expect("loopback authority is accepted")
}

/// An app-only client of `emulator` (client credentials with `secret`, see
/// [`credentials`]) and the default retry policy.
pub fn app_client(emulator: &EmulatorHandle, secret: &str) -> Client {
    app_client_for(emulator, seed::CLIENT_ID, secret)
}

/// An app-only client of `emulator` for the app registration `client_id`
/// (see [`credentials_for`]) and the default retry policy.
pub fn app_client_for(emulator: &EmulatorHandle, client_id: &str, secret: &str) -> Client {
    Client::builder()
        .base_url(emulator.base_url())
        .auth(credentials_for(emulator, client_id, secret))
        .build()
        .expect("client builds")
}
