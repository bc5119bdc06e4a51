//! Lookups kept beside a drive's items, so a request costs what it asks for:
//! items by id, by (parent, name) and by parent (a folder's children), and
//! per item its permissions by id and by grantee. Without them one invite cost recipients × permissions.
//!
//! The index is derived data: it is rebuilt when the emulator starts (the
//! tenant's fields are public, so a caller may have changed them), and the
//! emulator changes permissions only through [`Drive`]'s methods below, which
//! keep it current. Item lookups check what the index points at and fall
//! back to a scan only when the index is stale (never built, or built for a
//! different number of items, or pointing at the wrong item), so they stay
//! right on a tenant edited in code while a miss (a 404) costs one lookup.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::{Drive, Item};

/// The id a permission was granted to (`grantedToV2.user.id` or `.group.id`).
fn granted_id(permission: &Value) -> Option<&str> {
    let v2 = &permission["grantedToV2"];
    v2["user"]["id"]
        .as_str()
        .or_else(|| v2["group"]["id"].as_str())
}

/// The address the invitation behind a permission went to.
fn invitation_email(permission: &Value) -> Option<&str> {
    permission["invitation"]["email"].as_str()
}

/// Whether a permission is inherited (has a non-null `inheritedFrom`).
pub(crate) fn is_inherited(permission: &Value) -> bool {
    permission
        .get("inheritedFrom")
        .is_some_and(|v| !v.is_null())
}

/// How many entries lookups have examined: one per indexed lookup, every
/// entry passed for a scan. Counts work, not time, so tests can check what a
/// request costs; atomic because lookups take `&self`.
#[derive(Default)]
pub(crate) struct LookupCost(AtomicU64);

impl LookupCost {
    pub(crate) fn add(&self, entries: usize) {
        let entries = u64::try_from(entries).unwrap_or(u64::MAX);
        self.0.fetch_add(entries, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Clone for LookupCost {
    fn clone(&self) -> Self {
        Self(AtomicU64::new(self.get()))
    }
}

/// Lookups over one drive's items.
#[derive(Clone, Default)]
pub(crate) struct DriveIndex {
    /// Whether built from `items` (a default index is not).
    built: bool,
    /// How many items there were when it was built.
    items: usize,
    /// The root's position.
    root: Option<usize>,
    cost: LookupCost,
    /// Lower-cased item id → position in `items`.
    by_id: HashMap<String, usize>,
    /// (lower-cased parent id, lower-cased name) → first such child.
    children: HashMap<(String, String), usize>,
    /// Lower-cased parent id → positions of its children, ascending (the
    /// drive's order, which listing keeps stable across pages).
    by_parent: HashMap<String, Vec<usize>>,
    /// One per item, in the order of `items`; empty until indexed.
    permissions: Vec<PermissionIndex>,
}

/// Lookups over one item's permissions.
#[derive(Clone, Default, PartialEq, Debug)]
pub(crate) struct PermissionIndex {
    /// Permission id → position (the first, should ids repeat).
    by_id: HashMap<String, usize>,
    /// Lower-cased grantee id → positions of the non-inherited permissions
    /// granted to it, ascending.
    by_grantee_id: HashMap<String, Vec<usize>>,
    /// Lower-cased invitation email → positions of the non-inherited
    /// permissions sent there, ascending, each with whether it has a grantee id.
    by_email: HashMap<String, Vec<(usize, bool)>>,
    /// How many permissions are not inherited.
    own: usize,
    /// Set when the item was handed out for changing ([`Drive::item_mut`]):
    /// the lookups above may be out of date until rebuilt.
    stale: bool,
}

impl PermissionIndex {
    fn build(permissions: &[Value]) -> Self {
        let mut index = Self::default();
        for (position, permission) in permissions.iter().enumerate() {
            index.add(position, permission);
        }
        index
    }

    fn add(&mut self, position: usize, permission: &Value) {
        if let Some(id) = permission["id"].as_str() {
            self.by_id.entry(id.to_string()).or_insert(position);
        }
        if is_inherited(permission) {
            return;
        }
        self.own += 1;
        let grantee = granted_id(permission);
        if let Some(id) = grantee {
            self.by_grantee_id
                .entry(id.to_ascii_lowercase())
                .or_default()
                .push(position);
        }
        if let Some(email) = invitation_email(permission) {
            self.by_email
                .entry(email.to_ascii_lowercase())
                .or_default()
                .push((position, grantee.is_some()));
        }
    }

    /// The first non-inherited permission for this recipient: by grantee id
    /// when both sides have one, else by invitation email (case-insensitive).
    fn grantee(&self, object_id: Option<&str>, email: &str) -> Option<usize> {
        let by_email = self.by_email.get(&email.to_ascii_lowercase());
        match object_id {
            Some(id) => {
                let by_id = self
                    .by_grantee_id
                    .get(&id.to_ascii_lowercase())
                    .and_then(|p| p.first().copied());
                let by_email = by_email
                    .and_then(|list| list.iter().find(|(_, has_id)| !has_id))
                    .map(|(p, _)| *p);
                by_id.into_iter().chain(by_email).min()
            }
            None => by_email.and_then(|list| list.first()).map(|(p, _)| *p),
        }
    }
}

impl DriveIndex {
    fn build(items: &[Item]) -> Self {
        let mut index = Self {
            built: true,
            items: items.len(),
            root: items.iter().position(|i| i.parent_id.is_none()),
            ..Self::default()
        };
        for (position, item) in items.iter().enumerate() {
            index
                .by_id
                .entry(item.id.to_ascii_lowercase())
                .or_insert(position);
            if let Some(parent) = &item.parent_id {
                index
                    .children
                    .entry((parent.to_ascii_lowercase(), item.name.to_ascii_lowercase()))
                    .or_insert(position);
                index
                    .by_parent
                    .entry(parent.to_ascii_lowercase())
                    .or_default()
                    .push(position);
            }
            index
                .permissions
                .push(PermissionIndex::build(&item.permissions));
        }
        index
    }
}

/// Derived data: two drives with the same items are equal whatever their index.
impl PartialEq for DriveIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for DriveIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DriveIndex({} items)", self.by_id.len())
    }
}

impl Drive {
    /// Rebuilds every lookup from the items as they are now (the count of
    /// work done so far is kept).
    pub(crate) fn reindex(&mut self) {
        let cost = self.index.cost.get();
        self.index = DriveIndex::build(&self.items);
        self.index.cost = LookupCost(AtomicU64::new(cost));
    }

