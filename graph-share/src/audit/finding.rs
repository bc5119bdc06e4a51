//! What the audit reports about one permission: a sharing link, or a
//! grantee from outside the tenant. Pure: the permission in, the rows out.

use graph_core::drive::model::Permission;

use crate::output::{Cells, cells, grantees, is_external};

/// The columns of a finding, in order (the journal's `findings` table has
/// the same ones).
pub const FINDING_COLUMNS: [&str; 12] = [
    "path",
    "finding",
    "scope",
    "type",
    "roles",
    "grantees",
    "external",
    "expires",
    "password",
    "inherited_from",
    "permission_id",
    "link_url",
];

/// One row of the audit: a cell per [`FINDING_COLUMNS`] entry.
pub type Finding = [String; 12];

/// The findings of one item's permissions.
///
/// An inherited permission (`inheritedFrom` set) is the copy of a
/// permission of an ancestor ("List sharing permissions on a driveItem":
/// effective permissions come from the item itself and from its
/// ancestors), so it is reported once, on the item it comes from: here it
/// is skipped, unless `report_inherited`, for the item the audit starts
/// at, whose ancestors the audit does not visit.
pub fn findings(path: &str, permissions: &[Permission], report_inherited: bool) -> Vec<Finding> {
    permissions
        .iter()
        .filter(|p| report_inherited || p.inherited_from.is_none())
        .filter_map(|p| finding(path, p))
        .collect()
}

/// The row for one permission: a link (whatever its grantees), or a
/// permission granted to someone outside the tenant; `None` otherwise.
fn finding(path: &str, permission: &Permission) -> Option<Finding> {
    let external = is_external(permission);
    let link = permission.link.as_ref();
    if link.is_none() && !external {
        return None;
    }
    let kind = if link.is_some() {
        "link"
    } else {
        "external grantee"
    };
    let Cells {
        roles,
        expires,
        password,
        inherited,
    } = cells(permission);
    let url = link
        .and_then(|l| l.web_url.as_deref())
        .map(without_query)
        .unwrap_or_default();
    Some([
        path.to_owned(),
        kind.to_owned(),
        link.and_then(|l| l.scope.clone()).unwrap_or_default(),
        link.and_then(|l| l.link_type.clone()).unwrap_or_default(),
        roles,
        grantees(permission).join("; "),
        if external { "yes" } else { "no" }.to_owned(),
        expires,
        password.to_owned(),
        inherited,
        permission.id.clone().unwrap_or_default(),
        url,
    ])
}

/// A URL without its query and fragment: the team's redaction rule for
/// URLs in output (a link's query can carry an access key, `?e=…`).
pub fn without_query(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or(url).to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn permission(value: serde_json::Value) -> Permission {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn links_and_guests_are_findings_and_members_are_not() {
        let link = permission(json!({"id": "L", "roles": ["read"], "hasPassword": true,
            "expirationDateTime": "2027-01-01T00:00:00Z",
            "link": {"scope": "anonymous", "type": "view", "webUrl": "https://1drv.ms/u/s!abc?e=KEY#x"}}));
        let guest = permission(json!({"id": "G", "roles": ["write"],
            "grantedToV2": {"siteUser": {"email": "g@fabrikam.com",
                "loginName": "i:0#.f|membership|urn:spo:guest#g@fabrikam.com"}}}));
        let member = permission(json!({"id": "M", "roles": ["read"],
            "grantedToV2": {"user": {"email": "adele@contoso.com"}}}));
        let rows = findings("/Docs/a.txt", &[link, guest, member], false);
        assert_eq!(rows.len(), 2);
        let link = &rows[0];
        assert_eq!(link[1], "link");
        assert_eq!((link[2].as_str(), link[3].as_str()), ("anonymous", "view"));
        assert_eq!(link[7], "2027-01-01T00:00:00Z");
        assert_eq!(link[8], "yes");
        assert_eq!(link[11], "https://1drv.ms/u/s!abc", "no query, no fragment");
        let guest = &rows[1];
        assert_eq!(guest[1], "external grantee");
        assert_eq!(guest[5], "g@fabrikam.com");
        assert_eq!(guest[6], "yes");
        assert_eq!(guest[10], "G");
    }

    #[test]
    fn inherited_permissions_are_reported_only_where_asked() {
        let inherited = permission(json!({"id": "I", "roles": ["read"],
            "inheritedFrom": {"id": "P", "path": "/drives/d/root:/Docs"},
            "link": {"scope": "organization", "type": "edit"}}));
        assert!(findings("/Docs/a", std::slice::from_ref(&inherited), false).is_empty());
        let start = findings("/Docs/a", &[inherited], true);
        assert_eq!(start[0][9], "/drives/d/root:/Docs");
    }
}
