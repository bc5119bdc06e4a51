//! Every `ItemLocator` form with the path prefix it renders and the
//! template prefix it is logged under, for the endpoint tests.

use super::ItemLocator;

/// Each address form, the documented path prefix it renders, and the
/// template prefix it is logged under.
pub(crate) fn forms() -> [(ItemLocator, &'static str, &'static str); 13] {
    [
        (
            ItemLocator::me("01A"),
            "/me/drive/items/01A",
            "/me/drive/items/<item_id>",
        ),
        (
            ItemLocator::default_drive("01A"),
            "/drive/items/01A",
            "/drive/items/<item_id>",
        ),
        (
            ItemLocator::drive("b!d", "01A"),
            "/drives/b!d/items/01A",
            "/drives/<drive_id>/items/<item_id>",
        ),
        (
            ItemLocator::group("g 1", "01A"),
            "/groups/g%201/drive/items/01A",
            "/groups/<group_id>/drive/items/<item_id>",
        ),
        (
            ItemLocator::user("megan@contoso.com", "01A"),
            "/users/megan@contoso.com/drive/items/01A",
            "/users/<user_id>/drive/items/<item_id>",
        ),
        (
            ItemLocator::site("contoso.sharepoint.com,1,2", "01A"),
            "/sites/contoso.sharepoint.com,1,2/drive/items/01A",
            "/sites/<site_id>/drive/items/<item_id>",
        ),
        (
            ItemLocator::me_path("Docs/Q3 #1.xlsx"),
            "/me/drive/root:/Docs/Q3%20%231.xlsx:",
            "/me/drive/root:/<item_path..>:",
        ),
        (
            ItemLocator::drive_path("b!d", "Docs/a.txt"),
            "/drives/b!d/root:/Docs/a.txt:",
            "/drives/<drive_id>/root:/<item_path..>:",
        ),
        (ItemLocator::me_root(), "/me/drive/root", "/me/drive/root"),
        (
            ItemLocator::drive_root("b!d"),
            "/drives/b!d/root",
            "/drives/<drive_id>/root",
        ),
        (
            ItemLocator::group_root("g 1"),
            "/groups/g%201/drive/root",
            "/groups/<group_id>/drive/root",
        ),
        (
            ItemLocator::user_root("megan@contoso.com"),
            "/users/megan@contoso.com/drive/root",
            "/users/<user_id>/drive/root",
        ),
        (
            ItemLocator::site_root("contoso.sharepoint.com,1,2"),
            "/sites/contoso.sharepoint.com,1,2/drive/root",
            "/sites/<site_id>/drive/root",
        ),
    ]
}
