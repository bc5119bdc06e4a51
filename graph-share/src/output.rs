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
                    writer.write_record(row.iter().map(|cell| csv_cell(cell).into_owned()))?;
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
        let rows: Vec<Vec<std::borrow::Cow<'_, str>>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|cell| printable(cell)).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &rows {
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
        for row in &rows {
            writeln!(
                out,
                "{}",
                line(row.iter().map(|cell| cell.as_ref()).collect())
            )?;
        }
        Ok(())
    }
}

/// A cell as a terminal may show it: names and messages come from the
/// tenant (anyone invited can choose a display name), so a control
/// character (an escape sequence, a newline forging a row) is shown as
/// `\u{…}` instead of being obeyed.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// A CSV cell that a spreadsheet will not run: a cell starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
/// others, so it gets a leading `'` (OWASP, "CSV Injection").
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
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

/// The cells every permission row shows alike (`list`'s and `audit`'s).
pub struct Cells {
    /// The roles, comma-separated.
    pub roles: String,
    /// The expiry in RFC 3339, or empty.
    pub expires: String,
    /// `yes` / `no` for a link with or without a password, empty when Graph does not say.
    pub password: &'static str,
    /// The ancestor's path (else id) the permission is inherited from, or empty.
    pub inherited: String,
}

/// The [`Cells`] of `permission`.
pub fn cells(permission: &Permission) -> Cells {
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
    Cells {
        roles: roles.join(","),
        expires,
        password,
        inherited,
    }
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
    let Cells {
        roles,
        expires,
        password,
        inherited,
    } = cells(permission);
    vec![
        permission.id.clone().unwrap_or_default(),
        kind,
        roles,
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
    // Each identity by its email, else its name: a link shared with a
    // person and a group names both.
    found
        .iter()
        .filter_map(|identity| {
            identity
                .get("email")
                .or_else(|| identity.get("displayName"))
                .and_then(Value::as_str)
        })
        .for_each(&mut add);
    names
}

/// Whether a grantee is from outside the tenant:
/// * an address at a domain the tenant has not verified ("organization
///   resource type", `verifiedDomains`: the domains the tenant owns), once
///   [`tenant::learn`](crate::tenant::learn) has read them;
/// * an Entra B2B guest, whose user principal name carries `#EXT#`
///   ("Properties of a Microsoft Entra B2B collaboration user");
/// * a SharePoint guest, whose `loginName` carries the `urn:spo:guest#`
///   claim (SharePoint's claims encoding for external users; no Graph page
///   names it, so it only adds to the two rules above).
///
/// Grantees without an address (a group, an app) are judged by markers only.
pub fn is_external(permission: &Permission) -> bool {
    identities(permission).iter().any(outsider)
}

/// Whether one grantee identity is from outside the tenant (see [`is_external`]).
fn outsider(identity: &serde_json::Map<String, Value>) -> bool {
    let marked = ["loginName", "email", "userPrincipalName"].iter().any(|k| {
        identity.get(*k).and_then(Value::as_str).is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("urn:spo:guest#") || v.contains("#ext#")
        })
    });
    let outside = identity
        .get("email")
        .and_then(Value::as_str)
        .and_then(crate::tenant::owns)
        .is_some_and(|owned| !owned);
    marked || outside
}

/// For a sharing link shared with outsiders and members alike: the
/// outsiders' addresses, which `revokeGrants` can take off the link while
/// the members keep it. `None` when every grantee is an outsider (or none
/// has an address), so that the whole permission may go.
pub fn outsiders_among_members(permission: &Permission) -> Option<Vec<String>> {
    let found = identities(permission);
    let mut outside: Vec<String> = Vec::new();
    let mut members = false;
    for identity in &found {
        let Some(email) = identity.get("email").and_then(Value::as_str) else {
            continue;
        };
        if outsider(identity) {
            if !outside.iter().any(|o| o.eq_ignore_ascii_case(email)) {
                outside.push(email.to_owned());
            }
        } else {
            members = true;
        }
    }
    (members && !outside.is_empty()).then_some(outside)
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
    fn every_grantee_is_named_by_email_or_else_by_name() {
        let shared = permission(json!({
            "id": "p", "roles": ["read"],
            "link": {"scope": "users", "type": "view"},
            "grantedToIdentitiesV2": [
                {"user": {"email": "lee@contoso.com", "displayName": "Lee"}},
                {"group": {"displayName": "Finance team"}},
            ],
        }));
        assert_eq!(grantees(&shared), ["lee@contoso.com", "Finance team"]);
    }

    #[test]
    fn control_characters_are_shown_not_obeyed_and_rows_stay_one_line_each() {
        assert_eq!(printable("plain"), "plain");
        assert_eq!(printable("a\u{1b}[2J\nb"), "a\\u{1b}[2J\\u{a}b");
        let report = Report {
            columns: vec!["name"],
            rows: vec![
                vec!["evil\u{1b}[2J\nFAKE ROW".to_owned()],
                vec!["ok".to_owned()],
            ],
            ..Report::default()
        };
        let mut out = Vec::new();
        report.table(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_quoted_as_text() {
        for formula in ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(formula), format!("'{formula}"));
        }
        for plain in ["guest@fabrikam.com", "2026-01-01", "aTowIy5t"] {
            assert_eq!(csv_cell(plain), plain);
        }
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
