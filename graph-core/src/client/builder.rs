//! Configuring a [`Client`].

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::body::DEFAULT_MAX_RESPONSE_BYTES;
use super::cloud::checked_base_url;
use super::{ApiVersion, Client, Cloud, DEFAULT_TIMEOUT, Inner};
use crate::Error;
use crate::auth::TokenProvider;
use crate::retry::RetryPolicy;

/// Builds a [`Client`]. Every setting but `auth` has a default.
///
/// ```
/// use std::time::Duration;
/// use graph_core::{auth::StaticToken, ApiVersion, Client, Cloud};
///
/// let client = Client::builder()
///     .auth(StaticToken::new("token"))
///     .cloud(Cloud::China)
///     .version(ApiVersion::Beta)
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(client.base_url(), "https://microsoftgraph.chinacloudapi.cn/beta");
///
/// // Plain http is refused unless the host is loopback.
/// assert!(Client::builder().auth(StaticToken::new("t")).base_url("http://example.com/v1.0").build().is_err());
/// # Ok::<(), graph_core::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "call `.build()` to get a client"]
pub struct ClientBuilder {
    /// Set by [`cloud`](Self::cloud); else the credential's, else global.
    cloud: Option<Cloud>,
    version: ApiVersion,
    base_url: Option<String>,
    auth: Option<Arc<dyn TokenProvider>>,
    retry: RetryPolicy,
    timeout: Duration,
    max_response_bytes: u64,
    http: Option<reqwest::Client>,
}

impl ClientBuilder {
    pub(super) fn new() -> Self {
        Self {
            cloud: None,
            version: ApiVersion::V1,
            base_url: None,
            auth: None,
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            http: None,
        }
    }

    /// Where tokens come from (required).
    pub fn auth(mut self, auth: impl TokenProvider + 'static) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// Like [`ClientBuilder::auth`], for a provider already shared.
    pub fn shared_auth(mut self, auth: Arc<dyn TokenProvider>) -> Self {
        self.auth = Some(auth);
        self
    }

    /// The national cloud: where requests go (unless
    /// [`base_url`](Self::base_url) is set) and where the credential signs
    /// in. Unset, it is the credential's own cloud if it was given one,
    /// else global.
    ///
    /// A credential of [`auth`](crate::auth) that was not given a cloud
    /// follows this one: its sign-in authority (unless it was given an
    /// `authority`) and its default scope become this cloud's. One that was
    /// given another cloud makes [`build`](Self::build) fail with
    /// [`Error::Config`], rather than send requests to one cloud with
    /// tokens of another (see [`TokenProvider::settle_cloud`]).
    ///
    /// ```
    /// use graph_core::{auth::ClientCredentials, Client, Cloud};
    ///
    /// let credential = ClientCredentials::builder("contoso", "app-id", "s3cr3t").build()?;
    /// let client = Client::builder().auth(credential).cloud(Cloud::UsGovL4).build()?;
    /// assert_eq!(client.base_url(), "https://graph.microsoft.us/v1.0");
    /// // The credential now signs in at login.microsoftonline.us.
    ///
    /// let china = ClientCredentials::builder("contoso", "app-id", "s3cr3t")
    ///     .cloud(Cloud::China)
    ///     .build()?;
    /// assert!(Client::builder().auth(china).cloud(Cloud::Global).build().is_err());
    /// # Ok::<(), graph_core::Error>(())
    /// ```
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = Some(cloud);
        self
    }

