//! What a sign-in library reads before it asks for a token:
//!
//! - `GET /{tenant}/v2.0/.well-known/openid-configuration`, the OpenID
//!   Connect metadata document ("OpenID Connect on the Microsoft identity
//!   platform", section "Find your app's OpenID configuration document URI":
//!   the authority is `https://login.microsoftonline.com/{tenant}/v2.0`, and
//!   `{tenant}` is `common`, `organizations`, `consumers`, a tenant id or one
//!   of the tenant's domains). Its fields are those of Entra ID's own
//!   document, less the endpoints the emulator does not serve (sign-out,
//!   userinfo, Kerberos): every URL it names is served here. The URLs are
//!   built from the name the caller reached the emulator by (its `Host`
//!   header, when that is one of this listener's own names and port), with
//!   the listener's scheme.
//! - `GET /{tenant}/discovery/v2.0/keys`, its `jwks_uri`: the keys Entra ID
//!   signs tokens with. The emulator signs nothing (its tokens are unsigned,
//!   `alg: none`, and it issues no id_tokens), so the set is empty and says
//!   so honestly rather than holding a key nothing was signed with.
//! - `GET /common/discovery/instance?authorization_endpoint=…`, instance
//!   discovery, which MSAL calls for an authority host it does not know
//!   ("Custom authority aliases" / "Instance discovery" in MSAL's docs; MSAL
//!   Python sends `api-version=1.0`, MSAL.NET `1.1`). The emulator knows one
//!   instance, itself, and answers for an authorize endpoint on one of its
//!   own names ([`OWN_NAMES`]); any other host is `invalid_instance`
//!   (AADSTS50049), as Entra ID answers for a host it does not know.

use serde_json::{Value, json};

use super::token::{AadError, TokenAnswer, answer};
use crate::pipeline::Shared;
use crate::tenant::Tenant;
use crate::util::parse_pairs;

/// The tenant id Entra ID gives personal Microsoft accounts; `consumers`
/// stands for it (same section of "OpenID Connect on the Microsoft identity
/// platform").
const CONSUMERS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// What a discovery path asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Discovery<'a> {
    /// `/{tenant}/v2.0/.well-known/openid-configuration`
    OpenIdConfiguration(&'a str),
    /// `/{tenant}/discovery/v2.0/keys`
    Keys(&'a str),
    /// `/common/discovery/instance`
    Instance,
}

/// The discovery request `segments` (the path split at `/`) name, if any.
pub(crate) fn parse<'a>(segments: &[&'a str]) -> Option<Discovery<'a>> {
    let eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    match segments {
        [tenant, v2, well_known, config]
            if eq(v2, "v2.0")
                && eq(well_known, ".well-known")
                && eq(config, "openid-configuration") =>
        {
            Some(Discovery::OpenIdConfiguration(tenant))
        }
        [tenant, discovery, v2, keys]
            if eq(discovery, "discovery") && eq(v2, "v2.0") && eq(keys, "keys") =>
        {
            Some(Discovery::Keys(tenant))
        }
        [common, discovery, instance]
            if eq(common, "common") && eq(discovery, "discovery") && eq(instance, "instance") =>
        {
            Some(Discovery::Instance)
        }
        _ => None,
    }
}

/// Answers a discovery request. `origin` is `scheme://host[:port]` as the
/// caller reached the emulator ([`origin`]).
pub(crate) fn handle(
    shared: &Shared,
    request: &Discovery<'_>,
    method: &str,
    origin: &str,
    query: &str,
    client_request_id: Option<&str>,
    trace_id: String,
) -> TokenAnswer {
    let result = if method != "GET" {
        Err(AadError::new(
            400,
            "invalid_request",
            900561,
            "The endpoint only accepts GET requests.",
        ))
    } else {
        let tenant = &crate::lock(&shared.store).tenant;
        match request {
            Discovery::OpenIdConfiguration(name) => {
                resolve(tenant, name).map(|realm| configuration(origin, name, &realm))
            }
            Discovery::Keys(name) => resolve(tenant, name).map(|_| json!({ "keys": [] })),
            Discovery::Instance => instance(origin, query),
        }
    };
    answer(result, client_request_id, trace_id)
}

