//! The shares API: reach an item through a sharing link or share id.
//!
//! A [`Share`] names the shared item: [`Share::id`] for a share id (a
//! permission's `shareId`), [`Share::url`] for a sharing URL, which it
//! encodes as `u!` + unpadded base64url ([`encode_sharing_url`]; the inverse
//! is [`decode_sharing_url`]). Its methods build the endpoints:
//!
//! ```
//! use graph_core::drive::model::{DriveRecipient, Role};
//! use graph_core::shares::{GrantBody, Redeem, Share};
//! use graph_core::Endpoint;
//!
//! let share = Share::url("https://contoso.sharepoint.com/:w:/g/EZexPoDjW4d");
//! let redeem = share.redeem(Redeem::Durably);        // GET /shares/u!…  (Prefer: redeemSharingLink)
//! let item = share.drive_item();                     // GET /shares/u!…/driveItem
//! let link = share.permission();                     // GET /shares/u!…/permission
//! let grant = share.grant(                           // POST /shares/u!…/permission/grant
//!     GrantBody::new([DriveRecipient::email("john@contoso.com")]).with_roles([Role::Read]),
//! );
//! assert_eq!(grant.path(), format!("{}/permission/grant", redeem.path()));
//! # let _ = (item, link);
//! ```

mod encode;
mod endpoints;
mod grant;
mod share;
mod shared_drive_item;
mod token_path;

pub use encode::{SHARING_URL_PREFIX, SharingUrlError, decode_sharing_url, encode_sharing_url};
pub use endpoints::{GetShare, GetSharePermission, GetSharedDriveItem, GrantPermission};
pub use grant::GrantBody;
pub use share::{Redeem, Share};
pub use shared_drive_item::SharedDriveItem;
#[allow(unused_imports)] // `is_share_token`: for redaction elsewhere; see token_path
pub(crate) use token_path::{is_share_token, redact_share_tokens};
