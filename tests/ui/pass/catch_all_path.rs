use graph_core::{graph_endpoint, Endpoint};

#[graph_endpoint(POST "/drives/<drive_id>/root:/<item_path..>:/invite")]
struct InviteByPath {
    drive_id: String,
    item_path: String,
    recipients: Vec<String>,
}

fn main() {
    let invite = InviteByPath::builder()
        .drive_id("b!abc")
        .item_path("Team Docs/Q3 #1?.xlsx")
        .recipients(vec!["a@contoso.com".to_string()])
        .build();
    assert_eq!(InviteByPath::TEMPLATE, "/drives/<drive_id>/root:/<item_path..>:/invite");
    assert_eq!(invite.path(), "/drives/b!abc/root:/Team%20Docs/Q3%20%231%3F.xlsx:/invite");
    assert_eq!(invite.template(), InviteByPath::TEMPLATE);
    assert_eq!(InviteByPath::TEMPLATES, [InviteByPath::TEMPLATE]);
    let request = Endpoint::to_request(&invite).unwrap();
    assert_eq!(request.template(), InviteByPath::TEMPLATE, "logs and tracing name the template");
}
