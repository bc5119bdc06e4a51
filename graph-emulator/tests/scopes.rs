//! Permissions carried in tokens and checked by each operation, over
//! loopback HTTP: delegated tokens get the requested scopes the app was
//! consented for (refresh keeps them or fewer), app-only tokens the roles
//! granted to the app, and an operation whose docs page lists none of them
//! answers 403 `accessDenied`, inside `$batch` too.

mod common;

use common::{Client, Resp, send, token_request, urlencode};
use graph_emulator::{EmulatorHandle, seed};
use serde_json::{Value, json};

/// Signs `user` in to `client_id` with the device code flow for `scope`:
/// the token endpoint's answer.
async fn device_sign_in(emu: &EmulatorHandle, client_id: &str, scope: &str) -> Value {
    let form = format!("client_id={client_id}&scope={}", urlencode(scope));
    let code = send(
        emu.addr(),
        "POST",
        &format!("/{}/oauth2/v2.0/devicecode", seed::TENANT_ID),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    )
    .await
    .json();
    assert!(emu.approve_device_code(code["user_code"].as_str().unwrap(), seed::ME_EMAIL));
    let form = format!(
        "grant_type={}&client_id={client_id}&device_code={}",
        urlencode("urn:ietf:params:oauth:grant-type:device_code"),
        urlencode(code["device_code"].as_str().unwrap())
    );
    let tokens = token_request(emu, seed::TENANT_ID, &form).await;
    assert_eq!(
        tokens.status,
        200,
        "{}",
        String::from_utf8_lossy(&tokens.body)
    );
    tokens.json()
}

async fn refresh(emu: &EmulatorHandle, refresh_token: &str, scope: Option<&str>) -> Value {
    let mut form = format!(
        "grant_type=refresh_token&client_id={}&refresh_token={}",
        seed::CLIENT_ID,
        urlencode(refresh_token)
    );
    if let Some(scope) = scope {
        form.push_str(&format!("&scope={}", urlencode(scope)));
    }
    let tokens = token_request(emu, seed::TENANT_ID, &form).await;
    assert_eq!(
        tokens.status,
        200,
        "{}",
        String::from_utf8_lossy(&tokens.body)
    );
    tokens.json()
}

/// A client-credentials token for `client_id`.
async fn app_token(emu: &EmulatorHandle, client_id: &str, secret: &str) -> String {
    let form = format!(
        "grant_type=client_credentials&client_id={client_id}&client_secret={}&scope={}",
        urlencode(secret),
        urlencode(seed::GRAPH_SCOPE)
    );
    let tokens = token_request(emu, seed::TENANT_ID, &form).await;
    assert_eq!(tokens.status, 200);
    tokens.json()["access_token"].as_str().unwrap().to_string()
}

/// The claims of an emulator token (its middle part, base64url JSON).
fn claims(token: &str) -> Value {
    let middle = token.split('.').nth(1).unwrap();
    let mut bits = 0u32;
    let mut n = 0;
    let mut bytes = Vec::new();
    for c in middle.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            _ => 63,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            bytes.push((bits >> n) as u8);
        }
    }
    serde_json::from_slice(&bytes).unwrap()
}

/// Graph's 403: `accessDenied`, the ids in `innerError`.
fn assert_access_denied(resp: &Resp) {
    assert_eq!(resp.status, 403, "{}", String::from_utf8_lossy(&resp.body));
    let json = resp.json();
    assert_eq!(json["error"]["code"], "accessDenied", "{json}");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("The caller doesn't have permission to perform the action."),
        "{message}"
    );
    let inner = &json["error"]["innerError"];
    for id in ["request-id", "client-request-id", "date"] {
        assert!(inner[id].as_str().is_some_and(|s| !s.is_empty()), "{json}");
    }
    assert_eq!(resp.header("request-id"), inner["request-id"].as_str());
}

fn q3() -> String {
    format!("/me/drive/items/{}", seed::ME_Q3_ID)
}

