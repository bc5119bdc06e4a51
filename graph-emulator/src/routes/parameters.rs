//! What an action or entity body may name.
//!
//! OData services refuse what a request body names but the model does not
//! declare. For action parameters Microsoft's OData stack (Microsoft.OData.Core,
//! `ODataParameterReader`) answers 400 with "The parameter '{name}' in the
//! request payload is not a valid parameter for the operation '{action}'.";
//! for properties of a type that is not open, "The property '{name}' does not
//! exist on type '{type}'. Make sure to only use property names that are
//! defined by the type or mark the type as open type." Instance annotations
//! (`@odata.type`, `roles@odata.type`) are control information, not
//! parameters, and are allowed (OData JSON Format 4.01, §20 "Instance Annotations").

use serde_json::{Map, Value};

use crate::errors::ApiError;

fn is_annotation(name: &str) -> bool {
    name.contains('@')
}

/// Refuses a body parameter `operation` does not declare.
pub(crate) fn refuse_undeclared_parameters(
    body: &Map<String, Value>,
    declared: &[&str],
    operation: &str,
) -> Result<(), ApiError> {
    match body
        .keys()
        .find(|k| !is_annotation(k) && !declared.contains(&k.as_str()))
    {
        None => Ok(()),
        Some(name) => Err(ApiError::bad_request(format!(
            "The parameter '{name}' in the request payload is not a valid parameter for the operation '{operation}'."
        ))),
    }
}

/// Refuses a property `type_name` (not an open type) does not declare.
pub(crate) fn refuse_undeclared_properties(
    body: &Map<String, Value>,
    declared: &[&str],
    type_name: &str,
) -> Result<(), ApiError> {
    match body
        .keys()
        .find(|k| !is_annotation(k) && !declared.contains(&k.as_str()))
    {
        None => Ok(()),
        Some(name) => Err(ApiError::bad_request(format!(
            "The property '{name}' does not exist on type '{type_name}'. Make sure to only use property names that are defined by the type or mark the type as open type."
        ))),
    }
}
