//! The permission operations end to end over loopback HTTP: create, count,
//! every item across pages as a stream, `$select`, `If-Match` with its 412,
//! inheritance from folders, and the documented error answers (404, the
//! refused owner role, the refused undeclared parameter).

use graph_core::drive::model::{NewPermission, SharePointIdentitySet};
use graph_core::drive::{
    DriveRecipient, InviteBody, ItemLocator, Permission, PermissionUpdate, Role,
};
use graph_core::odata::Items;
use graph_core::{Client, Error, graph_endpoint};
use graph_emulator::seed;
use serde_json::{Value, json};
use tests::{alex_plan, invite_to, start};

/// Alex's Projects folder, the parent of [`alex_plan`].
fn alex_projects() -> ItemLocator {
    ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID)
}

fn launch() -> ItemLocator {
    ItemLocator::group(seed::GROUP_ID, seed::GROUP_LAUNCH_ID)
}

/// Every item of the stream, in order; the error, if one ended it.
async fn collect<T: serde::de::DeserializeOwned + Send + Sync + 'static>(
    mut items: Items<T>,
) -> (Vec<T>, Option<Error>) {
    let mut out = Vec::new();
    while let Some(next) = items.next_item().await {
        match next {
            Ok(item) => out.push(item),
            Err(err) => return (out, Some(err)),
        }
    }
    (out, None)
}

async fn list(client: &Client, item: &ItemLocator) -> Vec<Permission> {
    let (all, err) = collect(client.items(&item.list_permissions(None))).await;
    assert!(err.is_none(), "{err:?}");
    all
}

fn granted_email(p: &Permission) -> Option<&str> {
    p.invitation.as_ref().and_then(|i| i.email.as_deref())
}

#[tokio::test]
async fn create_gives_an_application_201_on_each_documented_form() {
    let (_emulator, client) = start().await;
    let app = || NewPermission::application(seed::CLIENT_ID, [Role::Write]);
    for item in [
        ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
        ItemLocator::user(seed::ALEX_USER_ID, seed::ALEX_PROJECTS_ID),
        ItemLocator::group(seed::GROUP_ID, seed::GROUP_LAUNCH_ID),
        ItemLocator::site(seed::SITE_ID, seed::SITE_HANDBOOK_ID),
        ItemLocator::me(seed::ME_Q3_ID),
        // Forms the page's HTTP request section does not list, which it
        // does not refuse either (CSDL: driveItem/permissions is insertable).
        ItemLocator::default_drive(seed::ME_BUDGET_ID),
        ItemLocator::me_path(seed::ME_Q4_PATH),
        ItemLocator::drive_path(seed::GROUP_DRIVE_ID, seed::GROUP_CAMPAIGNS_PATH),
    ] {
        let answer = client
            .execute(&item.create_permission(app()))
            .await
            .unwrap_or_else(|e| panic!("{item:?}: {e}"));
        assert_eq!(answer.status, 201, "{item:?}");
        let created = answer.value;
        assert_eq!(created.roles, [Role::Write]);
        let who = created
            .granted_to_v2
            .as_ref()
            .unwrap()
            .application
            .as_ref()
            .unwrap();
        assert_eq!(who.id.as_deref(), Some(seed::CLIENT_ID));
        assert_eq!(who.display_name.as_deref(), Some("Graph Emulator Daemon"));
        let id = created.id.clone().unwrap();
        let again = client.send(&item.permission(id)).await.unwrap();
        assert_eq!(again, created, "{item:?}: stored as answered");
    }
}

#[tokio::test]
async fn create_refuses_people_and_undeclared_properties() {
    let (_emulator, client) = start().await;
    let user = SharePointIdentitySet {
        user: Some(graph_core::drive::model::Identity {
            id: Some(seed::LEE_USER_ID.into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let err = client
        .send(&alex_plan().create_permission(NewPermission::new(user, [Role::Read])))
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("invalidRequest"))
    );
    assert!(err.message().unwrap().contains("invite"), "{err}");

    let raw = RawPost::builder()
        .drive_id(seed::ALEX_DRIVE_ID)
        .item_id(seed::ALEX_PLAN_ID)
        .action("permissions")
        .body(json!({"grantedToV2": {"application": {"id": "a"}}, "roles": ["read"], "colour": "red"}))
        .build();
    let err = client.send(&raw).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some("BadRequest")));
    assert!(
        err.message().unwrap().starts_with(
            "The property 'colour' does not exist on type 'microsoft.graph.permission'."
        ),
        "{err}"
    );
}

