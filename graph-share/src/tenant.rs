//! Who is inside the tenant: the domains it has verified, read once per run
//! from `GET /organization`, so that every report row can say whether a
//! grantee is an outsider.

use std::sync::OnceLock;

use graph_core::Client;
use graph_core::directory::{ListOrganization, Organization};
use graph_core::odata::Select;

use crate::exit::describe;

/// The organization, once [`learn`] has read it; unset when it could not be.
static ORGANIZATION: OnceLock<Organization> = OnceLock::new();

/// Reads the tenant's verified domains. When Graph refuses (a token
/// without `User.Read` or `Organization.Read.All`, "List organizations",
/// Permissions), says so on stderr and goes on: outsiders are then told by
/// their guest markers alone.
///
/// Called once the subcommand's own request has been answered, so that
/// nothing is sent for input that turns out bad, and at most once a run.
pub async fn learn(client: &Client) {
    if ORGANIZATION.get().is_some() {
        return;
    }
    let list = ListOrganization::builder()
        .select(Select::from(["id", "verifiedDomains"]))
        .build();
    match client.send(&list).await {
        Ok(page) => match page.value.into_iter().next() {
            Some(organization) => {
                let _ = ORGANIZATION.set(organization);
            }
            None => eprintln!(
                "note: Graph named no organization; guests are told by their guest markers alone"
            ),
        },
        Err(error) => eprintln!(
            "note: the tenant's domains could not be read ({}); guests are told by their guest markers alone",
            describe(&error)
        ),
    }
}

/// Whether `address` (an email or user principal name) is at a domain the
/// tenant owns; `None` when the domains are not known.
pub fn owns(address: &str) -> Option<bool> {
    ORGANIZATION.get().map(|org| org.owns_address(address))
}
