//! The exact request each invite form renders, and what `Debug` shows of secrets.

use graph_core::auth::{AccessToken, ClientCredentials, StaticToken};
use graph_core::drive::model::Password;
use graph_core::drive::{DriveRecipient, Invite, InviteBody, ItemLocator, Role};
use graph_core::{Endpoint, Error, Method};
use serde_json::{Value, json};
use time::macros::datetime;

fn full_body() -> InviteBody {
    InviteBody::new([
        DriveRecipient::email("ryan@contoso.com"),
        DriveRecipient::object_id("4d4f0c3c-9b5a-4ac0-b3e5-ecbb2ac7a1b3"),
    ])
    .with_message("Here's the file that we're collaborating on.")
    .with_require_sign_in(true)
    .with_send_invitation(true)
    .with_roles([Role::Write])
    .with_expiration_date_time(datetime!(2018-07-15 14:00 UTC))
    .with_password("p@ssw0rd-never-shown")
    .with_retain_inherited_permissions(false)
}

fn full_json() -> Value {
    json!({
        "recipients": [
            { "email": "ryan@contoso.com" },
            { "objectId": "4d4f0c3c-9b5a-4ac0-b3e5-ecbb2ac7a1b3" }
        ],
        "message": "Here's the file that we're collaborating on.",
        "requireSignIn": true,
        "sendInvitation": true,
        "roles": ["write"],
        "expirationDateTime": "2018-07-15T14:00:00.000Z",
        "password": "p@ssw0rd-never-shown",
        "retainInheritedPermissions": false
    })
}

#[test]
fn every_address_form_renders_its_documented_path_and_the_same_body() {
    let forms = [
        (ItemLocator::me("01ABC"), "/me/drive/items/01ABC/invite"),
        (
            ItemLocator::default_drive("01ABC"),
            "/drive/items/01ABC/invite",
        ),
        (
            ItemLocator::drive(
                "b!t18F8ybsHUq1z3LTz8xvZqP8zaSWjkFNhsME-Fepo75dTf9vQKfeRblBZjoSQrd7",
                "01ABC",
            ),
            "/drives/b!t18F8ybsHUq1z3LTz8xvZqP8zaSWjkFNhsME-Fepo75dTf9vQKfeRblBZjoSQrd7/items/01ABC/invite",
        ),
        (
            ItemLocator::group("0b2f3e1c-aaaa-4bbb-8ccc-123456789abc", "01ABC"),
            "/groups/0b2f3e1c-aaaa-4bbb-8ccc-123456789abc/drive/items/01ABC/invite",
        ),
        (
            ItemLocator::user("megan@contoso.com", "01ABC"),
            "/users/megan@contoso.com/drive/items/01ABC/invite",
        ),
        (
            ItemLocator::site("contoso.sharepoint.com,1a2b,3c4d", "01ABC"),
            "/sites/contoso.sharepoint.com,1a2b,3c4d/drive/items/01ABC/invite",
        ),
        (
            ItemLocator::me_path("Documents/Q3 Report #2.xlsx"),
            "/me/drive/root:/Documents/Q3%20Report%20%232.xlsx:/invite",
        ),
        (
            ItemLocator::drive_path("b!abc", "Shared/Plan?.docx"),
            "/drives/b!abc/root:/Shared/Plan%3F.docx:/invite",
        ),
    ];
    for (item, path) in forms {
        let request = item.invite(full_body()).to_request().unwrap();
        assert_eq!(request.method(), Method::Post, "{item:?}");
        assert_eq!(request.path_and_query(), path, "{item:?}");
        assert!(request.headers().is_empty(), "{item:?}");
        let body: Value = serde_json::from_slice(request.body().unwrap()).unwrap();
        assert_eq!(body, full_json(), "{item:?}");
    }
}

#[test]
fn the_declaration_carries_each_template_as_written() {
    let body = || InviteBody::new([DriveRecipient::alias("ryan")]).with_role(Role::Read);
    assert_eq!(
        ItemLocator::group("g", "i").invite(body()).template(),
        "/groups/<group_id>/drive/items/<item_id>/invite"
    );
    assert_eq!(
        ItemLocator::me_path("p").invite(body()).template(),
        "/me/drive/root:/<item_path..>:/invite"
    );
    // Eight item forms and five drive-root forms (`/me/drive/root`, …).
    assert_eq!(Invite::TEMPLATES.len(), 13);
    assert!(Invite::TEMPLATES.contains(&"/users/<user_id>/drive/items/<item_id>/invite"));
    let invite = Invite::builder()
        .item(ItemLocator::drive("b!x", "01 A/B"))
        .invite(body())
        .build();
    assert_eq!(
        Endpoint::to_request(&invite).unwrap().template(),
        "/drives/<drive_id>/items/<item_id>/invite"
    );
    assert_eq!(invite.path(), "/drives/b!x/items/01%20A%2FB/invite");
    assert_eq!(
        Endpoint::to_request(&invite).unwrap().body().unwrap(),
        br#"{"recipients":[{"alias":"ryan"}],"roles":["read"]}"#
    );
}

