//! The OpenID Connect metadata document, its key set, instance discovery,
//! and the TLS listener they are served on for Microsoft's own libraries.

mod common;

use common::{Resp, good_form, send, urlencode};
use graph_emulator::seed::ALEX_UPN;
use graph_emulator::{Emulator, EmulatorHandle, seed};
use serde_json::Value;

const CONFIG: &str = "v2.0/.well-known/openid-configuration";

async fn get(emu: &EmulatorHandle, target: &str) -> Resp {
    send(emu.addr(), "GET", target, &[], None).await
}

fn assert_aad_error(resp: &Resp, status: u16, error: &str, code: u64) {
    assert_eq!(
        resp.status,
        status,
        "{}",
        String::from_utf8_lossy(&resp.body)
    );
    let json = resp.json();
    assert_eq!(json["error"], error);
    assert_eq!(json["error_codes"][0], code);
    let description = json["error_description"].as_str().unwrap_or_default();
    assert!(
        description.starts_with(&format!("AADSTS{code}:")),
        "{description}"
    );
}

/// A client that trusts only the TLS emulator's authority.
fn trusting(emu: &EmulatorHandle) -> reqwest::Client {
    let pem = emu.ca_certificate_pem().expect("a TLS emulator has a CA");
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("the PEM parses");
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn a_tenant_document_names_the_tenant_by_id_whether_asked_by_id_or_by_domain() {
    let emu = Emulator::start().await.unwrap();
    let root = emu.root_url();
    for name in [
        seed::TENANT_ID,
        seed::TENANT_DOMAIN,
        "CONTOSO.onmicrosoft.com",
    ] {
        let resp = get(&emu, &format!("/{name}/{CONFIG}")).await;
        assert_eq!(resp.status, 200, "{name}");
        assert!(
            resp.header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
        let doc = resp.json();
        let base = format!("{root}/{}", seed::TENANT_ID);
        assert_eq!(doc["issuer"], format!("{base}/v2.0"), "{name}");
        assert_eq!(doc["token_endpoint"], format!("{base}/oauth2/v2.0/token"));
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{base}/oauth2/v2.0/authorize")
        );
        assert_eq!(
            doc["device_authorization_endpoint"],
            format!("{base}/oauth2/v2.0/devicecode")
        );
        assert_eq!(doc["jwks_uri"], format!("{base}/discovery/v2.0/keys"));
        // Not served by the emulator, so not named.
        for unserved in [
            "end_session_endpoint",
            "userinfo_endpoint",
            "kerberos_endpoint",
        ] {
            assert_eq!(doc.get(unserved), None, "{unserved}");
        }
        assert_eq!(doc["tenant_region_scope"], "NA");
        for field in [
            "response_types_supported",
            "scopes_supported",
            "subject_types_supported",
            "id_token_signing_alg_values_supported",
            "token_endpoint_auth_methods_supported",
            "claims_supported",
            "response_modes_supported",
        ] {
            assert!(
                doc[field].as_array().is_some_and(|a| !a.is_empty()),
                "{field}"
            );
        }
        assert!(doc["cloud_instance_name"].is_string());
    }
}

#[tokio::test]
async fn the_documents_endpoints_are_the_ones_served() {
    let emu = Emulator::start().await.unwrap();
    let doc = get(&emu, &format!("/{}/{CONFIG}", seed::TENANT_DOMAIN))
        .await
        .json();
    let path = |url: &Value| {
        let url = url.as_str().unwrap();
        let rest = url.strip_prefix(&emu.root_url()).expect("on this emulator");
        rest.to_string()
    };
    let token = send(
        emu.addr(),
        "POST",
        &path(&doc["token_endpoint"]),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(good_form().as_bytes()),
    )
    .await;
    assert_eq!(token.status, 200);
    assert!(token.json()["access_token"].is_string());
    let device = send(
        emu.addr(),
        "POST",
        &path(&doc["device_authorization_endpoint"]),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(format!("client_id={}&scope=Files.ReadWrite.All", seed::CLIENT_ID).as_bytes()),
    )
    .await;
    assert_eq!(
        device.status,
        200,
        "{}",
        String::from_utf8_lossy(&device.body)
    );
    let keys = get(&emu, &path(&doc["jwks_uri"])).await;
    assert_eq!(keys.status, 200);
    // The emulator signs nothing, so it publishes no key.
    assert_eq!(keys.json(), serde_json::json!({ "keys": [] }));
}

/// Every field of `doc` that names a URL (`*_endpoint`, `*_uri`), by name.
fn named_urls(doc: &Value) -> Vec<(String, String)> {
    let mut urls: Vec<(String, String)> = doc
        .as_object()
        .expect("an object")
        .iter()
        .filter(|(name, _)| name.ends_with("_endpoint") || name.ends_with("_uri"))
        .map(|(name, url)| (name.clone(), url.as_str().expect(name).to_string()))
        .collect();
    urls.sort();
    urls
}

#[tokio::test]
async fn every_endpoint_the_document_names_is_served_for_the_tenant_by_id_and_by_domain() {
    let emu = Emulator::start().await.unwrap();
    let root = emu.root_url();
    for name in [seed::TENANT_ID, seed::TENANT_DOMAIN] {
        let doc = get(&emu, &format!("/{name}/{CONFIG}")).await.json();
        let urls = named_urls(&doc);
        let names: Vec<&str> = urls.iter().map(|(n, _)| n.as_str()).collect();
        // Each is called below; a new one must be served (and called here)
        // before the document may name it.
        assert_eq!(
            names,
            [
                "authorization_endpoint",
                "device_authorization_endpoint",
                "jwks_uri",
                "token_endpoint"
            ],
            "{name}"
        );
        for (field, url) in &urls {
            let path = url
                .strip_prefix(&root)
                .unwrap_or_else(|| panic!("{field} {url} is not on this emulator"));
            let addr = emu.addr();
            let form = |body: String| async move {
                let headers = [("Content-Type", "application/x-www-form-urlencoded")];
                send(addr, "POST", path, &headers, Some(body.as_bytes())).await
            };
            let resp = match field.as_str() {
                "token_endpoint" => form(good_form()).await,
                "device_authorization_endpoint" => {
                    form(format!("client_id={}&scope=Files.Read", seed::CLIENT_ID)).await
                }
                "jwks_uri" => get(&emu, path).await,
                "authorization_endpoint" => {
                    assert!(emu.sign_in_next_authorize_as(ALEX_UPN));
                    let query = format!(
                        "client_id={}&response_type=code&redirect_uri={}&scope=Files.Read\
                         &code_challenge={}&code_challenge_method=S256&state=s",
                        seed::CLIENT_ID,
                        urlencode("http://127.0.0.1:5000"),
                        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                    );
                    get(&emu, &format!("{path}?{query}")).await
                }
                other => panic!("{other} is not known to this test"),
            };
            let body = String::from_utf8_lossy(&resp.body).into_owned();
            match field.as_str() {
                "authorization_endpoint" => {
                    assert_eq!(resp.status, 302, "{field}: {body}");
                    let location = resp.header("location").unwrap_or_default();
                    assert!(
                        location.starts_with("http://127.0.0.1:5000/?code="),
                        "{location}"
                    );
                }
                _ => assert_eq!(resp.status, 200, "{field} {url}: {body}"),
            }
        }
    }
}

#[tokio::test]
async fn a_host_header_naming_another_server_never_reaches_the_document() {
    let emu = Emulator::start().await.unwrap();
    let root = emu.root_url();
    let port = emu.addr().port();
    let target = format!("/{}/{CONFIG}", seed::TENANT_ID);
    let hostile = [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        // This machine, but another port: another program.
        format!("localhost:{}", port.wrapping_add(1).max(1)),
        // Where the emulator does not listen.
        format!("[::1]:{port}"),
    ];
    for host in &hostile {
        let resp = send(emu.addr(), "GET", &target, &[("Host", host)], None).await;
        assert_eq!(resp.status, 200, "{host}");
        for (field, url) in named_urls(&resp.json()) {
            assert!(
                url.starts_with(&format!("{root}/")),
                "{host}: {field} {url}"
            );
        }
        let instance = format!(
            "/common/discovery/instance?api-version=1.1&authorization_endpoint={}",
            urlencode(&format!("{root}/common/oauth2/v2.0/authorize"))
        );
        let resp = send(emu.addr(), "GET", &instance, &[("Host", host)], None).await;
        let endpoint = resp.json()["tenant_discovery_endpoint"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            endpoint.starts_with(&format!("{root}/")),
            "{host}: {endpoint}"
        );
    }
}

#[tokio::test]
async fn multi_tenant_authorities_keep_the_placeholder_issuer_and_unknown_tenants_are_90002() {
    let emu = Emulator::start().await.unwrap();
    let root = emu.root_url();
    for name in ["common", "organizations"] {
        let doc = get(&emu, &format!("/{name}/{CONFIG}")).await.json();
        assert_eq!(doc["issuer"], format!("{root}/{{tenantid}}/v2.0"));
        assert_eq!(
            doc["token_endpoint"],
            format!("{root}/{name}/oauth2/v2.0/token")
        );
        assert_eq!(doc["tenant_region_scope"], Value::Null);
    }
    let consumers = get(&emu, &format!("/consumers/{CONFIG}")).await.json();
    assert_eq!(
        consumers["issuer"],
        format!("{root}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0")
    );
    let unknown = get(&emu, &format!("/fabrikam.onmicrosoft.com/{CONFIG}")).await;
    assert_aad_error(&unknown, 400, "invalid_tenant", 90002);
    let keys = get(&emu, "/fabrikam.onmicrosoft.com/discovery/v2.0/keys").await;
    assert_aad_error(&keys, 400, "invalid_tenant", 90002);
    let post = send(emu.addr(), "POST", &format!("/common/{CONFIG}"), &[], None).await;
    assert_aad_error(&post, 400, "invalid_request", 900561);
}

#[tokio::test]
async fn urls_follow_the_host_the_caller_reached_the_emulator_at() {
    let emu = Emulator::start().await.unwrap();
    let port = emu.addr().port();
    let host = format!("localhost:{port}");
    let doc = send(
        emu.addr(),
        "GET",
        &format!("/{}/{CONFIG}", seed::TENANT_ID),
        &[("Host", &host)],
        None,
    )
    .await
    .json();
    assert_eq!(
        doc["issuer"],
        format!("http://localhost:{port}/{}/v2.0", seed::TENANT_ID)
    );
}

#[tokio::test]
async fn instance_discovery_points_msal_at_the_tenant_document_of_this_host_only() {
    let emu = Emulator::start().await.unwrap();
    let root = emu.root_url();
    // As MSAL Python asks: api-version 1.0, the authority's host without its port.
    let authorize = format!(
        "https://127.0.0.1/{}/oauth2/v2.0/authorize",
        seed::TENANT_DOMAIN
    );
    let target = format!(
        "/common/discovery/instance?authorization_endpoint={}&api-version=1.0",
        urlencode(&authorize)
    );
    let found = get(&emu, &target).await;
    assert_eq!(found.status, 200);
    let json = found.json();
    let endpoint = json["tenant_discovery_endpoint"].as_str().unwrap();
    assert_eq!(endpoint, format!("{root}/{}/{CONFIG}", seed::TENANT_DOMAIN));
    // MSAL.NET looks the authority's host up without its port, MSAL.js
    // with it; either finds this instance, and the preferred host is the
    // name asked about, without a port (MSAL.NET sets it as a host name).
    let port = emu.addr().port();
    let aliases = &json["metadata"][0]["aliases"];
    for alias in ["127.0.0.1".to_string(), format!("127.0.0.1:{port}")] {
        assert!(
            aliases
                .as_array()
                .unwrap()
                .contains(&Value::from(alias.as_str())),
            "{alias} in {aliases}"
        );
    }
    assert_eq!(json["metadata"][0]["preferred_network"], "127.0.0.1");
    // The endpoint it names is served.
    let doc = get(&emu, endpoint.strip_prefix(&root).unwrap()).await;
    assert_eq!(doc.status, 200);

    let elsewhere = format!(
        "/common/discovery/instance?api-version=1.1&authorization_endpoint={}",
        urlencode("https://login.example.invalid/common/oauth2/v2.0/authorize")
    );
    assert_aad_error(&get(&emu, &elsewhere).await, 400, "invalid_instance", 50049);
    let missing = get(&emu, "/common/discovery/instance?api-version=1.1").await;
    assert_aad_error(&missing, 400, "invalid_request", 900144);
}

#[tokio::test]
async fn a_tls_emulator_serves_https_and_every_url_it_hands_out_says_https() {
    let emu = Emulator::builder().tls(true).start().await.unwrap();
    let root = emu.root_url();
    assert_eq!(root, format!("https://{}", emu.addr()));
    assert!(emu.base_url().starts_with("https://"));
    assert!(emu.token_url().starts_with("https://"));
    assert!(emu.identity_endpoint().starts_with("https://"));
    let path = emu.ca_certificate_path().unwrap().to_path_buf();
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, emu.ca_certificate_pem().unwrap());
    // One certificate and nothing else: no key is ever written.
    assert_eq!(written.matches("-----BEGIN ").count(), 1, "{written}");
    assert!(written.starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(!written.contains("PRIVATE KEY"));

    let http = trusting(&emu);
    let doc: Value = http
        .get(format!("{root}/{}/{CONFIG}", seed::TENANT_DOMAIN))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    assert_eq!(doc["issuer"], format!("{root}/{}/v2.0", seed::TENANT_ID));
    for field in [
        "token_endpoint",
        "authorization_endpoint",
        "jwks_uri",
        "device_authorization_endpoint",
    ] {
        assert!(
            doc[field].as_str().unwrap().starts_with("https://"),
            "{field}"
        );
    }
    let token = http
        .post(doc["token_endpoint"].as_str().unwrap())
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(good_form())
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    // Served by name too: the certificate names localhost.
    let pem = emu.ca_certificate_pem().unwrap();
    let by_name = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()])
        .resolve("localhost", emu.addr())
        .build()
        .unwrap();
    let answer = by_name
        .get(format!(
            "https://localhost:{}/common/{CONFIG}",
            emu.addr().port()
        ))
        .send()
        .await
        .unwrap();
    let doc: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    let token_endpoint = doc["token_endpoint"].as_str().unwrap();
    assert!(
        token_endpoint.starts_with("https://localhost:"),
        "{token_endpoint}"
    );

    drop(emu);
    assert!(
        !path.exists(),
        "the certificate file is removed with the emulator"
    );
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_certificate_and_plain_http_are_both_refused() {
    let emu = Emulator::builder().tls(true).start().await.unwrap();
    let url = format!("{}/common/{CONFIG}", emu.root_url());
    let untrusting = reqwest::Client::builder()
        .tls_certs_only([])
        .build()
        .unwrap();
    let err = untrusting.get(&url).send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(emu.tls_handshakes_failed(1).await, 1);
    assert!(emu.requests().is_empty(), "no request got through");
    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = reqwest::Client::new()
        .get(format!("http://{}/common/{CONFIG}", emu.addr()))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
    assert_eq!(emu.tls_handshakes_failed(2).await, 2);
    // And the emulator still serves a client that trusts it afterwards.
    let ok = trusting(&emu).get(&url).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(emu.failed_tls_handshakes(), 2);
}

