//! National clouds and API versions: where requests and token requests go.

use std::net::IpAddr;

use reqwest::Url;

use crate::Error;
use crate::request::redacted_url;

/// A Microsoft Graph deployment: its Graph root and the Microsoft Entra
/// authority that signs in to it, as Microsoft's "National cloud
/// deployments" page (Microsoft Graph documentation) lists them.
///
/// ```
/// use graph_core::{ApiVersion, Cloud};
///
/// assert_eq!(Cloud::UsGovL4.base_url(ApiVersion::Beta), "https://graph.microsoft.us/beta");
/// assert_eq!(Cloud::China.login_authority(), "https://login.chinacloudapi.cn");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Cloud {
    /// The global service, `https://graph.microsoft.com`.
    #[default]
    Global,
    /// US Government L4, `https://graph.microsoft.us`.
    UsGovL4,
    /// US Government L5 (DOD), `https://dod-graph.microsoft.us`.
    UsGovL5,
    /// Microsoft Graph China operated by 21Vianet, `https://microsoftgraph.chinacloudapi.cn`.
    China,
}

impl Cloud {
    /// The Graph root, also the resource of the `/.default` scope.
    pub const fn graph_root(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::UsGovL4 => "https://graph.microsoft.us",
            Cloud::UsGovL5 => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The Microsoft Entra authority that issues tokens for this cloud
    /// ("National cloud deployments": both US Government clouds sign in at
    /// `login.microsoftonline.us`). Every credential of
    /// [`auth`](crate::auth) sends its token requests here unless given
    /// another authority.
    pub const fn login_authority(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::UsGovL4 | Cloud::UsGovL5 => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The scope that asks for every application permission granted on Graph.
    pub fn default_scope(self) -> String {
        format!("{}/.default", self.graph_root())
    }

    /// The API root for `version`.
    pub fn base_url(self, version: ApiVersion) -> String {
        format!("{}/{}", self.graph_root(), version.as_str())
    }

    /// Reads `global`, `usgovl4`, `usgovl5` (or `dod`) and `china`, ignoring case.
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "global" | "public" => Some(Cloud::Global),
            "usgovl4" | "usgov" => Some(Cloud::UsGovL4),
            "usgovl5" | "dod" => Some(Cloud::UsGovL5),
            "china" => Some(Cloud::China),
            _ => None,
        }
    }
}

/// The Graph API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiVersion {
    /// `v1.0`: the stable API.
    #[default]
    V1,
    /// `beta`: previews that may change.
    Beta,
}

impl ApiVersion {
    /// The version as it appears in URLs.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
}

/// Checks a base URL: `https`, or `http` on a loopback host only, and no
/// query, fragment or user-info. Returns it without a trailing `/`. Errors
/// show it redacted.
pub(crate) fn checked_base_url(base: &str) -> Result<String, Error> {
    // Shown redacted: a base URL pasted with a query or user-info can hold a secret.
    let shown = || redacted_url(base);
    let url = Url::parse(base)
        .map_err(|e| Error::Config(format!("base URL `{}` is not a URL: {e}", shown())))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::Config(format!(
                "base URL `{}` uses plain http to a host that is not loopback; use https",
                shown()
            )));
        }
        other => {
            return Err(Error::Config(format!(
                "base URL `{}` has scheme `{other}`; use https",
                shown()
            )));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL `{}` must not have a query or fragment",
            shown()
        )));
    }
    // Graph authenticates with the bearer token alone ("Authentication and
    // authorization basics for Microsoft Graph"); a password in the URL
    // would only be copied into every `Debug` of the client.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(format!(
            "base URL `{}` must not carry a user name or password",
            shown()
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cloud_has_its_documented_root() {
        let roots: Vec<_> = [Cloud::Global, Cloud::UsGovL4, Cloud::UsGovL5, Cloud::China]
            .map(|c| c.base_url(ApiVersion::V1))
            .into();
        assert_eq!(
            roots,
            [
                "https://graph.microsoft.com/v1.0",
                "https://graph.microsoft.us/v1.0",
                "https://dod-graph.microsoft.us/v1.0",
                "https://microsoftgraph.chinacloudapi.cn/v1.0"
            ]
        );
        assert_eq!(
            Cloud::Global.default_scope(),
            "https://graph.microsoft.com/.default"
        );
    }

    /// "National cloud deployments": the Microsoft Entra endpoint of each cloud.
    #[test]
    fn every_cloud_signs_in_at_its_documented_authority() {
        let authorities = [Cloud::Global, Cloud::UsGovL4, Cloud::UsGovL5, Cloud::China]
            .map(Cloud::login_authority);
        assert_eq!(
            authorities,
            [
                "https://login.microsoftonline.com",
                "https://login.microsoftonline.us",
                "https://login.microsoftonline.us",
                "https://login.chinacloudapi.cn"
            ]
        );
    }

    #[test]
    fn plain_http_only_on_loopback() {
        assert_eq!(
            checked_base_url("http://127.0.0.1:8080/v1.0/").unwrap(),
            "http://127.0.0.1:8080/v1.0"
        );
        assert!(checked_base_url("http://localhost/v1.0").is_ok());
        assert!(checked_base_url("http://[::1]:9/beta").is_ok());
        assert!(checked_base_url("http://127.9.9.9/v1.0").is_ok());
        for bad in [
            "http://graph.microsoft.com/v1.0",
            "http://10.0.0.1/v1.0",
            "ftp://x/y",
            "nonsense",
            "https://g/v1.0?x=1",
        ] {
            assert!(
                matches!(checked_base_url(bad), Err(Error::Config(_))),
                "{bad}"
            );
        }
    }
}