#[tokio::test]
async fn count_is_the_number_of_permissions_on_every_form() {
    let (_emulator, client) = start().await;
    for (item, expected) in [
        (launch(), 3),
        (
            ItemLocator::drive_path(seed::GROUP_DRIVE_ID, seed::GROUP_LAUNCH_PATH),
            3,
        ),
        (ItemLocator::me(seed::ME_Q3_ID), 1),
        (ItemLocator::me_path(seed::ME_PHOTO_PATH), 0),
        (ItemLocator::default_drive(seed::ME_BUDGET_ID), 1),
    ] {
        assert_eq!(
            client.send(&item.count_permissions()).await.unwrap(),
            expected,
            "{item:?}"
        );
    }
    let err = client
        .send(&ItemLocator::me("01NOPE").count_permissions())
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(404), Some("itemNotFound"))
    );
}

#[tokio::test]
async fn the_stream_yields_every_permission_across_pages_once() {
    let (emulator, client) = start().await;
    let (paged, err) = collect(client.items(&launch().list_permissions(Some(1)))).await;
    assert!(err.is_none(), "{err:?}");
    let ids: Vec<_> = paged.iter().filter_map(|p| p.id.clone()).collect();
    assert_eq!(ids.len(), 3);
    let (whole, _) = collect(client.items(&launch().list_permissions(None))).await;
    assert_eq!(paged, whole, "pages of one read as one page");
    // Three pages of one, then one page of three: four requests, no more.
    let lists = emulator
        .requests()
        .iter()
        .filter(|r| r.path.contains("/permissions"))
        .count();
    assert_eq!(lists, 3 + 1);

    // A failing first page is one error, then the end.
    let (none, err) =
        collect(client.items(&ItemLocator::me("01NOPE").list_permissions(None))).await;
    assert!(none.is_empty());
    assert_eq!(err.unwrap().status(), Some(404));
}