#[test]
fn each_documented_rule_is_an_error_naming_the_field_before_sending() {
    let item = ItemLocator::me("01ABC");
    let cases: [(InviteBody, &str); 2] = [
        (InviteBody::new(Vec::<DriveRecipient>::new()), "recipients"),
        (
            InviteBody::new([DriveRecipient::alias("a")])
                .with_role(Role::Read)
                .with_message("x".repeat(2001)),
            "message",
        ),
    ];
    for (body, field) in cases {
        match item.invite(body).to_request() {
            Err(Error::Validation(e)) => assert_eq!(e.field(), field),
            other => panic!("expected a validation error on {field}, got {other:?}"),
        }
    }
    // 2,000 characters (not bytes) is still fine.
    let long = InviteBody::new([DriveRecipient::alias("a")])
        .with_role(Role::Read)
        .with_message("é".repeat(2000));
    assert!(item.invite(long).to_request().is_ok());
}

/// Rules Microsoft does not state are no longer applied before sending:
/// each body is built into a request with exactly the JSON given, and
/// [`InviteBody::lint`] names what the old rules named.
#[test]
fn undocumented_rules_no_longer_stop_the_request() {
    let item = ItemLocator::me("01ABC");
    let cases: [(InviteBody, &str, &str); 4] = [
        (
            InviteBody::new([DriveRecipient::email("")]).with_role(Role::Read),
            "recipients[0].email",
            r#"{"recipients":[{"email":""}],"roles":["read"]}"#,
        ),
        (
            InviteBody::new([DriveRecipient::email("a@b.c")]),
            "roles",
            r#"{"recipients":[{"email":"a@b.c"}]}"#,
        ),
        (
            InviteBody::new([DriveRecipient::alias("a")])
                .with_role(Role::Read)
                .with_require_sign_in(false)
                .with_send_invitation(false),
            "sendInvitation",
            r#"{"recipients":[{"alias":"a"}],"requireSignIn":false,"sendInvitation":false,"roles":["read"]}"#,
        ),
        (
            InviteBody::new([DriveRecipient::alias("a")])
                .with_role(Role::Read)
                .with_password(""),
            "password",
            r#"{"recipients":[{"alias":"a"}],"roles":["read"],"password":""}"#,
        ),
    ];
    for (body, field, json) in cases {
        let lint: Vec<String> = body.lint().iter().map(|f| f.field().to_owned()).collect();
        assert_eq!(lint, [field]);
        let request = item.invite(body).to_request().expect("built");
        assert_eq!(std::str::from_utf8(request.body().unwrap()).unwrap(), json);
    }
}

#[test]
fn unsendable_path_values_are_refused_with_the_field_name() {
    for (item, field) in [
        (ItemLocator::me(""), "item_id"),
        (ItemLocator::drive("..", "01A"), "drive_id"),
        (ItemLocator::me_path("Docs/../secret"), "item_path"),
        (ItemLocator::me_path("/leading-slash"), "item_path"),
    ] {
        match item
            .invite(InviteBody::new([DriveRecipient::alias("a")]).with_role(Role::Read))
            .to_request()
        {
            Err(Error::Validation(e)) => assert_eq!(e.field(), field, "{item:?}"),
            other => panic!("expected a validation error for {item:?}, got {other:?}"),
        }
    }
}

#[test]
fn debug_output_never_shows_a_secret() {
    let secret_bits = ["p@ssw0rd-never-shown", "tok-3xyz", "cl13nt-s3cr3t"];
    let invite = ItemLocator::me("01ABC").invite(full_body());
    let shown = [
        format!("{:?}", full_body()),
        format!("{invite:?}"),
        format!("{:?}", invite.to_request().unwrap()),
        format!("{:?}", Password::new("p@ssw0rd-never-shown")),
        format!("{:?}", AccessToken::new("tok-3xyz")),
        format!("{:?}", StaticToken::new("tok-3xyz")),
        format!(
            "{:?}",
            ClientCredentials::new("contoso", "app", "cl13nt-s3cr3t")
        ),
    ];
    for text in &shown {
        for secret in secret_bits {
            assert!(!text.contains(secret), "{text}");
        }
    }
    // The redacted request still shows what was sent, so it is useful to read.
    assert!(
        shown[2].contains("ryan@contoso.com") && shown[2].contains("<redacted>"),
        "{}",
        shown[2]
    );
}
