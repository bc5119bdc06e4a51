//! Request handlers. `address` parses paths; `drive_request` resolves the
//! addressed drive and item and hands off to the endpoint's handler.

mod address;
pub(crate) mod authorize;
pub(crate) mod batch;
mod children;
mod client_assertion;
pub(crate) mod device_code;
pub(crate) mod discovery;
mod drive_item;
mod etag;
mod grantees;
mod inheritance;
mod invite;
mod links;
pub(crate) mod managed_identity;
pub(crate) mod organization;
mod parameters;
mod permissions;
pub(crate) mod scopes;
mod select;
pub(crate) mod shares;
pub(crate) mod token;

use address::{Action, DriveRef, DriveRoute, ItemRef};
pub(crate) use address::{Route, parse};

use serde_json::Value;

use crate::errors::ApiError;
use crate::pipeline::{Answer, Ctx, UnitRequest};
use crate::state::{Principal, Store};
use crate::tenant::Tenant;
pub(crate) use crate::tenant::is_inherited;

/// `application/json` as Graph sends it.
pub(crate) const GRAPH_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// The drive and item a request addresses, resolved to ids.
pub(crate) struct Target {
    pub drive_id: String,
    pub item_id: String,
}

/// Runs a request addressed to a drive item.
pub(crate) fn drive_request(
    store: &mut Store,
    ctx: &Ctx<'_>,
    req: &UnitRequest,
    route: DriveRoute,
) -> Result<Answer, ApiError> {
    let target = resolve(&store.tenant, ctx.principal, &route.drive, &route.item)?;
    if let Some((needs, scopes::Reach::SignedInUsersFiles)) = ctx.needs {
        own_files_only(&store.tenant, ctx.principal, &target.drive_id, needs)?;
    }
    let method = req.method.as_str();
    match (&route.action, method) {
        (Action::Invite, "POST") => {
            invite::invite(&mut store.tenant, &mut store.mailbox, &target, &req.body)
        }
        (Action::Children, "GET") => children::list(&store.tenant, &target, ctx, req),
        (Action::Permissions, "GET") => permissions::list(&store.tenant, &target, ctx, req),
        (Action::Permissions, "POST") => permissions::create(&mut store.tenant, &target, req),
        (Action::PermissionCount, "GET") => permissions::count(&store.tenant, &target),
        (Action::Permission(id), "GET") => permissions::get(&store.tenant, &target, id, req),
        (Action::Permission(id), "PATCH") => {
            permissions::update(&mut store.tenant, &target, id, req)
        }
        (Action::Permission(id), "DELETE") => {
            permissions::delete(&mut store.tenant, &target, id, req)
        }
        (Action::RevokeGrants(id), "POST") => {
            permissions::revoke_grants(&mut store.tenant, &target, id, req)
        }
        (Action::CreateLink, "POST") => {
            links::create_link(&mut store.tenant, ctx.principal, &target, req)
        }
        _ => Err(ApiError::new(
            405,
            "BadRequest",
            format!("Specified HTTP method ({method}) is not allowed for the request target."),
        )),
    }
}

/// A token whose Files permissions reach the signed-in user's files only
/// (see [`scopes::Reach`]) may touch the user's own drive and no other,
/// whether the item is addressed by its drive or through a share.
pub(crate) fn own_files_only(
    tenant: &Tenant,
    principal: &Principal,
    drive_id: &str,
    needs: &scopes::Needs,
) -> Result<(), ApiError> {
    let own_drive = match principal {
        Principal::Delegated { user_id } => tenant
            .find_user(user_id)
            .and_then(|u| u.drive_id.as_deref()),
        Principal::App { .. } => None,
    };
    if own_drive == Some(drive_id) {
        return Ok(());
    }
    Err(scopes::not_own_files(needs))
}

/// Resolves the addressed drive and item through the tenant's indexes: its
/// cost does not grow with the directory or the drive (see
/// [`Tenant::lookup_cost`]).
fn resolve(
    tenant: &Tenant,
    principal: &Principal,
    drive: &DriveRef,
    item: &ItemRef,
) -> Result<Target, ApiError> {
    let drive_id = match drive {
        DriveRef::Me => match principal {
            Principal::App { .. } => {
                return Err(ApiError::bad_request(
                    "/me request is only valid with delegated authentication flow.",
                ));
            }
            Principal::Delegated { user_id } => tenant
                .find_user(user_id)
                .and_then(|u| u.drive_id.clone())
                .ok_or_else(|| ApiError::not_found("The signed-in user has no drive."))?,
        },
        DriveRef::User(id) => tenant
            .find_user(id)
            .ok_or_else(|| ApiError::not_found(format!("User '{id}' was not found.")))?
            .drive_id
            .clone()
            .ok_or_else(|| ApiError::not_found(format!("User '{id}' has no drive.")))?,
        DriveRef::Group(id) => tenant
            .find_group(id)
            .ok_or_else(|| ApiError::not_found(format!("Group '{id}' was not found.")))?
            .drive_id
            .clone()
            .ok_or_else(|| ApiError::not_found(format!("Group '{id}' has no drive.")))?,
        DriveRef::Site(id) => tenant
            .find_site(id)
            .ok_or_else(|| ApiError::not_found(format!("Site '{id}' was not found.")))?
            .drive_id
            .clone()
            .ok_or_else(|| ApiError::not_found(format!("Site '{id}' has no drive.")))?,
        DriveRef::Id(id) => id.clone(),
    };
    let drive = tenant
        .drive(&drive_id)
        .ok_or_else(|| ApiError::not_found(format!("Drive '{drive_id}' was not found.")))?;
    let root = drive
        .root()
        .ok_or_else(|| ApiError::not_found("The drive has no root."))?;
    let found = match item {
        ItemRef::Root => Some(root),
        ItemRef::Id(id) => drive.item(id),
        ItemRef::Path { base, path } => {
            drive.item_at_path(base.as_deref().unwrap_or(&root.id), path)
        }
    };
    let item = found.ok_or_else(|| ApiError::not_found("The resource could not be found."))?;
    Ok(Target {
        drive_id: drive.id.clone(),
        item_id: item.id.clone(),
    })
}