#[tokio::test]
async fn a_plain_emulator_has_no_certificate() {
    let emu = Emulator::start().await.unwrap();
    assert!(emu.root_url().starts_with("http://"));
    assert_eq!(emu.ca_certificate_pem(), None);
    assert_eq!(emu.ca_certificate_path(), None);
    assert_eq!(emu.failed_tls_handshakes(), 0);
}

/// The first two ASN.1 times in a certificate's DER (its validity's
/// notBefore and notAfter, RFC 5280 §4.1.2.5), as seconds since 1970.
fn validity(der: &[u8]) -> (i64, i64) {
    let mut times = Vec::new();
    let mut i = 0;
    while i + 2 < der.len() && times.len() < 2 {
        let (tag, len) = (der[i], usize::from(der[i + 1]));
        let text = der.get(i + 2..i + 2 + len).unwrap_or_default();
        let digits = |t: &[u8]| t.iter().all(u8::is_ascii_digit);
        let parsed = match (tag, len) {
            // UTCTime YYMMDDHHMMSSZ; GeneralizedTime YYYYMMDDHHMMSSZ.
            (0x17, 13) if digits(&text[..12]) && text[12] == b'Z' => {
                let yy: i64 = std::str::from_utf8(&text[..2]).unwrap().parse().unwrap();
                Some((if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..12]))
            }
            (0x18, 15) if digits(&text[..14]) && text[14] == b'Z' => Some((
                std::str::from_utf8(&text[..4]).unwrap().parse().unwrap(),
                &text[4..14],
            )),
            _ => None,
        };
        if let Some((year, rest)) = parsed {
            let n = |k: usize| -> i64 {
                std::str::from_utf8(&rest[k..k + 2])
                    .unwrap()
                    .parse()
                    .unwrap()
            };
            let (month, day) = (n(0), n(2));
            // Days from the civil date (proleptic Gregorian).
            let y = if month <= 2 { year - 1 } else { year };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let mp = (month + 9) % 12;
            let doy = (153 * mp + 2) / 5 + day - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            times.push(days * 86_400 + n(4) * 3600 + n(6) * 60 + n(8));
            i += 2 + len;
        } else {
            i += 1;
        }
    }
    (times[0], times[1])
}

