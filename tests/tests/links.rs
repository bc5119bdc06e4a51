//! Sharing links and the shares API end to end over loopback HTTP: createLink
//! on every address form (201 new, 200 the same link again), links for
//! specific people, resolving links and items through `/shares`, redeeming,
//! granting, and each documented error answer as the caller sees it.

use graph_core::drive::model::{
    CreateLinkBody, DriveRecipient, LinkScope, LinkType, Permission, PermissionUpdate, Role,
};
use graph_core::drive::{ItemLocator, LinkOutcome};
use graph_core::shares::{GrantBody, Redeem, Share};
use graph_core::{Client, Error, graph_endpoint};
use graph_emulator::{EmulatorHandle, seed};
use serde_json::{Value, json};
use tests::{alex_plan, every_form, graph_requests, invite_to, start};

fn graph_error(result: Result<impl std::fmt::Debug, Error>) -> (u16, String) {
    match result {
        Err(err @ Error::Graph(_)) => (err.status().unwrap(), err.code().unwrap().to_string()),
        other => panic!("expected Graph's error answer, got {other:?}"),
    }
}

fn grantee_emails(permission: &Permission) -> Vec<String> {
    let mut emails: Vec<String> = permission
        .granted_to_identities_v2
        .iter()
        .filter_map(|set| set.user.as_ref()?.email.clone())
        .collect();
    emails.sort();
    emails
}

/// The link permission as the emulator holds it now, through the API.
async fn link_now(client: &graph_core::Client, item: &ItemLocator, id: &str) -> Permission {
    client.send(&item.permission(id)).await.unwrap()
}

fn last_path(emulator: &EmulatorHandle) -> String {
    graph_requests(emulator).last().unwrap().path.clone()
}

/// Creates a link on `item` and returns its permission (201 or 200 alike).
async fn new_link(client: &Client, item: &ItemLocator, body: CreateLinkBody) -> Permission {
    item.create_link(body)
        .send(client)
        .await
        .expect("the link is created")
        .into_permission()
}

#[tokio::test]
async fn create_link_on_every_address_form_then_the_same_link_again() {
    let (emulator, client) = start().await;
    for form in every_form() {
        let (item, item_id) = (form.locator, form.item_id);
        let body = CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Anonymous);
        let first = item.create_link(body.clone()).send(&client).await.unwrap();
        assert!(first.created(), "{item:?}");
        let sent = last_path(&emulator);
        assert!(sent.ends_with("/createLink"), "{sent}");
        let link = first.permission().clone();
        let facet = link.link.as_ref().unwrap();
        assert_eq!(facet.kind(), Some(LinkType::View));
        assert_eq!(facet.link_scope(), Some(LinkScope::Anonymous));
        assert_eq!(facet.prevents_download, Some(false));
        assert!(facet.web_url.as_deref().unwrap().starts_with("https://"));
        assert_eq!(link.roles, vec![Role::Read]);
        assert!(link.share_id.is_some());

        match item.create_link(body).send(&client).await.unwrap() {
            LinkOutcome::Existing(again) => assert_eq!(again, link, "{item:?}"),
            other => panic!("{item:?}: expected the existing link, got {other:?}"),
        }
        let edit = CreateLinkBody::new(LinkType::Edit).with_scope(LinkScope::Anonymous);
        let other = item.create_link(edit).send(&client).await.unwrap();
        assert!(other.created());
        assert_ne!(other.permission().id, link.id);
        assert_eq!(other.permission().roles, vec![Role::Write]);

        let page = client.send(&item.list_permissions(None)).await.unwrap();
        assert!(page.value.iter().any(|p| p.id == link.id), "{item_id}");
    }
}

#[tokio::test]
async fn the_raw_statuses_are_201_then_200() {
    let (_emulator, client) = start().await;
    let create = alex_plan().create_link(CreateLinkBody::new(LinkType::Edit));
    let first = client.execute(&create).await.unwrap();
    let second = client.execute(&create).await.unwrap();
    assert_eq!((first.status, second.status), (201, 200));
    assert_eq!(first.value, second.value);
    // Leaving out type and scope asks for the organization's default link.
    let default = client
        .execute(&alex_plan().create_link(CreateLinkBody::default()))
        .await
        .unwrap();
    let facet = default.value.link.unwrap();
    assert_eq!(facet.link_scope(), Some(LinkScope::Organization));
}

