//! `POST …/invite`: send a sharing invitation, on every way of addressing a drive item.
//!
//! One struct per documented address form; [`ItemLocator::invite`](super::ItemLocator::invite)
//! picks the right one for an item held as a locator.

use crate::drive::model::{InviteBody, InviteResponse};
use crate::graph_endpoint;

/// Sends a sharing invitation for an item in the signed-in user's drive, by item id.
///
/// Answers `200 OK`, or `207 Multi-Status` when some recipients could not be
/// notified: both decode into an [`InviteResponse`].
#[graph_endpoint(POST "/me/drive/items/<item_id>/invite", response = InviteResponse)]
#[derive(Debug, Clone)]
pub struct MeItemInvite {
    item_id: String,
    /// Who to invite and how.
    #[body]
    invite: InviteBody,
}

/// Sends a sharing invitation for an item in the default drive (`/drive`) of the signed-in user, by item id.
///
/// Answers `200 OK`, or `207 Multi-Status` when some recipients could not be
/// notified: both decode into an [`InviteResponse`].
#[graph_endpoint(POST "/drive/items/<item_id>/invite", response = InviteResponse)]
#[derive(Debug, Clone)]
pub struct DefaultDriveItemInvite {
    item_id: String,
    /// Who to invite and how.
    #[body]
    invite: InviteBody,
}

/// Sends a sharing invitation for an item in any drive, by drive id and item id.
///
/// Answers `200 OK`, or `207 Multi-Status` when some recipients could not be
/// notified: both decode into an [`InviteResponse`].
#[graph_endpoint(POST "/drives/<drive_id>/items/<item_id>/invite", response = InviteResponse)]
#[derive(Debug, Clone)]
pub struct DriveItemInvite {
    drive_id: String,
    item_id: String,
    /// Who to invite and how.
    #[body]
    invite: InviteBody,
}

/// Sends a sharing invitation for an item in a Microsoft 365 group's document library, by item id.
///
/// Answers `200 OK`, or `207 Multi-Status` when some recipients could not be
/// notified: both decode into an [`InviteResponse`].
#[graph_endpoint(POST "/groups/<group_id>/drive/items/<item_id>/invite", response = InviteResponse)]
#[derive(Debug, Clone)]
pub struct GroupItemInvite {
    group_id: String,
    item_id: String,
    /// Who to invite and how.
    #[body]
    invite: InviteBody,
}

/// Sends a sharing invitation for an item in a user's OneDrive (id or userPrincipalName), by item id.
///
/// Answers `200 OK`, or `207 Multi-Status` when some recipients could not be
/// notified: both decode into an [`InviteResponse`].
#[graph_endpoint(POST "/users/<user_id>/drive/items/<item_id>/invite", response = InviteResponse)]
#[derive(Debug, Clone)]
pub struct UserItemInvite {
    user_id: String,
    item_id: String,
    /// Who to invite and how.
    #[body]
    invite: InviteBody,
}

/// Sends a sharing invitation for an item in a SharePoint site's default document library, by item id.
///
/// Answers `200 OK`, or `207 Multi-Status` when some recipients could not be
/// notified: both decode into an [`InviteResponse`].
#[graph_endpoint(POST "/sites/<site_id>/drive/items/<item_id>/invite", response = InviteResponse)]
#[derive(Debug, Clone)]
pub struct SiteItemInvite {
    site_id: String,
    item_id: String,
    /// Who to invite and how.
    #[body]
    invite: InviteBody,
}

/// Sends a sharing invitation for an item in the signed-in user's drive, by path from the root.
///
/// Answers `200 OK`, or `207 Multi-Status` when some recipients could not be
/// notified: both decode into an [`InviteResponse`].
#[graph_endpoint(POST "/me/drive/root:/<item_path..>:/invite", response = InviteResponse)]
#[derive(Debug, Clone)]
pub struct MePathItemInvite {
    item_path: String,
    /// Who to invite and how.
    #[body]
    invite: InviteBody,
}

/// Sends a sharing invitation for an item in any drive, by drive id and path from the root.
///
/// Answers `200 OK`, or `207 Multi-Status` when some recipients could not be
/// notified: both decode into an [`InviteResponse`].
#[graph_endpoint(POST "/drives/<drive_id>/root:/<item_path..>:/invite", response = InviteResponse)]
#[derive(Debug, Clone)]
pub struct DrivePathItemInvite {
    drive_id: String,
    item_path: String,
    /// Who to invite and how.
    #[body]
    invite: InviteBody,
}
