//! `GET …/children` ("List children of a driveItem"): a folder's items,
//! paged.
//!
//! "If a collection exceeds the default page size (200 items), the
//! @odata.nextLink property is returned in the response to indicate more
//! items are available and provide the request URL for the next page of
//! items. You can control the page size through optional query string
//! parameters." `$top` sets the page size (any positive number: the page
//! gives no upper bound, so the emulator sets none); the next link is an
//! absolute URL on the emulator's own address carrying `$top`, `$select` and
//! an opaque `$skiptoken`. Children come in the drive's order, stable across
//! pages. A file has no children ("DriveItems with a non-null folder or
//! package facet can have one or more child DriveItems"): its collection is
//! empty.

use serde_json::json;

use super::Target;
use super::drive_item::{DRIVE_ITEM_PROPERTIES, item_body};
use super::select;
use crate::errors::ApiError;
use crate::pipeline::{Answer, Ctx, UnitRequest};
use crate::tenant::Tenant;
use crate::util::parse_pairs;

/// The documented default page size.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 200;

/// Marks a children skiptoken ("EmulatorChildren", base64): a token is
/// this and the offset of the page's first child.
const SKIPTOKEN_PREFIX: &str = "RW11bGF0b3JDaGlsZHJlbg";

/// Lists the folder's children, one page.
pub(super) fn list(
    tenant: &Tenant,
    target: &Target,
    ctx: &Ctx<'_>,
    req: &UnitRequest,
) -> Result<Answer, ApiError> {
    let pairs = parse_pairs(&req.query, false).ok_or_else(|| {
        ApiError::bad_request("The query string is not valid percent-encoded UTF-8.")
    })?;
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let top = match param("$top") {
        None => None,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return Err(ApiError::invalid_request(format!(
                    "Invalid $top value '{raw}': expected a positive integer."
                )));
            }
        },
    };
    let skip = match param("$skiptoken") {
        None => 0,
        Some(token) => token
            .strip_prefix(SKIPTOKEN_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::invalid_request(format!("Invalid $skiptoken '{token}'.")))?,
    };
    let chosen = select::parse_for(
        param("$select"),
        DRIVE_ITEM_PROPERTIES,
        "microsoft.graph.driveItem",
    )?;
    let drive = tenant
        .drive(&target.drive_id)
        .ok_or_else(|| ApiError::not_found("The resource could not be found."))?;
    let size = top.unwrap_or(DEFAULT_PAGE_SIZE);
    let (children, total) = drive.child_page(&target.item_id, skip, size);
    if skip > total {
        return Err(ApiError::invalid_request(format!(
            "Invalid $skiptoken '{SKIPTOKEN_PREFIX}{skip}'."
        )));
    }
    let end = skip + children.len();
    let page: Vec<_> = children
        .iter()
        .map(|&p| {
            let body = item_body(tenant, drive, &drive.items[p]);
            select::project(body, chosen.as_deref())
        })
        .collect();
    let mut body = json!({ "value": page });
    if end < total {
        let top = top.map(|t| format!("$top={t}&")).unwrap_or_default();
        let select = chosen
            .as_ref()
            .map(|names| format!("$select={}&", names.join(",")))
            .unwrap_or_default();
        body["@odata.nextLink"] = json!(format!(
            "{}/{}{}?{top}{select}$skiptoken={SKIPTOKEN_PREFIX}{end}",
            ctx.root_url, req.version, req.path
        ));
    }
    Ok(Answer::json(200, body))
}
