//! Directory lookups the invite handler makes once per recipient (users by
//! id, UPN, email or alias; groups by id or mail; undeliverable addresses),
//! kept in maps so an invite's cost does not grow with the directory.
//!
//! Also sites by id and drives by id, which every drive request resolves.
//!
//! Built by [`Tenant::prepare`](super::Tenant) when the emulator starts; the
//! emulator never changes the directory afterwards. Until built, or when the
//! lists no longer have the lengths it was built for (a tenant edited in
//! code), every lookup scans, so answers never go stale; a hit is always
//! checked against the entry it points at.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::index::LookupCost;
use super::{Group, Site, Tenant, User};

#[derive(Clone, Default)]
pub(crate) struct DirectoryIndex {
    built: bool,
    /// Lengths of `users`, `groups`, `sites`, `drives` when built.
    lens: [usize; 4],
    cost: LookupCost,
    sites_by_id: HashMap<String, usize>,
    /// Drive id (exact) → first such drive.
    drives_by_id: HashMap<String, usize>,
    /// Lower-cased id and user principal name → first such user.
    users: HashMap<String, usize>,
    /// Lower-cased mail and user principal name → first such user.
    users_by_email: HashMap<String, usize>,
    /// Lower-cased local part of mail and user principal name → first such user.
    users_by_alias: HashMap<String, usize>,
    groups_by_id: HashMap<String, usize>,
    groups_by_mail: HashMap<String, usize>,
    undeliverable: HashSet<String>,
}

/// The part of an address before `@`.
fn local_part(address: &str) -> &str {
    address.split('@').next().unwrap_or_default()
}

fn first(map: &mut HashMap<String, usize>, key: &str, position: usize) {
    map.entry(key.to_ascii_lowercase()).or_insert(position);
}

impl DirectoryIndex {
    pub(crate) fn build(tenant: &Tenant) -> Self {
        let mut index = Self {
            built: true,
            lens: lens(tenant),
            ..Self::default()
        };
        for (p, site) in tenant.sites.iter().enumerate() {
            first(&mut index.sites_by_id, &site.id, p);
        }
        for (p, drive) in tenant.drives.iter().enumerate() {
            index.drives_by_id.entry(drive.id.clone()).or_insert(p);
        }
        for (p, user) in tenant.users.iter().enumerate() {
            first(&mut index.users, &user.id, p);
            first(&mut index.users, &user.user_principal_name, p);
            first(&mut index.users_by_email, &user.mail, p);
            first(&mut index.users_by_email, &user.user_principal_name, p);
            first(&mut index.users_by_alias, local_part(&user.mail), p);
            first(
                &mut index.users_by_alias,
                local_part(&user.user_principal_name),
                p,
            );
        }
        for (p, group) in tenant.groups.iter().enumerate() {
            first(&mut index.groups_by_id, &group.id, p);
            first(&mut index.groups_by_mail, &group.mail, p);
        }
        index.undeliverable = tenant
            .undeliverable_emails
            .iter()
            .map(|e| e.to_ascii_lowercase())
            .collect();
        index
    }

    pub(crate) fn lookup_cost(&self) -> u64 {
        self.cost.get()
    }

    /// Adds `entries` examined outside the index (a public scan).
    pub(crate) fn count(&self, entries: usize) {
        self.cost.add(entries);
    }
}

fn lens(tenant: &Tenant) -> [usize; 4] {
    [
        tenant.users.len(),
        tenant.groups.len(),
        tenant.sites.len(),
        tenant.drives.len(),
    ]
}

/// Derived data: equal tenants are equal whatever their index.
impl PartialEq for DirectoryIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for DirectoryIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DirectoryIndex(built: {})", self.built)
    }
}

impl Tenant {
    /// Whether the index may be trusted for a miss.
    fn directory_fits(&self) -> bool {
        self.directory.built && self.directory.lens == lens(self)
    }

    /// The position in `list` of the entry `key` names: from `map` when the
    /// index fits and its hit is right, else by scanning with `matches`.
    fn indexed_position<T>(
        &self,
        map: &HashMap<String, usize>,
        list: &[T],
        key: &str,
        matches: impl Fn(&T) -> bool,
    ) -> Option<usize> {
        if self.directory_fits() {
            self.directory.cost.add(1);
            match map.get(key) {
                None => return None,
                Some(&p) if list.get(p).is_some_and(&matches) => return Some(p),
                Some(_) => {}
            }
        }
        let found = list.iter().position(matches);
        self.directory.cost.add(found.map_or(list.len(), |p| p + 1));
        found
    }

