//! The `$batch` JSON format: encoding a request body, reading a reply. Pure.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::snippet;
use crate::{BatchError, Request, ValidationError};

/// The most requests Graph accepts in one `$batch` (Microsoft Graph docs,
/// "Combine multiple HTTP requests using JSON batching", known issues: "JSON
/// batch requests are currently limited to 20 individual requests").
pub(crate) const MAX_BATCH_SIZE: usize = 20;

/// Writes `{"requests":[…]}` for `(id, request)` pairs, embedding each JSON
/// body as it is (no second parse). A body that is not exactly one JSON
/// value is an error here (see [`check_body`]): it is never spliced in.
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
            out.extend_from_slice(one_value(body)?.get().as_bytes());
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// The body as one JSON value, surrounding whitespace and a leading byte
/// order mark left out; an error if it is anything else (two values,
/// trailing text, invalid JSON, a lone surrogate escape).
fn one_value(body: &[u8]) -> Result<&RawValue, serde_json::Error> {
    // RFC 8259 §8.1: a parser may ignore a leading byte order mark; inside
    // the payload it would be invalid JSON, so it is left out.
    let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(body);
    let value: &RawValue = serde_json::from_slice(body)?;
    match lone_surrogate(value.get()) {
        // Read as a strict parser reads it: the raw read skips strings
        // without decoding them, and a `\ud800` alone decodes to no
        // character (RFC 8259 §8.2; serde_json refuses it as a string).
        Some(escape) => Err(serde::de::Error::custom(format_args!(
            "the escape {escape} is a lone surrogate"
        ))),
        None => Ok(value),
    }
}

/// The first `\uXXXX` escape in valid JSON `text` that is half of a
/// surrogate pair without its other half. Depth does not matter: strings
/// are found by a scan, not a parse.
fn lone_surrogate(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let unit = |at: usize| {
        (bytes.get(at..at + 2) == Some(b"\\u"))
            .then(|| text.get(at + 2..at + 6))
            .flatten()
            .and_then(|hex| u16::from_str_radix(hex, 16).ok())
    };
    let (mut i, mut in_string) = (0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                match unit(i) {
                    Some(0xD800..=0xDBFF) => {
                        if !unit(i + 6).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) {
                            return text.get(i..i + 6);
                        }
                        i += 12;
                        continue;
                    }
                    Some(0xDC00..=0xDFFF) => return text.get(i..i + 6),
                    _ => {}
                }
                // Any other escape: skip the escaped character.
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Refuses a body that cannot go into a `$batch` as it is. The batch
/// format gives each request's `body` member exactly one JSON value
/// (Microsoft Graph docs, "Combine multiple HTTP requests using JSON
/// batching": the body is a JSON object, or a base64 string for other
/// content; RFC 8259 §4: a member's value is one value). Anything else,
/// spliced raw, would change the payload around it (`1, {"id":…}` adds a
/// request), so it is a validation error and nothing of it is sent.
pub(crate) fn check_body(request: &Request) -> Result<(), ValidationError> {
    match request.body() {
        Some(body) => one_value(body).map(drop).map_err(|error| {
            ValidationError::new(
                "body",
                format!("is not exactly one JSON value, so it cannot go into a $batch ({error})"),
            )
        }),
        None => Ok(()),
    }
}

/// A `$batch` reply as Graph sends it: only its shape is read here; each
/// inner answer is read on its own by [`match_ids`], so one odd answer
/// spoils only itself.
#[derive(Debug, Deserialize)]
pub(crate) struct Reply {
    responses: Vec<Box<RawValue>>,
}

/// One inner answer; its body is kept as raw JSON until the caller's type decodes it.
#[derive(Debug)]
pub(crate) struct InnerReply {
    pub status: u16,
    pub headers: HashMap<String, serde_json::Value>,
    pub body: Option<Box<RawValue>>,
}

impl InnerReply {
    /// A header's value, ignoring the name's case.
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }

    /// The body's JSON text; empty when there is none.
    pub fn body_text(&self) -> &str {
        self.body.as_deref().map_or("", RawValue::get)
    }
}