#[tokio::test]
async fn a_link_for_specific_people_lists_them_and_other_people_get_another_link() {
    let (_emulator, client) = start().await;
    let for_people = |emails: &[&str]| {
        CreateLinkBody::new(LinkType::View)
            .with_scope(LinkScope::Users)
            .with_recipients(emails.iter().map(|e| DriveRecipient::email(*e)))
            .with_send_notification(true)
            .with_message("The plan")
    };
    let first = alex_plan()
        .create_link(for_people(&[seed::ADELE_EMAIL, seed::EXTERNAL_EMAIL]))
        .send(&client)
        .await
        .unwrap();
    assert!(first.created());
    let link = first.permission();
    assert_eq!(
        grantee_emails(link),
        vec![
            seed::ADELE_EMAIL.to_string(),
            seed::EXTERNAL_EMAIL.to_string()
        ]
    );
    let adele = link
        .granted_to_identities_v2
        .iter()
        .find(|s| s.user.as_ref().and_then(|u| u.id.as_deref()) == Some(seed::ADELE_USER_ID))
        .unwrap();
    assert!(
        adele.site_user.is_some(),
        "a business drive names the SharePoint user"
    );

    let same = alex_plan()
        .create_link(for_people(&[seed::EXTERNAL_EMAIL, seed::ADELE_EMAIL]))
        .send(&client)
        .await
        .unwrap();
    assert!(!same.created());
    assert_eq!(same.permission().id, link.id);
    let other = alex_plan()
        .create_link(for_people(&[seed::LEE_EMAIL]))
        .send(&client)
        .await
        .unwrap();
    assert!(other.created());
    assert_eq!(
        grantee_emails(other.permission()),
        vec![seed::LEE_EMAIL.to_string()]
    );
}

#[tokio::test]
async fn retain_inherited_permissions_false_drops_them_on_the_first_share() {
    let (_emulator, client) = start().await;
    let q3 = ItemLocator::me(seed::ME_Q3_ID);
    let before = client.send(&q3.list_permissions(None)).await.unwrap();
    assert!(before.value.iter().any(Permission::is_inherited));
    let body = CreateLinkBody::new(LinkType::View)
        .with_scope(LinkScope::Anonymous)
        .with_retain_inherited_permissions(false);
    let link = new_link(&client, &q3, body).await;
    let after = client.send(&q3.list_permissions(None)).await.unwrap();
    assert_eq!(after.value, vec![link]);

    // By default (true) they stay.
    let q4 = ItemLocator::me(seed::ME_Q4_ID);
    q4.create_link(CreateLinkBody::new(LinkType::View))
        .send(&client)
        .await
        .unwrap();
    let q4_now = client.send(&q4.list_permissions(None)).await.unwrap();
    assert!(q4_now.value.iter().any(Permission::is_inherited));
}

