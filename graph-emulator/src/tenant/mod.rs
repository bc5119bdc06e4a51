//! The directory and drives the emulator serves, and their JSON seed format.

mod directory;
mod generated;
mod index;
pub mod seed;
mod web_url;

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub(crate) use index::is_inherited;
pub(crate) use web_url::kind_letter;

/// A tenant: directory (users, groups, sites), app registrations, drives with
/// their items and permissions. [`Tenant::default_tenant`] is described by the
/// constants in [`seed`]; [`Tenant::from_json`] reads the same format (see the
/// crate README for the format).
///
/// ```
/// use graph_emulator::{Tenant, seed};
///
/// let tenant = Tenant::default_tenant();
/// assert_eq!(tenant.tenant_id, seed::TENANT_ID);
/// let again = Tenant::from_json(&tenant.to_json()).unwrap();
/// assert_eq!(again, tenant);
/// ```
///
/// `Debug` shows `<redacted>` for `access_token` and the clients' secrets.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tenant {
    /// Directory (tenant) id, the `{tenant}` of the token endpoint.
    pub tenant_id: String,
    /// Other names the token endpoint accepts for the tenant
    /// (`contoso.onmicrosoft.com`).
    #[serde(default)]
    pub domains: Vec<String>,
    /// A delegated access token for the signed-in user (`me`) that is valid
    /// without calling the token endpoint and never expires.
    pub access_token: String,
    /// The id of the signed-in user, whom `/me` and `/drive` address.
    pub me: String,
    /// The delegated permissions [`access_token`](Self::access_token)
    /// carries (its `scp` claim), which Graph checks each operation against.
    #[serde(default)]
    pub access_token_scopes: Vec<String>,
    /// The application permissions (app roles) an admin granted the
    /// system-assigned managed identity: its tokens carry them as `roles`.
    #[serde(default)]
    pub managed_identity_permissions: Vec<String>,
    /// App registrations allowed to use the client-credentials flow.
    #[serde(default)]
    pub clients: Vec<AppClient>,
    /// Directory users.
    #[serde(default)]
    pub users: Vec<User>,
    /// Microsoft 365 groups.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// SharePoint sites.
    #[serde(default)]
    pub sites: Vec<Site>,
    /// Drives and their items.
    #[serde(default)]
    pub drives: Vec<Drive>,
    /// Email addresses that cannot receive mail: inviting them with
    /// `sendInvitation: true` succeeds with 207 and a per-recipient error.
    #[serde(default)]
    pub undeliverable_emails: Vec<String>,
    /// Directory lookups (derived, rebuilt when the emulator starts).
    #[serde(skip)]
    directory: directory::DirectoryIndex,
}

/// An app registration (client-credentials flow). `Debug` hides the secret.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppClient {
    /// Application (client) id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// Display name, for messages.
    #[serde(default)]
    pub display_name: String,
    /// Certificates whose keys sign this app's client assertions.
    #[serde(default)]
    pub key_credentials: Vec<KeyCredential>,
    /// Tokens of other identity providers this app accepts as its client
    /// assertion (workload identity federation).
    #[serde(default)]
    pub federated_identity_credentials: Vec<FederatedIdentityCredential>,
    /// The redirect URIs of its "Mobile and desktop applications" platform
    /// (Graph's `application.publicClient.redirectUris`), where the
    /// authorize endpoint may send codes. Loopback ones match whatever
    /// their port ("Redirect URI (reply URL) outline and restrictions").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_client_redirect_uris: Vec<String>,
    /// Microsoft Graph application permissions (app roles such as
    /// `Files.ReadWrite.All`) an admin granted the app: its app-only tokens
    /// carry exactly these as `roles`, whatever it asks for (the
    /// client-credentials flow asks for `/.default`).
    #[serde(default)]
    pub granted_application_permissions: Vec<String>,
    /// Microsoft Graph delegated permissions (such as `Files.Read`)
    /// configured for the app and consented to: a delegated token carries
    /// the requested ones among these as `scp`, and `/.default` asks for all
    /// of them ("Scopes and permissions in the Microsoft identity platform").
    #[serde(default)]
    pub granted_delegated_permissions: Vec<String>,
}