#[tokio::test]
async fn the_certificates_are_valid_from_a_day_ago_for_a_year_and_for_this_machine_only() {
    use base64::Engine as _;

    let emu = Emulator::builder().tls(true).start().await.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let pem = emu.ca_certificate_pem().unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let ca = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let ca_reqwest = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([ca_reqwest])
        .tls_info(true)
        .build()
        .unwrap();
    let answer = http
        .get(format!("{}/common/{CONFIG}", emu.root_url()))
        .send()
        .await
        .unwrap();
    let leaf = answer
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .expect("the server's certificate")
        .to_vec();
    // The authority carries name constraints (id-ce-nameConstraints,
    // 2.5.29.30, RFC 5280 §4.2.1.10): it vouches for this machine only.
    let name_constraints = [0x06, 0x03, 0x55, 0x1d, 0x1e];
    assert!(
        ca.windows(name_constraints.len())
            .any(|w| w == name_constraints),
        "the authority is constrained to this machine's names"
    );
    for (name, der) in [("authority", &ca), ("server", &leaf)] {
        let (not_before, not_after) = validity(der);
        // Valid already for a client whose clock is behind, but not since
        // long ago; and for less than Apple's 825-day limit.
        assert!(not_before <= now - 3600, "{name}: {not_before} vs {now}");
        assert!(
            not_before >= now - 2 * 86_400,
            "{name}: {not_before} vs {now}"
        );
        assert!(
            not_after >= now + 30 * 86_400,
            "{name}: {not_after} vs {now}"
        );
        assert!(
            not_after <= now + 398 * 86_400,
            "{name}: {not_after} vs {now}"
        );
    }
}

