//! The emulator's `adopt_access_token` / `adopt_refresh_token` hooks: a
//! second emulator takes the delegated tokens a first one issued (as a
//! program's second run hands its cached tokens to its new in-process
//! emulator), and then treats them as its own: the access token is that
//! user's, the refresh token is redeemed once and rotated.

use std::sync::Arc;
use std::time::Duration;

use graph_core::auth::{MemoryTokenStore, StaticToken, StoredToken, TokenProvider, TokenStore};
use graph_core::drive::ItemLocator;
use graph_core::{AuthErrorKind, Client, Error};
use graph_emulator::{EmulatorHandle, seed};
use tests::sign_in::{FILES_SCOPE, approve_as, device_code, emulator, refreshes, sign_ins_started};

/// Signs Alex in at a first emulator, and returns what the store kept.
async fn alex_signed_in_elsewhere(store: &Arc<MemoryTokenStore>) -> StoredToken {
    let first = emulator().await;
    let (sign_in, _) = device_code(&first, "alex", approve_as(&first, seed::ALEX_UPN));
    let sign_in = sign_in.token_store(Arc::clone(store) as Arc<dyn TokenStore>);
    sign_in.token().await.expect("signed in");
    store
        .load(&sign_in.store_key())
        .expect("loads")
        .expect("stored")
}

fn with_token(emu: &EmulatorHandle, token: &str) -> Client {
    Client::builder()
        .base_url(emu.base_url())
        .auth(StaticToken::new(token))
        .build()
        .expect("client builds")
}

#[tokio::test(start_paused = true)]
async fn an_adopted_access_token_is_the_users_and_unknown_before() {
    let store = Arc::new(MemoryTokenStore::new());
    let entry = alex_signed_in_elsewhere(&store).await;
    let (token, _) = entry.access_token().expect("access token");

    let second = emulator().await;
    let client = with_token(&second, token.secret());
    let plan = ItemLocator::me(seed::ALEX_PLAN_ID).list_permissions(None);
    let err = client.send(&plan).await.unwrap_err();
    assert_eq!(err.status(), Some(401), "unknown to this emulator: {err}");

    let scope = format!("{FILES_SCOPE} offline_access");
    let ten_minutes = Duration::from_secs(600);
    assert!(second.adopt_access_token(
        token.secret(),
        seed::CLIENT_ID,
        seed::ALEX_UPN,
        &scope,
        ten_minutes
    ));
    client.send(&plan).await.expect("Alex's file, through /me");
    let megans = ItemLocator::me(seed::ME_Q3_ID).list_permissions(None);
    assert_eq!(client.send(&megans).await.unwrap_err().status(), Some(404));
    let brief = Duration::from_secs(1);
    assert!(!second.adopt_access_token("t", seed::CLIENT_ID, "nobody@contoso.com", &scope, brief));
    assert!(!second.adopt_access_token("t", "no-such-app", seed::ALEX_UPN, &scope, brief));
}

#[tokio::test(start_paused = true)]
async fn an_adopted_refresh_token_is_redeemed_once_then_rotated() {
    let store = Arc::new(MemoryTokenStore::new());
    let entry = alex_signed_in_elsewhere(&store).await;
    let refresh = entry.refresh_token().expect("refresh token").clone();

    let second = emulator().await;
    let scope = format!("{FILES_SCOPE} offline_access");
    assert!(second.adopt_refresh_token(refresh.expose(), seed::CLIENT_ID, seed::ALEX_UPN, &scope));
    assert!(!second.adopt_refresh_token("r", "no-such-app", seed::ALEX_UPN, &scope));

    // The stored access token is due, so the sign-in refreshes: no prompt.
    let due = StoredToken::new(Some(refresh.clone()), None);
    let (sign_in, prompts) = device_code(&second, "alex", |_| panic!("no prompt"));
    let sign_in = Arc::new(sign_in.token_store(Arc::clone(&store) as Arc<dyn TokenStore>));
    store.save(&sign_in.store_key(), &due).expect("saved");
    let client = Client::builder()
        .base_url(second.base_url())
        .shared_auth(Arc::clone(&sign_in) as Arc<dyn TokenProvider>)
        .build()
        .expect("client builds");
    client
        .send(&ItemLocator::me(seed::ALEX_PLAN_ID).list_permissions(None))
        .await
        .expect("signed in silently as Alex");
    assert!(prompts.codes().is_empty());
    assert!(sign_ins_started(&second).is_empty());
    assert_eq!(refreshes(&second).len(), 1);
    let rotated = store
        .load(&sign_in.store_key())
        .expect("loads")
        .expect("stored");
    assert_ne!(
        rotated.refresh_token().map(|r| r.expose().to_owned()),
        Some(refresh.expose().to_owned())
    );

    // The adopted one was used up: a third credential that still holds it is
    // told to sign in again.
    let stale = Arc::new(MemoryTokenStore::new());
    let (again, _) = device_code(&second, "alex", |_| {});
    let again = again.token_store(Arc::clone(&stale) as Arc<dyn TokenStore>);
    stale.save(&again.store_key(), &due).expect("saved");
    match again.token().await.unwrap_err() {
        Error::Auth(auth) => assert_eq!(auth.kind(), AuthErrorKind::SignInRequired),
        other => panic!("expected sign-in required, got {other:?}"),
    }
}
