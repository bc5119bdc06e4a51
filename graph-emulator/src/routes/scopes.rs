//! The Microsoft Graph permissions each served operation needs, and the
//! check of a token's permissions against them.
//!
//! Each row is the "Permissions" table of the operation's page on Microsoft
//! Learn: a delegated token (`scp`) needs one of the "Delegated (work or
//! school account)" row's least or higher privileged permissions, an
//! app-only token (`roles`) one of the "Application" row's. Nothing is
//! implied beyond what a row lists: `Files.ReadWrite.All` passes a read
//! because every read row lists it, not by an ordering of the emulator's.
//!
//! Emulator rule: the `*.Selected` permissions the pages list
//! (`Sites.Selected`, `Files.SelectedOperations.Selected`, …) give access
//! only to resources an admin granted one by one; the emulator models no
//! such grant, so they never pass alone (Graph answers the same 403 for an
//! app with `Sites.Selected` and no grant on the site).
//!
//! A missing permission is Graph's 403 `accessDenied`, "The caller doesn't
//! have permission to perform the action" (the code table of "Microsoft
//! Graph error responses and resource types", and of OneDrive's "Error
//! responses"); the rest of the message is the emulator's own.

use super::address::{Action, DriveRef, Route};
use super::shares::ShareAction;
use crate::errors::ApiError;

/// What one operation needs, from its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Needs {
    /// The operation, for messages.
    pub operation: &'static str,
    /// The Microsoft Learn page whose "Permissions" table this is.
    pub source: &'static str,
    /// Delegated (work or school account): least privileged first, then higher.
    pub delegated: &'static [&'static str],
    /// Application: least privileged first, then higher.
    pub application: &'static [&'static str],
}

/// "Send a sharing invitation" (`driveitem-invite`).
const INVITE: Needs = Needs {
    operation: "driveItem: invite",
    source: "https://learn.microsoft.com/graph/api/driveitem-invite",
    delegated: &[
        "Files.ReadWrite",
        "Files.ReadWrite.All",
        "Sites.ReadWrite.All",
    ],
    application: &["Files.ReadWrite.All", "Sites.ReadWrite.All"],
};

/// "List organizations" (`organization-list`): `User.Read` reads `id`,
/// `displayName` and `verifiedDomains`, all the emulator serves.
const LIST_ORGANIZATION: Needs = Needs {
    operation: "List organizations",
    source: "https://learn.microsoft.com/graph/api/organization-list",
    delegated: &[
        "User.Read",
        "Organization.Read.All",
        "Directory.Read.All",
        "Organization.ReadWrite.All",
        "Directory.ReadWrite.All",
    ],
    application: &[
        "Organization.Read.All",
        "Directory.Read.All",
        "Organization.ReadWrite.All",
        "Directory.ReadWrite.All",
    ],
};

/// "permission: revokeGrants" (`permission-revokegrants`).
const REVOKE_GRANTS: Needs = Needs {
    operation: "permission: revokeGrants",
    source: "https://learn.microsoft.com/graph/api/permission-revokegrants",
    delegated: &[
        "Files.ReadWrite",
        "Files.ReadWrite.All",
        "Sites.ReadWrite.All",
    ],
    application: &["Files.ReadWrite.All", "Sites.ReadWrite.All"],
};

/// "List sharing permissions on a driveItem" (`driveitem-list-permissions`).
const LIST_PERMISSIONS: Needs = Needs {
    operation: "List sharing permissions on a driveItem",
    source: "https://learn.microsoft.com/graph/api/driveitem-list-permissions",
    delegated: &[
        "Files.Read",
        "Files.Read.All",
        "Files.ReadWrite",
        "Files.ReadWrite.All",
        "Sites.Read.All",
        "Sites.ReadWrite.All",
    ],
    application: &[
        "Files.Read.All",
        "Files.ReadWrite.All",
        "Sites.Read.All",
        "Sites.ReadWrite.All",
    ],
};

/// "List children of a driveItem" (`driveitem-list-children`).
const LIST_CHILDREN: Needs = Needs {
    operation: "List children of a driveItem",
    source: "https://learn.microsoft.com/graph/api/driveitem-list-children",
    delegated: &[
        "Files.Read",
        "Files.ReadWrite",
        "Files.Read.All",
        "Files.ReadWrite.All",
        "Sites.Read.All",
        "Sites.ReadWrite.All",
    ],
    application: &[
        "Files.Read.All",
        "Files.ReadWrite.All",
        "Sites.Read.All",
        "Sites.ReadWrite.All",
    ],
};

