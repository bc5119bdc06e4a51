//! Hiding secrets in request bodies before they are shown.

use serde_json::Value;

/// JSON keys whose values are secrets wherever they appear.
const SECRET_KEYS: [&str; 4] = ["password", "client_secret", "access_token", "refresh_token"];

/// The text shown in place of a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// A JSON body as text with every secret value replaced by `<redacted>`.
///
/// A body that is not JSON is not shown at all, only its length, since its
/// secrets cannot be found.
pub(crate) fn redacted_body(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut value) => {
            redact(&mut value);
            value.to_string()
        }
        Err(_) => format!("<{} bytes, not JSON>", body.len()),
    }
}

fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if SECRET_KEYS.iter().any(|s| key.eq_ignore_ascii_case(s)) {
                    *item = Value::String(REDACTED.to_owned());
                } else {
                    redact(item);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_passwords_are_hidden_and_the_rest_kept() {
        let body =
            br#"{"recipients":[{"email":"a@b.c"}],"Password":"hunter2","x":{"password":"p2"}}"#;
        let shown = redacted_body(body);
        assert!(
            !shown.contains("hunter2") && !shown.contains("p2"),
            "{shown}"
        );
        assert!(shown.contains("a@b.c"), "{shown}");
        assert_eq!(shown.matches(REDACTED).count(), 2);
    }

    #[test]
    fn non_json_bodies_are_not_echoed() {
        assert_eq!(redacted_body(b"password=hunter2"), "<16 bytes, not JSON>");
    }
}
