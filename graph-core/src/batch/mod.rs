//! JSON batching: many endpoints, of any types, in `$batch` round trips of at most 20.
//!
//! [`Client::send_batch`], [`Client::send_all`] and the [`bulk`](crate::bulk)
//! runs share one scheduler: requests go 20 to a `$batch` (Graph's limit),
//! 4 batches at once; a throttling answer closes a gate every request waits
//! behind for its `Retry-After`; congestion sets a send rate; each request
//! is retried on its own, and each ends with exactly one result, in input
//! order. `send_batch` and `send_all` retry as the client's
//! [`RetryPolicy`](crate::retry::RetryPolicy) says (429, 503 and 504);
//! bulk runs also retry server trouble and requests left unanswered.
//!
//! ```no_run
//! use graph_core::batch::Batch;
//! use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, PermissionUpdate, Role};
//!
//! # async fn run(client: graph_core::Client) -> Result<(), graph_core::Error> {
//! let item = ItemLocator::drive("b!x", "01A");
//! let mut batch = Batch::new();
//! let invite = batch.add(&item.invite(
//!     InviteBody::new([DriveRecipient::email("ryan@contoso.com")]).with_roles([Role::Read]),
//! ))?;
//! let listing = batch.add(&item.list_permissions(None))?;
//! let update = batch.add(&item.update_permission("perm-1", PermissionUpdate::new([Role::Write])))?;
//!
//! let mut results = client.send_batch(batch).await;
//! let granted = results.take(invite)?;          // an InviteResponse
//! let permissions = results.take(listing)?;     // a Collection<Permission>
//! let updated = results.take(update);           // its own Result: one failure spoils nothing else
//! # Ok(())
//! # }
//! ```

mod chunk;
mod decide;
pub(crate) mod engine;
mod pace;
pub(crate) mod progress;
mod quota;
pub(crate) mod wire;

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

pub(crate) use chunk::Wire;
pub(crate) use decide::{Rules, Scope};
pub(crate) use wire::MAX_BATCH_SIZE;

use engine::{End, Entry, Settings, Source};

use crate::{BatchError, Client, Error, Request, ToRequest, ValidationError};

/// Requests to send together. Add endpoints of any types; each
/// [`add`](Batch::add) returns a typed [`BatchKey`] for its result.
#[derive(Debug)]
pub struct Batch {
    id: u64,
    requests: Vec<Request>,
}

impl Default for Batch {
    fn default() -> Self {
        // Keys carry their batch's id, so a key used on another batch's results is caught.
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            requests: Vec::new(),
        }
    }
}

/// Where one request's result is in [`BatchResults`], and its response type.
#[derive(Debug)]
#[must_use = "the key is the only way to read this request's result"]
pub struct BatchKey<R> {
    batch: u64,
    index: usize,
    response: PhantomData<fn() -> R>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a request. It is built and validated now: a value that breaks a
    /// rule is an error here, and nothing of it is sent.
    pub fn add<T: ToRequest + ?Sized>(
        &mut self,
        request: &T,
    ) -> Result<BatchKey<T::Response>, Error> {
        let built = request.to_request()?;
        self.requests.push(built);
        Ok(BatchKey {
            batch: self.id,
            index: self.requests.len() - 1,
            response: PhantomData,
        })
    }

    /// How many requests the batch holds.
    pub fn len(&self) -> usize {
        self.requests.len()
    }

    /// Whether the batch holds no request.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }
}

/// One success answer inside a batch, not yet decoded.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: Option<Box<RawValue>>,
}

impl Answer {
    /// The body decoded as `R` (an absent body reads as `null`, which `()` accepts).
    pub(crate) fn decode<R: DeserializeOwned>(&self) -> Result<R, Error> {
        let text = self.body.as_deref().map_or("", RawValue::get);
        crate::client::decode(self.status, self.request_id.as_deref(), text.as_bytes())
    }
}

/// The results of a sent [`Batch`], read with the keys [`Batch::add`] gave.
#[derive(Debug)]
pub struct BatchResults {
    batch: u64,
    results: Vec<Option<Result<Answer, Error>>>,
    round_trips: u32,
}

