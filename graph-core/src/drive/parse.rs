//! Reading an [`ItemLocator`] from the Graph path that addresses the item.

use std::fmt;
use std::str::FromStr;

use super::ItemLocator;

/// Why a text is not a drive item address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseLocatorError {
    text: String,
}

impl fmt::Display for ParseLocatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a drive item address; expected one of /me/drive/items/{{id}}, /drive/items/{{id}}, \
             /drives/{{drive}}/items/{{id}}, /groups/{{id}}/drive/items/{{id}}, /users/{{id}}/drive/items/{{id}}, \
             /sites/{{id}}/drive/items/{{id}}, /me/drive/root:/{{path}}:, /drives/{{drive}}/root:/{{path}}:, \
             or a drive's root: /me/drive/root, /drives/{{drive}}/root, /groups/{{id}}/drive/root, /users/{{id}}/drive/root, /sites/{{id}}/drive/root",
            self.text
        )
    }
}

impl std::error::Error for ParseLocatorError {}

/// Reads the address forms Graph documents, as they appear after the version
/// (`/v1.0`); a path after `root:/` is taken as written, up to the closing `:`.
///
/// ```
/// use graph_core::drive::ItemLocator;
///
/// let item: ItemLocator = "/groups/g1/drive/items/01ABC".parse()?;
/// assert_eq!(item, ItemLocator::group("g1", "01ABC"));
/// let by_path: ItemLocator = "/me/drive/root:/Documents/Q3 plan.xlsx:".parse()?;
/// assert_eq!(by_path, ItemLocator::me_path("Documents/Q3 plan.xlsx"));
/// assert!("/me/drive".parse::<ItemLocator>().is_err());
/// # Ok::<(), graph_core::drive::ParseLocatorError>(())
/// ```
impl FromStr for ItemLocator {
    type Err = ParseLocatorError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = || ParseLocatorError {
            text: text.to_owned(),
        };
        let trimmed = text.trim();
        if let Some((drive, path)) = path_form(trimmed) {
            return match drive {
                None => Ok(ItemLocator::me_path(path)),
                Some(drive) => Ok(ItemLocator::drive_path(drive, path)),
            };
        }
        let parts: Vec<&str> = trimmed.trim_matches('/').split('/').collect();
        let ok = |s: &&str| !s.is_empty();
        match parts.as_slice() {
            ["me", "drive", "items", item] if ok(item) => Ok(ItemLocator::me(*item)),
            ["drive", "items", item] if ok(item) => Ok(ItemLocator::default_drive(*item)),
            ["drives", drive, "items", item] if ok(drive) && ok(item) => {
                Ok(ItemLocator::drive(*drive, *item))
            }
            ["groups", group, "drive", "items", item] if ok(group) && ok(item) => {
                Ok(ItemLocator::group(*group, *item))
            }
            ["users", user, "drive", "items", item] if ok(user) && ok(item) => {
                Ok(ItemLocator::user(*user, *item))
            }
            ["sites", site, "drive", "items", item] if ok(site) && ok(item) => {
                Ok(ItemLocator::site(*site, *item))
            }
            ["me", "drive", "root"] => Ok(ItemLocator::me_root()),
            ["drives", drive, "root"] if ok(drive) => Ok(ItemLocator::drive_root(*drive)),
            ["groups", group, "drive", "root"] if ok(group) => Ok(ItemLocator::group_root(*group)),
            ["users", user, "drive", "root"] if ok(user) => Ok(ItemLocator::user_root(*user)),
            ["sites", site, "drive", "root"] if ok(site) => Ok(ItemLocator::site_root(*site)),
            _ => Err(fail()),
        }
    }
}

/// `/me/drive/root:/{path}:` or `/drives/{drive}/root:/{path}:`: the drive (if named) and the path.
fn path_form(text: &str) -> Option<(Option<&str>, &str)> {
    let (head, rest) = text.split_once("/root:/")?;
    let path = rest.strip_suffix(':')?;
    if path.is_empty() {
        return None;
    }
    match head
        .trim_start_matches('/')
        .split('/')
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["me", "drive"] => Some((None, path)),
        ["drives", drive] if !drive.is_empty() => Some((Some(drive), path)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_form_reads_back() {
        let cases = [
            ("/me/drive/items/01A", ItemLocator::me("01A")),
            ("/drive/items/01A", ItemLocator::default_drive("01A")),
            ("/drives/b!x/items/01A", ItemLocator::drive("b!x", "01A")),
            ("groups/g/drive/items/01A", ItemLocator::group("g", "01A")),
            (
                "/users/megan@contoso.com/drive/items/01A",
                ItemLocator::user("megan@contoso.com", "01A"),
            ),
            (
                "/sites/contoso.sharepoint.com,1,2/drive/items/01A",
                ItemLocator::site("contoso.sharepoint.com,1,2", "01A"),
            ),
            (
                "/me/drive/root:/Docs/a b.txt:",
                ItemLocator::me_path("Docs/a b.txt"),
            ),
            (
                "/drives/b!x/root:/Docs/a.txt:",
                ItemLocator::drive_path("b!x", "Docs/a.txt"),
            ),
            ("/me/drive/root", ItemLocator::me_root()),
            ("/drives/b!x/root", ItemLocator::drive_root("b!x")),
            ("/groups/g/drive/root", ItemLocator::group_root("g")),
            (
                "/users/u@x.com/drive/root",
                ItemLocator::user_root("u@x.com"),
            ),
            ("/sites/h,1,2/drive/root", ItemLocator::site_root("h,1,2")),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<ItemLocator>().unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_the_forms_listed() {
        for bad in [
            "",
            "/me/drive",
            "/drives//items/01A",
            "/me/drive/items/",
            "/me/drive/root:/:",
            "/me/drive/root:/x",
            "/drives//root",
            "/me/drive/root/x",
            "/planner/tasks/1",
        ] {
            let err = bad.parse::<ItemLocator>().unwrap_err();
            assert!(
                err.to_string().contains("/drives/{drive}/items/{id}"),
                "{bad}: {err}"
            );
        }
    }
}
