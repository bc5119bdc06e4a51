//! `GET /organization`: the tenant as a collection of one ("List
//! organizations"), with the properties a `User.Read` token may read: `id`,
//! `displayName` and `verifiedDomains` (the page's note on `User.Read`).

use serde_json::{Map, Value, json};

use super::permissions::query_param;
use crate::errors::ApiError;
use crate::pipeline::{Answer, UnitRequest};
use crate::tenant::Tenant;

pub(crate) fn handle(tenant: &Tenant, req: &UnitRequest) -> Result<Answer, ApiError> {
    if req.method != "GET" {
        let method = &req.method;
        return Err(ApiError::new(
            405,
            "BadRequest",
            format!("Specified HTTP method ({method}) is not allowed for the request target."),
        ));
    }
    let mut organization = organization(tenant);
    if let Some(select) = query_param(req, "$select")? {
        let names: Vec<&str> = select.split(',').map(str::trim).collect();
        if let Value::Object(map) = &mut organization {
            map.retain(|key, _| key == "id" || names.iter().any(|n| n.eq_ignore_ascii_case(key)));
        }
    }
    Ok(Answer::json(
        200,
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization",
            "value": [organization],
        }),
    ))
}

/// The tenant's organization object. Its domains are the seed's; the
/// `*.onmicrosoft.com` one is the initial domain ("verifiedDomain resource
/// type": `isInitial`), the first other one the default. The seed names no
/// organization, so the emulator calls it after its initial domain.
fn organization(tenant: &Tenant) -> Value {
    let is_initial = |d: &str| d.to_ascii_lowercase().ends_with(".onmicrosoft.com");
    let default = tenant
        .domains
        .iter()
        .find(|d| !is_initial(d))
        .or(tenant.domains.first());
    let domains: Vec<Value> = tenant
        .domains
        .iter()
        .map(|name| {
            json!({
                "capabilities": "Email, OfficeCommunicationsOnline",
                "isDefault": Some(name) == default,
                "isInitial": is_initial(name),
                "name": name,
                "type": "Managed",
            })
        })
        .collect();
    let name = tenant
        .domains
        .iter()
        .find(|d| is_initial(d))
        .and_then(|d| d.split('.').next())
        .map(|label| {
            let mut chars = label.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let mut object = Map::new();
    object.insert("id".into(), json!(tenant.tenant_id));
    object.insert("displayName".into(), json!(name));
    object.insert("verifiedDomains".into(), Value::Array(domains));
    Value::Object(object)
}
