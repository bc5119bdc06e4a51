//! POST …/invite over loopback: auth, addressing, every 400 rule, 200 and
//! 207 shapes, de-duplication and retainInheritedPermissions.

mod common;

use common::{Client, item_path, start};
use graph_emulator::seed;
use serde_json::{Value, json};

fn invite_body(email: &str, roles: &[&str]) -> Value {
    json!({
        "recipients": [{ "email": email }],
        "message": "Here's the file that we're collaborating on.",
        "requireSignIn": true,
        "sendInvitation": true,
        "roles": roles,
    })
}

fn q3_invite() -> String {
    format!("{}/invite", item_path(seed::ME_DRIVE_ID, seed::ME_Q3_ID))
}

#[tokio::test]
async fn missing_unknown_and_malformed_tokens_are_401() {
    let emu = start().await;
    let body = invite_body(seed::LEE_EMAIL, &["read"]);
    for token in [None, Some("not-a-token"), Some("")] {
        let resp = Client::with_token(&emu, token)
            .post(&q3_invite(), &body)
            .await;
        assert_eq!(resp.status, 401, "{token:?}");
        assert_eq!(resp.code(), "InvalidAuthenticationToken");
        assert!(resp.header("www-authenticate").is_some());
    }
    // Nothing was granted.
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len(), 1);
}

#[tokio::test]
async fn error_body_and_headers_have_graph_shape() {
    let emu = start().await;
    let mut client = Client::with_token(&emu, None);
    client
        .extra
        .push(("client-request-id".into(), "my-correlation-id".into()));
    let resp = client.post(&q3_invite(), &json!({})).await;
    assert_eq!(resp.status, 401);
    let err = resp.json();
    let inner = &err["error"]["innerError"];
    assert!(err["error"]["message"].as_str().is_some());
    assert_eq!(inner["client-request-id"], "my-correlation-id");
    assert_eq!(inner["request-id"].as_str(), resp.header("request-id"));
    assert!(
        inner["date"]
            .as_str()
            .is_some_and(|d| d.len() == 19 && d.contains('T'))
    );
    assert_eq!(resp.header("client-request-id"), Some("my-correlation-id"));
    assert_eq!(resp.header("request-id").map(str::len), Some(36));
    assert!(resp.header("date").is_some_and(|d| d.ends_with("GMT")));
    // Without client-request-id one is still returned.
    let resp = Client::new(&emu)
        .get("/me/drive/items/nope/permissions")
        .await;
    assert!(resp.header("client-request-id").is_some());
}

#[tokio::test]
async fn unknown_drive_owner_item_or_path_is_404_item_not_found() {
    let emu = start().await;
    let c = Client::new(&emu);
    let body = invite_body(seed::LEE_EMAIL, &["read"]);
    for path in [
        "/drives/b!doesNotExist/items/01BYE5RZBR6QMW4WXFOGO6MVN6A6WFHYM6/invite".to_string(),
        format!("/drives/{}/items/01BYE5RZNOTHERE/invite", seed::ME_DRIVE_ID),
        "/groups/00000000-0000-0000-0000-000000000000/drive/items/x/invite".to_string(),
        "/users/nobody@contoso.com/drive/items/x/invite".to_string(),
        "/sites/contoso.sharepoint.com,1,2/drive/items/x/invite".to_string(),
        format!(
            "/users/{}/drive/items/{}/invite",
            seed::ADELE_USER_ID,
            seed::ME_Q3_ID
        ),
        "/me/drive/root:/Documents/Missing.xlsx:/invite".to_string(),
    ] {
        let resp = c.post(&path, &body).await;
        assert_eq!(resp.status, 404, "{path}");
        assert_eq!(resp.code(), "itemNotFound", "{path}");
    }
}

