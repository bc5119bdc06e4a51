//! `GET …/children` over loopback: every address form, paging (default
//! 200, `$top`, an opaque `$skiptoken` on the emulator's own URL), `$select`,
//! a file's empty collection, and bad parameters.

mod common;

use std::collections::HashSet;

use common::{Client, item_path};
use graph_emulator::{Emulator, EmulatorHandle, Item, Tenant, seed};
use serde_json::Value;

/// The id of the folder [`big_folder`] adds to Alex's drive.
const BIG: &str = "BIG-FOLDER";

/// How many files it holds: more than two default pages.
const FILES: usize = 450;

/// An emulator whose Alex drive has a folder of [`FILES`] files.
async fn big_folder() -> EmulatorHandle {
    folder_of(FILES).await
}

/// An emulator whose Alex drive has a folder ([`BIG`]) of `files` files.
async fn folder_of(files: usize) -> EmulatorHandle {
    let mut tenant = Tenant::default_tenant();
    let drive = tenant
        .drives
        .iter_mut()
        .find(|d| d.id == seed::ALEX_DRIVE_ID)
        .expect("Alex's drive");
    let item = |id: String, parent: &str, folder: bool| Item {
        name: format!("{id}.txt"),
        id,
        parent_id: Some(parent.into()),
        folder,
        permissions: Vec::new(),
        inheritance_broken: false,
    };
    drive.items.push(item(BIG.into(), seed::ALEX_ROOT_ID, true));
    drive
        .items
        .extend((0..files).map(|n| item(format!("F{n:05}"), BIG, false)));
    Emulator::builder().tenant(tenant).start().await.unwrap()
}

/// Every page from `first`, following `@odata.nextLink`.
async fn pages(c: &Client, first: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut next = Some(first.to_owned());
    while let Some(url) = next {
        let resp = c.get(&url).await;
        assert_eq!(
            resp.status,
            200,
            "{url}: {}",
            String::from_utf8_lossy(&resp.body)
        );
        let page = resp.json();
        next = page["@odata.nextLink"].as_str().map(str::to_owned);
        pages.push(page);
        assert!(pages.len() <= 1_000, "paging ends");
    }
    pages
}

fn ids(pages: &[Value]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p["value"].as_array().unwrap().iter())
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The children the emulator's own data holds, in order.
fn expected(emu: &EmulatorHandle, drive: &str, folder: &str) -> Vec<String> {
    let tenant = emu.tenant();
    let drive = tenant.drive(drive).unwrap();
    drive.children(folder).map(|i| i.id.clone()).collect()
}

#[tokio::test]
async fn paging_covers_every_child_once_in_a_stable_order() {
    let emu = big_folder().await;
    let c = Client::new(&emu);
    let folder = item_path(seed::ALEX_DRIVE_ID, BIG);
    let want = expected(&emu, seed::ALEX_DRIVE_ID, BIG);
    assert_eq!(want.len(), FILES);
    // The default page is 200.
    let default = pages(&c, &format!("{folder}/children")).await;
    let sizes: Vec<usize> = default
        .iter()
        .map(|p| p["value"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [200, 200, 50]);
    assert_eq!(ids(&default), want);
    for link in default.iter().filter_map(|p| p["@odata.nextLink"].as_str()) {
        assert!(link.starts_with(&emu.base_url()), "{link}");
        assert!(link.contains("$skiptoken="), "{link}");
    }
    // `$top` sets the page size and is carried to the next page, with `$select`.
    let small = pages(&c, &format!("{folder}/children?$top=64&$select=name")).await;
    assert_eq!(small.len(), FILES.div_ceil(64));
    assert_eq!(ids(&small), want);
    let unique: HashSet<String> = ids(&small).into_iter().collect();
    assert_eq!(unique.len(), FILES);
    for item in small.iter().flat_map(|p| p["value"].as_array().unwrap()) {
        let keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 2, "{item}");
        assert!(keys.contains(&"id") && keys.contains(&"name"), "{item}");
    }
}