#[tokio::test]
async fn select_shapes_list_and_get() {
    let (_emulator, client) = start().await;
    let page = client
        .send(&launch().list_permissions(Some(2)).with_select(["roles"]))
        .await
        .unwrap();
    assert_eq!(page.value.len(), 2);
    for p in &page.value {
        assert!(p.id.is_some() && !p.roles.is_empty(), "{p:?}");
        assert!(p.granted_to_v2.is_none() && p.invitation.is_none(), "{p:?}");
    }
    // The next page keeps the selection.
    let next = client.next_page(&page).await.unwrap().unwrap();
    assert!(next.value.iter().all(|p| p.granted_to_v2.is_none()));

    let id = page.value[0].id.clone().unwrap();
    let one = client
        .send(&launch().permission(&id).with_select(["grantedToV2"]))
        .await
        .unwrap();
    assert!(
        one.granted_to_v2.is_some() && one.roles.is_empty(),
        "{one:?}"
    );
    let err = client
        .send(&launch().permission(&id).with_select(["colour"]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.message().unwrap().contains("'colour'"), "{err}");
}

#[tokio::test]
async fn if_match_guards_update_and_delete_with_a_typed_412() {
    let (_emulator, client) = start().await;
    let item = alex_plan();
    let granted = client
        .send(&item.invite(invite_to(seed::LEE_EMAIL)))
        .await
        .unwrap();
    let id = granted.value[0].id.clone().unwrap();
    let first = client.send(&item.permission(&id)).await.unwrap();
    let first_tag = first
        .etag()
        .expect("permissions carry @odata.etag")
        .to_owned();

    let changed = client
        .send(
            &item
                .update_permission(&id, PermissionUpdate::new([Role::Write]))
                .with_if_match(&first_tag),
        )
        .await
        .unwrap();
    assert_eq!(changed.roles, [Role::Write]);
    let second_tag = changed.etag().unwrap().to_owned();
    assert_ne!(first_tag, second_tag, "a change gives a new eTag");

    let stale = client
        .send(
            &item
                .update_permission(&id, PermissionUpdate::new([Role::Read]))
                .with_if_match(&first_tag),
        )
        .await
        .unwrap_err();
    assert!(stale.is_precondition_failed(), "{stale}");
    // Graph's errors page: 412 `resourceModified`, "usually an eTag mismatch".
    assert_eq!(stale.code(), Some("resourceModified"));
    assert_eq!(stale.inner_codes(), ["entityTagDoesNotMatch"]);
    assert_eq!(stale.attempts(), Some(1), "a 412 is not retried");
    let after = client.send(&item.permission(&id)).await.unwrap();
    assert_eq!(after.roles, [Role::Write], "a 412 changes nothing");

    let stale = client
        .send(&item.delete_permission(&id).with_if_match(&first_tag))
        .await
        .unwrap_err();
    assert!(stale.is_precondition_failed());
    assert!(
        client.send(&item.permission(&id)).await.is_ok(),
        "a 412 deletes nothing"
    );
    client
        .send(&item.delete_permission(&id).with_if_match(&second_tag))
        .await
        .unwrap();
    let gone = client.send(&item.permission(&id)).await.unwrap_err();
    assert_eq!(
        (gone.status(), gone.code()),
        (Some(404), Some("itemNotFound"))
    );
    assert!(!gone.is_precondition_failed());
}

#[tokio::test]
async fn sharing_a_folder_reaches_its_children_and_follows_changes() {
    let (_emulator, client) = start().await;
    let granted = client
        .send(&alex_projects().invite(invite_to(seed::ADELE_EMAIL)))
        .await
        .unwrap();
    let folder_grant = granted.value[0].id.clone().unwrap();
    let inherited = || async {
        list(&client, &alex_plan())
            .await
            .into_iter()
            .find(|p| p.is_inherited() && granted_email(p) == Some(seed::ADELE_EMAIL))
    };
    let copy = inherited()
        .await
        .expect("the child inherits the folder's grant");
    let from = copy.inherited_from.as_ref().unwrap();
    assert_eq!(from.id.as_deref(), Some(seed::ALEX_PROJECTS_ID));
    assert_eq!(from.drive_id.as_deref(), Some(seed::ALEX_DRIVE_ID));
    assert_eq!(
        from.path.as_deref(),
        Some(
            format!(
                "/drives/{}/root:/{}",
                seed::ALEX_DRIVE_ID,
                seed::ALEX_PROJECTS_PATH
            )
            .as_str()
        )
    );
    assert_eq!(copy.roles, [Role::Read]);

    // Inherited permissions cannot be deleted from the child ("Only sharing
    // permissions that aren't inherited can be deleted").
    let err = client
        .send(&alex_plan().delete_permission(copy.id.clone().unwrap()))
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("invalidRequest"))
    );
    assert!(err.message().unwrap().contains("inherited"), "{err}");

    // A change on the folder reaches the child; removing it there removes it here.
    client
        .send(
            &alex_projects().update_permission(&folder_grant, PermissionUpdate::new([Role::Write])),
        )
        .await
        .unwrap();
    assert_eq!(inherited().await.unwrap().roles, [Role::Write]);
    client
        .send(&alex_projects().delete_permission(&folder_grant))
        .await
        .unwrap();
    assert!(inherited().await.is_none());
}

#[tokio::test]
async fn retain_inherited_permissions_false_breaks_inheritance() {
    let (_emulator, client) = start().await;
    let before = list(&client, &alex_plan()).await;
    assert!(
        before.iter().any(Permission::is_inherited),
        "the seed's Plan.docx inherits"
    );
    let alone = invite_to(seed::LEE_EMAIL).with_retain_inherited_permissions(false);
    client.send(&alex_plan().invite(alone)).await.unwrap();
    let after = list(&client, &alex_plan()).await;
    assert!(!after.iter().any(Permission::is_inherited), "{after:?}");
    assert_eq!(after.len(), 1);
    // Later shares of the folder no longer reach it.
    client
        .send(&alex_projects().invite(invite_to(seed::ADELE_EMAIL)))
        .await
        .unwrap();
    let later = list(&client, &alex_plan()).await;
    assert!(!later.iter().any(Permission::is_inherited), "{later:?}");

    // With the default (retain), a first share keeps what is inherited.
    let kept = list(&client, &ItemLocator::me(seed::ME_Q4_ID)).await;
    assert!(kept.iter().any(Permission::is_inherited));
    client
        .send(&ItemLocator::me(seed::ME_Q4_ID).invite(invite_to(seed::LEE_EMAIL)))
        .await
        .unwrap();
    let kept = list(&client, &ItemLocator::me(seed::ME_Q4_ID)).await;
    assert!(kept.iter().any(Permission::is_inherited));
}

#[tokio::test]
async fn owner_on_invite_is_refused_as_graph_refuses_it() {
    let (_emulator, client) = start().await;
    let body = InviteBody::new([DriveRecipient::email(seed::LEE_EMAIL)]).with_role(Role::Owner);
    let err = client.send(&alex_plan().invite(body)).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("invalidRequest"))
    );
    assert_eq!(err.message(), Some("Invalid value for role"));
}

