//! The subcommands that send: invite, link, list, revoke.

use graph_core::Client;
use graph_core::drive::model::{
    CreateLinkBody, DriveRecipient, InviteBody, LinkScope, LinkType, Permission, Role,
};
use graph_core::drive::{ItemLocator, LinkOutcome};
use serde_json::json;

use crate::cli::{InviteArgs, LinkArgs, LinkScopeArg, LinkTypeArg, RevokeArgs, RoleArg};
use crate::exit::{Code, Failure, code_of, describe};
use crate::item::display_path;
use crate::output::{
    Report, grantees, is_external, outsiders_among_members, permission_row, permissions_report,
    printable,
};

/// A finished subcommand: what to print, and the exit code (any but 2 and
/// 3: a revoke whose every removal failed is 1, one left unknown 5; a
/// failure of the whole command is a [`Failure`] instead).
pub struct Done {
    /// What to print.
    pub report: Report,
    /// The exit code.
    pub code: Code,
}

impl Done {
    fn ok(report: Report) -> Self {
        Self {
            report,
            code: Code::Ok,
        }
    }
}

/// `invite`: one `POST …/invite` for every recipient.
pub async fn invite(
    client: &Client,
    item: &ItemLocator,
    args: &InviteArgs,
) -> Result<Done, Failure> {
    let role = match args.role {
        RoleArg::Read => Role::Read,
        RoleArg::Write => Role::Write,
    };
    let mut body = InviteBody::new(args.to.iter().map(DriveRecipient::email))
        .with_roles([role])
        .with_send_invitation(!args.no_notify);
    if let Some(message) = &args.message {
        body = body.with_message(message.clone());
    }
    if let Some(expires) = args.expires {
        body = body.with_expiration_date_time(expires);
    }
    let shown = display_path(item);
    tracing::info!(item = %shown, recipients = args.to.len(), "sending the invitation");
    let granted = client
        .send(&item.invite(body))
        .await
        .map_err(|e| Failure::graph(format!("invite on {shown}"), &e))?;
    crate::tenant::learn(client).await;
    let mut report = permissions_report(granted.permissions());
    report.title = Some(format!("Granted on {shown}"));
    report.extra.insert("item".into(), json!(shown));
    // 207: access granted, but some recipients were not notified ("driveItem:
    // invite", Response): the grant is done, the notification is the part
    // that failed.
    let mut unnotified = 0;
    for (index, permission, error) in granted.notification_failures() {
        unnotified += 1;
        // Named by the permission Graph answered with: the docs promise no
        // order of the answer's permissions, so `--to`'s order is the fallback.
        let named = grantees(permission).join(", ");
        let recipient = if named.is_empty() {
            args.to.get(index).map_or("a recipient", String::as_str)
        } else {
            named.as_str()
        };
        eprintln!(
            "warning: {} has access but was not notified: {}",
            printable(recipient),
            printable(
                error
                    .message
                    .as_deref()
                    .or(error.code.as_deref())
                    .unwrap_or("no reason given")
            )
        );
    }
    report
        .extra
        .insert("not_notified".into(), json!(unnotified));
    Ok(Done {
        report,
        code: if unnotified == 0 {
            Code::Ok
        } else {
            Code::Partial
        },
    })
}

/// `link`: `POST …/createLink`; Graph answers 201 with a new link or 200
/// with the equivalent existing one.
pub async fn link(client: &Client, item: &ItemLocator, args: &LinkArgs) -> Result<Done, Failure> {
    let link_type = match args.link_type {
        LinkTypeArg::View => LinkType::View,
        LinkTypeArg::Edit => LinkType::Edit,
    };
    let scope = match args.scope {
        LinkScopeArg::Anonymous => LinkScope::Anonymous,
        LinkScopeArg::Organization => LinkScope::Organization,
        LinkScopeArg::Users => LinkScope::Users,
    };
    let mut body = CreateLinkBody::new(link_type).with_scope(scope);
    if !args.to.is_empty() {
        body = body.with_recipients(args.to.iter().map(DriveRecipient::email));
    }
    if let Some(expires) = args.expires {
        body = body.with_expiration_date_time(expires);
    }
    if let Some(password) = &args.password {
        body = body.with_password(password.clone());
    }
    let shown = display_path(item);
    tracing::info!(item = %shown, "creating the link");
    let outcome = item
        .create_link(body)
        .send(client)
        .await
        .map_err(|e| Failure::graph(format!("link on {shown}"), &e))?;
    crate::tenant::learn(client).await;
    let (word, permission) = match outcome {
        LinkOutcome::Created(p) => ("created", p),
        LinkOutcome::Existing(p) => ("existing", p),
    };
    let mut report = permissions_report(std::slice::from_ref(&permission));
    report.title = Some(format!(
        "{} link on {shown}",
        if word == "created" {
            "New"
        } else {
            "Existing (equivalent)"
        }
    ));
    report.extra.insert("item".into(), json!(shown));
    report.extra.insert("outcome".into(), json!(word));
    Ok(Done::ok(report))
}

/// Every permission of `item`, following `@odata.nextLink` to the end.
pub async fn all_permissions(
    client: &Client,
    item: &ItemLocator,
) -> Result<Vec<Permission>, Failure> {
    let shown = display_path(item);
    let context = || format!("listing the permissions of {shown}");
    let mut page = Some(
        client
            .send(&item.list_permissions(None))
            .await
            .map_err(|e| Failure::read(context(), &e))?,
    );
    let mut all = Vec::new();
    while let Some(mut current) = page {
        tracing::info!(item = %shown, read = current.value.len(), more = current.next_link.is_some(), "a page of permissions");
        let next = client
            .next_page(&current)
            .await
            .map_err(|e| Failure::read(context(), &e))?;
        all.append(&mut current.value);
        page = next;
    }
    Ok(all)
}

