//! The client against the emulator's TLS listener (`EmulatorBuilder::tls`):
//! graph-core's own sign-in and Graph requests over https, trusting the
//! emulator's certificate authority through the HTTP client it is given; a
//! client that does not trust it fails once with a typed error; the
//! discovery document agrees with what is served; and azure_identity's own
//! `ClientSecretCredential`, unpatched, signs in against it through
//! `AzureCredential`.

use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::Secret;
use azure_core::http::{ClientOptions, Transport};
use azure_identity::{ClientSecretCredential, ClientSecretCredentialOptions};
use graph_core::auth::{AzureCredential, ClientCertificate, ClientCredentials};
use graph_core::{AuthErrorKind, Client, Error};
use graph_emulator::{Emulator, EmulatorHandle, seed};
use serde_json::Value;
use tests::{alex_plan, graph_requests, invite_to, token_requests};

async fn tls_emulator() -> EmulatorHandle {
    Emulator::builder()
        .tls(true)
        .start()
        .await
        .expect("the TLS emulator starts")
}

/// An HTTP client that trusts the emulator's authority (and no other root),
/// with no redirects, as token requests need.
fn trusting(emulator: &EmulatorHandle) -> reqwest::Client {
    let pem = emulator
        .ca_certificate_pem()
        .expect("a TLS emulator has a CA");
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("the PEM parses");
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

/// The seed app's client-credentials sign-in against `emulator`, its token
/// requests sent with `http` when given.
fn app_credentials(emulator: &EmulatorHandle, http: Option<reqwest::Client>) -> ClientCredentials {
    let builder = ClientCredentials::builder(seed::TENANT_ID, seed::CLIENT_ID, seed::CLIENT_SECRET)
        .authority(emulator.root_url());
    match http {
        Some(http) => builder.http_client(http),
        None => builder,
    }
    .build()
    .expect("an https authority is accepted")
}

#[tokio::test]
async fn client_credentials_and_an_invite_over_https() {
    let emulator = tls_emulator().await;
    let http = trusting(&emulator);
    let client = Client::builder()
        .base_url(emulator.base_url())
        .auth(app_credentials(&emulator, Some(http.clone())))
        .http_client(http)
        .build()
        .expect("client builds");
    assert!(client.base_url().starts_with("https://"));

    let invited = client
        .send(&alex_plan().invite(invite_to(seed::LEE_EMAIL)))
        .await
        .expect("the invite succeeds over https");
    assert_eq!(invited.value.len(), 1);
    assert_eq!(token_requests(&emulator).len(), 1);
    let graph = graph_requests(&emulator);
    assert_eq!(graph.len(), 1);
    assert!(graph[0].path.ends_with("/invite"), "{}", graph[0].path);
    assert_eq!(emulator.failed_tls_handshakes(), 0);
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_emulator_fails_once_with_a_typed_error() {
    let emulator = tls_emulator().await;
    // The token provider has the built-in HTTP client (the platform's roots,
    // which do not hold the emulator's authority).
    let client = Client::builder()
        .base_url(emulator.base_url())
        .auth(app_credentials(&emulator, None))
        .http_client(trusting(&emulator))
        .build()
        .expect("client builds");
    let err = client
        .send(&alex_plan().list_permissions(None))
        .await
        .expect_err("the token endpoint's certificate is not trusted");
    let Error::Auth(auth) = &err else {
        panic!("expected an auth error, got {err:?}");
    };
    assert_eq!(auth.kind(), AuthErrorKind::Unreachable, "{err}");
    // One handshake, refused; nothing reached the emulator's log.
    assert_eq!(emulator.tls_handshakes_failed(1).await, 1);
    assert!(emulator.requests().is_empty());

    // A Graph client that does not trust it either: a typed transport
    // error that says it was a connect failure and nothing was sent, after
    // one attempt: a certificate that is not trusted is not retried (the
    // retry policy allows three more here), and the emulator saw exactly
    // that one handshake.
    let untrusting = Client::builder()
        .base_url(emulator.base_url())
        .auth(graph_core::auth::StaticToken::new(seed::ACCESS_TOKEN))
        .retry_policy(tests::quick_retries())
        .build()
        .expect("client builds");
    let err = untrusting
        .send(&alex_plan().list_permissions(None))
        .await
        .expect_err("Graph's certificate is not trusted");
    let Error::Transport { attempts, source } = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert!(source.is_connect(), "{source:?}");
    assert!(!err.is_fate_unknown(), "a refused handshake sent nothing");
    assert_eq!(*attempts, 1);
    assert_eq!(emulator.tls_handshakes_failed(2).await, 2);
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn the_discovery_document_names_the_endpoints_that_serve_sign_in() {
    let emulator = tls_emulator().await;
    let http = trusting(&emulator);
    let root = emulator.root_url();
    let doc: Value = {
        let answer = http
            .get(format!(
                "{root}/{}/v2.0/.well-known/openid-configuration",
                seed::TENANT_DOMAIN
            ))
            .send()
            .await
            .expect("the document is served");
        assert_eq!(answer.status(), 200);
        serde_json::from_slice(&answer.bytes().await.expect("read")).expect("JSON")
    };
    assert_eq!(doc["issuer"], format!("{root}/{}/v2.0", seed::TENANT_ID));
    let token_endpoint = doc["token_endpoint"].as_str().expect("a token endpoint");
    assert_eq!(token_endpoint, emulator.token_url());
    for field in [
        "authorization_endpoint",
        "device_authorization_endpoint",
        "jwks_uri",
    ] {
        let url = doc[field].as_str().expect(field);
        assert!(
            url.starts_with(&format!("{root}/{}/", seed::TENANT_ID)),
            "{field}: {url}"
        );
    }
    // graph-core's sign-in against the authority the document names.
    let authority = token_endpoint
        .strip_suffix(&format!("/{}/oauth2/v2.0/token", seed::TENANT_ID))
        .expect("the token endpoint is under the authority");
    let credentials =
        ClientCredentials::builder(seed::TENANT_ID, seed::CLIENT_ID, seed::CLIENT_SECRET)
            .authority(authority)
            .http_client(http.clone())
            .build()
            .expect("https authority");
    let client = Client::builder()
        .base_url(emulator.base_url())
        .auth(credentials)
        .http_client(http.clone())
        .build()
        .expect("client builds");
    client
        .send(&alex_plan().list_permissions(None))
        .await
        .expect("signed in with the document's token endpoint");
    let keys = http
        .get(doc["jwks_uri"].as_str().expect("jwks_uri"))
        .send()
        .await
        .expect("the key set is served");
    assert_eq!(keys.status(), 200);
}

/// azure_identity's own credential, pointed at the emulator as its
/// authority host and trusting its authority through azure_core's transport.
fn azure_secret_credential(emulator: &EmulatorHandle) -> Arc<ClientSecretCredential> {
    let mut cloud = CustomConfiguration::default();
    cloud.authority_host = emulator.root_url();
    let options = ClientSecretCredentialOptions {
        client_options: ClientOptions {
            cloud: Some(Arc::new(CloudConfiguration::from(cloud))),
            transport: Some(Transport::new(Arc::new(trusting(emulator)))),
            ..ClientOptions::default()
        },
    };
    ClientSecretCredential::new(
        seed::TENANT_ID,
        seed::CLIENT_ID.to_string(),
        Secret::new(seed::CLIENT_SECRET),
        Some(options),
    )
    .expect("an https authority host is accepted")
}

#[tokio::test]
async fn azure_identitys_client_secret_credential_signs_in_against_the_tls_emulator() {
    let emulator = tls_emulator().await;
    let client = Client::builder()
        .base_url(emulator.base_url())
        .auth(AzureCredential::new(azure_secret_credential(&emulator)))
        .http_client(trusting(&emulator))
        .build()
        .expect("client builds");
    let permissions = client
        .send(&alex_plan().list_permissions(None))
        .await
        .expect("azure_identity's token is accepted by Graph");
    assert!(!permissions.value.is_empty());
    let tokens = token_requests(&emulator);
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0].path.ends_with("/oauth2/v2.0/token"));
    assert_eq!(graph_requests(&emulator).len(), 1);
}

#[tokio::test]
async fn azure_identity_refuses_the_plain_http_emulator() {
    let emulator = Emulator::start().await.expect("starts");
    let mut cloud = CustomConfiguration::default();
    cloud.authority_host = emulator.root_url();
    let options = ClientSecretCredentialOptions {
        client_options: ClientOptions {
            cloud: Some(Arc::new(CloudConfiguration::from(cloud))),
            ..ClientOptions::default()
        },
    };
    let refused = ClientSecretCredential::new(
        seed::TENANT_ID,
        seed::CLIENT_ID.to_string(),
        Secret::new(seed::CLIENT_SECRET),
        Some(options),
    )
    .expect_err("azure_identity takes only https authorities");
    assert!(refused.to_string().contains("HTTPS"), "{refused}");
}

/// A certificate assertion's audience is the token endpoint as the client
/// reaches it: over TLS, the `https` one, which the emulator checks.
#[tokio::test]
async fn a_client_certificate_signs_in_over_https_with_the_https_audience() {
    let emulator = tls_emulator().await;
    let http = trusting(&emulator);
    let credential =
        ClientCertificate::builder(seed::TENANT_ID, seed::CLIENT_ID, seed::CERTIFICATE_PEM)
            .authority(emulator.root_url())
            .http_client(http.clone())
            .build()
            .expect("the PEM reads");
    let client = Client::builder()
        .base_url(emulator.base_url())
        .auth(credential)
        .http_client(http)
        .build()
        .expect("client builds");
    client
        .send(&alex_plan().list_permissions(None))
        .await
        .expect("signed in with the certificate over https");
    assert_eq!(token_requests(&emulator).len(), 1);
}

/// A client that reaches the emulator as `localhost` signs its assertion
/// for `https://localhost:PORT/…/token`: the same endpoint, accepted.
#[tokio::test]
async fn a_client_certificate_signs_in_by_the_localhost_name_too() {
    let emulator = tls_emulator().await;
    let pem = emulator
        .ca_certificate_pem()
        .expect("a TLS emulator has a CA");
    let by_name = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).expect("PEM")])
        .redirect(reqwest::redirect::Policy::none())
        .resolve("localhost", emulator.addr())
        .build()
        .expect("client builds");
    let root = format!("https://localhost:{}", emulator.addr().port());
    let credential =
        ClientCertificate::builder(seed::TENANT_ID, seed::CLIENT_ID, seed::CERTIFICATE_PEM)
            .authority(root.as_str())
            .http_client(by_name.clone())
            .build()
            .expect("the PEM reads");
    let client = Client::builder()
        .base_url(format!("{root}/v1.0"))
        .auth(credential)
        .http_client(by_name)
        .build()
        .expect("client builds");
    client
        .send(&alex_plan().list_permissions(None))
        .await
        .expect("signed in with the certificate as localhost");
    let tokens = token_requests(&emulator);
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].status, 200);
}