    /// The API version (default: `v1.0`).
    pub fn version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// A custom API root including the version, such as the emulator's
    /// `http://127.0.0.1:PORT/v1.0`; overrides cloud and version.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The retry policy (default: [`RetryPolicy::new`]; [`RetryPolicy::disabled`] turns retries off).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The time limit for each HTTP exchange: each attempt, and each redirect hop within it (default: 30 s).
    ///
    /// Token requests of [`ClientCredentials`](crate::auth::ClientCredentials) have the same 30 s default.
    ///
    /// The built-in HTTP client gives connecting half of it (at most 10 s),
    /// so that a connection that cannot be made, which sent nothing, is told
    /// from a request that got no answer in time, whose fate is unknown
    /// ([`Error::is_fate_unknown`]). An injected client needs its own
    /// `connect_timeout` for that (see [`http_client`](Self::http_client)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The most bytes the client reads of one answer's body (default:
    /// 16 MiB, 16,777,216 bytes).
    ///
    /// Every body is read incrementally and never past this limit: success
    /// answers, error answers and `$batch` replies alike. A body that is
    /// larger (by its `Content-Length`, or as it arrives) fails with
    /// [`Error::TooLarge`], keeping the status, the `request-id` and the
    /// start of the body, and its connection is dropped unread, so a server
    /// that never stops sending costs at most this much memory.
    ///
    /// An error answer's body is read up to 1 MiB at most (1,048,576 bytes,
    /// or this limit if it is lower): Graph's error objects are a few
    /// hundred bytes, and only a snippet and a few fields are kept of them.
    /// A larger error body fails with [`Error::TooLarge`] with its status.
    ///
    /// The default is far above what Graph's JSON answers hold (a page of
    /// permissions or drive items is tens to hundreds of KiB, a `$batch`
    /// reply at most 20 answers) and small enough that a few requests in
    /// flight cannot exhaust a small machine. `0` refuses every non-empty body.
    ///
    /// ```
    /// use graph_core::{auth::StaticToken, Client};
    ///
    /// let client = Client::builder()
    ///     .auth(StaticToken::new("t"))
    ///     .max_response_bytes(64 * 1024 * 1024)
    ///     .build()?;
    /// assert_eq!(client.max_response_bytes(), 64 * 1024 * 1024);
    /// # Ok::<(), graph_core::Error>(())
    /// ```
    pub fn max_response_bytes(mut self, max: u64) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Sends through `http`, to share a connection pool or set proxies and TLS.
    ///
    /// Build it with `reqwest::redirect::Policy::none()`: this client follows
    /// redirects itself so that credentials never leave the original origin.
    ///
    /// Give it a `connect_timeout` shorter than [`timeout`](Self::timeout)
    /// (the built-in client uses half of it, at most 10 s): without one, a
    /// connection that cannot be made runs into the whole exchange's time
    /// limit, and is reported as a timeout whose fate is unknown
    /// ([`Error::is_fate_unknown`]) although nothing was sent.
    ///
    /// ```
    /// use std::time::Duration;
    /// use graph_core::{auth::StaticToken, Client};
    ///
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .connect_timeout(Duration::from_secs(10))
    ///     .build()
    ///     .expect("an HTTP client");
    /// let client = Client::builder().auth(StaticToken::new("t")).http_client(http).build()?;
    /// # Ok::<(), graph_core::Error>(())
    /// ```
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The client, or [`Error::Config`] for missing credentials or an unusable base URL.
    pub fn build(self) -> Result<Client, Error> {
        let auth = self.auth.ok_or_else(|| {
            Error::Config("no credentials: call `.auth(...)` with a token provider".to_owned())
        })?;
        let cloud = match (self.cloud, auth.settle_cloud(self.cloud)) {
            (Some(client), Some(credential)) if client != credential => {
                return Err(Error::Config(format!(
                    "the client is for the {client:?} cloud, but its credential signs in to the {credential:?} cloud: set the same cloud on both, or on one of them only"
                )));
            }
            (Some(cloud), _) | (None, Some(cloud)) => cloud,
            (None, None) => Cloud::Global,
        };
        let base_url = match &self.base_url {
            Some(base) => checked_base_url(base)?,
            None => cloud.base_url(self.version),
        };
        // A client built here carries the time limit itself, so requests need
        // no per-request setting (which costs reqwest an extension map per
        // request); an injected client may have another, or none, so each
        // request then sets this client's limit, which overrides it.
        let (http, timeout_per_request) = match self.http {
            Some(http) => (http, Some(self.timeout)),
            None => {
                // A connect time limit shorter than the whole: a connection
                // that cannot be made then fails as a connect error, which
                // sent nothing (`Error::is_fate_unknown` is false), and not
                // as the whole exchange's timeout, whose fate is unknown.
                let http = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .connect_timeout(connect_timeout(self.timeout))
                    .timeout(self.timeout)
                    .build()
                    .map_err(|e| Error::Config(format!("could not start the HTTP client: {e}")))?;
                (http, None)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                auth,
                retry: self.retry,
                timeout_per_request,
                max_response_bytes: self.max_response_bytes,
                user_agent: HeaderValue::from_static(concat!(
                    env!("CARGO_PKG_NAME"),
                    "/",
                    env!("CARGO_PKG_VERSION")
                )),
            }),
        })
    }
}

/// The connect time limit of the built-in HTTP client: half the exchange's
/// `timeout`, at most 10 s, so that it always fires first.
fn connect_timeout(timeout: Duration) -> Duration {
    (timeout / 2).min(Duration::from_secs(10))
}
