//! Permissions end to end over loopback: a sign-in or an app whose token
//! lacks the permission an operation needs gets Graph's 403 `accessDenied`
//! as a typed error (`Error::is_access_denied`), with its request-id, sent
//! once (no retry, no new token); in `$batch` and bulk runs only the refused
//! requests fail; a token with `Files.ReadWrite.All` works on every form.

use std::sync::Arc;

use graph_core::bulk::{ShareJob, ShareOutcome};
use graph_core::drive::ItemLocator;
use graph_core::{Client, Error};
use graph_emulator::{EmulatorHandle, LoggedRequest, seed};
use tests::sign_in::{approve_as, device_code_for, emulator, sign_ins_started, signed_in_client};
use tests::{
    alex_plan, app_client, app_client_for, batch_inner_requests, every_form, graph_requests,
    invite_to, token_requests,
};

/// A client signed in as Megan with the device code flow for `scopes`.
fn megan_with(emulator: &Arc<EmulatorHandle>, scopes: &[&str]) -> Client {
    let approve = approve_as(emulator, seed::ME_EMAIL);
    let (sign_in, _) = device_code_for(emulator, scopes.iter().copied(), "megan", approve);
    signed_in_client(emulator, Arc::new(sign_in))
}

/// The value of `name` in a form-encoded body, decoded.
fn form_value(body: &str, name: &str) -> Option<String> {
    let raw = body
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `err` is Graph's 403 for a missing permission, answered to the one
/// request in `log`, and reported with that request's id.
fn assert_denied_once(err: &Error, log: &[LoggedRequest]) {
    assert!(err.is_access_denied(), "{err:?}");
    assert!(matches!(err, Error::Graph(_)), "not an auth error: {err:?}");
    assert_eq!(
        (err.status(), err.code()),
        (Some(403), Some("accessDenied"))
    );
    assert!(!err.is_retryable() && !err.is_fate_unknown());
    assert_eq!(err.attempts(), Some(1), "not retried");
    assert_eq!(log.len(), 1, "sent once: {log:?}");
    assert_eq!(log[0].status, 403);
    assert_eq!(err.request_id(), Some(log[0].request_id.as_str()));
    let shown = err.to_string();
    assert!(shown.contains("403 accessDenied"), "{shown}");
    assert!(shown.contains(&log[0].request_id), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn a_files_read_sign_in_lists_permissions_and_its_invite_is_denied_once() {
    let emulator = emulator().await;
    let approve = approve_as(&emulator, seed::ME_EMAIL);
    let (sign_in, _) = device_code_for(&emulator, ["Files.Read"], "megan", approve);
    // What is asked for is what the token store files it under.
    assert_eq!(
        sign_in.store_key().scopes(),
        ["Files.Read", "offline_access"]
    );
    let client = signed_in_client(&emulator, Arc::new(sign_in));
    let item = ItemLocator::me(seed::ME_Q3_ID);
    let listed = client.send(&item.list_permissions(None)).await.unwrap();
    assert!(!listed.value.is_empty());
    let started = sign_ins_started(&emulator);
    assert_eq!(started.len(), 1);
    assert_eq!(
        form_value(&started[0].body, "scope").as_deref(),
        Some("Files.Read offline_access"),
        "the scopes asked for are the ones sent"
    );

    emulator.clear_requests();
    let before = emulator.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID);
    let err = client
        .send(&item.invite(invite_to(seed::LEE_EMAIL)))
        .await
        .unwrap_err();
    assert_denied_once(&err, &graph_requests(&emulator));
    assert!(err.message().unwrap().contains("Files.ReadWrite"), "{err}");
    assert!(
        token_requests(&emulator).is_empty(),
        "no new token was asked for"
    );
    assert_eq!(
        emulator.permissions(seed::ME_DRIVE_ID, seed::ME_Q3_ID),
        before
    );
}

#[tokio::test]
async fn an_app_granted_only_files_read_all_lists_permissions_and_its_invite_is_denied_once() {
    let emulator = emulator().await;
    let client = app_client_for(
        &emulator,
        seed::READ_ONLY_CLIENT_ID,
        seed::READ_ONLY_CLIENT_SECRET,
    );
    let listed = client
        .send(&alex_plan().list_permissions(None))
        .await
        .unwrap();
    assert!(!listed.value.is_empty());
    emulator.clear_requests();
    let err = client
        .send(&alex_plan().invite(invite_to(seed::ADELE_EMAIL)))
        .await
        .unwrap_err();
    assert_denied_once(&err, &graph_requests(&emulator));
    assert!(
        err.message().unwrap().contains("roles has Files.Read.All"),
        "{err}"
    );
    assert!(
        token_requests(&emulator).is_empty(),
        "no new token was asked for"
    );
}

/// Megan's items and Alex's, alternating: a `Files.ReadWrite` sign-in
/// reaches only the signed-in user's files.
fn mixed_items() -> Vec<(ItemLocator, bool)> {
    vec![
        (ItemLocator::me(seed::ME_Q3_ID), true),
        (alex_plan(), false),
        (
            ItemLocator::drive(seed::ME_DRIVE_ID, seed::ME_BUDGET_ID),
            true,
        ),
        (
            ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID),
            false,
        ),
        (ItemLocator::me_path(seed::ME_PHOTO_PATH), true),
    ]
}

#[tokio::test(start_paused = true)]
async fn in_batch_and_bulk_runs_denied_requests_fail_alone_and_the_rest_succeed() {
    let emulator = emulator().await;
    let client = megan_with(&emulator, &["Files.ReadWrite"]);

    // send_all: one `$batch`, one result per request in order.
    let items = mixed_items();
    let invites = items
        .iter()
        .map(|(item, _)| item.invite(invite_to(seed::LEE_EMAIL)));
    let results = client.send_all(invites).await;
    assert_eq!(results.len(), items.len());
    for ((item, allowed), result) in items.iter().zip(&results) {
        match result {
            Ok(granted) => assert!(*allowed, "{item:?}: {granted:?}"),
            Err(err) => {
                assert!(!allowed, "{item:?}: {err}");
                assert!(err.is_access_denied(), "{item:?}: {err:?}");
                assert!(err.request_id().is_some());
            }
        }
    }

    // Bulk: Failed per refused input, never Unknown, each sent once.
    emulator.clear_requests();
    let jobs = mixed_items()
        .into_iter()
        .map(|(item, _)| ShareJob::new(item, invite_to(seed::ADELE_EMAIL)));
    let report = client.bulk_share(jobs).run().await;
    assert_eq!(report.jobs.len(), 5);
    assert_eq!(
        (report.granted(), report.failed(), report.unknown()),
        (3, 2, 0)
    );
    for (job, (_, allowed)) in report.jobs.iter().zip(mixed_items()) {
        assert_eq!(job.attempts, 1, "{:?}", job.item);
        match &job.outcome {
            ShareOutcome::Granted(_) => assert!(allowed, "{:?}", job.item),
            ShareOutcome::Failed(err) => {
                assert!(!allowed, "{:?}", job.item);
                assert!(err.is_access_denied(), "{err:?}");
            }
            other => panic!("{:?}: {other:?}", job.item),
        }
    }
    let inner = batch_inner_requests(&emulator);
    assert_eq!(inner.len(), 5, "each job sent once");
    assert_eq!(inner.iter().filter(|r| r.status == 403).count(), 2);
    assert!(token_requests(&emulator).is_empty());
}

#[tokio::test(start_paused = true)]
async fn files_readwrite_all_works_on_every_address_form() {
    let emulator = emulator().await;
    let delegated = megan_with(
        &emulator,
        &["https://graph.microsoft.com/Files.ReadWrite.All"],
    );
    let app = app_client(&emulator, seed::CLIENT_SECRET);
    for form in every_form() {
        let item = &form.locator;
        let listed = delegated.send(&item.list_permissions(None)).await;
        assert!(listed.is_ok(), "{item:?}: {listed:?}");
        let granted = delegated
            .send(&item.invite(invite_to(seed::LEE_EMAIL)))
            .await;
        assert!(granted.is_ok(), "{item:?}: {granted:?}");
        if !form.signed_in_user {
            let granted = app.send(&item.invite(invite_to(seed::ADELE_EMAIL))).await;
            assert!(granted.is_ok(), "app on {item:?}: {granted:?}");
        }
        let stored = emulator.permissions(form.drive_id, form.item_id);
        assert!(
            stored
                .iter()
                .any(|p| p.to_string().contains(seed::LEE_EMAIL)),
            "{item:?}"
        );
    }
    assert!(
        graph_requests(&emulator).iter().all(|r| r.status != 403),
        "nothing was denied"
    );
}
