//! OneDrive and SharePoint drives: the sharing models and the endpoints that use them.
//!
//! [`ItemLocator`] holds an item in any address form. Each endpoint here is
//! one declaration covering every form ([`Invite`], [`ListChildren`], [`ListPermissions`],
//! [`CountPermissions`], [`GetPermission`], [`UpdatePermission`],
//! [`DeletePermission`], [`CreatePermission`], [`CreateLink`]); the
//! locator's methods build them:
//!
//! ```
//! use graph_core::drive::{DriveRecipient, InviteBody, ItemLocator, Role};
//! use graph_core::ToRequest;
//!
//! let body = InviteBody::new([DriveRecipient::email("ryan@contoso.com")]).with_roles([Role::Read]);
//! for (item, path) in [
//!     (ItemLocator::me("01A"), "/me/drive/items/01A/invite"),
//!     (ItemLocator::group("g1", "01A"), "/groups/g1/drive/items/01A/invite"),
//!     (ItemLocator::drive_path("b!x", "Docs/Q3 plan.docx"), "/drives/b!x/root:/Docs/Q3%20plan.docx:/invite"),
//! ] {
//!     assert_eq!(item.invite(body.clone()).to_request()?.path_and_query(), path);
//! }
//! # Ok::<(), graph_core::Error>(())
//! ```

mod children;
mod create_link;
mod create_permission;
mod locator;
pub mod model;
mod parse;
mod permissions;
mod send_invitation;
#[cfg(test)]
mod test_forms;

pub use children::ListChildren;
pub use create_link::{CreateLink, LinkOutcome};
pub use create_permission::CreatePermission;
pub use locator::ItemLocator;
pub use model::{
    CreateLinkBody, DriveRecipient, InviteBody, InviteResponse, LinkScope, LinkType, NewPermission,
    Permission, PermissionUpdate, Role,
};
pub use parse::ParseLocatorError;
pub use permissions::{
    CountPermissions, DeletePermission, GetPermission, ListPermissions, RevokeGrants,
    RevokeGrantsBody, UpdatePermission,
};
pub use send_invitation::Invite;