fn header(headers: &HashMap<String, serde_json::Value>, name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
}

/// The members of one inner answer, as loosely as they come: any JSON in
/// each, a repeated member noted rather than refused.
#[derive(Default)]
struct Loose {
    id: Option<serde_json::Value>,
    status: Option<serde_json::Value>,
    headers: Option<serde_json::Value>,
    body: Option<Box<RawValue>>,
    body_seen: bool,
    repeated: Option<&'static str>,
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = Loose;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an inner answer object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Loose, A::Error> {
                let mut loose = Loose::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let (name, taken) = match key.as_ref() {
                        "id" => ("id", loose.id.replace(map.next_value()?).is_some()),
                        "status" => ("status", loose.status.replace(map.next_value()?).is_some()),
                        "headers" => (
                            "headers",
                            loose.headers.replace(map.next_value()?).is_some(),
                        ),
                        "body" => {
                            loose.body = map.next_value()?;
                            ("body", std::mem::replace(&mut loose.body_seen, true))
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    if taken {
                        loose.repeated.get_or_insert(name);
                    }
                }
                Ok(loose)
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// One inner answer read on its own: usable, or why not, with its id when
/// it had a usable one.
fn read(raw: &RawValue) -> (Option<String>, Result<InnerReply, BatchError>) {
    let loose: Loose = match serde_json::from_str(raw.get()) {
        Ok(loose) => loose,
        // Not an object, or one whose members cannot be read (nested too
        // deep): its id alone may still say whose answer it is.
        Err(_) => {
            let id = serde_json::from_str::<IdOnly>(raw.get())
                .ok()
                .and_then(|only| only.id);
            let reason = "cannot be read as an inner answer";
            return match id {
                Some(id) => (Some(id.clone()), Err(unreadable(id, reason, None, raw))),
                None => (None, Err(unreadable(String::new(), reason, None, raw))),
            };
        }
    };
    let id = match (&loose.id, loose.repeated) {
        (_, Some("id")) => None,
        (Some(serde_json::Value::String(id)), _) => Some(id.clone()),
        _ => None,
    };
    // Headers that are not an object (`null`, a list) are read as none: the
    // status still says what happened.
    let headers = match loose.headers {
        Some(serde_json::Value::Object(map)) => map.into_iter().collect(),
        _ => HashMap::new(),
    };
    let request_id = header(&headers, "request-id");
    let Some(id) = id else {
        return (
            None,
            Err(unreadable(String::new(), "no usable id", request_id, raw)),
        );
    };
    if let Some(member) = loose.repeated {
        let reason = format!("`{member}` is given more than once");
        return (
            Some(id.clone()),
            Err(unreadable(id, &reason, request_id, raw)),
        );
    }
    // RFC 9110 §15: a status code is three digits, 100 to 599.
    let status = loose
        .status
        .as_ref()
        .and_then(serde_json::Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..600).contains(s));
    let Some(status) = status else {
        let reason = match &loose.status {
            None => "no status".to_owned(),
            Some(other) => format!(
                "the status {} is no HTTP status",
                snippet(other.to_string().as_bytes())
            ),
        };
        return (
            Some(id.clone()),
            Err(unreadable(id, &reason, request_id, raw)),
        );
    };
    let answer = InnerReply {
        status,
        headers,
        body: loose.body,
    };
    (Some(id), Ok(answer))
}

/// Only the id of an inner answer, every other member skipped unread.
#[derive(Deserialize)]
struct IdOnly {
    id: Option<String>,
}

fn unreadable(id: String, reason: &str, request_id: Option<String>, raw: &RawValue) -> BatchError {
    BatchError::Unreadable {
        id,
        reason: reason.to_owned(),
        request_id,
        snippet: snippet(raw.get().as_bytes()),
    }
}

/// Matches answers to the requested ids, reading each answer on its own:
/// each requested id gets its answer, or why it has none.
///
/// An id left without an answer is [`Missing`](BatchError::Missing), whose
/// fate is unknown and which a bulk run sends again, unless the reply also
/// held answers that could not be given to any requested id (no usable id,
/// an id never requested): one of those may be its own, so Graph may have
/// run it, and it gets an [`Unreadable`](BatchError::Unreadable) answer
/// instead, which is never sent again.
pub(crate) fn match_ids(
    requested: &[String],
    reply: Reply,
) -> Vec<(String, Result<InnerReply, BatchError>)> {
    let wanted: std::collections::HashSet<String> =
        requested.iter().map(|id| id.to_ascii_lowercase()).collect();
    let mut by_id: HashMap<String, Vec<Result<InnerReply, BatchError>>> = HashMap::new();
    // The first answer no requested id can claim, for the errors of the ids left over.
    let mut stray: Option<(usize, Option<String>, String)> = None;
    for raw in &reply.responses {
        let (id, answer) = read(raw);
        match id.map(|id| id.to_ascii_lowercase()) {
            Some(id) if wanted.contains(&id) => by_id.entry(id).or_default().push(answer),
            _ => {
                let request_id = match &answer {
                    Ok(answer) => answer.header("request-id"),
                    Err(BatchError::Unreadable { request_id, .. }) => request_id.clone(),
                    Err(_) => None,
                };
                stray
                    .get_or_insert_with(|| (0, request_id, snippet(raw.get().as_bytes())))
                    .0 += 1;
            }
        }
    }
    requested
        .iter()
        .map(|id| {
            let outcome = match by_id.remove(&id.to_ascii_lowercase()) {
                None => match &stray {
                    Some((count, request_id, snippet)) => Err(BatchError::Unreadable {
                        id: id.clone(),
                        reason: format!(
                            "no answer has this id, and {count} answer(s) with no usable or \
                             requested id may be its own"
                        ),
                        request_id: request_id.clone(),
                        snippet: snippet.clone(),
                    }),
                    None => Err(BatchError::Missing { id: id.clone() }),
                },
                Some(mut answers) if answers.len() == 1 => match answers.remove(0) {
                    Ok(answer) => Ok(answer),
                    // The id as requested, whatever case the answer used.
                    Err(BatchError::Unreadable {
                        reason,
                        request_id,
                        snippet,
                        ..
                    }) => Err(BatchError::Unreadable {
                        id: id.clone(),
                        reason,
                        request_id,
                        snippet,
                    }),
                    Err(other) => Err(other),
                },
                Some(_) => Err(BatchError::Duplicated { id: id.clone() }),
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

    fn ids(n: usize) -> Vec<String> {
        (1..=n).map(|i| i.to_string()).collect()
    }

    #[test]
    fn answers_out_of_order_find_their_ids() {
        let matched = match_ids(
            &ids(2),
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
        let matched = match_ids(
            &ids(3),
            reply(json!({"responses": [
                {"id": "1", "status": 200, "body": {}},
                {"id": "1", "status": 200, "body": {}},
                {"id": "3", "status": 200, "body": {}}
            ]})),
        );
        assert_eq!(matched.len(), 3);
        assert_eq!(
            matched[0].1.as_ref().unwrap_err(),
            &BatchError::Duplicated { id: "1".into() }
        );
        assert_eq!(
            matched[1].1.as_ref().unwrap_err(),
            &BatchError::Missing { id: "2".into() }
        );
        assert!(matched[2].1.is_ok());
    }

    /// The reason an answer could not be read, or `None` if it was read.
    fn unreadable(answer: &Result<InnerReply, BatchError>) -> Option<&str> {
        match answer {
            Err(BatchError::Unreadable { reason, .. }) => Some(reason),
            _ => None,
        }
    }

    #[test]
    fn one_odd_answer_spoils_only_itself() {
        let matched = match_ids(
            &ids(12),
            reply(json!({"responses": [
                {"id": "1", "status": 201, "headers": null, "body": {"ok": true}},
                {"id": "2", "status": 0, "headers": {"request-id": "r-2"}},
                {"id": "3", "status": 99},
                {"id": "4", "status": 1000},
                {"id": "5", "status": "200", "body": {}},
                {"status": 200, "body": {"for": "6"}},
                {"id": 7, "status": 200},
                "not an answer",
                {"id": "9", "headers": {}},
                {"id": "10", "status": 200, "body": "a string"},
                {"id": "11", "status": 204, "headers": ["x"]},
                {"id": "12", "status": -1.5}
            ]})),
        );
        assert_eq!(matched.len(), 12);
        let ok = |n: usize| matched[n - 1].1.as_ref().ok().map(|a| a.status);
        assert_eq!(ok(1), Some(201), "null headers are no headers");
        assert_eq!(ok(10), Some(200), "the caller's type judges the body");
        assert_eq!(ok(11), Some(204));
        for n in [2, 3, 4, 5, 12] {
            let reason = unreadable(&matched[n - 1].1).unwrap_or_else(|| panic!("{n}"));
            assert!(reason.contains("no HTTP status"), "{n}: {reason}");
        }
        assert_eq!(unreadable(&matched[8].1), Some("no status"));
        // Three answers without a usable id: each id left over may be
        // answered by one of them, so Graph may have run it.
        for n in [6, 7, 8] {
            let reason = unreadable(&matched[n - 1].1).unwrap_or_else(|| panic!("{n}"));
            assert!(reason.contains("3 answer(s)"), "{n}: {reason}");
        }
        // What is known is kept.
        match &matched[1].1 {
            Err(BatchError::Unreadable {
                id,
                request_id,
                snippet,
                ..
            }) => {
                assert_eq!(id, "2");
                assert_eq!(request_id.as_deref(), Some("r-2"));
                assert!(snippet.contains(r#""status":0"#), "{snippet}");
            }
            other => panic!("{other:?}"),
        }
        for (_, answer) in &matched {
            if let Err(error) = answer {
                assert!(error.is_fate_unknown(), "{error}");
            }
        }
    }

    #[test]
    fn a_repeated_member_makes_the_answer_unreadable_and_an_id_in_any_case_finds_its_request() {
        let text = r#"{"responses":[
            {"id":"a","status":200,"status":500},
            {"id":"b","id":"c","status":200},
            {"id":"D","status":204}
        ]}"#;
        let requested: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        let matched = match_ids(&requested, serde_json::from_str(text).unwrap());
        assert!(unreadable(&matched[0].1).unwrap().contains("`status`"));
        // The answer with two ids answers neither for sure, but may be either's.
        assert!(
            unreadable(&matched[1].1)
                .unwrap()
                .contains("may be its own")
        );
        assert!(
            unreadable(&matched[2].1)
                .unwrap()
                .contains("may be its own")
        );
        assert_eq!(matched[3].1.as_ref().unwrap().status, 204);
    }

    #[test]
    fn an_id_left_over_beside_an_answer_no_id_claims_may_have_run() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let stray = [
            json!({"id": 1, "status": 201, "body": {}}),
            json!({"status": 201, "body": {"for": "1"}}),
            json!({"id": "99", "status": 201, "body": {}}),
            json!("not an answer"),
        ];
        for answer in stray {
            let matched = match_ids(
                &ids(2),
                reply(json!({"responses": [
                    answer.clone(),
                    {"id": "2", "status": 204}
                ]})),
            );
            match &matched[0].1 {
                Err(BatchError::Unreadable { id, reason, .. }) => {
                    assert_eq!(id, "1");
                    assert!(reason.contains("may be its own"), "{reason}");
                }
                other => panic!("{answer}: {other:?}"),
            }
            assert_eq!(matched[1].1.as_ref().unwrap().status, 204);
        }
        // Headers nested deeper than a full read allows: the id still says whose it is.
        let text = format!(
            r#"{{"responses":[{{"id":"1","status":201,"headers":{{"x":{deep}}}}},{{"id":"2","status":204}}]}}"#
        );
        let matched = match_ids(&ids(2), serde_json::from_str(&text).unwrap());
        assert!(unreadable(&matched[0].1).is_some(), "{:?}", matched[0].1);
        assert_eq!(matched[1].1.as_ref().unwrap().status, 204);
        // Without any stray answer, an id left over is missing, sent again by a bulk run.
        let matched = match_ids(
            &ids(2),
            reply(json!({"responses": [{"id": "2", "status": 204}]})),
        );
        assert_eq!(
            matched[0].1.as_ref().unwrap_err(),
            &BatchError::Missing { id: "1".into() }
        );
    }

    #[test]
    fn a_reply_without_a_responses_array_cannot_be_read_at_all() {
        for text in [
            "",
            "{",
            r#"{"responses":{}}"#,
            r#"{"value":[]}"#,
            r#"{"responses":[{"id":"1","sta"#,
            "[]",
        ] {
            assert!(serde_json::from_str::<Reply>(text).is_err(), "{text}");
        }
    }

    fn with_body(body: &[u8]) -> Request {
        Request::new(
            Method::Post,
            "/x/<id>",
            "/x/1".into(),
            vec![],
            Some(body.to_vec()),
        )
    }

    #[test]
    fn a_body_that_is_not_exactly_one_json_value_is_refused_and_adds_no_request() {
        let smuggling = [
            &br#"1, {"id":"2","method":"DELETE","url":"/me/drive/items/x"}"#[..],
            br#"{"a":1} {"b":2}"#,
            br#"{"a":1}}, {"id":"2","method":"DELETE","url":"/x"#,
            br#"{"a":1}garbage"#,
            b"",
            b"{",
        ];
        for body in smuggling {
            let request = with_body(body);
            let refused = check_body(&request).unwrap_err();
            assert_eq!(refused.field(), "body");
            assert!(encode(&[("1".into(), &request)]).is_err());
        }
        for body in [&br#"{"a":1}"#[..], b" {\"a\":[1,2]}\n", b"\"text\"", b"3"] {
            let request = with_body(body);
            assert!(check_body(&request).is_ok());
            let bytes = encode(&[("1".into(), &request), ("2".into(), &request)]).unwrap();
            let parsed: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(parsed["requests"].as_array().unwrap().len(), 2);
        }
    }

    #[test]
    fn a_body_is_read_as_strictly_as_its_receiver_reads_it() {
        // Lone surrogate escapes decode to no character: refused, as a strict parser does.
        for body in [
            &br#"{"a":"\ud800"}"#[..],
            br#"{"a":"x\udc00"}"#,
            br#"["\ud800\u0041"]"#,
            br#"{"\ud83d":1}"#,
        ] {
            assert!(serde_json::from_slice::<Value>(body).is_err());
            assert!(
                check_body(&with_body(body)).is_err(),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
        // A whole pair, and escaped backslashes before a `u`, are fine.
        for body in [&br#"{"a":"\ud83d\ude00"}"#[..], br#"{"a":"\\ud800"}"#] {
            assert!(
                check_body(&with_body(body)).is_ok(),
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn a_body_with_a_leading_byte_order_mark_goes_in_without_it() {
        // A leading byte order mark may be ignored (RFC 8259 §8.1), as
        // `Client::send` leaves it to Graph; it is not spliced into the payload.
        let request = with_body("\u{feff}{\"a\":1}".as_bytes());
        assert!(check_body(&request).is_ok());
        let bytes = encode(&[("1".into(), &request)]).unwrap();
        let parsed: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(parsed["requests"][0]["body"], json!({"a": 1}));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Any JSON value, a few levels deep.
        fn json_value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                any::<i64>().prop_map(Value::from),
                any::<f64>().prop_map(
                    |f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
                ),
                "[0-9a-z\"\\\\]{0,6}".prop_map(Value::from),
            ];
            leaf.prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                    prop::collection::btree_map("[a-z]{0,3}", inner, 0..4)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// An inner answer: mostly the right members, each with any value.
        fn entry() -> impl Strategy<Value = Value> {
            let id = prop_oneof![
                (1..6u8).prop_map(|n| Value::from(n.to_string())),
                json_value()
            ];
            let status = prop_oneof![(0..1200u16).prop_map(Value::from), json_value()];
            (
                prop::option::of(id),
                prop::option::of(status),
                prop::option::of(json_value()),
                prop::option::of(json_value()),
                any::<bool>(),
            )
                .prop_map(|(id, status, headers, body, odd)| {
                    if odd {
                        return status.unwrap_or(Value::Null);
                    }
                    let mut map = serde_json::Map::new();
                    let members = [
                        ("id", id),
                        ("status", status),
                        ("headers", headers),
                        ("body", body),
                    ];
                    for (name, value) in members {
                        if let Some(value) = value {
                            map.insert(name.to_owned(), value);
                        }
                    }
                    Value::Object(map)
                })
        }

        fn check_every_id_gets_one_result(requested: &[String], reply: Reply) {
            let matched = match_ids(requested, reply);
            assert_eq!(matched.len(), requested.len());
            for ((id, answer), wanted) in matched.iter().zip(requested) {
                assert_eq!(id, wanted);
                match answer {
                    Ok(answer) => assert!((100..600).contains(&answer.status)),
                    Err(error) => assert!(error.is_fate_unknown(), "{error}"),
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn any_reply_shape_gives_each_requested_id_exactly_one_typed_result(
                entries in prop::collection::vec(entry(), 0..8),
            ) {
                let text = json!({"responses": entries}).to_string();
                let reply: Reply = serde_json::from_str(&text).unwrap();
                check_every_id_gets_one_result(&ids(5), reply);
            }

            #[test]
            fn any_bytes_either_fail_as_a_whole_or_give_one_result_per_id(
                bytes in prop::collection::vec(any::<u8>(), 0..200),
                prefix in prop::sample::select(vec!["", r#"{"responses":["#, r#"{"responses":[{"id":"1","status":"#]),
            ) {
                let mut text = prefix.as_bytes().to_vec();
                text.extend(bytes);
                if let Ok(reply) = serde_json::from_slice::<Reply>(&text) {
                    check_every_id_gets_one_result(&ids(3), reply);
                }
            }

            #[test]
            fn a_string_with_any_escapes_is_refused_exactly_when_a_strict_parser_refuses_it(
                pieces in prop::collection::vec(
                    prop::sample::select(vec![
                        r"\ud800", r"\udbff", r"\udc00", r"\udfff", r"\ud83d\ude00",
                        r"\u0041", r"\\", r"\n", r#"\""#, "a", "u", "d800",
                    ]),
                    0..8,
                ),
            ) {
                let body = format!(r#"{{"k":["{}"]}}"#, pieces.concat());
                let strict = serde_json::from_str::<Value>(&body).is_ok();
                prop_assert_eq!(check_body(&with_body(body.as_bytes())).is_ok(), strict, "{}", body);
            }

            #[test]
            fn a_body_goes_in_only_as_one_value_and_never_adds_requests(
                body in "[ -~]{0,40}",
            ) {
                let request = with_body(body.as_bytes());
                let encoded = encode(&[("1".into(), &request)]);
                prop_assert_eq!(check_body(&request).is_ok(), encoded.is_ok());
                if let Ok(bytes) = encoded {
                    let parsed: Value = serde_json::from_slice(&bytes).unwrap();
                    prop_assert_eq!(parsed["requests"].as_array().unwrap().len(), 1);
                }
            }
        }
    }
}