/// The binary with `--tls` on any port, started from a shell with `umask`,
/// and the certificate file its banner names.
#[cfg(unix)]
fn tls_binary(umask: &str) -> (std::process::Child, std::path::PathBuf) {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};

    let mut child = Command::new("sh")
        .args([
            "-c",
            &format!("umask {umask} && exec \"$0\" --tls --port 0"),
            env!("CARGO_BIN_EXE_graph-emulator"),
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    let path = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("TLS certificate authority")
                .and_then(|rest| rest.rsplit_once(": "))
                .map(|(_, path)| std::path::PathBuf::from(path))
        })
        .expect("the banner names the certificate file");
    assert!(path.exists(), "{}", path.display());
    (child, path)
}

/// Sends `signal` to `child`, as `kill -SIGNAL` does.
#[cfg(unix)]
fn kill(child: &std::process::Child, signal: &str) {
    let sent = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
}

#[cfg(unix)]
#[test]
fn the_binary_removes_its_certificate_file_on_ctrl_c_sigterm_and_sighup() {
    for signal in ["INT", "TERM", "HUP"] {
        let (mut child, path) = tls_binary("022");
        kill(&child, signal);
        let status = child.wait().unwrap();
        assert!(status.success(), "{signal}: {status:?}");
        assert!(!path.exists(), "{signal}: {} is left", path.display());
    }
}

