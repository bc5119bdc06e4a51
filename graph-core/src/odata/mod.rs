//! OData collections and paging: what Graph's list operations return, and
//! how to follow them page by page.
//!
//! A list operation answers one [`Collection`] page; its `@odata.nextLink`
//! names the next one, which [`Client::next_page`](crate::Client::next_page)
//! fetches. Nothing here knows any Graph model: `Collection<T>` works for
//! permissions, items, users alike.

mod collection;
mod paging;
mod select;
mod stream;

pub use collection::Collection;
pub(crate) use collection::null_as_default;
pub use select::Select;
pub use stream::Items;
