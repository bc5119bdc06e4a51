//! `POST …/invite`: send a sharing invitation, on every way of addressing a drive item.

use crate::drive::ItemLocator;
use crate::drive::model::{InviteBody, InviteResponse};
use crate::graph_endpoint;

/// Sends a sharing invitation for a drive item, wherever it is addressed.
///
/// Answers `200 OK`, or `207 Multi-Status` when some recipients could not be
/// notified: both decode into an [`InviteResponse`]. Usually built with
/// [`ItemLocator::invite`].
///
/// ```
/// use graph_core::drive::{DriveRecipient, Invite, InviteBody, ItemLocator, Role};
/// use graph_core::Endpoint;
///
/// let invite = Invite::builder()
///     .item(ItemLocator::group("g1", "01A"))
///     .invite(InviteBody::new([DriveRecipient::email("ryan@contoso.com")]).with_roles([Role::Read]))
///     .build();
/// assert_eq!(invite.template(), "/groups/<group_id>/drive/items/<item_id>/invite");
/// assert_eq!(invite.path(), "/groups/g1/drive/items/01A/invite");
/// ```
#[graph_endpoint(POST match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/invite",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/invite",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/invite",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/invite",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/invite",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/invite",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/invite",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/invite",
    ItemLocator::MeRoot => "/me/drive/root/invite",
    ItemLocator::DriveRoot => "/drives/<drive_id>/root/invite",
    ItemLocator::GroupRoot => "/groups/<group_id>/drive/root/invite",
    ItemLocator::UserRoot => "/users/<user_id>/drive/root/invite",
    ItemLocator::SiteRoot => "/sites/<site_id>/drive/root/invite",
}, response = InviteResponse)]
#[derive(Debug, Clone)]
pub struct Invite {
    /// The item to share.
    item: ItemLocator,
    /// Who to invite and how.
    #[body]
    invite: InviteBody,
}
