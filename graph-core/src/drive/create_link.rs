//! `POST …/createLink`: share a drive item through a sharing link.
//!
//! The docs page "driveItem: createLink" lists five forms (`/drives/{id}/items/{id}`,
//! `/groups/…`, `/me/…`, `/sites/…`, `/users/…`). The action is bound to
//! `graph.driveItem` in the v1.0 CSDL (`<Action Name="createLink" IsBound="true">`
//! with `bindingParameter` of type `graph.driveItem`), so Graph serves it on
//! every path that resolves to a driveItem: `/drive/items/{id}` and the
//! path-based forms (`root:/{path}:`) are aliases of the same item (docs:
//! "driveItem resource type", path-based addressing). Refusing them would be
//! stricter than Graph, so the declaration covers all eight forms.

use std::future::Future;

use crate::drive::ItemLocator;
use crate::drive::model::{CreateLinkBody, Permission};
use crate::{Client, Error, Response, graph_endpoint};

/// `POST …/createLink`: create a sharing link for an item, or get back the
/// equivalent link that exists already.
///
/// Graph answers `201 Created` with a new link and `200 OK` with an existing
/// one; [`CreateLink::send`] (or `LinkOutcome::from` on the
/// [`Response`] of [`Client::execute`]) tells them apart. Usually built with
/// [`ItemLocator::create_link`].
///
/// ```
/// use graph_core::drive::model::{CreateLinkBody, LinkScope, LinkType};
/// use graph_core::drive::ItemLocator;
/// use graph_core::Endpoint;
///
/// let body = CreateLinkBody::new(LinkType::Edit).with_scope(LinkScope::Organization);
/// let create = ItemLocator::me_path("Docs/Q3 plan.docx").create_link(body);
/// assert_eq!(create.path(), "/me/drive/root:/Docs/Q3%20plan.docx:/createLink");
/// let request = create.to_request()?;
/// assert_eq!(request.body().unwrap(), br#"{"type":"edit","scope":"organization"}"#);
/// # Ok::<(), graph_core::Error>(())
/// ```
#[graph_endpoint(POST match item {
    ItemLocator::Me => "/me/drive/items/<item_id>/createLink",
    ItemLocator::DefaultDrive => "/drive/items/<item_id>/createLink",
    ItemLocator::Drive => "/drives/<drive_id>/items/<item_id>/createLink",
    ItemLocator::Group => "/groups/<group_id>/drive/items/<item_id>/createLink",
    ItemLocator::User => "/users/<user_id>/drive/items/<item_id>/createLink",
    ItemLocator::Site => "/sites/<site_id>/drive/items/<item_id>/createLink",
    ItemLocator::MePath => "/me/drive/root:/<item_path..>:/createLink",
    ItemLocator::DrivePath => "/drives/<drive_id>/root:/<item_path..>:/createLink",
    ItemLocator::MeRoot => "/me/drive/root/createLink",
    ItemLocator::DriveRoot => "/drives/<drive_id>/root/createLink",
    ItemLocator::GroupRoot => "/groups/<group_id>/drive/root/createLink",
    ItemLocator::UserRoot => "/users/<user_id>/drive/root/createLink",
    ItemLocator::SiteRoot => "/sites/<site_id>/drive/root/createLink",
}, response = Permission)]
#[derive(Debug, Clone)]
pub struct CreateLink {
    /// The item to share.
    item: ItemLocator,
    /// The link asked for.
    #[body]
    link: CreateLinkBody,
}

impl CreateLink {
    /// Sends the request; the outcome says whether the link is new.
    ///
    /// ```no_run
    /// # async fn run(client: graph_core::Client) -> Result<(), graph_core::Error> {
    /// use graph_core::drive::model::{CreateLinkBody, LinkType};
    /// use graph_core::drive::{ItemLocator, LinkOutcome};
    ///
    /// let create = ItemLocator::me("01A").create_link(CreateLinkBody::new(LinkType::View));
    /// match create.send(&client).await? {
    ///     LinkOutcome::Created(link) => println!("new link {:?}", link.id),
    ///     LinkOutcome::Existing(link) => println!("already shared: {:?}", link.id),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn send(&self, client: &Client) -> impl Future<Output = Result<LinkOutcome, Error>> {
        let answer = client.execute(self);
        async move { answer.await.map(LinkOutcome::from) }
    }
}