#[tokio::test]
async fn create_link_documented_errors() {
    let (_emulator, client) = start().await;
    let me_file = ItemLocator::me(seed::ME_PHOTO_ID);
    let cases = [
        // "Either view, edit, or embed" (v1.0 link types).
        (
            alex_plan(),
            CreateLinkBody::new(LinkType::Other("banana".into())),
        ),
        // "Either anonymous, organization, or users".
        (
            alex_plan(),
            CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Other("world".into())),
        ),
        // organization: "Only available in OneDrive for Business and SharePoint".
        (
            me_file.clone(),
            CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Organization),
        ),
        // embed: "only available for files in OneDrive personal".
        (alex_plan(), CreateLinkBody::new(LinkType::Embed)),
        (
            ItemLocator::me(seed::ME_PHOTOS_ID),
            CreateLinkBody::new(LinkType::Embed),
        ),
        // password: "Optional and OneDrive Personal only".
        (
            alex_plan(),
            CreateLinkBody::new(LinkType::View).with_password("pw"),
        ),
        // recipients: a driveRecipient names someone who exists.
        (
            alex_plan(),
            CreateLinkBody::new(LinkType::View)
                .with_scope(LinkScope::Users)
                .with_recipients([DriveRecipient::alias("nobody-by-this-alias")]),
        ),
    ];
    for (item, body) in cases {
        let answer = item.create_link(body.clone()).send(&client).await;
        assert_eq!(
            graph_error(answer),
            (400, "invalidRequest".into()),
            "{body:?}"
        );
    }
    let page = client
        .send(&alex_plan().list_permissions(None))
        .await
        .unwrap();
    assert!(
        page.value.iter().all(|p| p.link.is_none()),
        "a refused request changes nothing"
    );

    let missing = ItemLocator::me("01NOSUCHITEM").create_link(CreateLinkBody::new(LinkType::View));
    assert_eq!(
        graph_error(missing.send(&client).await),
        (404, "itemNotFound".into())
    );
    // The embed link itself works where the docs say it does.
    let embed = me_file
        .create_link(CreateLinkBody::new(LinkType::Embed))
        .send(&client)
        .await
        .unwrap();
    assert!(embed.permission().link.as_ref().unwrap().web_html.is_some());
}

#[tokio::test]
async fn shares_resolve_share_ids_link_urls_and_item_urls() {
    let (_emulator, client) = start().await;
    let link = new_link(
        &client,
        &alex_plan(),
        CreateLinkBody::new(LinkType::Edit).with_scope(LinkScope::Organization),
    )
    .await;
    let web_url = link.link.as_ref().unwrap().web_url.clone().unwrap();
    for share in [Share::of(&link).unwrap(), Share::url(&web_url)] {
        let shared = client.send(&share.get()).await.unwrap();
        assert_eq!(shared.id.as_deref(), Some(share.token()));
        assert_eq!(shared.name.as_deref(), Some("Plan.docx"));
        let owner = shared.owner.as_ref().unwrap().user.as_ref().unwrap();
        assert_eq!(owner.id.as_deref(), Some(seed::ALEX_USER_ID));

        let item = client.send(&share.drive_item()).await.unwrap();
        assert_eq!(item.id.as_deref(), Some(seed::ALEX_PLAN_ID));
        assert!(item.is_file());
        let parent = item.parent_reference.as_ref().unwrap();
        assert_eq!(parent.drive_id.as_deref(), Some(seed::ALEX_DRIVE_ID));
        assert_eq!(parent.id.as_deref(), Some(seed::ALEX_PROJECTS_ID));

        let permission = client.send(&share.permission()).await.unwrap();
        assert_eq!(permission.id, link.id);
        assert_eq!(permission.link, link.link);
    }

    // An item's own webUrl, encoded, names the item; it has no sharing permission.
    let item = client
        .send(&Share::url(&web_url).drive_item())
        .await
        .unwrap();
    let item_share = Share::url(item.web_url.as_deref().unwrap());
    let shared = client.send(&item_share.get()).await.unwrap();
    assert_eq!(shared.name.as_deref(), Some("Plan.docx"));
    assert_eq!(
        graph_error(client.send(&item_share.permission()).await),
        (404, "itemNotFound".into())
    );
}

#[tokio::test]
async fn shares_documented_errors() {
    let (_emulator, client) = start().await;
    let unknown = Share::url("https://contoso.sharepoint.com/:w:/g/nothing-here");
    assert_eq!(
        graph_error(client.send(&unknown.get()).await),
        (404, "itemNotFound".into())
    );
    assert_eq!(
        graph_error(
            client
                .send(&Share::id("s!no-such-share").drive_item())
                .await
        ),
        (404, "itemNotFound".into())
    );
    // `u!` followed by something that is not unpadded base64url.
    assert_eq!(
        graph_error(client.send(&Share::id("u!aGk=").get()).await),
        (400, "invalidRequest".into())
    );
}