/// A certificate registered for an app, as Graph's `keyCredential`
/// resource describes it (`type` `AsymmetricX509Cert`, `usage` `Verify`,
/// `key` the certificate's DER, base64).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyCredential {
    /// A name for messages (the certificate's subject, say).
    #[serde(default)]
    pub display_name: String,
    /// `AsymmetricX509Cert`.
    #[serde(rename = "type")]
    pub key_type: String,
    /// `Verify`: the key checks the app's signatures.
    pub usage: String,
    /// The certificate, DER in standard base64.
    pub key: String,
}

/// A trust in another identity provider's tokens, as Graph's
/// `federatedIdentityCredential` resource describes it: a token whose `iss`
/// is `issuer`, whose `sub` is `subject` (both compared case-sensitively)
/// and whose `aud` is one of `audiences` stands for the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FederatedIdentityCredential {
    /// Its name, unique within the app.
    pub name: String,
    /// The external identity provider's issuer URL.
    pub issuer: String,
    /// The external workload's identifier at that issuer.
    pub subject: String,
    /// The `aud` values accepted; Microsoft Entra ID's is `api://AzureADTokenExchange`.
    pub audiences: Vec<String>,
}

/// A directory user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    /// Object id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Primary email address.
    pub mail: String,
    /// Sign-in name; `/users/{upn}/drive` accepts it as well as the id.
    pub user_principal_name: String,
    /// The user's OneDrive, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_id: Option<String>,
}

/// A Microsoft 365 group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Group {
    /// Object id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Group mailbox address.
    #[serde(default)]
    pub mail: String,
    /// The group's document library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_id: Option<String>,
}

/// A SharePoint site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Site {
    /// Composite id `hostname,siteCollectionId,webId`.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// The site's default document library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drive_id: Option<String>,
}

/// A drive and its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Drive {
    /// Drive id (`b!…`).
    pub id: String,
    /// `personal`, `business` or `documentLibrary`.
    pub drive_type: String,
    /// Drive name.
    #[serde(default)]
    pub name: String,
    /// Items; exactly one has no `parentId` (the root), and every other
    /// item's parents lead to it.
    #[serde(default)]
    pub items: Vec<Item>,
    /// Lookups by id, path and grantee (derived from `items`, rebuilt when
    /// the emulator starts).
    #[serde(skip)]
    index: index::DriveIndex,
}

/// A file or folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Item {
    /// Item id (`01BYE5RZ…`).
    pub id: String,
    /// Name, used by path addressing (`root:/Documents/Q3.xlsx:`).
    pub name: String,
    /// Parent folder's id; `None` for the root.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Whether the item is a folder.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub folder: bool,
    /// Permission resources exactly as Graph returns them (inherited ones
    /// carry `inheritedFrom`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<Value>,
    /// Whether the item stopped inheriting its ancestors' permissions (an
    /// invite with `retainInheritedPermissions: false` breaks inheritance):
    /// shares of an ancestor no longer reach it or the items below it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inheritance_broken: bool,
}

impl fmt::Debug for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tenant")
            .field("tenant_id", &self.tenant_id)
            .field("domains", &self.domains)
            .field("access_token", &"<redacted>")
            .field("me", &self.me)
            .field("access_token_scopes", &self.access_token_scopes)
            .field(
                "managed_identity_permissions",
                &self.managed_identity_permissions,
            )
            .field("clients", &self.clients)
            .field("users", &self.users)
            .field("groups", &self.groups)
            .field("sites", &self.sites)
            .field("drives", &self.drives)
            .field("undeliverable_emails", &self.undeliverable_emails)
            .finish()
    }
}

impl fmt::Debug for AppClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("display_name", &self.display_name)
            .field("key_credentials", &self.key_credentials.len())
            .field(
                "federated_identity_credentials",
                &self.federated_identity_credentials,
            )
            .field(
                "public_client_redirect_uris",
                &self.public_client_redirect_uris,
            )
            .field(
                "granted_application_permissions",
                &self.granted_application_permissions,
            )
            .field(
                "granted_delegated_permissions",
                &self.granted_delegated_permissions,
            )
            .finish()
    }
}

/// Why a seed document was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantError(String);

impl fmt::Display for TenantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid tenant seed: {}", self.0)
    }
}

