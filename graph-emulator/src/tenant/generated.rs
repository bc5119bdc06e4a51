//! A generated, realistic tenant beside the default seed: thousands of items
//! in folders several levels deep, shared the way tenants are — grants to
//! colleagues and guests on department folders, inherited below them, some
//! folders and files with broken inheritance, sharing links of every scope
//! and type the drive allows — deterministic from a seed and a size.
//!
//! Every permission has the shape the emulator's own routes give it (the
//! invite route for grants, createLink for links, inheritance's copies with
//! `inheritedFrom`), so a tool sees generated sharing exactly as it would
//! see sharing it did itself; the tests compare them field for field.
//!
//! The generation is one pass over the items: each folder hands its
//! children the permissions they inherit, so 100,000 items take well under
//! a second in a release build.

use std::rc::Rc;

use serde_json::{Map, Value, json};

use super::{Drive, Item, Site, Tenant, User, kind_letter};
use crate::util::base64url;

/// The site whose document library holds most of the generated items.
pub const GENERATED_SITE_ID: &str = "contoso.sharepoint.com,7d3c2a1e-5b4f-4e6a-9c8d-2f1e0b3a4c5d,3e9f8a7b-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
/// That site's document library (`driveType: documentLibrary`).
pub const GENERATED_SITE_DRIVE_ID: &str =
    "b!GnQ3fXtbak6cjS8eCzpMXXuKn-MtHF5Oip0MHS4_SltHZW5lcmF0ZWRMaWJyYXJ5";
/// The owner of the generated OneDrive: Diego Siciliani.
pub const GENERATED_ONEDRIVE_USER_ID: &str = "5f3c1a2b-8d4e-4f6a-b7c8-9d0e1f2a3b4c";
/// Diego's user principal name (`/users/{upn}/drive` reaches his OneDrive).
pub const GENERATED_ONEDRIVE_USER_UPN: &str = "diego.siciliani@contoso.com";
/// Diego's drive (`driveType: personal`, where links may have passwords).
pub const GENERATED_ONEDRIVE_ID: &str =
    "b!RGllZ29TaWNpbGlhbmlPbmVEcml2ZV9HZW5lcmF0ZWQtcGVyc29uYWwtZHJpdmUx";

/// The share of the generated items in the site's library; the rest go to
/// Diego's OneDrive.
const SITE_SHARE: f64 = 0.8;
/// The deepest folder level generated (top-level folders are level 1).
const MAX_DEPTH: usize = 8;
/// The grants' deprecated `grantedTo` note, as the invite route writes it.
const DEPRECATED_GRANTED_TO: &str = "GrantedTo has been deprecated. Refer to GrantedToV2";

const FIRST_NAMES: [&str; 12] = [
    "Nestor",
    "Isaiah",
    "Johanna",
    "Joni",
    "Lidia",
    "Lynne",
    "Miriam",
    "Patti",
    "Pradeep",
    "Grady",
    "Irvin",
    "Henrietta",
];
const LAST_NAMES: [&str; 6] = [
    "Wilke", "Langer", "Lorenz", "Sherman", "Holloway", "Robinson",
];
const GUEST_NAMES: [&str; 10] = [
    "ana.souza",
    "kenji.tanaka",
    "olga.petrova",
    "li.wei",
    "sam.okafor",
    "maria.rossi",
    "jan.novak",
    "aisha.khan",
    "tom.becker",
    "eva.lind",
];
const GUEST_DOMAINS: [&str; 3] = ["fabrikam.com", "northwind.example", "tailspin.example"];
const EXTERNAL_ADDRESSES: [&str; 8] = [
    "auditor@kpmg.example",
    "press@agency.example",
    "j.doe@gmail.example",
    "contractor1@outlook.example",
    "vendor.support@litware.example",
    "recruiting@adatum.example",
    "m.smith@proseware.example",
    "board@wingtip.example",
];
const DEPARTMENTS: [&str; 8] = [
    "Finance",
    "Engineering",
    "Sales",
    "Legal",
    "Human Resources",
    "Marketing",
    "Operations",
    "Research",
];
const FOLDER_WORDS: [&str; 12] = [
    "Projects",
    "Contracts",
    "Reports",
    "Archive",
    "Drafts",
    "Clients",
    "2024",
    "2025",
    "Planning",
    "Templates",
    "Shared",
    "Reviews",
];
const FILE_WORDS: [&str; 10] = [
    "Budget",
    "Proposal",
    "Minutes",
    "Forecast",
    "Roadmap",
    "Invoice",
    "Summary",
    "Notes",
    "Presentation",
    "Photo",
];
const EXTENSIONS: [&str; 7] = ["docx", "xlsx", "pptx", "pdf", "jpg", "txt", "csv"];
/// Expiry dates of links and grants: some past, most future.
const EXPIRIES: [&str; 4] = [
    "2025-06-30T00:00:00Z",
    "2027-01-31T00:00:00Z",
    "2027-06-30T00:00:00Z",
    "2028-12-31T23:59:59Z",
];

