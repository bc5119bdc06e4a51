//! The generated tenant (`seed::Generated`): deterministic, counted as it
//! says, served as stored, shaped as the emulator's own routes shape
//! permissions, inherited copies pointing at their ancestors, and a request
//! on it costing the same whatever its size.

mod common;

use std::collections::HashMap;

use common::Client;
use graph_emulator::seed::{Generated, GeneratedSummary};
use graph_emulator::{Drive, Emulator, EmulatorHandle, Item, Tenant, seed};
use serde_json::{Value, json};

const GENERATED_DRIVES: [&str; 2] = [seed::GENERATED_SITE_DRIVE_ID, seed::GENERATED_ONEDRIVE_ID];

fn generated(items: usize, seed: u64) -> (Tenant, GeneratedSummary) {
    let mut tenant = Tenant::default_tenant();
    let summary = Generated::items(items).seed(seed).add_to(&mut tenant);
    (tenant, summary)
}

async fn emulator(tenant: Tenant) -> EmulatorHandle {
    Emulator::builder()
        .tenant(tenant)
        .start()
        .await
        .expect("the generated tenant is valid")
}

fn generated_drives(tenant: &Tenant) -> impl Iterator<Item = &Drive> {
    GENERATED_DRIVES
        .iter()
        .map(|id| tenant.drive(id).expect("a generated drive"))
}

fn is_inherited(permission: &Value) -> bool {
    permission
        .get("inheritedFrom")
        .is_some_and(|v| !v.is_null())
}

