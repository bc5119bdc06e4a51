//! GET (paged) / GET one / PATCH / DELETE of permissions over loopback.

mod common;

use common::{Client, item_path, start};
use graph_emulator::seed;
use serde_json::json;

fn launch() -> String {
    item_path(seed::GROUP_DRIVE_ID, seed::GROUP_LAUNCH_ID)
}

#[tokio::test]
async fn lists_all_permissions_without_top() {
    let emu = start().await;
    let c = Client::new(&emu);
    let resp = c.get(&format!("{}/permissions", launch())).await;
    assert_eq!(resp.status, 200);
    let json = resp.json();
    assert_eq!(json["value"].as_array().unwrap().len(), 3);
    assert!(json.get("@odata.nextLink").is_none());
    assert_eq!(json["value"][0]["roles"], json!(["owner"]));
}

#[tokio::test]
async fn pages_with_top_and_absolute_next_links() {
    let emu = start().await;
    let c = Client::new(&emu);
    for path in [
        format!(
            "/groups/{}/drive/items/{}/permissions?$top=2",
            seed::GROUP_ID,
            seed::GROUP_LAUNCH_ID
        ),
        format!(
            "/drives/{}/root:/{}:/permissions?%24top=2",
            seed::GROUP_DRIVE_ID,
            seed::GROUP_LAUNCH_PATH
        ),
    ] {
        let first = c.get(&path).await;
        assert_eq!(first.status, 200, "{path}");
        let first = first.json();
        assert_eq!(first["value"].as_array().unwrap().len(), 2);
        let next = first["@odata.nextLink"]
            .as_str()
            .expect("nextLink")
            .to_string();
        assert!(next.starts_with(&emu.base_url()), "{next}");
        assert!(next.contains("$skiptoken="), "{next}");
        let second = c.get(&next).await.json();
        assert_eq!(second["value"].as_array().unwrap().len(), 1);
        assert!(second.get("@odata.nextLink").is_none());
        let mut ids: Vec<_> = first["value"]
            .as_array()
            .unwrap()
            .iter()
            .chain(second["value"].as_array().unwrap())
            .map(|p| p["id"].clone())
            .collect();
        ids.dedup();
        assert_eq!(ids.len(), 3);
    }
}

#[tokio::test]
async fn bad_paging_parameters_are_400() {
    let emu = start().await;
    let c = Client::new(&emu);
    for query in ["$top=0", "$top=abc", "$top=-1", "$skiptoken=garbage"] {
        let resp = c.get(&format!("{}/permissions?{query}", launch())).await;
        assert_eq!(resp.status, 400, "{query}");
        assert_eq!(resp.code(), "invalidRequest");
    }
}

#[tokio::test]
async fn gets_one_permission_or_404() {
    let emu = start().await;
    let c = Client::new(&emu);
    let path = format!(
        "/me/drive/items/{}/permissions/{}",
        seed::ME_DOCUMENTS_ID,
        seed::ME_DOCUMENTS_GRANT_ID
    );
    let resp = c.get(&path).await;
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.json()["grantedToV2"]["user"]["id"],
        seed::ADELE_USER_ID
    );
    let resp = c
        .get(&format!(
            "/me/drive/items/{}/permissions/nope",
            seed::ME_DOCUMENTS_ID
        ))
        .await;
    assert_eq!((resp.status, resp.code().as_str()), (404, "itemNotFound"));
}

#[tokio::test]
async fn patch_changes_roles_only_of_direct_permissions() {
    let emu = start().await;
    let c = Client::new(&emu);
    let docs = format!(
        "/me/drive/root:/{}:/permissions/{}",
        seed::ME_DOCUMENTS_PATH,
        seed::ME_DOCUMENTS_GRANT_ID
    );
    let resp = c.patch(&docs, &json!({ "roles": ["write"] })).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["roles"], json!(["write"]));
    assert_eq!(resp.json()["id"], seed::ME_DOCUMENTS_GRANT_ID);
    assert_eq!(
        emu.permissions(seed::ME_DRIVE_ID, seed::ME_DOCUMENTS_ID)[0]["roles"],
        json!(["write"])
    );

    for body in [
        json!({}),
        json!({ "roles": [] }),
        json!({ "roles": ["admin"] }),
        json!(["write"]),
    ] {
        let resp = c.patch(&docs, &body).await;
        assert_eq!(
            (resp.status, resp.code().as_str()),
            (400, "invalidRequest"),
            "{body}"
        );
    }
    let inherited = format!(
        "{}/permissions/{}",
        item_path(seed::ME_DRIVE_ID, seed::ME_Q3_ID),
        seed::ME_INHERITED_GRANT_ID
    );
    // The change of Documents' grant reached the copy Q3 inherits...
    assert_eq!(
        emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID)[0]["roles"],
        json!(["write"])
    );
    // ...which cannot be changed on Q3 itself.
    let resp = c.patch(&inherited, &json!({ "roles": ["read"] })).await;
    assert_eq!(resp.status, 400);
    assert_eq!(
        emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID)[0]["roles"],
        json!(["write"])
    );
    let resp = c
        .patch(
            &format!("{}/permissions/nope", launch()),
            &json!({ "roles": ["read"] }),
        )
        .await;
    assert_eq!(resp.status, 404);
}