impl std::error::Error for TenantError {}

const DEFAULT_TENANT_JSON: &str = include_str!("default_tenant.json");

impl Tenant {
    /// The built-in tenant: Contoso, signed in as Megan Bowen; its ids and
    /// names are the constants of [`seed`].
    pub fn default_tenant() -> Self {
        match Self::from_json(DEFAULT_TENANT_JSON) {
            Ok(tenant) => tenant,
            // The embedded document is checked by this crate's tests.
            Err(err) => unreachable!("built-in tenant is invalid: {err}"),
        }
    }

    /// Reads a tenant from the JSON seed format and checks it as
    /// [`Tenant::validate`] does.
    pub fn from_json(json: &str) -> Result<Self, TenantError> {
        let mut tenant: Tenant =
            serde_json::from_str(json).map_err(|e| TenantError(e.to_string()))?;
        tenant.prepare()?;
        Ok(tenant)
    }

    /// Checks, then builds the lookups the emulator serves from. The builder
    /// calls it when starting, since every field is public and may have been
    /// changed after [`Tenant::from_json`].
    pub(crate) fn prepare(&mut self) -> Result<(), TenantError> {
        self.validate()?;
        for drive in &mut self.drives {
            drive.reindex();
        }
        self.directory = directory::DirectoryIndex::build(self);
        Ok(())
    }

    /// Writes the tenant in the JSON seed format.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the references of a tenant: ids unique (users, groups, sites,
    /// drives; items and permissions within their drive and item), every
    /// drive referenced exists, `me` is a user, one root per drive, every
    /// parent exists and every item's parents lead to the root (no cycle),
    /// permissions are objects with a string `id`. The emulator refuses to
    /// start on a tenant that fails this.
    ///
    /// ```
    /// use graph_emulator::Tenant;
    ///
    /// let mut tenant = Tenant::default_tenant();
    /// let drive = &mut tenant.drives[0];
    /// let (a, b) = (drive.items[1].id.clone(), drive.items[2].id.clone());
    /// drive.items[1].parent_id = Some(b);
    /// drive.items[2].parent_id = Some(a);
    /// let err = tenant.validate().unwrap_err();
    /// assert!(err.to_string().contains("cycle"), "{err}");
    /// ```
    pub fn validate(&self) -> Result<(), TenantError> {
        let err = |m: String| Err(TenantError(m));
        if !self.users.iter().any(|u| u.id == self.me) {
            return err(format!("`me` ({}) is not a user", self.me));
        }
        let directory = [
            ("user", self.users.iter().map(|u| &u.id).collect::<Vec<_>>()),
            ("group", self.groups.iter().map(|g| &g.id).collect()),
            ("site", self.sites.iter().map(|s| &s.id).collect()),
        ];
        for (kind, ids) in directory {
            let mut seen = HashSet::new();
            if let Some(id) = ids
                .into_iter()
                .find(|id| !seen.insert(id.to_ascii_lowercase()))
            {
                return err(format!("duplicate {kind} id {id}"));
            }
        }
        let mut drive_ids = HashSet::new();
        for drive in &self.drives {
            if !drive_ids.insert(drive.id.as_str()) {
                return err(format!("duplicate drive id {}", drive.id));
            }
            let mut item_ids = HashSet::new();
            for item in &drive.items {
                if !item_ids.insert(item.id.to_ascii_lowercase()) {
                    return err(format!(
                        "duplicate item id {} in drive {}",
                        item.id, drive.id
                    ));
                }
            }
            let roots = drive.items.iter().filter(|i| i.parent_id.is_none()).count();
            if roots != 1 {
                return err(format!(
                    "drive {} has {roots} root items, expected 1",
                    drive.id
                ));
            }
            for item in &drive.items {
                if let Some(parent) = &item.parent_id
                    && !item_ids.contains(&parent.to_ascii_lowercase())
                {
                    return err(format!("item {} has unknown parent {parent}", item.id));
                }
                let mut perm_ids = HashSet::new();
                for perm in &item.permissions {
                    let Some(id) = perm.get("id").and_then(Value::as_str) else {
                        return err(format!("a permission of item {} has no string id", item.id));
                    };
                    if !perm_ids.insert(id) {
                        return err(format!("duplicate permission id {id} on item {}", item.id));
                    }
                }
            }
            if let Some(item) = first_cut_off_item(&drive.items) {
                return err(format!(
                    "item {} of drive {} is in a parent cycle: its parents never reach the root",
                    item.id, drive.id
                ));
            }
        }
        let owners = self
            .users
            .iter()
            .map(|u| ("user", &u.id, &u.drive_id))
            .chain(self.groups.iter().map(|g| ("group", &g.id, &g.drive_id)))
            .chain(self.sites.iter().map(|s| ("site", &s.id, &s.drive_id)));
        for (kind, id, drive) in owners {
            if let Some(drive) = drive
                && !drive_ids.contains(drive.as_str())
            {
                return err(format!("{kind} {id} refers to unknown drive {drive}"));
            }
        }
        Ok(())
    }

