//! Directory lookups the invite handler makes once per recipient (users by
//! id, UPN, email or alias; groups by id or mail; undeliverable addresses),
//! kept in maps so an invite's cost does not grow with the directory.
//!
//! Built by [`Tenant::prepare`](super::Tenant) when the emulator starts; the
//! emulator never changes the directory afterwards. Until built (a tenant
//! edited in code), every lookup scans, so answers never go stale.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::{Group, Tenant, User};

#[derive(Clone, Default)]
pub(crate) struct DirectoryIndex {
    built: bool,
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
            ..Self::default()
        };
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
    fn indexed<'a, T>(
        &self,
        map: &HashMap<String, usize>,
        list: &'a [T],
        key: &str,
        scan: impl Fn(&T) -> bool,
    ) -> Option<&'a T> {
        if self.directory.built {
            return map.get(&key.to_ascii_lowercase()).map(|&p| &list[p]);
        }
        list.iter().find(|item| scan(item))
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
        if self.directory.built {
            return self
                .directory
                .users
                .get(&id.to_ascii_lowercase())
                .copied()
                .filter(|&p| self.users[p].id == id)
                .or_else(|| self.users.iter().position(|u| u.id == id));
        }
        self.users.iter().position(|u| u.id == id)
    }

    /// [`Tenant::is_undeliverable`], from the index once built.
    pub(crate) fn bounces(&self, email: &str) -> bool {
        if self.directory.built {
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
