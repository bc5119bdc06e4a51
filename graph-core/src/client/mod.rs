//! The HTTP client: base URL, auth, retries and redirects around an [`Endpoint`](crate::Endpoint).

mod authority;
mod body;
mod builder;
pub(crate) mod cloud;
mod reauth;
mod redirect;
mod request_id;
mod resend;
mod response;
mod send;

pub(crate) use body::{ReadError, TOKEN_ANSWER_MAX_BYTES, read_limited};
pub(crate) use send::decode;

use std::sync::Arc;
use std::time::Duration;

pub use builder::ClientBuilder;
pub use cloud::{ApiVersion, Cloud};
pub use response::Response;

use reqwest::header::HeaderValue;

use crate::auth::TokenProvider;
use crate::retry::RetryPolicy;
use crate::{Error, Request, ToRequest};

/// The default time limit for one HTTP exchange (documented on
/// [`ClientBuilder::timeout`]); token requests use it too.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends endpoints to Microsoft Graph. Cheap to clone; clones share one connection pool.
///
/// Retries are on by default (429, 503 and 504, honouring `Retry-After`, at
/// most 3 retries), as in Microsoft's own SDKs. Redirects are followed by the
/// client itself, at most 5 per attempt, with credentials only while they stay
/// on the original origin. Each attempt has a time limit (30 s by default),
/// and no answer's body is read past a size limit (16 MiB by default, see
/// [`ClientBuilder::max_response_bytes`]).
///
/// ```no_run
/// use graph_core::auth::StaticToken;
/// use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator};
/// use graph_core::Client;
///
/// # async fn run() -> Result<(), graph_core::Error> {
/// let client = Client::builder().auth(StaticToken::new("eyJ0...")).build()?;
/// let invite = ItemLocator::me("01BYE5RZ6QN3ZWBTUFOFD3GSPGOHDJD36K").invite(
///     InviteBody::new([DriveRecipient::email("ryan@contoso.com")]).with_message("Here it is"),
/// );
/// let granted = client.send(&invite).await?;
/// for failure in granted.notification_failures() {
///     println!("not notified: {failure:?}");
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    http: reqwest::Client,
    base_url: String,
    auth: Arc<dyn TokenProvider>,
    retry: RetryPolicy,
    /// The time limit to set on each request, when `http` does not carry it
    /// (a client passed to [`ClientBuilder::http_client`]).
    timeout_per_request: Option<Duration>,
    /// The most bytes read of one answer's body.
    max_response_bytes: u64,
    user_agent: HeaderValue,
}

impl Client {
    /// Configures a client; only `auth` is required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// The API root requests go to, such as `https://graph.microsoft.com/v1.0`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The most bytes read of one answer's body (see
    /// [`ClientBuilder::max_response_bytes`]).
    pub fn max_response_bytes(&self) -> u64 {
        self.inner.max_response_bytes
    }

    /// A client like this one (same connections, credentials and base URL)
    /// with another retry policy.
    ///
    /// ```
    /// use graph_core::{auth::StaticToken, retry::RetryPolicy, Client};
    ///
    /// let client = Client::builder().auth(StaticToken::new("t")).build()?;
    /// let patient = client.with_retry_policy(RetryPolicy::builder().max_retries(10).build()?);
    /// assert_eq!(patient.retry_policy().max_retries(), 10);
    /// assert_eq!(client.retry_policy().max_retries(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_retry_policy(&self, retry: RetryPolicy) -> Client {
        let mut inner = (*self.inner).clone();
        inner.retry = retry;
        Client {
            inner: Arc::new(inner),
        }
    }

    /// Sends `request` and decodes the answer.
    ///
    /// The request is built and validated first: a value that breaks a rule
    /// fails with [`Error::Validation`] before anything is sent.
    ///
    /// # Retries, and requests whose fate is unknown
    ///
    /// A 429, 503 or 504 answer is sent again under the [`RetryPolicy`],
    /// whatever the method. Graph may have acted before a gateway gave up
    /// with 504, so a request may reach Graph more than once: **a retried
    /// invitation may notify its recipients twice**, as in bulk runs
    /// ([`crate::bulk`]). [`RetryPolicy::disabled`] sends each request once.
    ///
    /// A request that may have reached Graph without a usable answer (a
    /// connection reset or a timeout after sending, a success answer cut
    /// off, unreadable or over the size limit) fails with an error whose
    /// [`Error::is_fate_unknown`] is true: it may have run. Only a GET or a
    /// PUT is then sent again (under the same policy), as running those
    /// twice does what running them once does; a POST, PATCH or DELETE never
    /// is, and the caller decides after checking (list the permissions
    /// before inviting again). A connection that could not be made sent
    /// nothing and is not sent again either.
    pub fn send<R: ToRequest + ?Sized>(
        &self,
        request: &R,
    ) -> impl Future<Output = Result<R::Response, Error>> {
        send::execute(&self.inner, request.to_request(), |answer| answer.value)
    }

    /// Like [`Client::send`], keeping the status, `request-id` and attempt count.
    pub fn execute<R: ToRequest + ?Sized>(
        &self,
        request: &R,
    ) -> impl Future<Output = Result<Response<R::Response>, Error>> {
        send::execute(&self.inner, request.to_request(), |answer| answer)
    }

    /// Sends an already built [`Request`] and decodes the answer as `T`.
    pub fn execute_request<T: serde::de::DeserializeOwned>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Response<T>, Error>> {
        send::execute(&self.inner, Ok(request), |answer| answer)
    }
}