#[tokio::test]
async fn every_addressing_form_reaches_the_same_item() {
    let emu = start().await;
    let c = Client::new(&emu);
    let q3 = seed::ME_Q3_ID;
    let forms = [
        (
            format!("/me/drive/items/{q3}/invite"),
            seed::ME_DRIVE_ID,
            q3,
        ),
        (format!("/drive/items/{q3}/invite"), seed::ME_DRIVE_ID, q3),
        (
            format!("/drives/{}/items/{q3}/invite", seed::ME_DRIVE_ID),
            seed::ME_DRIVE_ID,
            q3,
        ),
        (
            format!("/users/{}/drive/items/{q3}/invite", seed::ME_USER_ID),
            seed::ME_DRIVE_ID,
            q3,
        ),
        (
            "/me/drive/root:/Documents/Reports/Q4%20Forecast.xlsx:/invite".to_string(),
            seed::ME_DRIVE_ID,
            seed::ME_Q4_ID,
        ),
        (
            format!(
                "/drives/{}/root:/{}:/invite",
                seed::ME_DRIVE_ID,
                seed::ME_Q3_PATH
            ),
            seed::ME_DRIVE_ID,
            q3,
        ),
        (
            format!(
                "/users/{}/drive/items/{}/invite",
                seed::ALEX_UPN,
                seed::ALEX_PLAN_ID
            ),
            seed::ALEX_DRIVE_ID,
            seed::ALEX_PLAN_ID,
        ),
        (
            format!(
                "/groups/{}/drive/items/{}/invite",
                seed::GROUP_ID,
                seed::GROUP_CAMPAIGNS_ID
            ),
            seed::GROUP_DRIVE_ID,
            seed::GROUP_CAMPAIGNS_ID,
        ),
        (
            format!(
                "/sites/{}/drive/items/{}/invite",
                seed::SITE_ID,
                seed::SITE_HANDBOOK_ID
            ),
            seed::SITE_DRIVE_ID,
            seed::SITE_HANDBOOK_ID,
        ),
        (
            format!("/beta/me/drive/items/{}/invite", seed::ME_BUDGET_ID),
            seed::ME_DRIVE_ID,
            seed::ME_BUDGET_ID,
        ),
    ];
    for (i, (path, drive, item)) in forms.into_iter().enumerate() {
        let before = emu.permissions(drive, item).len();
        // A fresh recipient each time: re-inviting would update, not add.
        let guest = format!("guest{i}@northwind.example");
        let resp = c.post(&path, &invite_body(&guest, &["write"])).await;
        assert_eq!(
            resp.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&resp.body)
        );
        assert_eq!(emu.permissions(drive, item).len(), before + 1, "{path}");
    }
}

