//! App-only credentials other than a client secret, end to end over loopback
//! against the emulator: a client certificate (a signed assertion, refused
//! for an unregistered certificate, the wrong key, the wrong audience or an
//! expired assertion); workload identity federation (a client assertion
//! read from a file, read again at every token request), with Entra ID's
//! refusals of a foreign, expired or mis-addressed assertion; and an App
//! Service–style managed identity (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`),
//! whose `expires_on` sets how long a token is kept; and `EnvCredential`
//! choosing each of them from environment variables.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use graph_core::auth::{
    ClientCertificate, EnvCredential, ManagedIdentity, TokenProvider, WorkloadIdentity,
};
use graph_core::drive::ItemLocator;
use graph_core::{AuthErrorKind, Client, Error};
use graph_emulator::{EmulatorHandle, seed};
use serde_json::{Value, json};
use tests::sign_in::signed_in_client;
use tests::{Setup, graph_requests, token_requests};

/// An item app-only tokens may reach.
fn plan() -> ItemLocator {
    ItemLocator::drive(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// The claims a Kubernetes service account token for the seed's federated
/// credential carries, good for ten minutes; `jti` tells two apart.
fn workload_claims(jti: &str) -> Value {
    let now = unix_now();
    json!({
        "iss": seed::FEDERATED_ISSUER,
        "sub": seed::FEDERATED_SUBJECT,
        "aud": [seed::FEDERATED_AUDIENCE],
        "iat": now,
        "nbf": now - 5,
        "exp": now + 600,
        "jti": jti,
    })
}

/// A compact JWS with `claims` (the emulator reads the claims only; see its
/// `client_assertion` module).
fn assertion(claims: &Value) -> String {
    let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "k1"});
    format!("{}.{}.c2lnbmF0dXJl", part(&header), part(claims))
}

/// A fresh directory for this test's token file.
fn token_file(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "graph-app-credentials-{}-{test}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join("azure-identity-token")
}

fn write(path: &Path, assertion: &str) {
    // Kubernetes writes the projected token with a trailing newline at times.
    std::fs::write(path, format!("{assertion}\n")).expect("token file written");
}

fn workload_identity(emulator: &EmulatorHandle, path: &Path) -> WorkloadIdentity {
    WorkloadIdentity::builder(seed::TENANT_ID, seed::CLIENT_ID, path)
        .authority(emulator.root_url())
        .build()
        .expect("loopback authority")
}

/// A Graph request with the credential, and the Auth error if it fails.
async fn list_plan(client: &Client) -> Result<(), Error> {
    client
        .send(&plan().list_permissions(None))
        .await
        .map(|_| ())
}

/// The pod's token is replaced while the app runs (the kubelet rotates it):
/// each token request reads the file as it is then, so a rotated assertion
/// is used, a broken one fails with Entra ID's answer, and a mended one
/// works again, all through one credential.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workload_identity_signs_in_and_reads_the_file_at_each_token_request() {
    let emu = Setup::new().start_emulator().await;
    let path = token_file("rotate");
    write(&path, &assertion(&workload_claims("first")));
    let credential = workload_identity(&emu, &path);
    let client = signed_in_client(&emu, Arc::new(credential));

    list_plan(&client)
        .await
        .expect("signed in with the federated token");
    list_plan(&client)
        .await
        .expect("the cached token is reused");
    assert_eq!(token_requests(&emu).len(), 1);

    // Rotated: after the app's token is revoked, the new file is sent.
    write(&path, &assertion(&workload_claims("second")));
    emu.revoke_tokens();
    list_plan(&client)
        .await
        .expect("a new token from the rotated file");
    assert_eq!(token_requests(&emu).len(), 2);

    // Now the file names another workload: Entra ID's refusal, read anew.
    let mut foreign = workload_claims("third");
    foreign["sub"] = json!("system:serviceaccount:other:intruder");
    let foreign = assertion(&foreign);
    write(&path, &foreign);
    emu.revoke_tokens();
    let err = list_plan(&client)
        .await
        .expect_err("the subject is not trusted");
    let Error::Auth(auth) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(auth.kind(), AuthErrorKind::Refused);
    assert_eq!(
        (auth.status(), auth.code()),
        (Some(400), Some("invalid_client"))
    );
    let description = auth.description().unwrap_or_default();
    assert!(description.starts_with("AADSTS700213"), "{description}");
    assert!(auth.request_id().is_some());
    for shown in [err.to_string(), format!("{err:?}"), format!("{client:?}")] {
        assert!(!shown.contains(&foreign), "the assertion shows in {shown}");
    }

    // Mended: the next request reads the good file and succeeds.
    write(&path, &assertion(&workload_claims("fourth")));
    list_plan(&client)
        .await
        .expect("the mended file signs in again");
    assert_eq!(token_requests(&emu).len(), 4);
}