impl BatchResults {
    /// The result of the request `key` stands for, decoded as its response type.
    ///
    /// Each key is used once; a key from another batch gives
    /// [`BatchError::ForeignKey`].
    pub fn take<R: DeserializeOwned>(&mut self, key: BatchKey<R>) -> Result<R, Error> {
        if key.batch != self.batch {
            return Err(Error::Batch(BatchError::ForeignKey));
        }
        match self.results.get_mut(key.index).and_then(Option::take) {
            Some(Ok(answer)) => answer.decode(),
            Some(Err(error)) => Err(error),
            None => Err(Error::Batch(BatchError::Missing {
                id: (key.index + 1).to_string(),
            })),
        }
    }

    /// How many `$batch` requests were sent, retries included.
    pub fn round_trips(&self) -> u32 {
        self.round_trips
    }
}

impl Client {
    /// Sends `batch` in `$batch` round trips of at most 20 requests, 4 at
    /// once, and returns one result per request.
    ///
    /// Inner answers 429, 503 and 504 are sent again as [`Client::send`]
    /// sends them again, under this client's retry policy: after their
    /// `Retry-After`, else after the policy's backoff; one asking for longer
    /// than the policy's longest single delay is not sent again, and every
    /// request of the call not yet sent then ends with
    /// [`BatchError::HeldBack`] (its status and `Retry-After`) instead of
    /// being sent into the same throttle. The `Retry-After` of a 429 or 503
    /// also holds back every request of the call until it has passed; the
    /// time a request is held back counts against the policy's total. Any
    /// other failure is that request's error alone.
    ///
    /// Each inner answer is read on its own: one that cannot be read fails
    /// only its request. A request Graph may have run without a usable
    /// answer saying what it did (its answer unreadable or missing, the
    /// whole reply unreadable, the `$batch` unanswered) ends with a
    /// [`BatchError`] whose [`is_fate_unknown`](BatchError::is_fate_unknown)
    /// is true: it is not known to have failed. A body that is not exactly
    /// one JSON value is refused before sending, as a validation error.
    ///
    /// ```no_run
    /// use graph_core::batch::Batch;
    /// use graph_core::drive::ItemLocator;
    ///
    /// # async fn run(client: graph_core::Client) -> Result<(), graph_core::Error> {
    /// let mut batch = Batch::new();
    /// let first = batch.add(&ItemLocator::me("01A").list_permissions(None))?;
    /// let mut results = client.send_batch(batch).await;
    /// println!("{} round trip(s)", results.round_trips());
    /// let permissions = results.take(first)?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_batch(&self, batch: Batch) -> BatchResults {
        let entries = batch.requests.into_iter().map(|request| Entry {
            tag: (),
            request: Ok(request),
        });
        let finished = self.run_batches(entries, Ok).await;
        BatchResults {
            batch: batch.id,
            results: finished
                .jobs
                .into_iter()
                .map(|job| Some(job.end.into_result()))
                .collect(),
            round_trips: u32::try_from(finished.totals.round_trips).unwrap_or(u32::MAX),
        }
    }

    /// Sends requests of one type by `$batch`, as [`send_batch`](Client::send_batch)
    /// does, and returns their results in input order.
    ///
    /// A request that breaks a rule gets its validation error in its place;
    /// nothing of it is sent.
    ///
    /// ```no_run
    /// use graph_core::drive::ItemLocator;
    ///
    /// # async fn run(client: graph_core::Client) {
    /// let item = ItemLocator::drive("b!x", "01A");
    /// let revoked = client
    ///     .send_all(["p1", "p2", "p3"].map(|id| item.delete_permission(id)))
    ///     .await;
    /// for (id, result) in ["p1", "p2", "p3"].iter().zip(revoked) {
    ///     println!("{id}: {result:?}");
    /// }
    /// # }
    /// ```
    pub async fn send_all<T, I>(&self, requests: I) -> Vec<Result<T::Response, Error>>
    where
        T: ToRequest,
        I: IntoIterator<Item = T>,
    {
        // Built now, so the requests need not be `Send`: only their bytes go to the engine.
        let entries: Vec<Entry<()>> = requests
            .into_iter()
            .map(|request| Entry {
                tag: (),
                request: build(&request),
            })
            .collect();
        let finished = self
            .run_batches(entries, |answer| answer.decode::<T::Response>())
            .await;
        finished
            .jobs
            .into_iter()
            .map(|job| job.end.into_result())
            .collect()
    }

    /// Runs the engine over `entries` under this client's retry policy.
    async fn run_batches<R, I>(
        &self,
        entries: I,
        decode: engine::Decode<R>,
    ) -> engine::Finished<(), R>
    where
        I: IntoIterator<Item = Entry<()>>,
        I::IntoIter: Send + 'static,
    {
        let settings = Settings::new(Rules::of_client(self.retry_policy()));
        engine::run(
            Wire::new(self),
            Source::Iter(Box::new(entries.into_iter())),
            settings,
            decode,
            Arc::default(),
            Arc::default(),
        )
        .await
    }
}

