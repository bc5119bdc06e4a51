//! What the emulator's tests share: starting an emulator, and a small
//! client over reqwest that sends exactly the method, path, headers and body
//! a test gives (no retries, no redirects followed) and hands back the
//! status, headers and body as they came.

// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::OnceLock;

use graph_emulator::{Emulator, EmulatorHandle, seed};
use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;
use serde_json::Value;

/// A received answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    /// A response header by case-insensitive name (the first, if repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The Graph error code of an error answer.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// The HTTP client of the whole test binary. It shows the tests what the
/// emulator answered, redirects included. One is shared because building one
/// loads the TLS roots (tens of milliseconds in a debug build); it keeps no
/// idle connection because each test runs on its own tokio runtime, and a
/// pooled connection dies with the runtime that opened it.
fn http() -> &'static reqwest::Client {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    HTTP.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(Policy::none())
            .pool_max_idle_per_host(0)
            .build()
            .expect("HTTP client builds")
    })
}

async fn exchange(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
    let mut request = http().request(method, format!("http://{addr}{target}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_vec());
    }
    let answer = request.send().await.expect("the emulator answers");
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let body = answer.bytes().await.expect("the body is read").to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

/// Sends one request as given; `target` is the path and query.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    exchange(addr, method, target, headers, body).await
}

/// A client bound to one emulator and one bearer token.
pub struct Client {
    pub addr: SocketAddr,
    pub token: Option<String>,
    pub extra: Vec<(String, String)>,
}

impl Client {
    pub fn new(emu: &EmulatorHandle) -> Self {
        Self {
            addr: emu.addr(),
            token: Some(seed::ACCESS_TOKEN.to_string()),
            extra: Vec::new(),
        }
    }

    pub fn with_token(emu: &EmulatorHandle, token: Option<&str>) -> Self {
        Self {
            token: token.map(str::to_string),
            ..Self::new(emu)
        }
    }

    /// `path` is relative to `/v1.0` (e.g. `/me/drive/items/x/invite`), or
    /// absolute from the root when it starts with `/v1.0`, `/beta` or `http`.
    pub async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let target = if let Some(rest) = path.strip_prefix("http://") {
            rest.find('/')
                .map(|i| rest[i..].to_string())
                .unwrap_or_default()
        } else if path.starts_with("/v1.0") || path.starts_with("/beta") {
            path.to_string()
        } else {
            format!("/v1.0{path}")
        };
        let auth = self.token.as_ref().map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            headers.push(("Authorization", a));
        }
        let bytes = body.map(|b| serde_json::to_vec(b).expect("json"));
        if bytes.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        for (k, v) in &self.extra {
            headers.push((k, v));
        }
        exchange(self.addr, method, &target, &headers, bytes.as_deref()).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.call("POST", path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Resp {
        self.call("PATCH", path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.call("DELETE", path, None).await
    }
}

/// Posts a client-credentials token request.
pub async fn token_request(emu: &EmulatorHandle, tenant: &str, form: &str) -> Resp {
    send(
        emu.addr(),
        "POST",
        &format!("/{tenant}/oauth2/v2.0/token"),
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    )
    .await
}

/// A good client-credentials form for the default tenant.
pub fn good_form() -> String {
    format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
        seed::CLIENT_ID,
        urlencode(seed::CLIENT_SECRET),
        urlencode(seed::GRAPH_SCOPE)
    )
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn start() -> EmulatorHandle {
    Emulator::builder().start().await.expect("start emulator")
}

/// `/drives/{drive}/items/{item}`.
pub fn item_path(drive: &str, item: &str) -> String {
    format!("/drives/{drive}/items/{item}")
}
