//! Microsoft's documented examples for the permission operations, as
//! fixtures (`tests/fixtures/permissions/`): each request is built with the
//! public constructors (never read from the fixture it is compared with) and
//! must send identical JSON, and each response parses into the typed model
//! and serializes back to the same JSON, nothing lost.
//!
//! Sources: "Update sharing permission" (`update-permission`), "Delete a
//! sharing permission from a file or folder" (`delete-permission`), "List
//! sharing permissions on a driveItem" (`get-item-permissions`), "Get sharing
//! permission for a file or folder" (`get-item-permission`), "Create
//! permission on a driveItem" (`driveitem-post-permissions-1`, `-2`, `-3`).

use graph_core::drive::model::{
    NewPermission, SharePointGroupIdentity, SharePointIdentity, SharePointIdentitySet,
};
use graph_core::drive::{ItemLocator, Permission, PermissionUpdate, Role};
use graph_core::odata::Collection;
use graph_core::{Endpoint, Method, Request};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tests::scripted::{ScriptedServer, raw};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../fixtures/permissions/", $name))
    };
}

/// The drive and item of the create examples.
const EXAMPLE_DRIVE: &str = "b!s8RqPCGh0ESQS2EYnKM0IKS3lM7GxjdAviiob7oc5pXv_0LiL-62Qq3IXyrXnEop";
const EXAMPLE_ITEM: &str = "01V4EPHZNV2OJQJNBPWNCKDTXCQ5TSVBJU";

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("a fixture is JSON")
}

/// The request's method, path and body, against the documented ones.
fn assert_request(request: Request, method: Method, path: &str, body: Option<&str>) {
    assert_eq!(request.method(), method);
    assert_eq!(request.path_and_query(), path);
    let sent = request
        .body()
        .map(|b| serde_json::from_slice::<Value>(b).unwrap());
    assert_eq!(sent, body.map(json), "{path}");
}

/// Typed, then serialized back: the same JSON, apart from `@deprecated`
/// annotations (kept here too, so nothing is left out).
fn assert_round_trip<T: DeserializeOwned + Serialize>(text: &str) -> T {
    let typed: T = serde_json::from_str(text).expect("the example parses");
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(without_deprecated(back), without_deprecated(json(text)));
    typed
}

fn without_deprecated(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !k.starts_with("@deprecated"))
                .map(|(k, v)| (k, without_deprecated(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_deprecated).collect()),
        other => other,
    }
}

#[test]
fn update_permission_example() {
    let update =
        ItemLocator::me("ITEM").update_permission("PERM", PermissionUpdate::new([Role::Read]));
    assert_request(
        update.to_request().unwrap(),
        Method::Patch,
        "/me/drive/items/ITEM/permissions/PERM",
        Some(fixture!("update.request.json")),
    );
    let updated: Permission = assert_round_trip(fixture!("update.response.json"));
    assert_eq!(updated.roles, [Role::Read]);
}

#[tokio::test]
async fn delete_permission_example() {
    let delete = ItemLocator::me("ITEM").delete_permission("PERM");
    assert_request(
        delete.to_request().unwrap(),
        Method::Delete,
        "/me/drive/items/ITEM/permissions/PERM",
        None,
    );
    // "If successful, this method returns a 204 No Content response code":
    // the client reads Graph's empty 204 as success.
    let server = ScriptedServer::start(|_| raw(204, None, "")).await;
    let answer = server.client().send(&delete).await;
    assert!(answer.is_ok(), "{answer:?}");
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
}

#[test]
fn list_permissions_example() {
    let list = ItemLocator::me("ITEM").list_permissions(None);
    assert_request(
        list.to_request().unwrap(),
        Method::Get,
        "/me/drive/items/ITEM/permissions",
        None,
    );
    let page: Collection<Permission> = assert_round_trip(fixture!("list.response.json"));
    assert_eq!(page.value.len(), 3);
    assert!(page.value[1].is_inherited());
}

#[test]
fn get_permission_example() {
    let get = ItemLocator::me("ITEM").permission("PERM");
    assert_request(
        get.to_request().unwrap(),
        Method::Get,
        "/me/drive/items/ITEM/permissions/PERM",
        None,
    );
    let one: Permission = assert_round_trip(fixture!("get.response.json"));
    assert!(one.additional.contains_key("@deprecated.GrantedTo"));
}

#[test]
fn create_permission_examples() {
    let path = format!("/drives/{EXAMPLE_DRIVE}/items/{EXAMPLE_ITEM}/permissions");
    let sharepoint_group = SharePointIdentitySet {
        share_point_group: Some(SharePointGroupIdentity {
            id: Some("ZGYwZTEzYTgtOTExOS00MjdmLWEzNjktOTdjOWM3YjNlYjcyXzE0".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let site_group = SharePointIdentitySet {
        site_group: Some(SharePointIdentity {
            id: Some("10".into()),
            display_name: Some("Internal Collaborators".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    for (body, request, response) in [
        (
            NewPermission::application("89ea5c94-7736-4e25-95ad-3fa95f62b66e", [Role::Write]),
            fixture!("create-application.request.json"),
            fixture!("create-application.response.json"),
        ),
        (
            NewPermission::new(sharepoint_group, [Role::Write]),
            fixture!("create-sharepoint-group.request.json"),
            fixture!("create-sharepoint-group.response.json"),
        ),
        (
            NewPermission::new(site_group, [Role::Write]),
            fixture!("create-site-group.request.json"),
            fixture!("create-site-group.response.json"),
        ),
    ] {
        let create = ItemLocator::drive(EXAMPLE_DRIVE, EXAMPLE_ITEM).create_permission(body);
        assert_request(
            create.to_request().unwrap(),
            Method::Post,
            &path,
            Some(request),
        );
        let _: Permission = assert_round_trip(response);
    }
}