/// The tenant a `{tenant}` segment stands for: `None` for the multi-tenant
/// authorities, whose issuer keeps the literal `{tenantid}` placeholder.
struct Realm {
    tenant_id: Option<String>,
}

fn resolve(tenant: &Tenant, name: &str) -> Result<Realm, AadError> {
    if name.eq_ignore_ascii_case("common") || name.eq_ignore_ascii_case("organizations") {
        return Ok(Realm { tenant_id: None });
    }
    if name.eq_ignore_ascii_case("consumers") || name.eq_ignore_ascii_case(CONSUMERS_TENANT_ID) {
        return Ok(Realm {
            tenant_id: Some(CONSUMERS_TENANT_ID.to_string()),
        });
    }
    if tenant.tenant_id.eq_ignore_ascii_case(name)
        || tenant.domains.iter().any(|d| d.eq_ignore_ascii_case(name))
    {
        return Ok(Realm {
            tenant_id: Some(tenant.tenant_id.clone()),
        });
    }
    // Entra ID's answer for a tenant it does not know.
    Err(AadError::new(
        400,
        "invalid_tenant",
        90002,
        format!(
            "Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
        ),
    ))
}

/// The OpenID Connect metadata document, in Entra ID's v2.0 shape.
fn configuration(origin: &str, name: &str, realm: &Realm) -> Value {
    // A tenant's document names the tenant by id in its endpoints; the
    // multi-tenant ones keep the name they were asked by.
    let path_tenant = realm.tenant_id.as_deref().unwrap_or(name);
    let issuer_tenant = realm.tenant_id.as_deref().unwrap_or("{tenantid}");
    let base = format!("{origin}/{path_tenant}");
    let host = origin.split_once("://").map_or(origin, |(_, host)| host);
    json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{origin}/{issuer_tenant}/v2.0"),
        "request_uri_parameter_supported": false,
        // Entra ID's document also names `userinfo_endpoint` (on Graph),
        // `end_session_endpoint`, `kerberos_endpoint` and says
        // `http_logout_supported` / `frontchannel_logout_supported`: the
        // emulator serves none of them (it has no browser session to end
        // and issues no id_tokens), so it names none. OpenID Connect
        // Discovery 1.0 §3 makes them optional; MSAL reads the
        // authorization and token endpoints (and the device code one).
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "claims_supported": [
            "sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
            "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time",
            "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash",
            "c_hash", "email"
        ],
        // Entra ID gives a tenant's region ("NA", "EU", …) and null for the
        // multi-tenant authorities; the emulator's one tenant says "NA".
        "tenant_region_scope": realm.tenant_id.as_ref().map(|_| "NA"),
        "cloud_instance_name": host,
        "cloud_graph_host_name": host,
        "msgraph_host": host,
        "rbac_url": origin,
    })
}