    /// A user by object id or user principal name (case-insensitive).
    /// (A scan; the emulator itself looks users up through its index.)
    pub fn user(&self, id_or_upn: &str) -> Option<&User> {
        self.scan_users(|u| {
            u.id.eq_ignore_ascii_case(id_or_upn)
                || u.user_principal_name.eq_ignore_ascii_case(id_or_upn)
        })
    }

    /// A user by email address or user principal name (case-insensitive).
    /// (A scan, like [`Tenant::user`].)
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.scan_users(|u| {
            u.mail.eq_ignore_ascii_case(email) || u.user_principal_name.eq_ignore_ascii_case(email)
        })
    }

    /// The first user `matches` accepts, counted in [`Tenant::lookup_cost`].
    fn scan_users(&self, matches: impl Fn(&User) -> bool) -> Option<&User> {
        let found = self.users.iter().position(matches);
        self.directory
            .count(found.map_or(self.users.len(), |p| p + 1));
        self.users.get(found?)
    }

    /// A drive by id.
    pub fn drive(&self, id: &str) -> Option<&Drive> {
        self.drives.get(self.drive_position(id)?)
    }

    pub(crate) fn drive_mut(&mut self, id: &str) -> Option<&mut Drive> {
        let position = self.drive_position(id)?;
        self.drives.get_mut(position)
    }

    /// How many entries (users, groups, sites, drives, items, permissions)
    /// the tenant's lookups have examined so far: one for each lookup its
    /// indexes answer, every entry passed for a scan. It counts work rather
    /// than time, so a test can check that a request costs what it asks for
    /// (an invite, its recipients; a 404, one lookup) whatever the tenant's
    /// size. A snapshot ([`EmulatorHandle::tenant`](crate::EmulatorHandle::tenant))
    /// carries the count of the running emulator.
    ///
    /// ```
    /// use graph_emulator::{Tenant, seed};
    ///
    /// let tenant = Tenant::default_tenant();
    /// let before = tenant.lookup_cost();
    /// let drive = tenant.drive(seed::ME_DRIVE_ID).unwrap();
    /// assert!(drive.item("no-such-item").is_none());
    /// assert_eq!(tenant.lookup_cost() - before, 2);
    /// ```
    pub fn lookup_cost(&self) -> u64 {
        self.directory.lookup_cost() + self.drives.iter().map(Drive::lookup_cost).sum::<u64>()
    }

    /// Whether mail to `email` is known to bounce.
    pub fn is_undeliverable(&self, email: &str) -> bool {
        self.undeliverable_emails
            .iter()
            .any(|e| e.eq_ignore_ascii_case(email))
    }
}

impl Drive {
    /// A drive with these items (the seed format's fields, in code).
    ///
    /// ```
    /// use graph_emulator::{Drive, Item};
    ///
    /// let root = Item { id: "R".into(), name: "root".into(), parent_id: None, folder: true, permissions: vec![], inheritance_broken: false };
    /// let drive = Drive::new("b!x", "business", "Documents", vec![root]);
    /// assert_eq!(drive.root().unwrap().id, "R");
    /// ```
    pub fn new(
        id: impl Into<String>,
        drive_type: impl Into<String>,
        name: impl Into<String>,
        items: Vec<Item>,
    ) -> Self {
        let mut drive = Self {
            id: id.into(),
            drive_type: drive_type.into(),
            name: name.into(),
            items,
            index: index::DriveIndex::default(),
        };
        drive.reindex();
        drive
    }