/// Parses a JSON request body that must be an object.
pub(crate) fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid_request(
            "The request body must be a JSON object.",
        )),
        Err(_) => Err(ApiError::invalid_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )),
    }
}

/// Checks `roles`: a non-empty array of `read`, `write` or `owner`.
pub(crate) fn parse_roles(value: Option<&Value>) -> Result<Vec<String>, ApiError> {
    let Some(Value::Array(items)) = value else {
        return Err(ApiError::invalid_request(
            "roles: a non-empty array of roles (read, write or owner) is required.",
        ));
    };
    if items.is_empty() {
        return Err(ApiError::invalid_request(
            "roles: at least one role (read, write or owner) is required.",
        ));
    }
    items
        .iter()
        .map(|r| match r.as_str() {
            Some(role @ ("read" | "write" | "owner")) => Ok(role.to_string()),
            _ => Err(ApiError::invalid_request(format!(
                "roles: {r} is not a valid role; use read, write or owner."
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::{Drive, Group, Item, Site, User, seed};

    /// A tenant with 1,000 more users, groups, sites and drives than the
    /// default one, indexed as the emulator does when it starts.
    fn big_tenant() -> Tenant {
        let mut tenant = Tenant::default_tenant();
        for n in 0..1_000 {
            let drive_id = format!("b!extra-{n}");
            let root = Item {
                id: format!("R{n}"),
                name: "root".into(),
                parent_id: None,
                folder: true,
                permissions: Vec::new(),
                inheritance_broken: false,
            };
            tenant.drives.push(Drive::new(
                drive_id.clone(),
                "business",
                "Documents",
                vec![root],
            ));
            let mut user: User = tenant.users[0].clone();
            user.id = format!("user-{n}");
            user.user_principal_name = format!("user{n}@contoso.com");
            user.mail = format!("user{n}@contoso.com");
            user.drive_id = Some(drive_id.clone());
            tenant.users.push(user);
            let mut group: Group = tenant.groups[0].clone();
            group.id = format!("group-{n}");
            group.mail = format!("group{n}@contoso.com");
            group.drive_id = Some(drive_id.clone());
            tenant.groups.push(group);
            let mut site: Site = tenant.sites[0].clone();
            site.id = format!("site-{n}");
            site.drive_id = Some(drive_id);
            tenant.sites.push(site);
        }
        tenant.prepare().unwrap();
        tenant
    }

    /// Resolving a drive and item costs a few lookups whatever the size of
    /// the directory; it used to scan users, groups, sites, drives and the
    /// drive's items on every request.
    #[test]
    fn resolving_costs_a_few_lookups_whatever_the_directory_size() {
        let tenant = big_tenant();
        let me = Principal::Delegated {
            user_id: seed::ME_USER_ID.into(),
        };
        let cases = [
            (DriveRef::User("USER-999".into()), ItemRef::Root),
            (DriveRef::Group("group-999".into()), ItemRef::Root),
            (DriveRef::Site("site-999".into()), ItemRef::Root),
            (
                DriveRef::Id("b!extra-999".into()),
                ItemRef::Id("r999".into()),
            ),
            (DriveRef::Me, ItemRef::Id(seed::ME_DOCUMENTS_ID.into())),
        ];
        for (drive, item) in cases {
            let before = tenant.lookup_cost();
            let target = resolve(&tenant, &me, &drive, &item).unwrap();
            assert!(!target.item_id.is_empty());
            let cost = tenant.lookup_cost() - before;
            assert!(cost <= 4, "{drive:?} {item:?}: {cost} entries examined");
        }
        // A 404 costs as little.
        let before = tenant.lookup_cost();
        let missing = resolve(
            &tenant,
            &me,
            &DriveRef::Group("nobody".into()),
            &ItemRef::Root,
        );
        assert_eq!(missing.err().map(|e| e.status), Some(404));
        let missing = resolve(&tenant, &me, &DriveRef::Me, &ItemRef::Id("nothing".into()));
        assert_eq!(missing.err().map(|e| e.status), Some(404));
        assert!(tenant.lookup_cost() - before <= 5);
    }
}
