//! The sharing lifecycle after an invitation: list, read, change and revoke
//! permissions, on every way of addressing a drive item.
//!
//! One struct per operation and address form;
//! [`ItemLocator`](super::ItemLocator) picks the right one for an item held as a locator.

mod delete;
mod get;
mod list;
mod update;

pub use delete::*;
pub use get::*;
pub use list::*;
pub use update::*;