/// A generated tenant's content: `Generated::items(20_000).seed(7)`, added
/// to a tenant by [`Generated::add_to`] or to an emulator's tenant by
/// [`EmulatorBuilder::generated`](crate::EmulatorBuilder::generated).
///
/// It adds a SharePoint site, "Contoso Projects", whose library
/// ([`GENERATED_SITE_DRIVE_ID`]) holds 80% of the items, and Diego
/// Siciliani with his OneDrive ([`GENERATED_ONEDRIVE_ID`], personal) for the
/// rest; 48 colleagues and 10 guests (B2B accounts with `#EXT#` in their
/// user principal name, as the seed's Robin) join the directory. Nothing of
/// the default seed changes. The same seed and size give the same tenant.
///
/// ```
/// use graph_emulator::{Tenant, seed};
/// use graph_emulator::seed::Generated;
///
/// let mut tenant = Tenant::default_tenant();
/// let summary = Generated::items(2_000).seed(7).add_to(&mut tenant);
/// assert_eq!(summary.items, 2_000);
/// assert!(summary.anonymous_links > 0 && summary.broken_inheritance > 0);
/// assert!(tenant.drive(seed::GENERATED_SITE_DRIVE_ID).is_some());
/// assert!(tenant.drive(seed::ME_DRIVE_ID).unwrap().item(seed::ME_Q3_ID).is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    items: usize,
    seed: u64,
}

/// What [`Generated::add_to`] added, counted as it generated them. Grants
/// and links count the permissions items hold directly; the copies items
/// inherit are [`inherited_permissions`](Self::inherited_permissions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedSummary {
    /// Items in the two drives, their roots included.
    pub items: usize,
    /// Folders among them (roots included).
    pub folders: usize,
    /// The deepest level reached (a top-level folder is 1).
    pub max_depth: usize,
    /// Colleagues added to the directory (Diego included).
    pub internal_users: usize,
    /// Guest accounts added to the directory (`#EXT#` user principal names).
    pub guest_users: usize,
    /// Grants to colleagues.
    pub internal_grants: usize,
    /// Grants to guest accounts of the directory.
    pub guest_grants: usize,
    /// Grants to addresses with no account in the directory (SharePoint's
    /// `urn:spo:guest#` claim).
    pub external_grants: usize,
    /// Links anyone with the link may use.
    pub anonymous_links: usize,
    /// Links for people in the organization.
    pub organization_links: usize,
    /// Links of type `view`.
    pub view_links: usize,
    /// Links of type `edit`.
    pub edit_links: usize,
    /// Links with an `expirationDateTime`.
    pub links_with_expiry: usize,
    /// Links with a password (`hasPassword: true`; OneDrive personal only).
    pub links_with_password: usize,
    /// Items that stopped inheriting (`inheritanceBroken` in the seed format).
    pub broken_inheritance: usize,
    /// Inherited copies (`inheritedFrom` set) held by items.
    pub inherited_permissions: usize,
    /// The drive and id of an item at [`max_depth`](Self::max_depth).
    pub deepest_item: (String, String),
}

impl Generated {
    /// Content of `items` items over the two drives (at least their two
    /// roots), generated from seed 0 unless [`seed`](Self::seed) says otherwise.
    pub fn items(items: usize) -> Self {
        Self {
            items: items.max(2),
            seed: 0,
        }
    }

    /// The seed: the same seed and size always give the same content.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How many items it generates.
    pub fn item_count(&self) -> usize {
        self.items
    }

