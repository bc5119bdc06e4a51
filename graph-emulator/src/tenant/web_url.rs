//! Browser addresses of items and owners of drives, derived from the tenant.
//!
//! Graph gives every driveItem a `webUrl` (`baseItem.webUrl` in the v1.0
//! CSDL); the shares API resolves a sharing URL, either a link's `webUrl` or
//! an item's, encoded as `u!…` ("Accessing shared DriveItems"). The seed
//! format has no such field, so the addresses are computed: stable for a
//! given tenant, and in the shapes OneDrive and SharePoint use.

use serde_json::{Value, json};

use super::{Drive, Tenant};

/// The one-letter kind SharePoint puts in link URLs (`/:w:/` for Word, …):
/// createLink's links and the generated tenant's both use it.
pub(crate) fn kind_letter(name: &str, is_folder: bool) -> char {
    if is_folder {
        return 'f';
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("doc" | "docx") => 'w',
        Some("xls" | "xlsx") => 'x',
        Some("ppt" | "pptx") => 'p',
        Some("pdf") => 'b',
        Some("jpg" | "jpeg" | "png" | "gif") => 'i',
        _ => 'u',
    }
}

impl Tenant {
    /// The tenant's SharePoint host name prefix: `contoso` for
    /// `contoso.onmicrosoft.com`.
    pub(crate) fn sharepoint_prefix(&self) -> &str {
        self.domains
            .iter()
            .find_map(|d| d.strip_suffix(".onmicrosoft.com"))
            .unwrap_or("contoso")
    }

    /// The `webUrl` of an item, or `None` when the drive or item is unknown.
    pub(crate) fn item_web_url(&self, drive_id: &str, item_id: &str) -> Option<String> {
        let drive = self.drive(drive_id)?;
        let path = drive.path_of(item_id)?;
        let path: String = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| format!("/{}", encode_segment(s)))
            .collect();
        let prefix = self.sharepoint_prefix();
        let base = if drive.is_personal() {
            format!("https://onedrive.live.com/personal/{}", short_id(drive))
        } else if let Some(user) = self
            .users
            .iter()
            .find(|u| u.drive_id.as_deref() == Some(drive_id))
        {
            let who: String = user
                .user_principal_name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            format!("https://{prefix}-my.sharepoint.com/personal/{who}/Documents")
        } else {
            let site = self
                .groups
                .iter()
                .find(|g| g.drive_id.as_deref() == Some(drive_id))
                .map(|g| g.display_name.as_str())
                .or_else(|| {
                    self.sites
                        .iter()
                        .find(|s| s.drive_id.as_deref() == Some(drive_id))
                        .map(|s| s.display_name.as_str())
                })
                .unwrap_or("root");
            let site: String = site.chars().filter(|c| !c.is_whitespace()).collect();
            format!("https://{prefix}.sharepoint.com/sites/{site}/Shared%20Documents")
        };
        Some(format!("{base}{path}"))
    }

    /// The `owner` identity set of a drive (`drive.owner` in the CSDL): the
    /// user, group or site it belongs to.
    pub(crate) fn drive_owner(&self, drive_id: &str) -> Value {
        if let Some(user) = self
            .users
            .iter()
            .find(|u| u.drive_id.as_deref() == Some(drive_id))
        {
            return json!({"user": {"id": user.id, "displayName": user.display_name}});
        }
        if let Some(group) = self
            .groups
            .iter()
            .find(|g| g.drive_id.as_deref() == Some(drive_id))
        {
            return json!({"group": {"id": group.id, "displayName": group.display_name}});
        }
        match self
            .sites
            .iter()
            .find(|s| s.drive_id.as_deref() == Some(drive_id))
        {
            Some(site) => json!({"application": {"displayName": site.display_name}}),
            None => json!({}),
        }
    }

    /// The id of the user who owns a drive, if a user does.
    pub(crate) fn drive_owner_user(&self, drive_id: &str) -> Option<&str> {
        self.users
            .iter()
            .find(|u| u.drive_id.as_deref() == Some(drive_id))
            .map(|u| u.id.as_str())
    }
}

fn short_id(drive: &Drive) -> String {
    drive
        .id
        .trim_start_matches("b!")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Percent-encodes what may not stand in a URL path segment.
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::seed;
    use super::*;

    #[test]
    fn every_item_has_a_distinct_web_url() {
        let t = Tenant::default_tenant();
        let mut seen = std::collections::HashSet::new();
        for drive in &t.drives {
            for item in &drive.items {
                let url = t.item_web_url(&drive.id, &item.id).unwrap();
                assert!(url.starts_with("https://"), "{url}");
                assert!(!url.contains(' '), "{url}");
                assert!(seen.insert(url));
            }
        }
        let q4 = t.item_web_url(seed::ME_DRIVE_ID, seed::ME_Q4_ID).unwrap();
        assert!(
            q4.ends_with("/Documents/Reports/Q4%20Forecast.xlsx"),
            "{q4}"
        );
        let plan = t
            .item_web_url(seed::ALEX_DRIVE_ID, seed::ALEX_PLAN_ID)
            .unwrap();
        assert_eq!(
            plan,
            "https://contoso-my.sharepoint.com/personal/alex_wilber_contoso_com/Documents/Projects/Plan.docx"
        );
        assert!(t.item_web_url(seed::ME_DRIVE_ID, "nope").is_none());
    }

    #[test]
    fn owners_are_the_user_group_or_site() {
        let t = Tenant::default_tenant();
        assert_eq!(
            t.drive_owner(seed::ALEX_DRIVE_ID)["user"]["id"],
            seed::ALEX_USER_ID
        );
        assert_eq!(
            t.drive_owner(seed::GROUP_DRIVE_ID)["group"]["id"],
            seed::GROUP_ID
        );
        assert_eq!(
            t.drive_owner_user(seed::ME_DRIVE_ID),
            Some(seed::ME_USER_ID)
        );
    }
}