/// Builds one job's request. A `to_request` that panics (a bug in a
/// caller's [`ToRequest`]) ends that job failed, with a [`ValidationError`]
/// saying so, instead of ending the whole run.
pub(crate) fn build<T: ToRequest + ?Sized>(job: &T) -> Result<Request, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.to_request())).unwrap_or_else(
        |_| {
            Err(Error::Validation(ValidationError::new(
                "request",
                "could not be built: `to_request` panicked",
            )))
        },
    )
}

impl<R> End<R> {
    /// The end as one request's result: only a success is `Ok`. The error
    /// is the caller's only sign of an unknown fate, so an unknown end
    /// whose last error reads as known (a `412` after an earlier send got
    /// no answer) becomes [`BatchError::MayHaveRun`].
    fn into_result(self) -> Result<R, Error> {
        match self {
            End::Done(response) => Ok(response),
            End::Unknown(error) => Err(fate_unknown(error)),
            End::Failed(error) => Err(error),
            // Nothing cancels these runs; if something did, the request was never sent.
            End::Cancelled => Err(Error::Batch(BatchError::Failed {
                status: None,
                reason: "the run ended before this request was sent".to_owned(),
            })),
        }
    }
}

/// The error of a job whose fate is unknown, saying so itself: one whose
/// last error reads as known (a `412` after an earlier send got no answer)
/// becomes [`BatchError::MayHaveRun`], keeping its status, request-id and text.
pub(crate) fn fate_unknown(error: Error) -> Error {
    if error.is_fate_unknown() {
        return error;
    }
    Error::Batch(BatchError::MayHaveRun {
        status: error.status(),
        request_id: error.request_id().map(str::to_owned),
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Answered;

    /// An unknown end whose last answer was a known error (a `412` on a
    /// resend after the first send got no answer) still reads as unknown,
    /// with that answer's status and request-id.
    #[test]
    fn an_unknown_end_is_unknown_whatever_its_last_error() {
        let precondition = Error::from_answer(Answered {
            status: 412,
            content_type: Some("application/json"),
            body: br#"{"error":{"code":"preconditionFailed","message":"eTag"}}"#,
            request_id: Some("rid-412".to_owned()),
            client_request_id: None,
            date: None,
            retry_after: None,
            attempts: 2,
        });
        assert!(!precondition.is_fate_unknown());
        let error = End::<()>::Unknown(precondition).into_result().unwrap_err();
        assert!(error.is_fate_unknown(), "{error:?}");
        assert_eq!(error.status(), Some(412));
        assert_eq!(error.request_id(), Some("rid-412"));
        assert!(error.to_string().contains("preconditionFailed"), "{error}");

        // Ends that already say so are kept as they are.
        let missing = Error::Batch(BatchError::Missing { id: "1".into() });
        let kept = End::<()>::Unknown(missing).into_result().unwrap_err();
        assert!(
            matches!(kept, Error::Batch(BatchError::Missing { .. })),
            "{kept:?}"
        );
        let failed = End::<()>::Failed(Error::Config("x".into()))
            .into_result()
            .unwrap_err();
        assert!(!failed.is_fate_unknown());
    }
}