    /// The root item.
    pub fn root(&self) -> Option<&Item> {
        self.items.get(self.root_position()?)
    }

    /// An item by id (case-insensitive).
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.get(self.item_position(id)?)
    }

    /// The item at `path` below item `base` (names case-insensitive,
    /// empty segments ignored). Each segment is one lookup.
    pub fn item_at_path(&self, base: &str, path: &str) -> Option<&Item> {
        let mut current = self.item(base)?;
        for name in path.split('/').filter(|s| !s.is_empty()) {
            current = self.child(current, name)?;
        }
        Some(current)
    }

    /// The item's path from the root (`Documents/Reports/Q3.xlsx`); `None`
    /// for an unknown item, or one whose parents never reach the root (a
    /// cycle, which [`Tenant::validate`] refuses): the walk takes at most one
    /// step per item.
    pub fn path_of(&self, id: &str) -> Option<String> {
        let mut names = Vec::new();
        let mut current = self.item(id)?;
        while let Some(parent) = &current.parent_id {
            if names.len() >= self.items.len() {
                return None;
            }
            names.push(current.name.clone());
            current = self.item(parent)?;
        }
        names.reverse();
        Some(names.join("/"))
    }

    /// The children of item `parent_id` (case-insensitive), in the drive's
    /// order; empty for a file or an unknown item. Served from the drive's
    /// index: a folder's listing costs its children, not the drive.
    pub fn children(&self, parent_id: &str) -> impl Iterator<Item = &Item> {
        self.child_positions(parent_id)
            .into_iter()
            .map(move |p| &self.items[p])
    }

    /// Whether the drive is a OneDrive personal drive.
    pub fn is_personal(&self) -> bool {
        self.drive_type.eq_ignore_ascii_case("personal")
    }
}

