//! The sharing lifecycle end to end over loopback HTTP: invite on every address
//! form, find the grant, change it, revoke it; 200 and 207 as the caller sees
//! them; each documented rule refused by the client before sending and, sent
//! raw, by the server.

use graph_core::drive::{
    DriveRecipient, InviteBody, InviteResponse, ItemLocator, Permission, PermissionUpdate, Role,
};
use graph_core::{Error, graph_endpoint};
use graph_emulator::seed;
use serde_json::{Value, json};
use tests::{every_form, invite_to, start};

fn invitee(permission: &Permission) -> Option<&str> {
    permission
        .invitation
        .as_ref()
        .and_then(|i| i.email.as_deref())
        .or_else(|| {
            permission
                .granted_to_v2
                .as_ref()?
                .user
                .as_ref()?
                .email
                .as_deref()
        })
}

#[tokio::test]
async fn invite_list_update_and_revoke_on_every_address_form() {
    let (emulator, client) = start().await;
    for form in every_form() {
        let (item, drive_id, item_id) = (form.locator, form.drive_id, form.item_id);
        let body = invite_to(seed::LEE_EMAIL).with_require_sign_in(true);
        let answer = client.execute(&item.invite(body)).await.unwrap();
        assert_eq!(answer.status, 200, "{item:?}");
        assert!(answer.request_id.is_some(), "{item:?}");
        let granted = &answer.value.value;
        assert_eq!(granted.len(), 1, "{item:?}");
        let grant = &granted[0];
        let id = grant.id.clone().expect("a granted permission has an id");
        assert_eq!(grant.roles, vec![Role::Read], "{item:?}");
        assert_eq!(invitee(grant), Some(seed::LEE_EMAIL), "{item:?}");
        assert!(grant.error.is_none());

        // The emulator's state and the listing agree with the answer.
        assert!(
            emulator
                .permissions(drive_id, item_id)
                .iter()
                .any(|p| p["id"] == id.as_str()),
            "{item:?} not stored"
        );
        let listed = client.send(&item.list_permissions(None)).await.unwrap();
        assert!(
            listed.value.iter().any(|p| p.id.as_deref() == Some(&id)),
            "{item:?} not listed"
        );
        let read = client.send(&item.permission(&id)).await.unwrap();
        assert_eq!(read.roles, vec![Role::Read]);

        let updated = client
            .send(&item.update_permission(&id, PermissionUpdate::new([Role::Write])))
            .await
            .unwrap();
        assert_eq!(updated.roles, vec![Role::Write], "{item:?}");

        client.send(&item.delete_permission(&id)).await.unwrap();
        let listed = client.send(&item.list_permissions(None)).await.unwrap();
        assert!(
            listed.value.iter().all(|p| p.id.as_deref() != Some(&id)),
            "{item:?} not revoked"
        );
        match client.send(&item.permission(&id)).await {
            Err(e) => assert_eq!((e.status(), e.code()), (Some(404), Some("itemNotFound"))),
            Ok(p) => panic!("revoked permission still readable: {p:?}"),
        }
    }
}

#[tokio::test]
async fn inviting_again_updates_the_same_grant() {
    let (_emulator, client) = start().await;
    let item = ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let invite = |role| {
        item.invite(InviteBody::new([DriveRecipient::email(seed::ADELE_EMAIL)]).with_roles([role]))
    };
    let first = client.send(&invite(Role::Read)).await.unwrap();
    let second = client.send(&invite(Role::Write)).await.unwrap();
    assert_eq!(first.value[0].id, second.value[0].id);
    assert_eq!(second.value[0].roles, vec![Role::Write]);
    let listed = client.send(&item.list_permissions(None)).await.unwrap();
    let adele = listed
        .value
        .iter()
        .filter(|p| invitee(p) == Some(seed::ADELE_EMAIL))
        .count();
    assert_eq!(adele, 1, "{listed:?}");
}

