//! A token provider that counts how often it is asked, around another.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use graph_core::Error;
use graph_core::auth::{AccessToken, BoxFuture, TokenProvider};

/// Counts [`token`](TokenProvider::token) and
/// [`invalidate`](TokenProvider::invalidate) calls, then hands them to the
/// provider it wraps: to tell that a request was refused before any token
/// was asked for, or that several callers were all waiting for one.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::Arc;
/// use graph_core::auth::{StaticToken, TokenProvider};
/// use tests::Counting;
///
/// let counting = Arc::new(Counting::new(StaticToken::new("t")));
/// counting.token().await.unwrap();
/// assert_eq!(counting.tokens(), 1);
/// # }
/// ```
#[derive(Debug)]
pub struct Counting<P> {
    inner: P,
    tokens: AtomicUsize,
    invalidations: AtomicUsize,
}

impl<P: TokenProvider> Counting<P> {
    /// Counts the calls to `inner`.
    pub fn new(inner: P) -> Self {
        Self {
            inner,
            tokens: AtomicUsize::new(0),
            invalidations: AtomicUsize::new(0),
        }
    }

    /// `self` shared, as [`ClientBuilder::shared_auth`](graph_core::ClientBuilder::shared_auth) takes it.
    pub fn shared(self) -> Arc<Self> {
        Arc::new(self)
    }

    /// How many times a token was asked for.
    pub fn tokens(&self) -> usize {
        self.tokens.load(Ordering::SeqCst)
    }

    /// How many times a token was reported rejected.
    pub fn invalidations(&self) -> usize {
        self.invalidations.load(Ordering::SeqCst)
    }
}

impl<P: TokenProvider> TokenProvider for Counting<P> {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        // Counted when asked, before the wrapped provider is first polled.
        self.tokens.fetch_add(1, Ordering::SeqCst);
        self.inner.token()
    }

    fn invalidate(&self, token: &AccessToken) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        self.inner.invalidate(token);
    }
}