/// The first item whose parents never reach a root (they run in a cycle),
/// in one pass: each item is walked once, remembering what it led to.
fn first_cut_off_item(items: &[Item]) -> Option<&Item> {
    let position: HashMap<String, usize> = items
        .iter()
        .enumerate()
        .map(|(p, i)| (i.id.to_ascii_lowercase(), p))
        .collect();
    // None: not walked yet; Some(true): reaches a root; Some(false): does not.
    let mut reaches_root: Vec<Option<bool>> = vec![None; items.len()];
    for start in 0..items.len() {
        let mut path = Vec::new();
        let mut on_path = HashSet::new();
        let mut current = start;
        let verdict = loop {
            if let Some(known) = reaches_root[current] {
                break known;
            }
            if !on_path.insert(current) {
                break false;
            }
            path.push(current);
            let parent = items[current]
                .parent_id
                .as_ref()
                .map(|p| position.get(&p.to_ascii_lowercase()).copied());
            match parent {
                None => break true,
                // A missing parent is reported on its own before this runs.
                Some(None) => break false,
                Some(Some(next)) => current = next,
            }
        };
        for p in path {
            reaches_root[p] = Some(verdict);
        }
        if !verdict {
            return Some(&items[start]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tenant_matches_seed_constants() {
        let t = Tenant::default_tenant();
        assert_eq!(t.tenant_id, seed::TENANT_ID);
        assert_eq!(t.access_token, seed::ACCESS_TOKEN);
        assert_eq!(t.me, seed::ME_USER_ID);
        assert!(t.domains.iter().any(|d| d == seed::TENANT_DOMAIN));
        assert_eq!(t.clients[0].client_id, seed::CLIENT_ID);
        assert_eq!(t.clients[0].client_secret, seed::CLIENT_SECRET);
        let me = t.user(seed::ME_USER_ID).unwrap();
        assert_eq!(me.mail, seed::ME_EMAIL);
        assert_eq!(me.display_name, seed::ME_DISPLAY_NAME);
        assert_eq!(me.drive_id.as_deref(), Some(seed::ME_DRIVE_ID));
        let alex = t.user(seed::ALEX_USER_ID).unwrap();
        assert_eq!(alex.mail, seed::ALEX_EMAIL);
        assert_eq!(alex.user_principal_name, seed::ALEX_UPN);
        assert_eq!(alex.drive_id.as_deref(), Some(seed::ALEX_DRIVE_ID));
        for (id, mail) in [
            (seed::ADELE_USER_ID, seed::ADELE_EMAIL),
            (seed::LEE_USER_ID, seed::LEE_EMAIL),
            (seed::ROBIN_USER_ID, seed::UNDELIVERABLE_EMAIL),
        ] {
            assert_eq!(t.user(id).unwrap().mail, mail);
        }
        assert!(t.is_undeliverable(seed::UNDELIVERABLE_EMAIL));
        assert!(t.user_by_email(seed::EXTERNAL_EMAIL).is_none());
        assert_eq!(t.groups[0].id, seed::GROUP_ID);
        assert_eq!(t.groups[0].drive_id.as_deref(), Some(seed::GROUP_DRIVE_ID));
        assert_eq!(t.sites[0].id, seed::SITE_ID);
        assert_eq!(t.sites[0].drive_id.as_deref(), Some(seed::SITE_DRIVE_ID));

        let me_drive = t.drive(seed::ME_DRIVE_ID).unwrap();
        assert_eq!(me_drive.drive_type, "personal");
        assert_eq!(me_drive.root().unwrap().id, seed::ME_ROOT_ID);
        for (id, path) in [
            (seed::ME_DOCUMENTS_ID, seed::ME_DOCUMENTS_PATH),
            (seed::ME_REPORTS_ID, seed::ME_REPORTS_PATH),
            (seed::ME_Q3_ID, seed::ME_Q3_PATH),
            (seed::ME_Q4_ID, seed::ME_Q4_PATH),
            (seed::ME_BUDGET_ID, seed::ME_BUDGET_PATH),
            (seed::ME_PHOTOS_ID, seed::ME_PHOTOS_PATH),
            (seed::ME_PHOTO_ID, seed::ME_PHOTO_PATH),
        ] {
            assert_eq!(me_drive.path_of(id).as_deref(), Some(path), "{id}");
        }
        let docs = me_drive.item(seed::ME_DOCUMENTS_ID).unwrap();
        assert_eq!(docs.permissions[0]["id"], seed::ME_DOCUMENTS_GRANT_ID);
        let q3 = me_drive.item(seed::ME_Q3_ID).unwrap();
        assert_eq!(q3.permissions[0]["id"], seed::ME_INHERITED_GRANT_ID);

        let alex_drive = t.drive(seed::ALEX_DRIVE_ID).unwrap();
        assert_eq!(alex_drive.drive_type, "business");
        assert_eq!(alex_drive.root().unwrap().id, seed::ALEX_ROOT_ID);
        assert_eq!(
            alex_drive.path_of(seed::ALEX_PROJECTS_ID).as_deref(),
            Some(seed::ALEX_PROJECTS_PATH)
        );
        assert_eq!(
            alex_drive.path_of(seed::ALEX_PLAN_ID).as_deref(),
            Some(seed::ALEX_PLAN_PATH)
        );

        let group_drive = t.drive(seed::GROUP_DRIVE_ID).unwrap();
        assert_eq!(group_drive.root().unwrap().id, seed::GROUP_ROOT_ID);
        assert_eq!(
            group_drive.path_of(seed::GROUP_CAMPAIGNS_ID).as_deref(),
            Some(seed::GROUP_CAMPAIGNS_PATH)
        );
        assert_eq!(
            group_drive.path_of(seed::GROUP_LAUNCH_ID).as_deref(),
            Some(seed::GROUP_LAUNCH_PATH)
        );
        assert_eq!(
            group_drive
                .item(seed::GROUP_LAUNCH_ID)
                .unwrap()
                .permissions
                .len(),
            3
        );

        let site_drive = t.drive(seed::SITE_DRIVE_ID).unwrap();
        assert_eq!(site_drive.root().unwrap().id, seed::SITE_ROOT_ID);
        assert_eq!(
            site_drive.path_of(seed::SITE_POLICIES_ID).as_deref(),
            Some(seed::SITE_POLICIES_PATH)
        );
        assert_eq!(
            site_drive.path_of(seed::SITE_HANDBOOK_ID).as_deref(),
            Some(seed::SITE_HANDBOOK_PATH)
        );
    }

    #[test]
    fn rejects_broken_seeds() {
        assert!(Tenant::from_json("{").is_err());
        let mut t = Tenant::default_tenant();
        t.me = "nobody".into();
        assert!(Tenant::from_json(&t.to_json()).is_err());
        let mut t = Tenant::default_tenant();
        t.drives[0].items[1].parent_id = Some("missing".into());
        assert!(Tenant::from_json(&t.to_json()).is_err());
        let mut t = Tenant::default_tenant();
        t.users[0].drive_id = Some("b!missing".into());
        assert!(Tenant::from_json(&t.to_json()).is_err());
    }

    #[test]
    fn resolves_paths_case_insensitively() {
        let t = Tenant::default_tenant();
        let d = t.drive(seed::ME_DRIVE_ID).unwrap();
        let q3 = d
            .item_at_path(seed::ME_ROOT_ID, "documents/REPORTS/q3.xlsx")
            .unwrap();
        assert_eq!(q3.id, seed::ME_Q3_ID);
        assert!(d.item_at_path(seed::ME_ROOT_ID, "Documents/nope").is_none());
    }

    fn item(id: &str, parent: Option<&str>) -> Item {
        Item {
            id: id.into(),
            name: format!("{id}-name"),
            parent_id: parent.map(Into::into),
            folder: true,
            permissions: Vec::new(),
            inheritance_broken: false,
        }
    }

    #[test]
    fn parent_cycles_are_refused_with_the_item_named() {
        let mut t = Tenant::default_tenant();
        let items = &mut t.drives[0].items;
        items.push(item("LOOP-A", Some("loop-b")));
        items.push(item("LOOP-B", Some("LOOP-C")));
        items.push(item("LOOP-C", Some("LOOP-A")));
        items.push(item("HANGS-OFF-LOOP", Some("LOOP-C")));
        let err = t.validate().unwrap_err().to_string();
        assert!(err.contains("LOOP-A") && err.contains("cycle"), "{err}");
        assert!(Tenant::from_json(&t.to_json()).is_err());
        // An item that is its own parent, too.
        let mut t = Tenant::default_tenant();
        t.drives[1].items.push(item("SELF", Some("self")));
        let err = t.validate().unwrap_err().to_string();
        assert!(err.contains("SELF") && err.contains("cycle"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let mut t = Tenant::default_tenant();
        let dup = t.users[1].id.to_ascii_uppercase();
        t.users[0].id = dup;
        t.me = t.users[0].id.clone();
        let err = t.validate().unwrap_err().to_string();
        assert!(err.contains("duplicate user id"), "{err}");

        let mut t = Tenant::default_tenant();
        let copy = t.drives[0].items[2].clone();
        t.drives[0].items.push(copy);
        assert!(
            t.validate()
                .unwrap_err()
                .to_string()
                .contains("duplicate item id")
        );

        let mut t = Tenant::default_tenant();
        let item = t.drives[0]
            .items
            .iter_mut()
            .find(|i| !i.permissions.is_empty())
            .unwrap();
        let copy = item.permissions[0].clone();
        item.permissions.push(copy);
        let err = t.validate().unwrap_err().to_string();
        assert!(err.contains("duplicate permission id"), "{err}");
    }

    #[test]
    fn path_lookups_end_even_on_a_drive_with_a_cycle() {
        // Built in code, never validated: the lookups still end.
        let drive = Drive::new(
            "b!x",
            "business",
            "",
            vec![
                item("ROOT", None),
                item("A", Some("B")),
                item("B", Some("A")),
                item("C", Some("ROOT")),
            ],
        );
        assert_eq!(drive.path_of("A"), None);
        assert_eq!(drive.path_of("C").as_deref(), Some("C-name"));
        assert_eq!(
            drive.item_at_path("A", "B-name/A-name/B-name").unwrap().id,
            "B"
        );
        assert!(drive.item_at_path("ROOT", "A-name").is_none());
    }

    #[test]
    fn debug_hides_the_tenants_secrets() {
        let t = Tenant::default_tenant();
        let shown = format!("{t:?}");
        assert!(!shown.contains(seed::CLIENT_SECRET), "{shown}");
        assert!(!shown.contains(seed::ACCESS_TOKEN), "{shown}");
        assert!(shown.contains(seed::CLIENT_ID));
    }
}