#[tokio::test]
async fn a_partial_success_says_who_was_not_notified() {
    let (_emulator, client) = start().await;
    let body = InviteBody::new([
        DriveRecipient::email(seed::LEE_EMAIL),
        DriveRecipient::email(seed::UNDELIVERABLE_EMAIL),
    ])
    .with_roles([Role::Read])
    .with_send_invitation(true)
    .with_require_sign_in(true)
    .with_message("Quarterly numbers");
    let answer = client
        .execute(&ItemLocator::me(seed::ME_Q3_ID).invite(body))
        .await
        .unwrap();
    assert_eq!(answer.status, 207);
    let response: &InviteResponse = &answer.value;
    assert_eq!(response.permissions().len(), 2);
    assert!(!response.all_notified());
    let failures: Vec<_> = response.notification_failures().collect();
    assert_eq!(failures.len(), 1);
    let (_, permission, error) = failures[0];
    assert_eq!(invitee(permission), Some(seed::UNDELIVERABLE_EMAIL));
    assert!(
        permission.id.is_some(),
        "the grant stands even though mail failed"
    );
    assert_eq!(
        error.inner_codes().last().copied(),
        Some("accountVerificationRequired")
    );
}

#[tokio::test]
async fn passwords_are_accepted_on_personal_drives_and_reported() {
    let (emulator, client) = start().await;
    let body = invite_to(seed::EXTERNAL_EMAIL).with_password("Tr0ub4dor&3");
    let granted = client
        .send(&ItemLocator::me(seed::ME_PHOTO_ID).invite(body))
        .await
        .unwrap();
    assert_eq!(granted.value[0].has_password, Some(true));
    // What went over the wire had the password; what the client shows never does.
    let logged = emulator.requests();
    assert!(logged.last().unwrap().body.contains("Tr0ub4dor&3"));
}

#[tokio::test]
async fn pages_follow_the_next_link() {
    let (_emulator, client) = start().await;
    let item = ItemLocator::group(seed::GROUP_ID, seed::GROUP_LAUNCH_ID);
    let mut page = Some(client.send(&item.list_permissions(Some(1))).await.unwrap());
    let mut ids = Vec::new();
    while let Some(current) = page {
        assert!(current.value.len() <= 1);
        ids.extend(current.value.iter().filter_map(|p| p.id.clone()));
        page = client.next_page(&current).await.unwrap();
    }
    assert_eq!(ids.len(), 3, "{ids:?}");
    ids.dedup();
    assert_eq!(ids.len(), 3, "pages repeated an entry");
}

#[tokio::test]
async fn each_documented_rule_is_refused_by_the_client_before_anything_is_sent() {
    let (emulator, client) = start().await;
    let item = ItemLocator::me(seed::ME_Q3_ID);
    let someone = || DriveRecipient::email(seed::LEE_EMAIL);
    let cases = [
        (InviteBody::new(Vec::<DriveRecipient>::new()), "recipients"),
        (
            InviteBody::new([someone()])
                .with_role(Role::Read)
                .with_message("m".repeat(2001)),
            "message",
        ),
    ];
    for (body, field) in cases {
        match client.send(&item.invite(body)).await {
            Err(Error::Validation(e)) => assert_eq!(e.field(), field),
            other => panic!("{field}: expected a validation error, got {other:?}"),
        }
    }
    assert!(
        emulator.requests().is_empty(),
        "something was sent: {:?}",
        emulator.requests()
    );
}

/// The rules the client used to add on its own are no longer applied: each
/// request is built and sent, and the server's answer is what the caller
/// gets (the emulator, like Graph, accepts an invite without roles and with
/// both flags false; it cannot resolve a blank alias, and refuses an update
/// without roles).
#[tokio::test]
async fn undocumented_rules_are_left_to_the_server() {
    let (emulator, client) = start().await;
    let item = ItemLocator::me(seed::ME_Q3_ID);
    let lee = || DriveRecipient::email(seed::LEE_EMAIL);
    let granted = client
        .send(&item.invite(InviteBody::new([lee()])))
        .await
        .expect("no roles: accepted");
    assert_eq!(granted.value[0].roles, [Role::Read]);
    let quiet = InviteBody::new([lee()])
        .with_role(Role::Write)
        .with_require_sign_in(false)
        .with_send_invitation(false);
    let granted = client
        .send(&item.invite(quiet))
        .await
        .expect("both false: accepted");
    assert_eq!(granted.value[0].roles, [Role::Write]);
    let blank = InviteBody::new([DriveRecipient::alias(" ")]).with_role(Role::Read);
    let err = client.send(&item.invite(blank)).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(400), Some("invalidRequest"))
    );
    let err = client
        .send(&item.update_permission("p", PermissionUpdate::new([])))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(emulator.requests().len(), 4, "each was sent once");
}

