//! What the subcommands print: tables for people, one JSON document
//! (`--json`) or CSV (`--csv`) for scripts. Always on stdout; notes and
//! errors go to stderr.

use std::io::Write;

use graph_core::drive::model::Permission;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

/// The output format chosen on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// One JSON document.
    Json,
    /// A header row, then one row per record.
    Csv,
}

/// Rows with named columns, printable in every [`Format`]; `extra` is merged
/// into the JSON document's top level.
#[derive(Debug, Default)]
pub struct Report {
    /// Column names.
    pub columns: Vec<&'static str>,
    /// One entry per row, one cell per column.
    pub rows: Vec<Vec<String>>,
    /// Raw JSON per row (the permission as Graph sent it), kept in `--json`.
    pub raw: Vec<Value>,
    /// Top-level fields of the JSON document (the item, counts, …).
    pub extra: serde_json::Map<String, Value>,
    /// What the table is about, printed above it.
    pub title: Option<String>,
    /// The command printed its output itself (streamed): print nothing.
    pub printed: bool,
}

impl Report {
    /// A report for a command that streamed its output itself.
    pub fn already_printed() -> Self {
        Self {
            printed: true,
            ..Self::default()
        }
    }

    /// Prints the report on stdout in `format`.
    pub fn print(&self, format: Format) -> std::io::Result<()> {
        if self.printed {
            return Ok(());
        }
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        match format {
            Format::Table => self.table(&mut out),
            Format::Json => {
                let rows: Vec<Value> = self
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(index, row)| {
                        let mut object: serde_json::Map<String, Value> = self
                            .columns
                            .iter()
                            .zip(row)
                            .map(|(c, v)| ((*c).to_owned(), Value::String(v.clone())))
                            .collect();
                        if let Some(raw) = self.raw.get(index) {
                            object.insert("raw".into(), raw.clone());
                        }
                        Value::Object(object)
                    })
                    .collect();
                let mut document = self.extra.clone();
                document.insert("rows".into(), Value::Array(rows));
                serde_json::to_writer_pretty(&mut out, &Value::Object(document))?;
                writeln!(out)
            }
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(&self.columns)?;
                for row in &self.rows {
                    writer.write_record(row)?;
                }
                writer.flush()
            }
        }
    }

    fn table(&self, out: &mut impl Write) -> std::io::Result<()> {
        if let Some(title) = &self.title {
            writeln!(out, "{title}")?;
        }
        if self.rows.is_empty() {
            return writeln!(out, "(none)");
        }
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<&str>| {
            let mut text = String::new();
            for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
                if index + 1 == cells.len() {
                    text.push_str(cell);
                } else {
                    text.push_str(&format!("{cell:<width$}  "));
                }
            }
            text.trim_end().to_owned()
        };
        writeln!(out, "{}", line(self.columns.clone()))?;
        for row in &self.rows {
            writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
        }
        Ok(())
    }
}

/// The columns of a permission row.
pub const PERMISSION_COLUMNS: [&str; 9] = [
    "id",
    "kind",
    "roles",
    "grantees",
    "external",
    "expires",
    "password",
    "inherited_from",
    "link_url",
];

/// A [`Report`] of permissions, one row each (see [`PERMISSION_COLUMNS`]).
pub fn permissions_report(permissions: &[Permission]) -> Report {
    let mut report = Report {
        columns: PERMISSION_COLUMNS.to_vec(),
        ..Report::default()
    };
    for permission in permissions {
        report.rows.push(permission_row(permission));
        report
            .raw
            .push(serde_json::to_value(permission).unwrap_or(Value::Null));
    }
    report
}

