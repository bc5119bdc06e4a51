//! `POST /$batch`: JSON batching. At most 20 requests, ids unique
//! (case-insensitive), `dependsOn` honoured (424 for dependants of a failed
//! request), `Content-Type` required with a body, responses shuffled under
//! the seed. Inner requests run through the same pipeline, authenticated by
//! the outer request; each is checked against the permissions its own
//! operation needs (see `scopes`), so one lacking them gets its own 403.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::{GRAPH_JSON, json_object};
use crate::errors::ApiError;
use crate::faults::Poison;
use crate::lock;
use crate::log::FaultKind;
use crate::pipeline::{Answer, Caller, Shared, UnitRequest, process};
use crate::state::Authenticated;

/// The most requests one batch may hold.
pub(crate) const MAX_REQUESTS: usize = 20;

struct InnerSpec {
    id: String,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

fn parse_request(index: usize, value: &Value) -> Result<InnerSpec, ApiError> {
    let bad = |what: &str| ApiError::bad_request(format!("requests[{index}]: {what}"));
    let Value::Object(r) = value else {
        return Err(bad("expected an object."));
    };
    let string = |name: &str| match r.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_string()),
        _ => Err(bad(&format!(
            "the '{name}' property is required and must be a non-empty string."
        ))),
    };
    let id = string("id")?;
    let method = string("method")?.to_ascii_uppercase();
    let url = string("url")?;
    let headers = match r.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(h)) => h
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.to_ascii_lowercase(), v)
            })
            .collect(),
        Some(_) => return Err(bad("'headers' must be an object.")),
    };
    let body = r.get("body").filter(|b| !b.is_null()).cloned();
    let depends_on = match r.get("dependsOn") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|d| {
                d.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad("'dependsOn' must be an array of request ids."))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("'dependsOn' must be an array of request ids.")),
    };
    Ok(InnerSpec {
        id,
        method,
        url,
        headers,
        body,
        depends_on,
    })
}

/// Execution order: array order, except that a request runs after the
/// requests it depends on. Fails on a cycle.
fn order(specs: &[InnerSpec], index_of: &HashMap<String, usize>) -> Result<Vec<usize>, ApiError> {
    let mut done = vec![false; specs.len()];
    let mut order = Vec::with_capacity(specs.len());
    while order.len() < specs.len() {
        let next = (0..specs.len()).find(|&i| {
            !done[i]
                && specs[i]
                    .depends_on
                    .iter()
                    .all(|d| index_of.get(&d.to_lowercase()).is_some_and(|&j| done[j]))
        });
        let Some(i) = next else {
            return Err(ApiError::bad_request(
                "The dependsOn properties of the batch form a cycle.",
            ));
        };
        done[i] = true;
        order.push(i);
    }
    Ok(order)
}

fn inner_request(outer: &UnitRequest, spec: &InnerSpec) -> Result<UnitRequest, ApiError> {
    let url = spec.url.trim();
    if url.contains("://") {
        return Err(ApiError::bad_request(
            "The url of a batched request must be relative (e.g. /me/drive/items/{id}/invite).",
        ));
    }
    let url = url.strip_prefix('/').unwrap_or(url);
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let body = match &spec.body {
        None => Vec::new(),
        Some(v) => serde_json::to_vec(v).unwrap_or_default(),
    };
    Ok(UnitRequest {
        method: spec.method.clone(),
        version: outer.version.clone(),
        path: format!("/{path}"),
        query: query.to_string(),
        headers: spec.headers.clone(),
        body,
    })
}

