//! Permission eTags and `If-Match`.
//!
//! Graph's permission pages document `if-match` on update and delete: "If
//! this request header is included and the eTag (or cTag) provided does not
//! match the current tag on the item, a `412 Precondition Failed` response is
//! returned" ("Update sharing permission", "Delete a sharing permission from
//! a file or folder"). The CSDL's `permission` has no eTag property, so the
//! emulator carries each permission's tag the way OData JSON carries an
//! entity's: the `@odata.etag` annotation (OData JSON Format 4.01, §4.6.10
//! "Control Information odata.etag"). A tag changes whenever the permission does.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use crate::errors::ApiError;

const ANNOTATION: &str = "@odata.etag";

/// Where every new tag's number comes from: a tag is never handed out twice
/// in one emulator process, so a tag of a deleted permission cannot match
/// the permission created after it under the same id, and tags of two
/// permissions never collide (each also names the full permission id).
static NEXT_VERSION: AtomicU64 = AtomicU64::new(1);

/// The permission's current tag; a permission never changed here (a seeded
/// one) is at version 0.
pub(crate) fn current(permission: &Value) -> String {
    match permission.get(ANNOTATION).and_then(Value::as_str) {
        Some(tag) => tag.to_string(),
        None => tag(permission, 0),
    }
}

fn tag(permission: &Value, version: u64) -> String {
    let id = permission["id"].as_str().unwrap_or_default();
    format!("\"{id},{version}\"")
}

/// Gives the permission a new tag: call after every change.
pub(crate) fn bump(permission: &mut Value) {
    // Wrapping after 2^64 tags is harmless; it never panics.
    let next = NEXT_VERSION.fetch_add(1, Ordering::Relaxed);
    permission[ANNOTATION] = json!(tag(permission, next));
}

/// The permission as served: with its tag.
pub(crate) fn served(permission: &Value) -> Value {
    let mut out = permission.clone();
    if out.get(ANNOTATION).is_none() && out.is_object() {
        out[ANNOTATION] = json!(current(permission));
    }
    out
}

/// A new permission, to be stored: with a tag no other permission has had.
pub(crate) fn fresh(permission: &Value) -> Value {
    let mut out = permission.clone();
    if out.is_object() {
        bump(&mut out);
    }
    out
}

/// The driveItem's eTag, as `GET /shares/{id}/driveItem` serves it. The
/// emulator stores no item content, so an item's tag never changes.
pub(crate) fn item_tag(item_id: &str) -> String {
    format!("\"{{{item_id}}},1\"")
}

/// Checks an `If-Match` header (absent: no condition; `*`: any current
/// representation; else a comma-separated list of entity tags, one of which
/// must equal a current tag).
///
/// "Update sharing permission" and "Delete a sharing permission": "If this
/// request header is included and the eTag (or cTag) provided does not match
/// the current tag on the item, a 412 Precondition Failed response is
/// returned". The tag compared is the driveItem's ([`item_tag`]); the
/// emulator also accepts the permission's own `@odata.etag`, an emulator
/// extra (the CSDL's permission has no eTag; README, Permissions).
/// If-Match uses the strong comparison (RFC 9110 §13.1.1), so a weak tag
/// `W/"…"` never matches. Graph's error codes ("Microsoft Graph error
/// responses and resource types"): a tag that is not a quoted string is 400
/// `malformedEntityTag` ("ETags must be quoted strings"); a mismatch is 412
/// `resourceModified` ("usually an eTag mismatch") with inner code
/// `entityTagDoesNotMatch`.
pub(crate) fn check_if_match(
    if_match: Option<&str>,
    item_id: &str,
    permission: &Value,
) -> Result<(), ApiError> {
    let Some(header) = if_match else {
        return Ok(());
    };
    let tags = tag_list(header);
    if tags.is_empty() || tags.iter().any(|t| !is_entity_tag(t)) {
        return Err(ApiError::new(
            400,
            "malformedEntityTag",
            "ETags must be quoted strings.",
        ));
    }
    let now = [current(permission), item_tag(item_id)];
    let matches = tags
        .iter()
        .any(|candidate| *candidate == "*" || now.iter().any(|tag| tag == candidate));
    if matches {
        Ok(())
    } else {
        let mut err = ApiError::new(
            412,
            "resourceModified",
            "The resource has changed since the caller last read it; usually an eTag mismatch.",
        );
        err.inner_code = Some("entityTagDoesNotMatch".to_string());
        Err(err)
    }
}