/// Instance discovery for the authorize endpoint named in `query`.
fn instance(origin: &str, query: &str) -> Result<Value, AadError> {
    let pairs = parse_pairs(query, true).unwrap_or_default();
    let endpoint = pairs
        .iter()
        .find(|(k, _)| k == "authorization_endpoint")
        .map(|(_, v)| v.as_str())
        .ok_or_else(|| AadError::missing("authorization_endpoint"))?;
    let host = origin.split_once("://").map_or(origin, |(_, host)| host);
    // `https://host[:port]/{tenant}/oauth2[/v2.0]/authorize`: the host must
    // be this emulator's as the caller reached it.
    let asked_host = endpoint
        .split_once("://")
        .and_then(|(_, rest)| rest.split('/').next())
        .unwrap_or_default();
    // MSAL Python names the authority's host without its port, so only
    // the host names are compared: any of the names this listener answers
    // to.
    if !is_own_name(hostname(asked_host)) {
        return Err(AadError::new(
            400,
            "invalid_instance",
            50049,
            "Unknown or invalid instance.",
        ));
    }
    let tenant = endpoint
        .split_once("://")
        .and_then(|(_, rest)| rest.split('/').nth(1))
        .filter(|t| !t.is_empty())
        .unwrap_or("common");
    // Entra ID's entries name hosts without a port (its port is 443).
    // MSAL.NET looks the authority's host name up in `aliases` and puts
    // `preferred_network` in the authority's place as a host name, keeping
    // its port; MSAL.js looks up host and port. So the aliases are both
    // names, bare and with the listener's port, and the preferred host is
    // the name the client asked about, which the certificate covers too.
    let asked = hostname(asked_host).to_ascii_lowercase();
    let port = host.rsplit_once(':').map_or("", |(_, port)| port);
    let aliases: Vec<String> = OWN_NAMES
        .iter()
        .flat_map(|name| [name.to_string(), format!("{name}:{port}")])
        .collect();
    Ok(json!({
        "tenant_discovery_endpoint": format!("{origin}/{tenant}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{
            "preferred_network": asked,
            "preferred_cache": asked,
            "aliases": aliases,
        }],
    }))
}

/// The host of `host[:port]` (an IPv6 literal keeps its brackets).
fn hostname(authority: &str) -> &str {
    match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => &authority[..colon],
        _ => authority,
    }
}

/// The names the listener answers to, as the TLS certificate names them:
/// it binds 127.0.0.1 only, so `localhost` and `127.0.0.1`.
const OWN_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

fn is_own_name(hostname: &str) -> bool {
    OWN_NAMES
        .iter()
        .any(|own| own.eq_ignore_ascii_case(hostname))
}

