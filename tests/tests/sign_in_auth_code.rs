//! Authorization code sign-in with PKCE end to end over loopback: the
//! credential hands out the authorize URL, a browser task follows it to the
//! emulator and back to the credential's loopback listener, and the code is
//! redeemed. Declined, a forged state, an expired code, nobody
//! coming back, refresh with rotation, a store that survives a restart, and
//! no code, verifier, state or token in `Debug`, logs or errors. Waiting
//! runs on a paused clock: no test waits in real time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use graph_core::auth::{
    AuthorizationCode, FileTokenStore, MemoryTokenStore, TokenProvider, TokenStore,
};
use graph_core::drive::ItemLocator;
use graph_core::{AuthErrorKind, Error};
use graph_emulator::seed;
use serde_json::json;
use tests::auth_code::{
    auth_code, authorize_requests, browser_as, code_redemptions, get, query_param, visit,
};
use tests::scripted::{ScriptedServer, json_ok};
use tests::sign_in::{FILES_SCOPE, auth_kind, emulator, refreshes, signed_in_client, temp_dir};

#[tokio::test(start_paused = true)]
async fn signs_in_as_the_browsers_user_and_me_is_that_user() {
    let emu = emulator().await;
    let (browser, visits) = browser_as(&emu, seed::ALEX_UPN);
    let (sign_in, urls) = auth_code(&emu, "alex", browser);
    let client = signed_in_client(&emu, Arc::new(sign_in));
    let plan = client
        .send(&ItemLocator::me(seed::ALEX_PLAN_ID).list_permissions(None))
        .await
        .unwrap();
    assert!(!plan.value.is_empty());
    // `/me` is Alex: Megan's item is not in that drive.
    let err = client
        .send(&ItemLocator::me(seed::ME_Q3_ID).list_permissions(None))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");

    // The URL has the doc's parameters, S256 PKCE and a loopback redirect.
    let prompt = &urls.prompts()[0];
    let url = prompt.url();
    assert!(url.starts_with(&emu.authorize_url()), "{url}");
    assert_eq!(
        query_param(url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(query_param(url, "response_type").as_deref(), Some("code"));
    assert_eq!(query_param(url, "response_mode").as_deref(), Some("query"));
    assert_eq!(
        query_param(url, "redirect_uri").as_deref(),
        Some(prompt.redirect_uri())
    );
    assert!(prompt.redirect_uri().starts_with("http://127.0.0.1:"));
    let challenge = query_param(url, "code_challenge").unwrap();
    assert_eq!(challenge.len(), 43, "BASE64URL(SHA-256)");
    // The browser got the listener's page; one sign-in, one redemption.
    let visits = visits.lock().unwrap().clone();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].authorize_status, 302);
    assert_eq!(visits[0].loopback_status, Some(200));
    assert!(
        visits[0]
            .loopback_page
            .as_deref()
            .unwrap()
            .contains("Signed in")
    );
    assert_eq!(authorize_requests(&emu).len(), 1);
    assert_eq!(code_redemptions(&emu).len(), 1);
    // The redemption sent the same redirect URI (RFC 6749 §4.1.3).
    let body = &code_redemptions(&emu)[0].body;
    assert_eq!(
        query_param(&format!("http://x/?{body}"), "redirect_uri").as_deref(),
        Some(prompt.redirect_uri())
    );
}

