//! Parses the path of a Graph request (after the version segment) into the
//! drive, item and action it addresses. Segment names are case-insensitive;
//! ids and path segments are percent-decoded.

use crate::errors::ApiError;
use crate::util::percent_decode;

/// What a request path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/$batch`
    Batch,
    /// `…/drive…/items…/{action}`
    Drive(DriveRoute),
    /// `/shares/{shareIdOrEncodedSharingUrl}…`
    Shares(super::shares::ShareRoute),
    /// `/organization`
    Organization,
}

/// A drive, an item in it and what to do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DriveRoute {
    pub drive: DriveRef,
    pub item: ItemRef,
    pub action: Action,
}

/// How the drive is addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DriveRef {
    /// `/me/drive` or `/drive`
    Me,
    /// `/users/{id-or-upn}/drive`
    User(String),
    /// `/groups/{id}/drive`
    Group(String),
    /// `/sites/{id}/drive`
    Site(String),
    /// `/drives/{id}`
    Id(String),
}

/// How the item is addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ItemRef {
    /// `items/{id}`
    Id(String),
    /// `root` or `items/root`
    Root,
    /// `root:/{path}:` or `items/{id}:/{path}:` (path decoded)
    Path { base: Option<String>, path: String },
}

/// The operation on the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// `invite`
    Invite,
    /// `permissions`
    Permissions,
    /// `permissions/{perm-id}`
    Permission(String),
    /// `createLink`
    CreateLink,
    /// `permissions/$count`
    PermissionCount,
    /// `children`
    Children,
    /// `permissions/{perm-id}/revokeGrants`
    RevokeGrants(String),
}

fn decode(segment: &str) -> Result<String, ApiError> {
    percent_decode(segment, false).ok_or_else(|| {
        ApiError::bad_request(format!(
            "The URL segment '{segment}' is not valid percent-encoded UTF-8."
        ))
    })
}

fn unknown(segment: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Resource not found for the segment '{segment}'. The emulator serves $batch and the driveItem invite, permissions and children endpoints."
    ))
}