/// An invite with an unchecked body, to see the server's side of each rule.
#[graph_endpoint(POST "/drives/<drive_id>/items/<item_id>/invite", response = Value)]
struct RawInvite {
    drive_id: String,
    item_id: String,
    #[body]
    body: Value,
}

#[tokio::test]
async fn each_rule_sent_raw_is_a_typed_error_from_the_server() {
    let (_emulator, client) = start().await;
    let lee = json!({ "email": seed::LEE_EMAIL });
    let read = json!(["read"]);
    // Each body breaks one rule; the message names what is wrong.
    let cases = [
        (
            seed::ME_DRIVE_ID,
            seed::ME_Q3_ID,
            json!({ "recipients": [], "roles": read }),
            "recipients",
        ),
        (
            seed::ME_DRIVE_ID,
            seed::ME_Q3_ID,
            json!({ "roles": read }),
            "recipients",
        ),
        (
            seed::ME_DRIVE_ID,
            seed::ME_Q3_ID,
            json!({ "recipients": [{ "email": "a@b.c", "alias": "a" }], "roles": read }),
            "exactly one",
        ),
        (
            seed::ME_DRIVE_ID,
            seed::ME_Q3_ID,
            json!({ "recipients": [{}], "roles": read }),
            "exactly one",
        ),
        (
            seed::ME_DRIVE_ID,
            seed::ME_Q3_ID,
            json!({ "recipients": [lee], "roles": read, "message": "m".repeat(2001) }),
            "message",
        ),
        (
            seed::ME_DRIVE_ID,
            seed::ME_Q3_ID,
            json!({ "recipients": [lee], "roles": ["admin"] }),
            "roles",
        ),
        (
            seed::ME_DRIVE_ID,
            seed::ME_Q3_ID,
            json!({ "recipients": [lee], "roles": ["owner"] }),
            "Invalid value for role",
        ),
        (
            seed::ALEX_DRIVE_ID,
            seed::ALEX_PLAN_ID,
            json!({ "recipients": [lee], "roles": read, "password": "only-on-personal" }),
            "password",
        ),
        (
            seed::ME_DRIVE_ID,
            seed::ME_ROOT_ID,
            json!({ "recipients": [lee], "roles": read }),
            "root",
        ),
    ];
    for (drive_id, item_id, body, names) in cases {
        let raw = RawInvite::builder()
            .drive_id(drive_id)
            .item_id(item_id)
            .body(body.clone())
            .build();
        match client.send(&raw).await {
            Err(Error::Graph(e)) => {
                assert_eq!(
                    (e.status(), e.code()),
                    (400, Some("invalidRequest")),
                    "{body}"
                );
                assert!(e.request_id().is_some(), "{body}");
                let message = e.message().unwrap_or_default();
                assert!(message.contains(names), "{body}: {message}");
                assert_eq!(e.attempts(), 1, "a 400 is not retried");
            }
            other => panic!("{body}: expected a 400, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn unknown_items_and_containers_are_not_found() {
    let (_emulator, client) = start().await;
    let body = || invite_to(seed::LEE_EMAIL);
    for item in [
        ItemLocator::me("01NOPE"),
        ItemLocator::drive("b!nope", seed::ME_Q3_ID),
        ItemLocator::group("nope", "01A"),
        ItemLocator::user("nobody@contoso.com", "01A"),
        ItemLocator::site("nope", "01A"),
        ItemLocator::me_path("Documents/missing.txt"),
    ] {
        let err = client.send(&item.invite(body())).await.unwrap_err();
        assert_eq!(
            (err.status(), err.code()),
            (Some(404), Some("itemNotFound")),
            "{item:?}"
        );
        assert!(err.request_id().is_some());
    }
}
