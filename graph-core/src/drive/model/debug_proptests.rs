//! No sharing secret shows in `Debug`: share tokens, link URLs, embed HTML
//! and credential URLs kept in `additional`, wherever they sit.

use proptest::prelude::*;
use serde_json::json;

use super::{DriveItem, Permission};
use crate::shares::SharedDriveItem;

/// A token long and random enough that it cannot appear by chance.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{20,40}"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn debug_never_shows_share_tokens_or_link_urls(
        token in secret(),
        path in secret(),
        auth in secret(),
        host in "[a-z]{3,12}",
    ) {
        let web_url = format!("https://{host}.sharepoint.com/:w:/g/{path}");
        let download = format!("https://{host}.sharepoint.com/_layouts/15/download.aspx?UniqueId=1&tempauth={auth}");
        let permission: Permission = serde_json::from_value(json!({
            "id": "1",
            "roles": ["read"],
            "shareId": format!("s!{token}"),
            "link": {
                "type": "embed",
                "webUrl": web_url,
                "webHtml": format!("<iframe src=\"{web_url}\"></iframe>"),
                "nested": {"downloadUrl": download}
            },
            "inheritedFrom": {"id": "P", "shareId": format!("s!{token}")},
            "@microsoft.graph.downloadUrl": download,
        })).unwrap();
        let item: DriveItem = serde_json::from_value(json!({
            "id": "I",
            "webUrl": web_url,
            "@microsoft.graph.downloadUrl": download,
            "thumbnails": [{"large": {"url": format!("https://x.blob.core.windows.net/t?sv=1&sig={auth}")}}],
        })).unwrap();
        let shared = SharedDriveItem {
            id: Some(format!("u!{token}")),
            web_url: Some(web_url.clone()),
            drive_item: Some(item.clone()),
            permission: Some(permission.clone()),
            ..SharedDriveItem::default()
        };
        for shown in [
            format!("{permission:?}"),
            format!("{permission:#?}"),
            format!("{item:?}"),
            format!("{shared:?}"),
        ] {
            prop_assert!(!shown.contains(&token), "{}", shown);
            prop_assert!(!shown.contains(&path), "{}", shown);
            prop_assert!(!shown.contains(&auth), "{}", shown);
            // What is not secret still helps: the site's host shows.
            prop_assert!(shown.contains(&format!("{host}.sharepoint.com")), "{}", shown);
        }
    }
}