fn invite_body() -> Value {
    json!({
        "recipients": [{ "email": seed::LEE_EMAIL }],
        "roles": ["read"],
        "requireSignIn": true,
        "sendInvitation": false
    })
}

/// Every operation served, with a read or a write of each; run with a
/// delegated `Files.Read` token, reads answer as usual and writes 403.
#[tokio::test]
async fn a_files_read_sign_in_reads_and_every_write_is_refused() {
    let emu = common::start().await;
    // A link to resolve through /shares, made with the seed's full token.
    let full = Client::new(&emu);
    let link = full
        .post(
            &format!("{}/createLink", q3()),
            &json!({ "type": "view", "scope": "anonymous" }),
        )
        .await;
    assert_eq!(link.status, 201);
    let share = link.json()["shareId"].as_str().unwrap().to_string();
    let grant = seed::ME_INHERITED_GRANT_ID;

    let tokens = device_sign_in(&emu, seed::CLIENT_ID, "Files.Read offline_access openid").await;
    assert_eq!(tokens["scope"], "Files.Read");
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(claims(access)["scp"], "Files.Read");
    let reader = Client::with_token(&emu, Some(access));

    let reads = [
        "/me/drive/root/children".to_owned(),
        format!("{}/children", q3()),
        format!("{}/permissions", q3()),
        format!("{}/permissions/$count", q3()),
        format!("{}/permissions/{grant}", q3()),
    ];
    for path in &reads {
        let resp = reader.get(path).await;
        assert_eq!(resp.status, 200, "GET {path}");
    }
    let writes = [
        ("POST", format!("{}/invite", q3()), Some(invite_body())),
        (
            "POST",
            format!("{}/createLink", q3()),
            Some(json!({ "type": "edit", "scope": "anonymous" })),
        ),
        (
            "POST",
            format!("{}/permissions", q3()),
            Some(json!({ "roles": ["read"] })),
        ),
        (
            "PATCH",
            format!("{}/permissions/{grant}", q3()),
            Some(json!({ "roles": ["write"] })),
        ),
        ("DELETE", format!("{}/permissions/{grant}", q3()), None),
        // The shares page lists only read-write permissions, for a GET too.
        ("GET", format!("/shares/{share}"), None),
        ("GET", format!("/shares/{share}/driveItem"), None),
        ("GET", format!("/shares/{share}/permission"), None),
        (
            "POST",
            format!("/shares/{share}/permission/grant"),
            Some(json!({ "recipients": [{ "email": seed::LEE_EMAIL }], "roles": ["read"] })),
        ),
    ];
    let before = emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID);
    for (method, path, body) in &writes {
        let resp = reader.call(method, path, body.as_ref()).await;
        assert_access_denied(&resp);
    }
    assert_eq!(
        emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID),
        before,
        "nothing refused ran"
    );
    // The same requests with the full token pass the check.
    for (method, path, body) in &writes {
        let resp = full.call(method, path, body.as_ref()).await;
        assert_ne!(resp.status, 403, "{method} {path}");
    }
}