/// The key paths of a JSON value (`grantedToV2.siteUser.loginName`, …), to
/// compare shapes whatever the values.
fn shape(value: &Value) -> Vec<String> {
    fn walk(value: &Value, prefix: &str, out: &mut Vec<String>) {
        if let Value::Object(map) = value {
            for (key, child) in map {
                let path = format!("{prefix}{key}");
                out.push(path.clone());
                walk(child, &format!("{path}."), out);
            }
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out.sort();
    out
}

#[test]
fn the_same_seed_gives_the_same_tenant_and_another_seed_another() {
    let (a, summary_a) = generated(3_000, 7);
    let (b, summary_b) = generated(3_000, 7);
    assert_eq!(a, b);
    assert_eq!(summary_a, summary_b);
    let (c, _) = generated(3_000, 8);
    assert_ne!(a.drives, c.drives);
    // The directory and the drives' ids do not depend on the seed.
    assert_eq!(a.users, c.users);
}

#[test]
fn the_default_seed_is_left_as_it_is() {
    let default = Tenant::default_tenant();
    let (tenant, _) = generated(2_000, 1);
    assert_eq!(tenant.drives[..default.drives.len()], default.drives[..]);
    assert_eq!(tenant.users[..default.users.len()], default.users[..]);
    assert_eq!(tenant.sites[0], default.sites[0]);
    assert_eq!(tenant.groups, default.groups);
}

/// What the tenant holds, counted from its items with no help from the
/// generator: the counts its summary must match.
fn count(tenant: &Tenant) -> GeneratedSummary {
    let mut s = GeneratedSummary::default();
    let guests: Vec<&str> = tenant
        .users
        .iter()
        .filter(|u| u.user_principal_name.contains("#EXT#"))
        .map(|u| u.id.as_str())
        .collect();
    for drive in generated_drives(tenant) {
        for item in &drive.items {
            s.items += 1;
            s.folders += usize::from(item.folder);
            s.broken_inheritance += usize::from(item.inheritance_broken);
            let depth = drive
                .path_of(&item.id)
                .unwrap()
                .split('/')
                .filter(|p| !p.is_empty())
                .count();
            if depth > s.max_depth {
                s.max_depth = depth;
                s.deepest_item = (drive.id.clone(), item.id.clone());
            }
            for p in &item.permissions {
                if is_inherited(p) {
                    s.inherited_permissions += 1;
                    continue;
                }
                if let Some(link) = p.get("link") {
                    match link["scope"].as_str() {
                        Some("anonymous") => s.anonymous_links += 1,
                        Some("organization") => s.organization_links += 1,
                        other => panic!("scope {other:?}"),
                    }
                    match link["type"].as_str() {
                        Some("view") => s.view_links += 1,
                        Some("edit") => s.edit_links += 1,
                        other => panic!("type {other:?}"),
                    }
                    s.links_with_expiry += usize::from(p.get("expirationDateTime").is_some());
                    s.links_with_password += usize::from(p["hasPassword"] == true);
                } else {
                    match p["grantedToV2"]["user"]["id"].as_str() {
                        None => s.external_grants += 1,
                        Some(id) if guests.contains(&id) => s.guest_grants += 1,
                        Some(_) => s.internal_grants += 1,
                    }
                }
            }
        }
    }
    let default = Tenant::default_tenant();
    s.internal_users = tenant.users.len() - default.users.len() - guests.len() + 1;
    s.guest_users = guests.len() - 1; // Robin is the default seed's.
    s
}

#[test]
fn the_summary_counts_what_the_tenant_holds() {
    let (tenant, summary) = generated(5_000, 11);
    let counted = count(&tenant);
    assert_eq!(counted, summary);
    // A realistic mix: every kind is there, several levels deep.
    assert_eq!(summary.items, 5_000);
    assert!(summary.max_depth >= 4, "{summary:?}");
    assert!(summary.items - summary.folders >= 3_000, "{summary:?}");
    for (name, n) in [
        ("internal grants", summary.internal_grants),
        ("guest grants", summary.guest_grants),
        ("external grants", summary.external_grants),
        ("anonymous links", summary.anonymous_links),
        ("organization links", summary.organization_links),
        ("edit links", summary.edit_links),
        ("links with expiry", summary.links_with_expiry),
        ("links with a password", summary.links_with_password),
        ("broken inheritance", summary.broken_inheritance),
    ] {
        assert!(n >= 5, "{n} {name}: {summary:?}");
    }
    assert!(summary.inherited_permissions > summary.items, "{summary:?}");
}

/// The emulator serves each item's permissions as the tenant holds them
/// (with their eTag annotation), for a sample across both drives, and
/// its counts of links, guests and inherited copies add up to the
/// tenant's over the same sample.
#[tokio::test]
async fn the_emulator_serves_the_generated_permissions_as_counted() {
    let (tenant, _) = generated(1_500, 3);
    let emu = emulator(tenant.clone()).await;
    let client = Client::new(&emu);
    let (mut served_links, mut stored_links) = (0, 0);
    let (mut served_inherited, mut stored_inherited) = (0, 0);
    let (mut served_guests, mut stored_guests) = (0, 0);
    let guest_claim = |p: &Value| {
        p["grantedToV2"]["siteUser"]["loginName"]
            .as_str()
            .is_some_and(|l| l.contains("urn:spo:guest#"))
            || (p.get("link").is_none() && p["grantedToV2"]["user"].get("id").is_none())
    };
    for drive in generated_drives(&tenant) {
        for item in drive.items.iter().step_by(7) {
            let resp = client
                .get(&format!(
                    "/drives/{}/items/{}/permissions",
                    drive.id, item.id
                ))
                .await;
            assert_eq!(resp.status, 200, "{}", item.id);
            let mut served = resp.json()["value"].as_array().unwrap().clone();
            for p in &mut served {
                p.as_object_mut().unwrap().remove("@odata.etag");
            }
            assert_eq!(served, item.permissions, "{}", item.id);
            for (list, links, inherited, guests) in [
                (
                    &served,
                    &mut served_links,
                    &mut served_inherited,
                    &mut served_guests,
                ),
                (
                    &item.permissions,
                    &mut stored_links,
                    &mut stored_inherited,
                    &mut stored_guests,
                ),
            ] {
                *links += list.iter().filter(|p| p.get("link").is_some()).count();
                *inherited += list.iter().filter(|p| is_inherited(p)).count();
                *guests += list.iter().filter(|p| guest_claim(p)).count();
            }
        }
    }
    assert!(served_links > 0 && served_inherited > 0 && served_guests > 0);
    assert_eq!(
        (served_links, served_inherited, served_guests),
        (stored_links, stored_inherited, stored_guests)
    );
}

/// Every inherited copy names, in `inheritedFrom`, an ancestor of its item
/// (drive, id and path) that holds the source directly, with no broken
/// inheritance between; the copy's id is the source's, as the inheritance
/// route derives it; and a broken item holds nothing from above itself.
#[test]
fn inherited_permissions_carry_inherited_from_their_ancestor() {
    let (tenant, summary) = generated(4_000, 5);
    let mut checked = 0;
    for drive in generated_drives(&tenant) {
        let by_id: HashMap<&str, &Item> = drive.items.iter().map(|i| (i.id.as_str(), i)).collect();
        for item in &drive.items {
            for copy in item.permissions.iter().filter(|p| is_inherited(p)) {
                assert!(
                    !item.inheritance_broken,
                    "{} is broken yet inherits",
                    item.id
                );
                let from = &copy["inheritedFrom"];
                assert_eq!(from["driveId"], drive.id.as_str());
                let ancestor_id = from["id"].as_str().unwrap();
                let path = drive.path_of(ancestor_id).unwrap();
                assert_eq!(from["path"], format!("/drives/{}/root:/{path}", drive.id));
                // Walk up: the ancestor is reached before any broken item.
                let mut current = by_id[item.parent_id.as_deref().unwrap()];
                while current.id != ancestor_id {
                    assert!(!current.inheritance_broken, "{} lies between", current.id);
                    current = by_id[current.parent_id.as_deref().expect("the ancestor is above")];
                }
                let source = current
                    .permissions
                    .iter()
                    .filter(|p| !is_inherited(p))
                    .find(|p| {
                        let base = base64url(&format!("{}#inherited", p["id"].as_str().unwrap()));
                        copy["id"].as_str().unwrap().starts_with(&base)
                    })
                    .unwrap_or_else(|| panic!("no source for {copy}"));
                let mut same = copy.clone();
                same.as_object_mut().unwrap().remove("inheritedFrom");
                same["id"] = source["id"].clone();
                assert_eq!(&same, source);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, summary.inherited_permissions);
}

fn base64url(text: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A generated permission of `drive` that `pick` accepts.
fn find<'a>(tenant: &'a Tenant, drive: &str, pick: impl Fn(&Value) -> bool) -> &'a Value {
    tenant
        .drive(drive)
        .unwrap()
        .items
        .iter()
        .flat_map(|i| i.permissions.iter())
        .find(|p| !is_inherited(p) && pick(p))
        .expect("the generator made one")
}

/// A file of `drive` with no permissions of its own, to share afresh.
fn unshared_file(tenant: &Tenant, drive: &str) -> String {
    tenant
        .drive(drive)
        .unwrap()
        .items
        .iter()
        .find(|i| !i.folder && i.permissions.iter().all(is_inherited))
        .expect("an unshared file")
        .id
        .clone()
}

/// Which generated permission a case compares with.
type Pick = Box<dyn Fn(&Value) -> bool>;

/// Generated grants and links have exactly the fields the emulator's
/// invite and createLink give the same kind of permission (values aside).
#[tokio::test]
async fn generated_permissions_are_shaped_as_the_routes_shape_them() {
    let (tenant, _) = generated(3_000, 9);
    let emu = emulator(tenant.clone()).await;
    let client = Client::new(&emu);
    let without_etag = |mut v: Value| {
        v.as_object_mut().unwrap().remove("@odata.etag");
        v
    };
    let guest = tenant
        .users
        .iter()
        .rev()
        .find(|u| u.user_principal_name.contains("#EXT#"))
        .unwrap();
    let colleague = tenant.user(seed::GENERATED_ONEDRIVE_USER_UPN).unwrap();
    for drive in GENERATED_DRIVES {
        let personal = drive == seed::GENERATED_ONEDRIVE_ID;
        let file = unshared_file(&tenant, drive);
        let base = format!("/drives/{drive}/items/{file}");
        // Grants: a colleague, a directory guest, an address with no account.
        let cases: [(&str, Pick); 3] = [
            (
                colleague.mail.as_str(),
                Box::new(|p: &Value| {
                    p["grantedToV2"]["user"]["email"]
                        .as_str()
                        .is_some_and(|e| e.ends_with("@contoso.com"))
                        && p.get("expirationDateTime").is_none()
                }),
            ),
            (
                guest.mail.as_str(),
                Box::new(|p: &Value| {
                    let email = p["grantedToV2"]["user"]["email"].as_str().unwrap_or("");
                    p["grantedToV2"]["user"].get("id").is_some()
                        && !email.ends_with("@contoso.com")
                        && p.get("expirationDateTime").is_none()
                }),
            ),
            (
                "someone@new-partner.example",
                Box::new(|p: &Value| {
                    p.get("link").is_none()
                        && p["grantedToV2"]["user"].get("id").is_none()
                        && p.get("expirationDateTime").is_none()
                }),
            ),
        ];
        for (email, pick) in cases {
            let body =
                json!({"recipients": [{"email": email}], "roles": ["read"], "requireSignIn": true});
            let resp = client.post(&format!("{base}/invite"), &body).await;
            assert_eq!(resp.status, 200, "{}", resp.json());
            let granted = without_etag(resp.json()["value"][0].clone());
            assert!(!is_inherited(&granted));
            let made = find(&tenant, drive, |p| p.get("link").is_none() && pick(p));
            assert_eq!(shape(made), shape(&granted), "{drive} {email}");
            let _ = client
                .delete(&format!(
                    "{base}/permissions/{}",
                    granted["id"].as_str().unwrap()
                ))
                .await;
        }
        // Links: anonymous everywhere, with a password in the OneDrive.
        let mut body = json!({"type": "edit", "scope": "anonymous"});
        if personal {
            body["password"] = json!("correct horse");
        }
        let resp = client.post(&format!("{base}/createLink"), &body).await;
        assert_eq!(resp.status, 201, "{}", resp.json());
        let created = without_etag(resp.json());
        let made = find(&tenant, drive, |p| {
            p["link"]["scope"] == "anonymous"
                && p.get("expirationDateTime").is_none()
                && p["hasPassword"] == personal
        });
        assert_eq!(shape(made), shape(&created), "{drive} link");
        if !personal {
            let resp = client
                .post(
                    &format!("{base}/createLink"),
                    &json!({"type": "view", "scope": "organization"}),
                )
                .await;
            assert_eq!(resp.status, 201, "{}", resp.json());
            let made = find(&tenant, drive, |p| {
                p["link"]["scope"] == "organization" && p.get("expirationDateTime").is_none()
            });
            assert_eq!(shape(made), shape(&without_etag(resp.json())));
        }
    }
}

/// Work, not time: the permissions of the deepest item of a 100,000-item
/// tenant cost the emulator exactly what those of a 1,000-item tenant's
/// deepest item cost (indexed lookups, whatever the tenant's size).
#[tokio::test]
async fn a_permissions_get_costs_the_same_in_a_tenant_a_hundred_times_larger() {
    let mut costs = Vec::new();
    for items in [1_000, 100_000] {
        let (tenant, summary) = generated(items, 7);
        let (drive, item) = summary.deepest_item.clone();
        let emu = emulator(tenant).await;
        let client = Client::new(&emu);
        let path = format!("/drives/{drive}/items/{item}/permissions");
        let before = emu.lookup_cost();
        let resp = client.get(&path).await;
        assert_eq!(resp.status, 200);
        assert!(summary.max_depth >= 3, "{summary:?}");
        costs.push((emu.lookup_cost() - before, summary.max_depth));
    }
    let (small, large) = (costs[0].0, costs[1].0);
    assert!(
        costs[1].1 > costs[0].1,
        "deeper in the larger tenant: {costs:?}"
    );
    assert_eq!(small, large, "lookups of one GET: {costs:?}");
}
