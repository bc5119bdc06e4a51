//! Typed request and response bodies for sharing a drive item.
//!
//! Request side:
//!
//! * [`InviteBody`]: the body of `POST …/items/{item-id}/invite`, with
//!   [`InviteBody::validate`] checking Graph's documented rules before anything is sent.
//! * [`DriveRecipient`]: one invitee, exactly one of `email`, `alias` or `objectId`.
//! * [`Role`]: a permission role (`read`, `write`, `owner`, or anything newer, kept as is).
//! * [`Password`]: a secret that never shows up in `Debug` output.
//! * [`PermissionUpdate`]: the body of `PATCH …/permissions/{perm-id}`.
//! * [`NewPermission`]: the body of `POST …/permissions`.
//!
//! Response side:
//!
//! * [`Permission`] and its facets ([`SharingLink`], [`SharingInvitation`], [`ItemReference`],
//!   [`IdentitySet`], [`SharePointIdentitySet`], …).
//! * [`InviteResponse`]: the [`Collection`](crate::odata::Collection) of permissions an
//!   invite returns, with helpers for the per-recipient [`ODataError`](crate::ODataError)s
//!   of a `207 Multi-Status` answer.
//!
//! Every response type keeps the properties it does not know in its
//! `additional` map ([`Permission::additional`], [`Identity::additional`],
//! [`SharingLink::additional`], …), so callers can reach fields added to Graph
//! later and a read followed by a write loses nothing.
//!
//! ```
//! use graph_core::drive::model::{DriveRecipient, InviteBody, Role};
//!
//! let body = InviteBody::new(vec![DriveRecipient::email("robin@contoso.com")])
//!     .with_roles([Role::Write])
//!     .with_send_invitation(true);
//! assert!(body.validate().is_ok());
//! ```

mod drive_item;
mod identity;
mod invite;
mod invite_response;
mod link;
mod new_permission;
mod password;
mod permission;
mod recipient;
mod role;
mod serde_helpers;
pub(crate) mod shown;
mod wire;

#[cfg(test)]
mod debug_proptests;
#[cfg(test)]
mod proptests;

pub use drive_item::DriveItem;
pub use identity::{
    Identity, IdentitySet, SharePointGroupIdentity, SharePointIdentity, SharePointIdentitySet,
};
pub use invite::{InviteBody, MAX_MESSAGE_CHARS};
pub use invite_response::InviteResponse;
pub use link::{CreateLinkBody, LinkScope, LinkType};
pub use new_permission::NewPermission;
pub use password::Password;
pub use permission::{ItemReference, Permission, PermissionUpdate, SharingInvitation, SharingLink};
pub use recipient::DriveRecipient;
pub use role::Role;
pub use wire::WireForms;