/// `…/permissions/$count`: no page of its own; a count of the collection the
/// list page serves, so the emulator asks what listing it asks (assumption).
const COUNT_PERMISSIONS: Needs = Needs {
    operation: "Count sharing permissions on a driveItem",
    source: "https://learn.microsoft.com/graph/api/driveitem-list-permissions",
    ..LIST_PERMISSIONS
};

/// "Get sharing permission for a file or folder" (`permission-get`).
const GET_PERMISSION: Needs = Needs {
    operation: "Get sharing permission for a file or folder",
    source: "https://learn.microsoft.com/graph/api/permission-get",
    delegated: &[
        "Files.Read",
        "Files.ReadWrite",
        "Files.Read.All",
        "Files.ReadWrite.All",
        "Sites.Read.All",
        "Sites.ReadWrite.All",
    ],
    application: &[
        "Files.Read.All",
        "Files.ReadWrite.All",
        "Sites.Read.All",
        "Sites.ReadWrite.All",
    ],
};

/// "Update sharing permission" (`permission-update`).
const UPDATE_PERMISSION: Needs = Needs {
    operation: "Update sharing permission",
    source: "https://learn.microsoft.com/graph/api/permission-update",
    delegated: &[
        "Files.ReadWrite",
        "Files.ReadWrite.All",
        "Sites.ReadWrite.All",
    ],
    application: &["Files.ReadWrite.All", "Sites.ReadWrite.All"],
};

/// "Delete a sharing permission from a file or folder" (`permission-delete`).
const DELETE_PERMISSION: Needs = Needs {
    operation: "Delete a sharing permission from a file or folder",
    source: "https://learn.microsoft.com/graph/api/permission-delete",
    ..UPDATE_PERMISSION
};

/// "Create permission on a driveItem" (`driveitem-post-permissions`).
const CREATE_PERMISSION: Needs = Needs {
    operation: "Create permission on a driveItem",
    source: "https://learn.microsoft.com/graph/api/driveitem-post-permissions",
    delegated: &[
        "Files.ReadWrite",
        "Files.ReadWrite.All",
        "Files.SelectedOperations.Selected",
        "Sites.ReadWrite.All",
        "Sites.FullControl.All",
        "Sites.Manage.All",
        "Sites.Selected",
        "Lists.SelectedOperations.Selected",
        "ListItems.SelectedOperations.Selected",
    ],
    application: &[
        "Files.ReadWrite.All",
        "Sites.FullControl.All",
        "Sites.Manage.All",
        "Sites.ReadWrite.All",
        "Sites.Selected",
        "Files.SelectedOperations.Selected",
        "Lists.SelectedOperations.Selected",
        "ListItems.SelectedOperations.Selected",
    ],
};

/// "driveItem: createLink" (`driveitem-createlink`).
const CREATE_LINK: Needs = Needs {
    operation: "driveItem: createLink",
    source: "https://learn.microsoft.com/graph/api/driveitem-createlink",
    ..INVITE
};

/// "Access shared DriveItems" (`shares-get`): `GET /shares/{id}`; the page's
/// examples reach `…/driveItem` (and its children) and `…/permission`
/// through the same API, so the emulator asks the same of them.
const SHARES_GET: Needs = Needs {
    operation: "Access shared DriveItems",
    source: "https://learn.microsoft.com/graph/api/shares-get",
    ..INVITE
};

/// "permission: grant" (`permission-grant`).
const GRANT: Needs = Needs {
    operation: "permission: grant",
    source: "https://learn.microsoft.com/graph/api/permission-grant",
    ..INVITE
};

/// Every row, for the tests.
#[cfg(test)]
pub(crate) const TABLE: &[Needs] = &[
    INVITE,
    LIST_CHILDREN,
    LIST_PERMISSIONS,
    COUNT_PERMISSIONS,
    GET_PERMISSION,
    UPDATE_PERMISSION,
    DELETE_PERMISSION,
    CREATE_PERMISSION,
    CREATE_LINK,
    SHARES_GET,
    GRANT,
];

/// What `method` on `route` needs; `None` for `$batch` (each inner request
/// is checked on its own) and for a method the route does not serve (its
/// handler answers 405).
pub(crate) fn needs(route: &Route, method: &str) -> Option<&'static Needs> {
    let needs = match route {
        Route::Batch => return None,
        Route::Drive(drive) => match (&drive.action, method) {
            (Action::Invite, "POST") => &INVITE,
            (Action::Children, "GET") => &LIST_CHILDREN,
            (Action::Permissions, "GET") => &LIST_PERMISSIONS,
            (Action::Permissions, "POST") => &CREATE_PERMISSION,
            (Action::PermissionCount, "GET") => &COUNT_PERMISSIONS,
            (Action::Permission(_), "GET") => &GET_PERMISSION,
            (Action::Permission(_), "PATCH") => &UPDATE_PERMISSION,
            (Action::Permission(_), "DELETE") => &DELETE_PERMISSION,
            (Action::CreateLink, "POST") => &CREATE_LINK,
            (Action::RevokeGrants(_), "POST") => &REVOKE_GRANTS,
            _ => return None,
        },
        Route::Shares(share) => match (share.action, method) {
            (ShareAction::Grant, "POST") => &GRANT,
            (ShareAction::Get | ShareAction::DriveItem | ShareAction::Permission, "GET") => {
                &SHARES_GET
            }
            _ => return None,
        },
        Route::Organization if method == "GET" => &LIST_ORGANIZATION,
        Route::Organization => return None,
    };
    Some(needs)
}