#[tokio::test]
async fn redeeming_a_link_gives_the_caller_durable_access_only_when_asked() {
    let (_emulator, client) = start().await;
    let link = new_link(
        &client,
        &alex_plan(),
        CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Organization),
    )
    .await;
    let id = link.id.clone().unwrap();
    let share = Share::of(&link).unwrap();
    client.send(&share.get()).await.unwrap();
    client
        .send(&share.redeem(Redeem::IfNecessary))
        .await
        .unwrap();
    assert!(grantee_emails(&link_now(&client, &alex_plan(), &id).await).is_empty());

    let shared = client.send(&share.redeem(Redeem::Durably)).await.unwrap();
    assert_eq!(shared.name.as_deref(), Some("Plan.docx"));
    let redeemed = link_now(&client, &alex_plan(), &id).await;
    assert_eq!(grantee_emails(&redeemed), vec![seed::ME_EMAIL.to_string()]);
    // Redeeming again changes nothing.
    client.send(&share.redeem(Redeem::Durably)).await.unwrap();
    assert_eq!(link_now(&client, &alex_plan(), &id).await, redeemed);

    // The drive's owner gains nothing by redeeming a link to their own item.
    let mine = ItemLocator::me(seed::ME_PHOTO_ID);
    let own = mine
        .create_link(CreateLinkBody::new(LinkType::View))
        .send(&client)
        .await
        .unwrap();
    let own = own.into_permission();
    client
        .send(&Share::of(&own).unwrap().redeem(Redeem::Durably))
        .await
        .unwrap();
    let own_now = link_now(&client, &mine, own.id.as_deref().unwrap()).await;
    assert!(own_now.granted_to_identities_v2.is_empty());
}

#[tokio::test]
async fn grant_adds_recipients_to_the_link_and_answers_the_updated_link() {
    let (emulator, client) = start().await;
    let link = new_link(
        &client,
        &alex_plan(),
        CreateLinkBody::new(LinkType::View)
            .with_scope(LinkScope::Users)
            .with_recipients([DriveRecipient::email(seed::ADELE_EMAIL)]),
    )
    .await;
    let share = Share::url(link.link.as_ref().unwrap().web_url.as_deref().unwrap());
    let body = GrantBody::new([
        DriveRecipient::email(seed::LEE_EMAIL),
        DriveRecipient::email(seed::EXTERNAL_EMAIL),
        DriveRecipient::email(seed::ADELE_EMAIL),
    ])
    .with_roles([Role::Read]);
    let answer = client.send(&share.grant(body)).await.unwrap();
    assert!(last_path(&emulator).ends_with("/permission/grant"));
    assert_eq!(answer.value.len(), 1);
    let updated = &answer.value[0];
    assert_eq!(updated.id, link.id);
    assert!(updated.link.as_ref().unwrap().scope.is_some());
    let mut expected = vec![seed::ADELE_EMAIL, seed::EXTERNAL_EMAIL, seed::LEE_EMAIL];
    expected.sort_unstable();
    assert_eq!(grantee_emails(updated), expected);
    assert_eq!(
        &link_now(&client, &alex_plan(), link.id.as_deref().unwrap()).await,
        updated
    );

    // Without roles the link's own role applies.
    let by_id = Share::of(&link).unwrap();
    let again = client
        .send(&by_id.grant(GrantBody::new([DriveRecipient::object_id(
            seed::ROBIN_USER_ID,
        )])))
        .await
        .unwrap();
    assert_eq!(grantee_emails(&again.value[0]).len(), 4);

    // "Otherwise must match the role of the link."
    let write = GrantBody::new([DriveRecipient::email(seed::LEE_EMAIL)]).with_roles([Role::Write]);
    assert_eq!(
        graph_error(client.send(&share.grant(write)).await),
        (400, "invalidRequest".into())
    );
    let nobody = GrantBody::new([DriveRecipient::object_id(
        "00000000-0000-0000-0000-000000000000",
    )]);
    assert_eq!(
        graph_error(client.send(&share.grant(nobody)).await),
        (400, "invalidRequest".into())
    );
    // An item's own URL is no link: nothing to grant through.
    let item = client.send(&share.drive_item()).await.unwrap();
    let item_share = Share::url(item.web_url.as_deref().unwrap());
    let body = GrantBody::new([DriveRecipient::email(seed::LEE_EMAIL)]);
    assert_eq!(
        graph_error(client.send(&item_share.grant(body)).await),
        (404, "itemNotFound".into())
    );
    let final_link = link_now(&client, &alex_plan(), link.id.as_deref().unwrap()).await;
    assert_eq!(
        grantee_emails(&final_link).len(),
        4,
        "refused grants change nothing"
    );
}

