//! The `$batch` JSON format: encoding a request body, reading a reply. Pure.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::Request;

/// The most requests Graph accepts in one `$batch` (Microsoft Graph docs,
/// "Combine multiple HTTP requests using JSON batching", known issues: "JSON
/// batch requests are currently limited to 20 individual requests").
pub(crate) const MAX_BATCH_SIZE: usize = 20;

/// Writes `{"requests":[…]}` for `(id, request)` pairs, embedding each JSON
/// body as it is (no second parse).
pub(crate) fn encode(requests: &[(String, &Request)]) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(64 + requests.len() * 256);
    out.extend_from_slice(br#"{"requests":["#);
    for (n, (id, request)) in requests.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(br#"{"id":"#);
        serde_json::to_writer(&mut out, id)?;
        out.extend_from_slice(br#","method":"#);
        serde_json::to_writer(&mut out, request.method().as_str())?;
        out.extend_from_slice(br#","url":"#);
        serde_json::to_writer(&mut out, request.path_and_query())?;
        let mut headers: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .map(|(n, v)| (*n, v.as_str()))
            .collect();
        if request.body().is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        if !headers.is_empty() {
            out.extend_from_slice(br#","headers":{"#);
            for (i, (name, value)) in headers.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, name)?;
                out.push(b':');
                serde_json::to_writer(&mut out, value)?;
            }
            out.push(b'}');
        }
        if let Some(body) = request.body() {
            out.extend_from_slice(br#","body":"#);
            out.extend_from_slice(body);
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// A `$batch` reply as Graph sends it.
#[derive(Debug, Deserialize)]
pub(crate) struct Reply {
    pub responses: Vec<InnerReply>,
}

/// One inner answer; its body is kept as raw JSON until the caller's type decodes it.
#[derive(Debug, Deserialize)]
pub(crate) struct InnerReply {
    pub id: String,
    pub status: u16,
    #[serde(default)]
    pub headers: HashMap<String, serde_json::Value>,
    #[serde(default)]
    pub body: Option<Box<RawValue>>,
}

impl InnerReply {
    /// A header's value, ignoring the name's case.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
    }

    /// The body's JSON text; empty when there is none.
    pub fn body_text(&self) -> &str {
        self.body.as_deref().map_or("", RawValue::get)
    }
}

/// What went wrong with a reply as a whole or with one id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReplyProblem {
    /// The reply named this requested id twice.
    Duplicate(String),
    /// The reply did not answer this requested id.
    Missing(String),
}

/// Matches answers to the requested ids: each requested id gets its answer,
/// or a problem; answers for ids never requested are dropped.
pub(crate) fn match_ids(
    requested: &[String],
    reply: Reply,
) -> Vec<(String, Result<InnerReply, ReplyProblem>)> {
    let mut by_id: HashMap<String, Vec<InnerReply>> = HashMap::new();
    for answer in reply.responses {
        by_id
            .entry(answer.id.to_ascii_lowercase())
            .or_default()
            .push(answer);
    }
    requested
        .iter()
        .map(|id| {
            let outcome = match by_id.remove(&id.to_ascii_lowercase()) {
                None => Err(ReplyProblem::Missing(id.clone())),
                Some(mut answers) if answers.len() == 1 => Ok(answers.remove(0)),
                Some(_) => Err(ReplyProblem::Duplicate(id.clone())),
            };
            (id.clone(), outcome)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Method;
    use serde_json::{Value, json};

    #[test]
    fn requests_encode_as_graph_expects_with_bodies_embedded() {
        let post = Request::new(
            Method::Post,
            "/me/drive/items/<item_id>/invite",
            "/me/drive/items/1/invite".into(),
            vec![("Prefer", "x".into())],
            Some(br#"{"recipients":[{"email":"a@b.c"}]}"#.to_vec()),
        );
        let get = Request::new(Method::Get, "/me", "/me?$select=id".into(), vec![], None);
        let bytes = encode(&[("1".into(), &post), ("2".into(), &get)]).unwrap();
        let parsed: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            parsed,
            json!({"requests": [
                {"id": "1", "method": "POST", "url": "/me/drive/items/1/invite",
                 "headers": {"Prefer": "x", "Content-Type": "application/json"},
                 "body": {"recipients": [{"email": "a@b.c"}]}},
                {"id": "2", "method": "GET", "url": "/me?$select=id"}
            ]})
        );
    }

    fn reply(json: Value) -> Reply {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn answers_out_of_order_find_their_ids() {
        let ids = vec!["1".to_string(), "2".to_string()];
        let matched = match_ids(
            &ids,
            reply(json!({"responses": [
                {"id": "2", "status": 204},
                {"id": "1", "status": 429, "headers": {"Retry-After": "3"}, "body": {"error": {"code": "TooManyRequests"}}}
            ]})),
        );
        assert_eq!(matched[0].0, "1");
        let first = matched[0].1.as_ref().unwrap();
        assert_eq!(
            (first.status, first.header("retry-after").as_deref()),
            (429, Some("3"))
        );
        assert!(first.body_text().contains("TooManyRequests"));
        assert_eq!(matched[1].1.as_ref().unwrap().status, 204);
        assert_eq!(matched[1].1.as_ref().unwrap().body_text(), "");
    }

    #[test]
    fn missing_and_duplicated_ids_are_problems_not_losses() {
        let ids = vec!["1".to_string(), "2".to_string(), "3".to_string()];
        let matched = match_ids(
            &ids,
            reply(json!({"responses": [
                {"id": "1", "status": 200, "body": {}},
                {"id": "1", "status": 200, "body": {}},
                {"id": "3", "status": 200, "body": {}},
                {"id": "99", "status": 200, "body": {}}
            ]})),
        );
        assert_eq!(matched.len(), 3);
        assert_eq!(
            matched[0].1.as_ref().unwrap_err(),
            &ReplyProblem::Duplicate("1".into())
        );
        assert_eq!(
            matched[1].1.as_ref().unwrap_err(),
            &ReplyProblem::Missing("2".into())
        );
        assert!(matched[2].1.is_ok());
    }
}