#[tokio::test]
async fn delegated_tokens_carry_only_consented_scopes_and_default_means_all_of_them() {
    let emu = common::start().await;
    let all = device_sign_in(&emu, seed::CLIENT_ID, seed::GRAPH_SCOPE).await;
    assert_eq!(
        all["scope"],
        "Files.Read Files.Read.All Files.ReadWrite Files.ReadWrite.All Sites.Read.All Sites.ReadWrite.All"
    );
    // The resource prefix is Graph's; a scope the app was not consented
    // for is left out.
    let asked = "https://graph.microsoft.com/Files.ReadWrite Files.Read Mail.Send";
    let narrow = device_sign_in(&emu, seed::READ_ONLY_CLIENT_ID, asked).await;
    assert_eq!(narrow["scope"], "Files.Read");
    let writer = device_sign_in(&emu, seed::CLIENT_ID, asked).await;
    assert_eq!(writer["scope"], "Files.ReadWrite Files.Read");
    let writer = Client::with_token(&emu, writer["access_token"].as_str());
    let resp = writer
        .post(&format!("{}/invite", q3()), &invite_body())
        .await;
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    // Files.ReadWrite is "the signed-in user's files": Megan's drive by any
    // address, and no one else's.
    let megan_by_id = common::item_path(seed::ME_DRIVE_ID, seed::ME_BUDGET_ID);
    let resp = writer.get(&format!("{megan_by_id}/permissions")).await;
    assert_eq!(resp.status, 200);
    let alex = common::item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let resp = writer.post(&format!("{alex}/invite"), &invite_body()).await;
    assert_access_denied(&resp);
    assert!(
        resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("own files only")
    );
    let group = format!(
        "/groups/{}/drive/items/{}",
        seed::GROUP_ID,
        seed::GROUP_LAUNCH_ID
    );
    assert_access_denied(&writer.get(&format!("{group}/permissions")).await);
    // With a `.All` permission, the same requests pass.
    let all = device_sign_in(&emu, seed::CLIENT_ID, "Files.ReadWrite.All").await;
    let all = Client::with_token(&emu, all["access_token"].as_str());
    assert_eq!(
        all.post(&format!("{alex}/invite"), &invite_body())
            .await
            .status,
        200
    );
    assert_eq!(all.get(&format!("{group}/permissions")).await.status, 200);
}