/// Whoever may replace the trusted certificate can make clients trust
/// their own: the file is never writable by others, whatever the umask.
#[cfg(unix)]
#[test]
fn the_certificate_file_is_writable_by_its_owner_only_even_with_an_open_umask() {
    use std::os::unix::fs::PermissionsExt as _;

    let (mut child, path) = tls_binary("000");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    kill(&child, "TERM");
    let _ = child.wait();
    assert_eq!(mode & 0o022, 0, "{mode:o}");
    assert_eq!(mode & 0o400, 0o400, "{mode:o}: its owner reads it");
}

/// Whatever a client sends instead of a handshake (noise, a record that
/// claims more than it brings, a truncated hello, a flood of one byte), the
/// connection ends as a counted failed handshake, nothing is logged, and
/// the emulator goes on serving.
#[tokio::test]
async fn hostile_handshakes_fail_counted_and_the_emulator_goes_on_serving() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let emu = Emulator::builder().tls(true).start().await.unwrap();
    let mut noise = vec![0u8; 4096];
    let mut state = 0x2545_f491_u32;
    for byte in &mut noise {
        // xorshift: deterministic noise without a dependency.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        *byte = state.to_le_bytes()[0];
    }
    let hostile: Vec<Vec<u8>> = vec![
        noise,
        // A handshake record announcing 64 KiB, then nothing.
        vec![0x16, 0x03, 0x01, 0xff, 0xff],
        // A ClientHello cut short.
        vec![
            0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03,
        ],
        // An alert, then more records than any hello.
        [
            vec![0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28],
            vec![0x16; 70_000],
        ]
        .concat(),
        Vec::new(),
    ];
    for (n, bytes) in hostile.iter().enumerate() {
        let mut tcp = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
        // The emulator may hang up before all is written: that is its answer.
        let _ = tcp.write_all(bytes).await;
        let _ = tcp.shutdown().await;
        let mut answer = Vec::new();
        let _ = tcp.read_to_end(&mut answer).await;
        assert!(
            !answer.starts_with(b"HTTP/"),
            "case {n}: no HTTP answer without TLS"
        );
        let failed = n as u64 + 1;
        assert_eq!(emu.tls_handshakes_failed(failed).await, failed, "case {n}");
    }
    assert!(emu.requests().is_empty());
    let ok = trusting(&emu)
        .get(format!("{}/common/{CONFIG}", emu.root_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(emu.failed_tls_handshakes(), hostile.len() as u64);
}