#[tokio::test]
async fn every_invite_rule_is_a_400_invalid_request_and_changes_nothing() {
    let emu = start().await;
    let c = Client::new(&emu);
    let ok = |f: &dyn Fn(&mut Value)| {
        let mut body = invite_body(seed::LEE_EMAIL, &["read"]);
        f(&mut body);
        body
    };
    let cases: Vec<(&str, Value)> = vec![
        (
            "no recipients",
            ok(&|b| {
                b.as_object_mut().unwrap().remove("recipients");
            }),
        ),
        ("empty recipients", ok(&|b| b["recipients"] = json!([]))),
        (
            "recipients not an array",
            ok(&|b| b["recipients"] = json!("lee")),
        ),
        (
            "recipient with nothing",
            ok(&|b| b["recipients"] = json!([{}])),
        ),
        (
            "recipient with two",
            ok(&|b| {
                b["recipients"] =
                    json!([{ "email": seed::LEE_EMAIL, "objectId": seed::LEE_USER_ID }])
            }),
        ),
        (
            "recipient with three",
            ok(
                &|b| b["recipients"] = json!([{ "email": seed::LEE_EMAIL, "alias": "lee.gu", "objectId": seed::LEE_USER_ID }]),
            ),
        ),
        (
            "message too long",
            ok(&|b| b["message"] = json!("x".repeat(2001))),
        ),
        ("unknown role", ok(&|b| b["roles"] = json!(["edit"]))),
        ("capitalised role", ok(&|b| b["roles"] = json!(["Read"]))),
        ("owner role", ok(&|b| b["roles"] = json!(["owner"]))),
        (
            "bool as string",
            ok(&|b| b["requireSignIn"] = json!("true")),
        ),
        (
            "bad expiration",
            ok(&|b| b["expirationDateTime"] = json!("next week")),
        ),
        (
            "unknown objectId",
            ok(&|b| {
                b["recipients"] = json!([{ "objectId": "00000000-0000-0000-0000-000000000001" }])
            }),
        ),
        (
            "unknown alias",
            ok(&|b| b["recipients"] = json!([{ "alias": "nobody" }])),
        ),
        (
            "not an email",
            ok(&|b| b["recipients"] = json!([{ "email": "lee" }])),
        ),
    ];
    for (name, body) in cases {
        let resp = c.post(&q3_invite(), &body).await;
        assert_eq!(resp.status, 400, "{name}");
        assert_eq!(resp.code(), "invalidRequest", "{name}");
        assert!(!resp.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    // Graph refuses `owner` on invite with its own words.
    let resp = c
        .post(
            &q3_invite(),
            &ok(&|b| b["roles"] = json!(["read", "owner"])),
        )
        .await;
    assert_eq!(resp.json()["error"]["message"], "Invalid value for role");
    // Exactly 2000 characters is fine.
    let resp = c
        .post(
            &q3_invite(),
            &ok(&|b| b["message"] = json!("x".repeat(2000))),
        )
        .await;
    assert_eq!(resp.status, 200);
    // One valid recipient next to an invalid one: nothing granted.
    let before = emu.permissions(seed::ME_DRIVE_ID, seed::ME_BUDGET_ID);
    let body = ok(&|b| b["recipients"] = json!([{ "email": seed::ADELE_EMAIL }, {}]));
    let path = format!(
        "{}/invite",
        item_path(seed::ME_DRIVE_ID, seed::ME_BUDGET_ID)
    );
    assert_eq!(c.post(&path, &body).await.status, 400);
    assert_eq!(
        emu.permissions(seed::ME_DRIVE_ID, seed::ME_BUDGET_ID),
        before
    );
}

/// What Graph documents as valid is accepted: no `roles` (or an empty
/// list; the CSDL marks `roles` optional, the emulator then grants `read`),
/// `requireSignIn` and `sendInvitation` both false (the invite page's own
/// request-body template), an empty password on a personal drive.
#[tokio::test]
async fn documented_optional_parameters_are_accepted() {
    let emu = start().await;
    let c = Client::new(&emu);
    let cases = [
        json!({ "recipients": [{ "email": seed::LEE_EMAIL }] }),
        json!({ "recipients": [{ "email": seed::LEE_EMAIL }], "roles": [] }),
        json!({ "recipients": [{ "email": seed::LEE_EMAIL }], "roles": null }),
        json!({ "recipients": [{ "email": seed::LEE_EMAIL }], "roles": ["write"],
                "requireSignIn": false, "sendInvitation": false }),
        json!({ "recipients": [{ "email": seed::LEE_EMAIL }], "roles": ["read"], "password": "" }),
    ];
    for body in cases {
        let resp = c.post(&q3_invite(), &body).await;
        assert_eq!(resp.status, 200, "{body}");
        let granted = &resp.json()["value"][0];
        let roles = body["roles"].as_array().filter(|r| !r.is_empty()).cloned();
        assert_eq!(
            granted["roles"],
            json!(roles.unwrap_or(vec![json!("read")])),
            "{body}"
        );
    }
    let last = &emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID);
    let lee = last
        .iter()
        .find(|p| p["invitation"]["email"] == seed::LEE_EMAIL)
        .unwrap();
    assert_eq!(lee["hasPassword"], false, "an empty password sets none");
}

/// A parameter the `invite` action does not declare is refused as
/// Microsoft's OData stack refuses it; annotations are not parameters.
#[tokio::test]
async fn undeclared_invite_parameters_are_refused() {
    let emu = start().await;
    let c = Client::new(&emu);
    let body = json!({
        "recipients": [{ "email": seed::LEE_EMAIL }],
        "roles": ["read"],
        "retain_inherited_permissions": null
    });
    let resp = c.post(&q3_invite(), &body).await;
    assert_eq!(resp.status, 400);
    assert_eq!(resp.code(), "BadRequest");
    assert_eq!(
        resp.json()["error"]["message"],
        "The parameter 'retain_inherited_permissions' in the request payload is not a valid parameter for the operation 'invite'."
    );
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len(), 1);
    let annotated = json!({
        "recipients": [{ "email": seed::LEE_EMAIL }],
        "roles": ["read"],
        "roles@odata.type": "#Collection(String)",
        "@odata.type": "#microsoft.graph.invite"
    });
    assert_eq!(c.post(&q3_invite(), &annotated).await.status, 200);
}

