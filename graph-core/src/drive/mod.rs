//! OneDrive and SharePoint drives: the sharing models and the endpoints that use them.
//!
//! [`ItemLocator`] is the entry point: hold an item in any address form and
//! call [`invite`](ItemLocator::invite), [`list_permissions`](ItemLocator::list_permissions),
//! [`update_permission`](ItemLocator::update_permission) or
//! [`delete_permission`](ItemLocator::delete_permission). The structs in
//! [`invite`] and [`permissions`] are the endpoint declarations behind it.

pub mod invite;
mod locator;
pub mod model;
mod parse;
pub mod permissions;

pub use locator::{ItemLocator, Located};
pub use model::{DriveRecipient, InviteBody, InviteResponse, Permission, PermissionUpdate, Role};
pub use parse::ParseLocatorError;