/// The whole lifecycle: invite, list, change roles, create a link, resolve it
/// through the shares API, revoke it (and the invitation).
#[tokio::test]
async fn the_sharing_lifecycle() {
    let (_emulator, client) = start().await;
    let item = alex_plan();
    let invited = client
        .send(&item.invite(invite_to(seed::LEE_EMAIL)))
        .await
        .unwrap();
    let grant_id = invited.value[0].id.clone().unwrap();
    let page = client.send(&item.list_permissions(None)).await.unwrap();
    assert!(
        page.value
            .iter()
            .any(|p| p.id.as_deref() == Some(&grant_id))
    );
    let changed = client
        .send(&item.update_permission(&grant_id, PermissionUpdate::new([Role::Write])))
        .await
        .unwrap();
    assert_eq!(changed.roles, vec![Role::Write]);

    let link = new_link(
        &client,
        &item,
        CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Organization),
    )
    .await;
    let share = Share::url(link.link.as_ref().unwrap().web_url.as_deref().unwrap());
    let shared = client.send(&share.drive_item()).await.unwrap();
    assert_eq!(shared.id.as_deref(), Some(seed::ALEX_PLAN_ID));

    let link_id = link.id.clone().unwrap();
    client
        .send(&item.delete_permission(&link_id))
        .await
        .unwrap();
    client
        .send(&item.delete_permission(&grant_id))
        .await
        .unwrap();
    assert_eq!(
        graph_error(client.send(&share.get()).await),
        (404, "itemNotFound".into())
    );
    let page = client.send(&item.list_permissions(None)).await.unwrap();
    let gone =
        |p: &Permission| p.id.as_deref() != Some(&link_id) && p.id.as_deref() != Some(&grant_id);
    assert!(page.value.iter().all(gone));
}

#[tokio::test]
async fn links_and_shares_work_inside_a_batch() {
    let (emulator, client) = start().await;
    let link = new_link(
        &client,
        &alex_plan(),
        CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Organization),
    )
    .await;
    let share = Share::of(&link).unwrap();
    let mut batch = graph_core::batch::Batch::new();
    let again =
        batch
            .add(&alex_plan().create_link(
                CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Organization),
            ))
            .unwrap();
    let shared = batch.add(&share.get()).unwrap();
    let item = batch.add(&share.drive_item()).unwrap();
    let mut results = client.send_batch(batch).await;
    assert_eq!(results.take(again).unwrap().id, link.id);
    assert_eq!(
        results.take(shared).unwrap().name.as_deref(),
        Some("Plan.docx")
    );
    assert_eq!(
        results.take(item).unwrap().id.as_deref(),
        Some(seed::ALEX_PLAN_ID)
    );
    let inner = tests::batch_inner_requests(&emulator);
    assert_eq!(inner.len(), 3);
    assert!(inner.iter().any(|r| r.path.ends_with("/createLink")));
}

/// A POST to an item action with an unchecked body, to send what the typed
/// models never would.
#[graph_endpoint(POST "/drives/<drive_id>/items/<item_id>/<action>", response = Value)]
struct RawItemPost {
    drive_id: String,
    item_id: String,
    action: String,
    #[body]
    body: Value,
}

/// `permission: grant` with an unchecked body.
#[graph_endpoint(POST "/shares/<token>/permission/grant", response = Value)]
struct RawGrant {
    token: String,
    #[body]
    body: Value,
}

