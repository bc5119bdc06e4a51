//! `<item>`: a Graph path to a drive item, or a sharing URL resolved through
//! the shares API.

use std::fmt;
use std::str::FromStr;

use graph_core::Client;
use graph_core::drive::ItemLocator;
use graph_core::shares::Share;

use crate::exit::Failure;

/// An item as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemArg {
    /// One of [`ItemLocator`]'s Graph paths.
    Path(ItemLocator),
    /// A sharing URL (`https://…`): `GET /shares/{encoded URL}/driveItem`
    /// says which item it is ("Accessing shared driveItems": any sharing URL
    /// is encoded as `u!` + unpadded base64url).
    SharingUrl(String),
}

impl FromStr for ItemArg {
    type Err = String;

    /// Read before anything is sent, so that a malformed address is a usage
    /// error: the Graph path forms are [`ItemLocator`]'s own parser's.
    fn from_str(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            return Ok(Self::SharingUrl(trimmed.to_owned()));
        }
        trimmed
            .parse::<ItemLocator>()
            .map(Self::Path)
            .map_err(|e| format!("{e}, or a sharing URL (https://…)"))
    }
}

impl fmt::Display for ItemArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path(locator) => f.write_str(&display_path(locator)),
            // A sharing URL's query (`?e=…`, `tempauth=…`) is a credential of
            // sorts: shown without it.
            Self::SharingUrl(url) => f.write_str(url.split(['?', '#']).next().unwrap_or(url)),
        }
    }
}

/// The Graph path of `locator`, as the user would write it.
pub fn display_path(locator: &ItemLocator) -> String {
    match locator {
        ItemLocator::Me { item_id } => format!("/me/drive/items/{item_id}"),
        ItemLocator::DefaultDrive { item_id } => format!("/drive/items/{item_id}"),
        ItemLocator::Drive { drive_id, item_id } => format!("/drives/{drive_id}/items/{item_id}"),
        ItemLocator::Group { group_id, item_id } => {
            format!("/groups/{group_id}/drive/items/{item_id}")
        }
        ItemLocator::User { user_id, item_id } => format!("/users/{user_id}/drive/items/{item_id}"),
        ItemLocator::Site { site_id, item_id } => format!("/sites/{site_id}/drive/items/{item_id}"),
        ItemLocator::MePath { item_path } => format!("/me/drive/root:/{item_path}:"),
        ItemLocator::DrivePath {
            drive_id,
            item_path,
        } => format!("/drives/{drive_id}/root:/{item_path}:"),
        ItemLocator::MeRoot {} => "/me/drive/root".to_owned(),
        ItemLocator::DriveRoot { drive_id } => format!("/drives/{drive_id}/root"),
        ItemLocator::GroupRoot { group_id } => format!("/groups/{group_id}/drive/root"),
        ItemLocator::UserRoot { user_id } => format!("/users/{user_id}/drive/root"),
        ItemLocator::SiteRoot { site_id } => format!("/sites/{site_id}/drive/root"),
    }
}

impl ItemArg {
    /// The item's locator: a path as given; a sharing URL resolved to
    /// `/drives/{driveId}/items/{id}` from the `driveItem` the shares API
    /// answers (its `id` and `parentReference.driveId`).
    pub async fn resolve(&self, client: &Client) -> Result<ItemLocator, Failure> {
        let url = match self {
            Self::Path(locator) => return Ok(locator.clone()),
            Self::SharingUrl(url) => url,
        };
        tracing::info!(url = %self, "resolving the sharing URL through /shares");
        let item = client
            .send(&Share::url(url).drive_item())
            .await
            .map_err(|e| Failure::graph(format!("could not resolve the sharing URL {self}"), &e))?;
        let drive = item
            .parent_reference
            .as_ref()
            .and_then(|p| p.drive_id.clone());
        match (drive, item.id) {
            (Some(drive), Some(id)) => Ok(ItemLocator::drive(drive, id)),
            _ => Err(Failure::graph_text(format!(
                "the shares API answered for {self} without the item's id and drive id"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_sharing_urls_are_told_apart_and_malformed_paths_refused() {
        assert_eq!(
            "/drives/b!x/items/01A".parse::<ItemArg>(),
            Ok(ItemArg::Path(ItemLocator::drive("b!x", "01A")))
        );
        assert_eq!(
            "/me/drive/root:/Docs/Q3.xlsx:".parse::<ItemArg>(),
            Ok(ItemArg::Path(ItemLocator::me_path("Docs/Q3.xlsx")))
        );
        assert!(matches!(
            "HTTPS://contoso.sharepoint.com/:x:/g/abc".parse::<ItemArg>(),
            Ok(ItemArg::SharingUrl(_))
        ));
        let wrong = "/drives/b!x".parse::<ItemArg>().unwrap_err();
        assert!(
            wrong.contains("/drives/b!x") && wrong.contains("sharing URL"),
            "{wrong}"
        );
    }

    #[test]
    fn every_path_form_displays_as_it_parses() {
        for text in [
            "/me/drive/items/1",
            "/drive/items/1",
            "/drives/d/items/1",
            "/groups/g/drive/items/1",
            "/users/u/drive/items/1",
            "/sites/s/drive/items/1",
            "/me/drive/root:/a/b.docx:",
            "/drives/d/root:/a/b.docx:",
            "/me/drive/root",
            "/drives/d/root",
            "/groups/g/drive/root",
            "/users/u/drive/root",
            "/sites/s/drive/root",
        ] {
            let ItemArg::Path(locator) = text.parse::<ItemArg>().unwrap() else {
                panic!("{text} is a path");
            };
            assert_eq!(display_path(&locator), text);
        }
    }

    #[test]
    fn a_sharing_url_is_shown_without_its_query() {
        let url: ItemArg = "https://contoso.sharepoint.com/:w:/s/x/abc?e=SeCrEt"
            .parse()
            .unwrap();
        assert_eq!(
            url.to_string(),
            "https://contoso.sharepoint.com/:w:/s/x/abc"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any text is read without a panic, and a path that is read shows
        /// as a path that reads back the same.
        #[test]
        fn any_text_is_a_path_a_url_or_a_refusal(text in "\\PC{0,60}|/(me|drive|drives|groups|users|sites)/[a-z!:/ .]{0,30}") {
            match text.parse::<ItemArg>() {
                Ok(ItemArg::Path(locator)) => {
                    let again = display_path(&locator).parse::<ItemArg>();
                    proptest::prop_assert_eq!(again, Ok(ItemArg::Path(locator)));
                }
                Ok(ItemArg::SharingUrl(url)) => proptest::prop_assert!(url.to_ascii_lowercase().starts_with("http")),
                Err(message) => proptest::prop_assert!(message.contains("sharing URL")),
            }
        }
    }
}