#[tokio::test(start_paused = true)]
async fn requests_waiting_for_a_sign_in_share_it() {
    let emu = emulator().await;
    let (browser, _) = browser_as(&emu, seed::ALEX_UPN);
    let (sign_in, urls) = auth_code(&emu, "alex", browser);
    let client = signed_in_client(&emu, Arc::new(sign_in));
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
    assert_eq!(urls.count(), 1, "one sign-in for five requests");
    assert_eq!(code_redemptions(&emu).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_declined_sign_in_is_a_typed_error() {
    let emu = emulator().await;
    let decliner = Arc::clone(&emu);
    let (sign_in, _) = auth_code(&emu, "megan", move |prompt| {
        decliner.decline_next_authorize();
        let url = prompt.url().to_owned();
        tokio::spawn(async move { visit(&url, || {}).await });
    });
    let err = sign_in.token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Declined, "{err}");
    let Error::Auth(auth) = &err else {
        unreachable!()
    };
    assert_eq!(auth.code(), Some("access_denied"));
    assert!(
        auth.description().unwrap().contains("AADSTS65004"),
        "{auth:?}"
    );
    assert!(err.to_string().contains("declined"), "{err}");
    assert!(code_redemptions(&emu).is_empty(), "nothing to redeem");
}

#[tokio::test(start_paused = true)]
async fn a_redirect_with_another_state_is_refused_and_the_real_one_still_signs_in() {
    let emu = emulator().await;
    let forged = Arc::new(std::sync::Mutex::new(None));
    let (hooks, seen) = (Arc::clone(&emu), Arc::clone(&forged));
    let (sign_in, _) = auth_code(&emu, "alex", move |prompt| {
        assert!(hooks.sign_in_next_authorize_as(seed::ALEX_UPN));
        let (url, redirect) = (prompt.url().to_owned(), prompt.redirect_uri().to_owned());
        let seen = Arc::clone(&seen);
        tokio::spawn(async move {
            // Another page forges an answer (RFC 6749 §10.12) first.
            let forged = get(&format!("{redirect}/?code=FORGED-CODE&state=not-this-one")).await;
            let error = get(&format!(
                "{redirect}/?error=access_denied&state=not-this-one"
            ))
            .await;
            *seen.lock().unwrap() = Some((forged.0, error.0));
            visit(&url, || {}).await
        });
    });
    let token = sign_in.token().await.unwrap();
    assert!(!token.secret().is_empty());
    assert_eq!(*forged.lock().unwrap(), Some((400, 400)));
    let redemptions = code_redemptions(&emu);
    assert_eq!(redemptions.len(), 1);
    assert!(!redemptions[0].body.contains("FORGED-CODE"));
}

#[tokio::test(start_paused = true)]
async fn nobody_coming_back_ends_the_sign_in_at_its_timeout() {
    let emu = emulator().await;
    let (sign_in, urls) = auth_code(&emu, "megan", |_| {});
    let sign_in = sign_in.timeout(Duration::from_secs(120));
    let started = tokio::time::Instant::now();
    let err = sign_in.token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Expired, "{err}");
    assert!(started.elapsed() >= Duration::from_secs(120));
    assert!(err.to_string().contains("120 s"), "{err}");
    assert_eq!(urls.count(), 1);
    assert!(code_redemptions(&emu).is_empty());

    // Only forged answers came: the timeout says they were refused.
    let (sign_in, _) = auth_code(&emu, "megan", |prompt| {
        let redirect = prompt.redirect_uri().to_owned();
        tokio::spawn(async move { get(&format!("{redirect}/?code=X&state=forged")).await });
    });
    let err = sign_in
        .timeout(Duration::from_secs(60))
        .token()
        .await
        .unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Expired, "{err}");
    assert!(err.to_string().contains("1 answer(s)"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn an_expired_code_is_refused_with_the_emulators_answer() {
    let emu = emulator().await;
    let hooks = Arc::clone(&emu);
    let (sign_in, _) = auth_code(&emu, "alex", move |prompt| {
        assert!(hooks.sign_in_next_authorize_as(seed::ALEX_UPN));
        let (url, hooks) = (prompt.url().to_owned(), Arc::clone(&hooks));
        // The user is slow: the code expires before the browser comes back.
        tokio::spawn(async move {
            visit(&url, move || {
                assert_eq!(hooks.expire_authorization_codes(), 1)
            })
            .await
        });
    });
    let err = sign_in.token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Refused, "{err}");
    let Error::Auth(auth) = &err else {
        unreachable!()
    };
    assert_eq!(auth.code(), Some("invalid_grant"));
    assert!(auth.token_error().unwrap().error_codes.contains(&70008));

    // The error shows neither the code nor the verifier it was sent with.
    let code = query_param(
        &format!("http://x/?{}", code_redemptions(&emu)[0].body),
        "code",
    )
    .unwrap();
    let verifier = query_param(
        &format!("http://x/?{}", code_redemptions(&emu)[0].body),
        "code_verifier",
    )
    .unwrap();
    assert!(!err.to_string().contains(&code) && !err.to_string().contains(&verifier));
}

#[tokio::test(start_paused = true)]
async fn refresh_rotates_and_a_file_store_remembers_the_account_across_a_restart() {
    let emu = emulator().await;
    let dir = temp_dir("auth-code-restart");
    let path = dir.join("tokens.json");
    let first_refresh = {
        let (browser, _) = browser_as(&emu, seed::ALEX_UPN);
        let (sign_in, urls) = auth_code(&emu, "alex", browser);
        let store = Arc::new(FileTokenStore::new(&path));
        let sign_in = sign_in.token_store(store.clone());
        let first = sign_in.token().await.unwrap();
        let rt1 = store.load(&sign_in.store_key()).unwrap().unwrap();
        // Graph rejected the token: the refresh token gets the next, and is replaced.
        sign_in.invalidate(&first);
        let second = sign_in.token().await.unwrap();
        assert_ne!(second, first);
        let rt2 = store.load(&sign_in.store_key()).unwrap().unwrap();
        assert_ne!(rt2.refresh_token(), rt1.refresh_token(), "rotated");
        assert_eq!(urls.count(), 1, "no second sign-in");
        rt1.refresh_token().unwrap().clone()
    };
    assert_eq!(refreshes(&emu).len(), 1);

    // The next run: no sign-in, and `/me` is still Alex.
    let prompted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&prompted);
    let (restarted, _) = auth_code(&emu, "alex", move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let restarted = Arc::new(restarted.token_store(Arc::new(FileTokenStore::new(&path))));
    let client = signed_in_client(&emu, restarted.clone());
    let plan = ItemLocator::me(seed::ALEX_PLAN_ID).list_permissions(None);
    client.send(&plan).await.unwrap();
    let token = restarted.token().await.unwrap();
    restarted.invalidate(&token);
    restarted.token().await.unwrap();
    assert_eq!(prompted.load(Ordering::SeqCst), 0);
    assert_eq!(authorize_requests(&emu).len(), 1);
    assert_eq!(refreshes(&emu).len(), 2);

    // A rotated-away refresh token: sign in again, and the next request does.
    let stale = Arc::new(MemoryTokenStore::new());
    let (browser, _) = browser_as(&emu, seed::ALEX_UPN);
    let (again, urls) = auth_code(&emu, "alex", browser);
    let again = again.token_store(stale.clone());
    stale
        .save(
            &again.store_key(),
            &graph_core::auth::StoredToken::new(Some(first_refresh), None),
        )
        .unwrap();
    let err = again.token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::SignInRequired, "{err}");
    assert!(stale.load(&again.store_key()).unwrap().is_none(), "dropped");
    again.token().await.unwrap();
    assert_eq!(urls.count(), 1, "the next request signed in");
    let _ = std::fs::remove_dir_all(dir);
}