    /// Adds the site, Diego, the directory's new colleagues and guests and
    /// the two drives to `tenant`, and says what it added. Adding twice (or
    /// to a tenant that already has these ids) makes a tenant the emulator
    /// refuses as having duplicate ids.
    pub fn add_to(&self, tenant: &mut Tenant) -> GeneratedSummary {
        let mut rng = fastrand::Rng::with_seed(self.seed);
        let mut summary = GeneratedSummary::default();
        let people = People::add_to(tenant, &mut summary);
        let prefix = tenant.sharepoint_prefix().to_owned();
        let site_items = ((self.items as f64 * SITE_SHARE) as usize).clamp(1, self.items - 1);
        let drives = [
            (
                GENERATED_SITE_DRIVE_ID,
                "documentLibrary",
                "Documents",
                site_items,
            ),
            (
                GENERATED_ONEDRIVE_ID,
                "personal",
                "OneDrive",
                self.items - site_items,
            ),
        ];
        for (id, drive_type, name, count) in drives {
            let mut generator = DriveGenerator {
                rng: &mut rng,
                people: &people,
                summary: &mut summary,
                drive_id: id,
                personal: drive_type == "personal",
                prefix: &prefix,
                items: Vec::with_capacity(count),
                seed: self.seed,
            };
            generator.generate(count);
            let items = generator.items;
            tenant.drives.push(Drive::new(id, drive_type, name, items));
        }
        tenant.sites.push(Site {
            id: GENERATED_SITE_ID.to_owned(),
            display_name: "Contoso Projects".to_owned(),
            drive_id: Some(GENERATED_SITE_DRIVE_ID.to_owned()),
        });
        summary
    }
}

/// Someone a grant can name, with what the invite route derives from them.
struct Person {
    /// Directory object id; `None` for an address with no account.
    id: Option<String>,
    display_name: String,
    email: String,
    /// The SharePoint user id the invite route gives a directory user
    /// (`position * 2 + 7`), or its external recipients' 100.
    site_user_id: String,
    /// The claim in `loginName` (and, encoded, the grant's id).
    claim: String,
}

/// The people generated grants go to.
struct People {
    internal: Vec<Person>,
    guests: Vec<Person>,
    external: Vec<Person>,
}

