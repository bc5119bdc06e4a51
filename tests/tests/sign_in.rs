//! Delegated sign-in end to end over loopback: the device code flow
//! (approved, declined, expired, slowed down), refresh tokens with rotation
//! and revocation, and a token store that survives a restart, with no
//! device code or token in `Debug`, logs, errors or the store's messages.
//! Polling runs on a paused clock: no test waits in real time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use graph_core::auth::{
    AccessToken, DeviceCode, FileTokenStore, MemoryTokenStore, StoreError, StoreKey, StoredToken,
    TokenProvider, TokenStore,
};
use graph_core::drive::ItemLocator;
use graph_core::{AuthErrorKind, Error, Secret};
use graph_emulator::seed;
use serde_json::json;
use tests::scripted::{ScriptedServer, json_ok};
use tests::sign_in::{
    FILES_SCOPE, approve_after_polls, approve_as, auth_kind, device_code, device_polls, emulator,
    refreshes, sign_ins_started, signed_in_client, temp_dir,
};
use tests::statuses;

#[tokio::test(start_paused = true)]
async fn an_approved_code_signs_in_as_that_user_and_me_is_that_user() {
    let emu = emulator().await;
    // The user signs in after the app has polled twice.
    let (sign_in, prompts) = device_code(&emu, "alex", |_| {});
    let client = signed_in_client(&emu, Arc::new(sign_in));
    let watch = approve_after_polls(&emu, &prompts, 2, seed::ALEX_UPN);
    let plan = client
        .send(&ItemLocator::me(seed::ALEX_PLAN_ID).list_permissions(None))
        .await
        .unwrap();
    watch.await.unwrap();
    assert!(!plan.value.is_empty());
    assert_eq!(prompts.codes().len(), 1);
    let polls = device_polls(&emu);
    assert_eq!(polls.len(), 3, "two pending polls, then the tokens");
    assert_eq!(
        polls.iter().map(|p| p.status).collect::<Vec<_>>(),
        [400, 400, 200]
    );
    // `/me` is Alex: Megan's item is not in that drive.
    let err = client
        .send(&ItemLocator::me(seed::ME_Q3_ID).list_permissions(None))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    // One sign-in, one token for both requests.
    assert_eq!(sign_ins_started(&emu).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn requests_waiting_for_a_sign_in_share_it() {
    let emu = emulator().await;
    let (sign_in, prompts) = device_code(&emu, "alex", |_| {});
    let client = signed_in_client(&emu, Arc::new(sign_in));
    let watch = approve_after_polls(&emu, &prompts, 1, seed::ALEX_UPN);
    let plan = ItemLocator::me(seed::ALEX_PLAN_ID).list_permissions(None);
    let requests: Vec<_> = (0..5)
        .map(|_| {
            let (client, plan) = (client.clone(), plan.clone());
            tokio::spawn(async move { client.send(&plan).await })
        })
        .collect();
    for request in requests {
        request.await.unwrap().unwrap();
    }
    watch.await.unwrap();
    assert_eq!(prompts.codes().len(), 1, "one prompt for five requests");
    assert_eq!(sign_ins_started(&emu).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_declined_code_is_a_typed_error() {
    let emu = emulator().await;
    let decliner = Arc::clone(&emu);
    let (sign_in, _) = device_code(&emu, "megan", move |prompt| {
        assert!(decliner.decline_device_code(prompt.user_code()));
    });
    let err = sign_in.token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Declined, "{err}");
    let Error::Auth(auth) = &err else {
        unreachable!()
    };
    assert_eq!(auth.code(), Some("authorization_declined"));
    assert_eq!(auth.status(), Some(400));
    assert!(err.to_string().contains("declined"), "{err}");
    assert_eq!(device_polls(&emu).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_expired_code_is_a_typed_error_from_the_server_or_the_clock() {
    let emu = emulator().await;
    let expirer = Arc::clone(&emu);
    let (sign_in, _) = device_code(&emu, "megan", move |prompt| {
        assert!(expirer.expire_device_code(prompt.user_code()));
    });
    let err = sign_in.token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Expired, "{err}");
    let Error::Auth(auth) = &err else {
        unreachable!()
    };
    assert_eq!(auth.code(), Some("expired_token"));
    assert!(
        auth.token_error().unwrap().error_codes.contains(&70019),
        "{auth:?}"
    );

    // Nobody signs in: the code's 15 minutes pass on the app's clock.
    let emu = emulator().await;
    let (sign_in, _) = device_code(&emu, "megan", |_| {});
    let started = tokio::time::Instant::now();
    let err = sign_in.token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Expired, "{err}");
    assert!(started.elapsed() >= Duration::from_secs(900));
    // A poll every 5 s until then, and none after.
    assert_eq!(device_polls(&emu).len(), 179);
}

#[tokio::test(start_paused = true)]
async fn slow_down_adds_five_seconds_to_every_later_poll() {
    let emu = emulator().await;
    emu.slow_down_device_polls(2);
    let (sign_in, prompts) = device_code(&emu, "alex", |_| {});
    let watch = approve_after_polls(&emu, &prompts, 2, seed::ALEX_UPN);
    let started = tokio::time::Instant::now();
    sign_in.token().await.unwrap();
    watch.await.unwrap();
    let polls = device_polls(&emu);
    assert_eq!(
        polls.iter().map(|p| p.status).collect::<Vec<_>>(),
        [400, 400, 200]
    );
    // Polls at 5 s, then 5 + 10, then 15 + 15: 30 s, where ignoring
    // slow_down would have taken 15 s.
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(35),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_due_token_is_refreshed_and_each_refresh_token_replaces_the_last() {
    let emu = emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let (sign_in, prompts) = device_code(&emu, "alex", approve_as(&emu, seed::ALEX_UPN));
    let sign_in = sign_in.token_store(store.clone());
    let key = sign_in.store_key();
    let first = sign_in.token().await.unwrap();
    let rt1 = store
        .load(&key)
        .unwrap()
        .unwrap()
        .refresh_token()
        .unwrap()
        .clone();

    // Graph rejected the token (what the client's 401 handling does): the
    // refresh token gets the next one, without a prompt.
    sign_in.invalidate(&first);
    let second = sign_in.token().await.unwrap();
    assert_ne!(second, first);
    let rt2 = store
        .load(&key)
        .unwrap()
        .unwrap()
        .refresh_token()
        .unwrap()
        .clone();
    assert_ne!(rt2, rt1, "the refresh token was rotated");
    // The emulator's request log redacts them in the refresh request.
    let logged = format!("{:?}", emu.requests());
    for secret in [rt1.expose(), rt2.expose(), first.secret(), second.secret()] {
        assert!(!logged.contains(secret), "{logged}");
    }
    assert_eq!(refreshes(&emu).len(), 1);
    assert_eq!(prompts.codes().len(), 1);
    let client = signed_in_client(&emu, Arc::new(sign_in));
    client
        .send(&ItemLocator::me(seed::ALEX_PLAN_ID).list_permissions(None))
        .await
        .unwrap();

    // The rotated-away refresh token no longer works: sign in again.
    let stale = Arc::new(MemoryTokenStore::new());
    stale
        .save(&key, &StoredToken::new(Some(rt1), None))
        .unwrap();
    let (again, _) = device_code(&emu, "alex", |_| {});
    let again = again.token_store(stale.clone());
    let err = again.token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::SignInRequired, "{err}");
    assert!(err.to_string().contains("sign in again"), "{err}");
    assert!(stale.load(&key).unwrap().is_none(), "dropped");
}

#[tokio::test(start_paused = true)]
async fn a_revoked_refresh_token_asks_to_sign_in_again_then_signs_in_anew() {
    let emu = emulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let (sign_in, prompts) = device_code(&emu, "alex", approve_as(&emu, seed::ALEX_UPN));
    let sign_in = Arc::new(sign_in.token_store(store.clone()));
    let key = sign_in.store_key();
    let client = signed_in_client(&emu, sign_in.clone());
    let plan = ItemLocator::me(seed::ALEX_PLAN_ID).list_permissions(None);
    client.send(&plan).await.unwrap();

    // An admin revokes the sessions: Graph answers 401, the client drops the
    // token, and the refresh is refused with invalid_grant.
    emu.revoke_tokens();
    let err = client.send(&plan).await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::SignInRequired, "{err}");
    let Error::Auth(auth) = &err else {
        unreachable!()
    };
    assert_eq!(auth.code(), Some("invalid_grant"));
    assert!(auth.token_error().unwrap().error_codes.contains(&50173));
    assert!(
        store.load(&key).unwrap().is_none(),
        "the refresh token is dropped"
    );

    // The next request signs in again, with a new prompt.
    client.send(&plan).await.unwrap();
    assert_eq!(prompts.codes().len(), 2);
    assert_eq!(sign_ins_started(&emu).len(), 2);
}

/// A store whose saves fail, as on a full disk.
#[derive(Debug, Default)]
struct FullDisk(MemoryTokenStore);

impl TokenStore for FullDisk {
    fn load(&self, key: &StoreKey) -> Result<Option<StoredToken>, StoreError> {
        self.0.load(key)
    }
    fn save(&self, _: &StoreKey, _: &StoredToken) -> Result<(), StoreError> {
        Err(StoreError::new(
            "cannot write token store `/full/tokens.json`",
        ))
    }
    fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        self.0.remove(key)
    }
}

#[tokio::test(start_paused = true)]
async fn a_store_that_cannot_save_keeps_the_session_and_warns() {
    let capture = tests::TraceCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let emu = emulator().await;
    let (sign_in, prompts) = device_code(&emu, "alex", approve_as(&emu, seed::ALEX_UPN));
    let sign_in = sign_in.token_store(Arc::new(FullDisk::default()));
    let first = sign_in.token().await.unwrap();
    // The rotated refresh token is used, though the store never saw it.
    for _ in 0..2 {
        sign_in.invalidate(&sign_in.token().await.unwrap());
        assert_ne!(sign_in.token().await.unwrap(), first);
    }
    assert_eq!(refreshes(&emu).len(), 2);
    assert_eq!(statuses(&refreshes(&emu)), [200, 200]);
    assert_eq!(prompts.codes().len(), 1, "no second sign-in");
    assert!(
        capture.text().contains("/full/tokens.json"),
        "{}",
        capture.text()
    );

    // Signing out forgets it: the next token request signs in again.
    sign_in.sign_out().unwrap();
    sign_in.token().await.unwrap();
    assert_eq!(prompts.codes().len(), 2);
}

#[cfg(unix)]
#[tokio::test(start_paused = true)]
async fn the_file_store_remembers_the_account_across_a_restart_in_a_private_file() {
    use std::os::unix::fs::PermissionsExt;

    let emu = emulator().await;
    let dir = temp_dir("restart");
    let path = dir.join("tokens.json");
    // A crash of an earlier run left a temporary file behind.
    std::fs::write(dir.join(".tokens.json.99.0.tmp"), b"{\"version\":1,\"ent").unwrap();
    {
        let (sign_in, _) = device_code(&emu, "alex", approve_as(&emu, seed::ALEX_UPN));
        let sign_in = sign_in.token_store(Arc::new(FileTokenStore::new(&path)));
        sign_in.token().await.unwrap();
    }
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).expect("a whole file");

    // The next run: no prompt, no sign-in, and `/me` is still Alex.
    let prompted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&prompted);
    let (restarted, _) = device_code(&emu, "alex", move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let restarted = Arc::new(restarted.token_store(Arc::new(FileTokenStore::new(&path))));
    let client = signed_in_client(&emu, restarted.clone());
    client
        .send(&ItemLocator::me(seed::ALEX_PLAN_ID).list_permissions(None))
        .await
        .unwrap();
    // Its access token rejected, it refreshes silently too.
    let token = restarted.token().await.unwrap();
    restarted.invalidate(&token);
    restarted.token().await.unwrap();
    assert_eq!(prompted.load(Ordering::SeqCst), 0);
    assert_eq!(sign_ins_started(&emu).len(), 1);
    assert_eq!(refreshes(&emu).len(), 1);

    // A store file others can read is refused, naming the file and its mode.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (third, _) = device_code(&emu, "alex", |_| {});
    let third = third.token_store(Arc::new(FileTokenStore::new(&path)));
    let err = third.token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Store, "{err}");
    let shown = err.to_string();
    assert!(shown.contains(&path.display().to_string()), "{shown}");
    assert!(shown.contains("0644"), "{shown}");
    assert_eq!(sign_ins_started(&emu).len(), 1, "nothing sent");
    let _ = std::fs::remove_dir_all(dir);
}

