//! `$batch` end to end: mixed endpoint types in one call, results in input
//! order, throttled inner answers sent again, and malformed replies as typed
//! errors that lose no input.

use graph_core::batch::Batch;
use graph_core::drive::{InviteResponse, ItemLocator, PermissionUpdate, Role};
use graph_core::retry::RetryPolicy;
use graph_core::{BatchError, Client, Error, ToRequest};
use graph_emulator::{EmulatorHandle, Injection, seed};
use serde_json::{Value, json};
use tests::scripted::{ScriptedServer, raw};
use tests::{
    Setup, alex_plan, batch_inner_requests as inner_requests, batch_requests, invite_to,
    quick_retries,
};

async fn start() -> (EmulatorHandle, Client) {
    Setup::new().retry_policy(quick_retries()).start().await
}

#[tokio::test]
async fn endpoints_of_different_types_share_one_batch_and_fail_alone() {
    let (emulator, client) = start().await;
    let item = alex_plan();
    let mut batch = Batch::new();
    let invite = batch.add(&item.invite(invite_to(seed::LEE_EMAIL))).unwrap();
    let listing = batch
        .add(&ItemLocator::group(seed::GROUP_ID, seed::GROUP_LAUNCH_ID).list_permissions(None))
        .unwrap();
    let missing = batch.add(&item.permission("no-such-permission")).unwrap();
    let revoke = batch
        .add(&ItemLocator::me(seed::ME_DOCUMENTS_ID).delete_permission(seed::ME_DOCUMENTS_GRANT_ID))
        .unwrap();
    assert_eq!(batch.len(), 4);

    let mut results = client.send_batch(batch).await;
    assert_eq!(results.round_trips(), 1);
    let granted = results.take(invite).unwrap();
    assert_eq!(granted.value[0].roles, vec![Role::Read]);
    assert_eq!(results.take(listing).unwrap().value.len(), 3);
    let error = results.take(missing).unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (Some(404), Some("itemNotFound"))
    );
    results.take(revoke).unwrap();
    assert!(
        emulator
            .permissions(seed::ME_DRIVE_ID, seed::ME_DOCUMENTS_ID)
            .iter()
            .all(|p| p["id"] != seed::ME_DOCUMENTS_GRANT_ID),
        "the revoke in the batch took effect"
    );
    assert_eq!(inner_requests(&emulator).len(), 4);
}

#[tokio::test]
async fn many_requests_are_split_into_batches_of_twenty_in_input_order() {
    let (emulator, client) = start().await;
    let emails: Vec<String> = (0..45)
        .map(|n| format!("person{n}@fabrikam.example"))
        .collect();
    let item = ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PROJECTS_ID);
    let results = client
        .send_all(emails.iter().map(|e| item.invite(invite_to(e))))
        .await;
    assert_eq!(results.len(), 45);
    for (email, result) in emails.iter().zip(&results) {
        let granted = result.as_ref().unwrap();
        let invited = granted.value[0]
            .invitation
            .as_ref()
            .and_then(|i| i.email.as_deref());
        assert_eq!(invited, Some(email.as_str()), "results are in input order");
    }
    let outer = batch_requests(&emulator).len();
    assert_eq!(outer, 3, "45 requests need three batches of at most 20");
    assert_eq!(inner_requests(&emulator).len(), 45);
}

/// Lee invited to Plan.docx (the request the tests script a fault for), then to Projects.
fn plan_then_projects() -> [impl ToRequest<Response = InviteResponse>; 2] {
    [seed::ALEX_PLAN_ID, seed::ALEX_PROJECTS_ID].map(|item| {
        ItemLocator::drive(seed::ALEX_DRIVE_ID, item).invite(invite_to(seed::LEE_EMAIL))
    })
}