/// Entra ID's refusals of a federated assertion ("Workload identity
/// federation": issuer, subject and audience must match a federated
/// identity credential of the app; the assertion must be within its
/// lifetime), each an `Error::Auth` with the AADSTS code and no Graph
/// request sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_expired_or_misaddressed_assertions_are_refused_as_entra_id_does() {
    let emu = Setup::new().start_emulator().await;
    let now = unix_now();
    let with = |name: &str, value: Value| {
        let mut claims = workload_claims(name);
        claims[name] = value;
        claims
    };
    let cases = [
        ("exp", with("exp", json!(now - 60)), "AADSTS700024"),
        ("nbf", with("nbf", json!(now + 600)), "AADSTS700024"),
        (
            "iss",
            with("iss", json!("https://token.actions.githubusercontent.com")),
            "AADSTS700211",
        ),
        (
            "aud",
            with("aud", json!(["api://not-entra"])),
            "AADSTS700212",
        ),
    ];
    let count = cases.len();
    for (name, claims, code) in cases {
        let path = token_file(&format!("refused-{name}"));
        let sent = assertion(&claims);
        write(&path, &sent);
        let err = workload_identity(&emu, &path)
            .token()
            .await
            .expect_err("refused");
        let Error::Auth(auth) = &err else {
            panic!("{name}: expected Error::Auth, got {err:?}");
        };
        assert_eq!(auth.kind(), AuthErrorKind::Refused, "{name}");
        assert_eq!(auth.code(), Some("invalid_client"), "{name}");
        let description = auth.description().unwrap_or_default();
        assert!(description.starts_with(code), "{name}: {description}");
        assert!(!err.to_string().contains(&sent), "{name}: {err}");
    }
    assert_eq!(token_requests(&emu).len(), count);
    assert!(graph_requests(&emu).is_empty());
}

/// A file that is missing or empty is `NoAssertion` naming the file, and
/// nothing is sent to the token endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_empty_token_file_sends_nothing() {
    let emu = Setup::new().start_emulator().await;
    let missing = token_file("missing").with_file_name("not-mounted");
    let empty = token_file("empty");
    std::fs::write(&empty, "\n").expect("written");
    for path in [missing, empty] {
        let err = workload_identity(&emu, &path)
            .token()
            .await
            .expect_err("no assertion");
        let Error::Auth(auth) = &err else {
            panic!("expected Error::Auth, got {err:?}");
        };
        assert_eq!(auth.kind(), AuthErrorKind::NoAssertion);
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }
    assert!(token_requests(&emu).is_empty());
}

fn managed_identity(emulator: &EmulatorHandle, header: &str) -> ManagedIdentity {
    ManagedIdentity::app_service(emulator.identity_endpoint(), header.to_owned())
        .build()
        .expect("loopback endpoint")
}

