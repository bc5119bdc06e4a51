use graph_core::{graph_endpoint, Endpoint, Error, ValidationError};

fn at_least_one(invite: &Invite) -> Result<(), ValidationError> {
    if invite.recipients.is_empty() {
        return Err(ValidationError::new("recipients", "must name at least one recipient"));
    }
    Ok(())
}

#[graph_endpoint(POST "/groups/<group_id>/drive/items/<item_id>/invite", validate = at_least_one)]
pub struct Invite {
    group_id: String,
    item_id: String,
    recipients: Vec<String>,
    message: Option<String>,
    require_sign_in: Option<bool>,
}

fn main() {
    let minimal = Invite::builder()
        .group_id("g")
        .item_id("i")
        .recipients(vec!["a@b.c".to_string()])
        .build();
    assert_eq!(
        minimal.to_request().unwrap().body(),
        Some(&br#"{"recipients":["a@b.c"]}"#[..])
    );
    let full = Invite::builder()
        .require_sign_in(true)
        .message("hi")
        .group_id("g")
        .item_id("i")
        .recipients(vec!["a@b.c".to_string()])
        .build();
    assert_eq!(
        full.to_request().unwrap().body(),
        Some(&br#"{"recipients":["a@b.c"],"message":"hi","requireSignIn":true}"#[..])
    );
    let empty = Invite::builder().group_id("g").item_id("i").recipients(Vec::<String>::new()).build();
    match empty.to_request() {
        Err(Error::Validation(e)) => assert_eq!(e.field(), "recipients"),
        other => panic!("expected a validation error, got {other:?}"),
    }
}