#[tokio::test]
async fn throttled_inner_requests_are_sent_again_after_retry_after() {
    let (emulator, client) = start().await;
    emulator.inject(
        Injection::status(429)
            .retry_after("0.2")
            .path_contains(seed::ALEX_PLAN_ID),
    );
    let results = client.send_all(plan_then_projects()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    // That the resend waits exactly the Retry-After is checked on a paused
    // clock in graph-core's engine tests; here, what went over the wire.
    let plan: Vec<_> = inner_requests(&emulator)
        .into_iter()
        .filter(|r| r.path.contains(seed::ALEX_PLAN_ID))
        .collect();
    assert_eq!(
        plan.iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 200]
    );
    let projects = inner_requests(&emulator)
        .into_iter()
        .filter(|r| r.path.contains(seed::ALEX_PROJECTS_ID))
        .count();
    assert_eq!(projects, 1, "only the throttled request is sent again");
}

#[tokio::test]
async fn an_inner_request_that_stays_unavailable_fails_alone_after_the_retries() {
    let (emulator, client) = start().await;
    for _ in 0..4 {
        emulator.inject(
            Injection::status(503)
                .retry_after("0")
                .path_contains(seed::ALEX_PLAN_ID),
        );
    }
    let results = client.send_all(plan_then_projects()).await;
    let error = results[0].as_ref().unwrap_err();
    assert_eq!((error.status(), error.attempts()), (Some(503), Some(4)));
    assert!(error.is_retryable());
    assert!(results[1].is_ok());
}

#[tokio::test]
async fn a_request_that_breaks_a_rule_is_not_sent_and_the_others_are() {
    let (emulator, client) = start().await;
    let item = alex_plan();
    let results = client
        .send_all([
            // An empty id cannot be sent (an empty path segment); an empty
            // roles list no longer breaks a rule of the client's, so is not used here.
            item.update_permission("", PermissionUpdate::new([Role::Write])),
            item.update_permission("p", PermissionUpdate::new([Role::Write])),
        ])
        .await;
    assert!(matches!(&results[0], Err(Error::Validation(e)) if e.field() == "permission_id"));
    assert_eq!(
        results[1].as_ref().unwrap_err().status(),
        Some(404),
        "sent, and unknown"
    );
    assert_eq!(inner_requests(&emulator).len(), 1);
}

/// A `$batch` endpoint that answers with what the test scripts.
async fn scripted_batch(reply: &'static str) -> ScriptedServer {
    ScriptedServer::start(move |_| raw(200, Some("application/json"), reply)).await
}

#[tokio::test]
async fn missing_and_duplicated_answers_are_typed_errors_for_their_inputs() {
    let server = scripted_batch(
        r#"{"responses":[
            {"id":"1","status":200,"body":{"value":[]}},
            {"id":"1","status":200,"body":{"value":[]}},
            {"id":"3","status":200,"body":{"value":[{"id":"p3","roles":["read"]}]}},
            {"id":"77","status":200,"body":{}}
        ]}"#,
    )
    .await;
    let client = server.client();
    let item = ItemLocator::me("01A");
    let results = client
        .send_all((0..3).map(|_| item.list_permissions(None)))
        .await;
    assert!(
        matches!(&results[0], Err(Error::Batch(BatchError::Duplicated { id })) if id == "1"),
        "{:?}",
        results[0]
    );
    // Left out, beside an answer for an id never requested ("77"): that
    // answer may be its own, so Graph may have run it.
    assert!(
        matches!(&results[1], Err(Error::Batch(b @ BatchError::Unreadable { id, .. })) if id == "2" && b.is_fate_unknown()),
        "{:?}",
        results[1]
    );
    assert_eq!(
        results[2].as_ref().unwrap().value[0].id.as_deref(),
        Some("p3")
    );
}

