//! A tiny HTTP/1.1 client over loopback for the emulator's tests (one
//! connection per request, `Connection: close`), so the tests need no HTTP
//! client crate.

#![allow(dead_code)]

use std::net::SocketAddr;

use graph_emulator::{Emulator, EmulatorHandle, seed};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A received answer.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
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

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(pos) = body.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_line = String::from_utf8_lossy(&body[..pos]).to_string();
        let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = pos + 2;
        out.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
}

/// Sends one raw request; `target` is the path and query.
pub async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or_default();
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
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
        send(self.addr, method, &target, &headers, bytes.as_deref()).await
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
