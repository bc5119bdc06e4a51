//! A provider's cached token: kept until shortly before its wall-clock
//! expiry, fetched by one caller at a time, and one fetch's result (a failure
//! included) shared by every caller that waited for it.
//!
//! Credentials that fetch tokens wrap their fetch in [`TokenCache::get`];
//! the cache knows nothing of how a token is obtained.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use super::AccessToken;
use super::token_answer::IssuedToken;
use crate::{AuthError, Error};

/// The longest a token is refreshed ahead of its expiry; a token living less
/// than fifty minutes is refreshed a tenth of its lifetime early instead.
pub(crate) const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The shortest time a fetched token is used before the next fetch, whatever
/// its `expires_in` says (`0` included): at most one token request a second.
pub(crate) const MIN_REFRESH_AFTER: Duration = Duration::from_secs(1);

/// Where the cache reads the time: the wall clock, which keeps counting while
/// the machine sleeps (a monotonic clock stops, and a token would outlive its
/// expiry by the length of the sleep). Replaced in tests.
pub(crate) type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// One token and what is known about fetching the next.
pub(crate) struct TokenCache {
    slot: Mutex<Slot>,
    /// Held across a fetch, so that only one runs at a time.
    fetching: tokio::sync::Mutex<()>,
    clock: Clock,
}

#[derive(Default)]
struct Slot {
    cached: Option<Cached>,
    /// Fetches finished so far, whatever their result.
    finished: u64,
    /// The last fetch's result, for the callers that waited for it: they take
    /// it as it is, even a token already due for refresh (a slow token
    /// endpoint and a short lifetime must not make each waiter fetch in turn).
    last: Option<Result<AccessToken, Box<AuthError>>>,
}

struct Cached {
    token: AccessToken,
    fetched_at: SystemTime,
    refresh_at: SystemTime,
}

impl Cached {
    /// Good until `refresh_at`; a clock set back before the fetch makes the
    /// age unknown, so the token is fetched again rather than trusted.
    fn fresh_at(&self, now: SystemTime) -> bool {
        self.fetched_at <= now && now < self.refresh_at
    }
}

impl TokenCache {
    /// An empty cache reading the wall clock.
    pub(crate) fn new() -> Self {
        Self::with_clock(Arc::new(SystemTime::now))
    }

    /// An empty cache reading `clock`.
    pub(crate) fn with_clock(clock: Clock) -> Self {
        Self {
            slot: Mutex::new(Slot::default()),
            fetching: tokio::sync::Mutex::new(()),
            clock,
        }
    }

    fn slot(&self) -> MutexGuard<'_, Slot> {
        // Nothing panics while the slot is held; a poisoned lock still holds a whole slot.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached token while it is fresh; else the result of `fetch`, run by
    /// one caller while the others wait and take its result, failure included.
    /// A caller that arrives after a fetch failed starts a new one.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<IssuedToken, Box<AuthError>>>,
    {
        let arrived_after = {
            let slot = self.slot();
            if let Some(cached) = slot.cached.as_ref().filter(|c| c.fresh_at((self.clock)())) {
                return Ok(cached.token.clone());
            }
            slot.finished
        };
        // Dropped (the caller cancelled) mid-fetch, the lock passes to the next caller.
        let _fetching = self.fetching.lock().await;
        {
            let slot = self.slot();
            if let Some(cached) = slot.cached.as_ref().filter(|c| c.fresh_at((self.clock)())) {
                return Ok(cached.token.clone());
            }
            if let Some(last) = slot.last.as_ref().filter(|_| slot.finished > arrived_after) {
                return last.clone().map_err(Error::Auth);
            }
        }
        // The lifetime counts from the request, not the answer: the token
        // was issued somewhere in between.
        let fetched_at = (self.clock)();
        let result = fetch().await;
        let mut slot = self.slot();
        slot.finished += 1;
        match result {
            Ok(issued) => {
                let token = issued.token.clone();
                slot.last = Some(Ok(token.clone()));
                slot.cached = Some(Cached {
                    token: issued.token,
                    fetched_at,
                    // Cannot fail: the lifetime is at most a day.
                    refresh_at: fetched_at
                        .checked_add(refresh_after(issued.lifetime))
                        .unwrap_or(fetched_at),
                });
                Ok(token)
            }
            Err(failure) => {
                slot.last = Some(Err(failure.clone()));
                Err(Error::Auth(failure))
            }
        }
    }

