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

use serde_json::{Value, json};

use crate::errors::ApiError;

const ANNOTATION: &str = "@odata.etag";

/// The permission's current tag; a permission never changed here (a seeded
/// one) is at version 1.
pub(crate) fn current(permission: &Value) -> String {
    match permission.get(ANNOTATION).and_then(Value::as_str) {
        Some(tag) => tag.to_string(),
        None => tag(permission, 1),
    }
}

fn tag(permission: &Value, version: u64) -> String {
    let id = permission["id"].as_str().unwrap_or_default();
    let short: String = id.chars().take(12).collect();
    format!("\"{short},{version}\"")
}

fn version(tag: &str) -> u64 {
    tag.trim_matches('"')
        .rsplit(',')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
}

/// Gives the permission a new tag: call after every change.
pub(crate) fn bump(permission: &mut Value) {
    let next = version(&current(permission)) + 1;
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

/// Checks an `If-Match` header (absent: no condition; `*`: any current
/// representation; else a comma-separated list of tags, one of which must
/// be the current one, RFC 9110 §13.1.1).
pub(crate) fn check_if_match(if_match: Option<&str>, permission: &Value) -> Result<(), ApiError> {
    let Some(header) = if_match else {
        return Ok(());
    };
    let now = current(permission);
    let matches = tag_list(header).into_iter().any(|candidate| {
        candidate == "*" || candidate == now || candidate.strip_prefix("W/") == Some(now.as_str())
    });
    if matches {
        Ok(())
    } else {
        Err(ApiError::new(
            412,
            "preconditionFailed",
            "The eTag provided in the If-Match header does not match the current eTag of the permission.",
        ))
    }
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
        assert_eq!(served(&p)[ANNOTATION], first.as_str());
        check_if_match(Some(&first), &p).unwrap();
        bump(&mut p);
        let second = current(&p);
        assert_ne!(first, second);
        assert_eq!(check_if_match(Some(&first), &p).unwrap_err().status, 412);
        check_if_match(Some(&format!("{first}, {second}")), &p).unwrap();
        check_if_match(Some("*"), &p).unwrap();
        check_if_match(None, &p).unwrap();
    }
}