/// Every action route refuses a parameter its CSDL action does not declare,
/// naming it, and changes nothing.
#[tokio::test]
async fn every_action_refuses_an_undeclared_parameter_naming_it() {
    let (emulator, client) = start().await;
    let link = new_link(
        &client,
        &alex_plan(),
        CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Users),
    )
    .await;
    let token = link.share_id.clone().unwrap();
    let item = |action: &str, body: Value| {
        RawItemPost::builder()
            .drive_id(seed::ALEX_DRIVE_ID)
            .item_id(seed::ALEX_PLAN_ID)
            .action(action)
            .body(body)
            .build()
    };
    let before = emulator.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let cases = [
        (
            "invite",
            client
                .send(&item(
                    "invite",
                    json!({"recipients": [{"email": seed::LEE_EMAIL}], "roles": ["read"], "role": "read"}),
                ))
                .await,
        ),
        (
            "createLink",
            client
                .send(&item(
                    "createLink",
                    json!({"type": "edit", "scope": "anonymous", "preventsDownload": true}),
                ))
                .await,
        ),
        (
            "grant",
            client
                .send(
                    &RawGrant::builder()
                        .token(token)
                        .body(json!({"recipients": [{"email": seed::LEE_EMAIL}], "roles": ["read"], "sendNotification": true}))
                        .build(),
                )
                .await,
        ),
    ];
    let names = ["role", "preventsDownload", "sendNotification"];
    for ((operation, answer), name) in cases.into_iter().zip(names) {
        let err = answer.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(400), Some("BadRequest")),
            "{operation}"
        );
        let expected = format!(
            "The parameter '{name}' in the request payload is not a valid parameter for the operation '{operation}'."
        );
        assert_eq!(err.message(), Some(expected.as_str()));
    }
    assert_eq!(
        emulator.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
        before,
        "nothing changed"
    );
    // Annotations are control information, not parameters.
    let annotated = client
        .send(&item(
            "createLink",
            json!({"type": "edit", "scope": "anonymous", "type@odata.type": "#String"}),
        ))
        .await;
    assert!(annotated.is_ok(), "{annotated:?}");
}

/// A link made on a folder reaches the items below it, as inherited.
#[tokio::test]
async fn a_link_on_a_folder_reaches_its_children() {
    let (_emulator, client) = start().await;
    let projects = ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID);
    let link = new_link(
        &client,
        &projects,
        CreateLinkBody::new(LinkType::Edit).with_scope(LinkScope::Anonymous),
    )
    .await;
    let url = link.link.as_ref().unwrap().web_url.clone();
    let below = client
        .send(&alex_plan().list_permissions(None))
        .await
        .unwrap();
    let seen = below
        .value
        .iter()
        .find(|p| p.link.as_ref().map(|l| &l.web_url) == Some(&url))
        .expect("the folder's link is seen on its child");
    assert!(seen.is_inherited());
    assert_eq!(
        seen.inherited_from.as_ref().unwrap().id.as_deref(),
        Some(seed::ALEX_PROJECTS_ID)
    );
    assert_eq!(seen.roles, link.roles);
}

/// `retainInheritedPermissions: false` on the first share breaks
/// inheritance: later shares of an ancestor no longer reach the item.
#[tokio::test]
async fn retain_inherited_permissions_false_stops_later_ancestor_shares() {
    let (_emulator, client) = start().await;
    let q3 = ItemLocator::me(seed::ME_Q3_ID);
    q3.create_link(
        CreateLinkBody::new(LinkType::View)
            .with_scope(LinkScope::Anonymous)
            .with_retain_inherited_permissions(false),
    )
    .send(&client)
    .await
    .unwrap();
    let documents = ItemLocator::me(seed::ME_DOCUMENTS_ID);
    client
        .send(&documents.invite(invite_to(seed::LEE_EMAIL)))
        .await
        .unwrap();
    documents
        .create_link(CreateLinkBody::new(LinkType::Edit).with_scope(LinkScope::Anonymous))
        .send(&client)
        .await
        .unwrap();
    let q3_now = client.send(&q3.list_permissions(None)).await.unwrap();
    assert!(
        q3_now.value.iter().all(|p| !p.is_inherited()),
        "{:?}",
        q3_now.value
    );
    // Its sibling still inherits both.
    let q4 = ItemLocator::me(seed::ME_Q4_ID);
    let q4_now = client.send(&q4.list_permissions(None)).await.unwrap();
    let inherited = q4_now.value.iter().filter(|p| p.is_inherited()).count();
    assert!(inherited >= 3, "{inherited}");
}