/// `list`.
pub async fn list(client: &Client, item: &ItemLocator) -> Result<Done, Failure> {
    let permissions = all_permissions(client, item).await?;
    crate::tenant::learn(client).await;
    let shown = display_path(item);
    let mut report = permissions_report(&permissions);
    report.title = Some(format!("Permissions of {shown}"));
    report.extra.insert("item".into(), json!(shown));
    report
        .extra
        .insert("count".into(), json!(permissions.len()));
    Ok(Done::ok(report))
}

/// The columns of `revoke`'s report.
const REVOKE_COLUMNS: [&str; 5] = ["id", "kind", "grantees", "outcome", "detail"];

/// `revoke`: one `DELETE …/permissions/{id}` per permission chosen.
/// With `--external`, a link scoped to specific users that members share
/// too: the outsiders to take off it (`revokeGrants` supports only such
/// links, "permission: revokeGrants").
fn users_link_shared_with_members(
    permission: &Permission,
    args: &RevokeArgs,
) -> Option<Vec<String>> {
    let scope = permission.link.as_ref()?.scope.as_deref();
    if !args.external || scope != Some("users") {
        return None;
    }
    outsiders_among_members(permission)
}

pub async fn revoke(
    client: &Client,
    item: &ItemLocator,
    args: &RevokeArgs,
) -> Result<Done, Failure> {
    let shown = display_path(item);
    let chosen: Vec<Permission> = match &args.permission {
        Some(id) => {
            // One named permission: its failure is the command's.
            client
                .send(&item.delete_permission(id.clone()))
                .await
                .map_err(|e| Failure::graph(format!("revoking permission {id} on {shown}"), &e))?;
            let mut report = revoke_report(&shown);
            report.rows.push(vec![
                id.clone(),
                String::new(),
                String::new(),
                "removed".into(),
                String::new(),
            ]);
            report.extra.insert("removed".into(), json!(1));
            return Ok(Done::ok(report));
        }
        None => {
            let all = all_permissions(client, item).await?;
            if args.external {
                crate::tenant::learn(client).await;
            }
            all.into_iter()
                .filter(|p| match args.links {
                    Some(scope) => {
                        p.link.as_ref().and_then(|l| l.scope.as_deref()) == Some(scope.as_str())
                    }
                    None => args.external && is_external(p),
                })
                .collect()
        }
    };
    let mut report = revoke_report(&shown);
    let (mut removed, mut failed, mut unknown, mut skipped) = (0, 0, 0, 0);
    for permission in &chosen {
        let row = permission_row(permission);
        let id = permission.id.clone().unwrap_or_default();
        let (outcome, detail) = if let Some(from) = &permission.inherited_from {
            // "Delete a sharing permission": only permissions that are not
            // inherited can be deleted (inheritedFrom must be null).
            skipped += 1;
            let from = from
                .path
                .clone()
                .or_else(|| from.id.clone())
                .unwrap_or_default();
            (
                "skipped".to_owned(),
                format!("inherited from {from}: revoke it there"),
            )
        } else {
            let (sent, done, context) = match users_link_shared_with_members(permission, args) {
                // Deleting the link would take it from the members too:
                // "permission: revokeGrants" takes only the outsiders off it.
                Some(outsiders) => {
                    tracing::info!(item = %shown, permission = %id, "revoking the outsiders' grants");
                    let recipients = outsiders.iter().map(DriveRecipient::email);
                    let sent = client
                        .send(&item.revoke_grants(id.clone(), recipients))
                        .await;
                    let detail = format!(
                        "{} taken off; the members keep the link",
                        outsiders.join(", ")
                    );
                    (
                        sent.map(drop),
                        ("grants revoked", detail),
                        format!("revoking grants of {id} on {shown}"),
                    )
                }
                None => {
                    tracing::info!(item = %shown, permission = %id, "revoking");
                    let sent = client.send(&item.delete_permission(id.clone())).await;
                    (
                        sent,
                        ("removed", String::new()),
                        format!("revoking permission {id} on {shown}"),
                    )
                }
            };
            match sent {
                Ok(()) => {
                    removed += 1;
                    (done.0.to_owned(), done.1)
                }
                Err(e) => {
                    let line = describe(&e);
                    eprintln!("error: {context}: {line}");
                    if code_of(&e) == Code::Unknown {
                        unknown += 1;
                        ("unknown".to_owned(), line)
                    } else {
                        failed += 1;
                        ("failed".to_owned(), line)
                    }
                }
            }
        };
        report
            .rows
            .push(vec![id, row[1].clone(), row[3].clone(), outcome, detail]);
    }
    for (name, count) in [
        ("removed", removed),
        ("failed", failed),
        ("unknown", unknown),
        ("skipped", skipped),
    ] {
        report.extra.insert(name.into(), json!(count));
    }
    let code = if unknown > 0 {
        Code::Unknown
    } else if failed > 0 && removed == 0 {
        Code::Graph
    } else if failed > 0 {
        Code::Partial
    } else {
        Code::Ok
    };
    Ok(Done { report, code })
}

fn revoke_report(shown: &str) -> Report {
    let mut report = Report {
        columns: REVOKE_COLUMNS.to_vec(),
        title: Some(format!("Revoke on {shown}")),
        ..Report::default()
    };
    report.extra.insert("item".into(), json!(shown));
    report
}
