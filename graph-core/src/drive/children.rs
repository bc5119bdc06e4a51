//! `GET …/children`: the items in a folder, a page at a time, on every way
//! of addressing the folder.
//!
//! "List children of a driveItem" lists the `items/{item-id}` forms and, in
//! its examples, the root (`/me/drive/root/children`) and path
//! (`/drives/{drive-id}/root:/{path-relative-to-root}:/children`) forms; the
//! `children` navigation property is the driveItem's (CSDL), so every path
//! that resolves to a driveItem serves it. A collection larger than the
//! default page size (200 items) answers `@odata.nextLink`; `$top`,
//! `$select` and `$skipToken` are among its documented query parameters.

use crate::drive::ItemLocator;
use crate::drive::model::DriveItem;
use crate::graph_endpoint;
use crate::odata::{Collection, Select};

/// `GET …/children`: a folder's children, a page at a time.
///
/// Usually built with [`ItemLocator::list_children`]; follow
/// `@odata.nextLink` with [`Client::next_page`](crate::Client::next_page), or
/// read every child across pages with [`Client::items`](crate::Client::items).
///
/// ```
/// use graph_core::drive::ItemLocator;
/// use graph_core::Endpoint;
///
/// let list = ItemLocator::drive_root("b!x").list_children(Some(500)).with_select(["id", "name", "folder"]);
/// assert_eq!(list.to_request()?.path_and_query(), "/drives/b!x/root/children?$top=500&$select=id,name,folder");
/// # Ok::<(), graph_core::Error>(())
/// ```
#[graph_endpoint(GET match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/children",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/children",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/children",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/children",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/children",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/children",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/children",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/children",
    ItemLocator::MeRoot => "/me/drive/root/children",
    ItemLocator::DriveRoot => "/drives/<drive_id>/root/children",
    ItemLocator::GroupRoot => "/groups/<group_id>/drive/root/children",
    ItemLocator::UserRoot => "/users/<user_id>/drive/root/children",
    ItemLocator::SiteRoot => "/sites/<site_id>/drive/root/children",
}, response = Collection<DriveItem>)]
#[derive(Debug, Clone)]
pub struct ListChildren {
    /// The folder whose children to list.
    item: ItemLocator,
    /// How many children per page.
    #[query("$top")]
    top: Option<u32>,
    /// The page to continue from, taken from `@odata.nextLink`.
    #[query("$skiptoken")]
    skip_token: Option<String>,
    /// Which properties to return (`$select=id,name,folder`).
    #[query("$select")]
    select: Option<Select>,
}

impl ListChildren {
    /// Asks only for these properties (`$select`).
    pub fn with_select(mut self, select: impl Into<Select>) -> Self {
        self.select = Some(select.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::test_forms::forms;
    use crate::{Endpoint, Method};

    #[test]
    fn every_form_renders_the_documented_path() {
        for (item, path, template) in forms() {
            let list = item.list_children(Some(7)).with_select(["id", "folder"]);
            let request = Endpoint::to_request(&list).unwrap();
            assert_eq!(request.method(), Method::Get);
            assert_eq!(
                request.path_and_query(),
                format!("{path}/children?$top=7&$select=id,folder")
            );
            assert_eq!(request.template(), format!("{template}/children"));
            let bare = Endpoint::to_request(&item.list_children(None)).unwrap();
            assert_eq!(bare.path_and_query(), format!("{path}/children"));
        }
        assert_eq!(ListChildren::TEMPLATES.len(), forms().len());
    }
}