/// A stable UUID-shaped id from a label (FNV-1a over the label, twice).
fn id_for(label: &str) -> String {
    let hash = |salt: u64| {
        label.bytes().fold(0xcbf2_9ce4_8422_2325 ^ salt, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let (a, b) = (hash(0), hash(0x9e37_79b9_7f4a_7c15));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

impl People {
    /// Adds the generated colleagues and guests to the directory.
    fn add_to(tenant: &mut Tenant, summary: &mut GeneratedSummary) -> Self {
        let mut internal = Vec::new();
        let mut guests = Vec::new();
        let mut add = |tenant: &mut Tenant, user: User, guest: bool| {
            let site_user_id = (tenant.users.len() * 2 + 7).to_string();
            let person = Person {
                id: Some(user.id.clone()),
                display_name: user.display_name.clone(),
                email: user.mail.clone(),
                site_user_id,
                claim: format!("i:0#.f|membership|{}", user.mail.to_lowercase()),
            };
            tenant.users.push(user);
            if guest { &mut guests } else { &mut internal }.push(person);
        };
        add(
            tenant,
            User {
                id: GENERATED_ONEDRIVE_USER_ID.to_owned(),
                display_name: "Diego Siciliani".to_owned(),
                mail: GENERATED_ONEDRIVE_USER_UPN.to_owned(),
                user_principal_name: GENERATED_ONEDRIVE_USER_UPN.to_owned(),
                drive_id: Some(GENERATED_ONEDRIVE_ID.to_owned()),
            },
            false,
        );
        for last in LAST_NAMES {
            for first in FIRST_NAMES.iter().take(8) {
                let mail = format!(
                    "{}.{}@contoso.com",
                    first.to_lowercase(),
                    last.to_lowercase()
                );
                let user = User {
                    id: id_for(&mail),
                    display_name: format!("{first} {last}"),
                    mail: mail.clone(),
                    user_principal_name: mail,
                    drive_id: None,
                };
                add(tenant, user, false);
            }
        }
        for (n, name) in GUEST_NAMES.iter().enumerate() {
            let domain = GUEST_DOMAINS[n % GUEST_DOMAINS.len()];
            let mail = format!("{name}@{domain}");
            let display_name = name
                .split('.')
                .map(|part| {
                    let mut chars = part.chars();
                    chars.next().map_or(String::new(), |c| {
                        c.to_ascii_uppercase().to_string() + chars.as_str()
                    })
                })
                .collect::<Vec<_>>()
                .join(" ");
            let user = User {
                id: id_for(&mail),
                display_name,
                user_principal_name: format!("{name}_{domain}#EXT#@contoso.onmicrosoft.com"),
                mail,
                drive_id: None,
            };
            add(tenant, user, true);
        }
        summary.internal_users = internal.len();
        summary.guest_users = guests.len();
        let external = EXTERNAL_ADDRESSES
            .iter()
            .map(|email| Person {
                id: None,
                display_name: (*email).to_owned(),
                email: (*email).to_owned(),
                site_user_id: "100".to_owned(),
                claim: format!("i:0#.f|membership|urn:spo:guest#{email}"),
            })
            .collect();
        Self {
            internal,
            guests,
            external,
        }
    }
}

/// Which kind of person a grant goes to.
#[derive(Clone, Copy)]
enum Audience {
    Internal,
    Guest,
    External,
}

/// A permission a folder passes down, as the copy its items hold
/// (`inheritedFrom` set, the id derived from the source's), made once and
/// cloned per item.
struct Inheritable {
    copy: Rc<Value>,
}

impl Inheritable {
    /// The copy of `source`, a direct permission of the folder `from`
    /// refers to, as inheritance's `propagate` makes it: the source with
    /// `inheritedFrom` and the id `base64url("{source id}#inherited")`.
    fn of(source: &Value, from: &Value) -> Self {
        let mut copy = source.clone();
        let source_id = copy["id"].as_str().unwrap_or_default();
        copy["id"] = json!(base64url(format!("{source_id}#inherited").as_bytes()));
        copy["inheritedFrom"] = from.clone();
        Self {
            copy: Rc::new(copy),
        }
    }
}

/// A folder waiting for its children.
struct Pending {
    id: String,
    path: String,
    depth: usize,
    /// What its children inherit (none below a broken one's own).
    passes_down: Rc<Vec<Inheritable>>,
}

struct DriveGenerator<'a> {
    rng: &'a mut fastrand::Rng,
    people: &'a People,
    summary: &'a mut GeneratedSummary,
    drive_id: &'a str,
    personal: bool,
    prefix: &'a str,
    items: Vec<Item>,
    seed: u64,
}

impl DriveGenerator<'_> {
    /// Breadth first from the root, so that every level fills before the
    /// next: `count` items, the root included. When every folder is filled
    /// at the deepest level and items are still wanted, the root gets
    /// another round of top-level folders (`Finance 2`, …).
    fn generate(&mut self, count: usize) {
        let root_id = self.next_id();
        self.push_item(
            root_id.clone(),
            "root".to_owned(),
            None,
            true,
            Vec::new(),
            false,
        );
        let root = || Pending {
            id: root_id.clone(),
            path: String::new(),
            depth: 0,
            passes_down: Rc::new(Vec::new()),
        };
        let mut queue = std::collections::VecDeque::from([root()]);
        let mut rounds = 0;
        while self.items.len() < count {
            let Some(folder) = queue.pop_front() else {
                queue.push_back(root());
                continue;
            };
            let (subfolders, files) = match folder.depth {
                0 => (self.rng.usize(6..=DEPARTMENTS.len()), self.rng.usize(0..=2)),
                d if d >= MAX_DEPTH => (0, self.rng.usize(3..=10)),
                _ => (self.rng.usize(1..=4), self.rng.usize(3..=10)),
            };
            if folder.depth == 0 {
                rounds += 1;
            }
            for n in 0..subfolders {
                if self.items.len() >= count {
                    break;
                }
                let department = DEPARTMENTS.get(n).copied().unwrap_or("Shared");
                let name = match (folder.depth, rounds) {
                    (0, 1) => department.to_owned(),
                    (0, round) => format!("{department} {round}"),
                    _ => {
                        let word = FOLDER_WORDS[self.rng.usize(..FOLDER_WORDS.len())];
                        format!("{word} {}", n + 1)
                    }
                };
                if let Some(child) = self.add_child(&folder, name, true) {
                    queue.push_back(child);
                }
            }
            for _ in 0..files {
                if self.items.len() >= count {
                    break;
                }
                let word = FILE_WORDS[self.rng.usize(..FILE_WORDS.len())];
                let ext = EXTENSIONS[self.rng.usize(..EXTENSIONS.len())];
                let name = format!("{word} {}.{ext}", self.items.len());
                self.add_child(&folder, name, false);
            }
        }
    }

    /// A new item id in the shape of the seed's (`01` and 32 base32
    /// letters), unique by its counter and varied by the seed.
    fn next_id(&mut self) -> String {
        const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let drive = u64::from(self.personal);
        let mut n = (self.items.len() as u64) << 1 | drive;
        let mut mix = self.seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut id = String::with_capacity(34);
        id.push_str("01");
        for _ in 0..8 {
            id.push(BASE32[(n & 31) as usize] as char);
            n >>= 5;
        }
        for _ in 0..24 {
            mix = mix
                .wrapping_mul(0x5851_f42d_4c95_7f2d)
                .wrapping_add(0x1405_7b7e_f767_814f);
            id.push(BASE32[(mix >> 59) as usize] as char);
        }
        id
    }

    fn push_item(
        &mut self,
        id: String,
        name: String,
        parent: Option<&str>,
        folder: bool,
        permissions: Vec<Value>,
        broken: bool,
    ) {
        self.summary.items += 1;
        self.summary.folders += usize::from(folder);
        self.summary.broken_inheritance += usize::from(broken);
        self.items.push(Item {
            id,
            name,
            parent_id: parent.map(str::to_owned),
            folder,
            permissions,
            inheritance_broken: broken,
        });
    }

    /// Adds one child of `parent` with its own permissions and what it
    /// inherits; a folder comes back to be filled in turn.
    fn add_child(&mut self, parent: &Pending, name: String, folder: bool) -> Option<Pending> {
        let id = self.next_id();
        let depth = parent.depth + 1;
        let path = if parent.path.is_empty() {
            name.clone()
        } else {
            format!("{}/{name}", parent.path)
        };
        // Broken inheritance is rarer on files than on folders, as in
        // tenants where whole folders are locked down.
        let broken = depth > 1 && self.rng.f64() < if folder { 0.06 } else { 0.02 };
        let own = self.own_permissions(depth, folder, broken, &name);
        let mut permissions = Vec::with_capacity(own.len() + parent.passes_down.len());
        if !broken {
            for inheritable in parent.passes_down.iter() {
                let copy = inherited_copy(inheritable, &permissions);
                permissions.push(copy);
            }
            self.summary.inherited_permissions += parent.passes_down.len();
        }
        permissions.extend(own.iter().cloned());
        self.push_item(
            id.clone(),
            name,
            Some(&parent.id),
            folder,
            permissions,
            broken,
        );
        if depth > self.summary.max_depth {
            self.summary.max_depth = depth;
            self.summary.deepest_item = (self.drive_id.to_owned(), id.clone());
        }
        if !folder {
            return None;
        }
        let passes_down = if own.is_empty() && !broken {
            Rc::clone(&parent.passes_down)
        } else {
            let from = json!({
                "driveId": self.drive_id,
                "id": id,
                "path": format!("/drives/{}/root:/{path}", self.drive_id),
            });
            let mut list: Vec<Inheritable> = Vec::new();
            if !broken {
                list.extend(parent.passes_down.iter().map(|i| Inheritable {
                    copy: Rc::clone(&i.copy),
                }));
            }
            list.extend(own.iter().map(|source| Inheritable::of(source, &from)));
            Rc::new(list)
        };
        Some(Pending {
            id,
            path,
            depth,
            passes_down,
        })
    }

    /// The item's direct permissions: department folders shared with a few
    /// colleagues (and now and then a guest), a broken item with grants of
    /// its own, and scattered grants and links below.
    fn own_permissions(
        &mut self,
        depth: usize,
        folder: bool,
        broken: bool,
        name: &str,
    ) -> Vec<Value> {
        let mut own: Vec<Value> = Vec::new();
        let grants = if depth == 1 {
            self.rng.usize(1..=2)
        } else if broken {
            self.rng.usize(1..=3)
        } else if self.rng.f64() < if folder { 0.05 } else { 0.03 } {
            1
        } else {
            0
        };
        for _ in 0..grants {
            let audience = match self.rng.u8(..100) {
                0..=69 => Audience::Internal,
                70..=84 => Audience::Guest,
                _ => Audience::External,
            };
            let grant = self.grant(audience, &own);
            if let Some(grant) = grant {
                own.push(grant);
            }
        }
        let link_chance = if folder { 0.04 } else { 0.05 };
        if depth > 1 && self.rng.f64() < link_chance {
            own.push(self.link(folder, name));
        }
        own
    }

    /// A grant to someone of `audience` not already granted on the item, as
    /// the invite route writes it (`new_permission` in routes/invite.rs).
    fn grant(&mut self, audience: Audience, existing: &[Value]) -> Option<Value> {
        let list = match audience {
            Audience::Internal => &self.people.internal,
            Audience::Guest => &self.people.guests,
            Audience::External => &self.people.external,
        };
        let person = &list[self.rng.usize(..list.len())];
        let id = base64url(person.claim.as_bytes());
        if existing.iter().any(|p| p["id"] == id.as_str()) {
            return None;
        }
        let role = if self.rng.u8(..100) < 65 {
            "read"
        } else {
            "write"
        };
        let who = match &person.id {
            Some(object_id) => json!({
                "id": object_id, "displayName": person.display_name, "email": person.email,
            }),
            None => json!({"displayName": person.email, "email": person.email}),
        };
        let mut permission = json!({
            "id": id,
            "roles": [role],
            "invitation": {"email": person.email, "signInRequired": true},
            "grantedTo": {"user": who},
            "@deprecated.GrantedTo": DEPRECATED_GRANTED_TO,
        });
        let mut v2 = Map::new();
        v2.insert("user".into(), who);
        if !self.personal {
            let name = match &person.id {
                Some(_) => person.display_name.clone(),
                None => person.email.clone(),
            };
            v2.insert(
                "siteUser".into(),
                json!({"id": person.site_user_id, "displayName": name, "loginName": person.claim}),
            );
        }
        permission["grantedToV2"] = Value::Object(v2);
        // Guests' access is the kind admins give an end date.
        if !matches!(audience, Audience::Internal) && self.rng.bool() {
            permission["expirationDateTime"] = json!(EXPIRIES[self.rng.usize(..EXPIRIES.len())]);
        }
        if self.personal {
            permission["hasPassword"] = json!(false);
        }
        match audience {
            Audience::Internal => self.summary.internal_grants += 1,
            Audience::Guest => self.summary.guest_grants += 1,
            Audience::External => self.summary.external_grants += 1,
        }
        Some(permission)
    }

    /// A sharing link as the createLink route writes it for a delegated
    /// caller (no `application`): anonymous or organization in a library;
    /// anonymous in a personal OneDrive, where Microsoft allows organization
    /// links nowhere and passwords only there ("driveItem: createLink", v1.0:
    /// `password` "Optional and OneDrive Personal only").
    fn link(&mut self, folder: bool, name: &str) -> Value {
        let mut bytes = [0u8; 16];
        bytes.iter_mut().for_each(|b| *b = self.rng.u8(..));
        let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
        let token = base64url(id.as_bytes());
        let scope = if self.personal || self.rng.bool() {
            "anonymous"
        } else {
            "organization"
        };
        let link_type = if self.rng.u8(..100) < 70 {
            "view"
        } else {
            "edit"
        };
        let kind = kind_letter(name, folder);
        let web_url = if self.personal {
            format!("https://1drv.ms/{kind}/s!{token}")
        } else {
            format!("https://{}.sharepoint.com/:{kind}:/g/{token}", self.prefix)
        };
        let password = self.personal && self.rng.u8(..100) < 40;
        let mut permission = json!({
            "id": id.to_string(),
            "roles": [if link_type == "edit" { "write" } else { "read" }],
            "shareId": format!("s!{token}"),
            "hasPassword": password,
            "link": {
                "type": link_type,
                "scope": scope,
                "webUrl": web_url,
                "preventsDownload": false,
            },
        });
        let expires = self.rng.u8(..100) < 35;
        if expires {
            permission["expirationDateTime"] = json!(EXPIRIES[self.rng.usize(..EXPIRIES.len())]);
        }
        let s = &mut *self.summary;
        match scope {
            "anonymous" => s.anonymous_links += 1,
            _ => s.organization_links += 1,
        }
        match link_type {
            "view" => s.view_links += 1,
            _ => s.edit_links += 1,
        }
        s.links_with_expiry += usize::from(expires);
        s.links_with_password += usize::from(password);
        permission
    }
}

/// The copy an item holds of a permission it inherits, numbered as
/// `propagate` numbers it when the item already holds that id (one person
/// granted on two ancestors).
fn inherited_copy(inheritable: &Inheritable, held: &[Value]) -> Value {
    let mut copy = (*inheritable.copy).clone();
    let base = copy["id"].as_str().unwrap_or_default().to_owned();
    let mut id = base.clone();
    let mut n = 1;
    while held.iter().any(|p| p["id"] == id.as_str()) {
        n += 1;
        id = format!("{base}{n}");
    }
    if n > 1 {
        copy["id"] = json!(id);
    }
    copy
}