#[tokio::test]
async fn every_address_form_lists_the_same_children() {
    let emu = common::start().await;
    let c = Client::new(&emu);
    let me_root = expected(&emu, seed::ME_DRIVE_ID, seed::ME_ROOT_ID);
    assert!(!me_root.is_empty());
    for path in [
        "/me/drive/root/children".to_owned(),
        "/drive/root/children".to_owned(),
        format!("/me/drive/items/{}/children", seed::ME_ROOT_ID),
        format!("/drives/{}/root/children", seed::ME_DRIVE_ID),
        format!("/users/{}/drive/root/children", seed::ME_USER_ID),
    ] {
        assert_eq!(ids(&pages(&c, &path).await), me_root, "{path}");
    }
    let documents = expected(&emu, seed::ME_DRIVE_ID, seed::ME_DOCUMENTS_ID);
    for path in [
        format!("/me/drive/root:/{}:/children", seed::ME_DOCUMENTS_PATH),
        format!(
            "/drives/{}/root:/{}:/children",
            seed::ME_DRIVE_ID,
            seed::ME_DOCUMENTS_PATH
        ),
        format!("/drive/items/{}/children", seed::ME_DOCUMENTS_ID),
    ] {
        assert_eq!(ids(&pages(&c, &path).await), documents, "{path}");
    }
    let group = expected(&emu, seed::GROUP_DRIVE_ID, seed::GROUP_ROOT_ID);
    let path = format!("/groups/{}/drive/root/children", seed::GROUP_ID);
    assert_eq!(ids(&pages(&c, &path).await), group);
    let site = expected(&emu, seed::SITE_DRIVE_ID, seed::SITE_ROOT_ID);
    let path = format!("/sites/{}/drive/root/children", seed::SITE_ID);
    assert_eq!(ids(&pages(&c, &path).await), site);
}

#[tokio::test]
async fn children_are_drive_items_with_their_facets_and_parent() {
    let emu = common::start().await;
    let c = Client::new(&emu);
    let page = c
        .get(&format!(
            "/me/drive/items/{}/children",
            seed::ME_DOCUMENTS_ID
        ))
        .await
        .json();
    let tenant = emu.tenant();
    let drive = tenant.drive(seed::ME_DRIVE_ID).unwrap();
    for child in page["value"].as_array().unwrap() {
        let id = child["id"].as_str().unwrap();
        let item = drive.item(id).unwrap();
        assert_eq!(child["name"], item.name.as_str());
        assert_eq!(child["parentReference"]["driveId"], seed::ME_DRIVE_ID);
        assert_eq!(child["parentReference"]["id"], seed::ME_DOCUMENTS_ID);
        if item.folder {
            let count = drive.children(id).count();
            assert_eq!(child["folder"]["childCount"], count, "{child}");
            assert!(child.get("file").is_none());
        } else {
            assert!(child["file"].is_object() && child.get("folder").is_none());
        }
    }
}

#[tokio::test]
async fn a_files_children_are_an_empty_collection() {
    let emu = common::start().await;
    let c = Client::new(&emu);
    let resp = c
        .get(&format!("/me/drive/items/{}/children", seed::ME_Q3_ID))
        .await;
    assert_eq!(resp.status, 200);
    let page = resp.json();
    assert_eq!(page["value"], serde_json::json!([]));
    assert!(page.get("@odata.nextLink").is_none());
}

#[tokio::test]
async fn bad_parameters_and_missing_folders_are_refused() {
    let emu = big_folder().await;
    let c = Client::new(&emu);
    let folder = item_path(seed::ALEX_DRIVE_ID, BIG);
    for query in [
        "$skiptoken=nonsense",
        "$skiptoken=RW11bGF0b3JQYWdl2",
        "$skiptoken=RW11bGF0b3JDaGlsZHJlbg999999",
        "$top=0",
        "$top=-3",
        "$select=nope",
    ] {
        let resp = c.get(&format!("{folder}/children?{query}")).await;
        assert_eq!(resp.status, 400, "{query}");
    }
    let missing = c.get(&item_path(seed::ALEX_DRIVE_ID, "NO-SUCH-ITEM")).await;
    assert_ne!(missing.status, 200);
    let missing = c
        .get(&format!(
            "{}/children",
            item_path(seed::ALEX_DRIVE_ID, "NO-SUCH-ITEM")
        ))
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "itemNotFound");
}

/// Paging through a folder of 20,000 files costs each page its own size:
/// the whole listing examines a few entries per child (resolving the
/// folder, each child's parent path), where a listing that looked at the
/// whole folder for every page would examine 100 × 20,000.
#[tokio::test]
async fn listing_a_20000_item_folder_costs_its_items_not_their_square() {
    const MANY: usize = 20_000;
    let emu = folder_of(MANY).await;
    let c = Client::new(&emu);
    let before = emu.tenant().lookup_cost();
    let listed = pages(
        &c,
        &format!(
            "{}/children?$select=id",
            item_path(seed::ALEX_DRIVE_ID, BIG)
        ),
    )
    .await;
    let cost = emu.tenant().lookup_cost() - before;
    assert_eq!(ids(&listed).len(), MANY);
    assert_eq!(listed.len(), MANY / 200);
    let per_child = cost as f64 / MANY as f64;
    assert!(
        per_child < 10.0,
        "{cost} entries examined, {per_child:.1} per child"
    );
}