/// Whether `route` is `/me/drive/…` or `/drive/…` asked with an app-only
/// token, which names no drive. Emulator rule (no page says which answer
/// Graph gives first): its 400 ("/me request is only valid with delegated
/// authentication flow", the emulator's answer before permissions were
/// checked) comes before the permissions, whatever the app was granted.
pub(crate) fn names_no_drive(route: &Route, kind: TokenKind) -> bool {
    matches!(
        (route, kind),
        (Route::Drive(drive), TokenKind::Application) if matches!(drive.drive, DriveRef::Me)
    )
}

/// The kind of token, which decides the row that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// A user's token: its `scp`.
    Delegated,
    /// An app-only token: its `roles`.
    Application,
}

/// Whether a permission can pass on its own (see the module's rule on `*.Selected`).
fn grants_alone(permission: &str) -> bool {
    !permission.to_ascii_lowercase().ends_with(".selected")
}

/// How far a token that passed [`check`] reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Every item the caller may touch.
    Any,
    /// Only the signed-in user's own files: the token passed with
    /// `Files.Read` or `Files.ReadWrite` alone, which the permissions
    /// reference describes as reading (and changing) "the signed-in user's
    /// files", where the `.All` ones reach "all files the signed-in user
    /// can access". Enforced once the item is resolved, on the drive item
    /// routes and on `/shares` alike: OneDrive's "List items shared with
    /// the signed-in user" says that "without one of the All permissions,
    /// shared items returned from this API will not be accessible".
    SignedInUsersFiles,
}

/// The delegated permissions that reach the signed-in user's files only.
const OWN_FILES: [&str; 2] = ["Files.Read", "Files.ReadWrite"];

/// `Ok` with its [`Reach`] when `granted` holds one of the permissions
/// `needs` lists for `kind` (case-insensitively: permission values are
/// compared as the identity platform compares scopes); else 403
/// `accessDenied`.
pub(crate) fn check(needs: &Needs, kind: TokenKind, granted: &[String]) -> Result<Reach, ApiError> {
    let (listed, claim, row) = match kind {
        TokenKind::Delegated => (needs.delegated, "scp", "delegated"),
        TokenKind::Application => (needs.application, "roles", "application"),
    };
    let passing: Vec<&str> = listed
        .iter()
        .copied()
        .filter(|wanted| {
            grants_alone(wanted) && granted.iter().any(|g| g.eq_ignore_ascii_case(wanted))
        })
        .collect();
    if !passing.is_empty() {
        let own_only = passing
            .iter()
            .all(|p| OWN_FILES.iter().any(|own| own.eq_ignore_ascii_case(p)));
        return Ok(if own_only {
            Reach::SignedInUsersFiles
        } else {
            Reach::Any
        });
    }
    let has = if granted.is_empty() {
        "none".to_string()
    } else {
        granted.join(", ")
    };
    Err(ApiError::new(
        403,
        "accessDenied",
        format!(
            "The caller doesn't have permission to perform the action. {} needs one of the {row} permissions {}; the token's {claim} has {has}.",
            needs.operation,
            listed.join(", "),
        ),
    ))
}