/// One permission as the cells of [`PERMISSION_COLUMNS`].
pub fn permission_row(permission: &Permission) -> Vec<String> {
    let kind = match &permission.link {
        Some(link) => format!(
            "{} {} link",
            link.scope.as_deref().unwrap_or("?"),
            link.link_type.as_deref().unwrap_or("?")
        ),
        None if permission.invitation.is_some() => "invitation".to_owned(),
        None => "grant".to_owned(),
    };
    let roles: Vec<&str> = permission.roles.iter().map(|r| r.as_str()).collect();
    let expires = permission
        .expiration_date_time
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_default();
    let password = match permission.has_password {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    let inherited = permission
        .inherited_from
        .as_ref()
        .map(|from| {
            from.path
                .clone()
                .or_else(|| from.id.clone())
                .unwrap_or_else(|| "yes".to_owned())
        })
        .unwrap_or_default();
    vec![
        permission.id.clone().unwrap_or_default(),
        kind,
        roles.join(","),
        grantees(permission).join("; "),
        if is_external(permission) { "yes" } else { "no" }.to_owned(),
        expires,
        password.to_owned(),
        inherited,
        permission
            .link
            .as_ref()
            .and_then(|l| l.web_url.clone())
            .unwrap_or_default(),
    ]
}

/// The properties of a permission that name whom it grants to (v1.0's
/// permission resource: `grantedTo*` and, for invitations, `invitation`).
const GRANTEE_PROPERTIES: [&str; 5] = [
    "grantedToV2",
    "grantedToIdentitiesV2",
    "grantedTo",
    "grantedToIdentities",
    "invitation",
];

/// Every identity object (with an `email`, `loginName` or `displayName`)
/// under the grantee properties of `permission`.
fn identities(permission: &Permission) -> Vec<serde_json::Map<String, Value>> {
    fn walk(value: &Value, found: &mut Vec<serde_json::Map<String, Value>>) {
        match value {
            Value::Object(object) => {
                if ["email", "loginName", "displayName"]
                    .iter()
                    .any(|k| object.get(*k).is_some_and(Value::is_string))
                {
                    found.push(object.clone());
                }
                for (key, inner) in object {
                    // `invitedBy` is who sent it, not who got it.
                    if key != "invitedBy" {
                        walk(inner, found);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let Ok(Value::Object(whole)) = serde_json::to_value(permission) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for name in GRANTEE_PROPERTIES {
        if let Some(value) = whole.get(name) {
            walk(value, &mut found);
        }
    }
    found
}

/// Whom the permission grants to: their emails, or display names for
/// grantees without one (a group, a person shown by name only).
pub fn grantees(permission: &Permission) -> Vec<String> {
    let found = identities(permission);
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_owned());
        }
    };
    let emails: Vec<&str> = found
        .iter()
        .filter_map(|identity| identity.get("email").and_then(Value::as_str))
        .collect();
    if emails.is_empty() {
        found
            .iter()
            .filter_map(|identity| identity.get("displayName").and_then(Value::as_str))
            .for_each(&mut add);
    } else {
        emails.into_iter().for_each(&mut add);
    }
    names
}

/// Whether a grantee is a guest from outside the tenant: SharePoint names
/// guests with the `urn:spo:guest#` claim in `loginName` (the claim the
/// emulator's invite route issues to external recipients, after SharePoint's
/// claims encoding), and Entra B2B guests carry `#EXT#` in their user
/// principal name ("Properties of a Microsoft Entra B2B collaboration user").
pub fn is_external(permission: &Permission) -> bool {
    identities(permission).iter().any(|identity| {
        ["loginName", "email", "userPrincipalName"].iter().any(|k| {
            identity.get(*k).and_then(Value::as_str).is_some_and(|v| {
                let v = v.to_ascii_lowercase();
                v.contains("urn:spo:guest#") || v.contains("#ext#")
            })
        })
    })
}

/// A one-row-per-line report of key/value facts (whoami, login, logout).
pub fn facts(title: &str, facts: &[(&'static str, String)]) -> Report {
    let mut report = Report {
        columns: vec!["property", "value"],
        title: Some(title.to_owned()),
        ..Report::default()
    };
    for (name, value) in facts {
        report.rows.push(vec![(*name).to_owned(), value.clone()]);
        report.extra.insert((*name).to_owned(), json!(value));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permission(value: Value) -> Permission {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_guest_claim_or_an_ext_upn_is_external_and_a_member_is_not() {
        let guest = permission(json!({"id": "1", "roles": ["read"],
            "grantedToV2": {"siteUser": {"email": "g@fabrikam.com",
                "loginName": "i:0#.f|membership|urn:spo:guest#g@fabrikam.com"}}}));
        assert!(is_external(&guest));
        assert_eq!(grantees(&guest), ["g@fabrikam.com"]);
        let b2b = permission(json!({"id": "2", "roles": ["read"],
            "grantedToV2": {"user": {"displayName": "G",
                "userPrincipalName": "g_fabrikam.com#EXT#@contoso.onmicrosoft.com"}}}));
        assert!(is_external(&b2b));
        let member = permission(json!({"id": "3", "roles": ["write"],
            "grantedToV2": {"user": {"email": "adele@contoso.com"},
                "siteUser": {"loginName": "i:0#.f|membership|adele@contoso.com"}},
            "invitation": {"invitedBy": {"user": {"email": "g#ext#@x"}}}}));
        assert!(!is_external(&member), "invitedBy is not a grantee");
    }

    #[test]
    fn a_link_row_names_its_scope_type_and_url() {
        let link = permission(json!({"id": "L", "roles": ["read"], "hasPassword": true,
            "link": {"scope": "anonymous", "type": "view", "webUrl": "https://1drv.ms/x"}}));
        let row = permission_row(&link);
        assert_eq!(row[1], "anonymous view link");
        assert_eq!(row[6], "yes");
        assert_eq!(row[8], "https://1drv.ms/x");
    }
}