    /// Whether the index may be trusted for a miss: built, for as many items
    /// as there are. (A hit is always checked against the item itself.)
    fn index_fits(&self) -> bool {
        self.index.built && self.index.items == self.items.len()
    }

    /// How many entries this drive's lookups have examined (see
    /// [`Tenant::lookup_cost`](super::Tenant::lookup_cost)).
    pub(crate) fn lookup_cost(&self) -> u64 {
        self.index.cost.get()
    }

    /// Counts `entries` examined by a scan made elsewhere (the shares
    /// API's token resolution, which no index serves), so
    /// [`Tenant::lookup_cost`](super::Tenant::lookup_cost) shows its cost.
    pub(crate) fn count_scan(&self, entries: usize) {
        self.index.cost.add(entries);
    }

    /// Scans `items` for the first match, counting what it passes.
    fn scan(&self, matches: impl Fn(&Item) -> bool) -> Option<usize> {
        let found = self.items.iter().position(matches);
        self.index
            .cost
            .add(found.map_or(self.items.len(), |p| p + 1));
        found
    }

    /// The position of an item by id (case-insensitive).
    pub(crate) fn item_position(&self, id: &str) -> Option<usize> {
        let is_it = |i: &Item| i.id.eq_ignore_ascii_case(id);
        if self.index_fits() {
            self.index.cost.add(1);
            match self.index.by_id.get(&id.to_ascii_lowercase()) {
                None => return None,
                Some(&p) if self.items.get(p).is_some_and(is_it) => return Some(p),
                Some(_) => {}
            }
        }
        self.scan(is_it)
    }

