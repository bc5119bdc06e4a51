//! Rust field names to Graph's camelCase wire names.

/// `require_sign_in` → `requireSignIn`; a leading `r#` is dropped.
pub fn camel_case(field: &str) -> String {
    let field = field.strip_prefix("r#").unwrap_or(field);
    let mut out = String::with_capacity(field.len());
    let mut upper_next = false;
    for c in field.chars() {
        if c == '_' {
            upper_next = !out.is_empty();
        } else if upper_next {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::camel_case;

    #[test]
    fn snake_case_becomes_camel_case() {
        assert_eq!(camel_case("require_sign_in"), "requireSignIn");
        assert_eq!(camel_case("expiration_date_time"), "expirationDateTime");
        assert_eq!(camel_case("message"), "message");
        assert_eq!(camel_case("r#type"), "type");
        assert_eq!(camel_case("_private_x"), "privateX");
    }
}