#[tokio::test]
async fn a_refresh_keeps_the_scopes_or_fewer_and_never_more() {
    let emu = common::start().await;
    let first = device_sign_in(
        &emu,
        seed::CLIENT_ID,
        "Files.Read Files.ReadWrite offline_access",
    )
    .await;
    assert_eq!(first["scope"], "Files.Read Files.ReadWrite");
    let same = refresh(&emu, first["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(same["scope"], "Files.Read Files.ReadWrite");
    assert_eq!(
        claims(same["access_token"].as_str().unwrap())["scp"],
        "Files.Read Files.ReadWrite"
    );
    let fewer = refresh(
        &emu,
        same["refresh_token"].as_str().unwrap(),
        Some("Files.Read Files.ReadWrite.All offline_access"),
    )
    .await;
    assert_eq!(
        fewer["scope"], "Files.Read",
        "ReadWrite.All was never granted"
    );
    let reader = Client::with_token(&emu, fewer["access_token"].as_str());
    assert_access_denied(
        &reader
            .post(&format!("{}/invite", q3()), &invite_body())
            .await,
    );
    assert_eq!(
        reader.get(&format!("{}/permissions", q3())).await.status,
        200
    );
    // The refresh token that came back stands for what the first one did
    // (RFC 6749 §6: "the refresh token scope MUST be identical to that of
    // the refresh token included by the client in the request"): a narrowed
    // access token does not narrow the sign-in.
    let again = refresh(
        &emu,
        fewer["refresh_token"].as_str().unwrap(),
        Some(seed::GRAPH_SCOPE),
    )
    .await;
    assert_eq!(again["scope"], "Files.Read Files.ReadWrite");
    // Asked without offline_access, a refresh still rotates: a new refresh
    // token comes back, and the one sent is spent (the emulator's rotation).
    let narrow = refresh(
        &emu,
        again["refresh_token"].as_str().unwrap(),
        Some("Files.Read"),
    )
    .await;
    assert_eq!(narrow["scope"], "Files.Read");
    let rotated = narrow["refresh_token"]
        .as_str()
        .expect("a refresh answers a new refresh token");
    let last = refresh(&emu, rotated, None).await;
    assert_eq!(last["scope"], "Files.Read Files.ReadWrite", "never more");
}

#[tokio::test]
async fn app_only_tokens_carry_the_roles_granted_to_the_app() {
    let emu = common::start().await;
    let reader = app_token(
        &emu,
        seed::READ_ONLY_CLIENT_ID,
        seed::READ_ONLY_CLIENT_SECRET,
    )
    .await;
    assert_eq!(claims(&reader)["roles"], json!(["Files.Read.All"]));
    let full = app_token(&emu, seed::CLIENT_ID, seed::CLIENT_SECRET).await;
    assert_eq!(
        claims(&full)["roles"],
        json!(seed::CLIENT_APPLICATION_PERMISSIONS)
    );
    let item = common::item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let reader = Client::with_token(&emu, Some(&reader));
    assert_eq!(reader.get(&format!("{item}/permissions")).await.status, 200);
    let resp = reader.post(&format!("{item}/invite"), &invite_body()).await;
    assert_access_denied(&resp);
    assert!(
        resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("application permissions Files.ReadWrite.All, Sites.ReadWrite.All; the token's roles has Files.Read.All")
    );
    let full = Client::with_token(&emu, Some(&full));
    assert_eq!(
        full.post(&format!("{item}/invite"), &invite_body())
            .await
            .status,
        200
    );

    // The managed identity's tokens carry its seeded roles too.
    let msi = send(
        emu.addr(),
        "GET",
        "/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fgraph.microsoft.com",
        &[("X-IDENTITY-HEADER", seed::IDENTITY_HEADER)],
        None,
    )
    .await
    .json();
    let msi = msi["access_token"].as_str().unwrap();
    assert_eq!(
        claims(msi)["roles"],
        json!(["Files.ReadWrite.All", "Sites.ReadWrite.All"])
    );
    let msi = Client::with_token(&emu, Some(msi));
    assert_eq!(
        msi.post(&format!("{item}/invite"), &invite_body())
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn inside_a_batch_each_request_is_checked_on_its_own() {
    let emu = common::start().await;
    let reader = app_token(
        &emu,
        seed::READ_ONLY_CLIENT_ID,
        seed::READ_ONLY_CLIENT_SECRET,
    )
    .await;
    let reader = Client::with_token(&emu, Some(&reader));
    let item = common::item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let batch = json!({ "requests": [
        { "id": "1", "method": "GET", "url": format!("{item}/permissions") },
        { "id": "2", "method": "POST", "url": format!("{item}/invite"),
          "headers": { "Content-Type": "application/json" }, "body": invite_body() },
        { "id": "3", "method": "POST", "url": format!("{item}/invite"), "dependsOn": ["2"],
          "headers": { "Content-Type": "application/json" }, "body": invite_body() },
    ]});
    let before = emu.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let resp = reader.post("/$batch", &batch).await;
    assert_eq!(resp.status, 200, "the batch itself needs no permission");
    assert_eq!(
        emu.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
        before,
        "nothing refused ran"
    );
    let json = resp.json();
    let answer = |id: &str| {
        json["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(answer("1")["status"], 200);
    let denied = answer("2");
    assert_eq!(denied["status"], 403);
    assert_eq!(denied["body"]["error"]["code"], "accessDenied");
    // The refused request's own ids: neither the batch's nor another's.
    let own = denied["body"]["error"]["innerError"]["request-id"]
        .as_str()
        .unwrap();
    assert_ne!(resp.header("request-id"), Some(own));
    let logged: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.request_id == own)
        .collect();
    assert_eq!(logged.len(), 1, "one request has that id");
    assert_eq!(logged[0].status, 403);
    assert!(logged[0].path.ends_with("/invite"), "{:?}", logged[0].path);
    assert_eq!(answer("3")["status"], 424, "its dependant fails after it");
}

/// Ways of spelling one invite: case, a trailing slash, a percent-encoded
/// action, the path forms and the other owners' aliases of the same drive.
fn spellings(drive: &str, owner: &str, item: &str, path: &str) -> Vec<String> {
    vec![
        format!("/drives/{drive}/items/{item}/invite"),
        format!("/DRIVES/{drive}/ITEMS/{item}/INVITE"),
        format!("/drives/{drive}/items/{item}/invite/"),
        format!("/drives/{drive}/items/{item}/%69nvite"),
        format!("/drives/{drive}/root:/{path}:/invite"),
        format!("/users/{owner}/drive/items/{item}/invite"),
        format!("/Users/{owner}/Drive/root:/{path}:/invite"),
        format!("/drives/{drive}/items/root:/{path}:/invite"),
    ]
}

/// However the request is spelled, outside or inside `$batch`, a token
/// lacking the permission is refused and nothing changes; the full token is
/// served every one of them, so the refusals are the check's, not 400s for
/// a spelling the emulator does not know.
#[tokio::test]
async fn no_spelling_of_an_operation_gets_past_the_check() {
    let emu = common::start().await;
    let reader = device_sign_in(&emu, seed::CLIENT_ID, "Files.Read").await;
    let reader = Client::with_token(&emu, reader["access_token"].as_str());
    let own = device_sign_in(&emu, seed::CLIENT_ID, "Files.ReadWrite").await;
    let own = Client::with_token(&emu, own["access_token"].as_str());
    let megans = spellings(
        seed::ME_DRIVE_ID,
        seed::ME_USER_ID,
        seed::ME_Q3_ID,
        seed::ME_Q3_PATH,
    );
    let mut megans_aliases = megans.clone();
    megans_aliases.extend([
        format!("/me/drive/items/{}/invite", seed::ME_Q3_ID),
        format!("/ME/Drive/root:/{}:/invite", seed::ME_Q3_PATH),
        format!("/drive/items/{}/invite", seed::ME_Q3_ID),
    ]);
    let alexs = spellings(
        seed::ALEX_DRIVE_ID,
        seed::ALEX_USER_ID,
        seed::ALEX_PLAN_ID,
        seed::ALEX_PLAN_PATH,
    );
    let cases: Vec<(&Client, &String)> = megans_aliases
        .iter()
        .map(|path| (&reader, path))
        .chain(alexs.iter().map(|path| (&own, path)))
        .collect();

    let state = || {
        (
            emu.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID),
            emu.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
        )
    };
    let before = state();
    for (client, path) in &cases {
        let resp = client.post(path, &invite_body()).await;
        assert!(resp.status >= 400, "POST {path}: {}", resp.status);
        // A batched request's url is relative, with or without its slash.
        for url in [path.to_string(), path.trim_start_matches('/').to_string()] {
            let batch = json!({ "requests": [{
                "id": "1", "method": "post", "url": url,
                "headers": { "Content-Type": "application/json" }, "body": invite_body()
            }]});
            let resp = client.post("/$batch", &batch).await;
            let status = &resp.json()["responses"][0]["status"];
            assert!(status.as_u64().unwrap() >= 400, "batched {url}: {status}");
        }
    }
    assert_eq!(state(), before, "nothing refused ran");

    for (client, path) in &cases {
        let served = Client::new(&emu).post(path, &invite_body()).await;
        assert_eq!(served.status, 200, "POST {path} with the full token");
        assert_access_denied(&client.post(path, &invite_body()).await);
    }
}

/// A managed identity granted nothing gets a token without a `roles` claim
/// (as the client credentials flow leaves it out for an app granted
/// nothing; the access token claims reference: `roles` is present when
/// permissions were granted), and every operation answers 403.
#[tokio::test]
async fn a_managed_identity_granted_nothing_carries_no_roles_and_is_denied() {
    let mut tenant = graph_emulator::Tenant::default_tenant();
    tenant.managed_identity_permissions.clear();
    let emu = graph_emulator::Emulator::builder()
        .tenant(tenant)
        .start()
        .await
        .unwrap();
    let msi = send(
        emu.addr(),
        "GET",
        "/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fgraph.microsoft.com",
        &[("X-IDENTITY-HEADER", seed::IDENTITY_HEADER)],
        None,
    )
    .await
    .json();
    let msi = msi["access_token"].as_str().unwrap();
    let claims = claims(msi);
    assert_eq!(claims["idtyp"], "app");
    assert!(claims.get("roles").is_none(), "{claims}");
    let item = common::item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let resp = Client::with_token(&emu, Some(msi))
        .get(&format!("{item}/permissions"))
        .await;
    assert_access_denied(&resp);
    assert!(
        resp.json()["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("roles has none.")
    );
}

/// `Files.ReadWrite` alone is "the signed-in user's files" (permissions
/// reference), through `/shares` too: a link to the user's own item
/// resolves and grants, a link to someone else's item is refused (OneDrive's
/// "List items shared with the signed-in user": "without one of the All
/// permissions, shared items ... will not be accessible"), and nothing
/// changes, not even a redemption.
#[tokio::test]
async fn an_own_files_token_reaches_through_shares_only_the_users_own_items() {
    let emu = common::start().await;
    let full = Client::new(&emu);
    let link = |path: String| {
        let full = &full;
        async move {
            let made = full
                .post(
                    &format!("{path}/createLink"),
                    &json!({ "type": "view", "scope": "anonymous" }),
                )
                .await;
            assert_eq!(made.status, 201, "{}", String::from_utf8_lossy(&made.body));
            made.json()["shareId"].as_str().unwrap().to_string()
        }
    };
    let megans = link(q3()).await;
    let alexs = link(common::item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)).await;
    let own = device_sign_in(&emu, seed::CLIENT_ID, "Files.ReadWrite").await;
    let own = Client::with_token(&emu, own["access_token"].as_str());
    let grant = json!({ "recipients": [{ "email": seed::LEE_EMAIL }], "roles": ["read"] });

    assert_eq!(
        own.get(&format!("/shares/{megans}/driveItem")).await.status,
        200
    );
    let granted = own
        .post(&format!("/shares/{megans}/permission/grant"), &grant)
        .await;
    assert_eq!(
        granted.status,
        200,
        "{}",
        String::from_utf8_lossy(&granted.body)
    );

    let before = emu.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID);
    let mut redeeming = Client::with_token(&emu, own.token.as_deref());
    redeeming
        .extra
        .push(("Prefer".into(), "redeemSharingLink".into()));
    for path in ["", "/driveItem", "/permission"] {
        let resp = redeeming.get(&format!("/shares/{alexs}{path}")).await;
        assert_access_denied(&resp);
        assert!(
            resp.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("own files only"),
            "{path}"
        );
    }
    assert_access_denied(
        &own.post(&format!("/shares/{alexs}/permission/grant"), &grant)
            .await,
    );
    assert_eq!(
        emu.permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
        before,
        "nothing refused ran"
    );
    // With a `.All` permission, the same link resolves.
    let all = device_sign_in(&emu, seed::CLIENT_ID, "Files.ReadWrite.All").await;
    let all = Client::with_token(&emu, all["access_token"].as_str());
    assert_eq!(
        all.get(&format!("/shares/{alexs}/driveItem")).await.status,
        200
    );
}

/// `/me` and `/drive` name no drive for an app-only token: Graph answers
/// 400 ("/me request is only valid with delegated authentication flow")
/// before any permission comes into it, for an app granted the operation's
/// permission or not.
#[tokio::test]
async fn me_with_an_app_token_is_a_bad_request_whatever_the_roles() {
    let emu = common::start().await;
    let reader = app_token(
        &emu,
        seed::READ_ONLY_CLIENT_ID,
        seed::READ_ONLY_CLIENT_SECRET,
    )
    .await;
    let full = app_token(&emu, seed::CLIENT_ID, seed::CLIENT_SECRET).await;
    for token in [&reader, &full] {
        let app = Client::with_token(&emu, Some(token));
        for path in [
            format!("{}/invite", q3()),
            format!("/drive/items/{}/invite", seed::ME_Q3_ID),
        ] {
            let resp = app.post(&path, &invite_body()).await;
            assert_eq!(
                resp.status,
                400,
                "{path}: {}",
                String::from_utf8_lossy(&resp.body)
            );
            let message = resp.json()["error"]["message"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(
                message.starts_with("/me request is only valid"),
                "{message}"
            );
        }
    }
}