    /// Drops the cached token, whichever it is (a sign-out).
    pub(crate) fn clear(&self) {
        let mut slot = self.slot();
        slot.cached = None;
        slot.last = None;
    }

    /// Drops the cached token if it is `token`; a newer one stays.
    pub(crate) fn invalidate(&self, token: &AccessToken) {
        let mut slot = self.slot();
        if slot.cached.as_ref().is_some_and(|c| c.token == *token) {
            slot.cached = None;
        }
        if matches!(&slot.last, Some(Ok(last)) if last == token) {
            slot.last = None;
        }
    }
}

/// How long after its fetch a token of `lifetime` is used.
fn refresh_after(lifetime: Duration) -> Duration {
    let margin = MAX_REFRESH_MARGIN.min(lifetime / 10);
    lifetime.saturating_sub(margin).max(MIN_REFRESH_AFTER)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    use tokio::sync::Notify;

    use super::*;
    use crate::AuthErrorKind;

    /// A clock the test sets, in milliseconds after 2026-01-01.
    fn clock() -> (Clock, Arc<AtomicU64>) {
        let millis = Arc::new(AtomicU64::new(0));
        let read = Arc::clone(&millis);
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let clock: Clock =
            Arc::new(move || start + Duration::from_millis(read.load(Ordering::SeqCst)));
        (clock, millis)
    }

    fn issued(name: &str, lifetime: Duration) -> Result<IssuedToken, Box<AuthError>> {
        Ok(IssuedToken {
            token: AccessToken::new(name),
            lifetime,
        })
    }

    fn refused() -> Box<AuthError> {
        Box::new(AuthError::refused(
            503,
            Default::default(),
            b"<html>down</html>",
        ))
    }

    /// Fetches `name` with `lifetime`, counting fetches.
    async fn get(
        cache: &TokenCache,
        fetches: &AtomicUsize,
        name: &str,
        lifetime: Duration,
    ) -> AccessToken {
        cache
            .get(|| async {
                fetches.fetch_add(1, Ordering::SeqCst);
                issued(name, lifetime)
            })
            .await
            .unwrap()
    }

    type Waiter = tokio::task::JoinHandle<Result<AccessToken, Error>>;

    /// `n` callers of `cache`, each parked where it waits for the one fetch,
    /// which counts itself in `fetches` and gives `result` once `release`d.
    /// On tokio's one-thread test runtime every caller has run up to its
    /// wait when this returns.
    async fn waiting(
        cache: &Arc<TokenCache>,
        fetches: &Arc<AtomicUsize>,
        n: usize,
        result: fn() -> Result<IssuedToken, Box<AuthError>>,
    ) -> (Vec<Waiter>, Arc<Notify>) {
        let entered = Arc::new(AtomicUsize::new(0));
        let release = Arc::new(Notify::new());
        let waiters = (0..n)
            .map(|_| {
                let (cache, fetches, entered, release) = (
                    Arc::clone(cache),
                    Arc::clone(fetches),
                    Arc::clone(&entered),
                    Arc::clone(&release),
                );
                tokio::spawn(async move {
                    entered.fetch_add(1, Ordering::SeqCst);
                    cache
                        .get(|| async move {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            release.notified().await;
                            result()
                        })
                        .await
                })
            })
            .collect();
        while entered.load(Ordering::SeqCst) < n {
            tokio::task::yield_now().await;
        }
        (waiters, release)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn waiters_share_one_failed_fetch_and_later_callers_try_again() {
        let cache = Arc::new(TokenCache::new());
        let fetches = Arc::new(AtomicUsize::new(0));
        let (waiters, release) = waiting(&cache, &fetches, 8, || Err(refused())).await;
        release.notify_one();
        for waiter in waiters {
            let err = waiter.await.unwrap().unwrap_err();
            let Error::Auth(auth) = &err else {
                panic!("expected Error::Auth, got {err:?}");
            };
            assert_eq!(
                (auth.kind(), auth.status()),
                (AuthErrorKind::Refused, Some(503))
            );
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "one fetch for all eight");

        // A caller that comes after the failure is not handed it: it fetches.
        let token = get(&cache, &fetches, "t2", Duration::from_secs(3600)).await;
        assert_eq!(token.secret(), "t2");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn waiters_share_a_fetched_token_even_one_already_due() {
        let (clock, now) = clock();
        let cache = Arc::new(TokenCache::with_clock(clock));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (waiters, release) =
            waiting(&cache, &fetches, 5, || issued("slow", Duration::ZERO)).await;
        // The token endpoint took longer than the token is used for.
        now.store(2_000, Ordering::SeqCst);
        release.notify_one();
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap().unwrap().secret(), "slow");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "one fetch for all five");
        // A caller after them finds it due and fetches again.
        assert_eq!(
            get(&cache, &fetches, "next", Duration::ZERO).await.secret(),
            "next"
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_token_is_refreshed_by_the_wall_clock_with_a_margin() {
        let (clock, now) = clock();
        let cache = TokenCache::with_clock(clock);
        let fetches = AtomicUsize::new(0);
        let hour = Duration::from_secs(3600);
        assert_eq!(get(&cache, &fetches, "a", hour).await.secret(), "a");
        // Five minutes before expiry it is still used…
        now.store(3_299_999, Ordering::SeqCst);
        assert_eq!(get(&cache, &fetches, "b", hour).await.secret(), "a");
        // …and from then on replaced.
        now.store(3_300_000, Ordering::SeqCst);
        assert_eq!(get(&cache, &fetches, "b", hour).await.secret(), "b");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);

        // A short lifetime is refreshed a tenth early: 60 s → after 54 s.
        now.store(10_000_000, Ordering::SeqCst);
        cache.invalidate(&AccessToken::new("b"));
        get(&cache, &fetches, "c", Duration::from_secs(60)).await;
        now.store(10_053_999, Ordering::SeqCst);
        assert_eq!(get(&cache, &fetches, "d", hour).await.secret(), "c");
        now.store(10_054_000, Ordering::SeqCst);
        assert_eq!(get(&cache, &fetches, "d", hour).await.secret(), "d");
    }

    #[tokio::test]
    async fn the_lifetime_counts_from_the_request_not_the_answer() {
        let (clock, now) = clock();
        let cache = TokenCache::with_clock(clock);
        let fetches = AtomicUsize::new(0);
        let slow = cache.get(|| async {
            // The answer takes ten seconds to come.
            now.store(10_000, Ordering::SeqCst);
            issued("a", Duration::from_secs(3600))
        });
        slow.await.unwrap();
        now.store(3_299_999, Ordering::SeqCst);
        let hour = Duration::from_secs(3600);
        assert_eq!(get(&cache, &fetches, "b", hour).await.secret(), "a");
        now.store(3_300_000, Ordering::SeqCst);
        assert_eq!(get(&cache, &fetches, "b", hour).await.secret(), "b");
    }

    #[tokio::test]
    async fn a_clock_set_back_before_the_fetch_refetches() {
        let (clock, now) = clock();
        now.store(1_000_000, Ordering::SeqCst);
        let cache = TokenCache::with_clock(clock);
        let fetches = AtomicUsize::new(0);
        let hour = Duration::from_secs(3600);
        get(&cache, &fetches, "a", hour).await;
        now.store(999_999, Ordering::SeqCst);
        assert_eq!(get(&cache, &fetches, "b", hour).await.secret(), "b");
    }

    #[tokio::test]
    async fn a_zero_lifetime_is_used_for_a_second_not_refetched_per_request() {
        let (clock, now) = clock();
        let cache = TokenCache::with_clock(clock);
        let fetches = AtomicUsize::new(0);
        get(&cache, &fetches, "a", Duration::ZERO).await;
        now.store(999, Ordering::SeqCst);
        assert_eq!(
            get(&cache, &fetches, "b", Duration::ZERO).await.secret(),
            "a"
        );
        now.store(1_000, Ordering::SeqCst);
        assert_eq!(
            get(&cache, &fetches, "b", Duration::ZERO).await.secret(),
            "b"
        );
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn invalidate_drops_only_the_token_it_names() {
        let cache = TokenCache::new();
        let fetches = AtomicUsize::new(0);
        let hour = Duration::from_secs(3600);
        let first = get(&cache, &fetches, "a", hour).await;
        cache.invalidate(&first);
        let second = get(&cache, &fetches, "b", hour).await;
        assert_eq!(second.secret(), "b");
        // A late report about the old token leaves the new one alone.
        cache.invalidate(&first);
        assert_eq!(get(&cache, &fetches, "c", hour).await, second);
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn refresh_times_stay_between_the_floor_and_the_lifetime() {
        assert_eq!(refresh_after(Duration::ZERO), MIN_REFRESH_AFTER);
        assert_eq!(
            refresh_after(Duration::from_secs(3599)),
            Duration::from_secs(3299)
        );
        assert_eq!(
            refresh_after(super::super::token_answer::MAX_LIFETIME),
            Duration::from_secs(86_100)
        );
    }
}
