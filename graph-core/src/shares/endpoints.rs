//! The shares API: `/shares/{shareIdOrEncodedSharingUrl}` and what hangs off it.
//!
//! Sources: the docs pages "Accessing shared DriveItems" (`GET /shares/{id}`,
//! `…/driveItem`, the `Prefer` values) and "permission: grant"
//! (`POST /shares/{encoded-sharing-url}/permission/grant`); in the v1.0 CSDL,
//! `sharedDriveItem`'s navigation properties `driveItem` and `permission`,
//! and the `grant` action bound to `graph.permission`.

use super::{GrantBody, Redeem, Share, SharedDriveItem};
use crate::drive::model::{DriveItem, Permission};
use crate::graph_endpoint;
use crate::odata::Collection;

/// `GET /shares/{token}`: the shared item's metadata, optionally redeeming
/// the link (`Prefer`). Usually built with [`Share::get`] or [`Share::redeem`].
///
/// ```
/// use graph_core::shares::{GetShare, Redeem, Share};
/// use graph_core::Endpoint;
///
/// let get = GetShare::builder().share(Share::id("s!AbC")).prefer(Redeem::Durably).build();
/// assert_eq!(get.path(), "/shares/s!AbC");
/// assert_eq!(get.to_request()?.headers(), &[("Prefer", "redeemSharingLink".to_string())]);
/// # Ok::<(), graph_core::Error>(())
/// ```
#[graph_endpoint(GET "/shares/<share>", response = SharedDriveItem)]
#[derive(Debug, Clone)]
pub struct GetShare {
    /// The share id or encoded sharing URL.
    share: Share,
    /// Whether to redeem the link, and how.
    #[header("Prefer")]
    prefer: Option<Redeem>,
}

/// `GET /shares/{token}/driveItem`: the shared file or folder. Usually built
/// with [`Share::drive_item`]; the builder adds `$expand`.
///
/// ```
/// use graph_core::shares::{GetSharedDriveItem, Share};
/// use graph_core::Endpoint;
///
/// assert_eq!(Share::id("s!AbC").drive_item().path(), "/shares/s!AbC/driveItem");
/// let folder = GetSharedDriveItem::builder()
///     .share(Share::id("s!AbC"))
///     .expand(vec!["children".to_string()])
///     .build();
/// assert_eq!(folder.to_request()?.path_and_query(), "/shares/s!AbC/driveItem?$expand=children");
/// # Ok::<(), graph_core::Error>(())
/// ```
#[graph_endpoint(GET "/shares/<share>/driveItem", response = DriveItem)]
#[derive(Debug, Clone)]
pub struct GetSharedDriveItem {
    /// The share id or encoded sharing URL.
    share: Share,
    /// Related resources to include, such as `children` of a shared folder.
    #[query("$expand")]
    expand: Option<Vec<String>>,
    /// Whether to redeem the link, and how.
    #[header("Prefer")]
    prefer: Option<Redeem>,
}

impl GetSharedDriveItem {
    /// Includes related resources (`$expand`), e.g. `["children"]` for the
    /// contents of a shared folder ("Accessing shared DriveItems", example
    /// "Access the contents of a shared folder").
    ///
    /// ```
    /// use graph_core::shares::Share;
    /// use graph_core::Endpoint;
    ///
    /// let folder = Share::id("s!AbC").drive_item().with_expand(["children"]);
    /// assert_eq!(folder.to_request()?.path_and_query(), "/shares/s!AbC/driveItem?$expand=children");
    /// # Ok::<(), graph_core::Error>(())
    /// ```
    pub fn with_expand(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.expand = Some(names.into_iter().map(Into::into).collect());
        self
    }
}

/// `GET /shares/{token}/permission`: the sharing permission behind the
/// token (for a link, the link). Usually built with [`Share::permission`].
///
/// ```
/// use graph_core::shares::Share;
/// use graph_core::Endpoint;
///
/// assert_eq!(Share::id("s!AbC").permission().path(), "/shares/s!AbC/permission");
/// ```
#[graph_endpoint(GET "/shares/<share>/permission", response = Permission)]
#[derive(Debug, Clone)]
pub struct GetSharePermission {
    /// The share id or encoded sharing URL.
    share: Share,
    /// Whether to redeem the link, and how.
    #[header("Prefer")]
    prefer: Option<Redeem>,
}

/// `POST /shares/{token}/permission/grant`: give recipients access through a
/// sharing link. Answers `200 OK` with the permissions affected, the updated
/// link among them. Usually built with [`Share::grant`].
///
/// ```
/// use graph_core::drive::model::{DriveRecipient, Role};
/// use graph_core::shares::{GrantBody, Share};
/// use graph_core::Endpoint;
///
/// let body = GrantBody::new([DriveRecipient::email("ryan@external.com")]).with_roles([Role::Read]);
/// let grant = Share::url("https://contoso.sharepoint.com/:t:/g/EZex").grant(body);
/// assert!(grant.path().starts_with("/shares/u!"));
/// assert!(grant.path().ends_with("/permission/grant"));
/// ```
#[graph_endpoint(POST "/shares/<share>/permission/grant", response = Collection<Permission>)]
#[derive(Debug, Clone)]
pub struct GrantPermission {
    /// The share id or encoded sharing URL of the link.
    share: Share,
    /// Who gets access, with which roles.
    #[body]
    grant: GrantBody,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::model::DriveRecipient;
    use crate::{Endpoint, Method};

    #[test]
    fn every_operation_renders_its_documented_path() {
        let share = Share::url("https://1drv.ms/A6913278E564460AA616C71B28AD6EB6");
        let token = share.token().to_string();
        let check = |request: crate::Request, method: Method, tail: &str| {
            assert_eq!(request.method(), method);
            assert_eq!(request.path_and_query(), format!("/shares/{token}{tail}"));
        };
        check(share.get().to_request().unwrap(), Method::Get, "");
        check(
            share.drive_item().to_request().unwrap(),
            Method::Get,
            "/driveItem",
        );
        check(
            share.permission().to_request().unwrap(),
            Method::Get,
            "/permission",
        );
        let grant = share
            .grant(GrantBody::new([DriveRecipient::alias("design")]))
            .to_request()
            .unwrap();
        assert_eq!(
            grant.body().unwrap(),
            br#"{"recipients":[{"alias":"design"}]}"#
        );
        check(grant, Method::Post, "/permission/grant");
        assert!(share.get().to_request().unwrap().headers().is_empty());
    }

    #[test]
    fn a_token_that_cannot_be_a_segment_is_refused_before_sending() {
        for bad in ["", ".", ".."] {
            match Share::id(bad).get().to_request() {
                Err(crate::Error::Validation(e)) => assert_eq!(e.field(), "share"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        // Anything else is percent-encoded as one segment.
        assert_eq!(Share::id("a/b").get().path(), "/shares/a%2Fb");
    }
}