#[tokio::test]
async fn an_unreadable_batch_reply_leaves_every_input_of_unknown_fate_with_its_status() {
    let server = scripted_batch(r#"{"responses":[{"id":"1","sta"#).await;
    let client = server.client();
    let results = client
        .send_all((0..2).map(|_| ItemLocator::me("01A").list_permissions(None)))
        .await;
    assert_eq!(results.len(), 2);
    for result in results {
        match result {
            Err(Error::Batch(
                ref batch @ BatchError::ReplyUnreadable {
                    status, ref reason, ..
                },
            )) => {
                assert_eq!(status, 200);
                assert!(reason.contains("decode"), "{reason}");
                assert!(batch.is_fate_unknown(), "Graph ran them: not failed");
            }
            other => panic!("expected a batch of unknown fate, got {other:?}"),
        }
    }
    assert_eq!(server.seen().len(), 1, "a malformed 200 is not retried");
}

#[tokio::test]
async fn one_odd_inner_answer_fails_only_its_own_request_and_keeps_what_is_known() {
    let server = scripted_batch(
        r#"{"responses":[
            {"id":"1","status":200,"headers":null,"body":{"value":[]}},
            {"id":"2","status":"200","headers":{"request-id":"r-2"},"body":{"value":[]}},
            {"status":200,"body":{"value":[]}},
            {"id":"4","status":1000}
        ]}"#,
    )
    .await;
    let client = server.client();
    let results = client
        .send_all((0..4).map(|_| ItemLocator::me("01A").list_permissions(None)))
        .await;
    assert!(results[0].is_ok(), "{:?}", results[0]);
    match &results[1] {
        Err(error @ Error::Batch(batch @ BatchError::Unreadable { snippet, .. })) => {
            assert!(batch.is_fate_unknown());
            assert_eq!(error.request_id(), Some("r-2"));
            assert!(snippet.contains(r#""status":"200""#), "{snippet}");
        }
        other => panic!("{other:?}"),
    }
    // Left out, beside an answer without an id that may be its own.
    assert!(
        matches!(&results[2], Err(Error::Batch(b @ BatchError::Unreadable { id, .. })) if id == "3" && b.is_fate_unknown()),
        "{:?}",
        results[2]
    );
    assert!(
        matches!(&results[3], Err(Error::Batch(BatchError::Unreadable { id, .. })) if id == "4")
    );
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn bodies_go_out_as_json_with_content_type() {
    let (emulator, client) = start().await;
    let item = alex_plan();
    client
        .send_all([item.invite(invite_to(seed::ADELE_EMAIL))])
        .await
        .remove(0)
        .unwrap();
    let outer = batch_requests(&emulator).remove(0);
    let sent: Value = serde_json::from_str(&outer.body).unwrap();
    assert_eq!(
        sent,
        json!({"requests": [{
            "id": "1",
            "method": "POST",
            "url": format!("/drives/{}/items/{}/invite", seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID),
            "headers": {"Content-Type": "application/json"},
            "body": {"recipients": [{"email": seed::ADELE_EMAIL}], "roles": ["read"]}
        }]})
    );
}

#[tokio::test]
async fn a_key_from_another_batch_is_refused() {
    let (_emulator, client) = start().await;
    let item = alex_plan();
    let mut first = Batch::new();
    let from_first = first.add(&item.list_permissions(None)).unwrap();
    let mut second = Batch::new();
    let _ = second.add(&item.list_permissions(None)).unwrap();
    let mut results = client.send_batch(second).await;
    assert!(matches!(
        results.take(from_first),
        Err(Error::Batch(BatchError::ForeignKey))
    ));
}

#[tokio::test]
async fn every_request_of_a_round_counts_the_round_wait_against_its_total() {
    let (emulator, client) = start().await;
    let client = client.with_retry_policy(
        RetryPolicy::builder()
            .max_total_delay(std::time::Duration::from_millis(100))
            .build()
            .unwrap(),
    );
    // Plan asks for 20 ms twice; Projects asks for 90 ms once. The round waits
    // 90 ms for both, so Plan's second wait would take it past 100 ms.
    for _ in 0..2 {
        emulator.inject(
            Injection::status(429)
                .retry_after("0.02")
                .path_contains(seed::ALEX_PLAN_ID),
        );
    }
    emulator.inject(
        Injection::status(429)
            .retry_after("0.09")
            .path_contains(seed::ALEX_PROJECTS_ID),
    );
    let results = client.send_all(plan_then_projects()).await;
    let error = results[0].as_ref().unwrap_err();
    assert_eq!(
        (error.status(), error.attempts()),
        (Some(429), Some(2)),
        "{error:?}"
    );
    assert!(results[1].is_ok(), "{:?}", results[1]);
}

#[tokio::test]
async fn send_all_reports_a_batch_that_ran_and_got_no_answer_as_of_unknown_fate() {
    let (emulator, client) = Setup::new()
        .faults(graph_emulator::Faults::new().resets(0.0, 1.0))
        .start()
        .await;
    let results = client
        .send_all([alex_plan().invite(invite_to(seed::LEE_EMAIL))])
        .await;
    match &results[0] {
        Err(Error::Batch(batch @ BatchError::Unanswered { .. })) => {
            assert!(batch.is_fate_unknown());
        }
        other => panic!("expected an unanswered batch, got {other:?}"),
    }
    // It did run: reporting it failed would have been wrong.
    let granted = emulator
        .permissions(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
        .iter()
        .any(|p| p["invitation"]["email"] == seed::LEE_EMAIL);
    assert!(granted);
    assert_eq!(batch_requests(&emulator).len(), 1, "not sent again");
}

/// A `$batch` reply over the client's size limit was Graph's success: every
/// input's fate is unknown, with the reply's status; it is not sent again.
#[tokio::test]
async fn a_batch_reply_over_the_size_limit_leaves_every_input_of_unknown_fate() {
    let server = scripted_batch(r#"{"responses":[{"id":"1","status":200,"body":{}}]}"#).await;
    let client = Client::builder()
        .base_url(server.root())
        .auth(graph_core::auth::StaticToken::new("t"))
        .max_response_bytes(8)
        .build()
        .unwrap();
    let results = client
        .send_all((0..2).map(|_| ItemLocator::me("01A").list_permissions(None)))
        .await;
    assert_eq!(results.len(), 2);
    for result in results {
        let error = result.expect_err("the reply cannot be read");
        assert!(error.is_fate_unknown(), "{error:?}");
        assert_eq!(error.status(), Some(200), "{error:?}");
    }
    assert_eq!(server.seen().len(), 1);
}

/// A `$batch` that cannot follow its redirect: after a 303 (the server may
/// have acted on the POST) every input's fate is unknown; after a 307 it
/// would replay to another origin, which is refused, nothing ran and every
/// input failed, a known fate. Each is sent once.
#[tokio::test]
async fn a_batch_redirect_is_unknown_only_when_it_may_have_acted() {
    let elsewhere = ScriptedServer::start(|_| raw(200, Some("application/json"), "{}")).await;
    for (status, location, acted) in [
        (303, "ftp://files.contoso.com/reply".to_owned(), true),
        (307, format!("{}/$batch", elsewhere.root()), false),
    ] {
        let server =
            ScriptedServer::start(move |_| tests::scripted::redirect(status, &location)).await;
        let results = server
            .client()
            .send_all((0..2).map(|_| ItemLocator::me("01A").list_permissions(None)))
            .await;
        for result in results {
            let error = result.expect_err("the redirect cannot be followed");
            assert!(matches!(error, Error::Batch(_)), "{status}: {error:?}");
            assert_eq!(error.is_fate_unknown(), acted, "{status}: {error:?}");
            assert!(error.to_string().contains("redirect"), "{status}: {error}");
        }
        assert_eq!(server.seen().len(), 1, "{status}: sent once");
        // The `$batch` went out once either way, and counts as a round trip.
        let mut batch = Batch::new();
        let key = batch
            .add(&ItemLocator::me("01A").list_permissions(None))
            .unwrap();
        let mut results = server.client().send_batch(batch).await;
        assert_eq!(results.round_trips(), 1, "{status}");
        let error = results.take(key).expect_err("not followed");
        assert_eq!(error.is_fate_unknown(), acted, "{status}: {error:?}");
        assert_eq!(server.seen().len(), 2, "{status}: sent once more");
    }
    assert!(
        elsewhere.seen().is_empty(),
        "the body stayed with its origin"
    );
}