    /// The position of the root item (the one without a parent).
    pub(crate) fn root_position(&self) -> Option<usize> {
        let is_root = |i: &Item| i.parent_id.is_none();
        if self.index_fits() {
            self.index.cost.add(1);
            match self.index.root {
                None => return None,
                Some(p) if self.items.get(p).is_some_and(is_root) => return Some(p),
                Some(_) => {}
            }
        }
        self.scan(is_root)
    }

    /// The first child of `parent` named `name` (both case-insensitive).
    pub(crate) fn child(&self, parent: &Item, name: &str) -> Option<&Item> {
        let is_child = |i: &Item| {
            i.parent_id
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(&parent.id))
                && i.name.eq_ignore_ascii_case(name)
        };
        if self.index_fits() {
            self.index.cost.add(1);
            let key = (parent.id.to_ascii_lowercase(), name.to_ascii_lowercase());
            match self.index.children.get(&key) {
                None => return None,
                Some(&p) if self.items.get(p).is_some_and(is_child) => return self.items.get(p),
                Some(_) => {}
            }
        }
        self.scan(is_child).map(|p| &self.items[p])
    }

    /// The positions of the children of the item `parent_id`
    /// (case-insensitive), in the drive's order. Through the index it costs
    /// one lookup plus one per child, so a walk of a drive costs its items,
    /// not items × folders; a stale index scans.
    pub(crate) fn child_positions(&self, parent_id: &str) -> Vec<usize> {
        self.child_page(parent_id, 0, usize::MAX).0
    }

