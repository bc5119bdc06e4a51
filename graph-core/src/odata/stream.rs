//! Every item of a paged collection as one `Stream`, a page at a time.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use serde::de::DeserializeOwned;

use super::Collection;
use crate::{Client, Error, ToRequest};

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<Collection<T>, Error>> + Send>>;

/// The items of a paged list operation, across every page: a
/// [`Stream`] of `Result<T, Error>`, made by [`Client::items`].
///
/// It asks for the first page when first polled and for the next one (by
/// `@odata.nextLink`, through [`Client::next_page`], so only under the
/// client's base URL) once the items of the current page are used up: at
/// most one page is held at a time. A failed page is yielded as one `Err`
/// and ends the stream.
#[must_use = "a stream does nothing unless polled"]
pub struct Items<T> {
    client: Client,
    buffer: std::vec::IntoIter<T>,
    pending: Option<PageFuture<T>>,
}

// No field is ever pinned in place: the pending page is boxed.
impl<T> Unpin for Items<T> {}

impl<T> std::fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("buffered", &self.buffer.len())
            .field("fetching", &self.pending.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Every item of the list operation `first`, across all its pages, as a
    /// [`Stream`]; the page-level API ([`Client::send`] then
    /// [`Client::next_page`]) stays available for callers that want pages.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) -> Result<(), graph_core::Error> {
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use futures_core::Stream;
    /// use graph_core::drive::ItemLocator;
    ///
    /// let mut items = client.items(&ItemLocator::me("01A").list_permissions(Some(50)));
    /// while let Some(permission) = poll_fn(|cx| Pin::new(&mut items).poll_next(cx)).await {
    ///     println!("{:?}", permission?.roles);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// (With `futures::StreamExt`, `items.next().await` reads the same.)
    pub fn items<R, T>(&self, first: &R) -> Items<T>
    where
        R: ToRequest<Response = Collection<T>> + ?Sized,
        T: DeserializeOwned + Send + Sync + 'static,
    {
        let client = self.clone();
        let request = first.to_request();
        let pending: PageFuture<T> =
            Box::pin(async move { Ok(client.execute_request(request?).await?.value) });
        Items {
            client: self.clone(),
            buffer: Vec::new().into_iter(),
            pending: Some(pending),
        }
    }
}

impl<T: DeserializeOwned + Send + Sync + 'static> Items<T> {
    /// The next item, fetching the next page when this one is used up;
    /// `None` after the last item, or after an error has been returned
    /// once. The same as the [`Stream`] impl, without a `futures` import.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) -> Result<(), graph_core::Error> {
    /// use graph_core::drive::ItemLocator;
    ///
    /// let mut permissions = client.items(&ItemLocator::me("01A").list_permissions(Some(50)));
    /// while let Some(permission) = permissions.next_item().await {
    ///     println!("{:?}", permission?.roles);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn next_item(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }
}

impl<T: DeserializeOwned + Send + Sync + 'static> Stream for Items<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.buffer.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            let Some(pending) = this.pending.as_mut() else {
                return Poll::Ready(None);
            };
            let page = match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(page) => page,
            };
            this.pending = None;
            let page = match page {
                Ok(page) => page,
                Err(err) => return Poll::Ready(Some(Err(err))),
            };
            if let Some(link) = page.next_link.clone() {
                let client = this.client.clone();
                let shell = Collection::<T> {
                    next_link: Some(link),
                    ..Collection::default()
                };
                this.pending = Some(Box::pin(async move {
                    // `None` only when there is no link, and there is one.
                    Ok(client.next_page(&shell).await?.unwrap_or_default())
                }));
            }
            this.buffer = page.value.into_iter();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.buffer.len();
        (buffered, self.pending.is_none().then_some(buffered))
    }
}