/// "Update sharing permission": `expirationDateTime` is supported for
/// anonymous links (alone or with roles, and applied); organization and
/// people links can't be modified; an expiry on anything else is refused.
#[tokio::test]
async fn patching_a_link_follows_update_sharing_permission() {
    // An instant as the models read it (this crate does not depend on `time`).
    let datetime = |text: &str| {
        serde_json::from_value::<Permission>(json!({ "expirationDateTime": text }))
            .unwrap()
            .expiration_date_time
            .unwrap()
    };
    let (emulator, client) = start().await;
    let item = alex_plan();
    let anonymous = new_link(
        &client,
        &item,
        CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Anonymous),
    )
    .await;
    let id = anonymous.id.clone().unwrap();
    let later = datetime("2031-05-06T07:08:09Z");
    let changed = client
        .send(&item.update_permission(&id, PermissionUpdate::expiring_at(later)))
        .await
        .unwrap();
    assert_eq!(changed.expiration_date_time, Some(later));
    assert_eq!(changed.roles, anonymous.roles, "roles untouched");
    let sent = graph_requests(&emulator).last().unwrap().body.clone();
    assert_eq!(sent, r#"{"expirationDateTime":"2031-05-06T07:08:09.000Z"}"#);

    let both = datetime("2032-01-01T00:00:00Z");
    let changed = client
        .send(&item.update_permission(
            &id,
            PermissionUpdate::new([Role::Read]).with_expiration_date_time(both),
        ))
        .await
        .unwrap();
    assert_eq!(changed.expiration_date_time, Some(both));
    assert_eq!(
        link_now(&client, &item, &id).await.expiration_date_time,
        Some(both)
    );

    // Organization and people links can't be modified, roles or expiry.
    for scope in [LinkScope::Organization, LinkScope::Users] {
        let link = new_link(
            &client,
            &item,
            CreateLinkBody::new(LinkType::Edit).with_scope(scope.clone()),
        )
        .await;
        let link_id = link.id.clone().unwrap();
        let answer = client
            .send(&item.update_permission(&link_id, PermissionUpdate::new([Role::Read])))
            .await;
        assert_eq!(
            graph_error(answer),
            (400, "invalidRequest".into()),
            "{scope:?}"
        );
        assert_eq!(link_now(&client, &item, &link_id).await.roles, link.roles);
    }
    // An expiry on a permission that is not an anonymous link is refused.
    let granted = client
        .send(&item.invite(invite_to(seed::LEE_EMAIL)))
        .await
        .unwrap();
    let grant_id = granted.value[0].id.clone().unwrap();
    let answer = client
        .send(&item.update_permission(&grant_id, PermissionUpdate::expiring_at(later)))
        .await;
    assert_eq!(graph_error(answer), (400, "invalidRequest".into()));
}