    /// The positions of the children of `parent_id` from the `skip`th, at
    /// most `take` of them, and how many children there are in all. Through
    /// the index it costs one lookup plus one per child returned, so every
    /// page of a large folder costs its own size, not the folder's.
    pub(crate) fn child_page(
        &self,
        parent_id: &str,
        skip: usize,
        take: usize,
    ) -> (Vec<usize>, usize) {
        let is_child = |i: &Item| {
            i.parent_id
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(parent_id))
        };
        let page_of = |all: &[usize]| {
            let start = skip.min(all.len());
            let end = start.saturating_add(take).min(all.len());
            all[start..end].to_vec()
        };
        if self.index_fits() {
            let all = self
                .index
                .by_parent
                .get(&parent_id.to_ascii_lowercase())
                .map_or(&[][..], Vec::as_slice);
            let page = page_of(all);
            self.index.cost.add(1 + page.len());
            // A hit is checked against the items, as every lookup's is.
            if page
                .iter()
                .all(|&p| self.items.get(p).is_some_and(is_child))
            {
                return (page, all.len());
            }
        }
        self.index.cost.add(self.items.len());
        let all: Vec<usize> = (0..self.items.len())
            .filter(|&p| is_child(&self.items[p]))
            .collect();
        (page_of(&all), all.len())
    }

    /// The permission lookups of the item at `position`, built if missing
    /// or out of date.
    fn permission_index(&mut self, position: usize) -> &mut PermissionIndex {
        if self.index.permissions.len() != self.items.len() {
            self.index.cost.add(self.items.len());
            self.reindex();
        }
        if self.index.permissions[position].stale {
            self.rebuild_permissions(position);
        }
        self.index.cost.add(1);
        &mut self.index.permissions[position]
    }

    /// The item with this id, to change its permissions in any way (its
    /// id, name and parent must stay): its permission lookups are marked
    /// out of date and rebuilt at their next use.
    pub(crate) fn item_mut(&mut self, id: &str) -> Option<&mut Item> {
        let position = self.item_position(id)?;
        if let Some(index) = self.index.permissions.get_mut(position) {
            index.stale = true;
        }
        self.items.get_mut(position)
    }

    /// The position of permission `id` on the item at `item` (a scan only on
    /// a drive that was never indexed).
    pub(crate) fn permission_position(&self, item: usize, id: &str) -> Option<usize> {
        let permissions = &self.items.get(item)?.permissions;
        match self.index.permissions.get(item) {
            Some(index) if self.index.permissions.len() == self.items.len() && !index.stale => {
                self.index.cost.add(1);
                index.by_id.get(id).copied()
            }
            _ => {
                let found = permissions.iter().position(|p| p["id"] == id);
                self.index
                    .cost
                    .add(found.map_or(permissions.len(), |p| p + 1));
                found
            }
        }
    }

    /// The first non-inherited permission on the item at `item` for a
    /// recipient with this directory id (if any) and email.
    pub(crate) fn grantee_position(
        &mut self,
        item: usize,
        object_id: Option<&str>,
        email: &str,
    ) -> Option<usize> {
        self.permission_index(item).grantee(object_id, email)
    }

    /// Whether the item at `item` has a permission with this id.
    pub(crate) fn has_permission_id(&mut self, item: usize, id: &str) -> bool {
        self.permission_index(item).by_id.contains_key(id)
    }

    /// Whether the item at `item` has permissions of its own (not inherited).
    pub(crate) fn has_own_permissions(&mut self, item: usize) -> bool {
        self.permission_index(item).own > 0
    }

    /// Appends a permission to the item at `item`.
    pub(crate) fn push_permission(&mut self, item: usize, permission: Value) {
        let position = self.items[item].permissions.len();
        self.permission_index(item).add(position, &permission);
        self.items[item].permissions.push(permission);
    }

    /// Removes the permission at `position` of the item at `item`.
    pub(crate) fn remove_permission(&mut self, item: usize, position: usize) -> Value {
        let removed = self.items[item].permissions.remove(position);
        self.rebuild_permissions(item);
        removed
    }

    /// Drops the item's inherited permissions (inheritance broken).
    #[cfg(test)]
    pub(crate) fn drop_inherited(&mut self, item: usize) {
        self.items[item].permissions.retain(|p| !is_inherited(p));
        self.rebuild_permissions(item);
    }

    /// Sets one property of a permission. Only for properties the index does
    /// not read (`roles`, `expirationDateTime`): never `id`, `grantedToV2`,
    /// `invitation` or `inheritedFrom`.
    pub(crate) fn set_permission_property(
        &mut self,
        item: usize,
        position: usize,
        name: &str,
        value: Value,
    ) -> &Value {
        debug_assert!(!matches!(
            name,
            "id" | "grantedToV2" | "invitation" | "inheritedFrom"
        ));
        let permission = &mut self.items[item].permissions[position];
        permission[name] = value;
        permission
    }

    /// Changes a permission in any way (a link's grantees, say), then
    /// rebuilds the item's permission lookups; `None` when there is no such
    /// permission.
    pub(crate) fn edit_permission<R>(
        &mut self,
        item: usize,
        position: usize,
        edit: impl FnOnce(&mut Value) -> R,
    ) -> Option<R> {
        let permission = self.items.get_mut(item)?.permissions.get_mut(position)?;
        let result = edit(permission);
        self.rebuild_permissions(item);
        Some(result)
    }

    fn rebuild_permissions(&mut self, item: usize) {
        let rebuilt = PermissionIndex::build(&self.items[item].permissions);
        if self.index.permissions.len() != self.items.len() {
            self.reindex();
        } else {
            self.index.permissions[item] = rebuilt;
        }
    }

    /// Whether every lookup matches one rebuilt from scratch (for tests).
    #[cfg(test)]
    pub(crate) fn index_is_current(&self) -> bool {
        let fresh = DriveIndex::build(&self.items);
        fresh.by_id == self.index.by_id
            && fresh.children == self.index.children
            && fresh.by_parent == self.index.by_parent
            && fresh.permissions == self.index.permissions
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn drive(permissions: Vec<Value>) -> Drive {
        let mut drive = Drive {
            id: "b!d".into(),
            drive_type: "business".into(),
            name: String::new(),
            items: vec![
                Item {
                    id: "ROOT".into(),
                    name: "root".into(),
                    parent_id: None,
                    folder: true,
                    permissions: Vec::new(),
                    inheritance_broken: false,
                },
                Item {
                    id: "File".into(),
                    name: "Plan.docx".into(),
                    parent_id: Some("root".into()),
                    folder: false,
                    permissions,
                    inheritance_broken: false,
                },
            ],
            index: DriveIndex::default(),
        };
        drive.reindex();
        drive
    }

    fn user_grant(id: &str, user: &str, email: &str) -> Value {
        json!({"id": id, "roles": ["read"], "invitation": {"email": email},
               "grantedToV2": {"user": {"id": user}}})
    }

    fn guest_grant(id: &str, email: &str) -> Value {
        json!({"id": id, "roles": ["read"], "invitation": {"email": email}})
    }

    #[test]
    fn items_and_children_are_found_case_insensitively() {
        let drive = drive(Vec::new());
        assert_eq!(drive.item_position("file"), Some(1));
        assert_eq!(drive.item_position("nope"), None);
        let root = &drive.items[0];
        assert_eq!(drive.child(root, "PLAN.DOCX").unwrap().id, "File");
        assert!(drive.child(root, "other").is_none());
    }

    #[test]
    fn an_unindexed_drive_still_finds_items() {
        let mut drive = drive(Vec::new());
        drive.index = DriveIndex::default();
        assert_eq!(drive.item_position("FILE"), Some(1));
        assert_eq!(
            drive.child(&drive.items[0], "plan.docx").unwrap().id,
            "File"
        );
        // A caller edited the public fields after indexing: still right.
        let mut edited = self::tests::drive(Vec::new());
        edited.items.swap(0, 1);
        assert_eq!(edited.item_position("root"), Some(1));
    }

    /// A drive of many items: a hit or a miss (a 404) costs one lookup, not
    /// a scan; only a stale index scans.
    #[test]
    fn misses_cost_one_lookup_and_only_a_stale_index_scans() {
        let mut drive = drive(Vec::new());
        drive.items.extend((0..10_000).map(|n| Item {
            id: format!("I{n}"),
            name: format!("n{n}"),
            parent_id: Some("ROOT".into()),
            folder: false,
            permissions: Vec::new(),
            inheritance_broken: false,
        }));
        drive.reindex();
        let root = drive.items[0].clone();
        let before = drive.lookup_cost();
        assert_eq!(drive.item_position("i9999"), Some(10_001));
        assert_eq!(drive.item_position("missing"), None);
        assert!(drive.child(&root, "N9999").is_some());
        assert!(drive.child(&root, "missing").is_none());
        assert_eq!(drive.root_position(), Some(0));
        assert_eq!(drive.permission_position(10_001, "none"), None);
        assert_eq!(drive.lookup_cost() - before, 6);
        // Items added in code after indexing: the index is stale, so a
        // miss scans and still finds the new item.
        drive.items.push(Item {
            id: "Late".into(),
            name: "late".into(),
            parent_id: Some("ROOT".into()),
            folder: false,
            permissions: Vec::new(),
            inheritance_broken: false,
        });
        let before = drive.lookup_cost();
        assert_eq!(drive.item_position("late"), Some(10_002));
        assert!(drive.child(&root, "LATE").is_some());
        assert!(drive.lookup_cost() - before > 10_000);
    }

    /// Listing a folder costs its children, not the drive: on a drive of
    /// 10,000 files in 100 folders, each folder's listing examines its own
    /// hundred; only a stale index scans.
    #[test]
    fn a_folders_children_cost_their_number_not_the_drives() {
        let mut drive = drive(Vec::new());
        for folder in 0..100 {
            drive.items.push(Item {
                id: format!("F{folder}"),
                name: format!("f{folder}"),
                parent_id: Some("ROOT".into()),
                folder: true,
                permissions: Vec::new(),
                inheritance_broken: false,
            });
            drive.items.extend((0..100).map(|n| Item {
                id: format!("F{folder}-{n}"),
                name: format!("n{n}"),
                parent_id: Some(format!("f{folder}")),
                folder: false,
                permissions: Vec::new(),
                inheritance_broken: false,
            }));
        }
        drive.reindex();
        let before = drive.lookup_cost();
        let children = drive.child_positions("F42");
        assert_eq!(drive.lookup_cost() - before, 101);
        let names: Vec<&str> = children
            .iter()
            .map(|&p| drive.items[p].name.as_str())
            .collect();
        let expected: Vec<String> = (0..100).map(|n| format!("n{n}")).collect();
        assert_eq!(names, expected, "in the drive's order");
        assert!(drive.child_positions("F42-7").is_empty());
        assert!(drive.index_is_current());
        // Stale (an item added in code): a scan, still right.
        drive.items.push(Item {
            id: "Late".into(),
            name: "late".into(),
            parent_id: Some("F42".into()),
            folder: false,
            permissions: Vec::new(),
            inheritance_broken: false,
        });
        assert_eq!(drive.child_positions("f42").len(), 101);
    }

    #[test]
    fn grantees_match_as_the_invite_rules_say() {
        let mut drive = drive(vec![
            json!({"id": "inh", "inheritedFrom": {"id": "ROOT"}, "invitation": {"email": "a@x.com"},
                   "grantedToV2": {"user": {"id": "u1"}}}),
            guest_grant("g1", "Guest@Fabrikam.com"),
            user_grant("p1", "U1", "a@x.com"),
        ]);
        // Inherited permissions never match.
        assert_eq!(
            drive.grantee_position(1, Some("u1"), "other@x.com"),
            Some(2)
        );
        // No id on the recipient: by email, whatever the permission holds.
        assert_eq!(
            drive.grantee_position(1, None, "guest@fabrikam.COM"),
            Some(1)
        );
        assert_eq!(drive.grantee_position(1, None, "A@X.com"), Some(2));
        // Both have ids that differ: the email alone does not match.
        assert_eq!(drive.grantee_position(1, Some("u2"), "a@x.com"), None);
        // The recipient has an id, the permission none: by email.
        assert_eq!(
            drive.grantee_position(1, Some("u3"), "guest@fabrikam.com"),
            Some(1)
        );
        assert!(drive.has_own_permissions(1));
        assert!(!drive.has_own_permissions(0));
    }

    #[test]
    fn an_item_changed_by_hand_is_looked_up_right_and_reindexed_at_next_use() {
        let mut drive = drive(vec![user_grant("p1", "u1", "a@x.com")]);
        let item = drive.item_mut("File").expect("the item");
        item.permissions.insert(0, guest_grant("p0", "z@x.com"));
        // Out of date now: a lookup scans instead of trusting old positions.
        assert_eq!(drive.permission_position(1, "p1"), Some(1));
        assert_eq!(drive.grantee_position(1, None, "z@x.com"), Some(0));
        // That use rebuilt it.
        assert!(drive.index_is_current());
        assert_eq!(drive.grantee_position(1, Some("u1"), "a@x.com"), Some(1));
    }

    #[test]
    fn the_index_stays_current_after_every_change() {
        let mut drive = drive(vec![
            json!({"id": "inh", "inheritedFrom": {"id": "ROOT"}, "invitation": {"email": "i@x.com"}}),
            user_grant("p1", "u1", "a@x.com"),
            guest_grant("p2", "b@x.com"),
            user_grant("p3", "u3", "c@x.com"),
        ]);
        assert!(drive.index_is_current());

        drive.push_permission(1, guest_grant("p4", "d@x.com"));
        assert!(drive.index_is_current());
        assert_eq!(drive.grantee_position(1, None, "d@x.com"), Some(4));

        let removed = drive.permission_position(1, "p2").unwrap();
        drive.remove_permission(1, removed);
        assert!(drive.index_is_current());
        assert_eq!(drive.permission_position(1, "p2"), None);
        assert_eq!(drive.grantee_position(1, None, "b@x.com"), None);
        // Everything after the removed one moved down by one.
        assert_eq!(drive.permission_position(1, "p3"), Some(2));
        assert_eq!(drive.grantee_position(1, Some("u3"), "c@x.com"), Some(2));
        assert_eq!(drive.grantee_position(1, None, "d@x.com"), Some(3));

        let p3 = drive.permission_position(1, "p3").unwrap();
        let updated = drive.set_permission_property(1, p3, "roles", json!(["write"]));
        assert_eq!(updated["roles"], json!(["write"]));
        assert!(drive.index_is_current());

        drive.drop_inherited(1);
        assert!(drive.index_is_current());
        assert_eq!(drive.permission_position(1, "inh"), None);
        assert_eq!(drive.permission_position(1, "p1"), Some(0));
        assert!(drive.has_permission_id(1, "p4"));
    }
}