/// `scheme://host:port` as the caller reached the emulator: its `Host`
/// header (RFC 9110 §7.2) when that names this listener (one of
/// [`OWN_NAMES`] and the listener's port, or no port when the listener is
/// on the scheme's default one), else the listener's own address
/// (`root_url`). The scheme and port are always the listener's.
///
/// An emulator rule, not Entra ID's: `Host` is whatever the sender wrote,
/// and the document tells a client where to send its secrets next, so a
/// document must never name another server (a proxy or cache in between
/// could hand it to other clients).
pub(crate) fn origin(root_url: &str, host_header: Option<&str>) -> String {
    let (scheme, listener) = root_url.split_once("://").unwrap_or(("http", root_url));
    let Some((_, listener_port)) = listener.rsplit_once(':') else {
        return root_url.to_string();
    };
    let default_port = if scheme == "https" { "443" } else { "80" };
    let Some(host) = host_header else {
        return root_url.to_string();
    };
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, port),
        None => (host, default_port),
    };
    if port == listener_port && is_own_name(name) {
        format!("{scheme}://{}:{listener_port}", name.to_ascii_lowercase())
    } else {
        root_url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_recognised_case_insensitively_and_nothing_else() {
        let split = |p: &str| -> Vec<String> {
            p.trim_start_matches('/')
                .split('/')
                .map(String::from)
                .collect()
        };
        let cases = [
            (
                "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
                Some(Discovery::OpenIdConfiguration("contoso.onmicrosoft.com")),
            ),
            (
                "/common/V2.0/.Well-Known/OpenID-Configuration",
                Some(Discovery::OpenIdConfiguration("common")),
            ),
            ("/t/discovery/v2.0/keys", Some(Discovery::Keys("t"))),
            ("/common/discovery/instance", Some(Discovery::Instance)),
            ("/t/.well-known/openid-configuration", None),
            ("/t/v2.0/.well-known/openid-configuration/x", None),
            ("/organizations/discovery/instance", None),
        ];
        for (path, want) in cases {
            let owned = split(path);
            let segments: Vec<&str> = owned.iter().map(String::as_str).collect();
            assert_eq!(parse(&segments), want, "{path}");
        }
    }

    #[test]
    fn the_origin_is_the_host_asked_for_with_the_listeners_scheme() {
        let root = "https://127.0.0.1:4443";
        assert_eq!(
            origin(root, Some("localhost:4443")),
            "https://localhost:4443"
        );
        assert_eq!(
            origin(root, Some("LocalHost:4443")),
            "https://localhost:4443"
        );
        assert_eq!(origin(root, Some("127.0.0.1:4443")), root);
        assert_eq!(
            origin("https://127.0.0.1:443", Some("localhost")),
            "https://localhost:443"
        );
        // Anything that does not name this listener falls back to it: no
        // document names another host or port.
        for odd in [
            "",
            "a/b",
            "evil.example",
            "evil.example:4443",
            "localhost.evil.example:4443",
            "127.0.0.1.nip.io:4443",
            "localhost:1",
            "localhost",
            "localhost:4443:4443",
            "[::1]:4443",
            "user@localhost:4443",
            "evil.example/x?y",
            "h\"ost",
            &"a".repeat(300),
        ] {
            assert_eq!(origin(root, Some(odd)), root, "{odd}");
        }
        assert_eq!(origin(root, None), root);
    }

    #[test]
    fn multi_tenant_documents_keep_the_issuer_placeholder() {
        let doc = configuration("https://h:1", "organizations", &Realm { tenant_id: None });
        assert_eq!(doc["issuer"], "https://h:1/{tenantid}/v2.0");
        assert_eq!(
            doc["token_endpoint"],
            "https://h:1/organizations/oauth2/v2.0/token"
        );
        assert_eq!(doc["tenant_region_scope"], Value::Null);
    }

    #[test]
    fn instance_discovery_knows_only_this_host() {
        let ok = instance(
            "https://127.0.0.1:9",
            "api-version=1.0&authorization_endpoint=https%3A%2F%2F127.0.0.1%3A9%2Fcontoso.onmicrosoft.com%2Foauth2%2Fv2.0%2Fauthorize",
        )
        .ok()
        .unwrap();
        assert_eq!(
            ok["tenant_discovery_endpoint"],
            "https://127.0.0.1:9/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
        );
        assert_eq!(
            ok["metadata"],
            json!([{
                "preferred_network": "127.0.0.1",
                "preferred_cache": "127.0.0.1",
                "aliases": ["localhost", "localhost:9", "127.0.0.1", "127.0.0.1:9"],
            }])
        );
        let by_name = instance(
            "https://127.0.0.1:9",
            "authorization_endpoint=https://LocalHost:9/common/oauth2/v2.0/authorize",
        )
        .ok()
        .unwrap();
        assert_eq!(by_name["metadata"][0]["preferred_network"], "localhost");
        let other = instance(
            "https://127.0.0.1:9",
            "authorization_endpoint=https%3A%2F%2Flogin.example%2Ft%2Foauth2%2Fv2.0%2Fauthorize",
        );
        assert_eq!(other.err().map(|e| e.code), Some(50049));
        // MSAL Python drops the port from the authority it asks about.
        let portless = instance(
            "https://127.0.0.1:9",
            "authorization_endpoint=https://127.0.0.1/organizations/oauth2/v2.0/authorize",
        )
        .ok()
        .unwrap();
        assert_eq!(
            portless["tenant_discovery_endpoint"],
            "https://127.0.0.1:9/organizations/v2.0/.well-known/openid-configuration"
        );
        assert_eq!(hostname("[::1]:9"), "[::1]");
        assert_eq!(hostname("[::1]"), "[::1]");
        assert_eq!(hostname("localhost"), "localhost");
        assert_eq!(
            instance("https://127.0.0.1:9", "api-version=1.1")
                .err()
                .map(|e| e.code),
            Some(900144)
        );
    }
}
