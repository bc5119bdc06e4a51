//! What `Emulator::builder()` accepts: any duration without a panic, a
//! tenant only when it is consistent, a bounded request log.

mod common;

use std::io::ErrorKind;
use std::time::Duration;

use common::{Client, good_form, item_path, token_request};
use graph_emulator::{Emulator, Item, MAX_TOKEN_LIFETIME, Tenant, seed};

#[tokio::test]
async fn the_longest_token_lifetime_saturates_instead_of_panicking() {
    for lifetime in [
        Duration::MAX,
        Duration::from_secs(u64::MAX),
        MAX_TOKEN_LIFETIME * 2,
        Duration::from_secs(7 * 24 * 3600),
    ] {
        let emu = Emulator::builder()
            .token_lifetime(lifetime)
            .start()
            .await
            .unwrap();
        let resp = token_request(&emu, seed::TENANT_ID, &good_form()).await;
        assert_eq!(resp.status, 200, "{lifetime:?}");
        assert_eq!(resp.json()["expires_in"], MAX_TOKEN_LIFETIME.as_secs());
        // One day, the longest lifetime Microsoft lets a policy configure.
        assert_eq!(resp.json()["expires_in"], 86_400);
        // The token works.
        let token = resp.json()["access_token"].as_str().unwrap().to_owned();
        let path = format!(
            "{}/permissions",
            item_path(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
        );
        let list = Client::with_token(&emu, Some(&token)).get(&path).await;
        assert_eq!(list.status, 200, "{lifetime:?}");
    }
}

fn folder(id: &str, parent: &str) -> Item {
    Item {
        id: id.into(),
        name: id.into(),
        parent_id: Some(parent.into()),
        folder: true,
        permissions: Vec::new(),
        inheritance_broken: false,
    }
}

#[tokio::test]
async fn a_tenant_with_a_parent_cycle_is_refused_at_start() {
    let mut tenant = Tenant::default_tenant();
    tenant.drives[0].items.push(folder("CYCLE-A", "CYCLE-B"));
    tenant.drives[0].items.push(folder("CYCLE-B", "CYCLE-A"));
    let err = Emulator::builder()
        .tenant(tenant)
        .start()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let text = err.to_string();
    assert!(text.contains("cycle") && text.contains("CYCLE-A"), "{text}");
}

#[tokio::test]
async fn a_tenant_with_a_missing_parent_or_a_duplicate_id_is_refused_at_start() {
    let mut missing = Tenant::default_tenant();
    missing.drives[0].items.push(folder("ORPHAN", "NOWHERE"));
    let mut duplicate = Tenant::default_tenant();
    let copy = duplicate.drives[0].items[1].clone();
    duplicate.drives[0].items.push(copy);
    for (tenant, expected) in [
        (missing, "unknown parent"),
        (duplicate, "duplicate item id"),
    ] {
        let err = Emulator::builder()
            .tenant(tenant)
            .start()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains(expected), "{err}");
    }
}

#[tokio::test]
async fn the_request_log_keeps_the_latest_entries_only() {
    let emu = Emulator::builder().log_capacity(3).start().await.unwrap();
    let client = Client::new(&emu);
    for n in 0..5 {
        client
            .get(&format!(
                "/drives/{}/items/n{n}/permissions",
                seed::ME_DRIVE_ID
            ))
            .await;
    }
    let log = emu.requests();
    let paths: Vec<_> = log
        .iter()
        .map(|r| r.path.rsplit('/').nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["n2", "n3", "n4"]);
    assert_eq!(log[0].seq, 2);
    assert!(log.iter().all(|r| r.status == 404));
    // The ring says how many it let go; clearing is not dropping.
    assert_eq!(emu.dropped_requests(), 2);
    emu.clear_requests();
    assert_eq!(emu.dropped_requests(), 2);
}

/// A `$batch` whose inner `url` is absolute is refused; the refused entry is
/// logged with its query apart from its path, and neither the outer entry's
/// body nor the inner entry shows a query value in `Debug`.
#[tokio::test]
async fn batch_urls_never_show_their_query_secrets_in_the_log() {
    let emu = Emulator::builder().start().await.unwrap();
    let download = "https://contoso-my.sharepoint.com/personal/x/_layouts/15/download.aspx?UniqueId=1&tempauth=TEMPAUTH-SECRET";
    let relative = format!(
        "/drives/{}/items/{}/permissions?$top=5&sig=SAS-SIG",
        seed::ME_DRIVE_ID,
        seed::ME_ROOT_ID
    );
    let batch = serde_json::json!({"requests": [
        {"id": "1", "method": "GET", "url": download},
        {"id": "2", "method": "GET", "url": relative},
    ]});
    let resp = Client::new(&emu).post("/$batch", &batch).await;
    assert_eq!(resp.status, 200, "{}", resp.json());
    let log = emu.requests();
    assert_eq!(log.len(), 3, "{log:?}");
    let refused = log
        .iter()
        .find(|r| r.is_batch_inner() && r.status == 400)
        .expect("the absolute url is refused");
    assert!(!refused.path.contains('?'), "{}", refused.path);
    assert!(refused.query.contains("tempauth"), "{}", refused.query);
    let shown = format!("{log:?} {log:#?}");
    for secret in ["TEMPAUTH-SECRET", "SAS-SIG", "UniqueId=1"] {
        assert!(!shown.contains(secret), "{secret}: {shown}");
    }
    assert!(shown.contains("download.aspx"), "{shown}");
}
