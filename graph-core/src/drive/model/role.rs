//! Permission roles.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A role granted by a permission, as in the `roles` property of a permission
/// or an invite request.
///
/// The three documented values have their own variants; any other value Graph
/// returns (SharePoint sends, for instance, `sp.full control`) is kept
/// unchanged in [`Role::Other`], so it survives a read and a write.
///
/// ```
/// use graph_core::drive::model::Role;
///
/// assert_eq!(Role::from("write"), Role::Write);
/// assert_eq!(Role::Read.to_string(), "read");
///
/// let custom: Role = "sp.full control".parse().unwrap();
/// assert_eq!(custom, Role::Other("sp.full control".to_owned()));
/// assert_eq!(custom.as_str(), "sp.full control");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// `read`: may read the item's metadata and content.
    Read,
    /// `write`: may read and modify the item's metadata and content.
    Write,
    /// `owner`: the owner role (OneDrive for Business and SharePoint).
    Owner,
    /// Any other role, exactly as Graph spelled it.
    Other(String),
}

impl Role {
    /// The wire spelling of the role.
    pub fn as_str(&self) -> &str {
        match self {
            Role::Read => "read",
            Role::Write => "write",
            Role::Owner => "owner",
            Role::Other(other) => other,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Role::from(s))
    }
}

impl From<&str> for Role {
    fn from(value: &str) -> Self {
        match value {
            "read" => Role::Read,
            "write" => Role::Write,
            "owner" => Role::Owner,
            other => Role::Other(other.to_owned()),
        }
    }
}

impl From<String> for Role {
    fn from(value: String) -> Self {
        match value.as_str() {
            "read" | "write" | "owner" => Role::from(value.as_str()),
            _ => Role::Other(value),
        }
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Role::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_roles_use_lowercase_wire_names() {
        for (role, wire) in [
            (Role::Read, "read"),
            (Role::Write, "write"),
            (Role::Owner, "owner"),
        ] {
            assert_eq!(serde_json::to_value(&role).unwrap(), json!(wire));
            assert_eq!(serde_json::from_value::<Role>(json!(wire)).unwrap(), role);
            assert_eq!(role.to_string(), wire);
            assert_eq!(wire.parse::<Role>().unwrap(), role);
            assert_eq!(Role::from(wire.to_owned()), role);
        }
    }

    #[test]
    fn unknown_role_round_trips_unchanged() {
        let wire = json!(["sp.full control", "Read", "read"]);
        let roles: Vec<Role> = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(
            roles,
            vec![
                Role::Other("sp.full control".into()),
                Role::Other("Read".into()),
                Role::Read
            ]
        );
        assert_eq!(serde_json::to_value(&roles).unwrap(), wire);
        assert_eq!(Role::from("sp.full control").to_string(), "sp.full control");
    }

    #[test]
    fn non_string_role_is_rejected() {
        assert!(serde_json::from_value::<Role>(json!(3)).is_err());
    }
}