/// "How to use managed identities for App Service and Azure Functions":
/// `GET {IDENTITY_ENDPOINT}?resource=…&api-version=2019-08-01` with
/// `X-IDENTITY-HEADER`; the token is cached, and a revoked one replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_identity_signs_in_at_the_identity_endpoint() {
    let emu = Setup::new().start_emulator().await;
    let client = signed_in_client(
        &emu,
        Arc::new(managed_identity(&emu, seed::IDENTITY_HEADER)),
    );

    list_plan(&client)
        .await
        .expect("signed in as the managed identity");
    list_plan(&client)
        .await
        .expect("the cached token is reused");
    let asked = token_requests(&emu);
    assert_eq!(asked.len(), 1);
    assert_eq!(
        (asked[0].method.as_str(), asked[0].path.as_str()),
        ("GET", "/msi/token")
    );
    assert_eq!(
        asked[0].query,
        "resource=https%3A%2F%2Fgraph.microsoft.com&api-version=2019-08-01"
    );
    assert_eq!(
        asked[0].header("x-identity-header"),
        Some(seed::IDENTITY_HEADER)
    );
    // The emulator's own log output hides the header, as it hides tokens.
    assert!(!format!("{:?}", asked[0]).contains(seed::IDENTITY_HEADER));
    assert!(!format!("{client:?}").contains(seed::IDENTITY_HEADER));

    emu.revoke_tokens();
    list_plan(&client)
        .await
        .expect("a revoked token is replaced");
    assert_eq!(token_requests(&emu).len(), 2);
}

/// The token lives until `expires_on` (Unix seconds): a token that expires
/// now is fetched again after the cache's one-second floor, where a token
/// kept for the default ten minutes would not be.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_identity_tokens_live_until_expires_on() {
    let emu = Setup::new()
        .token_lifetime(Duration::ZERO)
        .start_emulator()
        .await;
    let identity = managed_identity(&emu, seed::IDENTITY_HEADER);
    identity.token().await.expect("a token");
    identity
        .token()
        .await
        .expect("the same token, within the floor");
    assert_eq!(token_requests(&emu).len(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    identity.token().await.expect("a new token");
    assert_eq!(token_requests(&emu).len(), 2);
}

/// A wrong `X-IDENTITY-HEADER` is refused by the endpoint: `Error::Auth`
/// with its status, no Graph request, and neither header in the error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_identity_header_is_refused_without_showing_it() {
    let emu = Setup::new().start_emulator().await;
    let wrong = "stale-identity-header-4f2a";
    let client = signed_in_client(&emu, Arc::new(managed_identity(&emu, wrong)));
    let err = list_plan(&client).await.expect_err("refused");
    let Error::Auth(auth) = &err else {
        panic!("expected Error::Auth, got {err:?}");
    };
    assert_eq!(
        (auth.kind(), auth.status()),
        (AuthErrorKind::Refused, Some(401))
    );
    assert!(auth.request_id().is_some());
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(wrong), "{shown}");
        assert!(!shown.contains(seed::IDENTITY_HEADER), "{shown}");
    }
    assert!(graph_requests(&emu).is_empty());
}