/// Runs a batch; envelope errors fail the whole batch with 400.
pub(crate) fn handle(
    shared: &Shared,
    outer: &UnitRequest,
    auth: &Authenticated,
    client_request_id: &str,
) -> Result<Answer, ApiError> {
    let body = json_object(&outer.body)?;
    let Some(Value::Array(requests)) = body.get("requests") else {
        return Err(ApiError::bad_request(
            "The batch body must have a 'requests' array.",
        ));
    };
    if requests.is_empty() {
        return Err(ApiError::bad_request("The batch contains no requests."));
    }
    if requests.len() > MAX_REQUESTS {
        return Err(ApiError::bad_request(format!(
            "The batch contains {} requests; the limit is {MAX_REQUESTS}.",
            requests.len()
        )));
    }
    let specs = requests
        .iter()
        .enumerate()
        .map(|(i, r)| parse_request(i, r))
        .collect::<Result<Vec<_>, _>>()?;
    let mut index_of = HashMap::new();
    for (i, spec) in specs.iter().enumerate() {
        if index_of.insert(spec.id.to_lowercase(), i).is_some() {
            return Err(ApiError::bad_request(format!(
                "The batch contains the request id '{}' more than once (ids are case-insensitive).",
                spec.id
            )));
        }
    }
    for spec in &specs {
        if let Some(missing) = spec
            .depends_on
            .iter()
            .find(|d| !index_of.contains_key(&d.to_lowercase()))
        {
            return Err(ApiError::bad_request(format!(
                "Request '{}' depends on '{missing}', which is not in the batch.",
                spec.id
            )));
        }
    }
    let order = order(&specs, &index_of)?;

    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::with_capacity(specs.len());
    let mut inner = Vec::with_capacity(specs.len());
    for i in order {
        let spec = &specs[i];
        let failed_dependency = spec.depends_on.iter().find(|d| {
            statuses
                .get(&d.to_lowercase())
                .is_some_and(|&s| !(200..300).contains(&s))
        });
        let mut reject = failed_dependency.map(|d| {
            ApiError::new(
                424,
                "FailedDependency",
                format!("The request it depends on ('{d}') failed."),
            )
        });
        let req = match inner_request(outer, spec) {
            Ok(req) => req,
            Err(err) => {
                reject.get_or_insert(err);
                // Logged as refused; its query (a download URL's `tempauth`,
                // say) goes where the log redacts it, never into the path.
                let url = spec.url.trim_start_matches('/');
                let (path, query) = url.split_once('?').unwrap_or((url, ""));
                UnitRequest {
                    method: spec.method.clone(),
                    version: outer.version.clone(),
                    path: format!("/{path}"),
                    query: query.to_string(),
                    headers: spec.headers.clone(),
                    body: Vec::new(),
                }
            }
        };
        if reject.is_none() && spec.body.is_some() && req.header("content-type").is_none() {
            reject = Some(ApiError::bad_request(
                "Content-Type header must be specified in 'headers' when a request has a body.",
            ));
        }
        let resp = process(
            shared,
            &req,
            Caller::Inner {
                batch_id: &spec.id,
                auth,
                outer_client_request_id: client_request_id,
                reject,
            },
        );
        statuses.insert(spec.id.to_lowercase(), resp.status);
        inner.push((resp.seq, resp.status));
        let poison = shared.faults.draw_poison(&mut lock(&shared.rng));
        let mut headers = Map::new();
        let typed = resp
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
        if resp.body.is_some() && !typed {
            headers.insert("Content-Type".into(), json!(GRAPH_JSON));
        }
        for (k, v) in &resp.headers {
            headers.insert(k.clone(), json!(v));
        }
        let mut entry = json!({
            "id": spec.id,
            "status": resp.status,
            "headers": headers,
        });
        if let Some(body) = resp.body {
            entry["body"] = body;
        }
        // After the request ran: its answer alone is spoiled.
        if let Some(poison) = poison {
            match poison {
                Poison::StatusAsText => entry["status"] = json!(resp.status.to_string()),
                Poison::StatusOutOfRange => entry["status"] = json!(1000),
                // A number where the format has a string: the digits if the
                // id has them, else its place in the batch.
                Poison::IdAsNumber => {
                    entry["id"] = json!(spec.id.parse::<u64>().unwrap_or(inner.len() as u64));
                }
                Poison::IdLeftOut => {
                    if let Some(members) = entry.as_object_mut() {
                        members.remove("id");
                    }
                }
            }
            shared
                .log
                .finish(resp.seq, resp.status, Some(FaultKind::Poisoned));
        }
        responses.push(entry);
    }
    lock(&shared.rng).shuffle(&mut responses);
    let mut answer = Answer::json(200, json!({ "responses": responses }));
    answer.inner = inner;
    Ok(answer)
}