/// "Access the contents of a shared folder": `$expand=children` on
/// `/shares/{id}/driveItem` serves the folder's children; a navigation
/// property the emulator does not model is refused, never ignored.
#[tokio::test]
async fn a_shared_folder_expands_its_children() {
    let (_emulator, client) = start().await;
    let link = new_link(
        &client,
        &ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID),
        CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Anonymous),
    )
    .await;
    let share = Share::of(&link).unwrap();
    let folder = client
        .send(&share.drive_item().with_expand(["children"]))
        .await
        .unwrap();
    assert!(folder.is_folder());
    let children = folder.children.expect("children were expanded");
    let names: Vec<_> = children.iter().filter_map(|c| c.name.as_deref()).collect();
    assert!(names.contains(&"Plan.docx"), "{names:?}");
    let plan = children
        .iter()
        .find(|c| c.id.as_deref() == Some(seed::ALEX_PLAN_ID))
        .unwrap();
    assert!(plan.is_file());
    // Without $expand, no children.
    let plain = client.send(&share.drive_item()).await.unwrap();
    assert!(plain.children.is_none());
    let err = client
        .send(&share.drive_item().with_expand(["colour"]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
}

/// A folder's link resolves to the folder, not to a child that inherits
/// it; the link as SharePoint shows it, with `?e=…`, names the same item.
#[tokio::test]
async fn a_folder_link_resolves_to_the_folder_also_with_the_e_suffix() {
    let (_emulator, client) = start().await;
    let link = new_link(
        &client,
        &ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID),
        CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Anonymous),
    )
    .await;
    let url = link.link.as_ref().unwrap().web_url.clone().unwrap();
    for share in [
        Share::of(&link).unwrap(),
        Share::url(&url),
        Share::url(&format!("{url}?e=4fJ7kL")),
    ] {
        let item = client.send(&share.drive_item()).await.unwrap();
        assert_eq!(item.id.as_deref(), Some(seed::ALEX_PROJECTS_ID));
    }
}

/// `/beta` follows the beta page: `password` outside personal drives is
/// accepted; review/blocksDownload only on business files, createOnly only
/// on business folders.
#[tokio::test]
async fn beta_create_link_follows_the_beta_page() {
    use graph_core::auth::StaticToken;
    let (emulator, v1) = start().await;
    let beta = graph_core::Client::builder()
        .base_url(emulator.base_url().replace("/v1.0", "/beta"))
        .auth(StaticToken::new(seed::ACCESS_TOKEN))
        .build()
        .unwrap();
    let with_password = || CreateLinkBody::new(LinkType::View).with_password("pw");
    assert_eq!(
        graph_error(alex_plan().create_link(with_password()).send(&v1).await),
        (400, "invalidRequest".into()),
        "v1.0: OneDrive personal only"
    );
    let link = alex_plan()
        .create_link(with_password())
        .send(&beta)
        .await
        .unwrap();
    assert_eq!(link.permission().has_password, Some(true));

    let projects = ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID);
    let me_photo = ItemLocator::me(seed::ME_PHOTO_ID);
    let other = |t: &str| CreateLinkBody::new(LinkType::Other(t.into()));
    for (item, kind) in [
        (me_photo.clone(), "review"),
        (me_photo.clone(), "blocksDownload"),
        (me_photo.clone(), "addressBar"),
        (projects.clone(), "review"),
        (alex_plan(), "createOnly"),
    ] {
        assert_eq!(
            graph_error(item.create_link(other(kind)).send(&beta).await),
            (400, "invalidRequest".into()),
            "{kind} on {item:?}"
        );
    }
    for (item, kind) in [
        (alex_plan(), "review"),
        (alex_plan(), "blocksDownload"),
        (projects, "createOnly"),
    ] {
        let made = item.create_link(other(kind)).send(&beta).await;
        assert!(made.is_ok(), "{kind} on {item:?}: {made:?}");
    }
}

/// Every documented createLink answer names the calling app in the link
/// facet; an app-only caller's links carry it.
#[tokio::test]
async fn an_app_made_link_names_the_app() {
    let (emulator, _delegated) = start().await;
    let app = tests::app_client(&emulator, seed::CLIENT_SECRET);
    let link = alex_plan()
        .create_link(CreateLinkBody::new(LinkType::View).with_scope(LinkScope::Anonymous))
        .send(&app)
        .await
        .unwrap()
        .into_permission();
    let application = link
        .link
        .unwrap()
        .application
        .expect("the link names the app");
    assert_eq!(application.id.as_deref(), Some(seed::CLIENT_ID));
    assert_eq!(
        application.display_name.as_deref(),
        Some("Graph Emulator Daemon")
    );
}