/// `EnvCredential` picks each app credential from its variables (read
/// through a lookup, so the process environment is untouched), and each
/// signs in against the emulator; `AZURE_AUTHORITY_HOST` points the Entra
/// ID ones at it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_credential_from_environment_variables_signs_in() {
    let emu = Setup::new().start_emulator().await;
    let root = emu.root_url();
    let file = token_file("env");
    write(&file, &assertion(&workload_claims("env")));
    let file = file.display().to_string();
    let endpoint = emu.identity_endpoint();
    let pem = token_file("env-certificate").with_file_name("app.pem");
    std::fs::write(&pem, seed::CERTIFICATE_PEM).expect("written");
    let pem = pem.display().to_string();
    let pfx = fixture_path(SEED_PFX);
    let environments: [(&str, Vec<(&str, &str)>); environments_len()] = [
        (
            "GRAPH_TENANT_ID",
            vec![
                ("GRAPH_TENANT_ID", seed::TENANT_ID),
                ("GRAPH_CLIENT_ID", seed::CLIENT_ID),
                ("GRAPH_CLIENT_SECRET", seed::CLIENT_SECRET),
                ("AZURE_AUTHORITY_HOST", &root),
            ],
        ),
        (
            "AZURE_CLIENT_SECRET",
            vec![
                ("AZURE_TENANT_ID", seed::TENANT_ID),
                ("AZURE_CLIENT_ID", seed::CLIENT_ID),
                ("AZURE_CLIENT_SECRET", seed::CLIENT_SECRET),
                ("AZURE_AUTHORITY_HOST", &root),
            ],
        ),
        (
            "AZURE_CLIENT_CERTIFICATE_PATH",
            vec![
                ("AZURE_TENANT_ID", seed::TENANT_ID),
                ("AZURE_CLIENT_ID", seed::CLIENT_ID),
                ("AZURE_CLIENT_CERTIFICATE_PATH", &pem),
                ("AZURE_AUTHORITY_HOST", &root),
            ],
        ),
        (
            "AZURE_CLIENT_CERTIFICATE_PATH",
            vec![
                ("AZURE_TENANT_ID", seed::TENANT_ID),
                ("AZURE_CLIENT_ID", seed::CLIENT_ID),
                ("AZURE_CLIENT_CERTIFICATE_PATH", &pfx),
                ("AZURE_CLIENT_CERTIFICATE_PASSWORD", PFX_PASSWORD),
                ("AZURE_AUTHORITY_HOST", &root),
            ],
        ),
        (
            "AZURE_FEDERATED_TOKEN_FILE",
            vec![
                ("AZURE_TENANT_ID", seed::TENANT_ID),
                ("AZURE_CLIENT_ID", seed::CLIENT_ID),
                ("AZURE_FEDERATED_TOKEN_FILE", &file),
                ("AZURE_AUTHORITY_HOST", &root),
            ],
        ),
        (
            "IDENTITY_ENDPOINT",
            vec![
                ("IDENTITY_ENDPOINT", &endpoint),
                ("IDENTITY_HEADER", seed::IDENTITY_HEADER),
            ],
        ),
    ];
    for (expected, vars) in environments {
        let credential = EnvCredential::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
        .expect("a credential");
        assert_eq!(credential.chosen_by(), expected);
        let client = signed_in_client(&emu, Arc::new(credential));
        list_plan(&client)
            .await
            .unwrap_or_else(|e| panic!("{expected}: {e}"));
    }
    assert_eq!(token_requests(&emu).len(), environments_len());
}

/// One token request per environment of the test above.
const fn environments_len() -> usize {
    6
}

/// The seed app's registered certificate and its key as a PKCS#12 bundle
/// (made for these tests with the password [`PFX_PASSWORD`]).
const SEED_PFX: &str = "seed_app.pfx";
const PFX_PASSWORD: &str = "pfx-fixture-password";

fn fixture_path(name: &str) -> String {
    format!(
        "{}/fixtures/certificates/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A certificate from a PKCS#12 bundle signs in as the same app as its
/// PEM (same thumbprint); a wrong password is a build error that says so
/// and never shows the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pkcs12_certificate_signs_in_and_a_wrong_password_is_named() {
    let emu = Setup::new().start_emulator().await;
    let from_pfx = ClientCertificate::pkcs12_builder(
        seed::TENANT_ID,
        seed::CLIENT_ID,
        fixture(SEED_PFX),
        PFX_PASSWORD,
    )
    .authority(emu.root_url())
    .build()
    .expect("the bundle opens");
    assert_eq!(
        from_pfx.thumbprint(),
        certificate(&emu, seed::CERTIFICATE_PEM).thumbprint()
    );
    assert!(!format!("{from_pfx:?}").contains(PFX_PASSWORD));
    let client = signed_in_client(&emu, Arc::new(from_pfx));
    list_plan(&client)
        .await
        .expect("signed in with the PKCS#12 certificate");

    let builder = ClientCertificate::pkcs12_builder(
        seed::TENANT_ID,
        seed::CLIENT_ID,
        fixture(SEED_PFX),
        "wrong-password-41",
    );
    assert!(!format!("{builder:?}").contains("wrong-password-41"));
    let err = builder.build().unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, Error::Config(_)), "{shown}");
    assert!(shown.contains("password"), "{shown}");
    assert!(!shown.contains("wrong-password-41"), "{shown}");
    assert_eq!(
        token_requests(&emu).len(),
        1,
        "nothing sent for the wrong one"
    );
}

fn certificate(emulator: &EmulatorHandle, pem: impl Into<Vec<u8>>) -> ClientCertificate {
    ClientCertificate::builder(seed::TENANT_ID, seed::CLIENT_ID, pem)
        .authority(emulator.root_url())
        .build()
        .expect("the PEM reads")
}