/// The 403 for a token of [`Reach::SignedInUsersFiles`] used on a drive
/// that is not the signed-in user's.
pub(crate) fn not_own_files(needs: &Needs) -> ApiError {
    let wider: Vec<&str> = needs
        .delegated
        .iter()
        .copied()
        .filter(|p| grants_alone(p) && !OWN_FILES.iter().any(|own| own.eq_ignore_ascii_case(p)))
        .collect();
    ApiError::new(
        403,
        "accessDenied",
        format!(
            "The caller doesn't have permission to perform the action. The token's Files.Read and Files.ReadWrite reach the signed-in user's own files only; {} on another drive needs one of {}.",
            needs.operation,
            wider.join(", "),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::parse;

    fn held(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn every_row_names_its_page_and_lists_a_permission_of_each_kind() {
        for row in TABLE {
            assert!(
                row.source
                    .starts_with("https://learn.microsoft.com/graph/api/")
            );
            assert!(!row.delegated.is_empty() && !row.application.is_empty());
            // Files.ReadWrite.All is on every row, for both kinds.
            for kind in [TokenKind::Delegated, TokenKind::Application] {
                check(row, kind, &held(&["Files.ReadWrite.All"])).unwrap();
            }
        }
    }

    #[test]
    fn reads_pass_with_read_permissions_and_writes_do_not() {
        let read = held(&["Files.Read"]);
        let read_all = held(&["Files.Read.All"]);
        for (method, path, writes) in [
            ("GET", "/me/drive/items/X/permissions", false),
            ("GET", "/me/drive/items/X/children", false),
            ("GET", "/me/drive/items/X/permissions/$count", false),
            ("GET", "/me/drive/items/X/permissions/P", false),
            ("PATCH", "/me/drive/items/X/permissions/P", true),
            ("DELETE", "/me/drive/items/X/permissions/P", true),
            ("POST", "/me/drive/items/X/permissions", true),
            ("POST", "/me/drive/items/X/invite", true),
            ("POST", "/me/drive/items/X/createLink", true),
            ("GET", "/shares/s!abc", true),
            ("GET", "/shares/s!abc/driveItem", true),
            ("POST", "/shares/s!abc/permission/grant", true),
        ] {
            let route = parse(path).unwrap();
            let needs = needs(&route, method).unwrap();
            let delegated = check(needs, TokenKind::Delegated, &read);
            let app = check(needs, TokenKind::Application, &read_all);
            assert_eq!(delegated.is_err(), writes, "{method} {path}");
            assert_eq!(app.is_err(), writes, "{method} {path}");
            if let Err(err) = delegated {
                assert_eq!((err.status, err.code.as_str()), (403, "accessDenied"));
                assert!(err.message.contains("Files.ReadWrite"), "{}", err.message);
                assert!(
                    err.message.contains("scp has Files.Read."),
                    "{}",
                    err.message
                );
            }
        }
    }

    #[test]
    fn files_read_and_files_readwrite_alone_reach_the_users_own_files() {
        let route = parse("/me/drive/items/X/permissions").unwrap();
        let list = needs(&route, "GET").unwrap();
        let reach = |names: &[&str]| check(list, TokenKind::Delegated, &held(names)).unwrap();
        assert_eq!(reach(&["Files.Read"]), Reach::SignedInUsersFiles);
        assert_eq!(
            reach(&["files.readwrite", "Files.Read"]),
            Reach::SignedInUsersFiles
        );
        assert_eq!(reach(&["Files.Read", "Files.Read.All"]), Reach::Any);
        assert_eq!(reach(&["Sites.Read.All"]), Reach::Any);
        let app = check(list, TokenKind::Application, &held(&["Files.Read.All"]));
        assert_eq!(app.unwrap(), Reach::Any);
        let err = not_own_files(list);
        assert_eq!((err.status, err.code.as_str()), (403, "accessDenied"));
        assert!(err.message.ends_with("needs one of Files.Read.All, Files.ReadWrite.All, Sites.Read.All, Sites.ReadWrite.All."), "{}", err.message);
    }

    #[test]
    fn a_kind_is_checked_against_its_own_row_only() {
        let route = parse("/me/drive/items/X/permissions").unwrap();
        let needs = needs(&route, "GET").unwrap();
        // Files.Read is delegated only: the application row does not list it.
        check(needs, TokenKind::Delegated, &held(&["Files.Read"])).unwrap();
        let err = check(needs, TokenKind::Application, &held(&["Files.Read"])).unwrap_err();
        assert!(
            err.message.contains("roles has Files.Read."),
            "{}",
            err.message
        );
    }

    #[test]
    fn selected_permissions_never_pass_alone_and_case_does_not_matter() {
        let route = parse("/drives/D/items/X/permissions").unwrap();
        let needs = needs(&route, "POST").unwrap();
        for kind in [TokenKind::Delegated, TokenKind::Application] {
            let err = check(needs, kind, &held(&["Sites.Selected"])).unwrap_err();
            assert_eq!(err.status, 403);
            check(needs, kind, &held(&["sites.readwrite.all"])).unwrap();
        }
        let err = check(needs, TokenKind::Application, &[]).unwrap_err();
        assert!(err.message.ends_with("roles has none."), "{}", err.message);
    }

    #[test]
    fn batches_and_unserved_methods_need_nothing_here() {
        assert_eq!(needs(&parse("/$batch").unwrap(), "POST"), None);
        let invite = parse("/me/drive/items/X/invite").unwrap();
        assert_eq!(needs(&invite, "GET"), None);
    }
}