/// `*`, or an entity tag (RFC 9110 §8.8.3): an optional `W/` and a quoted
/// string with no `"` inside.
fn is_entity_tag(tag: &str) -> bool {
    if tag == "*" {
        return true;
    }
    let quoted = tag.strip_prefix("W/").unwrap_or(tag);
    quoted.len() >= 2
        && quoted.starts_with('"')
        && quoted.ends_with('"')
        && !quoted[1..quoted.len() - 1].contains('"')
}

/// Splits an entity-tag list at the commas between tags; a comma inside a
/// quoted tag belongs to the tag.
fn tag_list(header: &str) -> Vec<&str> {
    let mut tags = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in header.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                tags.push(header[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    tags.push(header[start..].trim());
    tags.retain(|t| !t.is_empty());
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_change_with_each_change_and_gate_if_match() {
        let mut p = json!({"id": "aTowIy5mfG1lbWJl", "roles": ["read"]});
        let first = current(&p);
        assert_eq!(served(&json!({"roles": []}))[ANNOTATION], "\",0\"");
        check_if_match(Some(&first), "I", &p).unwrap();
        bump(&mut p);
        let second = current(&p);
        assert_ne!(first, second);
        assert_eq!(
            check_if_match(Some(&first), "I", &p).unwrap_err().status,
            412
        );
        check_if_match(Some(&format!("{first}, {second}")), "I", &p).unwrap();
        check_if_match(Some("*"), "I", &p).unwrap();
        check_if_match(None, "I", &p).unwrap();
    }

    /// Weak tags never pass If-Match; malformed ones are 400; a mismatch is
    /// Graph's 412 `resourceModified`.
    #[test]
    fn strong_comparison_and_graph_codes() {
        let p = fresh(&json!({"id": "A"}));
        let now = current(&p);
        let weak = format!("W/{now}");
        let err = check_if_match(Some(&weak), "I", &p).unwrap_err();
        assert_eq!((err.status, err.code.as_str()), (412, "resourceModified"));
        assert_eq!(err.inner_code.as_deref(), Some("entityTagDoesNotMatch"));
        for malformed in ["abc", "\"abc", "\"a\"b\"", "", " , "] {
            let err = check_if_match(Some(malformed), "I", &p).unwrap_err();
            assert_eq!(
                (err.status, err.code.as_str()),
                (400, "malformedEntityTag"),
                "{malformed:?}"
            );
        }
        // The driveItem's eTag is the documented one to compare.
        check_if_match(Some(&item_tag("I")), "I", &p).unwrap();
        assert!(check_if_match(Some(&item_tag("J")), "I", &p).is_err());
    }

    /// Tags name the full id and a number never handed out twice.
    #[test]
    fn tags_never_collide() {
        let prefix = "aTowIy5mfG1lbWJlcnNoaXB8";
        let a = fresh(&json!({"id": format!("{prefix}YWRlbGU")}));
        let b = fresh(&json!({"id": format!("{prefix}bGVl")}));
        assert!(check_if_match(Some(&current(&a)), "I", &b).is_err());
        // Deleted, then created again under the same id: the old tag fails.
        let again = fresh(&json!({"id": format!("{prefix}YWRlbGU")}));
        // A seeded permission (no tag stored) keeps its tag across reads.
        let seeded = json!({"id": "S"});
        assert_eq!(served(&seeded), served(&seeded));
        assert!(check_if_match(Some(&current(&a)), "I", &again).is_err());
        // A tag from elsewhere with a huge version does not panic a bump.
        let mut odd = json!({"id": "x", ANNOTATION: "\"x,18446744073709551615\""});
        bump(&mut odd);
        assert_ne!(current(&odd), "\"x,18446744073709551615\"");
    }
}