#[tokio::test]
async fn delete_is_204_then_404_and_inherited_cannot_be_deleted() {
    let emu = start().await;
    let c = Client::new(&emu);
    let perms = emu.permissions(seed::GROUP_DRIVE_ID, seed::GROUP_LAUNCH_ID);
    let id = perms[1]["id"].as_str().unwrap().to_string();
    let path = format!(
        "/sites/{}/drive/items/{}/permissions/{id}",
        seed::SITE_ID,
        seed::GROUP_LAUNCH_ID
    );
    // The item is not in the site's drive.
    assert_eq!(c.delete(&path).await.status, 404);
    let path = format!("{}/permissions/{id}", launch());
    let resp = c.delete(&path).await;
    assert_eq!(resp.status, 204);
    assert!(resp.body.is_empty());
    assert_eq!(
        emu.permissions(seed::GROUP_DRIVE_ID, seed::GROUP_LAUNCH_ID)
            .len(),
        2
    );
    assert_eq!(c.delete(&path).await.status, 404);

    let inherited = format!(
        "{}/permissions/{}",
        item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
        emu.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)[0]["id"]
            .as_str()
            .unwrap()
    );
    let resp = c.delete(&inherited).await;
    assert_eq!((resp.status, resp.code().as_str()), (400, "invalidRequest"));
    assert_eq!(
        emu.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
            .len(),
        1
    );
}

#[tokio::test]
async fn invite_then_list_then_revoke_round_trip() {
    let emu = start().await;
    let c = Client::new(&emu);
    let item = item_path(seed::SITE_DRIVE_ID, seed::SITE_HANDBOOK_ID);
    assert!(
        c.get(&format!("{item}/permissions")).await.json()["value"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let granted = c
        .post(&format!("{item}/invite"), &json!({ "recipients": [{ "email": seed::ADELE_EMAIL }], "roles": ["read"], "requireSignIn": true }))
        .await
        .json();
    let id = granted["value"][0]["id"].as_str().unwrap().to_string();
    let listed = c.get(&format!("{item}/permissions")).await.json();
    assert_eq!(listed["value"][0], granted["value"][0]);
    assert_eq!(
        c.delete(&format!("{item}/permissions/{id}")).await.status,
        204
    );
    assert!(
        emu.permissions(seed::SITE_DRIVE_ID, seed::SITE_HANDBOOK_ID)
            .is_empty()
    );
}

#[tokio::test]
async fn revoke_grants_takes_people_off_a_users_link_and_is_refused_on_other_links() {
    let emu = start().await;
    let client = Client::new(&emu);
    let item = item_path(seed::GROUP_DRIVE_ID, seed::GROUP_LAUNCH_ID);
    let users = client
        .post(
            &format!("{item}/createLink"),
            &json!({"type": "view", "scope": "users", "recipients": [
                {"email": "ally@northwind.example"}, {"email": seed::LEE_EMAIL}]}),
        )
        .await;
    assert!(
        users.status == 201 || users.status == 200,
        "{}",
        users.code()
    );
    let id = users.json()["id"].as_str().unwrap().to_owned();
    let revoked = client
        .post(
            &format!("{item}/permissions/{id}/revokeGrants"),
            &json!({"grantees": [{"email": "ALLY@northwind.example"}]}),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.code());
    let left = revoked.json()["grantedToIdentitiesV2"].to_string();
    assert!(!left.contains("ally@"), "{left}");
    assert!(left.contains(seed::LEE_EMAIL), "{left}");
    let listed = emu.permissions(seed::GROUP_DRIVE_ID, seed::GROUP_LAUNCH_ID);
    assert!(
        !format!("{listed:?}").contains("ally@northwind"),
        "the change is kept"
    );

    let anonymous = client
        .post(
            &format!("{item}/createLink"),
            &json!({"type": "view", "scope": "anonymous"}),
        )
        .await
        .json();
    let refused = client
        .post(
            &format!(
                "{item}/permissions/{}/revokeGrants",
                anonymous["id"].as_str().unwrap()
            ),
            &json!({"grantees": [{"email": "ally@northwind.example"}]}),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.code(), "invalidRequest");
    let empty = client
        .post(
            &format!("{item}/permissions/{id}/revokeGrants"),
            &json!({"grantees": []}),
        )
        .await;
    assert_eq!(empty.status, 400);
}