#[tokio::test]
async fn malformed_json_is_400_invalid_request() {
    let emu = start().await;
    let auth = format!("Bearer {}", seed::ACCESS_TOKEN);
    for body in [&b"{not json"[..], b"[1,2]", b"", b"\xff\xfe"] {
        let resp = common::send(
            emu.addr(),
            "POST",
            &format!("/v1.0{}", q3_invite()),
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            Some(body),
        )
        .await;
        assert_eq!(resp.status, 400);
        assert_eq!(resp.code(), "invalidRequest");
    }
}

#[tokio::test]
async fn password_only_on_personal_drives_and_never_on_a_personal_root() {
    let emu = start().await;
    let c = Client::new(&emu);
    let mut body = invite_body(seed::LEE_EMAIL, &["read"]);
    body["password"] = json!("hunter2!");
    let business = format!(
        "{}/invite",
        item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
    );
    let resp = c.post(&business, &body).await;
    assert_eq!((resp.status, resp.code().as_str()), (400, "invalidRequest"));
    let resp = c.post(&q3_invite(), &body).await;
    assert_eq!(resp.status, 200);
    assert_eq!(resp.json()["value"][0]["hasPassword"], true);

    let root = invite_body(seed::LEE_EMAIL, &["read"]);
    for path in [
        format!("/me/drive/items/{}/invite", seed::ME_ROOT_ID),
        "/me/drive/root/invite".to_string(),
    ] {
        let resp = c.post(&path, &root).await;
        assert_eq!(resp.status, 400, "{path}");
        assert_eq!(resp.code(), "invalidRequest");
    }
    // The root of a business drive can be shared.
    let resp = c
        .post(
            &format!("/drives/{}/root/invite", seed::ALEX_DRIVE_ID),
            &root,
        )
        .await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn success_is_shaped_like_microsofts_examples() {
    let emu = start().await;
    let c = Client::new(&emu);
    let mut body = invite_body(seed::LEE_EMAIL, &["write"]);
    body["expirationDateTime"] = json!("2030-07-15T14:00:00.000Z");
    let resp = c.post(&q3_invite(), &body).await;
    assert_eq!(resp.status, 200);
    assert!(
        resp.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let json = resp.json();
    let value = json["value"].as_array().unwrap();
    assert_eq!(value.len(), 1);
    let p = &value[0];
    assert!(p["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(p["roles"], json!(["write"]));
    assert_eq!(
        p["invitation"],
        json!({ "email": seed::LEE_EMAIL, "signInRequired": true })
    );
    let user =
        json!({ "id": seed::LEE_USER_ID, "displayName": "Lee Gu", "email": seed::LEE_EMAIL });
    assert_eq!(p["grantedToV2"]["user"], user);
    assert_eq!(p["grantedTo"]["user"], user);
    assert!(p["@deprecated.GrantedTo"].as_str().is_some());
    assert_eq!(p["expirationDateTime"], "2030-07-15T14:00:00.000Z");
    assert_eq!(p["hasPassword"], false);
    assert!(p.get("error").is_none());
    // Personal drives have no siteUser; SharePoint libraries do.
    assert!(p["grantedToV2"].get("siteUser").is_none());
    let path = format!(
        "{}/invite",
        item_path(seed::GROUP_DRIVE_ID, seed::GROUP_CAMPAIGNS_ID)
    );
    let resp = c
        .post(&path, &invite_body(seed::LEE_EMAIL, &["read"]))
        .await;
    let p = &resp.json()["value"][0];
    let site_user = &p["grantedToV2"]["siteUser"];
    assert_eq!(site_user["displayName"], "Lee Gu");
    assert!(site_user["id"].as_str().is_some());
    assert_eq!(
        site_user["loginName"],
        format!("i:0#.f|membership|{}", seed::LEE_EMAIL)
    );
    assert!(p.get("hasPassword").is_none());
    assert!(p.get("expirationDateTime").is_none());
    // The grant is stored as returned.
    let stored = emu.permissions(seed::GROUP_DRIVE_ID, seed::GROUP_CAMPAIGNS_ID);
    assert_eq!(&stored[0], p);
}

#[tokio::test]
async fn recipients_by_object_id_alias_and_external_email() {
    let emu = start().await;
    let c = Client::new(&emu);
    let body = json!({
        "recipients": [
            { "objectId": seed::ADELE_USER_ID },
            { "alias": "alex.wilber" },
            { "email": seed::EXTERNAL_EMAIL },
        ],
        "roles": ["read"],
        "requireSignIn": true,
        "sendInvitation": false,
    });
    let path = format!("{}/invite", item_path(seed::ME_DRIVE_ID, seed::ME_PHOTO_ID));
    let resp = c.post(&path, &body).await;
    assert_eq!(resp.status, 200);
    let value = resp.json()["value"].as_array().unwrap().clone();
    assert_eq!(value.len(), 3);
    assert_eq!(value[0]["grantedToV2"]["user"]["id"], seed::ADELE_USER_ID);
    assert_eq!(value[0]["invitation"]["email"], seed::ADELE_EMAIL);
    assert_eq!(value[1]["grantedToV2"]["user"]["id"], seed::ALEX_USER_ID);
    assert_eq!(value[2]["invitation"]["email"], seed::EXTERNAL_EMAIL);
    assert_eq!(
        value[2]["grantedToV2"]["user"]["email"],
        seed::EXTERNAL_EMAIL
    );
    let ids: std::collections::HashSet<_> = value.iter().map(|p| p["id"].clone()).collect();
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn undeliverable_recipient_gives_207_with_per_recipient_error() {
    let emu = start().await;
    let c = Client::new(&emu);
    let body = json!({
        "recipients": [{ "email": seed::LEE_EMAIL }, { "email": seed::UNDELIVERABLE_EMAIL }],
        "roles": ["write"],
        "requireSignIn": true,
        "sendInvitation": true,
    });
    let resp = c.post(&q3_invite(), &body).await;
    assert_eq!(resp.status, 207);
    let json = resp.json();
    let value = json["value"].as_array().unwrap();
    assert!(value[0].get("error").is_none());
    let bad = &value[1];
    assert_eq!(bad["invitation"]["email"], seed::UNDELIVERABLE_EMAIL);
    assert!(bad["id"].as_str().is_some());
    let err = &bad["error"];
    for field in ["code", "message", "localizedMessage", "fixItUrl"] {
        assert!(
            err[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}"
        );
    }
    assert_eq!(err["innererror"]["code"], "accountVerificationRequired");
    assert!(err.get("innerError").is_none());
    // Both grants exist (the permission was created; only the mail failed).
    assert_eq!(emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len(), 3);
    // Without sending mail, there is nothing to fail.
    let mut quiet = body.clone();
    quiet["sendInvitation"] = json!(false);
    let resp = c.post(&q3_invite(), &quiet).await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn inviting_again_updates_the_same_permission() {
    let emu = start().await;
    let c = Client::new(&emu);
    let first = c
        .post(&q3_invite(), &invite_body(seed::LEE_EMAIL, &["read"]))
        .await
        .json();
    let before = emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID).len();
    let by_id = json!({
        "recipients": [{ "objectId": seed::LEE_USER_ID }],
        "roles": ["write"],
        "requireSignIn": true,
    });
    let second = c.post(&q3_invite(), &by_id).await.json();
    assert_eq!(first["value"][0]["id"], second["value"][0]["id"]);
    assert_eq!(second["value"][0]["roles"], json!(["write"]));
    let after = emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID);
    assert_eq!(after.len(), before);
    let lee = after
        .iter()
        .find(|p| p["id"] == first["value"][0]["id"])
        .unwrap();
    assert_eq!(lee["roles"], json!(["write"]));
}

#[tokio::test]
async fn retain_inherited_false_drops_inherited_permissions_on_first_share_only() {
    let emu = start().await;
    let c = Client::new(&emu);
    let inherited = emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID);
    assert_eq!(inherited.len(), 1);
    assert_eq!(inherited[0]["inheritedFrom"]["id"], seed::ME_DOCUMENTS_ID);
    assert_eq!(inherited[0]["inheritedFrom"]["driveId"], seed::ME_DRIVE_ID);
    assert!(inherited[0]["inheritedFrom"]["path"].as_str().is_some());

    // Default (retain) keeps them.
    let budget = format!(
        "{}/invite",
        item_path(seed::ME_DRIVE_ID, seed::ME_BUDGET_ID)
    );
    c.post(&budget, &invite_body(seed::LEE_EMAIL, &["read"]))
        .await;
    assert_eq!(
        emu.permissions(seed::ME_DRIVE_ID, seed::ME_BUDGET_ID).len(),
        2
    );

    let mut body = invite_body(seed::LEE_EMAIL, &["read"]);
    body["retainInheritedPermissions"] = json!(false);
    assert_eq!(c.post(&q3_invite(), &body).await.status, 200);
    let now = emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID);
    assert_eq!(now.len(), 1);
    assert!(now[0].get("inheritedFrom").is_none());
    // The parent's grant is untouched.
    assert_eq!(
        emu.permissions(seed::ME_DRIVE_ID, seed::ME_DOCUMENTS_ID)
            .len(),
        1
    );
}

#[tokio::test]
async fn app_only_tokens_cannot_use_me() {
    let emu = start().await;
    let token = common::token_request(&emu, seed::TENANT_ID, &common::good_form()).await;
    let token = token.json()["access_token"].as_str().unwrap().to_string();
    let c = Client::with_token(&emu, Some(&token));
    let resp = c
        .post(
            &format!("/me/drive/items/{}/invite", seed::ME_Q3_ID),
            &invite_body(seed::LEE_EMAIL, &["read"]),
        )
        .await;
    assert_eq!(resp.status, 400);
    let resp = c
        .post(&q3_invite(), &invite_body(seed::LEE_EMAIL, &["read"]))
        .await;
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_rejected() {
    let emu = start().await;
    let c = Client::new(&emu);
    assert_eq!(c.get("/me/messages").await.status, 400);
    assert_eq!(
        c.get("/v2.0/me/drive/items/x/permissions").await.status,
        400
    );
    let resp = c.get(&q3_invite()).await;
    assert_eq!(resp.status, 405);
}

/// An item with `existing` guest grants, `guest0@…` to `guest{existing-1}@…`.
fn tenant_with_grants(existing: usize) -> graph_emulator::Tenant {
    let mut tenant = graph_emulator::Tenant::default_tenant();
    let drive = tenant
        .drives
        .iter_mut()
        .find(|d| d.id == seed::ALEX_DRIVE_ID)
        .unwrap();
    let item = drive
        .items
        .iter_mut()
        .find(|i| i.id == seed::ALEX_PLAN_ID)
        .unwrap();
    item.permissions.extend((0..existing).map(|n| {
        json!({
            "id": format!("seeded-{n}"),
            "roles": ["read"],
            "invitation": { "email": format!("guest{n}@fabrikam.example"), "signInRequired": true },
        })
    }));
    tenant
}

#[tokio::test]
async fn a_big_invite_on_an_item_with_many_permissions_completes() {
    const EXISTING: usize = 5_000;
    const RECIPIENTS: usize = 1_000;
    let emu = graph_emulator::Emulator::builder()
        .tenant(tenant_with_grants(EXISTING))
        .start()
        .await
        .unwrap();
    let before = emu
        .permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
        .len();
    // Every other recipient already has a grant (found and updated), the
    // rest are new (appended).
    let recipients: Vec<Value> = (0..RECIPIENTS)
        .map(|n| {
            let guest = if n % 2 == 0 { n * 4 } else { EXISTING + n };
            json!({ "email": format!("Guest{guest}@Fabrikam.example") })
        })
        .collect();
    let body = json!({ "recipients": recipients, "roles": ["write"], "requireSignIn": true });
    let path = format!(
        "{}/invite",
        item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
    );
    let cost_before = emu.tenant().lookup_cost();
    let resp = Client::new(&emu).post(&path, &body).await;
    assert_eq!(resp.status, 200, "{}", resp.json());
    // Work, not time: the invite examined a few entries per recipient. A
    // scan of the item's permissions per recipient would be millions.
    let cost = emu.tenant().lookup_cost() - cost_before;
    assert!(
        cost <= 10 * RECIPIENTS as u64,
        "{cost} entries examined for {RECIPIENTS} recipients"
    );
    let value = resp.json()["value"].as_array().unwrap().clone();
    assert_eq!(value.len(), RECIPIENTS);
    for (n, perm) in value.iter().enumerate() {
        assert_eq!(perm["roles"], json!(["write"]), "{n}");
        if n % 2 == 0 {
            assert_eq!(perm["id"], format!("seeded-{}", n * 4), "{n}");
        }
    }
    let after = emu.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    assert_eq!(after.len(), before + RECIPIENTS / 2);
    // The lookups stay right after the change: get and delete find them.
    let client = Client::new(&emu);
    let new_id = value[1]["id"].as_str().unwrap();
    let one = client
        .get(&format!(
            "{}/permissions/{new_id}",
            item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
        ))
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(
        one.json()["invitation"]["email"],
        format!("Guest{}@Fabrikam.example", EXISTING + 1)
    );
    let gone = client
        .delete(&format!(
            "{}/permissions/seeded-0",
            item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
        ))
        .await;
    assert_eq!(gone.status, 204);
    let again = client.post(&path, &json!({
        "recipients": [{ "email": "guest0@fabrikam.example" }, { "email": format!("guest{}@fabrikam.example", EXISTING + 1) }],
        "roles": ["read"],
    })).await;
    assert_eq!(again.status, 200);
    let again = again.json();
    let ids: Vec<&str> = again["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_ne!(ids[0], "seeded-0", "a deleted grant is not found again");
    assert_eq!(
        ids[1], new_id,
        "a grant after the deleted one is still found"
    );
    assert_eq!(
        emu.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
            .len(),
        before + RECIPIENTS / 2
    );
}

#[tokio::test]
async fn the_logs_debug_shows_no_secret_after_a_token_request_and_an_invite() {
    let emu = start().await;
    let token = common::token_request(&emu, seed::TENANT_ID, &common::good_form()).await;
    assert_eq!(token.status, 200);
    let access_token = token.json()["access_token"].as_str().unwrap().to_owned();
    let mut client = Client::with_token(&emu, Some(&access_token));
    client.extra.push(("Retry-Attempt".into(), "1".into()));
    let mut body = invite_body(seed::LEE_EMAIL, &["read"]);
    body["password"] = json!("Tr0ub4dor&3");
    let path = format!(
        "{}/invite?tempauth=TEMPAUTH-SECRET&$top=1",
        item_path(seed::ME_DRIVE_ID, seed::ME_Q3_ID)
    );
    let resp = client.post(&path, &body).await;
    assert_eq!(resp.status, 200, "{}", resp.json());

    let log = emu.requests();
    assert_eq!(log.len(), 2);
    let shown = format!("{log:?}\n{log:#?}");
    for secret in [
        seed::CLIENT_SECRET,
        &common::urlencode(seed::CLIENT_SECRET),
        &access_token,
        "Tr0ub4dor",
        "TEMPAUTH-SECRET",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    // What tests read is still there, in the fields and in Debug.
    assert!(
        shown.contains("retry-attempt") && shown.contains("client_id"),
        "{shown}"
    );
    assert_eq!(log[1].retry_attempt(), Some(1));
    assert!(log[1].body.contains("Tr0ub4dor&3"));
    assert_eq!(
        log[1].header("authorization"),
        Some(format!("Bearer {access_token}").as_str())
    );
}

#[tokio::test]
async fn each_invitation_email_sent_is_counted_per_item_and_recipient_and_bounces_get_none() {
    let emu = start().await;
    let c = Client::new(&emu);
    let both = json!({
        "recipients": [{ "email": seed::LEE_EMAIL.to_uppercase() }, { "email": seed::UNDELIVERABLE_EMAIL }],
        "roles": ["read"],
        "requireSignIn": true,
        "sendInvitation": true,
    });
    assert_eq!(c.post(&q3_invite(), &both).await.status, 207);
    // The same grant again notifies again: Graph sends a mail per invite.
    assert_eq!(c.post(&q3_invite(), &both).await.status, 207);
    let silent = json!({
        "recipients": [{ "email": seed::EXTERNAL_EMAIL }],
        "roles": ["read"],
        "requireSignIn": true,
        "sendInvitation": false,
    });
    assert_eq!(c.post(&q3_invite(), &silent).await.status, 200);
    // A refused invite sends nothing.
    let refused = json!({ "recipients": [{ "email": seed::LEE_EMAIL }], "roles": ["owner"], "sendInvitation": true });
    assert_eq!(c.post(&q3_invite(), &refused).await.status, 400);

    let sent = emu.invitations_sent();
    let to_lee = (
        seed::ME_DRIVE_ID.to_owned(),
        seed::ME_Q3_ID.to_owned(),
        seed::LEE_EMAIL.to_lowercase(),
    );
    assert_eq!(sent.get(&to_lee), Some(&2), "{sent:?}");
    assert_eq!(
        sent.len(),
        1,
        "no mail to the bounced or the silent recipient: {sent:?}"
    );
}
