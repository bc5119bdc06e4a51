//! The tenant's directory: what the organization is, for deciding who is
//! inside it.
//!
//! Sources: "List organizations" (`GET /organization`, one object in the
//! collection; delegated `User.Read` reads `id`, `displayName` and
//! `verifiedDomains`) and the "organization" and "verifiedDomain" resource
//! types of Microsoft Graph v1.0.

use serde::Deserialize;

use crate::graph_endpoint;
use crate::odata::{Collection, Select};

/// `GET /organization`: the signed-in tenant (a collection of one).
///
/// ```
/// use graph_core::directory::ListOrganization;
/// use graph_core::odata::Select;
/// use graph_core::Endpoint;
///
/// let list = ListOrganization::builder().select(Select::from(["id", "verifiedDomains"])).build();
/// assert_eq!(list.to_request()?.path_and_query(), "/organization?$select=id,verifiedDomains");
/// # Ok::<(), graph_core::Error>(())
/// ```
#[graph_endpoint(GET "/organization", response = Collection<Organization>)]
#[derive(Debug, Clone)]
pub struct ListOrganization {
    /// Which properties to return: `$select` is documented for this operation.
    #[query("$select")]
    select: Option<Select>,
}

/// An organization (a tenant), as far as this crate reads it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Organization {
    /// The tenant id.
    pub id: Option<String>,
    /// The organization's name.
    pub display_name: Option<String>,
    /// The domains the tenant has verified it owns.
    #[serde(default)]
    pub verified_domains: Vec<VerifiedDomain>,
}

/// A domain the tenant owns ("verifiedDomain resource type").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VerifiedDomain {
    /// The domain name, such as `contoso.com`.
    pub name: Option<String>,
    /// Whether it is the tenant's default domain for new users.
    #[serde(default)]
    pub is_default: bool,
    /// Whether it is the initial `*.onmicrosoft.com` domain.
    #[serde(default)]
    pub is_initial: bool,
}

impl Organization {
    /// Whether `email` (or a user principal name) is at one of the
    /// tenant's verified domains, compared without case (DNS names are
    /// case-insensitive, RFC 4343).
    ///
    /// ```
    /// # let org: graph_core::directory::Organization = serde_json::from_value(serde_json::json!({
    /// #     "verifiedDomains": [{"name": "contoso.com"}]})).unwrap();
    /// assert!(org.owns_address("Lee.Gu@Contoso.com"));
    /// assert!(!org.owns_address("pat@northwind.example"));
    /// ```
    pub fn owns_address(&self, email: &str) -> bool {
        let Some((_, domain)) = email.rsplit_once('@') else {
            return false;
        };
        self.verified_domains
            .iter()
            .filter_map(|d| d.name.as_deref())
            .any(|name| name.eq_ignore_ascii_case(domain))
    }
}