/// A POST with an unchecked body, to send what the typed models never would.
#[graph_endpoint(POST "/drives/<drive_id>/items/<item_id>/<action>", response = Value)]
struct RawPost {
    drive_id: String,
    item_id: String,
    action: String,
    #[body]
    body: Value,
}

#[tokio::test]
async fn an_undeclared_invite_parameter_is_refused_naming_it() {
    let (emulator, client) = start().await;
    let before = emulator.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let raw = RawPost::builder()
        .drive_id(seed::ALEX_DRIVE_ID)
        .item_id(seed::ALEX_PLAN_ID)
        .action("invite")
        .body(json!({
            "recipients": [{"email": seed::LEE_EMAIL}],
            "roles": ["read"],
            "retain_inherited_permissions": null
        }))
        .build();
    let err = client.send(&raw).await.unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some("BadRequest")));
    assert_eq!(
        err.message(),
        Some(
            "The parameter 'retain_inherited_permissions' in the request payload is not a valid parameter for the operation 'invite'."
        )
    );
    assert!(err.request_id().is_some());
    assert_eq!(
        emulator.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
        before,
        "nothing was granted"
    );
}

#[tokio::test]
async fn unknown_permissions_are_not_found_on_every_operation() {
    let (_emulator, client) = start().await;
    let item = alex_plan();
    let errors = [
        client.send(&item.permission("nope")).await.unwrap_err(),
        client
            .send(&item.update_permission("nope", PermissionUpdate::new([Role::Read])))
            .await
            .unwrap_err(),
        client
            .send(&item.delete_permission("nope"))
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert_eq!(
            (err.status(), err.code()),
            (Some(404), Some("itemNotFound")),
            "{err}"
        );
    }
}

/// If-Match compares the driveItem's eTag (or the permission's tag, an
/// emulator extra) strongly: another permission's tag, a weak tag and the
/// tag of a deleted permission never pass; an unquoted tag is malformed.
#[tokio::test]
async fn if_match_takes_the_items_etag_and_no_other_permissions_tag() {
    use graph_core::drive::model::{CreateLinkBody, LinkType};
    use graph_core::shares::Share;
    let (_emulator, client) = start().await;
    let item = alex_plan();
    let invite = |email: &'static str| {
        let (client, request) = (client.clone(), item.invite(invite_to(email)));
        async move { client.send(&request).await }
    };
    let a = invite(seed::LEE_EMAIL).await.unwrap().value.remove(0);
    let b = invite(seed::ADELE_EMAIL).await.unwrap().value.remove(0);
    let (a_id, b_id) = (a.id.clone().unwrap(), b.id.clone().unwrap());
    let a_tag = a.etag().unwrap().to_owned();
    let update = |id: &str, tag: &str| {
        item.update_permission(id, PermissionUpdate::new([Role::Write]))
            .with_if_match(tag)
    };

    let err = client.send(&update(&b_id, &a_tag)).await.unwrap_err();
    assert!(
        err.is_precondition_failed(),
        "A's tag must not pass on B: {err}"
    );
    let err = client
        .send(&update(&a_id, &format!("W/{a_tag}")))
        .await
        .unwrap_err();
    assert!(
        err.is_precondition_failed(),
        "a weak tag never matches: {err}"
    );
    let err = client.send(&update(&a_id, "no-quotes")).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("malformedEntityTag"))
    );

    // The item's eTag, as the shares API serves the driveItem.
    let link = item
        .create_link(CreateLinkBody::new(LinkType::View))
        .send(&client)
        .await
        .unwrap()
        .into_permission();
    let drive_item = client
        .send(&Share::of(&link).unwrap().drive_item())
        .await
        .unwrap();
    let item_tag = drive_item.e_tag.unwrap();
    let changed = client.send(&update(&b_id, &item_tag)).await.unwrap();
    assert_eq!(changed.roles, [Role::Write]);

    // Deleted and invited again: the old tag does not delete the new one.
    client
        .send(&item.delete_permission(&a_id).with_if_match(&a_tag))
        .await
        .unwrap();
    let again = invite(seed::LEE_EMAIL).await.unwrap().value.remove(0);
    assert_eq!(again.id.as_deref(), Some(a_id.as_str()));
    let err = client
        .send(&item.delete_permission(&a_id).with_if_match(&a_tag))
        .await
        .unwrap_err();
    assert!(err.is_precondition_failed(), "{err}");
}