const DEVICE_CODE: &str = "DEVICE-CODE-SECRET-6f1d";
const ACCESS: &str = "ACCESS-TOKEN-SECRET-91ab";
const REFRESH: &str = "REFRESH-TOKEN-SECRET-2c7e";

#[tokio::test(start_paused = true)]
async fn no_device_code_or_token_in_debug_logs_errors_or_store_messages() {
    let capture = tests::TraceCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let polls = Arc::new(AtomicUsize::new(0));
    let seen_polls = Arc::clone(&polls);
    let refuse_poll = Arc::new(std::sync::Mutex::new(false));
    let refusing = Arc::clone(&refuse_poll);
    let server = ScriptedServer::start(move |seen| {
        let body = String::from_utf8_lossy(&seen.body).into_owned();
        if seen.path.ends_with("/devicecode") {
            return json_ok(&json!({
                "device_code": DEVICE_CODE, "user_code": "ABCD-EFGH",
                "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": 900, "interval": 5, "message": "enter ABCD-EFGH"
            }));
        }
        if body.contains("grant_type=refresh_token") {
            return tests::scripted::raw(
                400,
                Some("application/json"),
                r#"{"error":"invalid_grant","error_description":"AADSTS50173: REFRESH-TOKEN-SECRET-2c7e was revoked.","error_codes":[50173]}"#,
            );
        }
        assert!(body.contains(DEVICE_CODE), "the poll sends the device code");
        if *refusing.lock().unwrap() {
            return tests::scripted::raw(
                400,
                Some("application/json"),
                r#"{"error":"bad_verification_code","error_description":"AADSTS70018: DEVICE-CODE-SECRET-6f1d unknown.","error_codes":[70018]}"#,
            );
        }
        if seen_polls.fetch_add(1, Ordering::SeqCst) == 0 {
            return tests::scripted::raw(
                400,
                Some("application/json"),
                r#"{"error":"authorization_pending","error_description":"AADSTS70016: DEVICE-CODE-SECRET-6f1d pending.","error_codes":[70016]}"#,
            );
        }
        json_ok(&json!({
            "token_type": "Bearer", "expires_in": 3599,
            "access_token": ACCESS, "refresh_token": REFRESH
        }))
    })
    .await;
    let dir = temp_dir("secrets");
    let store = Arc::new(FileTokenStore::new(dir.join("tokens.json")));
    let sign_in = DeviceCode::new("contoso", "app")
        .authority(server.root())
        .scopes([FILES_SCOPE])
        .token_store(store.clone())
        .on_prompt(|_| {});
    let token = sign_in.token().await.unwrap();
    assert_eq!(token.secret(), ACCESS);
    let entry = store.load(&sign_in.store_key()).unwrap().unwrap();
    assert_eq!(entry.refresh_token().map(Secret::expose), Some(REFRESH));
    sign_in.invalidate(&token);
    let refused = sign_in.token().await.unwrap_err();
    assert_eq!(auth_kind(&refused), AuthErrorKind::SignInRequired);

    // The next sign-in's poll is refused with the code echoed back.
    *refuse_poll.lock().unwrap() = true;
    let echoed = sign_in.token().await.unwrap_err();
    assert_eq!(auth_kind(&echoed), AuthErrorKind::Refused, "{echoed}");
    assert!(echoed.to_string().contains("<redacted>"), "{echoed}");

    // A broken store file: its message names the place, not the content.
    let broken = dir.join("broken.json");
    std::fs::write(&broken, format!("{{\"refresh_token\":\"{REFRESH}")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&broken, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let store_err = FileTokenStore::new(&broken)
        .load(&sign_in.store_key())
        .unwrap_err();

    let shown = [
        format!("{sign_in:?}"),
        format!("{sign_in:#?}"),
        format!("{entry:?}"),
        format!("{store:?}"),
        format!("{:?}", AccessToken::new(ACCESS)),
        format!("{refused} {refused:?}"),
        format!("{echoed} {echoed:?}"),
        format!("{store_err} {store_err:?}"),
        capture.text(),
    ]
    .join("\n");
    for secret in [DEVICE_CODE, ACCESS, REFRESH] {
        assert!(!shown.contains(secret), "{secret} shown in:\n{shown}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// "Microsoft identity platform and OAuth 2.0 authorization code flow"
/// (error codes): `interaction_required` means "the request requires user
/// interaction" (another authentication step, such as MFA: AADSTS50076).
/// The refresh token cannot be used silently any more: like
/// `invalid_grant`, it is dropped, the caller hears "sign in again", and the
/// next token request starts a sign-in instead of sending it again.
#[tokio::test(start_paused = true)]
async fn interaction_required_on_refresh_asks_to_sign_in_again() {
    let server = ScriptedServer::start(|seen| {
        let body = String::from_utf8_lossy(&seen.body).into_owned();
        if seen.path.ends_with("/devicecode") {
            return json_ok(&json!({
                "device_code": "DC-interaction", "user_code": "WXYZ",
                "verification_uri": "https://microsoft.com/devicelogin",
                "expires_in": 900, "interval": 5
            }));
        }
        if body.contains("grant_type=refresh_token") {
            return tests::scripted::raw(
                400,
                Some("application/json"),
                r#"{"error":"interaction_required","error_description":"AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.","error_codes":[50076]}"#,
            );
        }
        json_ok(&json!({
            "token_type": "Bearer", "expires_in": 3599,
            "access_token": "AT-interaction", "refresh_token": "RT-interaction"
        }))
    })
    .await;
    let store = Arc::new(MemoryTokenStore::new());
    let sign_in = DeviceCode::new("contoso", "app")
        .authority(server.root())
        .scopes([FILES_SCOPE])
        .token_store(store.clone())
        .on_prompt(|_| {});
    let token = sign_in.token().await.unwrap();
    sign_in.invalidate(&token);
    let err = sign_in.token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::SignInRequired, "{err}");
    assert!(store.load(&sign_in.store_key()).unwrap().is_none());
    let started = |server: &ScriptedServer| {
        server
            .seen()
            .iter()
            .filter(|s| s.path.ends_with("/devicecode"))
            .count()
    };
    assert_eq!(started(&server), 1);
    sign_in.token().await.expect("a new sign-in");
    assert_eq!(started(&server), 2, "signed in anew, not refreshed again");
}

/// A refresh token is for the authority that issued it: one store file
/// shared by a sign-in at one authority and a sign-in at another (a test
/// server, another cloud) with the same tenant, app, account and scopes
/// never hands the first one's refresh token to the second.
#[tokio::test(start_paused = true)]
async fn a_refresh_token_never_goes_to_another_authority() {
    let issuer = |refresh: &'static str| {
        move |seen: &tests::scripted::Seen| {
            if seen.path.ends_with("/devicecode") {
                return json_ok(&json!({
                    "device_code": "DC-authority", "user_code": "QRST",
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900, "interval": 5
                }));
            }
            json_ok(&json!({
                "token_type": "Bearer", "expires_in": 3599,
                "access_token": "AT-authority", "refresh_token": refresh
            }))
        }
    };
    let first = ScriptedServer::start(issuer("RT-OF-THE-FIRST-AUTHORITY")).await;
    let second = ScriptedServer::start(issuer("RT-OF-THE-SECOND-AUTHORITY")).await;
    let dir = temp_dir("two-authorities");
    let store = Arc::new(FileTokenStore::new(dir.join("tokens.json")));
    let at = |server: &ScriptedServer| {
        DeviceCode::new("contoso", "app")
            .authority(server.root())
            .scopes([FILES_SCOPE])
            .account("megan")
            .token_store(store.clone())
            .on_prompt(|_| {})
    };
    at(&first).token().await.expect("signed in at the first");
    let at_second = at(&second);
    let token = at_second.token().await.expect("signed in at the second");
    at_second.invalidate(&token);
    at_second.token().await.expect("refreshed at the second");
    let sent: Vec<String> = second
        .seen()
        .iter()
        .map(|s| String::from_utf8_lossy(&s.body).into_owned())
        .collect();
    assert!(
        sent.iter().all(|body| !body.contains("RT-OF-THE-FIRST")),
        "{sent:?}"
    );
    assert!(
        sent[0].contains("client_id=app"),
        "a sign-in first: {sent:?}"
    );
    assert!(sent.iter().any(|b| b.contains("RT-OF-THE-SECOND")));
    let _ = std::fs::remove_dir_all(dir);
}