const CODE: &str = "AUTH-CODE-SECRET-5e1a";
const ACCESS: &str = "ACCESS-TOKEN-SECRET-77c2";

#[tokio::test(start_paused = true)]
async fn no_code_verifier_state_or_token_in_debug_logs_or_errors() {
    let capture = tests::TraceCapture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    // A token endpoint that echoes what it was sent in its error, then issues.
    let refuse = Arc::new(AtomicUsize::new(1));
    let refusing = Arc::clone(&refuse);
    let server = ScriptedServer::start(move |seen| {
        let body = String::from_utf8_lossy(&seen.body).into_owned();
        if refusing.fetch_sub(1, Ordering::SeqCst) == 1 {
            let echoed = format!(
                r#"{{"error":"invalid_grant","error_description":"AADSTS70000: {}","error_codes":[70000]}}"#,
                body.replace('"', "")
            );
            return axum::response::Response::builder()
                .status(400)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(echoed))
                .unwrap();
        }
        json_ok(&json!({"token_type": "Bearer", "expires_in": 3599, "access_token": ACCESS}))
    })
    .await;
    let states = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen_states = Arc::clone(&states);
    let sign_in = AuthorizationCode::new("contoso", "app")
        .authority(server.root())
        .scopes([FILES_SCOPE])
        .on_authorize(move |prompt| {
            // The identity platform's redirect, made here.
            let state = query_param(prompt.url(), "state").unwrap();
            seen_states.lock().unwrap().push(state.clone());
            let redirect = prompt.redirect_uri().to_owned();
            tokio::spawn(
                async move { get(&format!("{redirect}/?code={CODE}&state={state}")).await },
            );
        });
    let echoed = sign_in.token().await.unwrap_err();
    assert_eq!(auth_kind(&echoed), AuthErrorKind::Refused, "{echoed}");
    assert!(echoed.to_string().contains("<redacted>"), "{echoed}");
    let token = sign_in.token().await.unwrap();
    assert_eq!(token.secret(), ACCESS);

    let sent: Vec<String> = server
        .seen()
        .iter()
        .map(|s| String::from_utf8_lossy(&s.body).into_owned())
        .collect();
    let verifier = query_param(&format!("http://x/?{}", sent[0]), "code_verifier").unwrap();
    assert!(sent[0].contains(CODE), "the code was redeemed");
    let shown = [
        format!("{sign_in:?}"),
        format!("{sign_in:#?}"),
        format!("{echoed} {echoed:?}"),
        capture.text(),
    ]
    .join("\n");
    let states = states.lock().unwrap().clone();
    let mut secrets = vec![CODE.to_owned(), verifier, ACCESS.to_owned()];
    secrets.extend(states);
    for secret in &secrets {
        assert!(
            !shown.contains(secret.as_str()),
            "{secret} shown in:\n{shown}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_prompts_debug_shows_no_state() {
    let emu = emulator().await;
    let (sign_in, urls) = auth_code(&emu, "alex", |_| {});
    let _ = sign_in.timeout(Duration::from_secs(1)).token().await;
    let prompt = &urls.prompts()[0];
    let state = query_param(prompt.url(), "state").unwrap();
    let shown = format!("{prompt:?}");
    assert!(!shown.contains(&state), "{shown}");
    assert!(shown.contains("/authorize"), "{shown}");
}

#[tokio::test]
async fn a_fixed_port_taken_is_a_typed_error_and_a_dropped_sign_in_closes_its_listener() {
    let emu = emulator().await;
    // Another program holds the port: the sign-in says which port, and why.
    let holder = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = holder.local_addr().unwrap().port();
    let (sign_in, urls) = auth_code(&emu, "alex", |_| {});
    let err = sign_in.redirect_port(port).token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::Unreachable, "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert_eq!(
        urls.count(),
        0,
        "no URL for a sign-in that cannot come back"
    );
    drop(holder);

    // The port free: the sign-in listens there, and the URL says so.
    let (listening, mut prompted) = tokio::sync::mpsc::unbounded_channel();
    let (sign_in, _) = auth_code(&emu, "alex", move |prompt| {
        let _ = listening.send(prompt.redirect_uri().to_owned());
    });
    let sign_in = Arc::new(sign_in.redirect_port(port));
    let waiting = tokio::spawn({
        let sign_in = Arc::clone(&sign_in);
        async move { sign_in.token().await }
    });
    let redirect_uri = prompted.recv().await.expect("prompted");
    assert_eq!(redirect_uri, format!("http://127.0.0.1:{port}"));
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
    );
    // The caller gives up (its future dropped): nothing listens any more.
    waiting.abort();
    assert!(waiting.await.unwrap_err().is_cancelled());
    let refused = tokio::net::TcpStream::connect(("127.0.0.1", port)).await;
    assert!(refused.is_err(), "the listener was left open");
    // And the same credential can sign in again on that port.
    let _retry = tokio::spawn(async move { sign_in.token().await });
    assert_eq!(
        prompted.recv().await.as_deref(),
        Some(redirect_uri.as_str())
    );
}