    fn indexed<'a, T>(
        &self,
        map: &HashMap<String, usize>,
        list: &'a [T],
        key: &str,
        scan: impl Fn(&T) -> bool,
    ) -> Option<&'a T> {
        let position = self.indexed_position(map, list, &key.to_ascii_lowercase(), scan)?;
        list.get(position)
    }

    /// A site by id (case-insensitive).
    pub(crate) fn find_site(&self, id: &str) -> Option<&Site> {
        self.indexed(&self.directory.sites_by_id, &self.sites, id, |s| {
            s.id.eq_ignore_ascii_case(id)
        })
    }

    /// The position of a drive by id (exact).
    pub(crate) fn drive_position(&self, id: &str) -> Option<usize> {
        self.indexed_position(&self.directory.drives_by_id, &self.drives, id, |d| {
            d.id == id
        })
    }

    /// [`Tenant::user`], from the index once built.
    pub(crate) fn find_user(&self, id_or_upn: &str) -> Option<&User> {
        self.indexed(&self.directory.users, &self.users, id_or_upn, |u| {
            u.id.eq_ignore_ascii_case(id_or_upn)
                || u.user_principal_name.eq_ignore_ascii_case(id_or_upn)
        })
    }

    /// [`Tenant::user_by_email`], from the index once built.
    pub(crate) fn find_user_by_email(&self, email: &str) -> Option<&User> {
        self.indexed(&self.directory.users_by_email, &self.users, email, |u| {
            u.mail.eq_ignore_ascii_case(email) || u.user_principal_name.eq_ignore_ascii_case(email)
        })
    }

    /// The first user whose mail or user principal name starts with `alias@`.
    pub(crate) fn find_user_by_alias(&self, alias: &str) -> Option<&User> {
        self.indexed(&self.directory.users_by_alias, &self.users, alias, |u| {
            local_part(&u.mail).eq_ignore_ascii_case(alias)
                || local_part(&u.user_principal_name).eq_ignore_ascii_case(alias)
        })
    }

    /// A group by object id (case-insensitive).
    pub(crate) fn find_group(&self, id: &str) -> Option<&Group> {
        self.indexed(&self.directory.groups_by_id, &self.groups, id, |g| {
            g.id.eq_ignore_ascii_case(id)
        })
    }

    /// A group by mail address (case-insensitive).
    pub(crate) fn find_group_by_mail(&self, mail: &str) -> Option<&Group> {
        self.indexed(&self.directory.groups_by_mail, &self.groups, mail, |g| {
            g.mail.eq_ignore_ascii_case(mail)
        })
    }

    /// The position of a user in `users`, by object id (exact).
    pub(crate) fn user_position(&self, id: &str) -> Option<usize> {
        if self.directory_fits() {
            self.directory.cost.add(1);
            let hit = self.directory.users.get(&id.to_ascii_lowercase()).copied();
            match hit {
                None => return None,
                Some(p) if self.users[p].id == id => return Some(p),
                // The index keys ids and UPNs case-insensitively; an exact
                // id that differs only in case is rare enough to scan for.
                Some(_) => {}
            }
        }
        let found = self.users.iter().position(|u| u.id == id);
        self.directory
            .cost
            .add(found.map_or(self.users.len(), |p| p + 1));
        found
    }

    /// [`Tenant::is_undeliverable`], from the index once built.
    pub(crate) fn bounces(&self, email: &str) -> bool {
        if self.directory_fits() {
            self.directory.cost.add(1);
            return self
                .directory
                .undeliverable
                .contains(&email.to_ascii_lowercase());
        }
        self.is_undeliverable(email)
    }
}

#[cfg(test)]
mod tests {
    use super::super::seed;
    use super::*;

    /// Every indexed lookup answers what the scan answers, for every name
    /// in the default tenant and a few that are in none.
    #[test]
    fn indexed_lookups_agree_with_scans() {
        let scanned: Tenant = serde_json::from_str(super::super::DEFAULT_TENANT_JSON).unwrap();
        let mut indexed = scanned.clone();
        indexed.prepare().unwrap();
        assert!(indexed.directory.built && !scanned.directory.built);
        let mut keys: Vec<String> = vec!["nobody".into(), "".into(), "X@Y.Z".into()];
        for u in &scanned.users {
            keys.extend([
                u.id.clone(),
                u.mail.to_uppercase(),
                u.user_principal_name.clone(),
            ]);
            keys.push(local_part(&u.mail).to_uppercase());
        }
        for g in &scanned.groups {
            keys.extend([g.id.to_uppercase(), g.mail.clone()]);
        }
        keys.extend(
            scanned
                .undeliverable_emails
                .iter()
                .map(|e| e.to_uppercase()),
        );
        let id = |u: Option<&User>| u.map(|u| u.id.clone());
        let gid = |g: Option<&Group>| g.map(|g| g.id.clone());
        for key in &keys {
            assert_eq!(
                id(indexed.find_user(key)),
                id(scanned.find_user(key)),
                "{key}"
            );
            assert_eq!(id(indexed.find_user(key)), id(scanned.user(key)), "{key}");
            assert_eq!(
                id(indexed.find_user_by_email(key)),
                id(scanned.user_by_email(key)),
                "{key}"
            );
            assert_eq!(
                id(indexed.find_user_by_alias(key)),
                id(scanned.find_user_by_alias(key)),
                "{key}"
            );
            assert_eq!(
                gid(indexed.find_group(key)),
                gid(scanned.find_group(key)),
                "{key}"
            );
            assert_eq!(
                gid(indexed.find_group_by_mail(key)),
                gid(scanned.find_group_by_mail(key)),
                "{key}"
            );
            assert_eq!(indexed.bounces(key), scanned.is_undeliverable(key), "{key}");
            assert_eq!(
                indexed.user_position(key),
                scanned.user_position(key),
                "{key}"
            );
        }
        assert!(indexed.bounces(&seed::UNDELIVERABLE_EMAIL.to_uppercase()));
    }
}
