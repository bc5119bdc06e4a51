//! `$select` on permissions: the documented query option of "List sharing
//! permissions on a driveItem" and "Get sharing permission for a file or
//! folder" (Optional query parameters), and on driveItems ("List children
//! of a driveItem").

use serde_json::{Map, Value};

use crate::errors::ApiError;

/// The properties of Graph's `permission` entity (CSDL `EntityType
/// Name="permission"`, with `id` from its base type `entity`).
const PERMISSION_PROPERTIES: &[&str] = &[
    "id",
    "expirationDateTime",
    "grantedTo",
    "grantedToIdentities",
    "grantedToIdentitiesV2",
    "grantedToV2",
    "hasPassword",
    "inheritedFrom",
    "invitation",
    "link",
    "roles",
    "shareId",
];

/// The properties a `$select` value names, checked against the entity:
/// an unknown name is answered as OData's URI parser answers it
/// ("Could not find a property named '…' on type 'microsoft.graph.permission'.").
pub(crate) fn parse(value: Option<&str>) -> Result<Option<Vec<String>>, ApiError> {
    parse_for(value, PERMISSION_PROPERTIES, "microsoft.graph.permission")
}

/// The same for any entity: `properties` are its declared ones, `type_name`
/// its qualified name for the message.
pub(crate) fn parse_for(
    value: Option<&str>,
    properties: &[&str],
    type_name: &str,
) -> Result<Option<Vec<String>>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let mut names = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let known = properties
            .iter()
            .find(|p| p.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Could not find a property named '{name}' on type '{type_name}'."
                ))
            })?;
        names.push((*known).to_string());
    }
    Ok(Some(names))
}

/// The permission with only the selected properties, `id` and its
/// control information (`@odata.*`) kept.
pub(crate) fn project(permission: Value, select: Option<&[String]>) -> Value {
    let (Some(names), Value::Object(map)) = (select, &permission) else {
        return permission;
    };
    let kept: Map<String, Value> = map
        .iter()
        .filter(|(key, _)| {
            key.as_str() == "id" || key.starts_with("@odata.") || names.iter().any(|n| n == *key)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_known_properties_and_refuses_others() {
        let names = parse(Some("roles,ROLES , link")).unwrap().unwrap();
        assert_eq!(names, ["roles", "roles", "link"]);
        assert_eq!(parse(Some("nope")).unwrap_err().status, 400);
        let p = json!({"id": "1", "roles": ["read"], "grantedToV2": {}, "@odata.etag": "\"1\""});
        assert_eq!(
            project(p.clone(), Some(&["roles".to_string()])),
            json!({"id": "1", "roles": ["read"], "@odata.etag": "\"1\""})
        );
        assert_eq!(project(p.clone(), None), p);
    }
}