/// Splits off the first `/`-separated segment.
fn split_segment(s: &str) -> (&str, &str) {
    match s.split_once('/') {
        Some((head, tail)) => (head, tail),
        None => (s, ""),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

/// Splits `"/{path}:{rest}"` at the closing colon; a missing colon means the
/// path runs to the end.
fn split_colon_path(s: &str) -> Result<(String, &str), ApiError> {
    let (path, rest) = match s.find(':') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    Ok((decode(path.trim_matches('/'))?, rest))
}

/// Parses a raw path such as `/me/drive/root:/Documents/Q3.xlsx:/invite`.
pub(crate) fn parse(raw: &str) -> Result<Route, ApiError> {
    let s = raw.strip_prefix('/').unwrap_or(raw);
    let (first, rest) = split_segment(s);
    let first_decoded = decode(first)?;
    if first_decoded == "$batch" && rest.trim_matches('/').is_empty() {
        return Ok(Route::Batch);
    }
    let (drive, rest) = match first_decoded.to_ascii_lowercase().as_str() {
        "me" => {
            let (seg, rest) = split_segment(rest);
            if !seg.eq_ignore_ascii_case("drive") {
                return Err(unknown(seg));
            }
            (DriveRef::Me, rest)
        }
        "drive" => (DriveRef::Me, rest),
        "shares" => return super::shares::parse(rest).map(Route::Shares),
        "organization" if rest.trim_matches('/').is_empty() => return Ok(Route::Organization),
        "drives" => {
            let (id, rest) = split_segment(rest);
            if id.is_empty() {
                return Err(unknown("drives"));
            }
            (DriveRef::Id(decode(id)?), rest)
        }
        owner @ ("users" | "groups" | "sites") => {
            let (id, rest) = split_segment(rest);
            let (seg, rest) = split_segment(rest);
            if id.is_empty() {
                return Err(unknown(owner));
            }
            if !seg.eq_ignore_ascii_case("drive") {
                return Err(unknown(seg));
            }
            let id = decode(id)?;
            let drive = match owner {
                "users" => DriveRef::User(id),
                "groups" => DriveRef::Group(id),
                _ => DriveRef::Site(id),
            };
            (drive, rest)
        }
        _ => return Err(unknown(first)),
    };

    let (item, rest) = if let Some(after) = strip_prefix_ci(rest, "root:") {
        let (path, rest) = split_colon_path(after)?;
        (ItemRef::Path { base: None, path }, rest)
    } else {
        let (seg, tail) = split_segment(rest);
        if seg.eq_ignore_ascii_case("root") {
            (ItemRef::Root, tail)
        } else if seg.eq_ignore_ascii_case("items") {
            let end = tail.find(['/', ':']).unwrap_or(tail.len());
            let id = decode(&tail[..end])?;
            if id.is_empty() {
                return Err(unknown("items"));
            }
            let after_id = &tail[end..];
            if let Some(after) = after_id.strip_prefix(':') {
                let (path, rest) = split_colon_path(after)?;
                let base = (!id.eq_ignore_ascii_case("root")).then_some(id);
                (ItemRef::Path { base, path }, rest)
            } else if id.eq_ignore_ascii_case("root") {
                (ItemRef::Root, after_id)
            } else {
                (ItemRef::Id(id), after_id)
            }
        } else {
            return Err(unknown(seg));
        }
    };

    let rest = rest.trim_matches('/');
    let (seg, tail) = split_segment(rest);
    let seg = decode(seg)?;
    let action = match seg.to_ascii_lowercase().as_str() {
        "invite" | "microsoft.graph.invite" if tail.is_empty() => Action::Invite,
        "permissions" if tail.is_empty() => Action::Permissions,
        "children" if tail.is_empty() => Action::Children,
        "createlink" | "microsoft.graph.createlink" if tail.is_empty() => Action::CreateLink,
        "permissions" if !tail.contains('/') && decode(tail)? == "$count" => {
            Action::PermissionCount
        }
        "permissions" if !tail.contains('/') => Action::Permission(decode(tail)?),
        "permissions"
            if tail.split_once('/').is_some_and(|(_, verb)| {
                verb.eq_ignore_ascii_case("revokeGrants")
                    || verb.eq_ignore_ascii_case("microsoft.graph.revokeGrants")
            }) =>
        {
            let (id, _) = tail.split_once('/').unwrap_or_default();
            Action::RevokeGrants(decode(id)?)
        }
        "" => {
            return Err(ApiError::new(
                501,
                "notSupported",
                "The emulator serves only the invite and permissions endpoints of a driveItem.",
            ));
        }
        _ => return Err(unknown(&seg)),
    };
    Ok(Route::Drive(DriveRoute {
        drive,
        item,
        action,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drive(route: Result<Route, ApiError>) -> DriveRoute {
        match route {
            Ok(Route::Drive(d)) => d,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn parses_every_addressing_form() {
        let d = drive(parse("/me/drive/items/01ABC/invite"));
        assert_eq!(
            (d.drive, d.item, d.action),
            (DriveRef::Me, ItemRef::Id("01ABC".into()), Action::Invite)
        );
        assert_eq!(
            drive(parse("/drive/items/X/permissions")).drive,
            DriveRef::Me
        );
        assert_eq!(
            drive(parse("/drives/b!x-y_z/items/X/invite")).drive,
            DriveRef::Id("b!x-y_z".into())
        );
        assert_eq!(
            drive(parse("/users/a%40b.com/drive/items/X/invite")).drive,
            DriveRef::User("a@b.com".into())
        );
        assert_eq!(
            drive(parse("/groups/g/drive/items/X/invite")).drive,
            DriveRef::Group("g".into())
        );
        assert_eq!(
            drive(parse("/sites/h,1,2/drive/items/X/invite")).drive,
            DriveRef::Site("h,1,2".into())
        );
        let d = drive(parse(
            "/me/drive/root:/Documents/Q4%20Forecast.xlsx:/invite",
        ));
        assert_eq!(
            d.item,
            ItemRef::Path {
                base: None,
                path: "Documents/Q4 Forecast.xlsx".into()
            }
        );
        assert_eq!(d.action, Action::Invite);
        let d = drive(parse("/drives/D/root:/A/B:/permissions/p%2Bq"));
        assert_eq!(d.action, Action::Permission("p+q".into()));
        let d = drive(parse("/drives/D/items/F:/B.txt:/permissions"));
        assert_eq!(
            d.item,
            ItemRef::Path {
                base: Some("F".into()),
                path: "B.txt".into()
            }
        );
        assert_eq!(
            drive(parse("/me/drive/root/permissions")).item,
            ItemRef::Root
        );
        assert_eq!(
            drive(parse("/me/drive/items/root/permissions")).item,
            ItemRef::Root
        );
        assert_eq!(
            drive(parse("/ME/Drive/Items/X/Invite")).action,
            Action::Invite
        );
        assert_eq!(
            drive(parse("/me/drive/items/X/microsoft.graph.invite")).action,
            Action::Invite
        );
        for path in [
            "/me/drive/root/children",
            "/drives/D/items/X/children",
            "/me/drive/root:/Documents:/children",
            "/groups/g/drive/root/children",
        ] {
            assert_eq!(drive(parse(path)).action, Action::Children, "{path}");
        }
        assert_eq!(parse("/$batch").ok(), Some(Route::Batch));
        assert_eq!(parse("/%24batch").ok(), Some(Route::Batch));
    }

    #[test]
    fn rejects_unknown_paths() {
        assert_eq!(parse("/me/events").unwrap_err().status, 400);
        assert_eq!(parse("/foo").unwrap_err().status, 400);
        assert_eq!(
            parse("/me/drive/items/X/children/Y").unwrap_err().status,
            400
        );
        assert_eq!(parse("/me/drive/items/X").unwrap_err().status, 501);
        assert_eq!(parse("/me/drive/items/%ZZ/invite").unwrap_err().status, 400);
        assert_eq!(parse("/drives//items/X/invite").unwrap_err().status, 400);
    }
}