/// "Microsoft identity platform application authentication certificate
/// credentials": the app signs an assertion with the key of its registered
/// certificate; a revoked token is replaced with a newly signed one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificate_signs_in_with_a_new_assertion_each_time() {
    let emu = Setup::new().start_emulator().await;
    let client = signed_in_client(&emu, Arc::new(certificate(&emu, seed::CERTIFICATE_PEM)));
    list_plan(&client)
        .await
        .expect("signed in with the certificate");
    list_plan(&client).await.expect("cached");
    assert_eq!(token_requests(&emu).len(), 1);
    emu.revoke_tokens();
    list_plan(&client)
        .await
        .expect("a new assertion, a new token");
    assert_eq!(token_requests(&emu).len(), 2);
    assert!(!format!("{client:?}").contains("PRIVATE"));
}

/// Each refusal Entra ID gives a certificate assertion, as `Error::Auth`
/// 401 `invalid_client` with its AADSTS code: a certificate that is not
/// registered, the registered certificate with another key, an assertion
/// for another audience, and an expired one (the last two signed by hand
/// with the right key and sent through a token file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_certificate_key_audience_or_lifetime_is_refused_as_entra_id_does() {
    let emu = Setup::new().start_emulator().await;
    let seed_certificate = certificate(&emu, seed::CERTIFICATE_PEM);
    let hand_signed = |aud: &str, exp: u64| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.x5t_s256 = Some(seed_certificate.thumbprint().to_owned());
        let now = unix_now();
        let claims = json!({
            "aud": aud, "iss": seed::CLIENT_ID, "sub": seed::CLIENT_ID,
            "jti": format!("{aud}{exp}"), "nbf": now - 5, "exp": exp,
        });
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(seed::CERTIFICATE_PEM.as_bytes())
            .expect("the seed key");
        jsonwebtoken::encode(&header, &claims, &key).expect("signed")
    };
    let now = unix_now();
    let token_url = emu.token_url();
    let providers: Vec<(&str, Box<dyn TokenProvider>, &str)> = vec![
        (
            "unregistered certificate",
            Box::new(certificate(&emu, fixture("unregistered_certificate.pem"))),
            "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered",
        ),
        (
            "registered certificate, another key",
            Box::new(certificate(
                &emu,
                fixture("registered_certificate_wrong_key.pem"),
            )),
            "AADSTS700027: Client assertion failed signature validation.",
        ),
        (
            "another audience",
            {
                let path = token_file("cert-audience");
                let aud = format!(
                    "https://login.microsoftonline.com/{}/oauth2/v2.0/token",
                    seed::TENANT_ID
                );
                write(&path, &hand_signed(&aud, now + 600));
                Box::new(workload_identity(&emu, &path))
            },
            "AADSTS700023: Client assertion audience claim does not match Realm issuer.",
        ),
        (
            "expired",
            {
                let path = token_file("cert-expired");
                write(&path, &hand_signed(&token_url, now - 60));
                Box::new(workload_identity(&emu, &path))
            },
            "AADSTS700024: Client assertion is not within its valid time range.",
        ),
    ];
    for (case, provider, says) in providers {
        let err = provider.token().await.expect_err(case);
        let Error::Auth(auth) = &err else {
            panic!("{case}: expected Error::Auth, got {err:?}");
        };
        assert_eq!(auth.kind(), AuthErrorKind::Refused, "{case}");
        assert_eq!(auth.code(), Some("invalid_client"), "{case}");
        let description = auth.description().unwrap_or_default();
        assert!(description.starts_with(says), "{case}: {description}");
        assert!(
            !format!("{err:?}").contains("eyJ"),
            "{case}: an assertion in {err:?}"
        );
    }
    // The hand-signed assertion itself is good: the right audience and
    // lifetime sign in, so the refusals above are for what was changed.
    let path = token_file("cert-good");
    write(&path, &hand_signed(&token_url, now + 600));
    workload_identity(&emu, &path)
        .token()
        .await
        .expect("accepted");
    assert!(graph_requests(&emu).is_empty());
}
