//! [`Share`]: a shared item as the shares API addresses it.

use std::borrow::Cow;
use std::fmt;

use super::encode::{SharingUrlError, decode_sharing_url, encode_sharing_url};
use super::{GetShare, GetSharePermission, GetSharedDriveItem, GrantBody, GrantPermission};
use crate::ParamValue;
use crate::drive::model::Permission;

/// The `{shareIdOrEncodedSharingUrl}` of `/shares/…`: a share id as Graph
/// returns it (a permission's `shareId`), or a sharing URL encoded with
/// [`encode_sharing_url`].
///
/// A token opens the item for whoever holds it, so `Debug` shows only its
/// first characters.
///
/// ```
/// use graph_core::shares::Share;
/// use graph_core::Endpoint;
///
/// let share = Share::url("https://contoso.sharepoint.com/:w:/g/EZexPoDjW4d");
/// assert!(share.token().starts_with("u!"));
/// assert_eq!(share.sharing_url().unwrap().unwrap(), "https://contoso.sharepoint.com/:w:/g/EZexPoDjW4d");
/// assert_eq!(share.drive_item().path(), format!("/shares/{}/driveItem", share.token()));
/// assert!(!format!("{share:?}").contains(share.token()));
///
/// let by_id = Share::id("s!AbC");
/// assert_eq!(by_id.get().path(), "/shares/s!AbC");
/// assert!(by_id.sharing_url().is_none());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Share {
    token: String,
}

impl Share {
    /// A share id as Graph returns it, e.g. a permission's `shareId`.
    pub fn id(share_id: impl Into<String>) -> Self {
        Self {
            token: share_id.into(),
        }
    }

    /// A sharing URL (a link's `webUrl`, or an item's), encoded as `u!…`.
    pub fn url(sharing_url: &str) -> Self {
        Self {
            token: encode_sharing_url(sharing_url),
        }
    }

    /// The share behind a permission, from its `shareId`.
    pub fn of(permission: &Permission) -> Option<Self> {
        permission.share_id.as_deref().map(Self::id)
    }

    /// The token as it goes into the path.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The sharing URL, when the token is an encoded one (`u!…`); `None`
    /// for a share id, an error for a `u!` token that does not decode.
    pub fn sharing_url(&self) -> Option<Result<String, SharingUrlError>> {
        match decode_sharing_url(&self.token) {
            Err(SharingUrlError::MissingPrefix) => None,
            other => Some(other),
        }
    }

    /// `GET /shares/{token}`: the shared item's metadata.
    pub fn get(&self) -> GetShare {
        GetShare::builder().share(self.clone()).build()
    }

    /// `GET /shares/{token}` with `Prefer: redeemSharingLink…`: also redeem the link.
    pub fn redeem(&self, redeem: Redeem) -> GetShare {
        GetShare::builder()
            .share(self.clone())
            .prefer(redeem)
            .build()
    }

    /// `GET /shares/{token}/driveItem`: the shared item itself.
    pub fn drive_item(&self) -> GetSharedDriveItem {
        GetSharedDriveItem::builder().share(self.clone()).build()
    }

    /// `GET /shares/{token}/permission`: the sharing permission (the link).
    pub fn permission(&self) -> GetSharePermission {
        GetSharePermission::builder().share(self.clone()).build()
    }

    /// `POST /shares/{token}/permission/grant`: give people access through the link.
    pub fn grant(&self, grant: GrantBody) -> GrantPermission {
        GrantPermission::builder()
            .share(self.clone())
            .grant(grant)
            .build()
    }
}

impl fmt::Debug for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.token.chars().take(6).collect();
        write!(f, "Share({shown:?}…)")
    }
}

impl ParamValue for Share {
    fn param(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.token)
    }
}

/// The `Prefer` values of `GET /shares/{id}` (docs: "Accessing shared
/// DriveItems", "Prefer header values").
///
/// ```
/// use graph_core::shares::{Redeem, Share};
/// use graph_core::Endpoint;
///
/// let get = Share::id("s!AbC").redeem(Redeem::IfNecessary).to_request()?;
/// assert!(get.headers().iter().any(|(name, value)| *name == "Prefer" && value == "redeemSharingLinkIfNecessary"));
/// # Ok::<(), graph_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Redeem {
    /// `redeemSharingLink`: grant the caller durable access, like accepting
    /// the link in a browser.
    Durably,
    /// `redeemSharingLinkIfNecessary`: access only for this request, to peek
    /// at the link's metadata.
    IfNecessary,
}

impl Redeem {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Durably => "redeemSharingLink",
            Self::IfNecessary => "redeemSharingLinkIfNecessary",
        }
    }
}

impl ParamValue for Redeem {
    fn param(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}