/// What `createLink` answered: a new link (`201 Created`) or the existing
/// equivalent link returned again (`200 OK`), per "driveItem: createLink".
///
/// Inside a `$batch`, results are read as the endpoint's response type
/// ([`Permission`]), so the two cannot be told apart there.
///
/// ```
/// use graph_core::drive::LinkOutcome;
/// use graph_core::drive::model::Permission;
///
/// let outcome = LinkOutcome::Existing(Permission::default());
/// assert!(!outcome.created());
/// assert_eq!(outcome.permission().id, None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum LinkOutcome {
    /// `201 Created`: Graph made a new link.
    Created(Permission),
    /// Any other success status (the docs name `200 OK`): an existing link.
    Existing(Permission),
}

impl LinkOutcome {
    /// Whether the link is new.
    pub fn created(&self) -> bool {
        matches!(self, Self::Created(_))
    }

    /// The link permission.
    pub fn permission(&self) -> &Permission {
        match self {
            Self::Created(permission) | Self::Existing(permission) => permission,
        }
    }

    /// The link permission, owned.
    pub fn into_permission(self) -> Permission {
        match self {
            Self::Created(permission) | Self::Existing(permission) => permission,
        }
    }
}

impl LinkOutcome {
    /// `201` is a new link; any other success status an existing one.
    fn from_status(status: u16, permission: Permission) -> Self {
        if status == 201 {
            Self::Created(permission)
        } else {
            Self::Existing(permission)
        }
    }
}

impl From<Response<Permission>> for LinkOutcome {
    fn from(response: Response<Permission>) -> Self {
        Self::from_status(response.status, response.value)
    }
}

impl ItemLocator {
    /// `POST …/createLink`: a sharing link for the item.
    ///
    /// ```
    /// use graph_core::drive::model::{CreateLinkBody, LinkType};
    /// use graph_core::drive::ItemLocator;
    /// use graph_core::Endpoint;
    ///
    /// let create = ItemLocator::site("s1", "01A").create_link(CreateLinkBody::new(LinkType::View));
    /// assert_eq!(create.path(), "/sites/s1/drive/items/01A/createLink");
    /// ```
    pub fn create_link(&self, link: CreateLinkBody) -> CreateLink {
        CreateLink::builder().item(self.clone()).link(link).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drive::model::LinkType;
    use crate::drive::test_forms::forms;
    use crate::{Endpoint, Method};

    #[test]
    fn every_form_renders_its_documented_or_aliased_path() {
        assert_eq!(CreateLink::TEMPLATES.len(), forms().len());
        for (item, prefix, _) in forms() {
            let path = format!("{prefix}/createLink");
            let request = item
                .create_link(CreateLinkBody::new(LinkType::View))
                .to_request()
                .unwrap();
            assert_eq!(request.method(), Method::Post);
            assert_eq!(request.path_and_query(), path);
            assert_eq!(request.body().unwrap(), br#"{"type":"view"}"#);
        }
    }

    #[test]
    fn the_status_tells_new_from_existing() {
        let link = Permission {
            id: Some("p1".into()),
            ..Permission::default()
        };
        assert!(LinkOutcome::from_status(201, link.clone()).created());
        let existing = LinkOutcome::from_status(200, link.clone());
        assert!(!existing.created());
        assert_eq!(existing.into_permission(), link);
    }

    #[test]
    fn an_empty_body_is_sent_as_an_empty_object() {
        let request = ItemLocator::me("01A")
            .create_link(CreateLinkBody::default())
            .to_request()
            .unwrap();
        assert_eq!(request.body().unwrap(), b"{}");
    }
}
